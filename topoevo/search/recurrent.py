"""The fixed recurrent network of weight search (``[model] kind = "rnn"``): one layer of recurrent tanh units (Elman)
and a dense output layer, as one ``nn.Module`` (:class:`ElmanNet`); its batched policy over P parameter vectors is
:class:`topoevo.search.recurrent_policy.BatchedRecurrent`.

Step t: ``h_t = tanh(W_in x_t + b_in + W_rec h_{t-1})``, ``y_t = act(W_out h_t + b_out)``, ``h_0 = 0``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
