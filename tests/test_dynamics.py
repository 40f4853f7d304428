"""CTRNN and Izhikevich networks: batched steps against hand computations and neat-python 2.0's reference networks,
genome conversion both ways on >= 100 neat-python genomes each, with matching outputs; the node attributes evolved
inside NEAT runs (``genome.network = "ctrnn"`` / ``"iznn"``): mutation within bounds, genome files and checkpoint
columns, resume bit-identical, the evolved values through neat-python and back."""
from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest

neat = pytest.importorskip("neat")

from neat.ctrnn import CTRNN  # noqa: E402
from neat.iznn import IZGenome, IZNN  # noqa: E402

from topoevo.dynamics.networks import CTRNNPopulation, IzhikevichPopulation  # noqa: E402
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind  # noqa: E402
from topoevo.genome.genome import Genome  # noqa: E402
from topoevo.interop.neat_python_dynamics import (ctrnn_from_neat_python, ctrnn_to_neat_python,  # noqa: E402
                                                  iznn_from_neat_python, iznn_to_neat_python)
from test_interop_neat_python import neat_genomes  # noqa: E402  (every genome of a neat-python run)

COMMON = """
[NEAT]
fitness_criterion     = max
fitness_threshold     = 1000
pop_size              = 40
reset_on_extinction   = True
no_fitness_termination = False

[{genome}]
{node_keys}
bias_init_mean          = {bias_mean}
bias_init_stdev         = {bias_stdev}
bias_max_value          = 30.0
bias_min_value          = -30.0
bias_mutate_power       = 0.5
bias_mutate_rate        = 0.7
bias_replace_rate       = 0.1
compatibility_disjoint_coefficient = 1.0
compatibility_weight_coefficient   = 0.5
conn_add_prob           = 0.7
conn_delete_prob        = 0.3
enabled_default         = True
enabled_mutate_rate     = 0.1
feed_forward            = False
initial_connection      = partial_direct 0.5
node_add_prob           = 0.5
node_delete_prob        = 0.2
num_hidden              = 1
num_inputs              = 3
num_outputs             = 2
weight_init_mean        = {weight_mean}
weight_init_stdev       = {weight_stdev}
weight_max_value        = 30
weight_min_value        = -30
weight_mutate_power     = 0.5
weight_mutate_rate      = 0.8
weight_replace_rate     = 0.1

[DefaultSpeciesSet]
compatibility_threshold = {threshold}

[DefaultStagnation]
species_fitness_func = max
max_stagnation       = 20
species_elitism      = 2

[DefaultReproduction]
elitism            = 2
survival_threshold = 0.3
"""

CTRNN_NODES = """activation_default      = random
activation_mutate_rate  = 0.2
activation_options      = sigmoid tanh relu identity clamped abs
aggregation_default     = sum
aggregation_mutate_rate = 0.0
aggregation_options     = sum
response_init_mean      = 1.0
response_init_stdev     = 0.3
response_max_value      = 30.0
response_min_value      = -30.0
response_mutate_power   = 0.2
response_mutate_rate    = 0.3
response_replace_rate   = 0.05
time_constant_init_mean = 1.0
time_constant_init_stdev = 0.5
time_constant_max_value = 5.0
time_constant_min_value = 0.1
time_constant_mutate_power = 0.3
time_constant_mutate_rate = 0.5
time_constant_replace_rate = 0.1"""

IZ_NODES = "\n".join(f"""{x}_init_mean = {m}
{x}_init_stdev = {s}
{x}_max_value = {hi}
{x}_min_value = {lo}
{x}_mutate_power = {p}
{x}_mutate_rate = 0.3
{x}_replace_rate = 0.05""" for x, m, s, lo, hi, p in [("a", 0.02, 0.01, 0.005, 0.2, 0.01), ("b", 0.2, 0.03, 0.05, 0.35, 0.02),
                                                        ("c", -65.0, 5.0, -80.0, -40.0, 2.0), ("d", 8.0, 2.0, 0.05, 10.0, 0.5)])


def config(tmp_path: Path, kind: str, inputs: int = 3, outputs: int = 2) -> neat.Config:
    genome = neat.DefaultGenome if kind == "ctrnn" else IZGenome
    text = COMMON.format(genome=genome.__name__, node_keys=CTRNN_NODES if kind == "ctrnn" else IZ_NODES,
                         bias_mean=0.0 if kind == "ctrnn" else 8.0, bias_stdev=1.0 if kind == "ctrnn" else 4.0,
                         weight_mean=0.0 if kind == "ctrnn" else 5.0, weight_stdev=1.0 if kind == "ctrnn" else 5.0,
                         threshold=3.0 if kind == "ctrnn" else 40.0)  # (a, b, c, d differ by mV: wider species)
    text = text.replace("num_inputs              = 3", f"num_inputs = {inputs}").replace(
        "num_outputs             = 2", f"num_outputs = {outputs}")
    path = tmp_path / f"{kind}.ini"
    path.write_text(text)
    return neat.Config(genome, neat.DefaultReproduction, neat.DefaultSpeciesSet, neat.DefaultStagnation, str(path))


def input_sequence(seed: int, steps: int, scale: float) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-scale, scale, (steps, 3))


def neat_ctrnn_outputs(genome, cfg, inputs: np.ndarray, dt: float) -> np.ndarray:
    net = CTRNN.create(genome, cfg)
    return np.array([net.advance(list(x), dt, dt) for x in inputs.tolist()])


def neat_iznn_outputs(genome, cfg, inputs: np.ndarray, dt: float) -> np.ndarray:
    net = IZNN.create(genome, cfg)
    out = []
    for x in inputs.tolist():
        net.set_inputs(x)
        out.append(net.advance(dt))
    return np.array(out)


def run_batched(net, inputs: np.ndarray) -> np.ndarray:
    """(P, T, outputs) from one batched network fed the same input sequence."""
    return np.stack([net.step(np.tile(x, (net.size, 1))) for x in inputs], axis=1)


def test_ctrnn_genomes_convert_both_ways_with_matching_outputs(tmp_path):
    cfg = config(tmp_path, "ctrnn")
    genomes = neat_genomes(cfg, seed=3, generations=4)
    assert len(genomes) >= 100
    assert len({round(ng.time_constant, 6) for g in genomes for ng in g.nodes.values()}) > 20  # time constants vary
    dt, inputs = 0.05, input_sequence(0, 25, 2.0)
    converted = [ctrnn_from_neat_python(g, cfg) for g in genomes]
    ours = run_batched(CTRNNPopulation(converted, dt, "neat_python"), inputs)
    for i, (g, tg) in enumerate(zip(genomes, converted)):
        want = neat_ctrnn_outputs(g, cfg, inputs, dt)
        assert np.allclose(ours[i], want, rtol=1e-9, atol=1e-9), (i, ours[i][:3], want[:3])
        back = ctrnn_to_neat_python(tg, cfg)
        assert np.allclose(neat_ctrnn_outputs(back, cfg, inputs, dt), want, rtol=1e-9, atol=1e-9)
        for k, ng in back.nodes.items():
            assert ng.time_constant == g.nodes[k].time_constant


def test_iznn_genomes_convert_both_ways_with_matching_spikes(tmp_path):
    cfg = config(tmp_path, "iznn")
    genomes = neat_genomes(cfg, seed=5, generations=4)
    assert len(genomes) >= 100
    dt, inputs = 0.25, np.abs(input_sequence(1, 200, 1.0))
    converted = [iznn_from_neat_python(g, cfg) for g in genomes]
    ours = run_batched(IzhikevichPopulation(converted, dt), inputs)
    spikes = 0
    for i, (g, tg) in enumerate(zip(genomes, converted)):
        want = neat_iznn_outputs(g, cfg, inputs, dt)
        assert np.array_equal(ours[i], want), (i, np.flatnonzero(ours[i] != want)[:5])
        back = iznn_to_neat_python(tg, cfg)
        assert np.array_equal(neat_iznn_outputs(back, cfg, inputs, dt), want)
        spikes += int(want.sum())
    assert spikes > 100  # the comparison saw spikes, not only silence


def two_node_genome(weight: float, time_constant: float = 1.0) -> Genome:
    nodes = {0: NodeGene(0, NodeKind.INPUT, 0.0, 1.0, "identity", "sum"),
             1: NodeGene(1, NodeKind.OUTPUT, 0.5, 1.0, "tanh", "sum", time_constant)}
    return Genome(nodes, {0: ConnectionGene(0, 0, 1, weight)}, (0,), (1,), None, False, 0)


def test_ctrnn_euler_step_matches_a_hand_computation():
    net = CTRNNPopulation([two_node_genome(2.0, time_constant=0.5)], dt=0.1)
    y = 0.0
    for x in (1.0, -0.5, 0.25):
        out = net.step([[x]])[0, 0]
        y = y + 0.1 / 0.5 * (-y + math.tanh(0.5 + 2.0 * x))  # y += dt/tau (-y + tanh(bias + w x))
        assert out == pytest.approx(y, abs=1e-15)


def test_izhikevich_step_matches_a_hand_computation():
    net = IzhikevichPopulation([two_node_genome(4.0)], dt=1.0)
    a, b, c, d = 0.02, 0.2, -65.0, 8.0
    v, u = c, b * c
    fired = []
    for _ in range(60):
        current = 0.5 + 4.0 * 3.0  # bias + w * input
        for _half in range(2):
            v += 0.5 * (0.04 * v * v + 5 * v + 140 - u + current)
        u += a * (b * v - u)
        fired.append(1.0 if v > 30 else 0.0)
        if v > 30:
            v, u = c, u + d
        assert net.step([[3.0]])[0, 0] == fired[-1]
    assert sum(fired) >= 2


