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
                           ("dpnv", "DPNV (Elman recurrent net, 3 units)")):
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
            seeds = (n.get("meta") or {}).get("seeds")
            out.append(f"| NEAT (ours, tasks/ file{f'; seeds {seeds}' if seeds else ''}) | 0.07rad | "
                       f"{n['solved']}/{n['runs']} | {_fmt(n['mean_evals'])} | "
                       f"{_fmt(n['median_evals'])} | {_fmt(n['worst_evals'])} | - | - | see task file |")
        else:
            out.append(f"| NEAT (ours; run `python benchmarks/double_pole.py --variant {variant}` for its results "
                       "file) | 0.07rad | - | - | - | - | - | - | - |")
        neat_45 = results_dir / f"double_pole_{variant}_4p5deg.json"  # ... --start-angle 4.5deg (NEAT)
        if neat_45.exists():
            n45 = json.loads(neat_45.read_text())
            out.append(f"| NEAT (ours, tasks/ file; seeds {n45['meta']['seeds']}) | 4.5deg | {n45['solved']}/"
                       f"{n45['runs']} | {_fmt(n45['mean_evals'])} | {_fmt(n45['median_evals'])} | "
                       f"{_fmt(n45['worst_evals'])} | - | - | see task file |")
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
    out += ["Notes: same physics, fitness and success test as NEAT's rows (DPNV: the generation's best network "
            "balances 100,000 decisions, then >= 200 of the 625 generalization starts; tests not counted). Evaluations "
            "are counted by the run loop, the same code as NEAT's rows: every candidate of earlier generations, "
            "restarts included, plus, for DPV (a network solves during its own evaluation), the winner's 1-based "
            "index in its generation, and for DPNV (the winner is found by ranking the generation, then testing its "
            "best) the whole solving generation, i.e. generations x population; Gomez et al. 2008 count networks "
            "evaluated until the solution, tests not counted. CMA-ES is EvoTorch's CMA-ES (DPV: default population "
            "4 + floor(3 ln D); DPNV: 26, twice the default; initial step size `[distribution] sigma`; initial mean: "
            "DPV zero, DPNV a random network per (re)start). Restarts: when a stopping rule fires (TolFun on the "
            "best-fitness history, TolX relative to the initial sigma, or `restart_generations` since the last start) "
            "the search starts again, DPV with twice the population (IPOP, Auger & Hansen 2005), DPNV with the same "
            "population; up to 9 restarts; EvoTorch's own `IPOP` restarter drives evaluation itself, so the rule is "
            "applied in our ask/tell. The DPV generation limit (100) was tuned on seeds 1000-1009 (100: 10/10 solved, "
            "mean 1,090 evaluations; 60: 10/10, 1,329). DPNV was tuned on seeds >= 1000 at 4.5 degrees (the task "
            "file's comments hold every trial). With CMA-ES's default population (13 for 25 weights) most runs "
            "failed their first start (an earlier 20-seed run: 17/20 solved, mean 11,500, 1.90x). Twice the default "
            "(26) solved 5 of seeds 1000-1005 in the first start; 50 was slower. Some starts stall at a local optimum "
            "of Gruau's damping fitness (a network that keeps the cart still for about 150 steps and then fails "
            "gently scores about as well as one that balances 1,000 jiggling steps), so a start that has not solved "
            "after 200 generations restarts, with the same population (doubled populations did not get seed 1005 "
            "out). With every start from a zero mean, seeds 0-19 gave 20/20 solved, mean 9,656, median 8,749 "
            "(1.59x, commit cdb7328): 23 of 43 starts stalled, more than on the tuning seeds. Now each "
            "(re)start begins at its own random mean (the [model] initialisation: N(0, 1/fan_in) weights, zero "
            "biases): seeds 1000-1008 9/9, mean 5,073 (zeros: 5,544). The restart limit was checked on the "
            "outcomes of 17 starts on seeds 1000-1011 with a 300-generation limit (12 solved, after 96-257 "
            "generations; 5 stalled): the expected cost is flat at 6,600-7,100 evaluations for limits of 160-300 "
            "generations, so 200 stayed. Earlier DPNV tuning at population 13: sigma 0.5 -> 4/4 solved on seeds "
            "1000-1003 (11,512), sigma 1.0 -> 2/3, sigma 0.25 -> 1003 unsolved at 80,288. Unsolved DPNV runs stop at "
            "the task file's 1,500 generations. The no-restart row is the same CMA-ES before restarts existed "
            "(measured at an earlier commit; its mean counts solved runs only). What is paper-exact and what is "
            "not: the physics, the 4.5 degree start, Gruau's damping fitness for DPNV (0.1 t/1000 + 0.9 x 0.75 / "
            "jiggle over the last 100 of 1,000 decisions), the success test and the DPV net (a single layer, no "
            "hidden units) follow Gruau et al. 1996 / Gomez et al. 2008 (we read 6,061 as CMA-ES's DPNV figure under "
            "the damping fitness; the papers' text was not retrievable here). Igel 2003's own DPNV network, initial "
            "step size, population and initial mean could not be read either, so there is no paper-exact DPNV row: "
            "the row above is tuned. The closest public source is the code of Igel's group: Shark's `NonMarkovPole` "
            "and `GruauPole` benchmarks (from Heidrich-Meisner's code for Heidrich-Meisner & Igel 2009) use a fully "
            "recurrent network (hidden and output units in one recurrent layer, each seeing the inputs, a bias and "
            "every unit's previous value; x/(1+|x|) units), the inputs x/4.8, theta1/0.52, theta2/0.52 (ours too), a "
            "zero initial mean, and a 0.07 rad start. That network is `[model] kind = \"frnn\"` here. On the tuning "
            "seeds at CMA-ES's default population it was worse than the Elman net: 1 hidden unit (12 weights) solved "
            "seed 1000 in 649 evaluations but seed 1001 stalled in a balancer that generalizes to 2-3 of 625 starts; "
            "2 hidden: 1 of seeds 1000-1002 solved within 7,800; 3 hidden: 2 of seeds 1000-1005 within 600 "
            "generations. Published figures used a 4.5 degree start (Gruau et al.); NEAT's standard here is 0.07 "
            "rad. Reported seeds 0..N-1 for CMA-ES; NEAT's rows ran on seeds 100-119 / 100-109 (its task files were tuned on "
            "seeds 0-19 before the rule \"tune on seeds >= 1000\" existed). Several rows were measured under heavy load (8 helpers on 2 cores; load "
            "averages above): counts are exact either way, CPU seconds in the results files are not comparable "
            "across files.", ""]
    return "\n".join(out)
