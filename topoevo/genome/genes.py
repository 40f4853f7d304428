"""Node and connection genes: the plain data a genome is made of."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class NodeKind(str, Enum):
    """What a node is for. Input and bias nodes are sensors: nothing may feed them.

    >>> NodeKind("bias").is_sensor, NodeKind.HIDDEN.is_sensor
    (True, False)
    """

    INPUT = "input"
    BIAS = "bias"
    HIDDEN = "hidden"
    OUTPUT = "output"

    @property
    def is_sensor(self) -> bool:
        return self in (NodeKind.INPUT, NodeKind.BIAS)


@dataclass(slots=True)
class NodeGene:
    """A node: ``out = activation(bias + response * aggregation(w_i * x_i))``.

    >>> NodeGene(3, NodeKind.HIDDEN, activation="tanh").activation
    'tanh'
    """

    id: int
    kind: NodeKind
    bias: float = 0.0
    response: float = 1.0
    activation: str = "sigmoid"
    aggregation: str = "sum"

    def copy(self) -> "NodeGene":
        return NodeGene(self.id, self.kind, self.bias, self.response, self.activation, self.aggregation)


@dataclass(slots=True)
class ConnectionGene:
    """A connection ``in_node -> out_node`` with its global innovation number.

    >>> ConnectionGene(7, 0, 3, 0.5).enabled
    True
    """

    innovation: int
    in_node: int
    out_node: int
    weight: float
    enabled: bool = True

    def copy(self) -> "ConnectionGene":
        return ConnectionGene(self.innovation, self.in_node, self.out_node, self.weight, self.enabled)
