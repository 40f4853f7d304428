"""The fixed recurrent network of weight search (``[model] kind = "rnn"``): one layer of recurrent tanh units (Elman)
and a dense output layer, as one ``nn.Module`` (:class:`ElmanNet`) and as a batched policy over P parameter vectors
that keeps the recurrent state between calls (:class:`BatchedRecurrent`, reset at the start of every episode).

Step t: ``h_t = tanh(W_in x_t + b_in + W_rec h_{t-1})``, ``y_t = act(W_out h_t + b_out)``, ``h_0 = 0``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import torch

from torch import nn


class ElmanNet(nn.Module):
    """One recurrent tanh layer + an output layer. ``forward(x, h)`` takes one step: ``x`` (batch, inputs), ``h``
    (batch, hidden) or None (zeros); returns (outputs, new h).

    >>> import torch
    >>> net = ElmanNet(3, 2, 1, nn.Sigmoid())
    >>> [name for name, _ in net.named_parameters()]
    ['input.weight', 'input.bias', 'recurrent.weight', 'output.weight', 'output.bias']
    >>> y, h = net(torch.zeros(4, 3)); y.shape, h.shape
    (torch.Size([4, 1]), torch.Size([4, 2]))
    """

    def __init__(self, num_inputs: int, hidden: int, num_outputs: int, output_activation: nn.Module):
        super().__init__()
        self.input = nn.Linear(num_inputs, hidden)
        self.recurrent = nn.Linear(hidden, hidden, bias=False)
        self.output = nn.Linear(hidden, num_outputs)
        self.output_activation = output_activation

    def forward(self, x: torch.Tensor, h: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        pre = self.input(x)
        if h is not None:
            pre = pre + self.recurrent(h)
        h = torch.tanh(pre)
        return self.output_activation(self.output(h)), h


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
