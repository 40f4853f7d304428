"""The fixed recurrent networks of weight search, each one ``nn.Module``; their batched policies over P parameter
vectors are in :mod:`topoevo.search.recurrent_policy`.

- ``[model] kind = "rnn"`` (:class:`ElmanNet`): one layer of recurrent tanh units (Elman) and a dense output layer.
  Step t: ``h_t = tanh(W_in x_t + b_in + W_rec h_{t-1})``, ``y_t = act(W_out h_t + b_out)``, ``h_0 = 0``.
- ``[model] kind = "frnn"`` (:class:`FullyRecurrentNet`): a fully recurrent network, the output units among the
  recurrent ones (the networks of Igel's group for the double pole without velocities: Shark's ``OnlineRNNet`` in
  its ``NonMarkovPole`` / ``GruauPole`` benchmarks). Units u = hidden units then output units; step t:
  ``u_t = f(W_in x_t + b + W_rec u_{t-1})`` with f the hidden activation on the hidden units and the output
  activation on the output units; ``y_t`` = the output units of ``u_t``; ``u_0 = 0``.
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


class FullyRecurrentNet(nn.Module):
    """Hidden and output units in one fully recurrent layer: every unit sees the inputs, a bias and every unit's
    previous value. ``forward(x, u)`` takes one step: ``x`` (batch, inputs), ``u`` (batch, hidden + outputs) or None
    (zeros); returns (outputs, new u).

    >>> import torch
    >>> net = FullyRecurrentNet(3, 2, 1, nn.Tanh(), nn.Sigmoid())
    >>> [(name, tuple(p.shape)) for name, p in net.named_parameters()]
    [('input.weight', (3, 3)), ('input.bias', (3,)), ('recurrent.weight', (3, 3))]
    >>> y, u = net(torch.zeros(4, 3)); y.shape, u.shape
    (torch.Size([4, 1]), torch.Size([4, 3]))
    """

    def __init__(self, num_inputs: int, hidden: int, num_outputs: int, activation: nn.Module,
                 output_activation: nn.Module):
        super().__init__()
        units = hidden + num_outputs
        self.hidden = hidden
        self.input = nn.Linear(num_inputs, units)
        self.recurrent = nn.Linear(units, units, bias=False)
        self.activation = activation
        self.output_activation = output_activation

    def units(self, pre: torch.Tensor) -> torch.Tensor:
        """The units' new values from their net inputs ``pre`` (..., hidden + outputs)."""
        import torch

        return torch.cat([self.activation(pre[..., :self.hidden]), self.output_activation(pre[..., self.hidden:])],
                         dim=-1)

    def forward(self, x: torch.Tensor, u: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        pre = self.input(x)
        if u is not None:
            pre = pre + self.recurrent(u)
        u = self.units(pre)
        return u[..., self.hidden:], u
