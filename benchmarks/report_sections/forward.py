"""RESULTS.md section: compiled forward pass throughput (benchmarks/forward.py)."""
from __future__ import annotations

from pathlib import Path

from benchmarks.report_sections._markdown import command, json_line, load, not_measured, num, provenance, table

ORDER = 30
TITLE = "Forward pass: compiled populations"
COMMAND = "python benchmarks/forward.py"


def render(results_dir: Path) -> str:
    d = load(results_dir, "forward")
    if d is None:
        return not_measured(TITLE, COMMAND, "forward")

    def m(key: str) -> str:
        return f"{num(d[key] / 1e6, 2)} M" if d.get(key) is not None else "-"

    np_acts = d.get("neat_python_acts_per_s")
    ratio = f"{d['batch1_genome_acts_per_s'] / np_acts:.0f}x neat-python" if np_acts else "-"
    np_cpu = d.get("neat_python_cpu_acts_per_s")
    ours_cpu = d.get("batch1_1thread_cpu_genome_acts_per_s")
    cpu_ratio = f"{ours_cpu / np_cpu:.0f}x neat-python per CPU s" if np_cpu and ours_cpu else "-"
    load_avg = (d.get("meta") or {}).get("load_before") or [0.0]
    busy = (f"\n\n**Measured under load** (load average {load_avg[0]:.1f} on 2 cores): the wall-clock rows are not "
            "comparable between runs or sides; the per-CPU-second ratio is the figure to read.") if load_avg[0] > 2 else ""
    rows = [
        ["batch 64, 2 threads (genome-activations/s)", m("batch64_genome_acts_per_s"), ">= 20 M"],
        ["batch 64, 1 thread", m("batch64_1thread_genome_acts_per_s"), ""],
        ["batch 1, 2 threads", f"{m('batch1_genome_acts_per_s')} ({ratio}, wall)", ""],
        ["batch 1, 1 thread, per CPU second", f"{m('batch1_1thread_cpu_genome_acts_per_s')} ({cpu_ratio})",
         ">= 100x neat-python"],
        ["batch 1 through the torch steps (`fused=False`), wall / per CPU second",
         f"{m('batch1_steps_genome_acts_per_s')} / {m('batch1_steps_cpu_genome_acts_per_s')}", ""],
        ["fused kernel, first call of a process (with importing numba): compile (empty numba cache) / load from "
         "numba's cache, wall (CPU)",
         f"{num(d.get('fused_first_call_compile_s'), 1)} s ({num(d.get('fused_first_call_compile_cpu_s'), 1)} s) / "
         f"{num(d.get('fused_first_call_cached_s'), 2)} s ({num(d.get('fused_first_call_cached_cpu_s'), 2)} s)",
         "once per install / once per process"],
        ["neat-python `FeedForwardNetwork.activate`", f"{num(np_acts / 1e3 if np_acts else None, 1)} k/s", ""],
        ["neat-python, per CPU second", f"{num(np_cpu / 1e3 if np_cpu else None, 1)} k/s", ""],
        ["dense torch MLP of equal parameter count, batch 64 / 1",
         f"{m('dense_mlp_acts_per_s')} / {m('dense_mlp_batch1_acts_per_s')}", "practical limit"],
        ["compile 1,000 x 40 connections", f"{num(d.get('compile_s_1k', 0) * 1e3, 0)} ms", ""],
        ["compile 150 XOR-sized genomes", f"{num(d.get('compile_s_150_xor', 0) * 1e3, 1)} ms", "well under 1 ms"],
        ["compile 10,000 x 100 connections", f"{num(d.get('compile_s_10k'), 2)} s", "< 2 s"],
        ["peak RSS, 10,000 x 100", f"{num(d.get('peak_mem_mb_10k'), 0)} MB", "< 2 GB"],
    ]
    return f"""## {TITLE}

`{command(d)}` -- {provenance(d)}

1,000 feed-forward genomes grown NEAT-style (4 inputs + bias, 2 outputs, ~40 enabled connections, ~11 hidden
nodes, 13 topological levels), steepened sigmoid; neat-python 2.0's `FeedForwardNetwork` built from the same
genomes (outputs agree to float32 rounding). Batch 1 runs the fused numba kernel (`topoevo.nn.fused`: every row of
every genome in one compiled loop); its one-time compile is not in the per-call figures and is listed separately.
Best of 3 interleaved rounds. Throughput on a shared 2-core machine
depends strongly on the load (one descheduled thread stalls a 2-thread call); the calibration loop
(`sum(range(10**6))`) took {num(d.get('calibration_sum_range_1e6_cpu_s', 0) * 1e3, 1)} ms CPU in this run.{busy}

{table(["figure", "measured", "goal"], rows)}
Method and limits (per-level sparse products, activation folding, thread policy, compile cost of reading gene
objects) are described in the `topoevo.nn` docstring.

{json_line(d)}
"""
