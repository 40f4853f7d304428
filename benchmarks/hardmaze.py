"""The hard maze (Lehman & Stanley 2011): novelty search vs fitness-based NEAT vs MAP-Elites, equal budgets.

Each seed runs the three task files (tasks/hardmaze_novelty.toml, tasks/hardmaze.toml, tasks/hardmaze_mapelites.toml)
through the one run loop with the same population/batch (250), the same evaluation budget (``--budget``
evaluations) and the same success rule: the robot comes within 5 units of the goal within 400 steps (the task's
``solved``). Runs stop when solved. Published (Lehman & Stanley 2011, 40 runs each): novelty search solved the hard
maze in 39 runs, fitness-based NEAT in 3.

The last line is one JSON object: ``{"novelty_solved": k, "fitness_solved": m, "runs": N, "mapelites_solved": j,
"budget_evaluations": E, "methods": {method: {"solved": [...], "evaluations_to_solve": [...], "best_fitness": [...],
"cpu_s": [...]}}}``.

    nice -n 5 python benchmarks/hardmaze.py --seeds 20
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

METHODS = {"novelty": "tasks/hardmaze_novelty.toml", "fitness": "tasks/hardmaze.toml",
           "mapelites": "tasks/hardmaze_mapelites.toml"}
PUBLISHED = {"novelty": "39/40", "fitness": "3/40", "source": "Lehman & Stanley 2011, Evolutionary Computation 19(2)"}


def run_one(method: str, seed: int, budget: int) -> dict[str, Any]:
    """One run of ``method`` on ``seed`` with at most ``budget`` evaluations."""
    from topoevo.config import load_config
    from topoevo.run import Run

    cfg = load_config(ROOT / METHODS[method], {"run": {"max_evaluations": budget, "generations": 10**6,
                                                        "checkpoint_every": 0, "progress": False}})
    t0 = time.process_time()
    with tempfile.TemporaryDirectory() as d:
        s = Run.start(cfg, out=Path(d) / "run", seed=seed).loop()
    return {"solved": s.solved, "evaluations_to_solve": s.evaluations_to_solve, "best_fitness": s.best_fitness,
            "cpu_s": round(time.process_time() - t0, 2), "evaluations": s.evaluations}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--budget", type=int, default=50000, help="evaluations per run (each method)")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--no-write", action="store_true", help="print only (tuning runs)")
    args = ap.parse_args(argv)
    import torch

    from benchmarks.results_io import start, write_results

    torch.set_num_threads(1)
    session = start()
    methods = [m for m in args.methods.split(",") if m]
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    per: dict[str, dict[str, list[Any]]] = {m: {"solved": [], "evaluations_to_solve": [], "best_fitness": [],
                                                "cpu_s": []} for m in methods}
    for seed in seeds:
        for m in methods:  # alternate the methods seed by seed (same machine conditions)
            r = run_one(m, seed, args.budget)
            for k in per[m]:
                per[m][k].append(r[k])
            print(json.dumps({"seed": seed, "method": m, **r}), file=sys.stderr, flush=True)
    out: dict[str, Any] = {f"{m}_solved": sum(per[m]["solved"]) for m in methods}
    out = {"novelty_solved": out.get("novelty_solved"), "fitness_solved": out.get("fitness_solved"),
           "runs": len(seeds), "mapelites_solved": out.get("mapelites_solved"), "budget_evaluations": args.budget,
           "pop_size": 250, "published": PUBLISHED, "methods": per}
    if not args.no_write:
        write_results("hardmaze", out, ["benchmarks/hardmaze.py", *(argv if argv is not None else sys.argv[1:])],
                      seeds=seeds, session=session)  # (adds out["meta"])
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
