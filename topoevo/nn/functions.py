"""PyTorch activations and aggregations, under exactly the names of ``topoevo.genome.activations``.

Each activation comes in two forms: a differentiable function (``ACTIVATIONS[name](x)``, used by
:class:`~topoevo.nn.module.GenomeModule`) and an in-place form for the batched population, which folds a constant
input scale into the weights (the steepened sigmoid is ``sigmoid(4.9 x)``: the compiler multiplies bias and
weights by ``Activation.scale`` and then applies ``Activation.inplace``).

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
    """``fn(x)`` is the activation; ``inplace(z)`` overwrites ``z`` with ``fn(z / scale)`` (None: nothing to do)."""

    name: str
    fn: Callable[[Tensor], Tensor]
    scale: float = 1.0
    inplace: Callable[[Tensor], object] | None = None
    differentiable: bool = True

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


def _neat_python_sigmoid_(z: Tensor) -> None:
    torch.sigmoid_(z.clamp_(-60.0, 60.0))


def _neat_python_tanh_(z: Tensor) -> None:
    torch.tanh_(z.clamp_(-60.0, 60.0))


_LIST = [
    Activation("sigmoid", lambda x: torch.sigmoid(4.9 * x), 4.9, torch.sigmoid_),
    Activation("logistic", torch.sigmoid, 1.0, torch.sigmoid_),
    Activation("tanh", torch.tanh, 1.0, torch.tanh_),
    Activation("relu", torch.relu, 1.0, torch.relu_),
    Activation("identity", lambda x: x, 1.0, None),
    Activation("step", _step, 1.0, _step_, differentiable=False),
    Activation("sin", torch.sin, 1.0, torch.sin_),
    Activation("gauss", _gauss, 1.0, _gauss_),
    Activation("abs", torch.abs, 1.0, torch.abs_),
    Activation("clamped", _clamped, 1.0, lambda z: z.clamp_(-1.0, 1.0)),
    # neat-python's sigmoid(5x) and tanh(2.5x), input clamped to [-60, 60] (genomes imported from neat-python)
    Activation("neat_python_sigmoid", lambda x: torch.sigmoid(torch.clamp(5.0 * x, -60.0, 60.0)), 5.0,
               _neat_python_sigmoid_),
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
