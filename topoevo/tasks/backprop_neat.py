"""NEAT + backprop on a supervised dataset (``name = "supervised_backprop"``): every genome's weights and biases are
fine-tuned by Adam on the fitting split inside its evaluation, and its fitness is measured on a validation split
after training. With ``inheritance = "lamarckian"`` the trained weights are written back into the genomes NEAT
keeps (they travel back in ``EvalResult.info[TRAINED_WEIGHTS]``; the run loop hands ``info`` to ``NEAT.observe``,
which writes them back before ``tell``),
so offspring inherit them; with ``"baldwinian"`` the genomes stay as evolved and only their fitness reflects how
well they learn.

Data: scikit-learn's bundled datasets as in ``supervised``; the training set is split once more (stratified,
``split_seed``) into the fitting split (Adam) and the validation split (fitness); the test set is only used by the
champion's success test (``solved_accuracy``). Needs scikit-learn and feed-forward genomes.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from topoevo.config.schema import param
from topoevo.errors import ConfigError, EvaluationError
from topoevo.tasks.base import TRAINED_WEIGHTS, BatchedPolicy, EvalResult
from topoevo.tasks.supervised import Metric, SupervisedParams, SupervisedTask


class Inheritance(str, Enum):
    """What becomes of the trained weights: ``lamarckian`` (written back into the genome, inherited by its
    offspring) or ``baldwinian`` (discarded: the genome keeps its evolved weights; learning only shapes fitness).

    >>> Inheritance("baldwinian") is Inheritance.BALDWINIAN
    True
    """

    LAMARCKIAN = "lamarckian"
    BALDWINIAN = "baldwinian"


@dataclass
class BackpropParams(SupervisedParams):
    """``[task]`` keys of the NEAT + backprop task (``name = "supervised_backprop"``): those of ``supervised`` and
    the fine-tuning schedule.

    >>> p = BackpropParams()
    >>> p.inheritance.value, p.steps, p.validation_fraction
    ('lamarckian', 20, 0.25)
    """

    batch_size: int = param(0, "Adam minibatch: samples per step drawn without replacement from each genome's "
                               "evaluation seed; 0 = the whole fitting split every step (no randomness).", ge=0)
    inheritance: Inheritance = param(Inheritance.LAMARCKIAN, "'lamarckian' (trained weights and biases are written "
                                                             "back into the genome) or 'baldwinian' (they are not).")
    steps: int = param(20, "Adam steps per evaluation (0 = no training: plain NEAT with validation fitness).", ge=0)
    learning_rate: float = param(0.05, "Adam learning rate.", gt=0)
    validation_fraction: float = param(0.25, "Fraction of the training set held out as the validation split that "
                                             "fitness is measured on (stratified).", gt=0, le=0.9)
    champion_seed: int = param(0, "Baldwinian only: seed of the champion's fine-tuning before its test (its "
                                  "minibatch order).", ge=0)


class BackpropNEATTask(SupervisedTask):
    """Fine-tune each genome by Adam, fitness on the validation split; with Lamarckian inheritance the result
    carries the trained weights for the run loop to write back.

    >>> from topoevo.tasks.supervised import Dataset
    >>> task = BackpropNEATTask(BackpropParams(dataset=Dataset.IRIS))
    >>> len(task.fit_targets), len(task.validation_targets), len(task.test_targets)
    (84, 28, 38)
    """

    def __init__(self, params: BackpropParams | None = None):
        import torch

        params = params or BackpropParams()
        super().__init__(params)  # first: a one-line error if scikit-learn is missing
        from sklearn.model_selection import train_test_split

        self.params: BackpropParams = params
        try:
            x_fit, x_val, y_fit, y_val = train_test_split(
                self.train_inputs.numpy(), self.train_targets.numpy(), test_size=params.validation_fraction,
                stratify=self.train_targets.numpy(), random_state=params.split_seed)
        except ValueError as exc:
            raise ConfigError(f"cannot split the training set of {params.dataset} into stratified fitting and "
                              f"validation splits ({exc})", field="task.validation_fraction") from None
        self.fit_inputs, self.fit_targets = torch.from_numpy(x_fit), torch.from_numpy(y_fit)
        self.validation_inputs, self.validation_targets = torch.from_numpy(x_val), torch.from_numpy(y_val)

    @property
    def settings(self) -> Any:
        from topoevo.hybrid.finetune import AdamSettings

        p = self.params
        return AdamSettings(steps=p.steps, learning_rate=p.learning_rate, batch_size=p.batch_size)

    @staticmethod
    def genomes_of(policy: BatchedPolicy) -> list:
        """The NEAT genomes a policy was compiled from (this task trains genomes, not compiled networks)."""
        genomes = getattr(policy, "genomes", None)
        if genomes is None:
            raise EvaluationError(f"the supervised_backprop task trains NEAT genomes: it needs a population compiled "
                                  f"from genomes (run.algorithm = 'neat'), got {type(policy).__name__}")
        return list(genomes)

    def finetune(self, genomes: list, seeds: np.ndarray) -> Any:
        """Fine-tune ``genomes`` on the fitting split (``seeds[i]`` draws genome i's minibatches); returns the
        :class:`~topoevo.hybrid.finetune.FinetuneResult`."""
        from topoevo.errors import TopoevoError
        from topoevo.hybrid.finetune import finetune

        try:
            return finetune(genomes, self.fit_inputs, self.fit_targets, seeds, self.settings)
        except TopoevoError as exc:
            raise EvaluationError(str(exc)) from None

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        """Fitness of each genome on the validation split after fine-tuning; ``info`` holds the validation
        ``accuracy`` and ``cross_entropy``, and (when training) the cross-entropy on the first and on the last Adam
        batch, ``train_loss_first`` and ``train_loss_last``."""
        from topoevo.hybrid.finetune import one_thread

        seeds = np.asarray(seeds)
        if seeds.ndim != 1 or len(seeds) != policy.size:
            raise EvaluationError(f"expected one seed per network ({policy.size}), got shape {seeds.shape}")
        if policy.size == 0:
            return EvalResult(fitness=np.zeros(0))
        result = self.finetune(self.genomes_of(policy), seeds)
        p = policy.size
        with one_thread():
            acc, ce = self.scores(result.population, self.validation_inputs.expand(p, -1, -1),
                                  self.validation_targets.expand(p, -1))
        fitness = acc if self.params.metric is Metric.ACCURACY else -ce
        info: dict[str, Any] = {"accuracy": acc, "cross_entropy": ce}
        if self.params.steps:
            info.update(train_loss_first=result.losses[0], train_loss_last=result.losses[-1])
            if self.params.inheritance is Inheritance.LAMARCKIAN:
                trained = np.empty(p, dtype=object)
                trained[:] = result.population.trained_weights()
                info[TRAINED_WEIGHTS] = trained
        return EvalResult(fitness=fitness, info=info)

    def scores(self, policy: BatchedPolicy, inputs: Any, targets: Any) -> tuple[np.ndarray, np.ndarray]:
        import torch

        with torch.no_grad():
            return super().scores(policy, inputs, targets)

    def trained_policy(self, policy: BatchedPolicy, seed: int | None = None) -> BatchedPolicy:
        """The policy's genomes fine-tuned as in an evaluation (Baldwinian champions are tested this way), each with
        ``seed`` (default ``champion_seed``)."""
        genomes = self.genomes_of(policy)
        seed = self.params.champion_seed if seed is None else seed
        return self.finetune(genomes, np.full(len(genomes), seed, dtype=np.int64)).population

    def champion_solved(self, policy: BatchedPolicy, fitness: float | None = None) -> bool:
        """The champion's test accuracy reaches ``solved_accuracy``; a Baldwinian champion is fine-tuned first (its
        genome holds the untrained weights), a Lamarckian one is tested as it is (it holds the trained ones)."""
        if (self.params.solved_accuracy is not None and self.params.inheritance is Inheritance.BALDWINIAN
                and self.params.steps > 0):
            policy = self.trained_policy(policy)
        return super().champion_solved(policy, fitness)
