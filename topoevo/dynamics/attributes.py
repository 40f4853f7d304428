"""The per-node parameters of the dynamical node types, declared in one place: their names, defaults and ranges
(:data:`NODE_ATTRIBUTES`), from which come the :class:`~topoevo.genome.genes.NodeGene` fields (store columns), the
``[genome]`` settings ``<name>_init_mean``, ``_init_stdev``, ``_init_type``, ``_replace_rate``, ``_mutate_rate``,
``_mutate_power``, ``_min_value``, ``_max_value`` (neat-python's names; drawn and mutated by genome/initial.py
and genome/mutation.py).

A CTRNN node (``genome.network = "ctrnn"``) has a ``time_constant``; an Izhikevich node (``"iznn"``) has ``a``
(recovery time scale), ``b`` (recovery sensitivity), ``c`` (reset potential, mV) and ``d`` (recovery reset).
Defaults: Izhikevich's regular spiking neuron (2003) and neat-python's time-constant range; each attribute evolves
(mutate rate 0.1) unless the task file says otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


@dataclass(frozen=True)
class NodeAttribute:
    """One evolvable per-node parameter: its initial value (mean, stdev), range, and neat-python's per-gene mutation
    (with ``mutate_rate`` a Gaussian step of ``mutate_power``, else with ``replace_rate`` a fresh initial value).

    >>> NODE_ATTRIBUTES["ctrnn"][0].clamp(50.0)
    10.0
    """

    name: str
    init: float
    low: float
    high: float
    mutate_rate: float
    mutate_power: float
    init_stdev: float = 0.0
    replace_rate: float = 0.0

    def clamp(self, x: float) -> float:
        return min(max(x, self.low), self.high)

    def defaults(self) -> dict[str, Any]:
        """The default of each ``[genome]`` setting of this attribute (setting suffix -> value).

        >>> NODE_ATTRIBUTES["iznn"][2].defaults()["max_value"]
        -40.0
        """
        return {"init_mean": self.init, "init_stdev": self.init_stdev, "init_type": "gaussian",
                "replace_rate": self.replace_rate, "mutate_rate": self.mutate_rate, "mutate_power": self.mutate_power,
                "min_value": self.low, "max_value": self.high}


class NodeModel(str, Enum):
    """Which dynamical model the nodes follow (the ``genome.network`` values that have node attributes).

    >>> [m.value for m in NodeModel]
    ['ctrnn', 'iznn']
    """

    CTRNN = "ctrnn"
    IZHIKEVICH = "iznn"


#: THE declaration of the dynamical node attributes (model -> its attributes, in storage order)
NODE_ATTRIBUTES: dict[str, tuple[NodeAttribute, ...]] = {
    "ctrnn": (NodeAttribute("time_constant", 1.0, 0.01, 10.0, 0.1, 0.1),),
    "iznn": (NodeAttribute("a", 0.02, 0.001, 0.2, 0.1, 0.005), NodeAttribute("b", 0.2, 0.05, 0.35, 0.1, 0.01),
             NodeAttribute("c", -65.0, -80.0, -40.0, 0.1, 2.0), NodeAttribute("d", 8.0, 0.01, 10.0, 0.1, 0.5)),
}
#: every attribute by name
ALL_ATTRIBUTES: dict[str, NodeAttribute] = {a.name: a for attrs in NODE_ATTRIBUTES.values() for a in attrs}
#: the settings each attribute has in ``[genome]`` (``<name>_<setting>``)
SETTINGS = tuple(NodeAttribute("x", 0, 0, 0, 0, 0).defaults())


def attribute_names(model: NodeModel | str) -> tuple[str, ...]:
    """The attribute names of ``model`` in storage order.

    >>> attribute_names("iznn")
    ('a', 'b', 'c', 'd')
    """
    return tuple(a.name for a in NODE_ATTRIBUTES[NodeModel(model).value])


def setting(cfg: Any, name: str, key: str) -> Any:
    """``cfg.<name>_<key>`` of a :class:`~topoevo.config.GenomeConfig` (neat-python's naming scheme)."""
    return getattr(cfg, f"{name}_{key}")


__all__ = ["ALL_ATTRIBUTES", "NODE_ATTRIBUTES", "SETTINGS", "NodeAttribute", "NodeModel", "attribute_names",
           "setting"]
