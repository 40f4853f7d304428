"""Where the readable reference path's time goes, at the commit before the array store and now: the genome operations
of one NEAT generation (gene copies, crossover, mutation, compatibility distances, compiling) timed one by one on
the same population, each side in its own process, alternating the sides.

    python benchmarks/reference_ops.py [--before 1c5d760] [--rounds 2] [--repeats 15]

The population: tasks/xor_paper.toml on the reference path (seed 3), 25 generations in (both commits make the
same one). Each operation runs over the whole population ``repeats`` times with the garbage collector off; its
time is the minimum (process CPU), which a loaded machine disturbs least. Each side prints its timings as JSON
(``--side``: this file run with that side's sources first on PYTHONPATH; the before side is ``git archive``
unpacked into a temporary directory). Last line: per operation, the median over rounds of each side and the
ratio now / before (also benchmarks/results/reference_ops.json).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPS = ("copy", "crossover", "mutate", "distance", "compile")


def side(repeats: int) -> dict[str, float]:
    """The operations' times (ms, min over repeats) for the topoevo on sys.path."""
    import gc
    import random
    import warnings

    import torch

    from topoevo.config import load_config
    from topoevo.genome.crossover import crossover
    from topoevo.genome.distance import distance
    from topoevo.genome.innovation import InnovationTracker
    from topoevo.genome.mutation import mutate
    from topoevo.neat import NEAT
    from topoevo.nn.population import compile_plan
    from topoevo.run import Run, build_task, fit_genome_to_task

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    import topoevo.config.sections as sections

    over: dict = {"run": {"progress": False, "checkpoint_every": 0, "seed": 3}}
    if "array_kernels" in Path(sections.__file__).read_text():  # (now: the reference path is a setting)
        over["neat"] = {"array_kernels": False}
    config = load_config(Path("tasks/xor_paper.toml").resolve(), over)
    task = build_task(config)
    config = fit_genome_to_task(config, task)
    with tempfile.TemporaryDirectory() as tmp:
        run = Run(config, Path(tmp) / "run", task, NEAT(config, seed=3), 3, reporters=[])
        run.run_dir.mkdir(parents=True)
        for _ in range(25):
            run.step()
    pop = list(run.algo.population)
    g, m, s = config.genome, config.mutation, config.species

    def copies() -> None:
        for x in pop:
            x.copy()

    def crossovers() -> None:
        rng = random.Random(1)
        for i in range(len(pop)):
            crossover(pop[i], pop[-1 - i], rng)

    def mutations() -> None:  # (of copies: mutation changes a genome in place)
        rng, tracker = random.Random(2), InnovationTracker(10**6, 10**6)
        for x in [x.copy() for x in pop]:
            mutate(x, g, m, tracker, rng)

    def distances() -> None:
        for a in pop:
            for b in pop[::10]:
                distance(a, b, s)

    gc.collect()
    gc.disable()
    out = {}
    for name, fn in zip(OPS, (copies, crossovers, mutations, distances, lambda: compile_plan(pop))):
        best = float("inf")
        for _ in range(repeats):
            c = time.process_time()
            fn()
            best = min(best, time.process_time() - c)
        out[name] = round(best * 1e3, 4)
    gc.enable()
    out["genomes"], out["nodes"] = len(pop), sum(len(x.nodes) for x in pop)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="1c5d760")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--side", action="store_true", help="(internal) time this process's topoevo and print JSON")
    args = ap.parse_args()
    if args.side:
        print(json.dumps(side(args.repeats)))
        return
    sys.path.insert(0, str(ROOT))
    from benchmarks.results_io import print_last_line, start, write_results
    from benchmarks.revision_ab import export

    session = start()
    rounds: dict[str, list[dict]] = {"before": [], "now": []}
    with tempfile.TemporaryDirectory() as tmp:
        before = export(args.before, Path(tmp) / "before")
        for _ in range(args.rounds):
            for name, src in (("before", before), ("now", ROOT)):  # alternating
                env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                       "NUMBA_NUM_THREADS": "1"}
                out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--side", "--repeats",
                                      str(args.repeats)], cwd=src, env=env, capture_output=True, text=True,
                                     check=True).stdout
                rounds[name].append(json.loads(out.strip().splitlines()[-1]))
                print(name, rounds[name][-1], flush=True)
    result: dict = {"before_commit": args.before, "ops": {}, "rounds": rounds,
                    "same_population": all(r["nodes"] == rounds["before"][0]["nodes"] for r in
                                           rounds["before"] + rounds["now"])}
    for op in OPS:
        b = statistics.median(r[op] for r in rounds["before"])
        n = statistics.median(r[op] for r in rounds["now"])
        result["ops"][op] = {"before_ms": b, "now_ms": n, "ratio": round(n / b, 3)}
    write_results("reference_ops", result, sys.argv, seeds=[3], session=session)
    print_last_line(result)


if __name__ == "__main__":
    main()
