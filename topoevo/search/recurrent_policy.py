"""The batched policy of the fixed recurrent network (``[model] kind = "rnn"``): P parameter vectors of one
:class:`~topoevo.search.recurrent.ElmanNet` stepped together, keeping the recurrent state between calls (reset at
the start of every episode)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from torch import nn

from topoevo.search.recurrent import ElmanNet

if TYPE_CHECKING:  # pragma: no cover
    import torch


class BatchedRecurrent:
    """P parameter vectors of one :class:`ElmanNet` as a :class:`~topoevo.tasks.base.BatchedPolicy` with memory:
    each call is one time step for inputs ``(P, B, inputs)``; :meth:`reset` clears the state.

    >>> import torch
    >>> net = ElmanNet(3, 2, 1, nn.Identity())
    >>> pop = BatchedRecurrent(net, torch.zeros(5, 15))
    >>> pop.reset(); pop(np.ones((5, 4, 3))).shape
    torch.Size([5, 4, 1])
    """

    def __init__(self, module: ElmanNet, params: Any):
        import torch

        from topoevo.search.params import ParameterLayout

        self.module = module
        self.params = torch.as_tensor(params, dtype=torch.float32)
        layout = ParameterLayout.from_module(module)
        if self.params.ndim != 2 or self.params.shape[1] != layout.size:
            raise ValueError(f"expected a (P, {layout.size}) parameter matrix, got {tuple(self.params.shape)}")
        t = layout.unflatten(self.params)
        # (P, in, out) copies: one bmm per layer and step
        self.w_in = t["input.weight"].transpose(1, 2).contiguous()
        self.b_in = t["input.bias"].unsqueeze(1)
        self.w_rec = t["recurrent.weight"].transpose(1, 2).contiguous()
        self.w_out = t["output.weight"].transpose(1, 2).contiguous()
        self.b_out = t["output.bias"].unsqueeze(1)
        self.h: torch.Tensor | None = None

    @property
    def size(self) -> int:
        return int(self.params.shape[0])

    def reset(self) -> None:
        self.h = None

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
            self.h = torch.tanh(pre)
            return self.module.output_activation(torch.baddbmm(self.b_out, self.h, self.w_out))


__all__ = ["ElmanNet", "BatchedRecurrent"]
