"""Microseconds per child of the GA code itself (parent selection, crossover, mutation; and with speciation),
topoevo side by side with neat-python 2.0's own reproduction, same population sizes, same genome sizes, same run.

    python benchmarks/genome_ops.py [--generations 30] [--warmup 20]

Fitness is random with a size term (``uniform(0,1) - |enabled connections - target|``) so genomes stay at the stated
size on both sides (see benchmarks/peers/neat_python_peer.py). Mutation rates match neat-python's XOR example config
(add/delete connection 0.5, add/delete node 0.2, weight mutation 0.8 with replace 0.1, bias mutation 0.7 with
replace 0.1 and power 0.5, biases initialised N(0, 1), every mutation may happen in one child), and so does
speciation (distance always normalised by gene count, c3 = 0.5, threshold 3.0), so both
sides keep a similar number of species. topoevo's fitness reads the sizes through its population store (no gene
objects built, as its compile reads genes). Figures are process CPU time per genome of the new generation.
Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from topoevo.config import Config  # noqa: E402
from topoevo.genome.store import PopulationStore  # noqa: E402
from topoevo.neat import NEAT  # noqa: E402

SHAPES = {"xor": (2, 1, 6), "conn100": (10, 4, 100)}


def topoevo_timing(kind: str, pop_size: int = 150, generations: int = 30, warmup: int = 20, seed: int = 0) -> dict:
    n_in, n_out, target = SHAPES[kind]
    cfg = Config.from_dict({
        "task": {"name": "xor"}, "neat": {"pop_size": pop_size},
        "genome": {"num_inputs": n_in, "num_outputs": n_out, "bias_init_stdev": 1.0},
        "mutation": {"add_connection_rate": 0.5, "delete_connection_rate": 0.5, "add_node_rate": 0.2,
                     "delete_node_rate": 0.2, "structural_exclusive": False, "toggle_enable_rate": 0.01,
                     # neat-python's bias mutation (bias_mutate_rate 0.7, bias_replace_rate 0.1, power 0.5)
                     "bias_mutate_rate": 0.7, "bias_perturb_prob": 0.9, "bias_mutate_power": 0.5},
        # neat-python's config: distance normalised by the larger genome's gene count, weight coefficient 0.5
        "species": {"normalize_min_genes": 0, "weight_coefficient": 0.5},
    })
    algo = NEAT(cfg, seed=seed)
    rng = random.Random(seed + 1)
    spec_time = [0.0]
    speciate = algo.species_set.speciate

    def timed_speciate(*a, **k):
        t = time.process_time()
        speciate(*a, **k)
        spec_time[0] += time.process_time() - t

    algo.species_set.speciate = timed_speciate
    total = 0.0
    children = 0
    sizes = []
    for gen in range(warmup + generations):
        pop = algo.ask()
        # sizes read through the population store (as topoevo's compile reads genes): no gene objects built
        fit = [rng.random() - abs(n - target) for n in PopulationStore.of(pop).enabled_counts().tolist()]
        if gen == warmup:
            spec_time[0] = 0.0
        t = time.process_time()
        algo.tell(fit)
        dt = time.process_time() - t
        algo.species_set.speciate = timed_speciate  # tell may rebuild nothing, but keep the wrapper in place
        if gen >= warmup:
            total += dt
            children += len(algo.population)
            sizes += PopulationStore.of(algo.population).enabled_counts().tolist()
    us = 1e6 / children
    return {"us_per_child_reproduce": us * (total - spec_time[0]), "us_per_child_reproduce_speciate": us * total,
            "enabled_connections_mean": statistics.fmean(sizes), "species_last": len(algo.species_set.species)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=20)
    args = ap.parse_args()
    from benchmarks.peers.neat_python_peer import reproduction_timing
    from benchmarks.results_io import start, write_results

    start()

    out = {"topoevo_us_per_child": {}, "neat_python_us_per_child": {}, "bias_mutation_both_sides": True}
    for kind in SHAPES:
        ours = topoevo_timing(kind, generations=args.generations, warmup=args.warmup)
        theirs = reproduction_timing(kind, generations=args.generations, warmup=args.warmup)
        print(f"{kind:8s} topoevo: reproduce {ours['us_per_child_reproduce']:7.1f} us/child, +speciate "
              f"{ours['us_per_child_reproduce_speciate']:7.1f} (conns {ours['enabled_connections_mean']:.1f}, "
              f"species {ours['species_last']}) | neat-python: reproduce {theirs['us_per_child_reproduce']:7.1f}, "
              f"+speciate {theirs['us_per_child_reproduce_speciate']:7.1f} (conns "
              f"{theirs['enabled_connections_mean']:.1f}, species {theirs['species_last']}) | ratio "
              f"{theirs['us_per_child_reproduce_speciate'] / ours['us_per_child_reproduce_speciate']:.1f}x")
        out["topoevo_us_per_child"][kind] = round(ours["us_per_child_reproduce_speciate"], 2)
        out["neat_python_us_per_child"][kind] = round(theirs["us_per_child_reproduce_speciate"], 2)
    write_results("genome_ops", out, sys.argv)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
