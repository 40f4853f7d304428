"""Enumerations of the architecture search space that the ``[nas]`` config section also needs (kept free of other
topoevo imports, so the config package and this package can import each other's modules in any order)."""
from __future__ import annotations

from enum import Enum


class PoolKind(str, Enum):
    """Pooling of a pool block (window 2, stride 2).

    >>> PoolKind("avg") is PoolKind.AVG
    True
    """

    MAX = "max"
    AVG = "avg"


class Reduce(str, Enum):
    """Feature map -> vector: ``flatten``, ``avg`` (global average pooling) or ``max`` (global max pooling).

    >>> [r.value for r in Reduce]
    ['flatten', 'avg', 'max']
    """

    FLATTEN = "flatten"
    AVG = "avg"
    MAX = "max"


class Objective(str, Enum):
    """What multi-objective search (NSGA-II) minimises: ``error`` (1 - validation accuracy), ``parameters``
    (trainable), ``macs`` (multiply-accumulates per sample), ``latency`` (measured CPU microseconds per sample, one
    thread; the only objective that depends on the machine and its load).

    >>> [o.value for o in Objective]
    ['error', 'parameters', 'macs', 'latency']
    """

    ERROR = "error"
    PARAMETERS = "parameters"
    MACS = "macs"
    LATENCY = "latency"


__all__ = ["PoolKind", "Reduce", "Objective"]
