"""The one mutation of a hybrid-mode child (:func:`mutate_child`), optionally function-preserving, and the fresh
draw of every weight of a child trained from scratch (:func:`redraw_weights`). Built on the public genome operations
of ``topoevo.genome.mutation``; no torch here.

Function-preserving structural mutations (``hybrid.function_preserving``): a new connection starts at weight 0 (a
re-enabled one too; only into nodes that sum their inputs); a split node starts with the identity activation, sum
aggregation, bias 0 and response 1, its incoming weight 1 and its outgoing weight the split connection's weight (not
into product nodes), so ``w * identity(0 + 1 * (1 * x)) = w * x`` exactly and the child computes exactly its
parent's function (by the reference interpreter) until training or a later mutation changes it.
"""
from __future__ import annotations

import random

from topoevo.config.hybrid import MutationKind
from topoevo.config.sections import GenomeConfig, MutationConfig
from topoevo.genome.genome import Genome
from topoevo.genome.initial import clamp, new_weight
from topoevo.genome.innovation import InnovationTracker
from topoevo.genome.mutation import (add_connection, add_node, delete_connection, delete_node, mutate_weights)


def split_node(g: Genome, cfg: GenomeConfig, tracker: InnovationTracker, rng: random.Random,
               preserving: bool) -> bool:
    """NEAT's add-node; with ``preserving`` the new node is an exact identity relay, and a split into a node that
    multiplies its inputs is undone (no change: the reordered product could round differently)."""
    nodes, enabled = set(g.nodes), {inn for inn, c in g.conns.items() if c.enabled}
    if not add_node(g, cfg, tracker, rng):
        return False
    if preserving:
        (nid,) = set(g.nodes) - nodes
        new = [inn for inn, c in g.conns.items() if nid in (c.in_node, c.out_node)]
        (old,) = [inn for inn in enabled if not g.conns[inn].enabled]
        if g.nodes[g.conns[old].out_node].aggregation == "product":
            del g.nodes[nid]
            for inn in new:
                del g.conns[inn]
            g.conns[old].enabled = True
            return False
        node = g.nodes[nid]
        node.activation, node.aggregation, node.bias, node.response = "identity", "sum", 0.0, 1.0
    return True


def link(g: Genome, cfg: GenomeConfig, m: MutationConfig, tracker: InnovationTracker, rng: random.Random,
         preserving: bool) -> bool:
    """NEAT's add-connection; with ``preserving`` the new (or re-enabled) connection starts at weight 0, and a link
    into a node whose aggregation is not ``sum`` (where a 0 term would change the result: mean, product, max, min)
    is undone (no change)."""
    before = {inn: c.enabled for inn, c in g.conns.items()}
    if not add_connection(g, cfg, tracker, rng, m.add_connection_tries):
        return False
    if preserving:
        for inn in [i for i, c in g.conns.items() if c.enabled and not before.get(i, False)]:
            c = g.conns[inn]
            if g.nodes[c.out_node].aggregation != "sum":
                if inn in before:
                    c.enabled = False
                else:
                    del g.conns[inn]
                return False
            c.weight = 0.0
    return True


def new_activation(g: Genome, cfg: GenomeConfig, rng: random.Random) -> bool:
    """One random hidden node gets another activation from ``genome.activation_options`` (none: no change)."""
    hidden = sorted(g.hidden_ids)
    if not hidden:
        return False
    node = g.nodes[rng.choice(hidden)]
    options = [a for a in cfg.activation_options if a != node.activation]
    if not options:
        return False
    node.activation = rng.choice(options)
    return True


def mutate_child(g: Genome, kind: MutationKind, cfg: GenomeConfig, m: MutationConfig, tracker: InnovationTracker,
                 rng: random.Random, preserving: bool = False) -> bool:
    """Apply one mutation of ``kind`` to ``g`` in place; False when it could not apply (the child is a copy).

    >>> import random
    >>> from topoevo.config import GenomeConfig, MutationConfig
    >>> from topoevo.genome import initial_genome, InnovationTracker, activate
    >>> cfg, t, r = GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(), random.Random(1)
    >>> g = initial_genome(cfg, t, r)
    >>> child = g.copy()
    >>> mutate_child(child, MutationKind.ADD_NODE, cfg, MutationConfig(), t, r, preserving=True)
    True
    >>> activate(child, [0.3, -1.2]) == activate(g, [0.3, -1.2]), child.num_hidden
    (True, 1)
    """
    if kind is MutationKind.ADD_NODE:
        return split_node(g, cfg, tracker, rng, preserving)
    if kind is MutationKind.ADD_CONNECTION:
        return link(g, cfg, m, tracker, rng, preserving)
    if kind is MutationKind.DELETE_NODE:
        return delete_node(g, rng)
    if kind is MutationKind.DELETE_CONNECTION:
        return delete_connection(g, rng)
    if kind is MutationKind.WEIGHTS:
        if not g.conns:
            return False
        mutate_weights(g, cfg, m, rng)
        return True
    if kind is MutationKind.ACTIVATION:
        return new_activation(g, cfg, rng)
    return False  # identity


def redraw_weights(g: Genome, cfg: GenomeConfig, rng: random.Random) -> None:
    """Every connection weight and hidden/output bias drawn anew as for a new genome (training from scratch)."""
    for inn in sorted(g.conns):
        g.conns[inn].weight = new_weight(cfg, rng)
    for nid in sorted(g.nodes):
        node = g.nodes[nid]
        if not node.kind.is_sensor:
            node.bias = clamp(rng.gauss(0.0, cfg.bias_init_stdev), cfg.bias_min, cfg.bias_max) \
                if cfg.bias_init_stdev else 0.0
