"""Hypothesis properties of the genome library: validity under evolution, innovation bookkeeping, crossover
inheritance, distance, serialisation round trips, pruning and the reference interpreter."""
from __future__ import annotations

import json
import math
import random
from collections import Counter

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from strategies import (PROPERTY, Evolved, ScriptedRandom, Step, dangling_hidden, evolved, evolved_pairs,
                        genomes, plans, replay, topology)
from topoevo.config import SpeciesConfig
from topoevo.genome import (ACTIVATIONS, AGGREGATIONS, ConnectionGene, Genome, InnovationTracker, NodeGene, NodeKind,
                            ReferenceRecurrentNetwork, activate, crossover, distance, genome_from_dict, genome_to_dict,
                            to_networkx)
from topoevo.genome import mutation as ops
from topoevo.genome.distance import compatible
from topoevo.genome.genome import has_cycle
from topoevo.genome.io import from_networkx

INPUT_VALUES = st.lists(st.floats(-3.0, 3.0, allow_nan=False), min_size=4, max_size=4)


def _inputs(g: Genome, values: list[float], t: int = 0) -> list[float]:
    return [values[(i + t) % len(values)] for i in range(len(g.input_ids))]


def same(a: list, b: list) -> bool:
    """Bit-for-bit equal outputs (nan equals nan here: a deep net of identity nodes may overflow)."""
    return repr(a) == repr(b)


# ---- validity ---------------------------------------------------------------------------------------------------
@PROPERTY
@given(plans())
def test_any_operation_sequence_keeps_genomes_valid(plan):
    def check(step: Step, g: Genome) -> None:
        problems = g.problems()
        assert not problems, f"after {step}: {problems}"
        innovations = [c.innovation for c in g.conns.values()]
        assert len(set(innovations)) == len(innovations)
        sensors = set(g.sensor_ids)
        assert all(c.out_node not in sensors for c in g.conns.values())
        assert all(c.in_node in g.nodes and c.out_node in g.nodes for c in g.conns.values())
        if g.feed_forward:
            assert not has_cycle(g.nodes, g.conns.values())
        if g.feed_forward or not plan.genome.allow_self_loops:  # self-loops only where configured
            assert all(c.in_node != c.out_node for c in g.conns.values())
        assert g.feed_forward == plan.genome.feed_forward

    replay(plan, check)


@PROPERTY
@given(evolved(), st.data())
def test_mutation_keeps_weights_in_range_and_choices_in_options(ev: Evolved, data):
    cfg, m = ev.cfg, ev.mutation
    g = ev.population[0]
    initial_acts = {cfg.activation, cfg.output_activation or cfg.activation}
    for _ in range(data.draw(st.integers(1, 5))):
        ops.mutate_weights(g, cfg, m, ev.rng)
        ops.mutate(g, cfg, m, ev.tracker, ev.rng)
    assert all(cfg.weight_min <= c.weight <= cfg.weight_max for c in g.conns.values())
    for n in g.nodes.values():
        if n.kind.is_sensor:  # sensors are never mutated
            assert (n.activation, n.aggregation, n.bias, n.response) == ("identity", "sum", 0.0, 1.0)
            continue
        assert n.activation in set(cfg.activation_options) | initial_acts
        assert n.aggregation in set(cfg.aggregation_options) | {cfg.aggregation}
        assert cfg.bias_min <= n.bias <= cfg.bias_max
        assert cfg.response_min <= n.response <= cfg.response_max
    assert not g.problems()


# ---- innovation numbers -----------------------------------------------------------------------------------------
@PROPERTY
@given(evolved_pairs(), st.data())
def test_same_split_gets_same_node_id_and_innovations(pair, data):
    ev, a, b = pair
    shared = sorted(set(c.innovation for c in a.conns.values() if c.enabled)
                    & set(c.innovation for c in b.conns.values() if c.enabled))
    if not shared:
        return
    inn = data.draw(st.sampled_from(shared))
    if data.draw(st.booleans()):
        ev.tracker.new_generation()
    results = []
    for parent in (a, a, b):  # two copies of one genome, and a different genome sharing the connection
        child = parent.copy()
        before = set(child.nodes), set(child.conns)
        assert ops.add_node(child, ev.cfg, ev.tracker, ScriptedRandom([lambda c: c.innovation == inn]))
        new_nodes = set(child.nodes) - before[0]
        new_conns = set(child.conns) - before[1]
        assert len(new_nodes) == 1 and len(new_conns) == 2
        results.append((new_nodes, new_conns))
        assert not child.problems()
    node_id = ev.tracker.splits[inn][0]
    note(f"split {inn} -> {ev.tracker.splits[inn]}")
    assert results[0] == results[1]
    if node_id not in a.nodes and node_id not in b.nodes:
        assert results[0] == results[2]
        assert results[0][0] == {node_id}


@PROPERTY
@given(evolved_pairs(), st.data())
def test_same_new_link_gets_same_innovation(pair, data):
    ev, a, b = pair
    cfg = ev.cfg

    def can_link(g: Genome, x: int, y: int) -> bool:
        if x not in g.nodes or y not in g.nodes or y in g.sensor_ids or g.find_connection(x, y) is not None:
            return False
        if x == y:
            return not g.feed_forward and cfg.allow_self_loops
        return not (g.feed_forward and ops.reaches(g.conns.values(), y, x))

    pairs = sorted((x, y) for x in a.nodes for y in a.nodes if can_link(a, x, y) and can_link(b, x, y))
    if not pairs:
        return
    x, y = data.draw(st.sampled_from(pairs))
    if data.draw(st.booleans()):
        ev.tracker.new_generation()
    found = []
    for parent in (a, a, b):
        child = parent.copy()
        rng = ScriptedRandom([lambda n: n == x, lambda n: n == y])
        assert ops.add_connection(child, cfg, ev.tracker, rng, tries=1)
        (new,) = set(child.conns) - set(parent.conns)
        assert (child.conns[new].in_node, child.conns[new].out_node) == (x, y)
        assert not child.problems()
        found.append(new)
    assert found[0] == found[1] == found[2] == ev.tracker.links[(x, y)]


@PROPERTY
@given(plans())
def test_innovation_means_one_link_and_node_id_means_one_kind(plan):
    """Across a whole population history, an innovation number always names the same (in, out) pair."""
    pair_of: dict[int, tuple[int, int]] = {}
    kind_of: dict[int, object] = {}

    def check(step: Step, g: Genome) -> None:
        for c in g.conns.values():
            assert pair_of.setdefault(c.innovation, (c.in_node, c.out_node)) == (c.in_node, c.out_node)
        for n in g.nodes.values():
            assert kind_of.setdefault(n.id, n.kind) == n.kind

    replay(plan, check)


@PROPERTY
@given(evolved())
def test_tracker_checkpoint_round_trip(ev: Evolved):
    data = json.loads(json.dumps(ev.tracker.to_dict()))
    assert InnovationTracker.from_dict(data) == ev.tracker


# ---- crossover --------------------------------------------------------------------------------------------------
@PROPERTY
@given(evolved_pairs(), st.integers(0, 2**32 - 1), st.sampled_from([0.0, 0.75, 1.0]))
def test_child_genes_come_from_parents(pair, seed, p_disable):
    ev, fitter, other = pair
    child = crossover(fitter, other, random.Random(seed), p_disable, key=99)
    assert not child.problems()
    assert topology(child) == topology(fitter)
    assert child.parents == (fitter.key, other.key) and child.key == 99
    for inn, c in child.conns.items():
        parents = [p.conns[inn] for p in (fitter, other) if inn in p.conns]
        assert (c.in_node, c.out_node) in {(p.in_node, p.out_node) for p in parents}
        assert c.weight in {p.weight for p in parents}
        if all(p.enabled for p in parents):
            assert c.enabled
        elif p_disable == 1.0:
            assert not c.enabled
        elif p_disable == 0.0:
            assert c.enabled
    for nid, n in child.nodes.items():
        assert n in [p.nodes[nid] for p in (fitter, other) if nid in p.nodes]
    # the child is a new genome: mutating it leaves the parents alone
    before = genome_to_dict(fitter), genome_to_dict(other)
    for c in child.conns.values():
        c.weight += 1.0
    for n in child.nodes.values():
        n.bias += 1.0
    assert (genome_to_dict(fitter), genome_to_dict(other)) == before


@PROPERTY
@given(genomes(), st.integers(0, 2**32 - 1))
def test_crossing_a_genome_with_itself_keeps_its_structure(g, seed):
    child = crossover(g, g, random.Random(seed), 0.75)
    assert topology(child) == topology(g)
    assert {c.weight for c in child.conns.values()} <= {c.weight for c in g.conns.values()}
    assert all(child.conns[i].weight == c.weight for i, c in g.conns.items())
    assert all(child.nodes[i] == n for i, n in g.nodes.items())
    # genes enabled in the parent stay enabled; the 75% rule only touches disabled ones
    assert all(child.conns[i].enabled for i, c in g.conns.items() if c.enabled)
    # with the rule switched to "always disable", the child is the parent's exact structure
    assert crossover(g, g, random.Random(seed), 1.0).structure() == g.structure()


# ---- distance ---------------------------------------------------------------------------------------------------
species_configs = st.builds(SpeciesConfig, excess_coefficient=st.sampled_from([0.0, 1.0, 2.0]),
                            disjoint_coefficient=st.sampled_from([0.0, 1.0, 0.5]),
                            weight_coefficient=st.sampled_from([0.0, 0.4, 3.0]),
                            normalize_min_genes=st.sampled_from([0, 5, 20]))


@PROPERTY
@given(evolved_pairs(), species_configs)
def test_distance_is_a_symmetric_nonnegative_dissimilarity(pair, cfg):
    _, a, b = pair
    d_ab, d_ba = distance(a, b, cfg), distance(b, a, cfg)
    assert d_ab >= 0.0 and math.isfinite(d_ab)
    assert d_ab == d_ba
    assert distance(a, a, cfg) == 0.0
    assert distance(a, a.copy(), cfg) == 0.0
    for t in (d_ab, 3.0, d_ab + 0.5):
        if t > 0:
            assert compatible(a, b, cfg, t) == (d_ab < t) == compatible(b, a, cfg, t)
    if cfg.excess_coefficient > 0 and cfg.disjoint_coefficient > 0 and set(a.conns) != set(b.conns):
        assert d_ab > 0.0


def _gene_genome(weights: dict[int, float], order: random.Random) -> Genome:
    keys = list(weights)
    order.shuffle(keys)  # insertion order must not matter
    return Genome({}, {k: ConnectionGene(k, 0, 1, weights[k]) for k in keys}, (), ())


gene_weights = st.dictionaries(st.integers(0, 10**7), st.floats(-30.0, 30.0), max_size=30)


@PROPERTY
@given(gene_weights, gene_weights, species_configs, st.randoms(use_true_random=False))
def test_distance_matches_the_formula_for_any_innovation_numbers(wa, wb, cfg, order):
    a, b = _gene_genome(wa, order), _gene_genome(wb, order)
    matching = set(wa) & set(wb)
    excess = sum(1 for k in wa if k > max(wb, default=-1)) + sum(1 for k in wb if k > max(wa, default=-1))
    disjoint = len(wa) + len(wb) - 2 * len(matching) - excess
    n = max(len(wa), len(wb), 1)
    n = 1 if n < cfg.normalize_min_genes else n
    w = sum(abs(wa[k] - wb[k]) for k in matching) / len(matching) if matching else 0.0
    expected = (cfg.excess_coefficient * excess + cfg.disjoint_coefficient * disjoint) / n + cfg.weight_coefficient * w
    d = distance(a, b, cfg)
    assert d == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert d == distance(b, a, cfg) == distance(_gene_genome(wb, order), _gene_genome(wa, order), cfg)
    assert distance(a, _gene_genome(wa, order), cfg) == 0.0
    # the early-exit speciation test agrees with the distance, at and around it
    for t in (d, d * 0.5, d + 1e-9, 3.0, 0.1):
        if t > 0:
            assert compatible(a, b, cfg, t) == (d < t)


# ---- serialisation ----------------------------------------------------------------------------------------------
@PROPERTY
@given(genomes(), st.one_of(st.none(), st.floats(-1e6, 1e6)), st.one_of(st.none(), st.integers(0, 50)))
def test_json_round_trip_keeps_everything(g, fitness, species):
    g.fitness, g.species = fitness, species
    text = json.dumps(genome_to_dict(g, {"note": "x"}), allow_nan=False)
    back = genome_from_dict(json.loads(text))
    assert back == g
    assert genome_to_dict(back) == genome_to_dict(g)
    assert json.dumps(genome_to_dict(back), allow_nan=False) == json.dumps(genome_to_dict(g), allow_nan=False)


@PROPERTY
@given(genomes(), st.one_of(st.none(), st.floats(-1e6, 1e6)), st.one_of(st.none(), st.integers(0, 50)))
def test_networkx_round_trip_keeps_everything(g, fitness, species):
    g.fitness, g.species = fitness, species
    graph = to_networkx(g)
    assert graph.number_of_nodes() == len(g.nodes) and graph.number_of_edges() == len(g.conns)
    back = from_networkx(graph)
    assert back == g
    assert not back.problems()


# ---- pruning ----------------------------------------------------------------------------------------------------
@PROPERTY
@given(evolved(), st.lists(st.sampled_from(["node", "connection"]), min_size=1, max_size=6))
def test_deletions_leave_no_dangling_hidden_node(ev: Evolved, deletions):
    g = ev.population[0]
    for what in deletions:
        before = len(g.nodes), len(g.conns)
        removed = ops.delete_node(g, ev.rng) if what == "node" else ops.delete_connection(g, ev.rng)
        if removed:
            assert (len(g.nodes), len(g.conns)) != before
        assert dangling_hidden(g) == []
        assert not g.problems()
        # inputs, bias and outputs are never deleted
        assert all(n in g.nodes for n in (*g.sensor_ids, *g.output_ids))


# ---- reference interpreter --------------------------------------------------------------------------------------
@PROPERTY
@given(genomes(feed_forward=True), INPUT_VALUES)
def test_feed_forward_interpreter_is_deterministic(g, values):
    x = _inputs(g, values)
    out = activate(g, x)
    assert len(out) == len(g.output_ids)
    assert same(activate(g, x), out)
    assert same(activate(g.copy(), x), out)
    assert same(activate(genome_from_dict(json.loads(json.dumps(genome_to_dict(g)))), x), out)
    # the recurrent interpreter, fed the same input for as many ticks as there are nodes, settles on the
    # feed-forward answer (same sums in the same order, so exactly equal)
    net = ReferenceRecurrentNetwork(g)
    ticks = [net.activate(x) for _ in range(len(g.nodes))]
    assert same(ticks[-1], out)
    net.reset()
    assert same([net.activate(x) for _ in range(len(g.nodes))], ticks)


@PROPERTY
@given(genomes(feed_forward=False), st.lists(INPUT_VALUES, min_size=1, max_size=6))
def test_recurrent_interpreter_replays_after_reset(g, sequence):
    net = ReferenceRecurrentNetwork(g)
    xs = [_inputs(g, v) for v in sequence]
    first = [net.activate(x) for x in xs]
    net.reset()
    second = [net.activate(x) for x in xs]
    assert same(first, second)
    fresh = ReferenceRecurrentNetwork(genome_from_dict(json.loads(json.dumps(genome_to_dict(g)))))
    assert same([fresh.activate(x) for x in xs], first)
    assert all(len(o) == len(g.output_ids) for o in first)


ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)


@PROPERTY
@given(st.sampled_from(sorted(ACTIVATIONS)), ANY_FLOAT, st.sampled_from(sorted(AGGREGATIONS)),
       st.lists(ANY_FLOAT, max_size=6))
def test_scalar_functions_are_total(activation, x, aggregation, xs):
    """Any float in (inf and nan included), a float out: a diverging recurrent net never raises."""
    y = ACTIVATIONS[activation](x)
    assert isinstance(y, float) or isinstance(y, int)
    unbounded = ("identity", "relu", "abs", "elu", "selu", "neat_python_lelu", "square", "cube", "neat_python_inv")
    if math.isfinite(x) and activation not in unbounded:  # (square, cube overflow; 1/x of a subnormal is inf)
        assert math.isfinite(y)
    z = AGGREGATIONS[aggregation](xs)
    assert isinstance(z, (float, int))
    if xs and all(math.isfinite(v) and abs(v) < 1e100 for v in xs) and aggregation != "product":
        assert math.isfinite(z)


def test_diverging_recurrent_net_does_not_raise():
    """A self-loop of weight 30 through identity overflows after ~200 ticks: inf, not an exception."""
    cfg_rng = random.Random(0)
    g = Genome({0: NodeGene(0, NodeKind.INPUT, activation="identity"),
                1: NodeGene(1, NodeKind.OUTPUT, activation="identity")},
               {0: ConnectionGene(0, 0, 1, 1.0), 1: ConnectionGene(1, 1, 1, 30.0)}, (0,), (1,), feed_forward=False)
    net = ReferenceRecurrentNetwork(g)
    outs = [net.activate([cfg_rng.uniform(1.0, 2.0)])[0] for _ in range(400)]
    assert outs[-1] == math.inf
    for act in ("sin", "sigmoid", "tanh", "gauss"):
        g.nodes[1].activation = act
        net = ReferenceRecurrentNetwork(g)
        for _ in range(400):
            net.activate([1.0])


# ---- the 75% rule and the coin flip, in frequency ------------------------------------------------------------------
def test_disable_rule_and_matching_gene_coin_flip_frequencies():
    """A gene disabled in either parent is disabled in the child with p = 0.75 (not neat-python's ~0.875);
    matching genes come from either parent with p = 0.5; genes enabled in both stay enabled."""
    n_genes = 10
    nodes = {i: NodeGene(i, NodeKind.INPUT, activation="identity") for i in range(n_genes)}
    nodes[n_genes] = NodeGene(n_genes, NodeKind.OUTPUT)

    def parent(weight: float, disabled: set[int], key: int) -> Genome:
        conns = {i: ConnectionGene(i, i, n_genes, weight, i not in disabled) for i in range(n_genes)}
        return Genome({k: n.copy() for k, n in nodes.items()}, conns, tuple(range(n_genes)), (n_genes,), key=key)

    # genes 0-3 disabled in the fitter parent only, 4-6 in the other only, 7 in both, 8-9 in neither
    fitter = parent(1.0, {0, 1, 2, 3, 7}, key=1)
    other = parent(-1.0, {4, 5, 6, 7}, key=2)
    rng = random.Random(2024)
    trials = 3000
    disabled = Counter()
    from_fitter = Counter()
    for _ in range(trials):
        child = crossover(fitter, other, rng, 0.75)
        for inn, c in child.conns.items():
            disabled[inn] += not c.enabled
            from_fitter[inn] += c.weight == 1.0
    one_parent = sum(disabled[i] for i in range(7)) / (7 * trials)
    assert abs(one_parent - 0.75) < 0.02
    assert abs(disabled[7] / trials - 0.75) < 0.04
    assert disabled[8] == disabled[9] == 0
    share = sum(from_fitter.values()) / (n_genes * trials)
    assert abs(share - 0.5) < 0.02
    assert all(abs(from_fitter[i] / trials - 0.5) < 0.04 for i in range(n_genes))


def test_disable_rule_applies_to_disjoint_and_excess_genes_of_the_fitter_parent():
    g = Genome({0: NodeGene(0, NodeKind.INPUT), 1: NodeGene(1, NodeKind.INPUT), 2: NodeGene(2, NodeKind.OUTPUT)},
               {0: ConnectionGene(0, 0, 2, 1.0, False), 5: ConnectionGene(5, 1, 2, 1.0)}, (0, 1), (2,))
    other = Genome({k: n.copy() for k, n in g.nodes.items()}, {5: ConnectionGene(5, 1, 2, 2.0)}, (0, 1), (2,))
    rng = random.Random(7)
    off = sum(not crossover(g, other, rng).conns[0].enabled for _ in range(4000)) / 4000
    assert abs(off - 0.75) < 0.02
