"""Unit tests of the NEAT rules in the genome operators, on small hand-built genomes."""
from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from strategies import ScriptedRandom
from topoevo.config import GenomeConfig, InitialConnectivity, MutationConfig, Network, SpeciesConfig
from topoevo.genome import (ACTIVATIONS, AGGREGATIONS, ConnectionGene, Genome, InnovationTracker, NodeGene, NodeKind,
                            ReferenceRecurrentNetwork, activate, crossover, distance, initial_genome)
from topoevo.genome import mutation as ops
from topoevo.genome.genome import has_cycle, reaches

H = NodeKind.HIDDEN


def make(conns: list[tuple], *, inputs=(0, 1), bias: int | None = None, outputs=(2,), hidden=(),
         feed_forward: bool = True, key: int = 0) -> Genome:
    """A genome from (innovation, in, out, weight[, enabled]) tuples."""
    nodes = {i: NodeGene(i, NodeKind.INPUT, activation="identity") for i in inputs}
    if bias is not None:
        nodes[bias] = NodeGene(bias, NodeKind.BIAS, activation="identity")
    nodes.update({o: NodeGene(o, NodeKind.OUTPUT) for o in outputs})
    nodes.update({h: NodeGene(h, H) for h in hidden})
    genes = {c[0]: ConnectionGene(c[0], c[1], c[2], c[3], *(c[4:] or (True,))) for c in conns}
    return Genome(nodes, genes, tuple(inputs), tuple(outputs), bias, feed_forward, key)


def pick(inn: int):
    return lambda c: c.innovation == inn


def is_node(n: int):
    return lambda x: x == n


# ---- Genome.problems: the validity checks the properties rely on -----------------------------------------------------
def test_valid_hand_built_genome_has_no_problems():
    assert make([(0, 0, 3, 0.5), (1, 3, 2, 1.0), (2, 1, 2, -1.0, False)], hidden=(3,)).problems() == []


@pytest.mark.parametrize("genome, fragment", [
    (make([(0, 0, 9, 0.5)]), "missing endpoint"),
    (make([(0, 2, 0, 0.5)]), "feeds sensor node 0"),
    (make([(0, 0, 2, 0.5), (1, 0, 2, 0.1)]), "duplicates link 0->2"),
    (make([(0, 0, 3, 0.5)], hidden=(3,)), "hidden node 3 is dangling"),
    (make([(0, 0, 3, 0.5), (1, 3, 4, 1.0), (2, 4, 3, 1.0, False), (3, 4, 2, 1.0)], hidden=(3, 4)), "cycle"),
    (make([(0, 0, 2, 0.5), (1, 2, 2, 0.5)]), "cycle"),
])
def test_problems_reports_each_broken_invariant(genome, fragment):
    problems = genome.problems()
    assert any(fragment in p for p in problems), problems


def test_problems_reports_bad_keys_kinds_and_names():
    g = make([(0, 0, 2, 0.5)])
    g.conns[5] = g.conns.pop(0)
    g.nodes[2].activation = "nope"
    g.nodes[1] = NodeGene(1, NodeKind.OUTPUT)
    problems = " | ".join(g.problems())
    assert "connection key 5 holds innovation 0" in problems
    assert "unknown activation 'nope'" in problems
    assert "node 1 has kind output, expected input" in problems


def test_recurrent_genome_may_hold_cycles_and_self_loops():
    g = make([(0, 0, 3, 0.5), (1, 3, 2, 1.0), (2, 2, 3, 1.0), (3, 3, 3, 0.3)], hidden=(3,), feed_forward=False)
    assert g.problems() == []
    assert has_cycle(g.nodes, g.conns.values())


# ---- add node ---------------------------------------------------------------------------------------------------
def test_add_node_splits_a_connection_as_in_the_paper():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, bias_node=False, activation="tanh", aggregation="max",
                       response_init=2.0, activation_options=["tanh"], aggregation_options=["max"])
    t = InnovationTracker(next_innovation=2, next_node_id=3)
    g = make([(0, 0, 2, 0.7), (1, 1, 2, -1.3)])
    assert ops.add_node(g, cfg, t, ScriptedRandom([pick(1)]))
    assert g.conns[1].enabled is False and g.conns[1].weight == -1.3
    new = g.nodes[3]
    assert (new.kind, new.activation, new.aggregation, new.bias, new.response) == (H, "tanh", "max", 0.0, 2.0)
    into, out_of = g.conns[2], g.conns[3]
    assert (into.in_node, into.out_node, into.weight, into.enabled) == (1, 3, 1.0, True)
    assert (out_of.in_node, out_of.out_node, out_of.weight, out_of.enabled) == (3, 2, -1.3, True)
    assert g.problems() == []
    # a split leaves the function of the net at first order: in-weight 1 keeps the signal for the old weight
    assert t.splits[1] == (3, 2, 3)


def test_add_node_same_split_same_numbers_until_new_generation():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, bias_node=False)
    t = InnovationTracker(next_innovation=2, next_node_id=3)
    a, b = make([(0, 0, 2, 0.7), (1, 1, 2, -1.3)]), make([(1, 1, 2, 0.2)])
    ops.add_node(a, cfg, t, ScriptedRandom([pick(1)]))
    ops.add_node(b, cfg, t, ScriptedRandom([pick(1)]))
    assert set(a.nodes) == set(b.nodes) == {0, 1, 2, 3} and set(a.conns) - {0} == set(b.conns) == {1, 2, 3}
    t.new_generation()
    c = make([(1, 1, 2, 0.2)])
    ops.add_node(c, cfg, t, ScriptedRandom([pick(1)]))
    assert set(c.nodes) == {0, 1, 2, 4} and set(c.conns) == {1, 4, 5}


def test_add_node_twice_on_one_connection_in_one_generation_gets_fresh_numbers():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, bias_node=False)
    t = InnovationTracker(next_innovation=1, next_node_id=3)
    g = make([(0, 0, 2, 0.7)])
    ops.add_node(g, cfg, t, ScriptedRandom([pick(0)]))
    g.conns[0].enabled = True  # e.g. re-enabled by add-connection
    twin = g.copy()
    ops.add_node(g, cfg, t, ScriptedRandom([pick(0)]))
    assert set(g.nodes) == {0, 1, 2, 3, 4} and set(g.conns) == {0, 1, 2, 3, 4}
    assert g.problems() == []
    # the same second split in an identical genome gets the same numbers again
    ops.add_node(twin, cfg, t, ScriptedRandom([pick(0)]))
    assert twin.structure() == g.structure()
    assert t.next_node_id == 5 and t.next_innovation == 5
    assert InnovationTracker.from_dict(t.to_dict()) == t


def test_add_node_needs_an_enabled_connection():
    g = make([(0, 0, 2, 0.7, False)])
    assert not ops.add_node(g, GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(1, 3), random.Random(0))
    assert set(g.nodes) == {0, 1, 2}


# ---- add connection ---------------------------------------------------------------------------------------------
def chain(feed_forward: bool) -> Genome:
    """0 -> 3 -> 4 -> 2, plus 1 -> 2."""
    return make([(0, 0, 3, 1.0), (1, 3, 4, 1.0), (2, 4, 2, 1.0), (3, 1, 2, 1.0)], hidden=(3, 4),
                feed_forward=feed_forward)


def test_add_connection_feed_forward_never_creates_a_cycle():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, bias_node=False)
    for a, b in [(4, 3), (2, 3), (2, 4), (3, 3), (2, 2)]:  # back links and self-loops
        g = chain(True)
        assert not ops.add_connection(g, cfg, InnovationTracker(4, 5), ScriptedRandom([is_node(a), is_node(b)]), 1)
        assert len(g.conns) == 4
    g = chain(True)
    assert ops.add_connection(g, cfg, InnovationTracker(4, 5), ScriptedRandom([is_node(0), is_node(4)]), 1)
    assert g.conns[4].in_node == 0 and g.conns[4].out_node == 4
    rng, t = random.Random(1), InnovationTracker(5, 5)
    for _ in range(300):
        ops.add_connection(g, cfg, t, rng)
        assert not has_cycle(g.nodes, g.conns.values()) and g.problems() == []
    assert len(g.conns) == 9  # all forward pairs 0,1 -> 3,4,2 and 3 -> 2 got linked, nothing else


def test_add_connection_never_feeds_a_sensor():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, bias_node=True, network=Network.RECURRENT)
    g = make([(0, 0, 3, 1.0)], inputs=(0, 1), bias=2, outputs=(3,), feed_forward=False)
    rng, t = random.Random(2), InnovationTracker(1, 4)
    for _ in range(200):
        ops.add_connection(g, cfg, t, rng)
    assert all(c.out_node == 3 for c in g.conns.values()) and len(g.conns) == 4


@pytest.mark.parametrize("self_loops", [True, False])
def test_add_connection_recurrent_allows_cycles_and_self_loops_only_if_configured(self_loops):
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, bias_node=False, network=Network.RECURRENT,
                       allow_self_loops=self_loops)
    g = chain(False)
    assert ops.add_connection(g, cfg, InnovationTracker(4, 5), ScriptedRandom([is_node(4), is_node(3)]), 1)
    assert has_cycle(g.nodes, g.conns.values()) and g.problems() == []
    added = ops.add_connection(g, cfg, InnovationTracker(5, 5), ScriptedRandom([is_node(3), is_node(3)]), 1)
    assert added is self_loops
    assert (g.find_connection(3, 3) is not None) is self_loops
    rng, t = random.Random(3), InnovationTracker(6, 5)
    for _ in range(300):
        ops.add_connection(g, cfg, t, rng)
    loops = {c.in_node for c in g.conns.values() if c.in_node == c.out_node}
    assert loops == ({2, 3, 4} if self_loops else set())
    assert g.problems() == []


def test_add_connection_reenables_a_disabled_link_instead_of_duplicating_it():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, bias_node=False)
    g = make([(0, 0, 2, 0.5, False), (1, 1, 2, 0.5)])
    t = InnovationTracker(2, 3)
    assert ops.add_connection(g, cfg, t, ScriptedRandom([is_node(0), is_node(2)]), 1)
    assert set(g.conns) == {0, 1} and g.conns[0].enabled and g.conns[0].weight == 0.5
    assert t.next_innovation == 2
    # an enabled existing link is no new link
    assert not ops.add_connection(g, cfg, t, ScriptedRandom([is_node(1), is_node(2)]), 1)


def test_add_connection_same_pair_same_innovation_across_genomes():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, bias_node=False)
    t = InnovationTracker(5, 5)
    a, b = chain(True), make([(3, 1, 2, 1.0)])
    ops.add_connection(a, cfg, t, ScriptedRandom([is_node(1), is_node(3)]), 1)
    b.nodes[3] = NodeGene(3, H)
    b.conns[0] = ConnectionGene(0, 0, 3, 1.0)
    b.conns[7] = ConnectionGene(7, 3, 2, 1.0)
    ops.add_connection(b, cfg, t, ScriptedRandom([is_node(1), is_node(3)]), 1)
    assert a.find_connection(1, 3).innovation == b.find_connection(1, 3).innovation == 5
    assert reaches(a.conns.values(), 1, 2)


# ---- deletions and toggles ----------------------------------------------------------------------------------------
def test_delete_connection_prunes_the_hidden_nodes_it_strands():
    g = chain(True)
    assert ops.delete_connection(g, ScriptedRandom([lambda inn: inn == 0]))
    assert set(g.nodes) == {0, 1, 2} and set(g.conns) == {3}  # 3 lost its input, then 4 lost its input
    assert g.problems() == []


def test_delete_node_removes_its_connections_and_prunes():
    g = make([(0, 0, 3, 1.0), (1, 3, 4, 1.0), (2, 4, 2, 1.0), (3, 0, 4, 1.0), (4, 3, 3, 0.5)], hidden=(3, 4),
             feed_forward=False)
    assert ops.delete_node(g, ScriptedRandom([is_node(4)]))
    assert set(g.nodes) == {0, 1, 2}  # 3 is left with only its self-loop and an input: dangling
    assert g.conns == {}
    assert not ops.delete_node(g, random.Random(0))


def test_toggle_flips_exactly_one_flag():
    g = chain(True)
    assert ops.toggle_enable(g, ScriptedRandom([lambda inn: inn == 2]))
    assert [c.enabled for c in g.conns.values()] == [True, True, False, True]
    assert not ops.toggle_enable(make([]), random.Random(0))


# ---- weights, biases, choices -------------------------------------------------------------------------------------
def test_weight_perturbation_clamps_to_the_range():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, weight_min=-1.0, weight_max=2.0, weight_init_stdev=10.0)
    g = make([(0, 0, 2, 1.9), (1, 1, 2, -0.9)])
    rng = random.Random(4)
    seen = set()
    for p in (1.0, 0.0, 0.5):
        m = MutationConfig(weight_perturb_prob=p, weight_mutate_power=10.0)
        for _ in range(100):
            ops.mutate_weights(g, cfg, m, rng)
            assert all(-1.0 <= c.weight <= 2.0 for c in g.conns.values())
            seen.update(c.weight for c in g.conns.values())
    assert {-1.0, 2.0} <= seen and len(seen) > 50  # the bounds are hit, and values in between occur


def test_weight_perturbation_adds_gaussian_noise_of_the_configured_power():
    cfg = GenomeConfig(num_inputs=1, num_outputs=1, bias_node=False, weight_min=-1e9, weight_max=1e9)
    m = MutationConfig(weight_perturb_prob=1.0, weight_mutate_power=0.5)
    g = make([(0, 0, 1, 3.0)], inputs=(0,), outputs=(1,))
    rng, steps = random.Random(5), []
    for _ in range(4000):
        before = g.conns[0].weight
        ops.mutate_weights(g, cfg, m, rng)
        steps.append(g.conns[0].weight - before)
    mean = sum(steps) / len(steps)
    sd = math.sqrt(sum((s - mean) ** 2 for s in steps) / len(steps))
    assert abs(mean) < 0.03 and abs(sd - 0.5) < 0.03
    # replacement draws fresh N(0, weight_init_stdev) values, not perturbations
    m = MutationConfig(weight_perturb_prob=0.0)
    values = []
    for _ in range(4000):
        ops.mutate_weights(g, cfg, m, rng)
        values.append(g.conns[0].weight)
    assert abs(sum(values) / len(values)) < 0.06 and abs(math.sqrt(sum(v * v for v in values) / 4000) - 1.0) < 0.05


def test_node_attribute_mutation_clamps_bias_and_response():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1, bias_min=-0.5, bias_max=0.5, response_min=0.5,
                       response_max=1.5, bias_init_stdev=3.0)
    m = MutationConfig(weight_mutate_rate=0.0, bias_mutate_rate=1.0, bias_mutate_power=3.0, response_mutate_rate=1.0,
                       response_mutate_power=3.0, add_node_rate=0.0, add_connection_rate=0.0)
    g = initial_genome(cfg, InnovationTracker(), random.Random(0))
    rng = random.Random(6)
    for _ in range(200):
        ops.mutate(g, cfg, m, InnovationTracker(), rng)
        for n in g.nodes.values():
            if n.kind.is_sensor:
                assert (n.bias, n.response) == (0.0, 1.0)
            else:
                assert -0.5 <= n.bias <= 0.5 and 0.5 <= n.response <= 1.5


def test_activation_and_aggregation_mutation_stay_within_the_options():
    cfg = GenomeConfig(num_inputs=2, num_outputs=2, activation="sigmoid", activation_options=["tanh", "relu"],
                       aggregation="sum", aggregation_options=["max", "product"])
    m = MutationConfig(activation_mutate_rate=1.0, aggregation_mutate_rate=1.0, add_node_rate=0.0,
                       add_connection_rate=0.0)
    g = initial_genome(cfg, InnovationTracker(), random.Random(0))
    rng, acts, aggs = random.Random(7), Counter(), Counter()
    for _ in range(100):
        ops.mutate(g, cfg, m, InnovationTracker(), rng)
        for n in g.nodes.values():
            if n.kind.is_sensor:
                assert (n.activation, n.aggregation) == ("identity", "sum")
            else:
                acts[n.activation] += 1
                aggs[n.aggregation] += 1
    assert set(acts) == {"tanh", "relu"} and set(aggs) == {"max", "product"}


def test_structural_exclusive_child_gets_no_other_mutation():
    cfg = GenomeConfig(num_inputs=2, num_outputs=1)
    t = InnovationTracker()
    g = initial_genome(cfg, t, random.Random(0))
    weights = {i: c.weight for i, c in g.conns.items()}
    ops.mutate(g, cfg, MutationConfig(add_node_rate=1.0, weight_mutate_rate=1.0, structural_exclusive=True), t,
               random.Random(1))
    assert g.num_hidden == 1
    assert {i: c.weight for i, c in g.conns.items() if i in weights} == weights
    g2 = initial_genome(cfg, t, random.Random(0))
    ops.mutate(g2, cfg, MutationConfig(add_node_rate=1.0, weight_mutate_rate=1.0, structural_exclusive=False), t,
               random.Random(1))
    assert g2.num_hidden == 1
    assert {i: c.weight for i, c in g2.conns.items() if i in weights} != weights


# ---- initial genomes ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bias_node", [True, False])
def test_initial_genome_layout_and_full_connectivity(bias_node):
    cfg = GenomeConfig(num_inputs=3, num_outputs=2, bias_node=bias_node, output_activation="identity",
                       activation="tanh")
    t = InnovationTracker()
    g = initial_genome(cfg, t, random.Random(0), key=4)
    sources = [0, 1, 2] + ([3] if bias_node else [])
    outputs = (4, 5) if bias_node else (3, 4)
    assert g.input_ids == (0, 1, 2) and g.output_ids == outputs and g.bias_id == (3 if bias_node else None)
    assert g.key == 4 and g.num_hidden == 0 and g.problems() == []
    assert {(c.in_node, c.out_node) for c in g.conns.values()} == {(s, o) for s in sources for o in outputs}
    assert all(c.enabled for c in g.conns.values())
    assert all(g.nodes[o].activation == "identity" for o in outputs)
    assert t.next_node_id == len(sources) + 2
    # every genome of the generation shares the innovation numbers of the same links
    h = initial_genome(cfg, t, random.Random(1))
    assert {c.innovation: (c.in_node, c.out_node) for c in h.conns.values()} == \
           {c.innovation: (c.in_node, c.out_node) for c in g.conns.values()}


def test_initial_connectivity_none():
    g = initial_genome(GenomeConfig(num_inputs=3, num_outputs=2, initial_connectivity=InitialConnectivity.NONE),
                       InnovationTracker(), random.Random(0))
    assert g.conns == {} and len(g.nodes) == 6 and g.problems() == []


def test_initial_connectivity_partial():
    t = InnovationTracker()
    for p, expected in ((0.0, 0), (1.0, 8)):
        cfg = GenomeConfig(num_inputs=3, num_outputs=2, initial_connectivity=InitialConnectivity.PARTIAL,
                           connection_probability=p)
        assert len(initial_genome(cfg, t, random.Random(0)).conns) == expected
    cfg = GenomeConfig(num_inputs=3, num_outputs=2, initial_connectivity=InitialConnectivity.PARTIAL,
                       connection_probability=0.3)
    rng = random.Random(1)
    genomes = [initial_genome(cfg, t, rng) for _ in range(500)]
    assert all(g.problems() == [] for g in genomes)
    frac = sum(len(g.conns) for g in genomes) / (500 * 8)
    assert abs(frac - 0.3) < 0.03
    assert len({(c.in_node, c.out_node) for g in genomes for c in g.conns.values()}) == 8


def test_initial_connectivity_one_input():
    cfg = GenomeConfig(num_inputs=3, num_outputs=2, initial_connectivity=InitialConnectivity.ONE_INPUT)
    t, rng = InnovationTracker(), random.Random(2)
    inputs_seen = Counter()
    for _ in range(300):
        g = initial_genome(cfg, t, rng)
        assert g.problems() == []
        assert sorted(c.out_node for c in g.conns.values()) == [4, 5]  # one link per output
        assert all(c.in_node in g.input_ids for c in g.conns.values())  # from an input, never the bias
        inputs_seen.update(c.in_node for c in g.conns.values())
    assert set(inputs_seen) == {0, 1, 2}


def test_initial_weights_follow_the_config():
    cfg = GenomeConfig(num_inputs=50, num_outputs=20, weight_init_stdev=2.0, weight_min=-3.0, weight_max=3.0)
    w = [c.weight for c in initial_genome(cfg, InnovationTracker(), random.Random(3)).conns.values()]
    assert len(w) == 51 * 20 and min(w) == -3.0 and max(w) == 3.0 and abs(sum(w) / len(w)) < 0.15


# ---- distance -----------------------------------------------------------------------------------------------------
def genes(spec: dict[int, float], disabled=()) -> Genome:
    """A genome holding the given innovation -> weight genes (links chosen so the genome is valid)."""
    inputs = tuple(range(12))
    return make([(inn, inn, 12, w, inn not in disabled) for inn, w in spec.items()], inputs=inputs, outputs=(12,))


def test_distance_counts_excess_and_disjoint_genes_by_innovation():
    a = genes({0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 0.5, 7: 0.0})
    b = genes({0: 1.5, 1: 0.0, 2: 1.0, 3: 2.0, 5: 0.0, 6: 0.0, 8: 0.0, 9: 0.0})
    # matching 0..3, |dw| = 0.5, 1, 0, 1 -> W = 0.625; disjoint: 4, 7 (a) and 5, 6 (b); excess: 8, 9 (b)
    cfg = SpeciesConfig(excess_coefficient=2.0, disjoint_coefficient=3.0, weight_coefficient=0.5,
                        normalize_min_genes=20)
    assert distance(a, b, cfg) == pytest.approx(2.0 * 2 + 3.0 * 4 + 0.5 * 0.625)
    assert distance(b, a, cfg) == distance(a, b, cfg)
    # N = the larger genome's gene count (8) once it reaches normalize_min_genes
    for n_min in (0, 8):
        cfg_n = SpeciesConfig(excess_coefficient=2.0, disjoint_coefficient=3.0, weight_coefficient=0.5,
                              normalize_min_genes=n_min)
        assert distance(a, b, cfg_n) == pytest.approx((2.0 * 2 + 3.0 * 4) / 8 + 0.5 * 0.625)
    cfg_9 = SpeciesConfig(excess_coefficient=2.0, disjoint_coefficient=3.0, weight_coefficient=0.5,
                          normalize_min_genes=9)
    assert distance(a, b, cfg_9) == pytest.approx(2.0 * 2 + 3.0 * 4 + 0.5 * 0.625)


def test_distance_is_exactly_symmetric_whatever_the_gene_order():
    # found by search: summing |dw| in set-iteration order made distance(a, b) != distance(b, a) in the last bit
    a = Genome({}, {5577: ConnectionGene(5577, 0, 1, 1.5), 529: ConnectionGene(529, 0, 1, -3.7),
                    2214: ConnectionGene(2214, 0, 1, -1.5)}, (), ())
    b = Genome({}, {529: ConnectionGene(529, 0, 1, 6.0), 5577: ConnectionGene(5577, 0, 1, -2.2),
                    2214: ConnectionGene(2214, 0, 1, 4.7)}, (), ())
    assert distance(a, b, SpeciesConfig()) == distance(b, a, SpeciesConfig())
    assert distance(a, b, SpeciesConfig()) == pytest.approx(0.4 * (3.7 + 9.7 + 6.2) / 3)


def test_distance_paper_defaults_and_edge_cases():
    cfg = SpeciesConfig()
    assert (cfg.excess_coefficient, cfg.disjoint_coefficient, cfg.weight_coefficient) == (1.0, 1.0, 0.4)
    a = genes({0: 1.0, 1: -1.0})
    assert distance(a, genes({0: 0.0, 1: 1.0}), cfg) == pytest.approx(0.4 * 1.5)
    # disabled genes are still genes: they match, and their weights count
    assert distance(a, genes({0: 0.0, 1: 1.0}, disabled={1}), cfg) == pytest.approx(0.4 * 1.5)
    # nothing in common: all of the later genome's genes are excess, the earlier's disjoint; W = 0
    assert distance(genes({0: 1.0, 1: 1.0}), genes({2: 5.0}), cfg) == 3.0
    assert distance(genes({3: 1.0}), genes({0: 5.0, 1: 1.0}), cfg) == 3.0
    empty = genes({})
    assert distance(empty, empty, cfg) == 0.0
    assert distance(empty, a, cfg) == distance(a, empty, cfg) == 2.0


# ---- crossover ----------------------------------------------------------------------------------------------------
def test_crossover_takes_disjoint_and_excess_genes_from_the_fitter_parent():
    fitter = make([(0, 0, 2, 1.0), (1, 1, 2, 1.0), (3, 0, 3, 1.0), (4, 3, 2, 1.0)], hidden=(3,), key=1)
    other = make([(0, 0, 2, -1.0), (1, 1, 2, -1.0), (2, 1, 4, 1.0), (5, 4, 2, 1.0), (9, 0, 4, 1.0)], hidden=(4,),
                 key=2)
    for seed in range(20):
        child = crossover(fitter, other, random.Random(seed), key=7)
        assert set(child.conns) == {0, 1, 3, 4} and set(child.nodes) == {0, 1, 2, 3}
        assert child.conns[3].weight == child.conns[4].weight == 1.0
        assert child.parents == (1, 2) and child.key == 7 and child.problems() == []
    weights = Counter(crossover(fitter, other, random.Random(s)).conns[0].weight for s in range(400))
    assert set(weights) == {1.0, -1.0} and abs(weights[1.0] - 200) < 40


def test_crossover_copies_node_genes_from_either_parent():
    fitter = make([(0, 0, 2, 1.0)])
    other = make([(0, 0, 2, 1.0)])
    other.nodes[2].bias = 0.5
    biases = Counter(crossover(fitter, other, random.Random(s)).nodes[2].bias for s in range(400))
    assert set(biases) == {0.0, 0.5} and abs(biases[0.5] - 200) < 40
    child = crossover(fitter, other, random.Random(0))
    assert child.nodes[2] is not fitter.nodes[2] and child.nodes[2] is not other.nodes[2]


# ---- reference interpreter ----------------------------------------------------------------------------------------
def test_steepened_sigmoid_and_total_functions():
    assert ACTIVATIONS["sigmoid"](0.5) == pytest.approx(1.0 / (1.0 + math.exp(-4.9 * 0.5)))
    assert ACTIVATIONS["sigmoid"](-1e6) == 0.0 and ACTIVATIONS["sigmoid"](1e6) == 1.0
    assert ACTIVATIONS["logistic"](-1e6) == 0.0 and ACTIVATIONS["logistic"](1e6) == 1.0
    assert ACTIVATIONS["gauss"](1e200) == 0.0
    for name, agg in AGGREGATIONS.items():
        assert agg([]) == 0.0, name
    assert AGGREGATIONS["product"]([2.0, -3.0]) == -6.0 and AGGREGATIONS["mean"]([1.0, 2.0]) == 1.5


def test_activate_computes_the_node_rule():
    g = make([(0, 0, 3, 2.0), (1, 1, 3, -1.0), (2, 3, 2, 0.5), (3, 4, 2, 1.0), (4, 1, 2, 9.0, False)], bias=4,
             outputs=(2,), hidden=(3,))
    g.nodes[3].activation, g.nodes[3].bias, g.nodes[3].response = "identity", 0.25, 2.0
    g.nodes[2].activation, g.nodes[2].aggregation = "tanh", "sum"
    h = 0.25 + 2.0 * (2.0 * 0.3 + -1.0 * 0.7)
    assert activate(g, [0.3, 0.7]) == [pytest.approx(math.tanh(0.5 * h + 1.0 * 1.0))]
    with pytest.raises(ValueError):
        activate(g, [0.3])


def test_node_without_enabled_inputs_outputs_activation_of_bias():
    g = make([(0, 0, 2, 5.0, False)])
    g.nodes[2].bias = 0.2
    assert activate(g, [1.0, 1.0]) == [ACTIVATIONS["sigmoid"](0.2)]


def test_recurrent_network_ticks_synchronously():
    # 0 -> 2 (output, identity) and 2 -> 2 self-loop with weight 0.5: y_t = x_t + 0.5 y_{t-1}
    g = make([(0, 0, 2, 1.0), (1, 2, 2, 0.5)], inputs=(0,), outputs=(2,), feed_forward=False)
    g.nodes[2].activation = "identity"
    net = ReferenceRecurrentNetwork(g)
    assert [net.activate([x])[0] for x in (1.0, 0.0, 0.0)] == [1.0, 0.5, 0.25]
    net.reset()
    assert net.activate([0.0]) == [0.0]
    # a two-node chain delays the signal by one tick per node
    g2 = make([(0, 0, 3, 1.0), (1, 3, 2, 1.0)], inputs=(0,), outputs=(2,), hidden=(3,), feed_forward=False)
    g2.nodes[2].activation = g2.nodes[3].activation = "identity"
    net2 = ReferenceRecurrentNetwork(g2)
    assert [net2.activate([1.0])[0] for _ in range(3)] == [0.0, 1.0, 1.0]
    with pytest.raises(ValueError):
        activate(g, [1.0])


# ---- innovation tracker -------------------------------------------------------------------------------------------
def test_tracker_numbers_grow_across_generations():
    t = InnovationTracker(next_innovation=0, next_node_id=3)
    assert t.link(0, 2) == t.link(0, 2) == 0 and t.link(1, 2) == 1
    assert t.split(0, 0, 2) == (3, 2, 3) == t.split(0, 0, 2)
    assert t.link(0, 3) == 2  # a split registers its links: adding 0 -> 3 later this generation matches
    t.new_generation()
    assert t.link(0, 2) == 4 and t.split(0, 0, 2) == (4, 5, 6)
