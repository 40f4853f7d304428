"""The array-backed population (topoevo.genome.store) and the offspring kernel (topoevo.neat.reproduction_arrays)
against the readable reference: genomes survive the store unchanged, the kernel's children keep every genome
invariant and the NEAT rules of crossover and mutation, distances on the store equal the reference's, and a NEAT
run on the kernel is deterministic and resumable."""
from __future__ import annotations

import copy
import itertools
import json
import pickle
import random
from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import PROPERTY, evolved
from topoevo.config import Config
from topoevo.config.sections import ReproductionConfig
from topoevo.genome.columns import genomes_to_columns
from topoevo.genome.distance import distance
from topoevo.genome.genes import NodeKind
from topoevo.genome.genome import Genome
from topoevo.genome.rng import GenomeRandom
from topoevo.genome.store import PopulationStore, StoredGenome
from topoevo.genome.table import ConnectionTable, table_distances
from topoevo.neat import NEAT
from topoevo.neat.reproduction_arrays import kernel_unsupported, reproduce_arrays

BASE = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1}})
FEW = settings(PROPERTY, max_examples=60)


def fields_of(g) -> tuple:
    """Everything of a genome, orders included."""
    return ([(n.id, n.kind, n.bias, n.response, n.activation, n.aggregation) for n in g.nodes.values()],
            list(g.nodes), [(c.innovation, c.in_node, c.out_node, c.weight, c.enabled) for c in g.conns.values()],
            list(g.conns), g.input_ids, g.output_ids, g.bias_id, g.feed_forward)


@FEW
@given(evolved(), st.randoms(use_true_random=False))
def test_genomes_survive_the_store_unchanged(ev, r):
    pop = ev.population
    store = PopulationStore.of(pop)
    keys = [g.key for g in pop]
    species, parents = [g.species for g in pop], [g.parents for g in pop]
    views = store.views(keys, species, parents)
    assert genomes_to_columns(views) == genomes_to_columns(pop)  # (checkpoints read the store's arrays)
    for g, v, h in zip(pop, views, store.genomes(keys, species, parents)):
        assert fields_of(v) == fields_of(g) == fields_of(h)
        assert v == g and h == g
    # pickled / deep-copied as plain genomes (process pools), the view left untouched
    for g, v in zip(pop, store.views(keys, species, parents)):
        for twin in (pickle.loads(pickle.dumps(v)), copy.deepcopy(v)):
            assert type(twin) is Genome and fields_of(twin) == fields_of(g) and twin == g
        assert v._nodes is None
    # gathered from the store (untouched views, any order, mixed with plain genomes) = read from the genes
    order = [r.randrange(len(pop)) for _ in range(r.randint(1, 2 * len(pop)))]
    fresh = store.views(keys, [None] * len(pop), [()] * len(pop))
    mixed = [fresh[i] if r.random() < 0.7 else pop[i] for i in order]
    a, b = PopulationStore.of(mixed), PopulationStore.of([pop[i] for i in order])
    for name in a.nodes:
        assert np.array_equal(a.nodes[name], b.nodes[name])
    for name in a.conns:
        assert np.array_equal(a.conns[name], b.conns[name])
    assert np.array_equal(a.node_offsets, b.node_offsets) and np.array_equal(a.conn_offsets, b.conn_offsets)
    assert [fields_of(g) for g in a.genomes()] == [fields_of(pop[i]) for i in order]


@FEW
@given(evolved(), st.integers(0, 2**32 - 1))
def test_store_distances_equal_the_reference(ev, seed):
    pop = ev.population
    views = PopulationStore.of(pop).views([g.key for g in pop], [None] * len(pop), [()] * len(pop))
    r = random.Random(seed)
    a = np.array([r.randrange(len(pop)) for _ in range(8)])
    b = np.array([r.randrange(len(pop)) for _ in range(8)])
    got = table_distances(ConnectionTable.of(views), a, b, BASE.species)
    assert got.tolist() == [distance(pop[i], pop[j], BASE.species) for i, j in zip(a.tolist(), b.tolist())]


def kernel_children(ev, seed: int, rep: ReproductionConfig, counts: list[int], **mutation):
    """The kernel's offspring of ev's population split into up to two species (best first by a random score)."""
    m = replace(ev.mutation, **mutation)
    config = replace(BASE, genome=ev.cfg, mutation=m, reproduction=rep)
    rng = GenomeRandom(seed)
    assert kernel_unsupported(config, rng) == []
    pop = list(ev.population)
    scores = {g.key: rng.choice([0.0, 1.0, 2.0]) for g in pop}
    pop.sort(key=lambda g: -scores[g.key])
    cut = rng.randint(1, len(pop)) if len(counts) > 1 else len(pop)
    ranked = [pop[:cut], pop[cut:]] if len(counts) > 1 and cut < len(pop) else [pop]
    counts = counts[:len(ranked)]
    keys = itertools.count(10_000)
    children = reproduce_arrays(ranked, [7, 9][:len(ranked)], counts, scores, config, ev.tracker, rng,
                                lambda: next(keys))
    assert len(children) == sum(counts)
    return children, {g.key: g for g in pop}, scores


@FEW
@given(evolved(), st.integers(0, 2**32 - 1), st.sampled_from([0.0, 0.25, 1.0]), st.sampled_from([0.0, 0.5]))
def test_kernel_children_keep_every_invariant(ev, seed, mutate_only, interspecies):
    rep = ReproductionConfig(elitism_threshold=1, mutate_only_prob=mutate_only, interspecies_mate_rate=interspecies)
    before = (ev.tracker.next_innovation, ev.tracker.next_node_id)
    children, parents, _ = kernel_children(ev, seed, rep, [5, 4])
    link_of = {}
    for g in [*parents.values(), *children]:
        assert g.problems() == []
        assert (g.input_ids, g.output_ids, g.bias_id, g.feed_forward) == \
            (ev.population[0].input_ids, ev.population[0].output_ids, ev.population[0].bias_id, ev.cfg.feed_forward)
        assert list(g.conns) == sorted(g.conns) or g.key in parents
        for c in g.conns.values():  # an innovation number means one link, in every genome
            assert link_of.setdefault(c.innovation, (c.in_node, c.out_node)) == (c.in_node, c.out_node)
    for c in children:
        assert c.species in (7, 9) and all(p in parents for p in c.parents) and 1 <= len(c.parents) <= 2
        for g in c.conns.values():
            assert g.innovation < ev.tracker.next_innovation
        assert all(n < ev.tracker.next_node_id for n in c.nodes)
    assert (ev.tracker.next_innovation, ev.tracker.next_node_id) >= before


@FEW
@given(evolved(), st.integers(0, 2**32 - 1))
def test_kernel_crossover_follows_the_fitter_parent(ev, seed):
    rep = ReproductionConfig(elitism_threshold=10**6, mutate_only_prob=0.0, mate_only_prob=1.0,
                             interspecies_mate_rate=0.0, disable_inherit_prob=1.0)
    children, parents, scores = kernel_children(ev, seed, rep, [6])
    for c in children:
        fitter, other = (parents[k] for k in c.parents)
        if fitter is other:
            continue  # a genome mated with itself is mutated
        assert scores[fitter.key] >= scores[other.key]
        assert set(c.nodes) == set(fitter.nodes)
        assert {(g.innovation, g.in_node, g.out_node) for g in c.conns.values()} == \
            {(g.innovation, g.in_node, g.out_node) for g in fitter.conns.values()}
        for inn, g in c.conns.items():
            f, o = fitter.conns[inn], other.conns.get(inn)
            assert g.weight in (f.weight, o.weight if o is not None else f.weight)
            assert g.enabled == (f.enabled and (o is None or o.enabled))  # disable_inherit_prob = 1
        for nid, n in c.nodes.items():
            src = [p.nodes[nid] for p in (fitter, other) if nid in p.nodes]
            assert any((n.bias, n.response, n.activation, n.aggregation) ==
                       (s.bias, s.response, s.activation, s.aggregation) for s in src)


@FEW
@given(evolved(), st.integers(0, 2**32 - 1))
def test_kernel_add_node_splits_one_enabled_connection(ev, seed):
    rep = ReproductionConfig(elitism_threshold=10**6, mutate_only_prob=1.0)
    children, parents, _ = kernel_children(ev, seed, rep, [8], add_node_rate=1.0, structural_exclusive=True)
    splits = {}
    for c in children:
        p = parents[c.parents[0]]
        if not any(g.enabled for g in p.conns.values()):
            continue
        (new,) = set(c.nodes) - set(p.nodes)
        assert set(p.nodes) <= set(c.nodes)
        n = c.nodes[new]
        assert (n.kind, n.bias, n.response, n.activation) == (NodeKind.HIDDEN, 0.0, ev.cfg.response_init,
                                                            ev.cfg.activation)
        added = [g for i, g in c.conns.items() if i not in p.conns]
        (old,) = [g for i, g in c.conns.items() if i in p.conns and p.conns[i].enabled and not g.enabled]
        into = next(g for g in added if g.out_node == new)
        out = next(g for g in added if g.in_node == new)
        assert len(added) == 2 and (into.in_node, out.out_node) == (old.in_node, old.out_node)
        assert into.weight == 1.0 and out.weight == p.conns[old.innovation].weight
        # the same split within a generation: the same node and innovations (unless the genome already had them)
        assert splits.setdefault(old.innovation, (new, into.innovation, out.innovation)) == \
            (new, into.innovation, out.innovation) or new in p.nodes


def test_kernel_runs_are_deterministic_and_resume_exactly():
    cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
                            "neat": {"pop_size": 40}, "mutation": {"add_node_rate": 0.3,
                                                                   "add_connection_rate": 0.5}})

    def fitness(pop):
        return [float(g.num_enabled()) + 0.01 * (g.key % 7) for g in pop]

    a, b = NEAT(cfg, seed=3), NEAT(cfg, seed=3)
    for _ in range(4):
        assert a.tell(fitness(a.ask())).to_dict() == b.tell(fitness(b.ask())).to_dict()
    assert all(isinstance(g, StoredGenome) for g in a.ask())
    c = NEAT.from_state_dict(cfg, json.loads(json.dumps(a.state_dict())))  # (a checkpoint's round trip)
    for _ in range(4):
        sa, sc = a.tell(fitness(a.ask())), c.tell(fitness(c.ask()))
        assert sa.to_dict() == sc.to_dict()
    assert [fields_of(g) for g in a.ask()] == [fields_of(g) for g in c.ask()]


def test_options_the_kernel_lacks_keep_the_reference_path(monkeypatch):
    from topoevo.config.sections import MutationConfig
    from topoevo.neat import reproduction_arrays

    # an option the kernel does not implement (as when a new one is added to the config): only its default passes
    monkeypatch.setitem(reproduction_arrays.KERNEL_FIELDS, MutationConfig,
                        reproduction_arrays.KERNEL_FIELDS[MutationConfig] - {"delete_connection_rate"})
    cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
                            "neat": {"pop_size": 20}, "mutation": {"delete_connection_rate": 0.2}})
    assert kernel_unsupported(cfg, GenomeRandom(0)) == [
        "mutation.delete_connection_rate = 0.2 (the array kernel implements only its default)"]
    assert kernel_unsupported(replace(cfg, mutation=MutationConfig()), GenomeRandom(0)) == []
    algo = NEAT(cfg, seed=1)
    algo.tell([1.0] * 20)
    assert not any(isinstance(g, StoredGenome) for g in algo.ask())

    class OtherDraws(GenomeRandom):
        pass

    assert kernel_unsupported(BASE, OtherDraws(0)) == ["the genome random source is a OtherDraws, not a GenomeRandom"]
    assert kernel_unsupported(replace(BASE, neat=replace(BASE.neat, array_kernels=False)), GenomeRandom(0)) == [
        "neat.array_kernels = false"]
