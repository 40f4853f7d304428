"""The genome a neat-python script sees: a topoevo genome under neat-python's names (node keys, attributes)."""
from __future__ import annotations

from dataclasses import dataclass

from topoevo.genome.genome import Genome as TopoevoGenome
from topoevo.interop.neat_python import ACTIVATION_TWINS

#: topoevo function name -> neat-python's name for it
_NEAT_NAMES = {v: k for k, v in ACTIVATION_TWINS.items()}


@dataclass
class NodeGene:
    """A node as neat-python shows it (``key``, ``bias``, ``response``, ``activation``, ``aggregation``)."""

    key: int
    bias: float
    response: float
    activation: str
    aggregation: str


@dataclass
class ConnectionGene:
    """A connection as neat-python shows it: ``key`` is the (input node, output node) pair."""

    key: tuple[int, int]
    weight: float
    enabled: bool
    innovation: int


class Genome:
    """A genome of the population: set ``fitness`` in ``eval_genomes``; ``nodes`` and ``connections`` are
    read-only views in neat-python's numbering (inputs -1..-n, outputs 0..m-1, hidden nodes above).

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> g = Genome(initial_genome(GenomeConfig(num_inputs=2, num_outputs=1, bias_node=False), InnovationTracker(0, 3),
    ...                           random.Random(0), key=7))
    >>> g.key, sorted(g.connections), g.size()
    (7, [(-2, 0), (-1, 0)], (1, 2))
    """

    def __init__(self, genome: TopoevoGenome):
        self.genome = genome
        self.key = genome.key
        self.fitness: float | None = genome.fitness
        g = genome
        self._ids = {i: -k - 1 for k, i in enumerate(g.input_ids)} | {o: k for k, o in enumerate(g.output_ids)}

    def neat_key(self, node_id: int) -> int:
        """neat-python's key of a topoevo node id (hidden nodes keep theirs: they are above every output key)."""
        return self._ids.get(node_id, node_id)

    @property
    def nodes(self) -> dict[int, NodeGene]:
        return {self.neat_key(n.id): NodeGene(self.neat_key(n.id), n.bias, n.response,
                                              _NEAT_NAMES.get(n.activation, n.activation), n.aggregation)
                for n in self.genome.nodes.values() if not n.kind.is_sensor}

    @property
    def connections(self) -> dict[tuple[int, int], ConnectionGene]:
        out = {}
        for c in self.genome.conns.values():
            key = (self.neat_key(c.in_node), self.neat_key(c.out_node))
            out[key] = ConnectionGene(key, c.weight, c.enabled, c.innovation)
        return out

    def size(self) -> tuple[int, int]:
        """(number of nodes without the inputs, number of enabled connections), as neat-python counts."""
        return (sum(1 for n in self.genome.nodes.values() if not n.kind.is_sensor), self.genome.num_enabled())

    def __str__(self) -> str:
        lines = [f"Key: {self.key}", f"Fitness: {self.fitness}", "Nodes:"]
        lines += [f"\t{k} {n}" for k, n in sorted(self.nodes.items())]
        lines.append("Connections:")
        lines += [f"\t{c}" for _, c in sorted(self.connections.items())]
        return "\n".join(lines)
