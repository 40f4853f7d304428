"""Batched evaluation of many parameter vectors of one ``nn.Module``: :class:`BatchedModule` is the
:class:`~topoevo.tasks.base.BatchedPolicy` that maps observations ``(P, B, I)`` to outputs ``(P, B, O)`` in one call,
and :func:`compile_parameters` is the weight algorithms' module-level (picklable) ``compile_fn``.

Any module goes through ``torch.func``: ``vmap`` over ``functional_call`` with the stacked parameters. Modules made
only of ``Linear`` layers and elementwise activations (the MLPs of :mod:`topoevo.search.models`) take a faster path
with the same result: one ``baddbmm`` per layer, which avoids vmap's fixed cost per call (it matters when a gym task
calls the policy once per environment step).

Exactness: every path agrees with a plain forward pass of each candidate's ``nn.Module`` to float32 rounding. On the
``baddbmm`` path a candidate's output is moreover bit-identical whatever the population around it, for every
activation (so fitness does not depend on how an evaluator splits the population into chunks): each candidate's
operands sit in their own 64-byte aligned block of a blocked buffer (MKL's batched GEMM rounds differently at
different alignments) and activations run over whole buffers padded so that PyTorch's vectorized loops never hand a
candidate to their scalar tail (see :func:`blocked_zeros`; with up to 2 torch threads). The vmap path runs
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


#: floats per candidate block (64 bytes): in the ``baddbmm`` path every candidate's operands start on a block
#: boundary of a 64-byte aligned buffer ...
ALIGN = 16
#: ... and the buffer's length is a multiple of this many floats, so PyTorch's vectorized loops (steps of up to 64
#: floats, split between threads) cover every candidate with their vector body, never with their scalar tail
TOTAL_ALIGN = 64


def block_size(n: int) -> int:
    """Floats one candidate's ``n`` values take in a blocked buffer (``n`` rounded up to :data:`ALIGN`)."""
    return -(-max(n, 1) // ALIGN) * ALIGN


def blocked_zeros(count: int, n: int) -> torch.Tensor:
    """A dense float32 buffer of ``count`` blocks of :func:`block_size` ``(n)`` floats (and padding up to a multiple
    of :data:`TOTAL_ALIGN`), starting 64-byte aligned. Only the padding is zeroed: the ``n`` values of each block
    are left for the caller to write.

    >>> blocked_zeros(3, 10).shape, blocked_zeros(3, 10).data_ptr() % 64
    (torch.Size([64]), 0)
    """
    import torch

    block = block_size(n)
    used = count * block
    size = -(-used // TOTAL_ALIGN) * TOTAL_ALIGN
    buf = torch.empty(size + 16, dtype=torch.float32)
    offset = (-(buf.data_ptr() // 4)) % 16
    buf = buf[offset:offset + size]
    if block > n:
        buf[:used].view(count, block)[:, n:].zero_()
    buf[used:].zero_()
    return buf


def blocks(buffer: torch.Tensor, count: int, shape: tuple[int, ...]) -> torch.Tensor:
    """The ``(count, *shape)`` view of a blocked buffer: item ``k`` is contiguous and starts at block ``k``."""
    import torch

    inner = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        inner[d] = inner[d + 1] * shape[d + 1]
    return torch.as_strided(buffer, (count, *shape), (block_size(math.prod(shape)), *inner), buffer.storage_offset())


def blocked_copy(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``t`` (shaped ``(count, ...)``) copied into a blocked buffer: ``(buffer, view)``."""
    count, shape = t.shape[0], tuple(t.shape[1:])
    buffer = blocked_zeros(count, math.prod(shape))
    view = blocks(buffer, count, shape)
    view.copy_(t)
    return buffer, view


class Strategy(str, Enum):
    """``auto``: the ``baddbmm`` path where the module allows it, else vmap; ``vmap``: always ``torch.func``;
    ``loop``: one ``functional_call`` per candidate (slow for many candidates with few inputs each, but a
    candidate's result is then bit-identical whatever the population).

    >>> [s.value for s in Strategy]
    ['auto', 'vmap', 'loop']
    """

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
        self._weights_io: dict[tuple[str, bool], torch.Tensor] = {}  # aligned linear weights, made on demand

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

        # Batch invariance (a candidate's output never depends on the candidates compiled with it, so an evaluator
        # may split a population anywhere): MKL's batched GEMM rounds a product differently depending on the
        # 64-byte alignment of its operands, and PyTorch's vectorized activations round a tensor's tail (and a
        # thread's share) differently from its body. So each candidate's weights, inputs and outputs occupy whole
        # blocks of a blocked buffer (see ``blocked_zeros``), and activations run over the whole dense buffer.
        p, rows = x.shape[0], x.shape[1]
        # MKL's batched GEMM is faster on a transposed view for one input row, on a (P, in, out) copy for more rows
        # (the choice depends on the rows per candidate only, never on the number of candidates)
        one_row = rows == 1
        plan = self.plan or []
        if x.stride(0) == 0 and plan and plan[0][0] == "linear":
            # the same inputs for every candidate (an expanded tensor): one aligned copy, shared by all
            h = blocked_copy(x[:1])[1].expand(p, -1, -1)
        else:
            buffer, h = blocked_copy(x)
        width = x.shape[2]
        for step in plan:
            if step[0] == "linear":
                w_io = self._blocked_weights(step[1], one_row)  # (P, in, out), each candidate on its own block
                width = w_io.shape[2]
                buffer = blocked_zeros(p, rows * width)
                out = blocks(buffer, p, (rows, width))
                if step[2] is None:
                    torch.bmm(h, w_io, out=out)
                else:
                    torch.baddbmm(self.tensors[step[2]].unsqueeze(1), h, w_io, out=out)
                h = out
            else:
                buffer = step[1](buffer)
                if buffer.data_ptr() % 64:  # (PyTorch allocates 64-byte aligned; never copies in practice)
                    buffer = blocked_copy(buffer.view(1, -1))[0]
                h = blocks(buffer, p, (rows, width))
        return h.contiguous()

    def _blocked_weights(self, name: str, one_row: bool) -> torch.Tensor:
        key = (name, one_row)
        w_io = self._weights_io.get(key)
        if w_io is None:
            w = self.tensors[name]  # (P, O, I)
            # one row: the transposed view of a blocked (P, O, I) copy; more rows: a blocked (P, I, O) copy
            w_io = blocked_copy(w)[1].transpose(1, 2) if one_row else blocked_copy(w.transpose(1, 2))[1]
            self._weights_io[key] = w_io
        return w_io

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
    if pop.spec.kind in (ModelKind.RNN, ModelKind.FRNN):
        from topoevo.search.recurrent_policy import BatchedFullyRecurrent, BatchedRecurrent

        policy = BatchedRecurrent if pop.spec.kind is ModelKind.RNN else BatchedFullyRecurrent
        return policy(template_model(pop.spec), torch.from_numpy(pop.values))  # type: ignore[return-value,arg-type]
    return BatchedModule(template_model(pop.spec), torch.from_numpy(pop.values), Strategy.AUTO,
                         per_sample=activations_per_sample(pop.spec))


__all__ = ["BatchedModule", "Strategy", "compile_parameters", "linear_plan", "activations_per_sample"]
