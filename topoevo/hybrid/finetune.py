"""Adam on a whole population of NEAT genomes at once (:func:`finetune`): one forward and one backward pass per step
for all genomes; the loss is the sum of the genomes' mean cross-entropies, so each genome's gradient is exactly the
gradient of its own loss, and Adam (element-wise) trains each genome as if it were alone.

Adam is :class:`~topoevo.adam.ElementwiseAdam`: an element is rounded the same way wherever it sits in the flat
parameter tensors, so a genome's trained weights do not depend on which other genomes were trained with it.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch
from torch import Tensor

from topoevo.adam import ElementwiseAdam, train_steps
from topoevo.genome.genome import Genome
from topoevo.hybrid.population import TrainablePopulation


@dataclass(frozen=True)
class AdamSettings:
    """How each genome is fine-tuned: ``steps`` Adam steps (Kingma & Ba 2015) of ``learning_rate`` on minibatches of
    ``batch_size`` samples drawn without replacement from the genome's seed (0 = the whole training set each step).

    >>> AdamSettings(steps=10).learning_rate
    0.05
    """

    steps: int = 20
    learning_rate: float = 0.05
    batch_size: int = 0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8


@dataclass
class FinetuneResult:
    """The trained population and the loss of each step: ``losses[t, i]`` is genome i's mean cross-entropy on its
    batch of step t, before that step's update (so ``losses[0]`` is the untrained genome's).

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> gs = [initial_genome(GenomeConfig(num_inputs=2, num_outputs=2), InnovationTracker(), random.Random(s))
    ...       for s in range(3)]
    >>> r = finetune(gs, torch.eye(2), torch.tensor([0, 1]), seeds=[0, 1, 2], settings=AdamSettings(steps=2))
    >>> r.losses.shape, len(r.population.trained_weights())
    ((2, 3), 3)
    """

    population: TrainablePopulation
    losses: np.ndarray  # (steps, P) float64


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread inside the block (the caller's setting is restored): reductions are then split the
    same way whatever the tensor sizes, so a genome's numbers do not depend on its batch companions."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean cross-entropy of the softmax of ``logits`` (P, B, C) against ``targets`` (P, B), per network: (P,)."""
    log_p = torch.log_softmax(logits, dim=-1)
    return -log_p.gather(-1, targets.unsqueeze(-1)).squeeze(-1).mean(dim=1)


def finetune(genomes: Sequence[Genome], inputs: Tensor, targets: Tensor, seeds: Sequence[int] | np.ndarray,
             settings: AdamSettings = AdamSettings()) -> FinetuneResult:
    """Train every genome's weights and biases by Adam on (``inputs`` (N, I), ``targets`` (N,)) to minimise the
    cross-entropy of the softmax of its outputs; ``seeds[i]`` draws genome i's minibatches.

    >>> import random, torch
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=2, activation="tanh"), InnovationTracker(),
    ...                    random.Random(0))
    >>> x = torch.tensor([[0.0, 1.0], [1.0, 0.0]]); y = torch.tensor([0, 1])
    >>> r = finetune([g], x, y, seeds=[0], settings=AdamSettings(steps=30))
    >>> bool(r.losses[-1, 0] < r.losses[0, 0])
    True
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    P, n = len(genomes), len(targets)
    if seeds.shape != (P,):
        raise ValueError(f"expected one seed per genome ({P}), got shape {seeds.shape}")
    with one_thread():
        pop = TrainablePopulation(genomes)
        x_all = inputs.to(pop.weight.dtype).expand(P, -1, -1)
        y_all = targets.expand(P, -1)
        losses = torch.zeros(settings.steps, P, dtype=torch.float64)
        b = settings.batch_size
        minibatch = 0 < b < n
        rngs = [np.random.default_rng(int(s)) for s in seeds] if minibatch else []

        def batches() -> Iterator[tuple[int, Tensor, Tensor]]:  # (step, inputs, targets), each genome its own
            for t in range(settings.steps):
                if minibatch:
                    index = torch.from_numpy(np.stack([r.choice(n, b, replace=False) for r in rngs]))
                    yield t, inputs.to(pop.weight.dtype)[index], targets[index]
                else:
                    yield t, x_all, y_all

        def loss_of(batch: tuple[int, Tensor, Tensor]) -> Tensor:  # the sum: each genome's gradient is its own
            t, x, y = batch
            loss = cross_entropy(pop(x), y)
            losses[t] = loss.detach()
            return loss.sum()

        opt = ElementwiseAdam([pop.weight, pop.bias], settings.learning_rate, (settings.beta1, settings.beta2),
                              settings.eps)
        train_steps(opt, batches(), loss_of)
        opt.zero_grad(set_to_none=True)
    return FinetuneResult(pop, losses.numpy())
