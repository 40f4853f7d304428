"""The ``nas`` task: each candidate architecture is trained by Adam on a dataset's training split; fitness =
validation accuracy. ``info`` carries each candidate's test accuracy and, when the candidate asks for them, its
trained weights (Lamarckian inheritance). Candidate i's result depends only on (candidate i, seeds[i])."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from topoevo.config.schema import Section, param
from topoevo.errors import EvaluationError
from topoevo.nas.candidate import ArchitectureBatch
from topoevo.nas.datasets import INPUT_SHAPES, NUM_CLASSES, NASDataset, load_splits
from topoevo.nas.train import Schedule, TrainSettings
from topoevo.tasks.base import EvalResult, TaskBase


@dataclass
class NASParams(Section):
    """``[task]`` keys of the architecture-search task (``name = "nas"``).

    >>> NASParams().dataset.value, NASParams().input_shape
    ('mnist1d', (1, 40))
    """

    SECTION = "task"

    dataset: NASDataset = param(NASDataset.MNIST1D, "'mnist1d', 'digits' or 'mnist5k' (all offline).")
    validation_fraction: float = param(0.2, "Fraction of the training data held out as the validation set (the "
                                            "fitness).", gt=0, le=0.5)
    test_fraction: float = param(0.2, "Fraction held out as the test set, for datasets without their own "
                                      "('digits', 'mnist5k').", gt=0, le=0.5)
    split_seed: int = param(0, "Seed of the splits (fixed: not the run's seed).", ge=0)
    epochs: int = param(4, "Training epochs per architecture.", ge=0)
    learning_rate: float = param(0.01, "Adam's (peak) learning rate.", gt=0)
    batch_size: int = param(64, "Minibatch size.", ge=2)
    weight_decay: float = param(0.0, "Adam's L2 weight decay.", ge=0)
    schedule: Schedule = param(Schedule.ONE_CYCLE, "Learning rate schedule: 'constant', 'cosine' or 'one_cycle'.")
    threads: int = param(1, "torch threads while training (1 makes results independent of the machine's core "
                            "count; 0 = leave torch's setting).", ge=0)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return INPUT_SHAPES[self.dataset]

    @property
    def num_classes(self) -> int:
        return NUM_CLASSES[self.dataset]

    def settings(self) -> TrainSettings:
        return TrainSettings(self.epochs, self.learning_rate, self.batch_size, self.weight_decay, self.schedule)


class NASTask(TaskBase):
    """Architecture search as a Task: ``evaluate`` trains each candidate of an
    :class:`~topoevo.nas.candidate.ArchitectureBatch` with its own seed.

    >>> task = NASTask(NASParams(dataset=NASDataset.DIGITS))
    >>> task.num_inputs, task.num_outputs, task.input_shape
    (64, 10, (1, 8, 8))
    """

    def __init__(self, params: NASParams | None = None):
        self.params = params = params or NASParams()
        self.splits = load_splits(params.dataset, params.validation_fraction, params.test_fraction,
                                  params.split_seed)
        self.input_shape = params.input_shape
        self.num_inputs = math.prod(self.input_shape)
        self.num_outputs = params.num_classes

    def evaluate(self, policy: ArchitectureBatch, seeds: np.ndarray) -> EvalResult:
        """Fitness = validation accuracy of each trained candidate; ``info``: ``test_accuracy``, ``train_seconds``
        (float arrays), ``weights`` (an object array: trained weights for candidates with ``keep_weights``, else None).
        Every ``info`` value has one row per candidate, so evaluators that split candidates into chunks concatenate
        them."""
        import torch

        from topoevo.nas.train import train_architecture

        if not isinstance(policy, ArchitectureBatch):
            raise EvaluationError(f"the 'nas' task trains an ArchitectureBatch, got {type(policy).__name__} (use "
                                  "algorithm 'regularized_evolution' or 'random_search')", field="run.algorithm")
        seeds = np.asarray(seeds)
        if seeds.shape != (policy.size,):
            raise EvaluationError(f"expected one seed per architecture ({policy.size}), got shape {seeds.shape}")
        settings = self.params.settings()
        before = torch.get_num_threads()
        if self.params.threads:
            torch.set_num_threads(self.params.threads)
        try:
            results = []
            for cand, seed in zip(policy.candidates, seeds):
                if tuple(cand.arch.input_shape) != tuple(self.input_shape):
                    raise EvaluationError(f"candidate {cand.key} expects inputs {cand.arch.input_shape}, the "
                                          f"dataset has {self.input_shape}", field="nas.input_shape")
                results.append(train_architecture(cand.arch, self.splits, settings, int(seed), cand.init_state,
                                                  cand.keep_weights))
        finally:
            if self.params.threads:
                torch.set_num_threads(before)
        weights = np.empty(len(results), dtype=object)  # per-candidate arrays: evaluators concatenate chunks
        weights[:] = [r.state for r in results]
        return EvalResult(fitness=np.array([r.val_accuracy for r in results], dtype=np.float64),
                          info={"test_accuracy": np.array([r.test_accuracy for r in results], dtype=np.float64),
                                "train_seconds": np.array([r.seconds for r in results], dtype=np.float64),
                                "weights": weights})

    # the run loop keeps no task state: the datasets are regenerated identically


__all__ = ["NASParams", "NASTask"]
