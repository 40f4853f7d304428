"""Batched evaluation of many parameter vectors of one ``nn.Module``: :class:`BatchedModule` is the
:class:`~topoevo.tasks.base.BatchedPolicy` that maps observations ``(P, B, I)`` to outputs ``(P, B, O)`` in one call,
and :func:`compile_parameters` is the weight algorithms' module-level (picklable) ``compile_fn``.

Any module goes through ``torch.func``: ``vmap`` over ``functional_call`` with the stacked parameters. Modules made
only of ``Linear`` layers and elementwise activations (the MLPs of :mod:`topoevo.search.models`) take a faster path
with the same result: one ``baddbmm`` per layer, which avoids vmap's fixed cost per call (it matters when a gym task
calls the policy once per environment step).

Exactness: every path agrees with a plain forward pass of each candidate's ``nn.Module`` to float32 rounding. On the
``baddbmm`` path a candidate's output is moreover bit-identical whatever the population around it (so fitness does
not depend on how an evaluator splits the population) for tanh, relu, gelu and identity activations; sigmoid and
elu go through PyTorch kernels that round a tensor's tail differently from its body. The vmap path runs
convolutions as one grouped convolution whose rounding may depend on the number of candidates; ``Strategy.LOOP``
is bit-identical per candidate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from topoevo.config.weights import conv_size
from topoevo.search.models import ModelKind, ModelSpec, template_model
from topoevo.search.params import ParameterLayout, ParameterPopulation

if TYPE_CHECKING:  # pragma: no cover
    import torch
    from torch import nn

#: vmap processes at most about this many activations (floats) of one layer at once: bounds memory for CNNs.
ACTIVATION_BUDGET = 1 << 24


class Strategy(str, Enum):
    """``auto``: the ``baddbmm`` path where the module allows it, else vmap; ``vmap``: always ``torch.func``;
    ``loop``: one ``functional_call`` per candidate (slow for many candidates with few inputs each, but a
    candidate's result is then bit-identical whatever the population)."""

    AUTO = "auto"
    VMAP = "vmap"
    LOOP = "loop"


def _elementwise_types() -> tuple[type, ...]:
    from torch import nn

    return (nn.Identity, nn.Tanh, nn.ReLU, nn.Sigmoid, nn.ELU, nn.GELU, nn.LeakyReLU, nn.SiLU, nn.Softsign,
            nn.Softplus, nn.Hardtanh, nn.ReLU6, nn.Mish)


def linear_plan(module: nn.Module) -> list[tuple[str, Any]] | None:
    """For a Sequential of Linear layers and elementwise activations: the steps of the ``baddbmm`` path (("linear",
    weight name, bias name or None) or ("apply", activation module)); None for any other module."""
    from torch import nn

    if not isinstance(module, nn.Sequential) or any(True for _ in module.buffers()):
        return None
    plan: list[tuple[str, Any]] = []
    elementwise = _elementwise_types()
    for name, child in module.named_children():
        if type(child) is nn.Linear:
            plan.append(("linear", f"{name}.weight", f"{name}.bias" if child.bias is not None else None))
        elif type(child) in elementwise:
            plan.append(("apply", child))
        else:
            return None
    return plan


def activations_per_sample(spec: ModelSpec) -> int:
    """The largest layer output of one input (floats): what one candidate's forward pass holds per sample."""
    widths = [spec.num_inputs, spec.num_outputs, *spec.hidden]
    if spec.kind is ModelKind.CNN:
        _, h, w = spec.image_shape
        for c in spec.conv_channels:
            h, w = conv_size(h, spec.kernel_size, spec.stride), conv_size(w, spec.kernel_size, spec.stride)
            widths.append(c * h * w)
            h, w = h // spec.pool, w // spec.pool
    return max(widths)


@dataclass
class BatchedModule:
    """P parameter vectors of one module, evaluated together (a :class:`~topoevo.tasks.base.BatchedPolicy`).

    ``params`` is a ``(P, D)`` float32 tensor in ``ParameterLayout.from_module(module)`` order. Calls run without
    autograd. Inputs may be numpy arrays or tensors shaped ``(P, B, *input_shape)``.

    >>> import torch
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    >>> pop = BatchedModule(net, torch.randn(10, 32))
    >>> pop(torch.randn(10, 7, 3)).shape
    torch.Size([10, 7, 2])
    """

    module: nn.Module
    params: torch.Tensor
    strategy: Strategy = Strategy.AUTO
    per_sample: int | None = None  # activations per input (enables vmap chunking); None = no chunking

    def __post_init__(self) -> None:
        import torch

        self.layout = ParameterLayout.from_module(self.module)
        self.params = torch.as_tensor(self.params, dtype=torch.float32)
        if self.params.ndim != 2 or self.params.shape[1] != self.layout.size:
            raise ValueError(f"expected a (P, {self.layout.size}) parameter matrix, got {tuple(self.params.shape)}")
        self.tensors = self.layout.unflatten(self.params)  # views: (P, *shape) per name
        self.plan = linear_plan(self.module) if self.strategy is Strategy.AUTO else None
        self._vmapped: Any = None
        self._weights_io: dict[str, torch.Tensor] = {}  # linear weights as contiguous (P, in, out), made on demand

    @property
    def size(self) -> int:
        return int(self.params.shape[0])

    def reset(self) -> None:
        """Feed-forward: nothing to reset."""

    def __call__(self, obs: Any) -> torch.Tensor:
        import torch

        x = obs if isinstance(obs, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(obs))
        if x.dtype != torch.float32:
            x = x.to(torch.float32)
        if x.ndim < 2 or x.shape[0] != self.size:
            raise ValueError(f"expected inputs shaped (P={self.size}, batch, ...), got {tuple(x.shape)}")
        with torch.no_grad():
            if self.plan is not None and x.ndim == 3:
                return self._linear_forward(x)
            if self.strategy is Strategy.LOOP:
                return self._loop_forward(x)
            return self._vmap_forward(x)

    def _linear_forward(self, x: torch.Tensor) -> torch.Tensor:
        import torch

        h = x
        # MKL's batched GEMM is faster on a transposed view for one input row, on a contiguous (P, in, out) copy for
        # more rows (the choice depends on the rows per candidate only, never on the number of candidates)
        one_row = x.shape[1] == 1
        for step in self.plan or ():
            if step[0] == "linear":
                w = self.tensors[step[1]]  # (P, O, I)
                if one_row:
                    w_io = w.transpose(1, 2)
                else:
                    w_io = self._weights_io.get(step[1])
                    if w_io is None:
                        w_io = self._weights_io[step[1]] = w.transpose(1, 2).contiguous()
                if step[2] is None:
                    h = torch.bmm(h, w_io)
                else:
                    h = torch.baddbmm(self.tensors[step[2]].unsqueeze(1), h, w_io)
            else:
                h = step[1](h)
        return h

    def _loop_forward(self, x: torch.Tensor) -> torch.Tensor:
        import torch
        from torch.func import functional_call

        return torch.stack([functional_call(self.module, {k: v[i] for k, v in self.tensors.items()}, (x[i],))
                            for i in range(self.size)])

    def _vmap_forward(self, x: torch.Tensor) -> torch.Tensor:
        from torch.func import functional_call, vmap

        if self._vmapped is None:
            module = self.module

            def one(params: dict[str, torch.Tensor], inputs: torch.Tensor) -> torch.Tensor:
                return functional_call(module, params, (inputs,))

            self._vmapped = one
        chunk = None
        if self.per_sample is not None:
            batch = math.prod(x.shape[1:-1]) if x.ndim > 2 else 1
            chunk = max(1, ACTIVATION_BUDGET // max(1, batch * self.per_sample))
            if chunk >= self.size:
                chunk = None
        if x.stride(0) == 0:  # the same inputs for every candidate (an expanded tensor): pass them once
            return vmap(self._vmapped, in_dims=(0, None), chunk_size=chunk)(self.tensors, x[0])
        return vmap(self._vmapped, in_dims=(0, 0), chunk_size=chunk)(self.tensors, x)


def compile_parameters(candidates: Sequence[Any]) -> BatchedModule:
    """The weight algorithms' ``compile_fn``: a :class:`~topoevo.search.params.ParameterPopulation` (or a list of
    :class:`~topoevo.search.params.ParameterVector` of one model) -> one :class:`BatchedModule`.

    >>> import numpy as np
    >>> from topoevo.search.params import ParameterPopulation
    >>> spec = ModelSpec(ModelKind.MLP, 4, 2, hidden=(16, 16))
    >>> policy = compile_parameters(ParameterPopulation(spec, np.zeros((3, 386), dtype=np.float32)))
    >>> policy(np.ones((3, 5, 4), dtype=np.float32)).shape
    torch.Size([3, 5, 2])
    """
    import torch

    pop = ParameterPopulation.stack(candidates)
    return BatchedModule(template_model(pop.spec), torch.from_numpy(pop.values), Strategy.AUTO,
                         per_sample=activations_per_sample(pop.spec))


__all__ = ["BatchedModule", "Strategy", "compile_parameters", "linear_plan", "activations_per_sample"]
