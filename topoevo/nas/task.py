"""The ``nas`` task: each candidate architecture is trained by Adam on a dataset's training split; fitness =
validation accuracy. ``info`` carries each candidate's test accuracy and, when the candidate asks for them, its
trained weights (Lamarckian inheritance). Candidate i's result depends only on (candidate i, seeds[i])."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from topoevo.config.schema import Section, param
from topoevo.errors import EvaluationError
from topoevo.nas.candidate import ArchitectureBatch
from topoevo.nas.datasets import INPUT_SHAPES, NUM_CLASSES, NASDataset, Splits, load_splits, split_user_data
from topoevo.nas.train import Schedule, TrainSettings
from topoevo.tasks.base import EvalResult, TaskBase
from topoevo.tasks.tabular import SUFFIXES, DataFileKeys, is_data_file


@dataclass
class NASParams(DataFileKeys):
    """``[task]`` keys of the architecture-search task (``name = "nas"``).

    >>> NASParams().dataset, NASParams().input_shape
    ('mnist1d', (1, 40))
    """

    SECTION = "task"

    dataset: str = param("mnist1d", "'mnist1d', 'digits' or 'mnist5k' (all offline), or the path of a data file "
                                    "(.csv, .tsv, whitespace text: inputs (1, columns); .npz: x's own shape).",
                         path=True)
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

    def __post_init__(self) -> None:
        if isinstance(self.dataset, Enum):  # (a bundled dataset given by its enum member)
            self.dataset = self.dataset.value
        super().__post_init__()

    def check(self) -> tuple[str, str] | None:
        if not is_data_file(self.dataset) and self.dataset not in {d.value for d in NASDataset}:
            names = ", ".join(repr(d.value) for d in NASDataset)
            return "dataset", f"expected {names} or a data file ending in {', '.join(SUFFIXES)}, got {self.dataset!r}"
        return self.check_data_keys(self.dataset)

    def splits(self) -> Splits:
        """The training / validation / test sets (cached per process)."""
        if is_data_file(self.dataset):
            return split_user_data(self.dataset, self, self.validation_fraction, self.test_fraction,
                                   self.split_seed)
        return load_splits(NASDataset(self.dataset), self.validation_fraction, self.test_fraction, self.split_seed)

    @property
    def input_shape(self) -> tuple[int, ...]:
        if is_data_file(self.dataset):
            return self.splits().input_shape
        return INPUT_SHAPES[NASDataset(self.dataset)]

    @property
    def num_classes(self) -> int:
        if is_data_file(self.dataset):
            return self.splits().num_classes
        return NUM_CLASSES[NASDataset(self.dataset)]

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
        self.splits = params.splits()
        self.input_shape = params.input_shape
        self.num_inputs = math.prod(self.input_shape)
        self.num_outputs = params.num_classes

    def evaluate(self, policy: ArchitectureBatch, seeds: np.ndarray) -> EvalResult:
        """Fitness = validation accuracy of each trained candidate (for its own ``epochs`` when it sets them);
        ``info``: ``test_accuracy``, ``train_seconds``, ``latency_us``
        (float arrays), ``curve`` (an object array: validation accuracies at the candidate's check epochs reached,
        then the final one), ``weights`` (an object array: trained weights for candidates with ``keep_weights``, else None).
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
                own = settings if cand.epochs is None else dataclasses.replace(settings, epochs=cand.epochs)
                results.append(train_architecture(cand.arch, self.splits, own, int(seed), cand.init_state,
                                                  cand.keep_weights, cand.measure, cand.stop_below))
        finally:
            if self.params.threads:
                torch.set_num_threads(before)
        weights = np.empty(len(results), dtype=object)  # per-candidate arrays: evaluators concatenate chunks
        weights[:] = [r.state for r in results]
        curves = np.empty(len(results), dtype=object)
        curves[:] = [r.curve for r in results]
        return EvalResult(fitness=np.array([r.val_accuracy for r in results], dtype=np.float64),
                          info={"test_accuracy": np.array([r.test_accuracy for r in results], dtype=np.float64),
                                "train_seconds": np.array([r.seconds for r in results], dtype=np.float64),
                                "latency_us": np.array([r.latency_us for r in results], dtype=np.float64),
                                "weights": weights, "curve": curves})

    # the run loop keeps no task state: the datasets are regenerated identically


__all__ = ["NASParams", "NASTask"]
