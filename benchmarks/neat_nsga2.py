"""NSGA-II over NEAT genomes on XOR (tasks/xor_nsga2.toml) against NEAT (tasks/xor.toml), same population (150),
generation limit (300) and success rule (all four outputs on the correct side of 0.5).

Per seed and side: solved or not, evaluations to solve, and the size (enabled connections, hidden nodes) of the
solving champion. For NSGA-II also the final front (fitness x connections: pareto.json) and its hypervolume
(reference: fitness 0, 30 connections), and whether the hypervolume logged per generation never fell (NSGA-II is
elitist). Last line: one JSON object ``{"nsga2_solved", "neat_solved", "nsga2_evaluations", "neat_evaluations",
"nsga2_connections", "neat_connections", "nsga2_hv", ...}``; the same object goes to
benchmarks/results/neat_nsga2.json.

    nice -n 5 python benchmarks/neat_nsga2.py --seeds 10
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FILES = {"nsga2": ROOT / "tasks" / "xor_nsga2.toml", "neat": ROOT / "tasks" / "xor.toml"}


def run_one(name: str, seed: int) -> dict[str, Any]:
    from topoevo.config import load_config
    from topoevo.run import Run

    config = load_config(FILES[name], {"run": {"progress": False, "checkpoint_every": 0}})
    with tempfile.TemporaryDirectory() as tmp:
        run = Run.start(config, out=Path(tmp) / "run", seed=seed)  # (default reporters: stats.jsonl)
        summary = run.loop()
        champ = run.current_champion()
        out: dict[str, Any] = {"solved": summary.solved, "evaluations": summary.evaluations_to_solve,
                               "connections": champ.num_enabled() if summary.solved else None,
                               "hidden": champ.num_hidden if summary.solved else None}
        if name == "nsga2":
            records = [json.loads(line) for line in (Path(tmp) / "run" / "stats.jsonl").read_text().splitlines()]
            hv = [r["hypervolume"] for r in records]
            pareto = json.loads((Path(tmp) / "run" / "pareto.json").read_text())
            out.update(hv=round(hv[-1], 4), hv_monotone=all(b >= a - 1e-12 for a, b in zip(hv, hv[1:])),
                       front=[[round(p["objectives"][0], 3), p["objectives"][1]] for p in pareto["front"]])
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from benchmarks.results_io import print_last_line, start, write_results

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=10)
    args = p.parse_args(argv)
    start()
    rows: dict[str, list[dict[str, Any]]] = {"nsga2": [], "neat": []}
    for seed in range(args.seeds):
        for name in rows:
            r = run_one(name, seed)
            rows[name].append(r)
            print(f"seed {seed} {name:>5}: solved {r['solved']} after {r['evaluations']} evaluations, champion "
                  f"{r['connections']} connections / {r['hidden']} hidden" +
                  (f"; front {r['front']} hv {r['hv']}" if name == "nsga2" else ""), flush=True)
    out: dict[str, Any] = {"seeds": args.seeds}
    for name, rs in rows.items():
        out[f"{name}_solved"] = [r["solved"] for r in rs]
        out[f"{name}_evaluations"] = [r["evaluations"] for r in rs]
        out[f"{name}_connections"] = [r["connections"] for r in rs]
        out[f"{name}_hidden"] = [r["hidden"] for r in rs]
    out["nsga2_hv"] = [r["hv"] for r in rows["nsga2"]]
    out["nsga2_hv_monotone"] = all(r["hv_monotone"] for r in rows["nsga2"])
    out["nsga2_fronts"] = [r["front"] for r in rows["nsga2"]]
    write_results("neat_nsga2", out, [sys.argv[0], *(sys.argv[1:] if argv is None else argv)],
                  seeds=range(args.seeds))
    print_last_line(out)
    return out


if __name__ == "__main__":
    main()
