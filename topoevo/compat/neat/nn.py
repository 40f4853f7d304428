"""``neat.nn``: per-genome networks for ``activate(inputs)`` calls (topoevo's node rule and functions)."""
from __future__ import annotations

from typing import Any, Sequence

from topoevo.compat.neat.genome import Genome
from topoevo.genome.activations import ACTIVATIONS, AGGREGATIONS
from topoevo.genome.genome import topological_order


class FeedForwardNetwork:
    """A feed-forward genome compiled once into an evaluation list; ``activate`` returns the outputs.

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> g = Genome(initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4),
    ...                           random.Random(0)))
    >>> len(FeedForwardNetwork.create(g, None).activate([0.0, 1.0]))
    1
    """

    def __init__(self, genome: Genome):
        g = genome.genome
        self.input_ids, self.output_ids, self.bias_id = list(g.input_ids), list(g.output_ids), g.bias_id
        enabled = [c for c in g.conns.values() if c.enabled]
        order = topological_order(g.nodes, enabled)
        if order is None:
            raise ValueError("FeedForwardNetwork needs an acyclic genome; use RecurrentNetwork")
        incoming: dict[int, list[tuple[int, float]]] = {}
        for c in sorted(enabled, key=lambda c: c.innovation):
            incoming.setdefault(c.out_node, []).append((c.in_node, c.weight))
        needed = _feeding(set(self.output_ids), incoming)
        sensors = set(g.sensor_ids)
        self.node_evals = [(n, ACTIVATIONS[g.nodes[n].activation], AGGREGATIONS[g.nodes[n].aggregation],
                            g.nodes[n].bias, g.nodes[n].response, incoming.get(n, []))
                           for n in order if n in needed and n not in sensors]
        self.values = {n: 0.0 for n in g.nodes}

    @staticmethod
    def create(genome: Genome, config: Any) -> "FeedForwardNetwork":
        return FeedForwardNetwork(genome)

    def activate(self, inputs: Sequence[float]) -> list[float]:
        values = self.values
        _set_sensors(values, self.input_ids, self.bias_id, inputs)
        for n, act, agg, bias, response, links in self.node_evals:
            values[n] = act(bias + response * agg([values[i] * w for i, w in links]))
        return [values[o] for o in self.output_ids]


def _set_sensors(values: dict[int, float], input_ids: list[int], bias_id: int | None,
                 inputs: Sequence[float]) -> None:
    """The inputs (and the bias node's 1.0) written into a network's node values."""
    if len(inputs) != len(input_ids):
        raise RuntimeError(f"Expected {len(input_ids)} inputs, got {len(inputs)}")
    for i, x in zip(input_ids, inputs):
        values[i] = float(x)
    if bias_id is not None:
        values[bias_id] = 1.0


def _feeding(outputs: set[int], incoming: dict[int, list[tuple[int, float]]]) -> set[int]:
    """The nodes the outputs depend on (the outputs included)."""
    seen, stack = set(outputs), list(outputs)
    while stack:
        for i, _ in incoming.get(stack.pop(), ()):
            if i not in seen:
                seen.add(i)
                stack.append(i)
    return seen


class RecurrentNetwork:
    """A recurrent genome: each ``activate`` is one synchronous step (every node reads its sources' previous values,
    the inputs their current ones), as neat-python's ``RecurrentNetwork``, which also leaves a node without enabled
    incoming connections at 0; ``reset()`` zeroes the state.

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> g = Genome(initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4),
    ...                           random.Random(0)))
    >>> net = RecurrentNetwork.create(g, None); out = net.activate([1.0, 0.0]); net.reset()
    """

    def __init__(self, genome: Genome):
        g = genome.genome
        self.input_ids, self.output_ids, self.bias_id = list(g.input_ids), list(g.output_ids), g.bias_id
        incoming: dict[int, list[tuple[int, float]]] = {}
        for c in sorted(g.conns.values(), key=lambda c: c.innovation):
            if c.enabled:
                incoming.setdefault(c.out_node, []).append((c.in_node, c.weight))
        sensors = set(g.sensor_ids)
        self.node_evals = [(n, ACTIVATIONS[g.nodes[n].activation], AGGREGATIONS[g.nodes[n].aggregation],
                            g.nodes[n].bias, g.nodes[n].response, links)
                           for n, links in sorted(incoming.items()) if n not in sensors]
        self.state = {n: 0.0 for n in g.nodes}

    @staticmethod
    def create(genome: Genome, config: Any) -> "RecurrentNetwork":
        return RecurrentNetwork(genome)

    def reset(self) -> None:
        self.state = dict.fromkeys(self.state, 0.0)

    def activate(self, inputs: Sequence[float]) -> list[float]:
        old = self.state
        _set_sensors(old, self.input_ids, self.bias_id, inputs)
        new = dict(old)
        for n, act, agg, bias, response, links in self.node_evals:
            new[n] = act(bias + response * agg([old[i] * w for i, w in links]))
        self.state = new
        return [new[o] for o in self.output_ids]
