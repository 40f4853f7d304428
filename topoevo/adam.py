"""The one gradient training loop of topoevo (:func:`train_steps`: loss, zeroed gradients, backward pass, optimizer
and scheduler step), shared by the weight search's Adam reference (search/backprop.py), the architecture search's
training (nas/train.py) and the fine-tuning of NEAT genomes (hybrid/finetune.py), and :class:`ElementwiseAdam`, the
Adam whose update of an element does not depend on where it sits in its tensor (the fine-tuning's)."""
from __future__ import annotations

from typing import Callable, Iterable, TypeVar

import torch
from torch import Tensor

Batch = TypeVar("Batch")


def train_steps(optimizer: torch.optim.Optimizer, batches: Iterable[Batch], loss_of: Callable[[Batch], Tensor], *,
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


class ElementwiseAdam(torch.optim.Optimizer):
    """Adam (Kingma & Ba 2015) written out with one elementary operation per tensor op (no fused ``addcmul``/
    ``lerp`` kernels), so that an element is rounded the same way wherever it sits in its tensor: when one flat
    tensor holds many genomes' weights, a genome's trained weights do not depend on the others.

    >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    >>> opt = ElementwiseAdam([w], lr=0.5)
    >>> train_steps(opt, range(3), lambda _: (w ** 2).sum())
    3
    >>> [round(v, 4) for v in w.tolist()]
    [-0.3359, -0.537]
    """

    def __init__(self, params: Iterable[Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure: None = None) -> None:  # type: ignore[override]
        for group in self.param_groups:
            (b1, b2), lr, eps = group["betas"], group["lr"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["t"], state["m"], state["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                state["t"] += 1
                t, m, v, g = state["t"], state["m"], state["v"], p.grad
                c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t
                m.mul_(b1).add_(g * (1.0 - b1))
                v.mul_(b2).add_(g * g * (1.0 - b2))
                p.sub_(m / c1 * lr / (torch.sqrt(v / c2) + eps))


__all__ = ["train_steps", "ElementwiseAdam"]
