"""The supervised task: a fixed stratified split, scaling fitted on the training set, accuracy and cross-entropy
exactly as defined, minibatches drawn from each network's own seed (so fitness never depends on the population
split), the champion's test, bad outputs; and the Adam reference on the same network."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from topoevo.config.weights import ModelKind
from topoevo.errors import ConfigError, EvaluationError
from topoevo.search.backprop import train_adam
from topoevo.search.models import ModelSpec
from topoevo.search.params import ParameterPopulation, init_parameters
from topoevo.search.population import compile_parameters
from topoevo.tasks.registry import task_class, task_params_class
from topoevo.tasks.supervised import Dataset, Metric, Scaling, SupervisedParams, SupervisedTask


class FixedScores:
    """A policy returning given scores (P, B, C) whatever its inputs."""

    def __init__(self, scores: torch.Tensor):
        self.scores = scores
        self.size = scores.shape[0]

    def reset(self) -> None:
        pass

    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        assert obs.shape[:2] == self.scores.shape[:2]
        return self.scores


def test_registered_and_sized_from_the_dataset():
    assert task_params_class("supervised") is SupervisedParams and task_class("supervised") is SupervisedTask
    for dataset, sizes in [(Dataset.WINE, (13, 3, 178)), (Dataset.IRIS, (4, 3, 150)),
                           (Dataset.BREAST_CANCER, (30, 2, 569)), (Dataset.DIGITS, (64, 10, 1797))]:
        task = SupervisedTask(SupervisedParams(dataset=dataset))
        assert (task.num_inputs, task.num_outputs, len(task.train_targets) + len(task.test_targets)) == sizes


def test_split_is_fixed_stratified_and_scaling_uses_training_statistics():
    a = SupervisedTask(SupervisedParams(dataset=Dataset.WINE, test_fraction=0.3, split_seed=4))
    b = SupervisedTask(SupervisedParams(dataset=Dataset.WINE, test_fraction=0.3, split_seed=4))
    c = SupervisedTask(SupervisedParams(dataset=Dataset.WINE, test_fraction=0.3, split_seed=5))
    assert torch.equal(a.train_inputs, b.train_inputs) and not torch.equal(a.train_inputs, c.train_inputs)
    assert len(a.test_targets) == 54
    train_share = np.bincount(a.train_targets.numpy()) / len(a.train_targets)
    test_share = np.bincount(a.test_targets.numpy()) / len(a.test_targets)
    np.testing.assert_allclose(train_share, test_share, atol=0.03)
    np.testing.assert_allclose(a.train_inputs.mean(0).numpy(), 0.0, atol=1e-5)
    np.testing.assert_allclose(a.train_inputs.std(0, unbiased=False).numpy(), 1.0, atol=1e-4)
    assert abs(float(a.test_inputs.mean())) > 1e-4  # test data scaled with the training statistics, not its own
    digits = SupervisedTask(SupervisedParams(dataset=Dataset.DIGITS, scaling=Scaling.UNIT))
    assert float(digits.train_inputs.min()) == 0.0 and float(digits.train_inputs.max()) == 1.0


def test_accuracy_and_cross_entropy_are_as_defined():
    task = SupervisedTask(SupervisedParams(dataset=Dataset.IRIS, metric=Metric.ACCURACY))
    n = len(task.train_targets)
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(3, n, 3, generator=g)
    scores[0] = torch.nn.functional.one_hot(task.train_targets, 3) * 5.0  # always right
    result = task.evaluate(FixedScores(scores), np.arange(3))
    y = task.train_targets.numpy()
    want_acc = (scores.argmax(-1).numpy() == y).mean(1)
    want_ce = torch.stack([torch.nn.functional.cross_entropy(s.double(), task.train_targets) for s in scores])
    assert result.fitness.tolist() == want_acc.tolist() and result.fitness[0] == 1.0
    np.testing.assert_allclose(result.info["cross_entropy"], want_ce.numpy(), rtol=1e-12)
    task.params.metric = Metric.NEG_CROSS_ENTROPY
    np.testing.assert_allclose(task.evaluate(FixedScores(scores), np.arange(3)).fitness, -want_ce.numpy(),
                               rtol=1e-12)


def test_minibatches_come_from_each_networks_seed():
    spec = ModelSpec(ModelKind.MLP, 13, 3, hidden=(5,))
    pop = ParameterPopulation(spec, init_parameters(spec, np.random.default_rng(0), 6))
    task = SupervisedTask(SupervisedParams(dataset=Dataset.WINE, batch_size=20))
    seeds = np.array([11, 12, 13, 14, 15, 16])
    together = task.evaluate(compile_parameters(pop), seeds).fitness
    parts = np.concatenate([task.evaluate(compile_parameters(pop[i:i + 2]), seeds[i:i + 2]).fitness
                            for i in (4, 2, 0)][::-1])
    assert together.tolist() == parts.tolist()
    same = np.full(6, 11)
    clones = ParameterPopulation(spec, np.repeat(pop.values[:1], 6, axis=0))
    assert len(set(task.evaluate(compile_parameters(clones), same).fitness.tolist())) == 1
    assert len(set(task.evaluate(compile_parameters(clones), seeds).fitness.tolist())) > 1  # other batches


def test_champion_test_uses_the_held_out_set():
    task = SupervisedTask(SupervisedParams(dataset=Dataset.IRIS, solved_accuracy=0.9))
    perfect = torch.nn.functional.one_hot(task.test_targets, 3).float()[None] * 3.0
    assert task.champion_solved(FixedScores(perfect))
    assert task.champion_test == {"test_accuracy": 1.0, "test_cross_entropy": pytest.approx(
        float(torch.nn.functional.cross_entropy(perfect[0].double(), task.test_targets))), "test_samples": 38,
        "solved_accuracy": 0.9}
    assert not task.champion_solved(FixedScores(torch.zeros(1, 38, 3)))  # ties: argmax 0, a third right
    task.params.solved_accuracy = None
    assert not task.champion_solved(FixedScores(perfect)) and task.champion_test is None
    with pytest.raises(EvaluationError, match="size 1"):
        task.champion_solved(FixedScores(torch.zeros(2, 38, 3)))


def test_nan_or_misshaped_outputs_are_evaluation_errors():
    task = SupervisedTask(SupervisedParams(dataset=Dataset.IRIS))
    n = len(task.train_targets)
    bad = torch.zeros(2, n, 3)
    bad[1, 5, 0] = float("nan")
    with pytest.raises(EvaluationError, match="network 1 is NaN"):
        task.evaluate(FixedScores(bad), np.arange(2))
    with pytest.raises(EvaluationError, match="expected .2, 112, 3."):
        task.evaluate(FixedScores(torch.zeros(2, n, 4)), np.arange(2))
    with pytest.raises(EvaluationError, match="one seed per network"):
        task.evaluate(FixedScores(torch.zeros(2, n, 3)), np.arange(3))


def test_adam_reference_trains_the_same_network():
    task = SupervisedTask(SupervisedParams(dataset=Dataset.IRIS))
    spec = ModelSpec(ModelKind.MLP, 4, 3, hidden=(8,))
    result = train_adam(task, spec, seed=1, epochs=40, learning_rate=0.02)
    assert result.vector.spec == spec and result.steps == 40 * 2 and result.epochs == 40
    assert result.train_accuracy > 0.9 and result.test_accuracy > 0.85
    again = train_adam(task, spec, seed=1, epochs=40, learning_rate=0.02)
    assert np.array_equal(again.vector.values, result.vector.values)  # seeded


def test_a_test_set_too_small_to_stratify_is_a_config_error():
    with pytest.raises(ConfigError, match="task.test_fraction: cannot split iris"):
        SupervisedTask(SupervisedParams(dataset=Dataset.IRIS, test_fraction=0.01))
