"""Initial genomes: inputs, optional bias node and outputs, connected as the config says."""
from __future__ import annotations

import random

from topoevo.config.sections import GenomeConfig, InitialConnectivity
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


def new_node(node_id: int, kind: NodeKind, cfg: GenomeConfig, rng: random.Random) -> NodeGene:
    if kind.is_sensor:
        return NodeGene(node_id, kind, 0.0, 1.0, "identity", "sum")
    act = cfg.output_activation if (kind is NodeKind.OUTPUT and cfg.output_activation) else cfg.activation
    bias = clamp(rng.gauss(0.0, cfg.bias_init_stdev), cfg.bias_min, cfg.bias_max) if cfg.bias_init_stdev else 0.0
    return NodeGene(node_id, kind, bias, cfg.response_init, act, cfg.aggregation)


def new_weight(cfg: GenomeConfig, rng: random.Random) -> float:
    return clamp(rng.gauss(0.0, cfg.weight_init_stdev), cfg.weight_min, cfg.weight_max)


def _links(cfg: GenomeConfig, sources: list[int], targets: list[int], pickable: list[int],
           rng: random.Random) -> list[tuple[int, int]]:
    """The initial links from ``sources`` to ``targets`` under ``cfg.initial_connectivity`` (``one_input``: one link
    per target from ``pickable``)."""
    mode = cfg.initial_connectivity
    if mode is InitialConnectivity.FULL:
        return [(i, o) for o in targets for i in sources]
    if mode is InitialConnectivity.PARTIAL:
        return [(i, o) for o in targets for i in sources if rng.random() < cfg.connection_probability]
    if mode is InitialConnectivity.ONE_INPUT:
        return [(rng.choice(pickable), o) for o in targets] if pickable else []
    return []


def initial_genome(cfg: GenomeConfig, tracker: InnovationTracker, rng: random.Random, key: int = 0) -> Genome:
    """A minimal genome (no hidden nodes; with ``cfg.num_hidden``, ``cfg.hidden_layers`` layers of that many) with
    the configured initial connectivity. Hidden node ids and link innovations are the same in every initial genome.

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
    sources = list(inputs) + ([bias] if bias is not None else [])
    first, width = first_hidden_id(cfg), cfg.num_hidden
    hidden = [list(range(first + k * width, first + (k + 1) * width)) for k in range(cfg.hidden_layers if width else 0)]
    tracker.next_node_id = max(tracker.next_node_id, first + width * len(hidden))
    for h in (h for layer in hidden for h in layer):
        nodes[h] = new_node(h, NodeKind.HIDDEN, cfg, rng)
    # links layer to layer: sources -> first hidden layer, each layer (and the bias) -> the next, ... -> outputs
    with_bias = [bias] if bias is not None else []
    chain = [sources] + [layer + with_bias for layer in hidden]
    layers = list(zip(chain, [*hidden, list(outputs)]))
    links = []
    for srcs, dsts in layers:
        links += _links(cfg, srcs, dsts, [s for s in srcs if s != bias] or srcs, rng)
    conns = {}
    for a, b in links:
        inn = tracker.link(a, b)
        conns[inn] = ConnectionGene(inn, a, b, new_weight(cfg, rng))
    return Genome(nodes, conns, inputs, outputs, bias, cfg.feed_forward, key)
