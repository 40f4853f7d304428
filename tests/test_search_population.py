"""Batched evaluation of parameter vectors: equals one-by-one evaluation (plain nn.Module forward, single-candidate
populations, the task's fitness), for the baddbmm path, the torch.func path and any module; parameter layouts,
populations and initialisation."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from torch import nn

from topoevo.config.weights import Activation, ModelKind
from topoevo.search.models import ModelSpec, build_model, template_model
from topoevo.search.params import (ParameterLayout, ParameterPopulation, ParameterVector, flatten_module,
                                   init_parameters)
from topoevo.search.population import BatchedModule, Strategy, compile_parameters, linear_plan
from gym_params import gym_params
from topoevo.tasks.gym import GymParams, GymTask
from topoevo.tasks.supervised import Dataset, Scaling, SupervisedParams, SupervisedTask

MLP = ModelSpec(ModelKind.MLP, 4, 2, hidden=(16, 16))
CNN = ModelSpec(ModelKind.CNN, 64, 10, hidden=(12,), activation=Activation.RELU, conv_channels=(4, 6), kernel_size=3,
                stride=1, pool=2, image_shape=(1, 8, 8))
CNN_STRIDED = ModelSpec(ModelKind.CNN, 64, 10, hidden=(8,), activation=Activation.ELU, conv_channels=(3, 5),
                        kernel_size=3, stride=2, pool=1, image_shape=(1, 8, 8))


def population(spec: ModelSpec, size: int, seed: int = 0, scale: float = 1.0) -> ParameterPopulation:
    values = init_parameters(spec, np.random.default_rng(seed), size, scale)
    values += np.random.default_rng(seed + 1).normal(0, 0.1, values.shape).astype(np.float32)  # non-zero biases
    return ParameterPopulation(spec, values)


def module_outputs(pop: ParameterPopulation, x: torch.Tensor) -> torch.Tensor:
    """One plain nn.Module per candidate, one forward call each."""
    with torch.no_grad():
        return torch.stack([pop[i].to_module()(x[i]) for i in range(len(pop))])


# PyTorch's vectorized kernels of sigmoid and elu round the tail of a tensor differently from its body, so their last
# bit may depend on the population size; tanh, gelu, relu and identity do not.
SPLIT_EXACT = {Activation.TANH, Activation.RELU, Activation.GELU, Activation.IDENTITY}


@pytest.mark.parametrize("spec", [
    MLP, ModelSpec(ModelKind.MLP, 3, 4, hidden=(5, 7, 2), activation=Activation.RELU),
    ModelSpec(ModelKind.MLP, 3, 4, hidden=(5, 2), activation=Activation.ELU, output_activation=Activation.SIGMOID),
    ModelSpec(ModelKind.MLP, 6, 3, hidden=(4,), activation=Activation.GELU, output_activation=Activation.TANH),
    CNN, CNN_STRIDED])
def test_batched_outputs_equal_one_module_per_candidate(spec: ModelSpec):
    pop = population(spec, 9)
    x = torch.randn(9, 11, spec.num_inputs, generator=torch.Generator().manual_seed(3))
    batched = compile_parameters(pop)(x)
    assert batched.shape == (9, 11, spec.num_outputs)
    torch.testing.assert_close(batched, module_outputs(pop, x), rtol=1e-5, atol=1e-6)
    singles = torch.cat([compile_parameters(pop[i:i + 1])(x[i:i + 1]) for i in range(len(pop))])
    if {spec.activation, spec.output_activation} <= SPLIT_EXACT and spec.kind is ModelKind.MLP:
        # bit-identical rows: a candidate's output never depends on the other candidates
        assert torch.equal(batched, singles)
    else:
        torch.testing.assert_close(batched, singles, rtol=1e-5, atol=1e-6)
    # the loop strategy is bit-identical per candidate for any module
    loop = BatchedModule(template_model(spec), torch.from_numpy(pop.values), Strategy.LOOP)
    torch.testing.assert_close(loop(x), batched, rtol=1e-5, atol=1e-6)
    assert torch.equal(loop(x)[3:5], BatchedModule(template_model(spec), torch.from_numpy(pop.values[3:5]),
                                                   Strategy.LOOP)(x[3:5]))


def test_linear_path_equals_torch_func_path():
    pop = population(MLP, 12)
    x = torch.randn(12, 5, 4, generator=torch.Generator().manual_seed(0))
    fast = BatchedModule(template_model(MLP), torch.from_numpy(pop.values))
    general = BatchedModule(template_model(MLP), torch.from_numpy(pop.values), Strategy.VMAP)
    assert fast.plan is not None and general.plan is None
    torch.testing.assert_close(fast(x), general(x), rtol=1e-6, atol=1e-7)


def test_shared_inputs_give_the_same_outputs_as_copies():
    pop = population(CNN, 5)
    x = torch.randn(7, 64, generator=torch.Generator().manual_seed(1))
    policy = compile_parameters(pop)
    torch.testing.assert_close(policy(x.expand(5, -1, -1)), policy(x.repeat(5, 1, 1)), rtol=1e-5, atol=1e-6)


class Residual(nn.Module):
    """A module the factory never builds: LayerNorm, a skip connection, a buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Linear(3, 6)
        self.norm = nn.LayerNorm(6)
        self.out = nn.Linear(6, 2)
        self.register_buffer("offset", torch.tensor([0.5, -0.5]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x)
        return self.out(torch.tanh(self.norm(h)) + h) + self.offset


def test_any_module_is_batched_with_torch_func():
    torch.manual_seed(0)
    module = Residual()
    layout = ParameterLayout.from_module(module)
    params = torch.randn(4, layout.size)
    policy = BatchedModule(module, params)
    assert policy.plan is None
    x = torch.randn(4, 5, 3)
    want = []
    for i in range(4):
        m = Residual()
        with torch.no_grad():
            for name, p in m.named_parameters():
                p.copy_(layout.unflatten(params[i])[name])
            want.append(m(x[i]))
    torch.testing.assert_close(policy(x), torch.stack(want), rtol=1e-5, atol=1e-6)


def test_batched_module_checks_shapes():
    with pytest.raises(ValueError, match="parameter matrix"):
        BatchedModule(template_model(MLP), torch.zeros(3, 5))
    with pytest.raises(ValueError, match="expected inputs shaped"):
        compile_parameters(population(MLP, 3))(torch.zeros(2, 1, 4))


def test_cartpole_fitness_of_a_population_equals_one_by_one():
    task = GymTask(gym_params(env_id="CartPole-v1", episodes=2, max_episode_steps=60))
    try:
        pop = population(MLP, 8, seed=4)
        seeds = np.arange(100, 108)
        together = task.evaluate(compile_parameters(pop), seeds).fitness
        alone = [task.evaluate(compile_parameters([pop[i]]), seeds[i:i + 1]).fitness[0] for i in range(8)]
        assert together.tolist() == alone
        assert len(set(together.tolist())) > 1  # the networks really differ
    finally:
        task.close()


@pytest.mark.parametrize("spec, dataset", [(ModelSpec(ModelKind.MLP, 13, 3, hidden=(8,)), Dataset.WINE),
                                           (CNN_STRIDED, Dataset.DIGITS)])
def test_supervised_fitness_of_a_population_equals_one_by_one(spec: ModelSpec, dataset: Dataset):
    task = SupervisedTask(SupervisedParams(dataset=dataset, scaling=Scaling.UNIT, batch_size=0))
    pop = population(spec, 6, seed=2)
    seeds = np.arange(6)
    together = task.evaluate(compile_parameters(pop), seeds)
    for i in range(6):
        alone = task.evaluate(compile_parameters([pop[i]]), seeds[i:i + 1])
        if spec.kind is ModelKind.MLP:  # the baddbmm path: bit-identical
            assert alone.fitness[0] == together.fitness[i]
        else:  # grouped convolutions: equal to float32 rounding
            assert alone.fitness[0] == pytest.approx(together.fitness[i], rel=1e-6)
        assert alone.info["accuracy"][0] == together.info["accuracy"][i]
    # and equals the plain module on the training set
    with torch.no_grad():
        logits = torch.stack([pop[i].to_module()(task.train_inputs) for i in range(6)])
    ce = torch.nn.functional.cross_entropy(logits.transpose(1, 2).double(), task.train_targets.expand(6, -1),
                                           reduction="none").mean(1)
    np.testing.assert_allclose(-together.fitness, ce.numpy(), rtol=1e-5)


# ---- layouts, populations, initialisation -----------------------------------------------------------------------
def test_layout_follows_named_parameters_and_round_trips():
    module = build_model(CNN)
    layout = ParameterLayout.from_module(module)
    assert layout == ParameterLayout.of(CNN)
    assert list(layout.names) == [n for n, _ in module.named_parameters()]
    assert layout.size == sum(p.numel() for p in module.parameters())
    flat = flatten_module(module)
    vec = ParameterVector(CNN, flat)
    again = vec.to_module()
    for (name, p), (_, q) in zip(module.named_parameters(), again.named_parameters()):
        assert torch.equal(p, q), name
    assert np.array_equal(flatten_module(again), flat)


def test_population_indexing_slicing_and_stacking():
    pop = population(MLP, 6)
    assert len(pop) == 6
    part = pop[2:5]
    assert isinstance(part, ParameterPopulation) and len(part) == 3
    assert np.array_equal(part.values, pop.values[2:5])
    vec = pop[3]
    assert isinstance(vec, ParameterVector) and np.array_equal(vec.values, pop.values[3])
    vec.values[0] = 123.0  # a copy: the population is untouched
    assert pop.values[3, 0] != 123.0
    assert np.array_equal(ParameterPopulation.stack([pop[i] for i in range(6)]).values, pop.values)
    with pytest.raises(ValueError, match="same model"):
        ParameterPopulation.stack([pop[0], ParameterVector(CNN, np.zeros(ParameterLayout.of(CNN).size))])
    with pytest.raises(ValueError, match="expected 386 parameters"):
        ParameterVector(MLP, np.zeros(5))


def test_compile_fn_and_candidates_pickle_for_worker_processes():
    pop = population(MLP, 3)
    fn, again = pickle.loads(pickle.dumps((compile_parameters, pop)))
    x = torch.randn(3, 2, 4)
    assert torch.equal(fn(again)(x), compile_parameters(pop)(x))


def test_initialisation_is_seeded_fan_in_scaled_with_zero_biases():
    a = init_parameters(MLP, np.random.default_rng(5), 400, scale=2.0)
    b = init_parameters(MLP, np.random.default_rng(5), 400, scale=2.0)
    assert np.array_equal(a, b) and a.dtype == np.float32
    layout = ParameterLayout.of(MLP)
    for name, sl, shape in layout.slices():
        block = a[:, sl]
        if name.endswith("bias"):
            assert not block.any()
        else:
            assert abs(block.std() - 2.0 / np.sqrt(shape[1])) < 0.05 * 2.0 / np.sqrt(shape[1])


def test_templates_leave_torchs_global_generator_alone():
    state = torch.random.get_rng_state()
    spec = ModelSpec(ModelKind.MLP, 7, 3, hidden=(9,))
    template_model(spec)
    ParameterLayout.of(spec)
    assert torch.equal(state, torch.random.get_rng_state())


def test_linear_plan_only_for_linear_and_elementwise_sequentials():
    assert linear_plan(build_model(MLP)) is not None
    assert linear_plan(build_model(CNN)) is None
    assert linear_plan(nn.Sequential(nn.Linear(2, 2), nn.Dropout())) is None
    assert linear_plan(Residual()) is None
