"""The one gradient training loop of topoevo (:func:`train_steps`: loss, zeroed gradients, backward pass, optimizer
and scheduler step), shared by the weight search's Adam reference (search/backprop.py), the architecture search's
training (nas/train.py) and the fine-tuning of NEAT genomes (hybrid/finetune.py), and :class:`ElementwiseAdam`, the
Adam whose update of an element does not depend on where it sits in its tensor (the fine-tuning's)."""
from __future__ import annotations

from typing import Callable, Iterable, Protocol, TypeVar

import torch
from torch import Tensor

Batch = TypeVar("Batch")


class Optimizer(Protocol):
    """What :func:`train_steps` needs of an optimizer (``torch.optim`` optimizers and :class:`ElementwiseAdam`)."""

    def zero_grad(self, set_to_none: bool = True) -> None: ...

    def step(self) -> object: ...


def train_steps(optimizer: Optimizer, batches: Iterable[Batch], loss_of: Callable[[Batch], Tensor], *,
                scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                stop: Callable[[Tensor], bool] | None = None) -> int:
    """One optimizer step per batch: ``loss_of(batch)`` (a scalar), gradients zeroed (set to None), backward pass,
    ``optimizer.step()``, then ``scheduler.step()``. After each step ``stop(loss)`` may end the training (the
    batches still to come are never drawn). Returns the number of steps taken.

    >>> w = torch.nn.Parameter(torch.tensor([3.0]))
    >>> opt = torch.optim.Adam([w], lr=0.1)
    >>> train_steps(opt, range(100), lambda _: (w ** 2).sum(), stop=lambda loss: loss.item() < 1e-2)
    38
    """
    steps = 0
    for batch in batches:
        loss = loss_of(batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        steps += 1
        if stop is not None and stop(loss):
            break
    return steps


class ElementwiseAdam:
    """Adam (Kingma & Ba 2015) written out with one elementary operation per tensor op (no fused ``addcmul``/
    ``lerp`` kernels), so that an element is rounded the same way wherever it sits in its tensor: when one flat
    tensor holds many genomes' weights, a genome's trained weights do not depend on the others. A plain class, not a
    ``torch.optim.Optimizer``: that base's first construction imports torch's compiler stack (seconds per process).

    >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    >>> opt = ElementwiseAdam([w], lr=0.5)
    >>> train_steps(opt, range(3), lambda _: (w ** 2).sum())
    3
    >>> [round(v, 4) for v in w.tolist()]
    [-0.3359, -0.537]
    """

    def __init__(self, params: Iterable[Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        self.params = list(params)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.t = 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        (b1, b2), lr, eps = self.betas, self.lr, self.eps
        self.t += 1
        c1, c2 = 1.0 - b1 ** self.t, 1.0 - b2 ** self.t
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            if g is None:
                continue
            m.mul_(b1).add_(g * (1.0 - b1))
            v.mul_(b2).add_(g * g * (1.0 - b2))
            p.sub_(m / c1 * lr / (torch.sqrt(v / c2) + eps))
