"""The dynamical node attributes evolved inside NEAT runs (``genome.network = "ctrnn"`` / ``"iznn"``): mutation keeps
them within their bounds, genome files and checkpoint columns carry them, runs resume bit-identically, the batched
policy steps each observation row as its own network, and the evolved values go through neat-python and back."""
from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from topoevo.config import Config, GenomeConfig
from topoevo.dynamics.attributes import ALL_ATTRIBUTES, NODE_ATTRIBUTES, SETTINGS
from topoevo.dynamics.networks import CTRNNPopulation, DynamicsPolicy, IzhikevichPopulation
from topoevo.genome import InnovationTracker, initial_genome
from topoevo.genome.columns import genomes_from_columns, genomes_to_columns
from topoevo.genome.io import genome_from_dict, genome_to_dict
from topoevo.genome.mutation import mutate_dynamics
from topoevo.genome.store import PopulationStore
from topoevo.neat.reproduction_arrays import kernel_unsupported
from topoevo.genome.rng import GenomeRandom
from topoevo.run import Run
from test_run_loop import assert_same_run

ROOT = Path(__file__).resolve().parents[1]


def xor_config(network: str, generations: int, **genome) -> Config:
    return Config.from_dict({
        "task": {"name": "xor"},
        "run": {"generations": generations, "checkpoint_every": 2, "progress": False},
        "neat": {"pop_size": 24},
        "genome": {"network": network, "num_inputs": 2, "num_outputs": 1, "steps_per_observation": 3,
                   **{f"{a}_mutate_rate": 0.5 for a in ALL_ATTRIBUTES}, **genome},
        "mutation": {"add_node_rate": 0.2, "add_connection_rate": 0.3}})


def evolved_nodes(genomes, model: str) -> int:
    """Non-sensor nodes whose model attributes left the defaults."""
    attrs = NODE_ATTRIBUTES[model]
    return sum(any(getattr(n, a.name) != a.init for a in attrs) for g in genomes for n in g.nodes.values()
               if not n.kind.is_sensor)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(NODE_ATTRIBUTES)), st.floats(0, 1), st.floats(0, 1), st.floats(0, 5),
       st.floats(0, 5), st.sampled_from(["gaussian", "uniform"]), st.integers(0, 2**32))
def test_mutation_keeps_every_attribute_within_its_bounds(model: str, rate: float, replace: float, power: float,
                                                           stdev: float, init_type: str, seed: int):
    settings_ = {}
    for a in NODE_ATTRIBUTES[model]:
        width = a.high - a.low
        settings_.update({f"{a.name}_mutate_rate": rate, f"{a.name}_replace_rate": replace,
                          f"{a.name}_mutate_power": power * width, f"{a.name}_init_stdev": stdev * width,
                          f"{a.name}_init_type": init_type, f"{a.name}_init_mean": a.high + width})  # mean outside
    cfg = GenomeConfig(num_inputs=2, num_outputs=2, network=model, num_hidden=2, **settings_)
    rng = GenomeRandom(seed)
    g = initial_genome(cfg, InnovationTracker(), rng)
    for _ in range(20):
        mutate_dynamics(g, cfg, rng)
        for n in g.nodes.values():
            for a in NODE_ATTRIBUTES[model]:
                assert a.low <= getattr(n, a.name) <= a.high
    others = [a for m, attrs in NODE_ATTRIBUTES.items() if m != model for a in attrs]
    assert all(getattr(n, a.name) == a.init for n in g.nodes.values() for a in others)  # only the model's evolve


def test_config_bounds_and_kernel_routing():
    with pytest.raises(Exception, match="genome.time_constant_max_value"):
        GenomeConfig(time_constant_min_value=2.0, time_constant_max_value=1.0)
    assert all(hasattr(GenomeConfig(), f"{a}_{s}") for a in ALL_ATTRIBUTES for s in SETTINGS)
    assert kernel_unsupported(xor_config("recurrent", 1), GenomeRandom(0)) == []
    assert any("genome.network = 'ctrnn'" in w for w in kernel_unsupported(xor_config("ctrnn", 1), GenomeRandom(0)))


@pytest.mark.parametrize("model", ["ctrnn", "iznn"])
def test_runs_evolve_the_attributes_and_resume_bit_identically(tmp_path: Path, model: str):
    a = Run.start(xor_config(model, 6), out=tmp_path / "a", seed=1)
    a.loop()
    Run.start(xor_config(model, 3), out=tmp_path / "b", seed=1).loop()
    Run.resume(tmp_path / "b", generations=6).loop()
    assert_same_run(tmp_path / "a", tmp_path / "b")
    population = a.algo.ask()
    assert evolved_nodes(population, model) >= 10
    # the checkpoint holds them (as columns) and reads them back; the genome file too
    state = json.loads((tmp_path / "a" / "checkpoint.json").read_text())
    assert any(f"node_{x.name}" in json.dumps(state)[:10**7] for x in NODE_ATTRIBUTES[model])
    back = genomes_from_columns(genomes_to_columns(population), ValueError)
    assert [b.nodes for b in back] == [g.nodes for g in population]
    for g in population[:5]:
        assert genome_from_dict(json.loads(json.dumps(genome_to_dict(g)))).nodes == g.nodes


def test_columns_and_store_keep_the_attributes():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, network="iznn", num_hidden=1, c_init_stdev=5.0, a_init_stdev=0.01)
    rng = random.Random(0)
    genomes = [initial_genome(cfg, InnovationTracker(), rng, k) for k in range(4)]
    assert evolved_nodes(genomes, "iznn") > 0
    assert [g.nodes for g in genomes_from_columns(genomes_to_columns(genomes), ValueError)] == \
        [g.nodes for g in genomes]
    store = PopulationStore.of(genomes)
    assert [g.nodes for g in store.genomes()] == [g.nodes for g in genomes]
    views = store.views([0, 1, 2, 3], [None] * 4, [()] * 4)
    assert [g.nodes for g in genomes_from_columns(genomes_to_columns(views), ValueError)] == \
        [g.nodes for g in genomes]
    plain = [initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(), rng)]
    assert not any(k.startswith("node_time") for k in genomes_to_columns(plain))  # defaults: no extra columns


@pytest.mark.parametrize("model", ["ctrnn", "iznn"])
def test_batched_rows_are_independent_networks(model: str):
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, network=model, num_hidden=2, time_constant_init_stdev=1.0,
                       weight_init_stdev=20.0, c_init_stdev=5.0)
    genomes = [initial_genome(cfg, InnovationTracker(), random.Random(k), k) for k in range(3)]
    x = np.random.default_rng(0).uniform(0, 2, (3, 4, 2))
    policy = DynamicsPolicy(genomes, model, dt=0.5, steps=4, readout="mean")
    policy.reset()
    got = [policy(x).numpy() for _ in range(3)]
    for p in range(3):
        for b in range(4):
            one = DynamicsPolicy([genomes[p]], model, dt=0.5, steps=4, readout="mean")
            one.reset()
            for t in range(3):
                assert np.array_equal(one(x[p:p + 1, b:b + 1]).numpy()[0, 0], got[t][p, b])


neat = pytest.importorskip("neat")


@pytest.mark.parametrize("model", ["ctrnn", "iznn"])
def test_evolved_values_convert_to_neat_python_and_back(tmp_path: Path, model: str):
    from test_dynamics import config, neat_ctrnn_outputs, neat_iznn_outputs

    from topoevo.interop.neat_python import InteropError
    from topoevo.interop.neat_python_dynamics import (ctrnn_from_neat_python, ctrnn_to_neat_python,
                                                      iznn_from_neat_python, iznn_to_neat_python)

    extra = {"activation": "identity", "activation_options": ["identity"]} if model == "iznn" else \
        {"activation": "tanh", "activation_options": ["tanh"]}
    run = Run.start(xor_config(model, 6, **extra), out=tmp_path / "run", seed=2)
    run.loop()
    population = run.algo.ask()
    assert evolved_nodes(population, model) >= 5
    ncfg = config(tmp_path, model, inputs=2, outputs=1)
    to, back = (ctrnn_to_neat_python, ctrnn_from_neat_python) if model == "ctrnn" else \
        (iznn_to_neat_python, iznn_from_neat_python)
    inputs = np.abs(np.random.default_rng(0).uniform(0, 2, (60, 2)))
    dt = 0.05 if model == "ctrnn" else 0.25
    ours = (CTRNNPopulation(population, dt, "neat_python") if model == "ctrnn"
            else IzhikevichPopulation(population, dt))
    mine = np.stack([ours.step(np.tile(x, (len(population), 1))) for x in inputs], axis=1)
    converted = 0
    for i, g in enumerate(population):
        bias_only = {c.out_node for c in g.conns.values() if c.enabled and c.in_node == g.bias_id} - \
            {c.out_node for c in g.conns.values() if c.enabled and c.in_node != g.bias_id}
        if model == "ctrnn" and bias_only:  # not convertible exactly: refused
            with pytest.raises(InteropError, match="bias node alone"):
                to(g, ncfg)
            continue
        converted += 1
        ng = to(g, ncfg)
        names = [a.name for a in NODE_ATTRIBUTES[model]]
        for n in g.nodes.values():
            if not n.kind.is_sensor:
                k = n.id - len(g.input_ids) - 1
                assert [getattr(ng.nodes[k], x) for x in names] == [getattr(n, x) for x in names]
        want = (neat_ctrnn_outputs if model == "ctrnn" else neat_iznn_outputs)(ng, ncfg, inputs, dt)
        assert np.allclose(mine[i], want, rtol=1e-9, atol=1e-9)
        again = back(ng, ncfg)
        def values(h):  # in node id order (the import numbers nodes after its own sensors, in the same order)
            return [[getattr(h.nodes[k], x) for x in names] for k in sorted(h.nodes) if not h.nodes[k].kind.is_sensor]

        assert values(again) == values(g)
    assert converted >= len(population) // 2


@pytest.mark.parametrize("name", ["double_pole_no_velocities_ctrnn.toml", "xor_iznn.toml"])
def test_task_files_load(name: str):
    from topoevo.config import load_config

    cfg = load_config(ROOT / "tasks" / name)
    assert cfg.genome.node_model in NODE_ATTRIBUTES


def test_play_replays_a_champion_as_its_network(tmp_path: Path):
    from topoevo.cli import play_genome
    from topoevo.config import load_config

    cfg = load_config(ROOT / "tasks" / "xor_iznn.toml", {"run": {"generations": 2, "progress": False},
                                                          "neat": {"pop_size": 20}})
    summary = Run.start(cfg, out=tmp_path / "run", seed=0).loop()
    played = play_genome(tmp_path / "run" / "champion.json")
    assert played["returns"] == [pytest.approx(summary.best_fitness, abs=0)]


@pytest.mark.slow
@pytest.mark.parametrize("model", ["ctrnn", "iznn"])
def test_same_run_on_two_worker_processes(tmp_path: Path, model: str):
    """The compile_fn (compile_dynamics over the config's settings) travels to worker processes: same run."""
    from topoevo.evaluate.pool import PoolEvaluator

    a = Run.start(xor_config(model, 3), out=tmp_path / "a", seed=4, reporters=[])
    a.loop()
    with PoolEvaluator(workers=2) as pool:
        b = Run.start(xor_config(model, 3), out=tmp_path / "b", seed=4, reporters=[], evaluator=pool)
        b.loop()
    assert a.algo.state_dict() == b.algo.state_dict()
