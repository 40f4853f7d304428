"""The rule ablations of benchmarks/xor.py (``--ablation``): each switches exactly the rule it names, for the block
it patches, and leaves the library as it was afterwards."""
from __future__ import annotations

import copy
import random

from hypothesis import given
from hypothesis import strategies as st

from benchmarks import xor
from strategies import PROPERTY, evolved_pairs
from topoevo.config import Config
from topoevo.genome import mutation
from topoevo.genome.genome import Genome
from topoevo.genome.rng import GenomeRandom
from topoevo.neat import reproduction


@PROPERTY
@given(evolved_pairs(), st.integers(0, 2**32))
def test_no_reenable_only_links_unconnected_pairs(pair, seed):
    ev, genome, _ = pair
    g, tracker = genome.copy(), copy.deepcopy(ev.tracker)
    before = {inn: (c.in_node, c.out_node, c.enabled) for inn, c in g.conns.items()}
    original = mutation.add_connection
    with xor.no_reenable() as counts:
        added = mutation.add_connection(g, ev.cfg, tracker, GenomeRandom(seed))
    assert mutation.add_connection is original and counts == {"calls": 1}
    assert {inn: before[inn] for inn in before} == {inn: (g.conns[inn].in_node, g.conns[inn].out_node,
                                                          g.conns[inn].enabled) for inn in before}
    new = [c for inn, c in g.conns.items() if inn not in before]
    assert len(new) == int(added)
    pairs = {(a, b) for a, b, _ in before.values()}
    assert all((c.in_node, c.out_node) not in pairs and c.enabled for c in new)
    assert not g.problems()


@PROPERTY
@given(evolved_pairs(), st.integers(0, 2**32))
def test_tie_smaller_takes_the_smaller_parents_topology_on_equal_fitness(pair, seed):
    _, a, b = pair
    a, b = a.copy(key=1), b.copy(key=2)
    a.fitness = b.fitness = 1.5
    smaller = a if len(a.conns) < len(b.conns) else b
    original = reproduction.crossover
    with xor.tie_smaller() as counts:
        child: Genome = reproduction.crossover(a, b, random.Random(seed), 0.75, 7)
    assert reproduction.crossover is original and counts == {"crossovers": 1, "ties": 1}
    if len(a.conns) != len(b.conns):
        assert set(child.conns) == set(smaller.conns)
    b.fitness = 2.0  # no tie: the caller's order stands
    with xor.tie_smaller() as counts:
        child = reproduction.crossover(a, b, random.Random(seed), 0.75, 7)
    assert set(child.conns) == set(a.conns) and counts == {"crossovers": 1, "ties": 0}


def test_speciation_order_gives_children_no_species_hint():
    cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
                            "neat": {"pop_size": 30}})
    algo = xor.PaperSpeciationOrder(cfg, seed=5)
    seen = []
    original = algo._reproduce

    def spy(*args, **kwargs):
        children = original(*args, **kwargs)
        seen.extend(c.species for c in children)
        return children

    algo._reproduce = spy
    for _ in range(3):
        algo.tell([float(g.num_enabled()) for g in algo.ask()])
    assert seen and all(s is None for s in seen)
    assert all(g.species in algo.species_set.species for g in algo.population)  # speciation placed every genome
