"""RESULTS.md section: CMA-ES on the double pole (fixed networks) beside NEAT (benchmarks/double_pole.py --algorithm
cmaes)."""
from __future__ import annotations

import json
import pathlib

ORDER = 250


def _fmt(x: object) -> str:
    return "-" if x is None else (f"{x:,.0f}" if isinstance(x, (int, float)) else str(x))


ANGLE_KEYS = ("4.5deg", "0.07rad")
COSYNE = {"dpv": 954, "dpnv": 3416}  # Gomez, Schmidhuber & Miikkulainen 2008


def _fmt1(x: object) -> str:
    return "-" if x is None else f"{x:.2f}"


def _load(x: object) -> str:
    return "-" if not isinstance(x, list) else "/".join(f"{v:.1f}" for v in x)


def render(results_dir: pathlib.Path) -> str:
    out = ["## CMA-ES on the double pole (fixed networks) beside NEAT", ""]
    found = False
    for variant, title in (("dpv", "DPV (single-layer net, no hidden units)"),
                           ("dpnv", "DPNV (Elman recurrent net)")):
        files = [(f"double_pole_cmaes_{variant}.json", "CMA-ES + restarts (ours, EvoTorch; task file)"),
                 (f"double_pole_cmaes_{variant}_norestart.json", "CMA-ES, no restarts (ours, EvoTorch)")]
        loaded = [(json.loads((results_dir / f).read_text()), label) for f, label in files
                  if (results_dir / f).exists()]
        if not loaded:
            out += [f"### {title}", "", f"not yet measured: `python benchmarks/double_pole.py --variant {variant} "
                    "--algorithm cmaes`", ""]
            continue
        found = True
        out += [f"### {title}", ""]
        out += [f"    {r['meta']['command']}" for r, _ in loaded]
        out += ["", "| row | start angle | solved | mean evals | median | worst | mean restarts | parameters | "
                "population (first start) |", "|---|---|---|---|---|---|---|---|---|"]
        for n_file, (r, label) in enumerate(loaded):
            for key in ANGLE_KEYS:
                s = r.get(key)
                if not s and n_file == 0:
                    out.append(f"| {label} | {key} | not yet measured (`--angles {key}`) | - | - | - | - | - | - |")
                if s:
                    part = "" if s.get("complete", True) else " (stopped early: the seeds run so far)"
                    out.append(f"| {label}{part} | {key} | {s['solved']}/{s['runs']} | {_fmt(s['mean_evals'])} | "
                               f"{_fmt(s['median_evals'])} | {_fmt(s['worst_evals'])} | "
                               f"{_fmt1(s.get('mean_restarts'))} | {s['parameters']} | {s['pop_size']} |")
        r = loaded[0][0]
        n = r.get("neat_0.07rad")
        neat_file = results_dir / f"double_pole_{variant}.json"  # benchmarks/double_pole.py --variant V (NEAT)
        if not n and neat_file.exists():
            n = json.loads(neat_file.read_text())
        if n:
            out.append(f"| NEAT (ours, tasks/ file) | 0.07rad | {n['solved']}/{n['runs']} | {_fmt(n['mean_evals'])} | "
                       f"{_fmt(n['median_evals'])} | {_fmt(n['worst_evals'])} | - | - | see task file |")
        else:
            out.append(f"| NEAT (ours; run `python benchmarks/double_pole.py --variant {variant}` for its results "
                       "file) | 0.07rad | - | - | - | - | - | - | - |")
        out.append(f"| CMA-ES, Igel 2003 (published, via Gomez et al. 2008) | 4.5deg | - | "
                   f"{_fmt(r['published_evals'])} | - | - | - | - | - |")
        out.append(f"| CoSyNE (published, Gomez et al. 2008) | 4.5deg | - | {_fmt(COSYNE[variant])} | - | - | - | - | "
                   "- |")
        first = loaded[0][0].get("4.5deg")
        if first and first.get("mean_evals"):
            ratio = first["mean_evals"] / r["published_evals"]
            med = first["median_evals"] / r["published_evals"]
            out += ["", f"Against the published {_fmt(r['published_evals'])} at 4.5 degrees: mean {ratio:.2f}x, median "
                    f"{med:.2f}x ({'within' if ratio <= 1.5 else 'NOT within'} the 1.5x goal on the mean), "
                    f"{first['solved']}/{first['runs']} solved, {first.get('mean_restarts') or 0:.2f} restarts per "
                    "run on average."]
        out += [""] + [f"{label}: commit {r['meta']['commit'][:10]}, {r['meta']['date'][:16]}, load before/after "
                       f"{_load(r['meta']['load_before'])} / {_load(r['meta']['load_after'])}." for r, label in loaded]
        for r, label in loaded:  # angle rows kept from an earlier run of other angles carry their own meta
            out += [f"{label}, {key} row: measured earlier by `{m['command']}`, commit {str(m['commit'])[:10]}, "
                    f"{str(m['date'])[:16]}, load before/after {_load(m['load_before'])} / {_load(m['load_after'])}."
                    for key in ANGLE_KEYS if isinstance(r.get(key), dict) and (m := r[key].get("meta"))]
        out.append("")
    if not found:
        out.append("(no results file yet: run the command above)")
    out += ["Notes: same physics, fitness, success test (DPNV: 100,000 decisions then >= 200 of 625 generalization "
            "starts; tests not counted) and evaluation counting (run loop: every candidate of earlier generations, "
            "restarts included, + the winner's index) on every row. CMA-ES is EvoTorch's CMA-ES (DPV: default "
            "population "
            "4 + floor(3 ln D); DPNV: 26, twice the default; initial step size `[distribution] sigma`, mean starting "
            "at zero). Restarts: when a stopping rule fires (TolFun on the best-fitness history, TolX relative to the "
            "initial sigma, or `restart_generations` since the last start) the search starts again, DPV with twice "
            "the population (IPOP, Auger & Hansen 2005), DPNV with the same population; up to 9 restarts; "
            "EvoTorch's own `IPOP` restarter drives evaluation itself, so the rule is "
            "applied in our ask/tell. The DPV generation limit (100) was tuned on seeds 1000-1009 (100: 10/10 solved, "
            "mean 1,090 evaluations; 60: 10/10, 1,329). DPNV was tuned on seeds 1000-1008 at 4.5 degrees (task file "
            "comments). With CMA-ES's default population (13 for 25 weights) most runs failed their first start and "
            "solved only after an IPOP restart (an earlier 20-seed run: 17/20 solved, mean 11,500, 1.90x the "
            "published figure). Twice the default population (26) solved 5 of seeds 1000-1005 in the first start "
            "within 154 generations (mean 3,520); 50 was slower. Seed 1005 stalls at about 150 balanced steps, a local "
            "optimum, and failed 4 IPOP restarts with doubled populations, so restarts keep the population "
            "(`restart_pop_factor = 1`) and come after 200 generations: seeds 1000-1008 then 9/9 solved, mean 5,544 "
            "evaluations. On the reported seeds 0-19 more first starts stalled than on the tuning seeds (23 restarts "
            "in 20 runs: about half of all starts stall, each costing 5,200 evaluations), which puts the mean just "
            "above 1.5x; next to try: a random initial mean per restart (`center_init = \"random\"`) and Igel's "
            "exact network. Earlier DPNV tuning at population 13: sigma 0.5 -> 4/4 solved on seeds 1000-1003 (11,512), "
            "sigma 1.0 -> 2/3, sigma 0.25 -> 1003 unsolved at 80,288. Unsolved DPNV runs stop at the task file's "
            "1,500 generations. "
            "The no-restart row "
            "is the same CMA-ES before restarts existed (measured at an earlier commit, when the task file had no "
            "restarts; its mean counts solved runs only). What is paper-exact and what is not: the physics, the "
            "4.5 degree start, Gruau's damping fitness for DPNV (0.1 t/1000 + 0.9 x 0.75 / jiggle over the last 100 "
            "of 1,000 decisions), the success test (the generation's best network balances 100,000 decisions, then "
            ">= 200 of the 625 generalization starts; tests not counted) and the DPV net (a single layer, no hidden "
            "units) follow Gruau et al. 1996 / Gomez et al. 2008 (we read 6,061 as CMA-ES's DPNV figure under the "
            "damping fitness, the fitness all DPNV rows here use; the papers' text was not retrievable in this "
            "session, so this and the network below are from the project's notes, not re-checked). Not verified "
            "against Igel 2003: Igel's DPNV network (we "
            "use 3 Elman tanh units with biases, a sigmoid output, 25 weights), the initial step size, the "
            "population size and the initial mean; ours are tuned (sigma 0.5, population 26, mean 0), so the DPNV row "
            "is a tuned row, not a paper-exact one. "
            "Published figures used a 4.5 degree start (Gruau et al.); NEAT's standard here is 0.07 rad. Reported "
            "seeds 0..N-1. Several rows were measured under heavy load (8 helpers on 2 cores; load averages above): "
            "counts are exact either way, ""CPU seconds in the results files are not comparable across files.", ""]
    return "\n".join(out)
