"""Training one architecture (torch imported on use): Adam on the training split for a number of epochs; fitness =
validation accuracy; the test accuracy is measured too (reported, never used for selection)."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterator, Mapping, Sequence

from typing import TYPE_CHECKING

import numpy as np

from topoevo.nas.arch import Architecture
from topoevo.nas.datasets import Splits

if TYPE_CHECKING:
    import torch


class Schedule(str, Enum):
    """Learning rate over training: ``constant``, ``cosine`` (decay to 0) or ``one_cycle`` (warm up to the
    learning rate for 30% of the steps, then anneal; fast for short budgets).

    >>> Schedule("one_cycle") is Schedule.ONE_CYCLE
    True
    """

    CONSTANT = "constant"
    COSINE = "cosine"
    ONE_CYCLE = "one_cycle"


@dataclass(frozen=True)
class TrainSettings:
    """How each architecture is trained (the ``nas`` task's ``[task]`` keys).

    >>> TrainSettings(epochs=2).schedule.value
    'one_cycle'
    """

    epochs: int = 4
    learning_rate: float = 0.01
    batch_size: int = 64
    weight_decay: float = 0.0
    schedule: Schedule = Schedule.ONE_CYCLE


@dataclass
class TrainResult:
    """What training one architecture gives (:func:`train_architecture`): accuracies, loss, time, inherited tensors
    and, when asked for, the trained weights.

    >>> TrainResult(0.9, 0.88, 0.3, 1.5).state is None
    True
    """

    val_accuracy: float
    test_accuracy: float
    train_loss: float  # mean minibatch loss of the last epoch
    seconds: float
    inherited: list[str] = field(default_factory=list)  # state_dict keys copied from the parent
    state: dict[str, np.ndarray] | None = None  # trained weights (when asked for)
    latency_us: float = float("nan")  # measured CPU microseconds per sample (forward, eval mode)
    curve: list[float] = field(default_factory=list)  # validation accuracy at each check epoch reached, then final
    stopped: bool = False  # stopped early at a check epoch (val_accuracy = curve[-1]; nothing else measured)


def measure_latency(module: torch.nn.Module, x: torch.Tensor, repeats: int = 3) -> float:
    """CPU time of this thread per sample of a forward pass over ``x`` (eval mode, no gradients), in microseconds:
    the least of ``repeats`` passes (the least disturbed by other work on the machine).

    >>> import torch
    >>> measure_latency(torch.nn.Linear(4, 2), torch.zeros(64, 4)) >= 0
    True
    """
    import torch

    module.eval()
    best = float("inf")
    with torch.no_grad():
        module(x[:2])  # warm-up
        for _ in range(repeats):
            t0 = time.thread_time()
            module(x)
            best = min(best, time.thread_time() - t0)
    return 1e6 * best / max(len(x), 1)


def accuracy(module: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 1024) -> float:
    import torch

    module.eval()
    correct = 0
    with torch.no_grad():
        for lo in range(0, len(y), batch):
            correct += int((module(x[lo:lo + batch]).argmax(1) == y[lo:lo + batch]).sum())
    return correct / max(len(y), 1)


def train_architecture(arch: Architecture, splits: Splits, settings: TrainSettings, seed: int,
                       init_state: Mapping[str, np.ndarray] | None = None, keep_state: bool = False,
                       measure: bool = True, stop_below: Sequence[tuple[int, float]] = ()) -> TrainResult:
    """Build ``arch`` (initialised from ``seed``; tensors of ``init_state`` copied where shapes match), train it by
    Adam on minibatches in an order drawn from ``seed``, and measure validation and test accuracy. The result
    depends only on the arguments (and torch's thread count). ``measure = False``: no test accuracy and latency
    (NaN; a successive-halving rung before the last). ``stop_below``: (epoch, accuracy) checks: after that many
    epochs the validation accuracy is measured (added to ``curve``; training is unchanged) and the training stops
    there when it is below the accuracy (asynchronous successive halving; nothing else is measured then).

    >>> from topoevo.nas.arch import ConvBlock, Reduce
    >>> from topoevo.nas.datasets import NASDataset, load_splits
    >>> arch = Architecture((1, 8, 8), 10, (ConvBlock(0, 8, 3, 2),), Reduce.FLATTEN, (), 1)
    >>> r = train_architecture(arch, load_splits(NASDataset.DIGITS), TrainSettings(epochs=2), seed=0)
    >>> r.val_accuracy > 0.5
    True
    """
    import torch

    from topoevo.adam import train_steps
    from topoevo.nas.compile import ArchitectureNet
    from topoevo.nas.lamarck import inherit, state_to_numpy

    t0 = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed) % 2**63)
        module = ArchitectureNet(arch)
    inherited = inherit(module, init_state) if init_state is not None else []
    gen = torch.Generator().manual_seed(int(seed) % 2**63 + 1)
    x, y = torch.from_numpy(splits.train_x), torch.from_numpy(splits.train_y)
    n, bs = len(y), settings.batch_size
    steps_per_epoch = (n + bs - 1) // bs
    total = max(settings.epochs * steps_per_epoch, 1)
    opt = torch.optim.Adam(module.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    if settings.schedule is Schedule.ONE_CYCLE:
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, settings.learning_rate, total_steps=total)
    elif settings.schedule is Schedule.COSINE:
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, total)
    else:
        sched = None
    loss_sum, loss_n = 0.0, 0  # of the epoch running
    val_x, val_y = torch.from_numpy(splits.val_x), torch.from_numpy(splits.val_y)
    checks, curve = dict(stop_below), []
    stopped = False

    def batches() -> Iterator[torch.Tensor]:  # minibatch indices, a new order drawn from ``gen`` each epoch
        nonlocal loss_sum, loss_n, stopped
        for epoch in range(settings.epochs):
            if epoch in checks:  # (eval mode draws no random numbers and updates no statistics)
                curve.append(accuracy(module, val_x, val_y))
                if curve[-1] < checks[epoch]:
                    stopped = True
                    return
            module.train()
            order = torch.randperm(n, generator=gen)
            loss_sum, loss_n = 0.0, 0
            for lo in range(0, n, bs):
                idx = order[lo:lo + bs]
                if len(idx) < 2 and lo > 0:  # batch norm needs two samples; drop a lone last one
                    continue
                yield idx

    def record(loss: torch.Tensor) -> bool:
        nonlocal loss_sum, loss_n
        loss_sum, loss_n = loss_sum + loss.item(), loss_n + 1
        return False

    train_steps(opt, batches(), lambda idx: torch.nn.functional.cross_entropy(module(x[idx]), y[idx]),
                scheduler=sched, stop=record)
    measure = measure and not stopped
    val = curve[-1] if stopped else accuracy(module, val_x, val_y)
    test = accuracy(module, torch.from_numpy(splits.test_x), torch.from_numpy(splits.test_y)) if measure else math.nan
    latency = measure_latency(module, val_x[:256]) if measure else math.nan
    train_loss = loss_sum / loss_n if loss_n else float("nan")
    state = state_to_numpy(module) if keep_state else None
    if state is not None and not all(np.isfinite(v).all() for v in state.values()):
        state = None  # a diverged network passes nothing on (its children start from scratch)
    return TrainResult(val, test, train_loss, time.perf_counter() - t0, inherited, state, latency,
                       curve if stopped else [*curve, val], stopped)


__all__ = ["Schedule", "TrainSettings", "TrainResult", "train_architecture", "accuracy"]
