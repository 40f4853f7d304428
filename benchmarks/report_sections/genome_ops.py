"""RESULTS.md section: GA code per child, topoevo vs neat-python (benchmarks/genome_ops.py)."""
from __future__ import annotations

from pathlib import Path

from benchmarks.report_sections._markdown import command, json_line, load, not_measured, num, provenance, table

ORDER = 20
TITLE = "Genome operations: CPU per child, topoevo vs neat-python 2.0"
COMMAND = "python benchmarks/genome_ops.py"
SIZES = {"xor": "XOR-sized (~5 enabled connections)", "conn100": "~90-100 enabled connections"}


def render(results_dir: Path) -> str:
    data = load(results_dir, "genome_ops")
    if data is None:
        return not_measured(TITLE, COMMAND, "genome_ops")
    ours, theirs = data["topoevo_us_per_child"], data["neat_python_us_per_child"]
    rows = [[SIZES.get(k, k), f"{num(ours[k], 1)} us", f"{num(theirs[k], 1)} us", f"{theirs[k] / ours[k]:.1f}x"]
            for k in ours if k in theirs]
    stale = ("" if data.get("bias_mutation_both_sides") else
             "\n**These figures predate the bias fix: topoevo's side mutated no biases.**")
    return f"""## {TITLE}

`{command(data)}` -- {provenance(data)}

Microseconds of process CPU per child of the new generation (parent selection, crossover, mutation and
speciation), population 150, 20 warm-up + 30 timed generations, random fitness with a size term. Both libraries
use neat-python's XOR-example mutation rates (add/delete connection 0.5, add/delete node 0.2, weights 0.8 with
replace 0.1, biases 0.7 with replace 0.1 -- on both sides since 2026-12-05; before, topoevo did not mutate biases)
and its speciation settings (distance normalised by gene count, c3 = 0.5, threshold 3.0).{stale}
Since issue 18's store (2026-12-05) topoevo makes the offspring on arrays (one numba kernel per generation, its own
random stream; `neat.array_kernels = false` runs the readable reference) and its harness reads the genome sizes
through the store (no gene objects built between generations). Measured under load (7 other helpers): the ratio
is a same-run CPU ratio; a quiet re-measure is due.

{table(["genome size", "topoevo", "neat-python 2.0", "ratio"], rows)}
Goals (issue 18): <= 10 us per child at XOR size, >= 20x neat-python at ~100 connections.

{json_line(data)}
"""
