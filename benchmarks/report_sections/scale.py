"""RESULTS.md section: NEAT at scale, seconds per generation from population 150 to 100,000 (benchmarks/scale.py)."""
from __future__ import annotations

import json
from pathlib import Path

ORDER = 280  # 100 + issue 18 x 10
TITLE = "NEAT at scale: seconds per generation, population 150 to 100,000"
COMMAND = "python benchmarks/scale.py"


def _fmt(x: float | None, digits: int = 4) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def render(results_dir: Path) -> str:
    path = Path(results_dir) / "scale.json"
    if not path.exists():
        return f"## {TITLE}\n\n`{COMMAND}`: not yet measured (no `benchmarks/results/scale.json`).\n"
    data = json.loads(path.read_text(encoding="utf-8"))
    meta, details = data.get("meta", {}), data.get("details", {})
    ours, theirs = data["sec_per_gen"], data.get("neat_python_sec_per_gen", {})
    wall, peer_wall = details.get("wall_per_gen", {}), details.get("neat_python_wall_per_gen", {})
    peaks, conns = details.get("peak_mb", {}), details.get("enabled_connections", {})
    rows = []
    for size in sorted(ours, key=int):
        ratio = f"{theirs[size] / ours[size]:.1f}x" if size in theirs and ours[size] else "-"
        rows.append(f"| {int(size):,} | {_fmt(ours[size])} | {_fmt(wall.get(size))} | {_fmt(theirs.get(size))} | "
                    f"{_fmt(peer_wall.get(size))} | {ratio} | {_fmt(peaks.get(size), 0)} | "
                    f"{_fmt(conns.get(size), 1)} |")
    machine = meta.get("machine", {})
    lb, la = meta.get("load_before") or ["?"], meta.get("load_after") or ["?"]
    load = f"{lb[0]:.1f} before, {la[0]:.1f} after" if lb != ["?"] and la != ["?"] else "not recorded"
    lines = "\n".join(rows)
    line = json.dumps({k: data[k] for k in ("sec_per_gen", "peak_mb_100000", "neat_python_sec_per_gen")})
    return f"""## {TITLE}

`{meta.get('command', COMMAND)}` -- measured {meta.get('date', '?')} at commit {meta.get('commit', '?')};
{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores; load average {load}.

One generation = `ask` + compile the population into one batched network + the XOR evaluation + `tell`
(stagnation, fitness sharing, reproduction, speciation), tasks/xor.toml with `neat.pop_size` set, run seed 0,
evolving on after XOR is solved (genomes stay XOR-sized), median over the timed generations after warm-up; each
population size in a fresh process (its own peak memory), one torch thread, imported objects frozen out of the
garbage collector as `topoevo run` does. neat-python 2.0 runs its own XOR example config (network creation and
activation per genome, then its reproduction and speciation) the same way, alternating with topoevo. Figures in
process CPU seconds (wall seconds beside them: on a shared machine wall time also counts other processes).

| population | topoevo CPU s/gen | wall s/gen | neat-python CPU s/gen | wall s/gen | CPU ratio | peak MB | enabled conns |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{lines}

Goals (issue 18): population 10,000 <= 0.1 s per generation; population 100,000 runs in <= 4 GB peak.
Since issue 18's store (2026-12-05) the population lives in arrays between generations
(`topoevo.genome.store.PopulationStore`): the offspring of a whole generation are made by one compiled kernel
(`topoevo.genome.store_kernels`, numba: parent choice, crossover aligned by innovation, every mutation), the
children are `StoredGenome` views whose gene objects are built only if something reads them, and compile,
speciation and checkpoints read the arrays. The harness reads the genome sizes through the store too (reading
`g.conns` builds a genome's gene objects, and the next `tell` then reads those). Measured with 7 other processes
loading the machine: CPU seconds are the figure to compare; a quiet re-measure is due.

`{line}`
"""
