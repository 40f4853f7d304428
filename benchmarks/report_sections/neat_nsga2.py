"""RESULTS.md section of benchmarks/neat_nsga2.py (NSGA-II over NEAT genomes vs NEAT on XOR)."""
from __future__ import annotations

import json
import pathlib

ORDER = 264


def render(results_dir: pathlib.Path) -> str:
    path = results_dir / "neat_nsga2.json"
    title = "## NSGA-II over NEAT genomes: fitness x connections (XOR)"
    if not path.is_file():
        return f"{title}\n\nThis benchmark is not yet measured (`benchmarks/neat_nsga2.py`).\n"
    r = json.loads(path.read_text())
    n = r["seeds"]

    def cell(v: object) -> str:
        return "-" if v is None else str(v)

    rows = "\n".join(
        f"| {s} | {'yes' if r['nsga2_solved'][s] else 'no'} | {cell(r['nsga2_evaluations'][s])} | "
        f"{cell(r['nsga2_connections'][s])} / {cell(r['nsga2_hidden'][s])} | {r['nsga2_hv'][s]:.3f} | "
        f"{' '.join(f'({f:g}, {c})' for f, c in r['nsga2_fronts'][s])} | {'yes' if r['neat_solved'][s] else 'no'} | "
        f"{cell(r['neat_evaluations'][s])} | {cell(r['neat_connections'][s])} / {cell(r['neat_hidden'][s])} |"
        for s in range(n))
    return f"""{title}

`{r['meta']['command']}` ({r['meta']['date']}, commit {r['meta']['commit'][:7]}; load {r['meta']['load_before']}
before)

`tasks/xor_nsga2.toml` (algorithm `neat_nsga2`: NSGA-II survivors by non-dominated rank and crowding distance,
distinct objective vectors first; children by NEAT's crossover and mutation; no speciation) against `tasks/xor.toml`
(NEAT), both population 150, at most 300 generations, solved when all four outputs are on the correct side of 0.5.
Objectives: XOR fitness (4 - sum|error|)^2 (maximised, at most 16) and enabled connections (minimised). The front is
the survivors' first front when the run ended (fitness, connections); hypervolume against (fitness 0,
30 connections), connections divided by 30.

| seed | NSGA-II solved | evaluations | champion connections / hidden | HV | final front (fitness, connections) | NEAT solved | evaluations | champion connections / hidden |
|---|---|---|---|---|---|---|---|---|
{rows}

NSGA-II solved {sum(r['nsga2_solved'])}/{n}, NEAT {sum(r['neat_solved'])}/{n}. The hypervolume logged per generation
never fell on any seed: {'yes' if r['nsga2_hv_monotone'] else 'no'} (elitism). Without speciation, NSGA-II relies on
the size objective and crowding for diversity; with fitness as its only objective the same loop stalled at the linear
networks' fitness 9 on 5/5 seeds (tried while building it). Reference: Deb et al. 2002 (NSGA-II); Stanley &
Miikkulainen 2002 (NEAT).
"""
