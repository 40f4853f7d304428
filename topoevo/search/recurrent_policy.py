"""The batched policies of the fixed recurrent networks (``[model] kind = "rnn"`` / ``"frnn"``): P parameter vectors
of one :class:`~topoevo.search.recurrent.ElmanNet` or :class:`~topoevo.search.recurrent.FullyRecurrentNet` stepped
together, keeping the recurrent state between calls (reset at the start of every episode)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from torch import nn

from topoevo.search.recurrent import ElmanNet, FullyRecurrentNet

if TYPE_CHECKING:  # pragma: no cover
    import torch


class _BatchedRecurrentLayer:
    """What both batched policies share: the recurrent layer's weights as (P, in, out) copies (one bmm per step),
    the state, the input checks. Subclasses turn the layer's net inputs into the new state and the outputs."""

    def __init__(self, module: nn.Module, params: Any):
        import torch

        from topoevo.search.params import ParameterLayout

        self.module = module
        self.params = torch.as_tensor(params, dtype=torch.float32)
        layout = ParameterLayout.from_module(module)
        if self.params.ndim != 2 or self.params.shape[1] != layout.size:
            raise ValueError(f"expected a (P, {layout.size}) parameter matrix, got {tuple(self.params.shape)}")
        self.tensors = layout.unflatten(self.params)
        self.w_in = self.tensors["input.weight"].transpose(1, 2).contiguous()
        self.b_in = self.tensors["input.bias"].unsqueeze(1)
        self.w_rec = self.tensors["recurrent.weight"].transpose(1, 2).contiguous()
        self.h: torch.Tensor | None = None

    @property
    def size(self) -> int:
        return int(self.params.shape[0])

    def reset(self) -> None:
        self.h = None

    def _step(self, pre: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        """Set ``self.h`` from the layer's net inputs ``pre`` (P, B, units); return the outputs."""
        raise NotImplementedError

    def __call__(self, obs: Any) -> torch.Tensor:
        import torch

        x = obs if isinstance(obs, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(obs))
        x = x.to(torch.float32)
        if x.ndim != 3 or x.shape[0] != self.size:
            raise ValueError(f"expected inputs shaped (P={self.size}, batch, inputs), got {tuple(x.shape)}")
        with torch.no_grad():
            pre = torch.baddbmm(self.b_in, x, self.w_in)
            if self.h is not None and self.h.shape[1] == x.shape[1]:
                pre = pre + torch.bmm(self.h, self.w_rec)
            return self._step(pre)


class BatchedRecurrent(_BatchedRecurrentLayer):
    """P parameter vectors of one :class:`ElmanNet` as a :class:`~topoevo.tasks.base.BatchedPolicy` with memory:
    each call is one time step for inputs ``(P, B, inputs)``; :meth:`reset` clears the state.

    >>> import torch
    >>> net = ElmanNet(3, 2, 1, nn.Identity())
    >>> pop = BatchedRecurrent(net, torch.zeros(5, 15))
    >>> pop.reset(); pop(np.ones((5, 4, 3))).shape
    torch.Size([5, 4, 1])
    """

    def __init__(self, module: ElmanNet, params: Any):
        super().__init__(module, params)
        self.w_out = self.tensors["output.weight"].transpose(1, 2).contiguous()
        self.b_out = self.tensors["output.bias"].unsqueeze(1)

    def _step(self, pre: torch.Tensor) -> torch.Tensor:
        import torch

        self.h = torch.tanh(pre)
        return self.module.output_activation(torch.baddbmm(self.b_out, self.h, self.w_out))


class BatchedFullyRecurrent(_BatchedRecurrentLayer):
    """P parameter vectors of one :class:`FullyRecurrentNet` as a :class:`~topoevo.tasks.base.BatchedPolicy` with
    memory: each call is one time step for inputs ``(P, B, inputs)``; :meth:`reset` clears the state.

    >>> import torch
    >>> net = FullyRecurrentNet(3, 2, 1, nn.Tanh(), nn.Sigmoid())
    >>> pop = BatchedFullyRecurrent(net, torch.zeros(5, 21))
    >>> pop.reset(); pop(np.ones((5, 4, 3)))[0, 0]
    tensor([0.5000])
    """

    def __init__(self, module: FullyRecurrentNet, params: Any):
        super().__init__(module, params)
        self.hidden = module.hidden

    def _step(self, pre: torch.Tensor) -> torch.Tensor:
        self.h = self.module.units(pre)
        return self.h[..., self.hidden:]


__all__ = ["ElmanNet", "FullyRecurrentNet", "BatchedRecurrent", "BatchedFullyRecurrent"]
