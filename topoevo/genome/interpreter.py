"""The reference interpreter: plain Python, written for clarity. Ground truth for every compiled network.

Node rule: ``out = activation(bias + response * aggregation([w * x for each enabled incoming connection]))``;
a node without enabled inputs aggregates to 0. Input nodes hold the inputs, the bias node holds 1.0.
"""
from __future__ import annotations

from typing import Sequence

from topoevo.genome.activations import ACTIVATIONS, AGGREGATIONS
from topoevo.genome.genome import Genome, topological_order


def _pre_activation(g: Genome, nid: int, incoming: list, values: dict[int, float]) -> float:
    """A node's activation input: ``bias + response * aggregation(weighted inputs)``."""
    node = g.nodes[nid]
    return node.bias + node.response * AGGREGATIONS[node.aggregation]([c.weight * values[c.in_node] for c in incoming])


def _node_value(g: Genome, nid: int, incoming: list, values: dict[int, float]) -> float:
    return ACTIVATIONS[g.nodes[nid].activation](_pre_activation(g, nid, incoming, values))


def _incoming(g: Genome) -> dict[int, list]:
    inc: dict[int, list] = {nid: [] for nid in g.nodes}
    for c in sorted(g.conns.values(), key=lambda c: c.innovation):
        if c.enabled:
            inc[c.out_node].append(c)
    return inc


def _sensor_values(g: Genome, inputs: Sequence[float]) -> dict[int, float]:
    if len(inputs) != len(g.input_ids):
        raise ValueError(f"expected {len(g.input_ids)} inputs, got {len(inputs)}")
    values = {nid: float(x) for nid, x in zip(g.input_ids, inputs)}
    if g.bias_id is not None:
        values[g.bias_id] = 1.0
    return values


def activate(g: Genome, inputs: Sequence[float]) -> list[float]:
    """Outputs of a feed-forward genome for one input vector.

    >>> import random
    >>> from topoevo.genome import initial_genome, InnovationTracker
    >>> from topoevo.config import GenomeConfig
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0))
    >>> len(activate(g, [0.0, 1.0]))
    1
    """
    enabled = [c for c in g.conns.values() if c.enabled]
    order = topological_order(g.nodes, enabled)
    if order is None:
        raise ValueError("activate() needs an acyclic genome; use ReferenceRecurrentNetwork")
    values = _sensor_values(g, inputs)
    inc = _incoming(g)
    sensors = set(g.sensor_ids)
    for nid in order:
        if nid not in sensors:
            values[nid] = _node_value(g, nid, inc[nid], values)
    return [values[o] for o in g.output_ids]


class ReferenceRecurrentNetwork:
    """A recurrent genome, one synchronous tick per call: every node reads the previous values of its sources.

    >>> import random
    >>> from topoevo.genome import initial_genome, InnovationTracker
    >>> from topoevo.config import GenomeConfig
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0))
    >>> net = ReferenceRecurrentNetwork(g)
    >>> out = net.activate([1.0, 0.0]); net.reset()
    """

    def __init__(self, genome: Genome):
        self.genome = genome
        self.incoming = _incoming(genome)
        self.sensors = set(genome.sensor_ids)
        self.state: dict[int, float] = {}
        self.reset()

    def reset(self) -> None:
        self.state = {nid: 0.0 for nid in self.genome.nodes}

    def activate(self, inputs: Sequence[float]) -> list[float]:
        old = dict(self.state)
        old.update(_sensor_values(self.genome, inputs))
        new = dict(old)
        for nid in sorted(self.genome.nodes):
            if nid not in self.sensors:
                new[nid] = _node_value(self.genome, nid, self.incoming[nid], old)
        self.state = new
        return [new[o] for o in self.genome.output_ids]
