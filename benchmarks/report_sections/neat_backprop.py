"""RESULTS.md section: NEAT + backprop, plain / Baldwinian / Lamarckian (benchmarks/neat_backprop.py)."""
from __future__ import annotations

from pathlib import Path
from statistics import fmean

from benchmarks.report_sections._markdown import command, json_line, load, not_measured, provenance, table

ORDER = 90
TITLE = "NEAT + backprop: plain, Baldwinian and Lamarckian"
COMMAND = "nice -n 10 python benchmarks/neat_backprop.py --seeds 3"
COLUMNS = [("plain", "plain_test_acc"), ("plain + Adam", "plain_finetuned_test_acc"),
           ("Baldwinian", "baldwinian_test_acc"), ("Baldwinian untrained", "baldwinian_untrained_test_acc"),
           ("Lamarckian", "lamarckian_test_acc")]


def render(results_dir: Path) -> str:
    d = load(results_dir, "neat_backprop")
    if d is None:
        return not_measured(TITLE, COMMAND, "neat_backprop")
    rows = []
    for name, r in d.items():
        if name == "meta":
            continue
        w = r["wall_s_per_run"]
        rows.append([f"{name} (mean of {r['seeds']} seeds)"] +
                    [f"{fmean(r[key]):.3f} ({', '.join(f'{x:.3f}' for x in r[key])})" for _, key in COLUMNS] +
                    [f"{w['plain']} / {w['baldwinian']} / {w['lamarckian']} s"])
    first = next(v for k, v in d.items() if k != "meta")
    return f"""## {TITLE}

`{command(d)}` -- {provenance(d)}

Plain NEAT vs NEAT whose genomes are trained by Adam ({first['steps']} steps per evaluation), population
{first['pop_size']}, {first['generations']} generations; fitness = minus the validation cross-entropy. Test accuracy
of the champion (best validation fitness ever); Baldwinian champions are fine-tuned (same steps) before the test;
"plain + Adam" = the plain champion fine-tuned the same way after evolution; "Baldwinian untrained" = the
Baldwinian champion's own weights. Per-seed figures in parentheses; wall times are rough (shared machine).

{table(["dataset"] + [c for c, _ in COLUMNS] + ["wall per run plain / Bald. / Lam."], rows)}
{json_line(d)}
"""
