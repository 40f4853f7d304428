"""CMA-ES, sep-CMA-ES, PGPE and SNES (topoevo/search/distribution.py): minimise a quadratic, state through JSON
resumes bit-identically; the fixed recurrent network's batched policy equals its nn.Module step by step."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from topoevo.algorithm import algorithm_class
from topoevo.config import Config
from topoevo.config.weights import Activation, ModelKind
from topoevo.search.models import ModelSpec, build_model
from topoevo.search.population import compile_parameters
from topoevo.search.params import ParameterPopulation

NAMES = ["cmaes", "sep_cmaes", "pgpe", "snes"]


def config(name: str) -> Config:
    return Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
                             "run": {"algorithm": name}, "model": {"hidden": []},
                             "distribution": {"sigma": 0.5, "center_learning_rate": 0.2}})


def fitness(pop: ParameterPopulation) -> list[float]:
    return [-float(((v.values - 1.5) ** 2).sum()) for v in pop]


@pytest.mark.parametrize("name", NAMES)
def test_distribution_algorithms_move_towards_the_optimum(name: str):
    algo = algorithm_class(name)(config(name), seed=0)
    start = float(np.abs(algo.center - 1.5).mean())
    for _ in range(60):
        algo.tell(fitness(algo.ask()))
    assert float(np.abs(algo.center - 1.5).mean()) < start / 2
    assert algo.evaluations == 60 * len(algo.ask())


@pytest.mark.parametrize("name", NAMES)
def test_state_through_json_continues_bit_identically(name: str):
    cls = algorithm_class(name)
    a = cls(config(name), seed=3)
    for _ in range(4):
        a.tell(fitness(a.ask()))
    b = cls.from_state_dict(config(name), json.loads(json.dumps(a.state_dict())))
    for _ in range(3):
        assert np.array_equal(a.ask().values, b.ask().values)
        a.tell(fitness(a.ask()))
        b.tell(fitness(b.ask()))
    assert json.dumps(a.state_dict()) == json.dumps(b.state_dict())


def test_batched_recurrent_policy_equals_the_module_step_by_step():
    spec = ModelSpec(ModelKind.RNN, 3, 1, hidden=(2,), output_activation=Activation.SIGMOID)
    values = np.random.default_rng(0).standard_normal((4, 15)).astype(np.float32)
    policy = compile_parameters(ParameterPopulation(spec, values))
    obs = np.random.default_rng(1).standard_normal((6, 4, 5, 3)).astype(np.float32)  # time, P, B, inputs
    policy.reset()
    got = [policy(obs[t]).numpy() for t in range(6)]
    for i in range(4):
        net = ParameterPopulation(spec, values)[i].to_module()
        h = None
        for t in range(6):
            with torch.no_grad():
                y, h = net(torch.from_numpy(obs[t, i]), h)
            assert np.allclose(got[t][i], y.numpy(), atol=1e-6)
    assert [n for n, _ in build_model(spec).named_parameters()][:2] == ["input.weight", "input.bias"]


def test_fully_recurrent_policy_equals_a_numpy_reference_and_the_module():
    """kind 'frnn': hidden and output units in one recurrent layer, checked against a numpy loop over the units
    (weights read from the parameter layout: input.weight (U, I), input.bias (U,), recurrent.weight (U, U))."""
    hidden, inputs, outputs = 2, 3, 1
    spec = ModelSpec(ModelKind.FRNN, inputs, outputs, hidden=(hidden,), output_activation=Activation.SIGMOID)
    units = hidden + outputs
    size = units * inputs + units + units * units
    values = np.random.default_rng(0).standard_normal((4, size)).astype(np.float32)
    policy = compile_parameters(ParameterPopulation(spec, values))
    obs = np.random.default_rng(1).standard_normal((6, 4, 5, inputs)).astype(np.float32)  # time, P, B, inputs
    policy.reset()
    got = [policy(obs[t]).numpy() for t in range(6)]
    for i in range(4):
        v = values[i].astype(np.float64)
        w_in = v[:units * inputs].reshape(units, inputs)
        b = v[units * inputs:units * inputs + units]
        w_rec = v[units * inputs + units:].reshape(units, units)
        u = np.zeros((5, units))
        net, state = ParameterPopulation(spec, values)[i].to_module(), None
        for t in range(6):
            pre = obs[t, i] @ w_in.T + b + u @ w_rec.T
            u = np.concatenate([np.tanh(pre[:, :hidden]), 1 / (1 + np.exp(-pre[:, hidden:]))], axis=1)
            assert np.allclose(got[t][i], u[:, hidden:], atol=1e-5)
            with torch.no_grad():
                y, state = net(torch.from_numpy(obs[t, i]), state)
            assert np.allclose(got[t][i], y.numpy(), atol=1e-6)
    with pytest.raises(Exception, match="one size"):
        ModelSpec(ModelKind.FRNN, 3, 1, hidden=(2, 2))


def restart_config(name: str, **extra: object) -> Config:
    return Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
                             "run": {"algorithm": name}, "model": {"hidden": []},
                             "distribution": {"sigma": 0.5, "restarts": "ipop", "restart_generations": 3,
                                              "max_restarts": 2, **extra}})


@pytest.mark.parametrize("name", NAMES)
def test_ipop_restarts_double_the_population_up_to_max_restarts(name: str):
    algo = algorithm_class(name)(restart_config(name), seed=0)
    sizes = []
    for _ in range(12):
        sizes.append(len(algo.ask()))
        algo.tell(fitness(algo.ask()))
    p = sizes[0]
    assert sizes == [p] * 3 + [2 * p] * 3 + [4 * p] * 6  # two restarts, then the search keeps going
    assert algo.restarts == 2 and algo.evaluations == sum(sizes)


def test_flat_fitness_fires_tol_fun_and_restarts_from_the_start():
    algo = algorithm_class("cmaes")(restart_config("cmaes", restart_generations=0), seed=0)
    window = 10 + int(np.ceil(30 * algo.dimension / algo.pop_size))
    for _ in range(window):
        assert algo.restarts == 0
        algo.tell([1.0] * len(algo.ask()))
    assert algo.restarts == 1 and np.array_equal(algo.center, np.zeros(algo.dimension))


@pytest.mark.parametrize("name", ["cmaes", "pgpe"])
def test_resume_across_a_restart_is_bit_identical(name: str):
    cls = algorithm_class(name)
    a = cls(restart_config(name), seed=5)
    for _ in range(4):  # one restart behind, the next one ahead
        a.tell(fitness(a.ask()))
    b = cls.from_state_dict(restart_config(name), json.loads(json.dumps(a.state_dict())))
    assert b.pop_size == a.pop_size and b.restarts == 1
    for _ in range(5):
        assert np.array_equal(a.ask().values, b.ask().values)
        a.tell(fitness(a.ask()))
        b.tell(fitness(b.ask()))
    assert json.dumps(a.state_dict()) == json.dumps(b.state_dict())


def test_restarts_with_factor_one_keep_the_population_and_draw_new_samples():
    """``restart_pop_factor = 1`` (the DPNV task file): independent restarts at the first population; each start
    samples afresh from the initial distribution, not a replay of the first start."""
    algo = algorithm_class("cmaes")(restart_config("cmaes", restart_pop_factor=1.0), seed=0)
    firsts, sizes = [], []
    for _ in range(9):
        pop = algo.ask()
        if algo.generation - algo.start_generation == 0:
            firsts.append(pop.values.copy())
        sizes.append(len(pop))
        algo.tell(fitness(pop))
    assert algo.restarts == 2 and sizes == [sizes[0]] * 9
    assert len(firsts) == 3 and not np.array_equal(firsts[0], firsts[1]) and not np.array_equal(firsts[1], firsts[2])
