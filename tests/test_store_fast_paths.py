"""The population store's fast paths against the readable ones they replace: generation 0 made at once in the store,
the compiler's store path (levels by a numba pass) and plain path, checkpoint columns read straight into a store,
views that copy and count without building genes, and NEAT's array bookkeeping (same runs as before)."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import PROPERTY, evolved
from topoevo.config import Config, GenomeConfig
from topoevo.errors import CheckpointError
from topoevo.genome.columns import genomes_from_columns, genomes_to_columns, stored_genomes_from_columns
from topoevo.genome.initial import first_hidden_id, initial_genome, initial_store_genomes
from topoevo.genome.innovation import InnovationTracker
from topoevo.genome.rng import GenomeRandom
from topoevo.genome.store import PopulationStore, StoredGenome
from topoevo.neat import NEAT
from topoevo.nn.plan_kernels import levels
from topoevo.nn.population import CompileError, _levels, compile_plan

PLAN_FIELDS = ("genome", "node_id", "bias", "response", "activation", "aggregation", "level", "src", "dst", "weight",
               "conn_index", "output_rows", "level_bounds")


@pytest.mark.parametrize("genome", [
    {"num_inputs": 2, "num_outputs": 1},
    {"num_inputs": 3, "num_outputs": 2, "bias_node": False, "weight_init_stdev": 0.0},
    {"num_inputs": 2, "num_outputs": 2, "num_hidden": 3, "hidden_layers": 2, "initial_connectivity": "full_direct",
     "bias_init_stdev": 0.0, "response_init_stdev": 0.5, "weight_min": -0.5},
    {"num_inputs": 2, "num_outputs": 1, "initial_connectivity": "none"},
    {"num_inputs": 4, "num_outputs": 3, "network": "recurrent", "initial_self_loops": True, "num_hidden": 2},
])
def test_generation_zero_in_the_store_equals_one_by_one(genome):
    cfg = GenomeConfig(**genome)
    for n in (1, 150, 900):  # (900: several buffers of normals)
        t1, t2 = InnovationTracker(0, first_hidden_id(cfg)), InnovationTracker(0, first_hidden_id(cfg))
        r1, r2 = GenomeRandom(5), GenomeRandom(5)
        one_by_one = [initial_genome(cfg, t1, r1, k) for k in range(n)]
        at_once = initial_store_genomes(cfg, t2, r2, list(range(n)))
        assert at_once is not None and len(at_once) == n
        assert all(type(v) is StoredGenome and (v == g) is True for g, v in zip(one_by_one, at_once))
        assert t1 == t2 and (r1.random(), r1.gauss()) == (r2.random(), r2.gauss())  # streams left alike


@pytest.mark.parametrize("genome", [{"initial_connectivity": "partial", "connection_probability": 0.5},
                                    {"activation": "random"}, {"weight_init_type": "uniform"}])
def test_generation_zero_draws_it_cannot_replay_keep_the_loop(genome):
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, **genome)
    rng = GenomeRandom(1)
    assert initial_store_genomes(cfg, InnovationTracker(0, 4), rng, [0, 1]) is None
    assert rng.random() == GenomeRandom(1).random()  # nothing drawn


@PROPERTY
@given(st.integers(1, 40), st.integers(0, 120), st.randoms(use_true_random=False), st.booleans())
def test_levels_kernel_equals_the_relaxation(n, m, r, cyclic):
    order = list(range(n))
    r.shuffle(order)
    rank = {v: i for i, v in enumerate(order)}
    pairs = [(r.randrange(n), r.randrange(n)) for _ in range(m)]
    edges = [(a, b) if rank[a] < rank[b] else (b, a) for a, b in pairs if a != b]  # a DAG
    if cyclic and edges:
        a, b = edges[r.randrange(len(edges))]
        edges.append((b, a))
    src = np.array([a for a, _ in edges], dtype=np.int64)
    dst = np.array([b for _, b in edges], dtype=np.int64)
    first = np.array([r.randint(0, 1) for _ in range(n)], dtype=np.int64)
    level, acyclic = levels(src, dst, first)
    try:
        expected = _levels(src, dst, first, n)
    except CompileError:
        assert not acyclic
    else:
        assert acyclic and level.tolist() == expected.tolist()


@PROPERTY
@given(evolved())
def test_compiling_views_equals_compiling_genes(ev):
    pop = ev.population
    views = PopulationStore.of(pop).views([g.key for g in pop], [None] * len(pop), [()] * len(pop))
    try:
        plain = compile_plan(pop)
    except CompileError as e:
        with pytest.raises(CompileError, match=str(e).split(":")[0][:30]):
            compile_plan(views)
        return
    stored = compile_plan(views)
    assert all(v._nodes is None for v in views)  # no gene built
    for f in PLAN_FIELDS:
        assert np.array_equal(getattr(plain, f), getattr(stored, f)), f
    assert (plain.num_rows, plain.num_sensor_rows) == (stored.num_rows, stored.num_sensor_rows)


@PROPERTY
@given(evolved())
def test_columns_read_into_the_store_equal_the_genomes(ev):
    pop = ev.population
    for i, g in enumerate(pop):
        g.fitness, g.species, g.parents = (None if i % 3 == 0 else float(i)), i % 4 or None, (i, i + 1)[:i % 3]
    d = genomes_to_columns(pop)
    genes = genomes_from_columns(d, ValueError)
    views = stored_genomes_from_columns(d, ValueError)
    assert all(type(v) is StoredGenome and v._nodes is None for v in views)
    assert views == genes
    assert genomes_to_columns(views) == d


def test_bad_columns_are_named_the_same_way():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1)
    gs = [initial_genome(cfg, InnovationTracker(0, 4), random.Random(s), s) for s in range(3)]
    gs[1].conns[0].out_node = 0  # a connection into an input
    d = genomes_to_columns(gs)

    def fail(field, message):
        return CheckpointError(message, source="c.json", field=field)

    with pytest.raises(CheckpointError) as a:
        genomes_from_columns(d, fail)
    with pytest.raises(CheckpointError) as b:
        stored_genomes_from_columns(d, fail)
    assert str(a.value) == str(b.value) and "[1]" in str(b.value)


def test_untouched_views_copy_and_count_without_genes():
    algo = NEAT(Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
                                  "neat": {"pop_size": 30}}), seed=3)
    for _ in range(5):
        algo.tell([float(g.num_enabled()) for g in algo.ask()])
    views = algo.ask()
    assert all(type(v) is StoredGenome and v._nodes is None for v in views)
    for v in views:
        copy = v.copy(key=99)
        counts = (v.num_nodes(), v.num_enabled(), v.num_hidden)
        assert v._nodes is None and copy._nodes is None
        assert (copy.key, copy.fitness, copy.species, copy.parents) == (99, None, None, ())
        copy.conns  # (now built: an ordinary genome, as Genome.copy gives)
        plain = v.copy()
        assert counts == (len(copy.nodes), sum(c.enabled for c in copy.conns.values()),
                          sum(n.kind.name == "HIDDEN" for n in copy.nodes.values()))
        assert (copy.nodes, copy.conns) == (plain.nodes, plain.conns)


def test_neat_resumed_from_store_columns_continues_identically():
    """A checkpointed population comes back as views of one store and continues as the uninterrupted run."""
    cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
                            "neat": {"pop_size": 40}, "species": {"target_species": 5}})
    algo = NEAT(cfg, seed=11)
    for _ in range(6):
        algo.tell([float(g.num_enabled()) - 0.1 * g.num_hidden for g in algo.ask()])
    twin = NEAT.from_state_dict(cfg, json.loads(json.dumps(algo.state_dict())))  # (as a checkpoint holds it)
    assert genomes_to_columns(twin.population) == genomes_to_columns(algo.population)
    for a in (algo, twin):
        a.tell([float(g.num_enabled()) for g in a.ask()])
    assert genomes_to_columns(twin.population) == genomes_to_columns(algo.population)
