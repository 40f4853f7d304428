"""The per-node parameters of the dynamical node types, declared in one place, and the plain data that carries them
beside a NEAT genome (:class:`NodeDynamics`: node id -> parameter values), with their mutation.

A CTRNN node has a ``time_constant``; an Izhikevich node has ``a`` (recovery time scale), ``b`` (recovery
sensitivity), ``c`` (reset potential, mV) and ``d`` (recovery reset). Defaults: Izhikevich's regular spiking
neuron (2003) and neat-python's time-constant range.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from topoevo.errors import GenomeFileError


@dataclass(frozen=True)
class NodeAttribute:
    """One evolvable per-node parameter: its initial value, range, and Gaussian mutation (rate, power).

    >>> NODE_ATTRIBUTES["ctrnn"][0].clamp(50.0)
    10.0
    """

    name: str
    init: float
    low: float
    high: float
    mutate_rate: float
    mutate_power: float

    def clamp(self, x: float) -> float:
        return min(max(x, self.low), self.high)


class NodeModel(str, Enum):
    """Which dynamical model the nodes follow.

    >>> [m.value for m in NodeModel]
    ['ctrnn', 'izhikevich']
    """

    CTRNN = "ctrnn"
    IZHIKEVICH = "izhikevich"


#: THE declaration of the dynamical node attributes (model -> its attributes, in storage order)
NODE_ATTRIBUTES: dict[str, tuple[NodeAttribute, ...]] = {
    "ctrnn": (NodeAttribute("time_constant", 1.0, 0.01, 10.0, 0.1, 0.1),),
    "izhikevich": (NodeAttribute("a", 0.02, 0.001, 0.2, 0.1, 0.005), NodeAttribute("b", 0.2, 0.05, 0.35, 0.1, 0.01),
                   NodeAttribute("c", -65.0, -80.0, -40.0, 0.1, 2.0), NodeAttribute("d", 8.0, 0.01, 10.0, 0.1, 0.5)),
}


def attribute_names(model: NodeModel | str) -> tuple[str, ...]:
    """The attribute names of ``model`` in storage order.

    >>> attribute_names("izhikevich")
    ('a', 'b', 'c', 'd')
    """
    return tuple(a.name for a in NODE_ATTRIBUTES[NodeModel(model).value])


@dataclass
class NodeDynamics:
    """The dynamical parameters of one genome's non-sensor nodes: node id -> values in the order of
    :data:`NODE_ATTRIBUTES` (a node missing here has the initial values).

    >>> d = NodeDynamics("ctrnn", {3: (0.5,)})
    >>> d.value(3, "time_constant"), d.value(4, "time_constant"), NodeDynamics.from_dict(d.to_dict()) == d
    (0.5, 1.0, True)
    """

    model: NodeModel | str
    params: dict[int, tuple[float, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.model = NodeModel(self.model)

    def value(self, node: int, name: str) -> float:
        names = attribute_names(self.model)
        values = self.params.get(node)
        return values[names.index(name)] if values is not None else NODE_ATTRIBUTES[self.model.value][
            names.index(name)].init

    def values(self, node: int) -> tuple[float, ...]:
        return self.params.get(node) or tuple(a.init for a in NODE_ATTRIBUTES[self.model.value])

    def copy(self) -> "NodeDynamics":
        return NodeDynamics(self.model, dict(self.params))

    def mutate(self, rng: random.Random) -> None:
        """Each attribute of each node: with its ``mutate_rate``, a Gaussian step of ``mutate_power``, clamped."""
        attrs = NODE_ATTRIBUTES[self.model.value]
        for node in sorted(self.params):
            vals = list(self.params[node])
            for i, a in enumerate(attrs):
                if rng.random() < a.mutate_rate:
                    vals[i] = a.clamp(vals[i] + rng.gauss(0.0, a.mutate_power))
            self.params[node] = tuple(vals)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model.value, "attributes": list(attribute_names(self.model)),
                "nodes": {str(k): list(v) for k, v in sorted(self.params.items())}}

    @classmethod
    def from_dict(cls, d: Any, source: str | None = None) -> "NodeDynamics":
        """Read :meth:`to_dict` output; malformed data raises :class:`GenomeFileError` naming the field."""
        if not isinstance(d, dict) or d.get("model") not in NODE_ATTRIBUTES:
            raise GenomeFileError(f"expected a model among {', '.join(NODE_ATTRIBUTES)}", source=source,
                                  field="dynamics.model")
        names = attribute_names(d["model"])
        nodes = d.get("nodes")
        if not isinstance(nodes, dict):
            raise GenomeFileError("expected an object: node id -> values", source=source, field="dynamics.nodes")
        params = {}
        for k, v in nodes.items():
            ok = (isinstance(v, list) and len(v) == len(names)
                  and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in v))
            if not k.isdigit() or not ok:
                raise GenomeFileError(f"expected {len(names)} finite numbers ({', '.join(names)}) for a node id",
                                      source=source, field=f"dynamics.nodes.{k}")
            params[int(k)] = tuple(float(x) for x in v)
        return cls(d["model"], params)


__all__ = ["NODE_ATTRIBUTES", "NodeAttribute", "NodeDynamics", "NodeModel", "attribute_names"]
