"""PyTorch activations and aggregations, under exactly the names of ``topoevo.genome.activations``.

Each activation comes in two forms: a differentiable function (``ACTIVATIONS[name](x)``, used by
:class:`~topoevo.nn.module.GenomeModule`) and an in-place form for the batched population, which folds a constant
input scale into the weights and may store an affine image of the value (the steepened sigmoid ``sigmoid(4.9 x)``
is stored as ``t = tanh(2.45 x)``, its value being ``0.5 + 0.5 t``: the compiler multiplies bias and weights by
``Activation.scale`` = 2.45, applies ``Activation.inplace`` = ``tanh_``, and folds 0.5 t + 0.5 into the weights and
biases of the nodes that read it). The in-place forms give each element the same bits wherever it sits in a tensor.

Each aggregation knows its ``scatter_reduce`` name; every aggregation of an empty input list is 0.

>>> import torch
>>> float(ACTIVATIONS["sigmoid"](torch.tensor(0.0)))
0.5
>>> float(AGGREGATIONS["product"](torch.empty(0)))
0.0
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor


@dataclass(frozen=True)
class Activation:
    """``fn(x)`` is the activation. The batched population stores ``t`` with ``fn(x) = stored_scale * t +
    stored_shift``, where ``t`` is what ``inplace(z)`` leaves in ``z = scale * x`` (None: nothing to do); readers of
    the value fold the affine map into their weights and biases."""

    name: str
    fn: Callable[[Tensor], Tensor]
    scale: float = 1.0
    inplace: Callable[[Tensor], object] | None = None
    differentiable: bool = True
    stored_scale: float = 1.0
    stored_shift: float = 0.0

    def __call__(self, x: Tensor) -> Tensor:
        return self.fn(x)


def _step(x: Tensor) -> Tensor:
    return (x > 0).to(x.dtype)


def _step_(z: Tensor) -> None:
    torch.heaviside(z, torch.zeros((), dtype=z.dtype), out=z)


def _gauss(x: Tensor) -> Tensor:
    return torch.exp(-x * x)


def _gauss_(z: Tensor) -> None:
    z.square_().neg_().exp_()


def _clamped(x: Tensor) -> Tensor:
    return torch.clamp(x, -1.0, 1.0)


def _clamp30_tanh_(z: Tensor) -> None:
    torch.tanh_(z.clamp_(-30.0, 30.0))


def _neat_python_tanh_(z: Tensor) -> None:
    torch.tanh_(z.clamp_(-60.0, 60.0))


_LIST = [
    # sigmoid(x) = 0.5 + 0.5 tanh(x / 2): the population stores tanh (torch's vectorized and scalar-tail sigmoid
    # kernels differ in the last bit, which would make a genome's outputs depend on where its rows sit)
    Activation("sigmoid", lambda x: torch.sigmoid(4.9 * x), 4.9 / 2, torch.tanh_, True, 0.5, 0.5),
    Activation("logistic", torch.sigmoid, 0.5, torch.tanh_, True, 0.5, 0.5),
    Activation("tanh", torch.tanh, 1.0, torch.tanh_),
    Activation("relu", torch.relu, 1.0, torch.relu_),
    Activation("identity", lambda x: x, 1.0, None),
    Activation("step", _step, 1.0, _step_, differentiable=False),
    Activation("sin", torch.sin, 1.0, torch.sin_),
    Activation("gauss", _gauss, 1.0, _gauss_),
    Activation("abs", torch.abs, 1.0, torch.abs_),
    Activation("clamped", _clamped, 1.0, lambda z: z.clamp_(-1.0, 1.0)),
    # neat-python's sigmoid(5x) and tanh(2.5x), input clamped to [-60, 60] (genomes imported from neat-python)
    Activation("neat_python_sigmoid", lambda x: torch.sigmoid(torch.clamp(5.0 * x, -60.0, 60.0)), 5.0 / 2,
               _clamp30_tanh_, True, 0.5, 0.5),
    Activation("neat_python_tanh", lambda x: torch.tanh(torch.clamp(2.5 * x, -60.0, 60.0)), 2.5, _neat_python_tanh_),
]

#: name -> activation (same keys, same order as ``topoevo.genome.activations.ACTIVATIONS``).
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in _LIST}


@dataclass(frozen=True)
class Aggregation:
    """``agg(xs, dim)`` reduces ``xs`` along ``dim`` (empty -> 0); ``reduce`` is its ``scatter_reduce`` name.

    ``linear`` aggregations (sum, mean) are weighted sums, so the compiler folds them into one sparse product.
    """

    name: str
    reduce: str
    linear: bool

    def __call__(self, xs: Tensor, dim: int = -1) -> Tensor:
        if xs.shape[dim] == 0:
            shape = list(xs.shape)
            del shape[dim]
            return xs.new_zeros(shape)
        if self.reduce == "sum":
            return xs.sum(dim)
        if self.reduce == "prod":
            return xs.prod(dim)
        if self.reduce == "amax":
            return xs.amax(dim)
        if self.reduce == "amin":
            return xs.amin(dim)
        return xs.mean(dim)


#: name -> aggregation (same keys as ``topoevo.genome.activations.AGGREGATIONS``).
AGGREGATIONS: dict[str, Aggregation] = {
    "sum": Aggregation("sum", "sum", True),
    "product": Aggregation("product", "prod", False),
    "max": Aggregation("max", "amax", False),
    "min": Aggregation("min", "amin", False),
    "mean": Aggregation("mean", "mean", True),
}

#: stable integer codes (positions in the registries), used by the compilers' index arrays.
ACTIVATION_CODES: dict[str, int] = {name: i for i, name in enumerate(ACTIVATIONS)}
AGGREGATION_CODES: dict[str, int] = {name: i for i, name in enumerate(AGGREGATIONS)}
ACTIVATION_LIST: list[Activation] = list(ACTIVATIONS.values())
AGGREGATION_LIST: list[Aggregation] = list(AGGREGATIONS.values())
