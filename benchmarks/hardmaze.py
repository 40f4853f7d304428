"""The hard maze (Lehman & Stanley 2011): novelty search vs fitness-based NEAT vs MAP-Elites, equal budgets.

Each seed runs the four task files (tasks/hardmaze_novelty.toml, tasks/hardmaze.toml, tasks/hardmaze_mapelites.toml,
tasks/hardmaze_nslc.toml: novelty search with local competition)
through the one run loop with the same population/batch (250), the same evaluation budget (``--budget``
evaluations) and the same success rule: the robot comes within 5 units of the goal within 400 steps (the task's
``solved``). Runs stop when solved. Published (Lehman & Stanley 2011, 40 runs each): novelty search solved the hard
maze in 39 runs, fitness-based NEAT in 3.

The last line is one JSON object: ``{"novelty_solved": k, "fitness_solved": m, "runs": N, "mapelites_solved": j,
"mapelites_runs": R, "nslc_solved": l, "nslc_runs": R', "budget_evaluations": E, "methods": {method: {"solved":
[...], "evaluations_to_solve": [...],
"best_fitness": [...], "cpu_s": [...]}}}`` (MAP-Elites may run on the first R seeds only: ``--mapelites-seeds``).
The results file is rewritten after every seed.

    nice -n 5 python benchmarks/hardmaze.py --seeds 20 --budget 25000 --mapelites-seeds 20
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
           "mapelites": "tasks/hardmaze_mapelites.toml", "nslc": "tasks/hardmaze_nslc.toml"}
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


def summary(per: dict[str, dict[str, list[Any]]], seeds: list[int], budget: int) -> dict[str, Any]:
    """The result object of the runs so far (every method's counts over the seeds it ran)."""
    def solved(m: str) -> int | None:
        return sum(per[m]["solved"]) if m in per and per[m]["solved"] else None

    return {"novelty_solved": solved("novelty"), "fitness_solved": solved("fitness"), "runs": len(seeds),
            "mapelites_solved": solved("mapelites"),
            "mapelites_runs": len(per["mapelites"]["solved"]) if "mapelites" in per else 0,
            "nslc_solved": solved("nslc"), "nslc_runs": len(per["nslc"]["solved"]) if "nslc" in per else 0,
            "budget_evaluations": budget, "pop_size": 250, "published": PUBLISHED, "methods": per}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--budget", type=int, default=25000, help="evaluations per run (each method)")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--mapelites-seeds", type=int, default=None,
                    help="run MAP-Elites on the first this many seeds only (CPU time); default: all")
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
    command = ["benchmarks/hardmaze.py", *(argv if argv is not None else sys.argv[1:])]
    out: dict[str, Any] = {}
    for n, seed in enumerate(seeds):
        for m in methods:  # alternate the methods seed by seed (same machine conditions)
            if m == "mapelites" and args.mapelites_seeds is not None and n >= args.mapelites_seeds:
                continue
            r = run_one(m, seed, args.budget)
            for k in per[m]:
                per[m][k].append(r[k])
            print(json.dumps({"seed": seed, "method": m, **r}), file=sys.stderr, flush=True)
        out = summary(per, seeds[:n + 1], args.budget)
        if not args.no_write:  # after every seed: an interrupted benchmark keeps the seeds it finished
            write_results("hardmaze", out, command, seeds=seeds[:n + 1], session=session)  # (adds out["meta"])
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
