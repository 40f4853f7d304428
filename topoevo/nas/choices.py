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


class HalvingQueue(str, Enum):
    """Which architectures of a successive-halving search enter regularized evolution's aging queue: ``first_rung``
    (every new architecture, ranked by its first-rung validation accuracy: one fidelity throughout the queue, so
    the search moves as regularized evolution does) or ``finished`` (only those that finished the last rung, ranked
    by their full-training accuracy: few queue members).

    >>> HalvingQueue("first_rung").value
    'first_rung'
    """

    FIRST_RUNG = "first_rung"
    FINISHED = "finished"


class HalvingInitial(str, Enum):
    """How asynchronous successive halving trains the first ``population`` (random) architectures: ``checked``
    (``batch`` at a time, each stopped at an earlier rung unless among the best of those before it, like every
    child) or ``full`` (all at once, trained the last rung's epochs with no stop, as regularized evolution trains
    them, so that the queue starts as regularized evolution's; only children are checked).

    >>> HalvingInitial("full").value
    'full'
    """

    CHECKED = "checked"
    FULL = "full"


class HalvingMode(str, Enum):
    """How successive halving trains and promotes: ``synchronous`` (generations of children: each trains the first
    rung's epochs on a schedule of its own, the best ``halving_keep`` of the generation continue from their weights
    on a new schedule) or ``asynchronous`` (as ASHA, Li et al. 2020: every child is set to train the last rung's
    epochs on one schedule, and stops at an earlier rung unless its validation accuracy there is among the best
    ``halving_keep`` of the queue's members that reached that rung; an architecture that finishes is trained exactly
    as without halving).

    >>> HalvingMode("asynchronous").value
    'asynchronous'
    """

    SYNCHRONOUS = "synchronous"
    ASYNCHRONOUS = "asynchronous"


class Diversity(str, Enum):
    """NSGA-II's second criterion after the non-dominated rank (cutting the last front, breaking tournament ties):
    ``crowding`` (crowding distance, Deb et al. 2002) or ``hypervolume`` (each member's exclusive hypervolume
    contribution against the reference point, as SMS-EMOA, Beume et al. 2007; the last front is cut by removing
    the least contributor, one at a time).

    >>> Diversity("hypervolume").value
    'hypervolume'
    """

    CROWDING = "crowding"
    HYPERVOLUME = "hypervolume"


class ParentChoice(str, Enum):
    """How NSGA-II's tournaments rank two members after the non-dominated rank: ``diversity`` (the survivors' second
    criterion, ``nsga2_diversity``: Deb et al. 2002) or ``hypervolume_gradient`` (the partial derivative of the
    member's front's hypervolume with respect to its error: what a more accurate child at the parent's place would
    add; in error x parameters, the stretch of parameters up to the next more accurate member or the reference),
    or ``gradient_proportional`` (no tournament: a parent is drawn with probability proportional to the derivative
    of the whole population's hypervolume with respect to its error; dominated members have 0).

    >>> ParentChoice("hypervolume_gradient").value
    'hypervolume_gradient'
    """

    DIVERSITY = "diversity"
    HYPERVOLUME_GRADIENT = "hypervolume_gradient"
    GRADIENT_PROPORTIONAL = "gradient_proportional"


__all__ = ["PoolKind", "Reduce", "Objective", "HalvingQueue", "HalvingMode", "Diversity", "ParentChoice"]
