"""RESULTS.md section: evaluator scaling, process pool and Ray (benchmarks/scaling.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.report_sections._markdown import command, load, not_measured, num, provenance, table

ORDER = 75
TITLE = "Evaluator scaling: process pool and Ray"
COMMAND = "python benchmarks/scaling.py --generations 5"


def _row(i: int, r: dict[str, Any]) -> list[str]:
    e = r["eval_s"]
    return [str(i), f"{num(e['serial'], 2)} s", f"{num(e['pool1'], 2)} s", f"{num(e['pool2'], 2)} s",
            f"**{num(r['pool_speedup_2'], 2)}**", num(r.get("pool_cpu_critical_path_speedup_2"), 2),
            f"{num(e['ray1'], 2)} s", f"{num(e['ray2'], 2)} s", f"**{num(r['ray_speedup_2'], 2)}**",
            "yes" if r["identical"] else "NO"]


def render(results_dir: Path) -> str:
    d = load(results_dir, "scaling")
    if d is None:
        return not_measured(TITLE, COMMAND, "scaling")
    runs = d["runs"] if "runs" in d and isinstance(d["runs"], list) else [d]
    first = runs[0]
    rows = [_row(i + 1, r) for i, r in enumerate(runs)]
    return f"""## {TITLE}

`{command(d)}` -- {provenance(d)}

NEAT on LunarLander-v3 (tasks/lunarlander.toml: population {first['pop']}, {first['episodes']} episodes,
{first['generations']} generations, seed 0), evaluation time summed over the generations, {first['chunks_per_worker']}
chunks per worker, torch 1 thread everywhere, the machine's 2 cores otherwise idle. Speed-ups are ratios of runs
of the same script; "identical" = every evaluator wrote the same `stats.jsonl`.

{table(["run", "in-process", "pool 1", "pool 2", "pool speed-up", "CPU critical-path speed-up", "Ray 1", "Ray 2",
        "Ray speed-up", "identical"], rows)}
Goal: >= 1.7x with 2 workers on the expensive fitness. On a loaded machine (other sessions' processes on the same
two cores) wall-clock speed-ups swing widely while the work still splits evenly: measure scaling on an idle one.
"""
