"""CartPole-v1: time and evaluations to a champion whose mean return over 100 held-out episodes reaches 475,
topoevo against neat-python 2.0 side by side (same script, same machine, same number of cores).

For each seed the two runs follow each other, so both see the same machine load:

- topoevo: ``topoevo.run.Run`` of ``tasks/cartpole.toml`` with ``neat.pop_size = --pop`` (progress off, other
  reporters as a user gets them), torch limited to ``--cores`` threads. The run loop tests each generation's
  champion on 100 held-out episodes when its training fitness reaches 475 and stops when the held-out mean return
  does. Wall time: ``Run.start`` to the end of ``loop`` (champion and summary files written), tests included.
- neat-python: ``benchmarks.peers.neat_python_peer.cartpole_run`` (its example config with ``pop_size = --pop``;
  fitness = mean return of 3 episodes; the same held-out rule: the generation's best is tested on 100 held-out
  episodes when its training fitness reaches 475; solved at 475), serial with ``--cores 1``,
  ``neat.ParallelEvaluator(cores)`` otherwise. Wall time: Population creation to the end, tests included.

Environments: neat-python steps gymnasium's ``CartPoleEnv`` (one episode at a time, as its users do). topoevo steps
the task file's ``vectorization`` (``gymnasium``: gymnasium's native ``CartPoleVectorEnv``), or with
``--vectorization compiled`` topoevo's numba CartPole (topoevo/tasks/cartpole_compiled.py: the same dynamics and
start states, bit-identical episodes for the same seeds, checked against gymnasium's ``CartPoleEnv`` step by step in
tests/test_cartpole_compiled.py); that variant writes ``cartpole_pop<N>_compiled.json``.

Same success rule, same tests at the same moments, same population (``--pop``, default 150 = neat-python's example
config; ``--pop 100`` = tasks/cartpole.toml's) and the same counting on both sides: evaluations in whole
generations (the champion is chosen by ranking the generation, so every genome of it was evaluated). CPU seconds
of this process are reported next to wall seconds: with ``--cores 1`` both sides run in this one process, and CPU
time is robust when other processes share the cores. Results: ``benchmarks/results/cartpole_pop<N>.json``.

The last line is one JSON object: ``{"runs", "solved", "median_wall_s", "median_evals", "neat_python": {same
keys}, ...}``.

    python benchmarks/cartpole.py --seeds 10 --pop 150
    python benchmarks/cartpole.py --seeds 10 --pop 100
    python benchmarks/cartpole.py --seeds 10 --pop 150 --vectorization compiled
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("benchmarks.cartpole")

TASK_FILE = ROOT / "tasks" / "cartpole.toml"
ENVIRONMENTS = {"gymnasium": "gymnasium CartPoleVectorEnv (native vector env, running episodes only)",
                "compiled": "topoevo's compiled CartPole (numba; gymnasium's episodes bit for bit)",
                "peer": "gymnasium CartPoleEnv (one episode at a time)"}


def topoevo_run(task_file: str | Path, seed: int, cores: int = 1,
                overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """One topoevo run of a gymnasium task file; figures as plain data (``held_out_return`` of the solving
    champion, as measured by the run loop's test)."""
    import torch

    torch.set_num_threads(cores)
    from topoevo.config import load_config
    from topoevo.run import Run

    over: dict[str, dict[str, Any]] = {"run": {"progress": False}}
    for section, values in (overrides or {}).items():
        over.setdefault(section, {}).update(values)
    config = load_config(task_file, over)
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        run = Run.start(config, out=Path(tmp) / "run", seed=seed)
        summary = run.loop()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    run.task.close()
    test = run.champion_test or {}
    champ = run.champion
    return {"solved": summary.solved, "wall_s": wall, "cpu_s": cpu,
            "evals": summary.evaluations_to_solve if summary.solved else summary.evaluations,
            "generations": summary.generations,
            "test_return": test.get("held_out_return"),
            "hidden": champ.num_hidden if champ is not None else None,
            "connections": champ.num_enabled() if champ is not None else None, "seed": seed}


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if r["solved"]]
    out: dict[str, Any] = {
        "runs": len(runs), "solved": len(ok),
        "median_wall_s": statistics.median(r["wall_s"] for r in runs) if runs else None,
        "median_evals": statistics.median(r["evals"] for r in ok) if ok else None,
        "median_cpu_s": statistics.median(r["cpu_s"] for r in runs) if runs else None,
        "median_generations": statistics.median(r["generations"] for r in ok) if ok else None,
    }
    return out


def compare(seeds: list[int], ours: Callable[[int], dict[str, Any]], theirs: Callable[[int], dict[str, Any]],
            name: str) -> dict[str, Any]:
    """Run both sides seed by seed (ours first), print a line per seed, return the summary with speed ratios."""
    mine: list[dict[str, Any]] = []
    peer: list[dict[str, Any]] = []
    for s in seeds:
        mine.append(ours(s))
        peer.append(theirs(s))
        a, b = mine[-1], peer[-1]
        print(f"{name} seed {s:>3}: topoevo {'solved' if a['solved'] else 'UNSOLVED'} {a['wall_s']:7.2f} s wall "
              f"{a['cpu_s']:7.2f} s cpu, {a['evals']:>6} evals, {a['generations']:>4} gen, held-out "
              f"{a['test_return']} | neat-python {'solved' if b['solved'] else 'UNSOLVED'} {b['wall_s']:7.2f} s "
              f"wall {b['cpu_s']:7.2f} s cpu, {b['evals']:>6} evals, {b['generations']:>4} gen, held-out "
              f"{b['test_return']} | wall ratio {b['wall_s'] / a['wall_s']:.1f}x", flush=True)
    result = summarize(mine)
    result["neat_python"] = summarize(peer)
    np_wall, our_wall = result["neat_python"]["median_wall_s"], result["median_wall_s"]
    result["speedup_median_wall"] = np_wall / our_wall if our_wall else None
    result["speedup_median_cpu"] = (result["neat_python"]["median_cpu_s"] / result["median_cpu_s"]
                                    if result["median_cpu_s"] else None)
    result["speedup_per_seed_wall"] = [round(b["wall_s"] / a["wall_s"], 2) for a, b in zip(mine, peer)]
    result["speedup_per_seed_cpu"] = [round(b["cpu_s"] / a["cpu_s"], 2) for a, b in zip(mine, peer)]
    # CPU per solve: all runs' CPU / solved runs, each side (the seeds' luck averaged rather than the median's)
    cpu_per_solve = [sum(r["cpu_s"] for r in side) / max(1, sum(r["solved"] for r in side)) for side in (mine, peer)]
    result["cpu_per_solve_s"] = cpu_per_solve[0]
    result["neat_python"]["cpu_per_solve_s"] = cpu_per_solve[1]
    result["speedup_cpu_per_solve"] = cpu_per_solve[1] / cpu_per_solve[0] if cpu_per_solve[0] else None
    result["per_run"] = {"topoevo": mine, "neat_python": peer}
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--cores", type=int, default=1, help="cores per side: torch threads / neat-python workers")
    p.add_argument("--task", default=str(TASK_FILE))
    p.add_argument("--pop", type=int, default=150, help="population of both sides")
    p.add_argument("--vectorization", choices=("gymnasium", "compiled"), default="gymnasium",
                   help="topoevo's environments: gymnasium's native vector env or topoevo's compiled CartPole")
    args = p.parse_args(argv)
    from benchmarks.results_io import start, write_results

    start()
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    from benchmarks.peers.neat_python_peer import cartpole_run

    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    print(f"# CartPole-v1: {args.task} vs neat-python 2.0, seeds {seeds[0]}..{seeds[-1]}, {args.cores} core(s) each")
    workers = 0 if args.cores == 1 else args.cores
    over = {"neat": {"pop_size": args.pop}, "task": {"vectorization": args.vectorization}}
    result = compare(seeds, lambda s: topoevo_run(args.task, s, args.cores, over),
                     lambda s: cartpole_run(s, workers=workers, pop_size=args.pop), "CartPole-v1")
    result["cores"] = args.cores
    result["pop_size"] = args.pop
    result["environments"] = {"topoevo": ENVIRONMENTS[args.vectorization], "neat_python": ENVIRONMENTS["peer"]}
    print(f"# topoevo solved {result['solved']}/{result['runs']}, median {result['median_wall_s']:.2f} s wall, "
          f"{result['median_evals']} evals | neat-python solved {result['neat_python']['solved']}/"
          f"{result['neat_python']['runs']}, median {result['neat_python']['median_wall_s']:.2f} s wall, "
          f"{result['neat_python']['median_evals']} evals | speed-up (median wall) "
          f"{result['speedup_median_wall']:.1f}x, (median cpu) {result['speedup_median_cpu']:.1f}x")
    name = f"cartpole_pop{args.pop}" + ("" if args.vectorization == "gymnasium" else f"_{args.vectorization}")
    write_results(name, result, sys.argv if argv is None else [__file__, *argv], seeds=seeds)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
