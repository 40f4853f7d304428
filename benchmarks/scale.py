"""NEAT at scale: seconds per generation (ask + compile + evaluate + tell) for XOR-sized genomes at population 150,
1,000, 10,000 and 100,000, peak memory at 100,000, and neat-python 2.0 at 150 and 1,000 in the same run.

    python benchmarks/scale.py [--sizes 150,1000,10000,100000] [--peer-sizes 150,1000]

Each population size runs in its own fresh process (so its peak resident memory is its own): tasks/xor.toml with
``neat.pop_size`` set to the size, evolving without a stop (XOR is solved early at large populations; the genomes
stay XOR-sized), ``warmup`` untimed generations, then the median over the timed generations of wall time for
``ask`` + compile into one batched network + the XOR evaluation + ``tell`` (reproduction and speciation), in
process CPU seconds (the figures of the last line: robust on a shared machine) and wall seconds (details). One torch
thread, imported objects frozen out of the garbage collector (``gc.freeze()``, as ``topoevo run`` does; the same
for neat-python). neat-python runs its own XOR example config (``FeedForwardNetwork.create`` + ``activate`` on the four
patterns per genome, then its reproduction and speciation: ``Population.run`` with the fitness termination off), in
fresh processes too, alternating with topoevo's sizes. Last line: one JSON object (also written to
benchmarks/results/scale.json).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: (warm-up, timed) generations per population size
GENERATIONS = {150: (10, 30), 1000: (5, 15), 10000: (2, 6), 100000: (1, 3)}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def topoevo_worker(size: int, seed: int = 0) -> dict:
    import numpy as np
    import torch

    from topoevo.config import load_config
    from topoevo.evaluate.base import compile_genomes
    from topoevo.genome.store import PopulationStore
    from topoevo.neat import NEAT
    from topoevo.tasks.xor import XORTask

    torch.set_num_threads(1)
    gc.collect()
    gc.freeze()  # as `topoevo run` does after its imports (topoevo/cli.py)
    config = load_config(ROOT / "tasks" / "xor.toml", {"neat": {"pop_size": size}})
    warm, timed = GENERATIONS.get(size, (2, 5))
    task = XORTask(config.task.params)
    algo = NEAT(config, seed=seed)
    wall, cpu, conns, hidden = [], [], [], []
    seeds = np.zeros(size, dtype=np.int64)
    for gen in range(warm + timed):
        t, c = time.perf_counter(), time.process_time()
        genomes = algo.ask()
        result = task.evaluate(compile_genomes(genomes), seeds)
        algo.tell(result.fitness)
        if gen >= warm:
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            pop = algo.ask()
            store = PopulationStore.of(pop)  # (sizes read from the arrays: no gene objects built)
            conns.append(float(store.enabled_counts().mean()))
            hidden.append(float(store.hidden_counts().mean()))
    return {"size": size, "sec_per_gen": statistics.median(wall), "cpu_per_gen": statistics.median(cpu),
            "enabled_connections": statistics.fmean(conns), "hidden": statistics.fmean(hidden),
            "peak_mb": peak_mb(), "generations": timed}


def neat_python_worker(size: int, seed: int = 0) -> dict:
    import neat

    from benchmarks.peers.neat_python_peer import XOR_CONFIG, XOR_INPUTS, XOR_TARGETS, load_config

    gc.collect()
    gc.freeze()  # the same for neat-python (its process imported nothing big, but keep both sides equal)
    config = load_config(XOR_CONFIG)
    config.pop_size = size
    config.no_fitness_termination = True
    warm, timed = GENERATIONS.get(size, (2, 5))
    marks: list[tuple[float, float]] = []

    def eval_genomes(genomes, cfg) -> None:
        marks.append((time.perf_counter(), time.process_time()))  # one generation = one call to the next
        for _, genome in genomes:
            net = neat.nn.FeedForwardNetwork.create(genome, cfg)
            out = [net.activate(x)[0] for x in XOR_INPUTS]
            genome.fitness = 4.0 - sum((o - t) ** 2 for o, t in zip(out, XOR_TARGETS))

    population = neat.Population(config, seed=seed)
    population.run(eval_genomes, warm + timed + 1)
    wall = [b[0] - a[0] for a, b in zip(marks[warm:], marks[warm + 1:])]
    cpu = [b[1] - a[1] for a, b in zip(marks[warm:], marks[warm + 1:])]
    return {"size": size, "sec_per_gen": statistics.median(wall), "cpu_per_gen": statistics.median(cpu),
            "peak_mb": peak_mb(), "generations": len(wall)}


def in_subprocess(side: str, size: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", side, "--size", str(size)], capture_output=True,
                         text=True, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_results(name: str, obj: dict, argv: list[str]) -> None:
    """benchmarks/results/<name>.json with its "meta" key, through benchmarks/results_io.py (``obj`` carries
    ``_load_before`` and optionally ``_seeds``)."""
    from benchmarks.results_io import Session, write_results as write

    obj = dict(obj)
    seeds, load_before = obj.pop("_seeds", [0]), obj.pop("_load_before")
    write(name, obj, argv, seeds=seeds, session=Session(load_before=list(load_before)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="150,1000,10000,100000")
    ap.add_argument("--peer-sizes", default="150,1000")
    ap.add_argument("--worker", choices=["topoevo", "neat_python"], help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        fn = topoevo_worker if args.worker == "topoevo" else neat_python_worker
        print(json.dumps(fn(args.size)))
        return
    load_before = list(os.getloadavg())
    sizes = [int(s) for s in args.sizes.split(",") if s]
    peer_sizes = [int(s) for s in args.peer_sizes.split(",") if s]
    ours, theirs = {}, {}
    for size in sizes:
        ours[size] = r = in_subprocess("topoevo", size)
        print(f"topoevo     pop {size:>6}: {r['sec_per_gen']:.4f} s/gen (cpu {r['cpu_per_gen']:.4f}), "
              f"{r['enabled_connections']:.1f} enabled conns, {r['hidden']:.2f} hidden, peak {r['peak_mb']:.0f} MB",
              flush=True)
        if size in peer_sizes:
            theirs[size] = r = in_subprocess("neat_python", size)
            print(f"neat-python pop {size:>6}: {r['sec_per_gen']:.4f} s/gen (cpu {r['cpu_per_gen']:.4f}), "
                  f"peak {r['peak_mb']:.0f} MB", flush=True)
    result = {"sec_per_gen": {str(s): round(r["cpu_per_gen"], 5) for s, r in ours.items()},
              "peak_mb_100000": round(ours[100000]["peak_mb"], 1) if 100000 in ours else None,
              "neat_python_sec_per_gen": {str(s): round(r["cpu_per_gen"], 5) for s, r in theirs.items()}}
    details = {"wall_per_gen": {str(s): round(r["sec_per_gen"], 5) for s, r in ours.items()},
               "peak_mb": {str(s): round(r["peak_mb"], 1) for s, r in ours.items()},
               "enabled_connections": {str(s): round(r["enabled_connections"], 2) for s, r in ours.items()},
               "hidden": {str(s): round(r["hidden"], 2) for s, r in ours.items()},
               "neat_python_wall_per_gen": {str(s): round(r["sec_per_gen"], 5) for s, r in theirs.items()},
               "neat_python_peak_mb": {str(s): round(r["peak_mb"], 1) for s, r in theirs.items()},
               "generations": {str(s): list(GENERATIONS.get(s, (2, 5))) for s in ours}}
    write_results("scale", {**result, "details": details, "_load_before": load_before}, sys.argv)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
