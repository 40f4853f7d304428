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


def _clamp(x: float, lo: float, hi: float) -> float:
    """``x`` clamped to [lo, hi] (nan stays nan, as ``torch.clamp``)."""
    return lo if x < lo else (hi if x > hi else x)


def _neat_python_sin(x: float) -> float:
    """neat-python's ``sin``: sin(z) with z = 5x clamped to [-60, 60]."""
    return math.sin(_clamp(5.0 * x, -60.0, 60.0))


def _neat_python_gauss(x: float) -> float:
    """neat-python's ``gauss``: exp(-5 z^2) with z = x clamped to [-3.4, 3.4]."""
    z = _clamp(x, -3.4, 3.4)
    return math.exp(-5.0 * z ** 2)


def _elu(x: float) -> float:
    """ELU (alpha 1) as neat-python computes it: x if x > 0 else exp(x) - 1."""
    return x if x > 0.0 else math.exp(x) - 1.0


#: SELU's constants as neat-python writes them (Klambauer et al. 2017)
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def _selu(x: float) -> float:
    """SELU as neat-python computes it: lambda x if x > 0 else lambda alpha (exp(x) - 1)."""
    return SELU_LAMBDA * x if x > 0.0 else SELU_LAMBDA * SELU_ALPHA * (math.exp(x) - 1.0)


def _neat_python_softplus(x: float) -> float:
    """neat-python's ``softplus``: 0.2 log(1 + exp(z)) with z = 5x clamped to [-60, 60]."""
    return 0.2 * math.log(1.0 + math.exp(_clamp(5.0 * x, -60.0, 60.0)))


def _neat_python_inv(x: float) -> float:
    """neat-python's ``inv``: 1/x, and 0 at x = 0."""
    return 0.0 if x == 0.0 else 1.0 / x


def _neat_python_log(x: float) -> float:
    """neat-python's ``log``: log(max(x, 1e-7))."""
    return math.log(_clamp(x, 1e-7, math.inf))


def _hat(x: float) -> float:
    """max(0, 1 - |x|) (nan stays nan)."""
    y = 1.0 - abs(x)
    return 0.0 if y < 0.0 else y


def _power(x: float, k: int) -> float:
    """x ** k; inf where Python's float power raises OverflowError."""
    try:
        return x ** k
    except OverflowError:
        return math.inf if k % 2 == 0 or x > 0 else -math.inf


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
    # neat-python 2.x's other built-ins, appended so that the codes above stay stable (formulas and clamps as
    # neat-python's activations.py; equal to them on every input but nan, and total where neat-python raises)
    "neat_python_sin": _neat_python_sin,  # sin(5x), 5x clamped to [-60, 60]
    "neat_python_gauss": _neat_python_gauss,  # exp(-5 x^2), x clamped to [-3.4, 3.4]
    "elu": _elu,
    "neat_python_lelu": lambda x: x if x > 0.0 else 0.005 * x,  # leaky relu, slope 0.005
    "selu": _selu,
    "neat_python_softplus": _neat_python_softplus,  # 0.2 log(1 + e^5x), 5x clamped to [-60, 60]
    "neat_python_inv": _neat_python_inv,  # 1/x, 0 at 0
    "neat_python_log": _neat_python_log,  # log(max(x, 1e-7))
    "neat_python_exp": lambda x: math.exp(_clamp(x, -60.0, 60.0)),  # exp(x), x clamped to [-60, 60]
    "hat": _hat,
    "square": lambda x: _power(x, 2),
    "cube": lambda x: _power(x, 3),
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
