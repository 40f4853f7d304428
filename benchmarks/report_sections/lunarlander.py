"""RESULTS.md section: LunarLander-v3 against neat-python (benchmarks/lunarlander.py)."""
from __future__ import annotations

from pathlib import Path

from benchmarks.report_sections._markdown import (command, is_legacy, json_line, load, not_measured, num,
                                                  provenance, table)

ORDER = 50
TITLE = "LunarLander-v3 against neat-python 2.0"
COMMAND = "python benchmarks/lunarlander.py --seeds 3 --peer-budget-cpu-s 600"


def render(results_dir: Path) -> str:
    d = load(results_dir, "lunarlander")
    if d is None:
        return not_measured(TITLE, COMMAND, "lunarlander")
    p = d["neat_python"]
    converted = is_legacy(d)
    rows = [["topoevo (tasks/lunarlander.toml, pop 150)", f"{d['solved']}/{d['runs']}", num(d["median_evals"]),
             num(d.get("median_evals_whole_generations", d["median_evals"])), num(d["median_cpu_s"], 1),
             num(d["median_wall_s"], 1)],
            ["neat-python 2.0 (CartPole example config resized, pop 150)", f"{p['solved']}/{p['runs']}",
             num(p["median_evals"]), num(p["median_evals"]), num(p["median_cpu_s"], 1), num(p["median_wall_s"], 1)]]
    budget = (f"**The peer's budget here was wall time on a loaded machine (its median run got "
              f"{num(p['median_cpu_s'])} s of CPU in {num(p['median_wall_s'])} s of wall)**, not CPU time: the "
              "figures are kept for the record only; the script now budgets CPU seconds "
              "(`--peer-budget-cpu-s`), and evaluations to solve count whole generations (the champion is chosen by "
              "ranking the generation). Re-measuring costs ~10 CPU minutes per seed per side.") if converted else \
        "Peer budget in CPU seconds of its process (`--peer-budget-cpu-s`); evaluations in whole generations."
    stops = ", ".join(p.get("stops", []))
    return f"""## {TITLE}

`{command(d)}` -- {provenance(d)}

Both sides: population 150, 3 training episodes per genome, the generation's best tested on 100 held-out episodes
when its training fitness reaches 200, solved at a held-out mean return >= 200, one core each, seed by seed in the
same process. {budget}

{table(["", "solved", "median evals to solve", "... whole generations", "median CPU s", "median wall s"], rows)}
neat-python's runs stopped by: {stops or '-'}. When the peer solves none, speed ratios are lower bounds.

{json_line(d)}
"""
