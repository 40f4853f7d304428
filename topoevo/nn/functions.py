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

from topoevo.genome.activations import SELU_ALPHA, SELU_LAMBDA


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


def _where_(z: Tensor, value: Tensor) -> None:
    z.copy_(value)


def _elu(x: Tensor) -> Tensor:  # exp(x) - 1, not expm1: neat-python's rounding
    return torch.where(x > 0, x, torch.exp(torch.clamp(x, max=0.0)) - 1.0)


def _selu(x: Tensor) -> Tensor:
    return torch.where(x > 0, SELU_LAMBDA * x, (SELU_LAMBDA * SELU_ALPHA) * (torch.exp(torch.clamp(x, max=0.0)) - 1.0))


def _lelu(x: Tensor) -> Tensor:
    return torch.where(x > 0, x, 0.005 * x)


def _inv(x: Tensor) -> Tensor:  # 1/x, 0 at 0 (the guarded denominator keeps the gradient finite there)
    zero = x == 0
    return torch.where(zero, torch.zeros((), dtype=x.dtype), 1.0 / torch.where(zero, torch.ones((), dtype=x.dtype), x))


def _np_sin(x: Tensor) -> Tensor:
    return torch.sin(torch.clamp(5.0 * x, -60.0, 60.0))


def _np_sin_(z: Tensor) -> None:
    z.mul_(5.0).clamp_(-60.0, 60.0).sin_()


def _np_gauss(x: Tensor) -> Tensor:
    return torch.exp(-5.0 * torch.clamp(x, -3.4, 3.4) ** 2)


def _np_gauss_(z: Tensor) -> None:
    z.clamp_(-3.4, 3.4).square_().mul_(-5.0).exp_()


def _np_softplus(x: Tensor) -> Tensor:  # log(1 + exp(z)), not log1p: neat-python's rounding
    return 0.2 * torch.log(1.0 + torch.exp(torch.clamp(5.0 * x, -60.0, 60.0)))


def _np_softplus_(z: Tensor) -> None:
    z.mul_(5.0).clamp_(-60.0, 60.0).exp_().add_(1.0).log_().mul_(0.2)


def _np_log(x: Tensor) -> Tensor:
    return torch.log(torch.clamp(x, min=1e-7))


def _np_exp(x: Tensor) -> Tensor:
    return torch.exp(torch.clamp(x, -60.0, 60.0))


def _hat(x: Tensor) -> Tensor:
    return torch.clamp(1.0 - torch.abs(x), min=0.0)


def _hat_(z: Tensor) -> None:
    z.abs_().neg_().add_(1.0).clamp_(min=0.0)


def _cube(x: Tensor) -> Tensor:
    return x * x * x


def _cube_(z: Tensor) -> None:
    z.copy_(z * z * z)


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
    # neat-python 2.x's other built-ins (appended: the codes above stay stable)
    Activation("neat_python_sin", _np_sin, 1.0, _np_sin_),
    Activation("neat_python_gauss", _np_gauss, 1.0, _np_gauss_),
    Activation("elu", _elu, 1.0, lambda z: _where_(z, _elu(z))),
    Activation("neat_python_lelu", _lelu, 1.0, lambda z: _where_(z, _lelu(z))),
    Activation("selu", _selu, 1.0, lambda z: _where_(z, _selu(z))),
    Activation("neat_python_softplus", _np_softplus, 1.0, _np_softplus_),
    Activation("neat_python_inv", _inv, 1.0, lambda z: _where_(z, _inv(z))),
    Activation("neat_python_log", _np_log, 1.0, lambda z: z.clamp_(min=1e-7).log_()),
    Activation("neat_python_exp", _np_exp, 1.0, lambda z: z.clamp_(-60.0, 60.0).exp_()),
    Activation("hat", _hat, 1.0, _hat_),
    Activation("square", torch.square, 1.0, torch.square_),
    Activation("cube", _cube, 1.0, _cube_),
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
