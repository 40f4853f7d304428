"""Forward-pass benchmark of the compiled population (topoevo.nn) against neat-python and a dense torch MLP.

Genomes are grown the way NEAT grows them (start fully connected inputs+bias -> outputs, then split connections
and add links until the wanted number of enabled connections), feed-forward, steepened sigmoid and sum.

Measures, in one run on the same genomes:
- genome-activations per second (one genome on one input vector) of ``CompiledPopulation`` for 1,000 genomes of
  ~40 connections at batch 1 and batch 64 (batch 1 runs the fused numba kernel by default, ``topoevo.nn.fused``;
  the level-by-level torch steps at batch 1 are measured too, ``fused=False``);
- the fused kernel's one-time cost on a user's first call: compiling it (numba, a fresh cache) and loading it from
  numba's on-disk cache (each in a fresh process; never inside the per-call timings, which warm up first);
- neat-python 2.0 ``neat.nn.FeedForwardNetwork.activate`` on the same genomes (networks built from ours with
  ``FeedForwardNetwork(inputs, outputs, node_evals)``; outputs checked equal);
- a dense torch MLP with the same number of parameters per genome, run as one batched matmul per layer for all
  genomes (the practical limit of a fixed architecture);
- compile time of a population (1,000 x 40, 150 XOR-sized genomes, 10,000 x 100) and the peak memory (RSS) of
  compiling and running 10,000 x 100.

Usage: ``python benchmarks/forward.py [--quick]``. The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import gc
import json
import logging
import math
import multiprocessing
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from topoevo.genome import ConnectionGene, Genome, NodeGene, NodeKind, activate  # noqa: E402
from topoevo.genome.activations import ACTIVATIONS, AGGREGATIONS  # noqa: E402
from topoevo.genome.genome import topological_order  # noqa: E402
from topoevo.nn import CompiledPopulation  # noqa: E402

log = logging.getLogger("benchmarks.forward")


# ---- genomes ------------------------------------------------------------------------------------------------------
def grow_genome(rng: random.Random, num_inputs: int, num_outputs: int, num_conns: int, key: int = 0,
                p_split: float = 0.35, activation: str = "sigmoid") -> Genome:
    """A feed-forward genome grown by NEAT-style splits and link additions to ``num_conns`` enabled connections."""
    bias_id = num_inputs
    outs = tuple(range(num_inputs + 1, num_inputs + 1 + num_outputs))
    nodes = {i: NodeGene(i, NodeKind.INPUT, 0.0, 1.0, "identity", "sum") for i in range(num_inputs)}
    nodes[bias_id] = NodeGene(bias_id, NodeKind.BIAS, 0.0, 1.0, "identity", "sum")
    order = {i: 0.0 for i in range(num_inputs + 1)}
    for o in outs:
        nodes[o] = NodeGene(o, NodeKind.OUTPUT, rng.gauss(0, 1), 1.0, activation, "sum")
        order[o] = 1.0
    conns: dict[int, ConnectionGene] = {}
    links: set[tuple[int, int]] = set()
    enabled: list[int] = []

    def add(a: int, b: int, w: float) -> None:
        inn = len(conns)
        conns[inn] = ConnectionGene(inn, a, b, w)
        links.add((a, b))
        enabled.append(inn)

    for o in outs:
        for i in range(num_inputs + 1):
            add(i, o, rng.gauss(0, 1))
    next_id = outs[-1] + 1
    while len(enabled) < num_conns:
        if rng.random() < p_split:
            old = conns[enabled.pop(rng.randrange(len(enabled)))]
            old.enabled = False
            nid = next_id
            next_id += 1
            nodes[nid] = NodeGene(nid, NodeKind.HIDDEN, 0.0, 1.0, activation, "sum")
            order[nid] = (order[old.in_node] + order[old.out_node]) / 2
            add(old.in_node, nid, 1.0)
            add(nid, old.out_node, old.weight)
        else:
            ids = list(nodes)
            for _ in range(20):
                a, b = rng.choice(ids), rng.choice(ids)
                if order[a] > order[b]:
                    a, b = b, a
                if order[a] < order[b] and not nodes[b].kind.is_sensor and (a, b) not in links:
                    add(a, b, rng.gauss(0, 1))
                    break
    return Genome(nodes, conns, tuple(range(num_inputs)), outs, bias_id, True, key)


def population(n: int, num_inputs: int, num_outputs: int, num_conns: int, seed: int) -> list[Genome]:
    rng = random.Random(seed)
    return [grow_genome(rng, num_inputs, num_outputs, num_conns, key=k) for k in range(n)]


def depth(g: Genome) -> int:
    enabled = [c for c in g.conns.values() if c.enabled]
    level = {n: 0 for n in g.nodes}
    for nid in topological_order(g.nodes, enabled):
        for c in enabled:
            if c.in_node == nid:
                level[c.out_node] = max(level[c.out_node], level[nid] + 1)
    return max(level.values())


# ---- neat-python --------------------------------------------------------------------------------------------------
def neat_network(g: Genome):
    """``neat.nn.FeedForwardNetwork`` built directly from our genome, evaluating only the nodes outputs need (as
    neat-python's ``create`` does), with our scalar activation functions and neat-python's sum."""
    import neat
    from neat.aggregations import sum_aggregation

    enabled = [c for c in g.conns.values() if c.enabled]
    required = set(g.output_ids)
    changed = True
    while changed:
        changed = False
        for c in enabled:
            if c.out_node in required and c.in_node not in required and c.in_node not in g.sensor_ids:
                required.add(c.in_node)
                changed = True
    sensors = set(g.sensor_ids)
    evals = []
    for nid in topological_order(g.nodes, enabled):
        if nid in sensors or nid not in required:
            continue
        node = g.nodes[nid]
        links = [(c.in_node, c.weight) for c in sorted(enabled, key=lambda c: c.innovation) if c.out_node == nid]
        agg = sum_aggregation if node.aggregation == "sum" else AGGREGATIONS[node.aggregation]
        evals.append((nid, ACTIVATIONS[node.activation], agg, node.bias, node.response, links))
    inputs = list(g.input_ids) + ([g.bias_id] if g.bias_id is not None else [])
    return neat.nn.FeedForwardNetwork(inputs, list(g.output_ids), evals)


# ---- timing -------------------------------------------------------------------------------------------------------
def best_time(fn: Callable[[], object], repeats: int = 7, min_time: float = 0.05,
              clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per call: the best of ``repeats`` rounds, each long enough to be measurable. ``clock`` may be
    ``time.process_time`` (CPU time of this process) for single-threaded code on a machine shared with others."""
    fn()
    n = 1
    while True:
        t = clock()
        for _ in range(n):
            fn()
        dt = clock() - t
        if dt >= min_time:
            break
        n *= 2
    times = [dt / n]
    for _ in range(repeats - 1):
        t = clock()
        for _ in range(n):
            fn()
        times.append((clock() - t) / n)
    return min(times)


def cpu_time(fn: Callable[[], object], **kw) -> float:
    return best_time(fn, clock=time.process_time, **kw)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def dense_mlp_rate(P: int, n_params: int, num_inputs: int, num_outputs: int, batch: int) -> tuple[float, int]:
    """P two-layer tanh/sigmoid MLPs with about ``n_params`` weights each, batched with ``torch.baddbmm``."""
    hidden = max(1, round((n_params - num_outputs) / (num_inputs + 1 + num_outputs)))
    w1 = torch.randn(P, num_inputs, hidden)
    b1 = torch.randn(P, 1, hidden)
    w2 = torch.randn(P, hidden, num_outputs)
    b2 = torch.randn(P, 1, num_outputs)
    x = torch.randn(P, batch, num_inputs)

    @torch.no_grad()
    def run():
        return torch.sigmoid(torch.baddbmm(b2, torch.tanh(torch.baddbmm(b1, x, w1)), w2))

    t = best_time(run)
    return P * batch / t, hidden * (num_inputs + 1) + num_outputs * (hidden + 1)


def big_population_figures(n: int, threads: int) -> dict[str, float]:
    """Compile time and peak memory of ``n`` genomes of 100 connections (run in a fresh process)."""
    torch.set_num_threads(threads)
    base = current_rss_mb()
    genomes = population(n, 8, 4, 100, seed=3)
    gc.collect()
    genomes_mb = current_rss_mb() - base
    t, c = time.perf_counter(), time.process_time()
    pop = CompiledPopulation(genomes)
    compile_s, compile_cpu = time.perf_counter() - t, time.process_time() - c
    x = torch.rand(n, 64, 8) * 2 - 1
    pop(x)
    step = best_time(lambda: pop(x), repeats=3)
    return {"compile_s": compile_s, "compile_cpu_s": compile_cpu, "peak_mb": rss_mb(), "genomes_mb": genomes_mb,
            "step64_s": step,
            "rows": pop.plan.num_rows, "edges": pop.plan.src.size, "levels": len(pop.plan.level_bounds) - 1}


_FIRST_CALL = """
import json, sys, time
sys.path.insert(0, {root!r})
import torch
from topoevo.config import GenomeConfig
from topoevo.genome import InnovationTracker, initial_genome
import random
from topoevo.nn import CompiledPopulation
gs = [initial_genome(GenomeConfig(num_inputs=4, num_outputs=2), InnovationTracker(), random.Random(s)) for s in range(8)]
x = torch.rand(8, 1, 4)
pop = CompiledPopulation(gs, fused=True)
t, c = time.perf_counter(), time.process_time(); pop(x); first = (time.perf_counter() - t, time.process_time() - c)
t, c = time.perf_counter(), time.process_time(); pop(x); second = (time.perf_counter() - t, time.process_time() - c)
print(json.dumps([first[0] - second[0], first[1] - second[1]]))
"""


def fused_first_call_s(cache_dir: str | None) -> tuple[float, float]:
    """Seconds (wall, CPU) the first batch-1 call of a fresh process spends on the fused kernel beyond a normal
    call (importing numba, then compiling the kernel with ``cache_dir`` an empty numba cache, or loading it from
    the on-disk cache with None: numba's own)."""
    import subprocess

    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    out = subprocess.run([sys.executable, "-c", _FIRST_CALL.format(root=str(Path(__file__).resolve().parents[1]))],
                         env=env, check=True, capture_output=True, text=True)
    wall, cpu = json.loads(out.stdout.strip().splitlines()[-1])
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller neat-python sample and 10k population of 2k")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    from benchmarks.results_io import start

    start()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(args.threads)
    results: dict[str, float] = {}
    log.info("torch %s, %d threads, load average %.2f %.2f %.2f (other processes share these cores)",
             torch.__version__, torch.get_num_threads(), *os.getloadavg())
    calib = cpu_time(lambda: sum(range(10**6)), repeats=5)
    results["calibration_sum_range_1e6_cpu_s"] = calib
    log.info("machine speed now: sum(range(10**6)) takes %.1f ms of CPU (scale the CPU figures below by it)",
             calib * 1e3)

    # ---- 1,000 genomes x ~40 connections ----
    P, NI, NO, NC = 1000, 4, 2, 40
    genomes = population(P, NI, NO, NC, seed=1)
    n_en = [g.num_enabled() for g in genomes]
    depths = [depth(g) for g in genomes]
    log.info("population: %d genomes, %d inputs + bias, %d outputs, enabled connections mean %.1f, hidden mean "
             "%.1f, depth mean %.1f max %d", P, NI, NO, statistics.mean(n_en),
             statistics.mean(g.num_hidden for g in genomes), statistics.mean(depths), max(depths))
    compile_s = best_time(lambda: CompiledPopulation(genomes), repeats=5, min_time=0.2)
    compile_cpu = cpu_time(lambda: CompiledPopulation(genomes), repeats=5, min_time=0.2)
    pop = CompiledPopulation(genomes)
    log.info("compile 1,000 x 40: %.2f ms wall, %.2f ms CPU (%s)", compile_s * 1e3, compile_cpu * 1e3, pop)
    results["compile_s_1k"] = compile_s

    gen = torch.Generator().manual_seed(0)
    x1 = torch.rand(P, 1, NI, generator=gen) * 2 - 1
    x64 = torch.rand(P, 64, NI, generator=gen) * 2 - 1
    pop1 = CompiledPopulation(genomes, threads=1)
    steps1 = CompiledPopulation(genomes, threads=1, fused=False)  # batch 1 through the level-by-level torch steps
    # neat-python on the same genomes, same inputs (checked equal)
    nets = [neat_network(g) for g in genomes]
    xs = x1[:, 0, :].double().tolist()
    xs_neat = [row + [1.0] for row in xs]  # neat-python sees the bias node as one more input
    y = pop(x1)[:, 0, :].double().numpy()
    assert pop._program is not None, "batch 1 should run the fused kernel"
    log.info("max |fused - torch steps| at batch 1 = %.2e", float((pop(x1) - steps1(x1)).abs().max()))
    worst = max(abs(a - b) for p in range(P) for a, b in zip(nets[p].activate(xs_neat[p]), y[p]))
    ref = max(abs(a - b) for p in range(0, P, 50) for a, b in zip(activate(genomes[p], xs[p]), y[p]))
    log.info("max |topoevo - neat-python| = %.2e, max |topoevo - reference| = %.2e (float32)", worst, ref)
    assert worst < 1e-5 and ref < 1e-5, "outputs differ"
    sample = nets[:200] if args.quick else nets

    def run_neat():
        for p, net in enumerate(sample):
            net.activate(xs_neat[p])

    n_params = round(statistics.mean(n_en) + statistics.mean(g.num_hidden + NO for g in genomes))
    # throughputs: several interleaved rounds, the best of each (other processes come and go on this machine)
    rates: dict[str, float] = {}

    def keep(key: str, value: float) -> None:
        rates[key] = max(rates.get(key, 0.0), value)

    for _ in range(1 if args.quick else 3):
        keep("batch1_genome_acts_per_s", P / best_time(lambda: pop(x1)))
        keep("batch64_genome_acts_per_s", P * 64 / best_time(lambda: pop(x64)))
        keep("batch1_1thread_genome_acts_per_s", P / best_time(lambda: pop1(x1)))
        keep("batch64_1thread_genome_acts_per_s", P * 64 / best_time(lambda: pop1(x64)))
        keep("batch1_1thread_cpu_genome_acts_per_s", P / cpu_time(lambda: pop1(x1)))
        keep("batch1_steps_genome_acts_per_s", P / best_time(lambda: steps1(x1)))
        keep("batch1_steps_cpu_genome_acts_per_s", P / cpu_time(lambda: steps1(x1)))
        keep("batch64_1thread_cpu_genome_acts_per_s", P * 64 / cpu_time(lambda: pop1(x64)))
        keep("neat_python_acts_per_s", len(sample) / best_time(run_neat, repeats=3))
        keep("neat_python_cpu_acts_per_s", len(sample) / cpu_time(run_neat, repeats=3))
        d1, npar = dense_mlp_rate(P, n_params, NI, NO, 1)
        keep("dense_mlp_acts_per_s", dense_mlp_rate(P, n_params, NI, NO, 64)[0])
        keep("dense_mlp_batch1_acts_per_s", d1)
    results.update(rates)
    r = rates
    log.info("topoevo CompiledPopulation (default threads): batch 1 %.3gM, batch 64 %.3gM genome-acts/s",
             r["batch1_genome_acts_per_s"] / 1e6, r["batch64_genome_acts_per_s"] / 1e6)
    log.info("  threads=1: batch 1 %.3gM wall, %.3gM per CPU second; batch 64 %.3gM wall, %.3gM per CPU second",
             r["batch1_1thread_genome_acts_per_s"] / 1e6, r["batch1_1thread_cpu_genome_acts_per_s"] / 1e6,
             r["batch64_1thread_genome_acts_per_s"] / 1e6, r["batch64_1thread_cpu_genome_acts_per_s"] / 1e6)
    log.info("  batch 1 through the torch steps (fused=False): %.3gM wall, %.3gM per CPU second",
             r["batch1_steps_genome_acts_per_s"] / 1e6, r["batch1_steps_cpu_genome_acts_per_s"] / 1e6)
    neat_rate, neat_cpu = r["neat_python_acts_per_s"], r["neat_python_cpu_acts_per_s"]
    log.info("neat-python FeedForwardNetwork.activate: %.3gk genome-acts/s wall, %.3gk per CPU second", neat_rate / 1e3,
             neat_cpu / 1e3)
    log.info("topoevo / neat-python: batch 1 %.0fx (wall, default threads), %.0fx (threads=1, wall), %.0fx (threads=1, "
             "per CPU second); batch 64 %.0fx", r["batch1_genome_acts_per_s"] / neat_rate,
             r["batch1_1thread_genome_acts_per_s"] / neat_rate, r["batch1_1thread_cpu_genome_acts_per_s"] / neat_cpu,
             r["batch64_genome_acts_per_s"] / neat_rate)
    log.info("dense torch MLP (%d params/genome vs ~%d): batch 1 %.3gM, batch 64 %.3gM genome-acts/s", npar,
             n_params, r["dense_mlp_batch1_acts_per_s"] / 1e6, r["dense_mlp_acts_per_s"] / 1e6)

    # ---- the fused kernel's one-time cost (fresh processes) ----
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        results["fused_first_call_compile_s"], results["fused_first_call_compile_cpu_s"] = fused_first_call_s(cache)
    fused_first_call_s(None)  # (fills numba's own cache if it was empty)
    results["fused_first_call_cached_s"], results["fused_first_call_cached_cpu_s"] = fused_first_call_s(None)
    log.info("fused kernel, first call of a process: %.2f s (%.2f s CPU) importing numba and compiling (empty numba "
             "cache, once per install), %.3f s (%.3f s CPU) importing numba and loading it from numba's cache",
             results["fused_first_call_compile_s"], results["fused_first_call_compile_cpu_s"],
             results["fused_first_call_cached_s"], results["fused_first_call_cached_cpu_s"])

    # ---- 150 XOR-sized genomes (the per-generation compile of a NEAT run) ----
    xor = population(150, 2, 1, 7, seed=2)
    txor = best_time(lambda: CompiledPopulation(xor), min_time=0.2)
    txor_cpu = cpu_time(lambda: CompiledPopulation(xor), min_time=0.2)
    results["compile_s_150_xor"] = txor
    results["compile_cpu_s_150_xor"] = txor_cpu
    pop_xor = CompiledPopulation(xor)
    xx = torch.rand(150, 4, 2)
    txor_call = best_time(lambda: pop_xor(xx))
    results["forward_s_150_xor"] = txor_call
    log.info("compile 150 XOR-sized genomes (%.1f enabled conns, %.1f hidden): %.0f us wall, %.0f us CPU (%.2f us "
             "CPU per genome); one forward on the 4 XOR inputs: %.0f us", statistics.mean(g.num_enabled() for g in xor),
             statistics.mean(g.num_hidden for g in xor), txor * 1e6, txor_cpu * 1e6, txor_cpu * 1e6 / 150,
             txor_call * 1e6)

    # ---- 10,000 genomes x 100 connections, in a fresh process so its peak memory is its own ----
    P10 = 2000 if args.quick else 10000
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        big = pool.apply(big_population_figures, (P10, args.threads))
    results["compile_s_10k"] = big["compile_s"]
    results["compile_cpu_s_10k"] = big["compile_cpu_s"]
    results["peak_mem_mb_10k"] = big["peak_mb"]
    log.info("%d genomes x 100 connections (%d inputs, %d outputs, %d rows, %d edges, %d levels): compile %.2f s, "
             "%.2f s CPU, peak RSS %.0f MB (of which the genome objects %.0f MB), batch-64 step %.1f ms (%.3gM "
             "genome-acts/s)", P10, 8, 4, big["rows"], big["edges"], big["levels"], big["compile_s"],
             big["compile_cpu_s"], big["peak_mb"], big["genomes_mb"],
             big["step64_s"] * 1e3, P10 * 64 / big["step64_s"] / 1e6)
    log.info("load average at the end: %.2f %.2f %.2f", *os.getloadavg())
    out = {k: round(v, 6) if v < 1 else (round(v, 3) if v < 1000 else round(v))
           for k, v in results.items() if not math.isnan(v)}
    from benchmarks.results_io import write_results

    write_results("forward" + ("_quick" if args.quick else ""), out, sys.argv)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
