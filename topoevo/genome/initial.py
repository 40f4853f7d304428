"""Initial genomes: inputs, optional bias node and outputs, connected as the config says."""
from __future__ import annotations

import random

import numpy as np

from topoevo.config.sections import GenomeConfig, InitialConnectivity
from topoevo.dynamics.attributes import NODE_ATTRIBUTES, setting
from topoevo.genome.genes import ConnectionGene, NodeGene, NodeKind
from topoevo.genome.genome import Genome
from topoevo.genome.innovation import InnovationTracker


def node_ids(cfg: GenomeConfig) -> tuple[tuple[int, ...], int | None, tuple[int, ...]]:
    """(input ids, bias id or None, output ids) for a config; hidden ids start after these."""
    inputs = tuple(range(cfg.num_inputs))
    bias = cfg.num_inputs if cfg.bias_node else None
    first_out = cfg.num_inputs + (1 if cfg.bias_node else 0)
    return inputs, bias, tuple(range(first_out, first_out + cfg.num_outputs))


def first_hidden_id(cfg: GenomeConfig) -> int:
    return cfg.num_inputs + (1 if cfg.bias_node else 0) + cfg.num_outputs


def clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else (hi if x > hi else x)


def init_value(mean: float, stdev: float, kind: str, lo: float, hi: float, rng: random.Random) -> float:
    """A new float gene value: ``gaussian`` (clamped to [lo, hi]) or ``uniform`` on [mean - 2 stdev, mean + 2 stdev]
    cut to [lo, hi] (as neat-python draws them).

    >>> init_value(0.5, 0.0, "gaussian", -1.0, 1.0, random.Random(0))
    0.5
    """
    if kind == "uniform":  # (clamped too: a + (b - a) * u can round past b)
        return clamp(rng.uniform(max(lo, mean - 2.0 * stdev), min(hi, mean + 2.0 * stdev)), lo, hi)
    return clamp(rng.gauss(mean, stdev), lo, hi)


def node_function(default: str, options: list[str], rng: random.Random) -> str:
    """A new node's activation (aggregation): ``default``, or one of ``options`` when it is ``random``."""
    return rng.choice(options) if default == "random" else default


def new_node(node_id: int, kind: NodeKind, cfg: GenomeConfig, rng: random.Random) -> NodeGene:
    if kind.is_sensor:
        return NodeGene(node_id, kind, 0.0, 1.0, "identity", "sum")
    act = cfg.output_activation if (kind is NodeKind.OUTPUT and cfg.output_activation) else cfg.activation
    bias = init_value(cfg.bias_init_mean, cfg.bias_init_stdev, cfg.bias_init_type, cfg.bias_min, cfg.bias_max,
                      rng) if cfg.bias_init_stdev else cfg.bias_init_mean
    response = init_value(cfg.response_init, cfg.response_init_stdev, cfg.response_init_type, cfg.response_min,
                          cfg.response_max, rng) if cfg.response_init_stdev else cfg.response_init
    node = NodeGene(node_id, kind, bias, response, node_function(act, cfg.activation_options, rng),
                    node_function(cfg.aggregation, cfg.aggregation_options, rng))
    if cfg.node_model is not None:
        init_dynamics(node, cfg, rng)
    return node


def init_attribute(cfg: GenomeConfig, name: str, rng: random.Random) -> float:
    """A new node's value of attribute ``name``: the mean, or (stdev > 0) a draw as neat-python's ``init_value``."""
    mean, stdev = setting(cfg, name, "init_mean"), setting(cfg, name, "init_stdev")
    if not stdev:
        return min(max(mean, setting(cfg, name, "min_value")), setting(cfg, name, "max_value"))
    return init_value(mean, stdev, setting(cfg, name, "init_type"), setting(cfg, name, "min_value"),
                      setting(cfg, name, "max_value"), rng)


def init_dynamics(node: NodeGene, cfg: GenomeConfig, rng: random.Random) -> None:
    """Give a new node of a 'ctrnn' / 'iznn' genome the initial values of its model's attributes."""
    for a in NODE_ATTRIBUTES[cfg.node_model]:  # type: ignore[index]
        setattr(node, a.name, init_attribute(cfg, a.name, rng))


def new_weight(cfg: GenomeConfig, rng: random.Random) -> float:
    return init_value(cfg.weight_init_mean, cfg.weight_init_stdev, cfg.weight_init_type, cfg.weight_min,
                      cfg.weight_max, rng)


def new_enabled(cfg: GenomeConfig, rng: random.Random) -> bool:
    """The enabled flag of a new connection gene (``genome.enabled_default``)."""
    if cfg.enabled_default == "random":
        return rng.random() < 0.5
    return cfg.enabled_default == "true"


def _links(cfg: GenomeConfig, sources: list[int], targets: list[int], pickable: list[int],
           rng: random.Random) -> list[tuple[int, int]]:
    """The initial links from ``sources`` to ``targets`` under ``cfg.initial_connectivity`` (``one_input``: one link
    per target from ``pickable``)."""
    mode = cfg.initial_connectivity
    if mode in (InitialConnectivity.FULL, InitialConnectivity.FULL_DIRECT):
        return [(i, o) for o in targets for i in sources]
    if mode.is_partial:
        if cfg.partial_exact:  # chosen among all candidates at once, in _candidate_links
            return [(i, o) for o in targets for i in sources]
        return [(i, o) for o in targets for i in sources if rng.random() < cfg.connection_probability]
    if mode is InitialConnectivity.ONE_INPUT:
        return [(rng.choice(pickable), o) for o in targets] if pickable else []
    return []


def _candidate_links(cfg: GenomeConfig, inputs: tuple[int, ...], bias: int | None, layers_: list[list[int]],
                     outputs: list[int], rng: random.Random) -> list[tuple[int, int]]:
    """Every initial link of the configured connectivity (before hidden nodes left dangling are dropped); the hidden
    layers ``layers_`` are linked each to the next (the bias to every layer), the last to the outputs."""
    mode = cfg.initial_connectivity
    sources = list(inputs) + ([bias] if bias is not None else [])
    hidden = [h for layer in layers_ for h in layer]
    if mode in (InitialConnectivity.FS_NEAT, InitialConnectivity.FS_NEAT_HIDDEN):
        if not inputs:
            return []
        pick = rng.choice(inputs)
        targets = outputs + hidden if mode is InitialConnectivity.FS_NEAT_HIDDEN else outputs
        return [(pick, o) for o in targets]
    if hidden:  # links layer to layer: sources -> first hidden layer, each layer (and the bias) -> the next, ...
        with_bias = [bias] if bias is not None else []
        chain = [sources] + [layer + with_bias for layer in layers_]
        layers = list(zip(chain, [*layers_, outputs]))
        if mode in (InitialConnectivity.FULL_DIRECT, InitialConnectivity.PARTIAL_DIRECT):
            layers.append((list(inputs), outputs))
    else:
        layers = [(sources, outputs)]
    links = []
    for srcs, dsts in layers:
        links += _links(cfg, srcs, dsts, [s for s in srcs if s != bias] or srcs, rng)
    full_family = mode in (InitialConnectivity.FULL, InitialConnectivity.FULL_DIRECT) or mode.is_partial
    if cfg.initial_self_loops and not cfg.feed_forward and full_family:
        loops = [(n, n) for n in outputs + hidden]
        if mode.is_partial and not cfg.partial_exact:
            loops = [p for p in loops if rng.random() < cfg.connection_probability]
        links += loops
    if mode.is_partial and cfg.partial_exact:  # neat-python: shuffle, keep round(P * count)
        rng.shuffle(links)
        links = links[:int(round(len(links) * cfg.connection_probability))]
    return links


def _drop_dangling(links: list[tuple[int, int]], hidden: list[int]) -> tuple[list[tuple[int, int]], list[int]]:
    """Hidden nodes without an incoming or an outgoing link (self-loops aside), and their links, removed; repeated
    until none is left, since removing one layer's node can strand the next layer's."""
    while True:
        has_in = {b for a, b in links if a != b}
        has_out = {a for a, b in links if a != b}
        dead = {h for h in hidden if h not in has_in or h not in has_out}
        if not dead:
            return links, hidden
        links = [(a, b) for a, b in links if a not in dead and b not in dead]
        hidden = [h for h in hidden if h not in dead]


def initial_genome(cfg: GenomeConfig, tracker: InnovationTracker, rng: random.Random, key: int = 0) -> Genome:
    """A minimal genome (no hidden nodes; with ``cfg.num_hidden``, ``cfg.hidden_layers`` layers of that many, those
    left without an incoming or outgoing link dropped) with the configured initial connectivity. Hidden node ids and
    link innovations are the same in every initial genome.

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0))
    >>> len(g.conns)
    3
    """
    inputs, bias, outputs = node_ids(cfg)
    tracker.next_node_id = max(tracker.next_node_id, first_hidden_id(cfg))
    nodes = {i: new_node(i, NodeKind.INPUT, cfg, rng) for i in inputs}
    if bias is not None:
        nodes[bias] = new_node(bias, NodeKind.BIAS, cfg, rng)
    for o in outputs:
        nodes[o] = new_node(o, NodeKind.OUTPUT, cfg, rng)
    first, width = first_hidden_id(cfg), cfg.num_hidden
    layers = [list(range(first + k * width, first + (k + 1) * width)) for k in range(cfg.hidden_layers if width else 0)]
    hidden = [h for layer in layers for h in layer]
    tracker.next_node_id = max(tracker.next_node_id, first + len(hidden))
    for h in hidden:
        nodes[h] = new_node(h, NodeKind.HIDDEN, cfg, rng)
    links = _candidate_links(cfg, inputs, bias, layers, list(outputs), rng)
    if hidden:
        links, kept = _drop_dangling(links, hidden)
        for h in set(hidden) - set(kept):
            del nodes[h]
    conns = {}
    for a, b in links:
        inn = tracker.link(a, b)
        conns[inn] = ConnectionGene(inn, a, b, new_weight(cfg, rng), new_enabled(cfg, rng))
    return Genome(nodes, conns, inputs, outputs, bias, cfg.feed_forward, key)


class _NoDraws(random.Random):
    """A random source whose ``gauss`` returns the mean: lays out an initial genome without drawing anything."""

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        return mu


def initial_store_genomes(cfg: GenomeConfig, tracker: InnovationTracker, rng: random.Random,
                          keys: list[int]) -> list[Genome] | None:
    """``[initial_genome(cfg, tracker, rng, k) for k in keys]`` made at once in a population store (as untouched
    :class:`~topoevo.genome.store.StoredGenome` views), equal number for number and leaving ``rng`` and ``tracker``
    as those calls would. None (nothing drawn) when the config's initial genomes draw anything but Gaussian
    values in a fixed order (random connectivity, functions or enabled flags, uniform initial values, a CTRNN or
    Izhikevich node model's attributes), or the store has gene columns this function does not know (the dynamical
    node attributes, unused outside those models, keep the template's values).
    """
    from topoevo.genome.rng import GenomeRandom
    from topoevo.genome.store import CONN_COLUMNS, DYNAMICS_COLUMNS, NODE_COLUMNS, PopulationStore

    fixed = cfg.initial_connectivity in (InitialConnectivity.NONE, InitialConnectivity.FULL,
                                         InitialConnectivity.FULL_DIRECT)
    if type(rng) is not GenomeRandom or not fixed or "random" in (cfg.activation, cfg.aggregation) or \
            cfg.enabled_default == "random" or \
            "uniform" in (cfg.weight_init_type, cfg.bias_init_type, cfg.response_init_type) or \
            cfg.node_model is not None or \
            [c.name for c in NODE_COLUMNS] != ["id", "kind", "bias", "response", "activation", "aggregation",
                                               *DYNAMICS_COLUMNS] or \
            [c.name for c in CONN_COLUMNS] != ["innovation", "in_node", "out_node", "weight", "enabled"] or \
            not keys:
        return None
    template = initial_genome(cfg, tracker, _NoDraws(), keys[0])  # (registers the links, as the first call does)
    inputs, bias_id, outputs = node_ids(cfg)
    first = first_hidden_id(cfg)
    created = list(outputs) + list(range(first, first + (cfg.num_hidden * cfg.hidden_layers if cfg.num_hidden else 0)))
    # the draws of one genome, in order: each created node's bias, then response (when drawn), then each link's weight
    per_node = [f for f, stdev in (("bias", cfg.bias_init_stdev), ("response", cfg.response_init_stdev)) if stdev]
    n_node_draws = len(created) * len(per_node)
    draws = n_node_draws + len(template.conns)
    z = rng.take_normals(len(keys) * draws).reshape(len(keys), draws)
    one = PopulationStore.of([template])
    store = one.take(np.zeros(len(keys), dtype=np.int64))
    n_nodes, n_conns = len(template.nodes), len(template.conns)
    position = {nid: i for i, nid in enumerate(template.nodes)}
    for k, name in enumerate(per_node):
        mean, stdev, lo, hi = ((cfg.bias_init_mean, cfg.bias_init_stdev, cfg.bias_min, cfg.bias_max) if name == "bias"
                               else (cfg.response_init, cfg.response_init_stdev, cfg.response_min, cfg.response_max))
        kept = [(j, position[n]) for j, n in enumerate(created) if n in position]
        if not kept:
            continue
        cols = np.array([j * len(per_node) + k for j, _ in kept])
        at = np.array([p for _, p in kept])
        column = store.nodes[name].reshape(len(keys), n_nodes)
        column[:, at] = np.clip(mean + stdev * z[:, cols], lo, hi)
    if n_conns:
        order = np.arange(n_conns) if one.dict_position is None else one.dict_position
        store.conns["weight"].reshape(len(keys), n_conns)[:] = np.clip(
            cfg.weight_init_mean + cfg.weight_init_stdev * z[:, n_node_draws + order], cfg.weight_min, cfg.weight_max)
    return store.views(keys, [None] * len(keys), [()] * len(keys))
