"""Node and connection genes: the plain data a genome is made of."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from topoevo.dynamics.attributes import ALL_ATTRIBUTES

_TAU, _A, _B, _C, _D = (ALL_ATTRIBUTES[x].init for x in ("time_constant", "a", "b", "c", "d"))


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
    """A node: ``out = activation(bias + response * aggregation(w_i * x_i))``; the dynamical node types also read
    their per-node parameters (declared in :mod:`topoevo.dynamics.attributes`: a CTRNN node's ``time_constant``, an
    Izhikevich neuron's ``a, b, c, d``; other networks ignore them and keep the defaults).

    >>> NodeGene(3, NodeKind.HIDDEN, activation="tanh").activation, NodeGene(3, NodeKind.HIDDEN).c
    ('tanh', -65.0)
    """

    id: int
    kind: NodeKind
    bias: float = 0.0
    response: float = 1.0
    activation: str = "sigmoid"
    aggregation: str = "sum"
    time_constant: float = _TAU
    a: float = _A
    b: float = _B
    c: float = _C
    d: float = _D

    def copy(self) -> "NodeGene":
        return NodeGene(self.id, self.kind, self.bias, self.response, self.activation, self.aggregation,
                        self.time_constant, self.a, self.b, self.c, self.d)


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
