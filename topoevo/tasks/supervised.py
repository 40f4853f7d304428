"""Supervised classification as a batched Task: scikit-learn's bundled datasets (no download), split once into
training and test sets; fitness = accuracy or negative cross-entropy of each network on the training set (or on a
minibatch drawn from its evaluation seed); solved = the champion's test accuracy reaches ``solved_accuracy``.

Needs scikit-learn (``pip install topoevo[supervised]``); it and torch are imported lazily.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

import numpy as np

from topoevo.config.schema import Section, param
from topoevo.errors import ConfigError, EvaluationError
from topoevo.tasks.base import BatchedPolicy, EvalResult, TaskBase


class Dataset(str, Enum):
    """scikit-learn's bundled classification datasets: ``wine`` (178 x 13, 3 classes), ``iris`` (150 x 4, 3),
    ``breast_cancer`` (569 x 30, 2), ``digits`` (1797 8x8 images as 64 values 0..16, 10 classes); ``mnist1d``
    (Greydanus 2020: 4,000 + 1,000 sequences of length 40, 10 classes; generated offline by the ``mnist1d``
    package; its own 1,000 test sequences are the test set, whatever ``test_fraction`` says).

    >>> Dataset("iris") is Dataset.IRIS
    True
    """

    WINE = "wine"
    IRIS = "iris"
    BREAST_CANCER = "breast_cancer"
    DIGITS = "digits"
    MNIST1D = "mnist1d"


class Metric(str, Enum):
    """Fitness (higher is better): ``accuracy`` (fraction correct) or ``neg_cross_entropy`` (minus the mean
    cross-entropy of the softmax of the outputs: smooth, so it ranks networks that classify equally well).

    >>> [m.value for m in Metric]
    ['accuracy', 'neg_cross_entropy']
    """

    ACCURACY = "accuracy"
    NEG_CROSS_ENTROPY = "neg_cross_entropy"


class Scaling(str, Enum):
    """Input scaling, fitted on the training set: ``standardize`` (each feature to mean 0, standard deviation 1;
    constant features only centred), ``unit`` (all values divided by the largest absolute training value: images
    keep their shape), ``none``.

    >>> Scaling("none") is Scaling.NONE
    True
    """

    STANDARDIZE = "standardize"
    UNIT = "unit"
    NONE = "none"


def _mnist1d() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST-1D's training and test sets, generated offline (``get_dataset()`` would download)."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        raise ConfigError("the mnist1d dataset needs the mnist1d package (pip install topoevo[nas])",
                          field="task.dataset") from None
    d = make_dataset(get_dataset_args())
    return (np.asarray(d["x"], np.float64), np.asarray(d["y"], np.int64), np.asarray(d["x_test"], np.float64),
            np.asarray(d["y_test"], np.int64))


def _loader(dataset: Dataset) -> Callable[[], Any]:
    try:
        from sklearn import datasets
    except ImportError:
        raise ConfigError("the supervised task needs scikit-learn (pip install topoevo[supervised])",
                          field="task.dataset") from None
    return {Dataset.WINE: datasets.load_wine, Dataset.IRIS: datasets.load_iris,
            Dataset.BREAST_CANCER: datasets.load_breast_cancer, Dataset.DIGITS: datasets.load_digits}[dataset]


@dataclass
class SupervisedParams(Section):
    """``[task]`` keys of the supervised task (``name = "supervised"``).

    >>> SupervisedParams().dataset.value, SupervisedParams().test_fraction
    ('wine', 0.25)
    """

    SECTION = "task"

    dataset: Dataset = param(Dataset.WINE, "'wine', 'iris', 'breast_cancer', 'digits' (scikit-learn's bundled "
                                           "data) or 'mnist1d' (generated offline; its own test set).")
    test_fraction: float = param(0.25, "Fraction of the samples held out as the test set (stratified split).",
                                 gt=0, le=0.9)
    split_seed: int = param(0, "Seed of the train/test split (fixed: not the run's seed).", ge=0)
    scaling: Scaling = param(Scaling.STANDARDIZE, "'standardize', 'unit' or 'none' (fitted on the training set).")
    metric: Metric = param(Metric.NEG_CROSS_ENTROPY, "Fitness: 'accuracy' or 'neg_cross_entropy'.")
    batch_size: int = param(0, "Training samples per evaluation, drawn without replacement from each network's "
                               "evaluation seed; 0 = the whole training set (every network sees the same data).",
                            ge=0)
    solved_accuracy: float | None = param(None, "Test accuracy at which the champion counts as solved.", ge=0, le=1)


class SupervisedTask(TaskBase):
    """A classification dataset as a batched Task. Networks get ``(P, B, num_inputs)`` features and return
    ``(P, B, num_classes)`` scores; the predicted class is the argmax.

    >>> task = SupervisedTask(SupervisedParams(dataset=Dataset.IRIS))
    >>> task.num_inputs, task.num_outputs, len(task.train_targets), len(task.test_targets)
    (4, 3, 112, 38)
    """

    has_champion_test = True  # champion_solved: test accuracy reaches solved_accuracy

    def __init__(self, params: SupervisedParams | None = None):
        import torch

        self.params = params = params or SupervisedParams()
        if params.dataset is Dataset.MNIST1D:  # a fixed test set of its own
            x_tr, y_tr, x_te, y_te = _mnist1d()
            x = x_tr
        else:
            data = _loader(params.dataset)()
            x = np.asarray(data.data, dtype=np.float64)
            y = np.asarray(data.target, dtype=np.int64)
            from sklearn.model_selection import train_test_split

            try:
                x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=params.test_fraction, stratify=y,
                                                          random_state=params.split_seed)
            except ValueError as exc:  # e.g. fewer test samples than classes
                raise ConfigError(f"cannot split {params.dataset.value} into stratified training and test sets "
                                  f"({exc})", field="task.test_fraction") from None
        if params.scaling is Scaling.STANDARDIZE:
            mean, std = x_tr.mean(0), x_tr.std(0)
            std = np.where(std > 0, std, 1.0)
            x_tr, x_te = (x_tr - mean) / std, (x_te - mean) / std
        elif params.scaling is Scaling.UNIT:
            top = float(np.abs(x_tr).max()) or 1.0
            x_tr, x_te = x_tr / top, x_te / top
        self.train_inputs = torch.from_numpy(x_tr.astype(np.float32))
        self.train_targets = torch.from_numpy(y_tr)
        self.test_inputs = torch.from_numpy(x_te.astype(np.float32))
        self.test_targets = torch.from_numpy(y_te)
        self.num_inputs: int = int(x.shape[1])
        self.num_outputs: int = int(y_tr.max()) + 1
        self.champion_test: dict[str, Any] | None = None

    # ---- scoring

    def scores(self, policy: BatchedPolicy, inputs: Any, targets: Any) -> tuple[np.ndarray, np.ndarray]:
        """Accuracy and mean cross-entropy (float64, shape (P,)) of each network on ``inputs`` shaped (P, B, I)
        with ``targets`` (P, B)."""
        import torch

        policy.reset()
        out = policy(inputs)
        if not isinstance(out, torch.Tensor):
            out = torch.as_tensor(np.asarray(out))
        want = (policy.size, targets.shape[1], self.num_outputs)
        if tuple(out.shape) != want:
            raise EvaluationError(f"policy returned shape {tuple(out.shape)}, expected {want}")
        out = out.detach().to(torch.float64)
        bad = torch.isnan(out).flatten(1).any(1)
        if bool(bad.any()):
            raise EvaluationError(f"policy output of network {int(bad.nonzero()[0, 0])} is NaN on "
                                  f"{self.params.dataset.value}")
        log_p = torch.log_softmax(out, dim=-1)
        nll = -log_p.gather(-1, targets.unsqueeze(-1)).squeeze(-1).numpy()  # (P, B)
        correct = (out.argmax(-1) == targets).numpy()
        return correct.mean(axis=1), nll.mean(axis=1)

    def _batch(self, seeds: np.ndarray) -> tuple[Any, Any]:
        import torch

        n, p = len(self.train_targets), len(seeds)
        b = self.params.batch_size
        if b == 0 or b >= n:
            return self.train_inputs.expand(p, -1, -1), self.train_targets.expand(p, -1)
        index = np.stack([np.random.default_rng(int(s)).choice(n, b, replace=False) for s in seeds])
        index_t = torch.from_numpy(index)
        return self.train_inputs[index_t], self.train_targets[index_t]

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        """Fitness of each network on the training set (or its own minibatch); ``info`` holds ``accuracy`` and
        ``cross_entropy`` per network."""
        seeds = np.asarray(seeds)
        if seeds.ndim != 1 or len(seeds) != policy.size:
            raise EvaluationError(f"expected one seed per network ({policy.size}), got shape {seeds.shape}")
        if policy.size == 0:
            return EvalResult(fitness=np.zeros(0))
        inputs, targets = self._batch(seeds)
        acc, ce = self.scores(policy, inputs, targets)
        fitness = acc if self.params.metric is Metric.ACCURACY else -ce
        return EvalResult(fitness=fitness, info={"accuracy": acc, "cross_entropy": ce})

    def test_scores(self, policy: BatchedPolicy) -> tuple[np.ndarray, np.ndarray]:
        """Accuracy and cross-entropy of each network on the held-out test set."""
        p = policy.size
        return self.scores(policy, self.test_inputs.expand(p, -1, -1), self.test_targets.expand(p, -1))

    def champion_solved(self, policy: BatchedPolicy, fitness: float | None = None) -> bool:
        """The run loop's success test on a generation's champion (a policy of size 1): its test accuracy reaches
        ``solved_accuracy`` (never, when that is not set). Figures of the last test: :attr:`champion_test`."""
        if policy.size != 1:
            raise EvaluationError(f"expected a policy of size 1 (the champion), got size {policy.size}")
        self.champion_test = None
        target = self.params.solved_accuracy
        if target is None:
            return False
        acc, ce = self.test_scores(policy)
        self.champion_test = {"test_accuracy": float(acc[0]), "test_cross_entropy": float(ce[0]),
                              "test_samples": int(len(self.test_targets)), "solved_accuracy": target}
        return bool(acc[0] >= target)
