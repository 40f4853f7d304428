"""RESULTS.md section: double pole with and without velocities, both start angles (benchmarks/double_pole.py)."""
from __future__ import annotations

from pathlib import Path

from benchmarks.report_sections._markdown import command, load, num, provenance, table
from topoevo.report.compare import bootstrap_ci

ORDER = 60
TITLE = "Double pole balancing (DPV, DPNV), NEAT"
VARIANTS = {"dpv": "DPV (velocities)", "dpnv": "DPNV (no velocities)"}
ARRAY_CORE_MERGED = "2026-12-05T17:04:19Z"  # issue 18's array kernels (another random stream) on main, commit 2b2ade7
ANGLES = {"": "0.07 rad (Stanley's C++)", "_4p5deg": "4.5 deg = 0.0785 rad (Gomez 2008)"}
PUBLISHED = {
    "dpv": "NEAT 3,600 (Stanley & Miikkulainen 2002, pop 150); CoSyNE 954, CMA-ES 895 (Gomez, Schmidhuber & "
           "Miikkulainen 2008, start 4.5 deg)",
    "dpnv": "NEAT 33,184 (Stanley & Miikkulainen 2002, pop 1,000; generalization 286 of 625); NEAT 6,929 (pop 16), "
            "CoSyNE 3,416, CMA-ES 6,061 (Gomez et al. 2008, start 4.5 deg)",
}


def render(results_dir: Path) -> str:
    rows, sources, old = [], [], []
    for variant, vname in VARIANTS.items():
        for suffix, aname in ANGLES.items():
            name = f"double_pole_{variant}{suffix}"
            flag = "4.5deg" if suffix else "0.07"
            cmd = f"python benchmarks/double_pole.py --variant {variant} --seeds 20 --first-seed 100 " \
                      f"--start-angle {flag}"
            d = load(results_dir, name)
            if d is None:
                sources.append(f"- `{cmd}`: not yet measured (no `benchmarks/results/{name}.json`).")
                continue
            sources.append(f"- `{command(d)}` -- {provenance(d)}")
            if str(d.get("meta", {}).get("date", "")) < ARRAY_CORE_MERGED:
                old.append(f"{vname} at {aname}")
            evals = [r["evals"] for r in d.get("per_run", []) if r["solved"]]
            ci = bootstrap_ci(evals, "mean")
            rows.append([vname, aname, d.get("meta", {}).get("seeds") or "-", f"{d['solved']}/{d['runs']}",
                         f"**{num(d['mean_evals'])}**", f"[{num(ci[0])}, {num(ci[1])}]" if ci else "-",
                         num(d["median_evals"]), num(d["worst_evals"]),
                         f"{num(d['mean_generalization'])} (min {num(d['min_generalization'])})",
                         num(d["mean_hidden"], 2)])
    src = "\n".join(sources)
    stream = ("Measured before issue 18's array kernels (NEAT's offspring now come from another random stream, so a "
              "re-run gives other runs of the same algorithm): " + "; ".join(old) + ".\n") if old else ""
    pub = "\n".join(f"- {VARIANTS[v]}: {text}" for v, text in PUBLISHED.items())
    return f"""## {TITLE}

{src}

Physics as in Stanley's NEAT C++ (Wieland/Gruau equations, RK4, h = 0.01, two steps per decision). DPV
(`tasks/double_pole_velocities.toml`, population 100, feed-forward): solved when a genome balances 100,000
decisions during its own evaluation; evaluations = genomes of earlier generations + the winner's index (no ranking
involved). DPNV (`tasks/double_pole_no_velocities.toml`, population 150, recurrent, Gruau's damping fitness over
1,000 decisions): each generation one species champion (Stanley's `pole2_epoch` rotation) takes the success test
(100,000 decisions from the standard start, then >= 200 of the 625 generalization starts; tests not counted as
evaluations); since that champion is chosen by ranking, **evaluations count whole generations** (before
2026-12-05 they stopped at the winner's index). Generalization is measured for DPV afterwards, for the report only.

**Seeds**: the task files' settings were tuned on seeds 0-11 (DPNV: p2nv.ne settings, target 10 species, species
champions tested in turn) and 0-19 (DPV: population), before the rule "tune on seeds >= 1000"; so every row
here is measured on seeds from 100 up (column "seeds"), which no tuning run used. The 95% interval of the mean is
a bootstrap over the solved runs (10,000 resamples).

{table(["variant", "start angle", "seeds", "solved", "mean evals", "95% CI", "median", "worst",
        "generalization (of 625)", "hidden nodes"], rows)}
{stream}Published (evaluations, mean):
{pub}

Goals: DPV 100% solved, mean <= 3,600 (aim <= 2,000); DPNV >= 90% solved, mean <= 33,184 (aim <= 10,000).
"""
