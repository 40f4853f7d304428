"""Scalar activation and aggregation functions: the ground truth every compiled net must match.

Names here are the only valid values of ``activation`` / ``aggregation`` in configs and genome files.
The PyTorch versions live in ``topoevo.nn.functions`` under the same names.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence


def _sigmoid(x: float) -> float:
    """NEAT's steepened sigmoid 1 / (1 + exp(-4.9 x))."""
    z = -4.9 * x
    if z > 700.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(z))


def _logistic(x: float) -> float:
    if -x > 700.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def _gauss(x: float) -> float:
    return math.exp(-x * x)


def _sin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else math.nan  # as torch.sin: no exception for +-inf


def _neat_python_sigmoid(x: float) -> float:
    """neat-python's ``sigmoid``: 1 / (1 + exp(-z)) with z = 5x clamped to [-60, 60] (for genome interop)."""
    z = 5.0 * x
    z = -60.0 if z < -60.0 else (60.0 if z > 60.0 else z)
    return 1.0 / (1.0 + math.exp(-z))


def _neat_python_tanh(x: float) -> float:
    """neat-python's ``tanh``: tanh(z) with z = 2.5x clamped to [-60, 60] (for genome interop)."""
    z = 2.5 * x
    z = -60.0 if z < -60.0 else (60.0 if z > 60.0 else z)
    return math.tanh(z)


ACTIVATIONS: dict[str, Callable[[float], float]] = {
    "sigmoid": _sigmoid,  # steepened, as in the NEAT paper
    "logistic": _logistic,  # the standard 1/(1+e^-x)
    "tanh": math.tanh,
    "relu": lambda x: x if x > 0.0 else 0.0,
    "identity": lambda x: x,
    "step": lambda x: 1.0 if x > 0.0 else 0.0,
    "sin": _sin,
    "gauss": _gauss,
    "abs": abs,
    "clamped": lambda x: -1.0 if x < -1.0 else (1.0 if x > 1.0 else x),
    "neat_python_sigmoid": _neat_python_sigmoid,  # neat-python's sigmoid(5x), clamped: genomes imported from it
    "neat_python_tanh": _neat_python_tanh,  # neat-python's tanh(2.5x), clamped
}

#: activations whose derivative is zero almost everywhere or undefined: no gradient flows through them.
NON_DIFFERENTIABLE = frozenset({"step"})


def _fsum(xs: Sequence[float]) -> float:
    """Exactly rounded sum; where fsum gives up (overflow, inf - inf) the plain float sum (inf or nan, as torch)."""
    try:
        return math.fsum(xs)
    except (OverflowError, ValueError):
        return sum(xs)


def _product(xs: Sequence[float]) -> float:
    p = 1.0
    for x in xs:
        p *= x
    return p


# Every aggregation of an empty input list is 0.0 (a node with no enabled inputs outputs act(bias)).
# All functions here are total: any float (inf and nan included) in, a float out, never an exception.
AGGREGATIONS: dict[str, Callable[[Sequence[float]], float]] = {
    "sum": lambda xs: _fsum(xs) if xs else 0.0,
    "product": lambda xs: _product(xs) if xs else 0.0,
    "max": lambda xs: max(xs) if xs else 0.0,
    "min": lambda xs: min(xs) if xs else 0.0,
    "mean": lambda xs: _fsum(xs) / len(xs) if xs else 0.0,
}
