"""Mutation operators. Each takes a genome, mutates it in place and keeps every invariant of ``Genome.problems``."""
from __future__ import annotations

import random

from topoevo.config.sections import GenomeConfig, MutationConfig
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind
from topoevo.genome.genome import Genome, reachable, reaches, successors  # noqa: F401 (reaches: re-exported)
from topoevo.dynamics.attributes import NODE_ATTRIBUTES, setting
from topoevo.genome.initial import (clamp, init_attribute, init_dynamics, init_value, new_enabled, new_node,
                                    new_weight)
from topoevo.genome.innovation import InnovationTracker
from topoevo.genome.rng import GenomeRandom


def mutate(g: Genome, cfg: GenomeConfig, m: MutationConfig, tracker: InnovationTracker, rng: random.Random) -> None:
    """Apply one round of mutations with the configured probabilities.

    Structural mutations first (add node, else add connection, as in the paper's code); with
    ``structural_exclusive`` a child that changed structure that way gets nothing else. ``structural_draw``
    'independent' / 'single' draw them as neat-python does (:func:`mutate_neat_python`).
    """
    if m.structural_draw != "paper":
        mutate_neat_python(g, cfg, m, tracker, rng)
        return
    structural = False
    if rng.random() < m.add_node_rate:
        structural = _add_node_or_fallback(g, cfg, m, tracker, rng)
    elif rng.random() < m.add_connection_rate:
        structural = add_connection(g, cfg, tracker, rng, m.add_connection_tries, m.add_connection_reenable)
    if structural and m.structural_exclusive:
        return
    if m.delete_node_rate and rng.random() < m.delete_node_rate:
        delete_node(g, rng)
    if m.delete_connection_rate and rng.random() < m.delete_connection_rate:
        delete_connection(g, rng, m.delete_connection_keeps_nodes)
    if m.toggle_enable_rate and rng.random() < m.toggle_enable_rate:
        toggle_enable(g, rng)
    mutate_attributes(g, cfg, m, rng)


def mutate_neat_python(g: Genome, cfg: GenomeConfig, m: MutationConfig, tracker: InnovationTracker,
                       rng: random.Random) -> None:
    """neat-python's ``DefaultGenome.mutate``: add-node, delete-node, add-connection, delete-connection each with
    its own rate ('independent') or at most one of them, chosen in proportion to the rates ('single'); then the
    gene attributes, always."""
    ops = ((m.add_node_rate, lambda: _add_node_or_fallback(g, cfg, m, tracker, rng)),
           (m.delete_node_rate, lambda: delete_node(g, rng)),
           (m.add_connection_rate, lambda: add_connection(g, cfg, tracker, rng, m.add_connection_tries,
                                                          m.add_connection_reenable)),
           (m.delete_connection_rate, lambda: delete_connection(g, rng, m.delete_connection_keeps_nodes)))
    if m.structural_draw == "single":
        div = max(1.0, sum(rate for rate, _ in ops))
        r, edge = rng.random(), 0.0
        for rate, op in ops:
            edge += rate / div
            if r < edge:
                op()
                break
    else:
        for rate, op in ops:
            if rng.random() < rate:
                op()
    if m.toggle_enable_rate and rng.random() < m.toggle_enable_rate:
        toggle_enable(g, rng)
    mutate_attributes(g, cfg, m, rng)


def _add_node_or_fallback(g: Genome, cfg: GenomeConfig, m: MutationConfig, tracker: InnovationTracker,
                          rng: random.Random) -> bool:
    if not g.conns and m.add_node_fallback:
        return add_connection(g, cfg, tracker, rng, m.add_connection_tries, m.add_connection_reenable)
    return add_node(g, cfg, tracker, rng)


def mutate_attributes(g: Genome, cfg: GenomeConfig, m: MutationConfig, rng: random.Random) -> None:
    """Weights, enabled flags, biases, responses, activations and aggregations, as ``gene_mutation`` says."""
    per_gene = m.gene_mutation == "per_gene"
    if per_gene:
        _mutate_weights_per_gene(g, cfg, m, rng)
    elif rng.random() < m.weight_mutate_rate:
        mutate_weights(g, cfg, m, rng)
    if m.enabled_mutate_rate or m.enabled_rate_to_true_add or m.enabled_rate_to_false_add:
        mutate_enabled(g, m, rng)
    for attr, rate, perturb, power, mean, stdev, kind, lo, hi in (
            ("bias", m.bias_mutate_rate, m.bias_perturb_prob, m.bias_mutate_power, cfg.bias_init_mean,
             cfg.bias_init_stdev, cfg.bias_init_type, cfg.bias_min, cfg.bias_max),
            ("response", m.response_mutate_rate, m.response_perturb_prob, m.response_mutate_power, cfg.response_init,
             cfg.response_init_stdev, cfg.response_init_type, cfg.response_min, cfg.response_max)):
        if not rate:
            continue
        if per_gene:
            _mutate_node_attr_per_gene(g, attr, rate, perturb, power, (mean, stdev, kind), lo, hi, rng)
        elif rng.random() < rate:
            _mutate_node_attr(g, attr, perturb, power, stdev, lo, hi, mean, rng, kind)
    if m.activation_mutate_rate:
        _mutate_choice(g, "activation", cfg.activation_options, m.activation_mutate_rate, rng)
    if m.aggregation_mutate_rate:
        _mutate_choice(g, "aggregation", cfg.aggregation_options, m.aggregation_mutate_rate, rng)
    if cfg.node_model is not None:
        mutate_dynamics(g, cfg, rng)


def mutate_attribute(cfg: GenomeConfig, name: str, value: float, rng: random.Random) -> float:
    """neat-python's ``FloatAttribute.mutate_value``: with ``mutate_rate`` a clamped Gaussian step of
    ``mutate_power``, else with ``replace_rate`` a fresh initial value, else ``value``."""
    rate = setting(cfg, name, "mutate_rate")
    r = rng.random()
    if r < rate:
        v = value + rng.gauss(0.0, setting(cfg, name, "mutate_power"))
        return min(max(v, setting(cfg, name, "min_value")), setting(cfg, name, "max_value"))
    if r < rate + setting(cfg, name, "replace_rate"):
        return init_attribute(cfg, name, rng)
    return value


def mutate_dynamics(g: Genome, cfg: GenomeConfig, rng: random.Random) -> None:
    """'ctrnn' / 'iznn' genomes: every attribute of the model (``genome.<name>_*``) of every non-sensor node, as
    neat-python mutates a float gene attribute (perturb, else replace, else keep; clamped to the range)."""
    attrs = [a.name for a in NODE_ATTRIBUTES[cfg.node_model]]  # type: ignore[index]
    for n in g.nodes.values():
        if n.kind.is_sensor:
            continue
        for name in attrs:
            setattr(n, name, mutate_attribute(cfg, name, getattr(n, name), rng))


def mutate_weights(g: Genome, cfg: GenomeConfig, m: MutationConfig, rng: random.Random) -> None:
    """Each weight: Gaussian perturbation (p = weight_perturb_prob) or a fresh value, clamped to the range."""
    lo, hi, power, p = cfg.weight_min, cfg.weight_max, m.weight_mutate_power, m.weight_perturb_prob
    init, rand = cfg.weight_init_stdev, rng.random
    if cfg.weight_init_type != "gaussian" or cfg.weight_init_mean != 0.0:  # neat-python init options
        for c in g.conns.values():
            c.weight = clamp(c.weight + rng.gauss(0.0, power), lo, hi) if rand() < p else new_weight(cfg, rng)
        return
    if getattr(type(rng), "gauss", None) is not GenomeRandom.gauss:  # (a subclass may draw its normals otherwise)
        gauss = rng.gauss
        for c in g.conns.values():
            w = c.weight + gauss(0.0, power) if rand() < p else gauss(0.0, init)
            c.weight = lo if w < lo else (hi if w > hi else w)
        return
    # GenomeRandom: its buffered normals popped here, the very numbers gauss() would return (no call per gene)
    normals, refill = rng.normal_buffer, rng.refill
    for c in g.conns.values():
        if rand() < p:
            if not normals:
                refill()
            w = c.weight + (0.0 + power * normals.pop())
        else:
            if not normals:
                refill()
            w = 0.0 + init * normals.pop()
        c.weight = lo if w < lo else (hi if w > hi else w)


def _mutate_weights_per_gene(g: Genome, cfg: GenomeConfig, m: MutationConfig, rng: random.Random) -> None:
    """neat-python's per-gene draw: perturb with weight_mutate_rate x weight_perturb_prob, replace (a new value)
    with the rest of weight_mutate_rate, else keep."""
    rate = m.weight_mutate_rate
    if not rate:
        return
    perturb, power, lo, hi, rand = rate * m.weight_perturb_prob, m.weight_mutate_power, cfg.weight_min, \
        cfg.weight_max, rng.random
    for c in g.conns.values():
        r = rand()
        if r < perturb:
            c.weight = clamp(c.weight + rng.gauss(0.0, power), lo, hi)
        elif r < rate:
            c.weight = new_weight(cfg, rng)


def _mutate_node_attr_per_gene(g: Genome, attr: str, rate: float, perturb_prob: float, power: float,
                               init: tuple[float, float, str], lo: float, hi: float, rng: random.Random) -> None:
    perturb = rate * perturb_prob
    for n in g.nodes.values():
        if n.kind.is_sensor:
            continue
        r = rng.random()
        if r < perturb:
            setattr(n, attr, clamp(getattr(n, attr) + rng.gauss(0.0, power), lo, hi))
        elif r < rate:
            setattr(n, attr, init_value(*init, lo, hi, rng))


def mutate_enabled(g: Genome, m: MutationConfig, rng: random.Random) -> None:
    """neat-python's enabled-flag mutation: per connection, with enabled_mutate_rate (plus the direction's add),
    a fresh flag (true or false, 50% each)."""
    for c in g.conns.values():
        rate = m.enabled_mutate_rate + (m.enabled_rate_to_false_add if c.enabled else m.enabled_rate_to_true_add)
        if rate > 0 and rng.random() < rate:
            c.enabled = rng.random() < 0.5


def _mutate_node_attr(g: Genome, attr: str, perturb_prob: float, power: float, init_stdev: float, lo: float,
                      hi: float, init_mean: float, rng: random.Random, init_type: str = "gaussian") -> None:
    for n in g.nodes.values():
        if n.kind.is_sensor:
            continue
        if rng.random() < perturb_prob:
            v = getattr(n, attr) + rng.gauss(0.0, power)
        elif init_type == "gaussian":
            v = rng.gauss(init_mean, init_stdev)
        else:
            v = init_value(init_mean, init_stdev, init_type, lo, hi, rng)
        setattr(n, attr, clamp(v, lo, hi))


def _mutate_choice(g: Genome, attr: str, options: list[str], rate: float, rng: random.Random) -> None:
    for n in g.nodes.values():
        if not n.kind.is_sensor and rng.random() < rate:
            setattr(n, attr, rng.choice(options))


def add_node(g: Genome, cfg: GenomeConfig, tracker: InnovationTracker, rng: random.Random) -> bool:
    """Split a random enabled connection: in-weight 1.0, out-weight the old weight, the old one disabled."""
    enabled = [c for c in g.conns.values() if c.enabled]
    if not enabled:
        return False
    old = rng.choice(enabled)
    node_id, in_inn, out_inn = tracker.split(old.innovation, old.in_node, old.out_node)
    while node_id in g.nodes or in_inn in g.conns or out_inn in g.conns:  # split before: take the next split
        node_id, in_inn, out_inn = tracker.resplit(old.innovation, node_id, old.in_node, old.out_node)
    old.enabled = False
    if cfg.activation == "random" or cfg.aggregation == "random" or cfg.response_init_stdev:
        node = new_node(node_id, NodeKind.HIDDEN, cfg, rng)  # (neat-python's new node; bias 0 as there)
        node.bias = 0.0
        g.nodes[node_id] = node
    else:
        g.nodes[node_id] = NodeGene(node_id, NodeKind.HIDDEN, 0.0, cfg.response_init, cfg.activation,
                                    cfg.aggregation)
        if cfg.node_model is not None:
            init_dynamics(g.nodes[node_id], cfg, rng)
    g.conns[in_inn] = ConnectionGene(in_inn, old.in_node, node_id, 1.0)
    g.conns[out_inn] = ConnectionGene(out_inn, node_id, old.out_node, old.weight)
    return True


def add_connection(g: Genome, cfg: GenomeConfig, tracker: InnovationTracker, rng: random.Random,
                   tries: int = 20, reenable: bool = True) -> bool:
    """Link two random nodes. Feed-forward genomes never get a cycle; recurrent ones may (self-loops if allowed).

    An existing disabled link between the pair is re-enabled instead (``reenable``; else the try ends there).
    """
    sensor_kinds = (NodeKind.INPUT, NodeKind.BIAS)
    targets = [n for n, node in g.nodes.items() if node.kind not in sensor_kinds]
    sources = list(g.nodes)
    if not targets:
        return False
    existing = {(c.in_node, c.out_node): c for c in g.conns.values()}
    feed_forward, no_self_loops = cfg.feed_forward, cfg.feed_forward or not cfg.allow_self_loops
    succ = None  # successor lists for the cycle check, built once (the genes do not change between tries)
    choice = rng.choice
    for _ in range(tries):
        a, b = choice(sources), choice(targets)
        if a == b and no_self_loops:
            continue
        found = existing.get((a, b))
        if found is not None:
            if found.enabled:
                continue
            if not reenable:
                return False
            found.enabled = True
            return True
        if feed_forward:
            if succ is None:
                succ = successors(g.conns.values())
            if reachable(succ, b, a):
                continue
        inn = tracker.link(a, b)
        if inn in g.conns:  # this genome already used the number for another link this generation
            continue
        g.conns[inn] = ConnectionGene(inn, a, b, new_weight(cfg, rng),
                                      True if cfg.enabled_default == "true" else new_enabled(cfg, rng))
        return True
    return False


def delete_connection(g: Genome, rng: random.Random, keep_nodes: bool = False) -> bool:
    """Remove a random connection gene, then prune hidden nodes left dangling. ``keep_nodes``: a connection whose
    removal would leave a hidden node dangling is disabled instead (the network computes the same)."""
    if not g.conns:
        return False
    inn = rng.choice(list(g.conns))
    if keep_nodes:
        c = g.conns[inn]
        others = [d for d in g.conns.values() if d is not c and d.in_node != d.out_node]
        if (c.out_node in g.nodes and g.nodes[c.out_node].kind is NodeKind.HIDDEN
                and not any(d.out_node == c.out_node for d in others)) or \
                (c.in_node in g.nodes and g.nodes[c.in_node].kind is NodeKind.HIDDEN
                 and not any(d.in_node == c.in_node for d in others)):
            c.enabled = False
            return True
    del g.conns[inn]
    prune_dangling(g)
    return True


def delete_node(g: Genome, rng: random.Random) -> bool:
    """Remove a random hidden node with all its connections, then prune hidden nodes left dangling."""
    hidden = g.hidden_ids
    if not hidden:
        return False
    victim = rng.choice(hidden)
    del g.nodes[victim]
    for inn in [i for i, c in g.conns.items() if victim in (c.in_node, c.out_node)]:
        del g.conns[inn]
    prune_dangling(g)
    return True


def toggle_enable(g: Genome, rng: random.Random) -> bool:
    """Flip the enabled flag of one random connection (cycle checks count disabled genes, so this is safe)."""
    if not g.conns:
        return False
    c = g.conns[rng.choice(list(g.conns))]
    c.enabled = not c.enabled
    return True


def prune_dangling(g: Genome) -> None:
    """Remove hidden nodes without an incoming or without an outgoing connection gene, until none is left."""
    while True:
        has_in = {c.out_node for c in g.conns.values() if c.in_node != c.out_node}
        has_out = {c.in_node for c in g.conns.values() if c.in_node != c.out_node}
        dead = [n for n in g.hidden_ids if n not in has_in or n not in has_out]
        if not dead:
            return
        for n in dead:
            del g.nodes[n]
        dead_set = set(dead)
        for inn in [i for i, c in g.conns.items() if c.in_node in dead_set or c.out_node in dead_set]:
            del g.conns[inn]
