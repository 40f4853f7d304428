"""The array kernels of topoevo.genome.table must agree with the readable reference bit for bit: the same
distance values for the same genomes, and the same speciation (members, species ids, founders) as the Python loop."""
from __future__ import annotations

import random

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from strategies import PROPERTY, evolved, evolved_pairs
from topoevo.config import Config
from topoevo.config.sections import SpeciesConfig
from topoevo.genome.distance import compatible, distance
from topoevo.genome.table import ConnectionTable, table_distances
from topoevo.neat import NEAT
from topoevo.neat import species as species_module
from topoevo.neat.species import SpeciesSet

COEFFICIENTS = st.sampled_from([(1.0, 1.0, 0.4), (1.0, 2.0, 0.5), (0.5, 1.5, 3.0)])


def species_config(coefficients, min_genes) -> SpeciesConfig:
    c1, c2, c3 = coefficients
    return SpeciesConfig(excess_coefficient=c1, disjoint_coefficient=c2, weight_coefficient=c3,
                         normalize_min_genes=min_genes)


@PROPERTY
@given(evolved_pairs(), COEFFICIENTS, st.sampled_from([0, 3, 20]))
def test_table_distance_equals_the_reference_bit_for_bit(pair, coefficients, min_genes):
    _, a, b = pair
    cfg = species_config(coefficients, min_genes)
    table = ConnectionTable.of([a, b])
    got = table_distances(table, np.array([0, 1, 0]), np.array([1, 0, 0]), cfg).tolist()
    assert got == [distance(a, b, cfg), distance(b, a, cfg), distance(a, a, cfg)]


@PROPERTY
@given(evolved(), st.randoms(use_true_random=False))
def test_table_rows_are_the_genes_sorted_by_innovation(ev, rnd):
    genomes = list(ev.population)
    rnd.shuffle(genomes)
    t = ConnectionTable.of(genomes)
    for k, g in enumerate(genomes):
        lo, hi = t.offsets[k], t.offsets[k + 1]
        assert t.innovation[lo:hi].tolist() == sorted(g.conns)
        assert t.weight[lo:hi].tolist() == [g.conns[i].weight for i in sorted(g.conns)]


def _speciate_both(genomes, reps, homes, cfg, threshold, seed):
    """Speciate copies of ``genomes`` with the array kernel and with the Python loop; return both outcomes."""
    outcomes = []
    for path in ("_speciate_arrays", "_speciate_loop"):
        copies = [g.copy(key=g.key) for g in genomes]
        ss = SpeciesSet(threshold, next_id=len(reps) + 1)
        for sid, rep in enumerate(reps, start=1):
            ss.species[sid] = species_module.Species(sid, 0, rep)
        for g, h in zip(copies, homes):
            g.species = h
        getattr(ss, path)(copies, 3, cfg)
        outcomes.append(({sid: [g.key for g in s.members] for sid, s in ss.species.items()},
                         {sid: s.representative.key if s.representative else None for sid, s in ss.species.items()},
                         [g.species for g in copies], ss.next_id))
    return outcomes


@PROPERTY
@given(evolved(), evolved(), st.floats(0.05, 6.0), COEFFICIENTS, st.sampled_from([0, 20]), st.data())
def test_array_speciation_places_every_genome_as_the_python_loop_does(ev, ev2, threshold, coefficients, min_genes,
                                                                      data):
    genomes = list(ev.population) * 3  # repeats: several genomes at distance 0
    for k, g in enumerate(genomes):
        g.key = k
    reps = [data.draw(st.sampled_from([None, *ev.population, *ev2.population])) for _ in range(data.draw(
        st.integers(0, 4)))]
    homes = [data.draw(st.sampled_from([None, *range(1, len(reps) + 2)])) for _ in genomes]
    cfg = species_config(coefficients, min_genes)
    arrays, loop = _speciate_both(genomes, reps, homes, cfg, threshold, 0)
    assert arrays == loop


def test_neat_runs_identically_with_array_speciation(monkeypatch):
    """A whole NEAT run (population 60): the same species, members and genomes whichever path speciates."""
    cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
                            "neat": {"pop_size": 60}, "species": {"target_species": 6, "threshold_step": 0.3},
                            "mutation": {"add_node_rate": 0.2, "add_connection_rate": 0.3}})

    def run(minimum: int) -> list:
        monkeypatch.setattr(species_module, "ARRAY_SPECIATION_MIN", minimum)
        algo, fit, out = NEAT(cfg, seed=5), random.Random(1), []
        for _ in range(12):
            pop = algo.ask()
            algo.tell([fit.random() + g.num_enabled() for g in pop])
            out.append(([(g.key, g.species, g.structure()) for g in algo.ask()],
                        {sid: (s.representative.key, [g.key for g in s.members])
                         for sid, s in algo.species_set.species.items()}, algo.species_set.threshold))
        return out

    assert run(0) == run(10**9)


def test_compatible_agrees_with_the_table_on_an_exact_tie():
    """A distance exactly at the threshold is not compatible on either path."""
    import topoevo.genome.initial as initial
    from topoevo.config import GenomeConfig
    from topoevo.genome import InnovationTracker

    g = initial.initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0))
    h = g.copy()
    for c in h.conns.values():
        c.weight += 0.5
    cfg = SpeciesConfig(weight_coefficient=2.0)
    d = distance(g, h, cfg)
    assert table_distances(ConnectionTable.of([g, h]), np.array([0]), np.array([1]), cfg)[0] == d
    assert not compatible(g, h, cfg, d)
    arrays, loop = _speciate_both([h], [g], [1], cfg, d, 0)
    assert arrays == loop and arrays[2] == [2]


# ---- genome columns (checkpoints) ------------------------------------------------------------------------------
def _damage(g, rnd: random.Random) -> None:
    """One random edit that may break an invariant of Genome.problems (or may not)."""
    from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind

    ids = list(g.nodes)
    kind = rnd.randrange(7)
    if kind == 0 and g.conns:  # retarget a connection (missing endpoint, sensor target, cycle, duplicate link)
        c = g.conns[rnd.choice(list(g.conns))]
        c.out_node = rnd.choice(ids + [max(ids) + 5])
    elif kind == 1 and g.conns:
        c = g.conns[rnd.choice(list(g.conns))]
        c.in_node = rnd.choice(ids + [max(ids) + 7])
    elif kind == 2:  # a node of the wrong kind, or an unknown activation
        n = g.nodes[rnd.choice(ids)]
        if rnd.random() < 0.5:
            n.kind = rnd.choice(list(NodeKind))
        else:
            n.activation = rnd.choice(["tanh", "nope"])
    elif kind == 3:  # remove a node
        del g.nodes[rnd.choice(ids)]
    elif kind == 4:  # a new hidden node, maybe dangling
        nid = max(ids) + 1
        g.nodes[nid] = NodeGene(nid, NodeKind.HIDDEN)
        if rnd.random() < 0.5:
            inn = max(g.conns, default=0) + 1
            g.conns[inn] = ConnectionGene(inn, rnd.choice(ids), nid, 1.0)
    elif kind == 5 and g.conns:  # a duplicate link or a self-loop
        c = g.conns[rnd.choice(list(g.conns))]
        inn = max(g.conns) + 1
        g.conns[inn] = ConnectionGene(inn, c.in_node, c.out_node if rnd.random() < 0.5 else c.in_node, 0.5)
    elif kind == 6 and g.conns:  # remove a connection
        del g.conns[rnd.choice(list(g.conns))]


@PROPERTY
@given(evolved(), st.randoms(use_true_random=False), st.integers(0, 3))
def test_columns_find_exactly_the_genomes_that_break_an_invariant(ev, rnd, edits):
    from topoevo.genome.columns import genomes_from_columns, genomes_to_columns, invalid_genomes
    import base64

    genomes = [g.copy(key=g.key) for g in ev.population]
    for _ in range(edits):
        _damage(rnd.choice(genomes), rnd)
    d = genomes_to_columns(genomes)
    from topoevo.genome.columns import decode_columns
    arrays = decode_columns(d, ValueError)[4]
    found = invalid_genomes(arrays, d["inputs"], d["outputs"], d["bias"], d["network"] == "feedforward",
                            d["activations"], d["aggregations"]).tolist()
    assert found == [i for i, g in enumerate(genomes) if g.problems()]
    if not found:
        back = genomes_from_columns(d, ValueError)
        assert [genome_to_dict_(g) for g in back] == [genome_to_dict_(g) for g in genomes]


def genome_to_dict_(g):
    from topoevo.genome.io import genome_to_dict

    return genome_to_dict(g)
