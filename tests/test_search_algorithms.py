"""The weight algorithms as ask/tell objects: the deep GA's truncation, elitism, mutation and crossovers, the
steady-state variant's replacement, OpenAI-ES's antithetic sampling, centered ranks, Adam and weight decay, the
fitness criterion, and their state round-tripping through JSON."""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from topoevo.algorithm import algorithm_class, algorithm_names
from topoevo.config import Config
from topoevo.config.weights import Crossover, FitnessShaping, GAConfig
from topoevo.search.es import Adam, OpenAIES, centered_ranks, shape_fitness
from topoevo.search.ga import SteadyStateGA, WeightGA, make_children
from topoevo.search.models import ModelKind, ModelSpec
from topoevo.search.params import ParameterLayout


def config(algorithm: str, inputs: int = 3, outputs: int = 2, **sections: dict[str, Any]) -> Config:
    data: dict[str, Any] = {"task": {"name": "xor"}, "genome": {"num_inputs": inputs, "num_outputs": outputs},
                            "run": {"algorithm": algorithm}, "model": {"hidden": [4]}}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return Config.from_dict(data)


def sphere(values: np.ndarray, target: float = 0.5) -> np.ndarray:
    """Fitness to maximise: minus the squared distance of every parameter to ``target``."""
    return -((values.astype(np.float64) - target) ** 2).sum(axis=1)


def test_algorithms_are_registered():
    assert {"ga", "steady_state_ga", "es"} <= set(algorithm_names())
    assert algorithm_class("ga") is WeightGA
    assert algorithm_class("steady_state_ga") is SteadyStateGA
    assert algorithm_class("es") is OpenAIES


# ---- deep GA ----------------------------------------------------------------------------------------------------
def test_ga_keeps_elites_and_breeds_children_of_the_truncated_best():
    cfg = config("ga", ga={"pop_size": 30, "truncation": 5, "elitism": 2, "mutation_power": 1e-4})
    ga = WeightGA(cfg, seed=3)
    pop = ga.ask().values.copy()
    fitness = sphere(pop)
    stats = ga.tell(fitness)
    best = np.argsort(-fitness)
    new = ga.ask().values
    assert new.shape == pop.shape
    assert np.array_equal(new[0], pop[best[0]]) and np.array_equal(new[1], pop[best[1]])  # elites, unchanged
    assert stats.best_fitness == fitness.max() and stats.best_index == best[0] and stats.evaluations == 30
    for child in new[2:]:
        distance = np.abs(pop - child).max(axis=1)
        parent = int(np.argmin(distance))
        assert parent in best[:5] and 0 < distance[parent] < 1e-2  # a mutated copy of one of the best 5


def test_ga_improves_a_sphere_function():
    ga = WeightGA(config("ga", ga={"pop_size": 40, "truncation": 8, "mutation_power": 0.05}), seed=0)
    first = None
    for _ in range(30):
        stats = ga.tell(sphere(ga.ask().values))
        first = stats.best_fitness if first is None else first
    assert stats.best_fitness > first / 4
    assert ga.best is not None and ga.best.fitness == max(ga.best.fitness, stats.best_fitness)


@pytest.mark.parametrize("kind", [Crossover.UNIFORM, Crossover.TENSOR, Crossover.ONE_POINT])
def test_crossovers_mix_two_parents_as_documented(kind: Crossover):
    layout = ParameterLayout.of(ModelSpec(ModelKind.MLP, 3, 2, hidden=(4,)))
    d = layout.size
    parents = np.stack([np.full(d, 1.0), np.full(d, 2.0)]).astype(np.float32)
    cfg = GAConfig(crossover=kind, crossover_rate=1.0, mutation_power=1e-6)
    children = np.round(make_children(parents, 200, cfg, layout, np.random.default_rng(0)))
    assert set(np.unique(children)) <= {1.0, 2.0}
    mixed = [c for c in children if len(set(c)) == 2]
    assert len(mixed) > 50  # parent picks collide half the time; the rest really mix
    for c in mixed:
        if kind is Crossover.TENSOR:
            for _, sl, _ in layout.slices():
                assert len(set(c[sl])) == 1
        elif kind is Crossover.ONE_POINT:
            change = np.flatnonzero(np.diff(c))
            assert len(change) == 1
    if kind is Crossover.UNIFORM:
        assert any(len(set(c[sl])) == 2 for c in mixed for _, sl, _ in layout.slices())


def test_no_crossover_means_every_child_is_one_mutated_parent():
    layout = ParameterLayout.of(ModelSpec(ModelKind.MLP, 3, 2, hidden=(4,)))
    parents = np.stack([np.full(layout.size, 1.0), np.full(layout.size, 2.0)]).astype(np.float32)
    children = np.round(make_children(parents, 50, GAConfig(mutation_power=1e-6), layout, np.random.default_rng(1)))
    assert all(len(set(c)) == 1 for c in children)


def test_minimising_ga_keeps_the_lowest():
    cfg = config("ga", run={"fitness_criterion": "min"}, ga={"pop_size": 10, "truncation": 2, "elitism": 1})
    ga = WeightGA(cfg, seed=0)
    pop = ga.ask().values.copy()
    fitness = -sphere(pop)  # squared distance: lower is better
    stats = ga.tell(fitness)
    assert np.array_equal(ga.ask().values[0], pop[np.argmin(fitness)])
    assert stats.best_fitness == fitness.min() and stats.worst_fitness == fitness.max()
    assert ga.best.fitness == fitness.min()


def test_steady_state_ga_replaces_the_worst_and_never_loses_the_best():
    cfg = config("steady_state_ga", ga={"pop_size": 12, "truncation": 4, "offspring": 3, "mutation_power": 0.05})
    ga = SteadyStateGA(cfg, seed=2)
    assert len(ga.ask()) == 12  # the initial population is evaluated first
    stats = ga.tell(sphere(ga.ask().values))
    best = stats.best_fitness
    for _ in range(40):
        children = ga.ask().values
        assert children.shape[0] == 3
        before = ga.population.copy(), ga.member_fitness.copy()
        stats = ga.tell(sphere(children))
        assert stats.evaluated == 3 and ga.population.shape[0] == 12
        merged = np.concatenate([before[1], sphere(children)])
        assert np.array_equal(np.sort(ga.member_fitness), np.sort(merged)[-12:])
        assert stats.best_fitness >= best
        best = stats.best_fitness
    assert ga.evaluations == 12 + 40 * 3


# ---- OpenAI-ES --------------------------------------------------------------------------------------------------
def test_centered_ranks_share_ties_and_span_minus_half_to_half():
    r = centered_ranks(np.array([5.0, -1.0, 5.0, 2.0, 7.0]))
    assert r.tolist() == [0.125, -0.5, 0.125, -0.25, 0.5]
    assert centered_ranks(np.array([3.0, 3.0, 3.0])).tolist() == [0.0, 0.0, 0.0]
    z = shape_fitness(np.array([1.0, 2.0, 3.0]), FitnessShaping.Z_SCORE)
    assert z.mean() == pytest.approx(0.0) and z.std() == pytest.approx(1.0)


def test_es_candidates_are_the_centre_then_mirrored_pairs():
    es = OpenAIES(config("es", es={"pop_size": 8, "sigma": 0.1}), seed=0)
    values = es.ask().values
    assert values.shape == (9, es.layout.size)
    center = es.center
    assert np.array_equal(values[0], center)
    np.testing.assert_allclose(values[1::2] + values[2::2], np.broadcast_to(2 * center, (4, len(center))), atol=1e-6)
    np.testing.assert_allclose(values[1::2] - center, 0.1 * es.noise, atol=1e-6)
    assert es.ask() is es.ask()  # the same candidates until tell


def test_es_gradient_follows_a_linear_fitness():
    """For f = w . theta the ES gradient estimate points along w; with weight decay 0 and z-score shaping
    the first Adam step moves theta by about learning_rate per parameter in the direction sign(w)."""
    es = OpenAIES(config("es", es={"pop_size": 400, "sigma": 0.05, "weight_decay": 0.0, "fitness_shaping": "z_score",
                                   "learning_rate": 0.01, "evaluate_center": False}), seed=1)
    w = np.random.default_rng(7).normal(size=es.layout.size)
    before = es.theta.copy()
    es.tell(es.ask().values.astype(np.float64) @ w)
    step = es.theta - before
    cosine = step @ w / np.linalg.norm(step) / np.linalg.norm(w)
    assert cosine > 0.5
    assert np.abs(step).max() == pytest.approx(0.01, rel=1e-3)  # Adam's first step: lr * sign(grad)


def test_adam_matches_its_definition():
    opt = Adam.zeros(3)
    g1, g2 = np.array([1.0, -2.0, 0.5]), np.array([0.5, 1.0, -1.0])
    s1 = opt.step(g1, 0.1, 0.9, 0.999, 1e-8)
    s2 = opt.step(g2, 0.1, 0.9, 0.999, 1e-8)
    m = 0.9 * (0.1 * g1) + 0.1 * g2
    v = 0.999 * (0.001 * g1**2) + 0.001 * g2**2
    # Kingma & Ba's efficient form (also in Salimans et al.'s code): the bias corrections folded into the step size
    want = 0.1 * np.sqrt(1 - 0.999**2) / (1 - 0.9**2) * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(s1, 0.1 * np.sign(g1), rtol=1e-6)
    np.testing.assert_allclose(s2, want, rtol=1e-9)


def test_weight_decay_pulls_theta_to_zero_when_fitness_is_flat():
    es = OpenAIES(config("es", es={"pop_size": 10, "weight_decay": 0.5, "learning_rate": 0.01}), seed=0)
    norm = np.linalg.norm(es.theta)
    for _ in range(20):
        es.tell(np.zeros(len(es.ask())))
    assert np.linalg.norm(es.theta) < norm


def test_es_solves_a_sphere_function_and_minimises_when_asked():
    for criterion, sign in (("max", 1.0), ("min", -1.0)):
        es = OpenAIES(config("es", run={"fitness_criterion": criterion},
                             es={"pop_size": 20, "sigma": 0.05, "learning_rate": 0.05, "weight_decay": 0.0}), seed=0)
        start = sphere(es.center[None])[0]
        for _ in range(60):
            center = es.center
            stats = es.tell(sign * sphere(es.ask().values))
            assert stats.center_fitness == sign * sphere(center[None])[0]
        assert sphere(es.center[None])[0] > start / 20


def test_non_antithetic_es_uses_pop_size_independent_perturbations():
    es = OpenAIES(config("es", es={"pop_size": 5, "antithetic": False, "evaluate_center": False}), seed=0)
    assert es.noise.shape == (5, es.layout.size) and len(es.ask()) == 5
    es.tell(sphere(es.ask().values))


def test_tell_rejects_wrong_or_non_finite_fitness():
    ga = WeightGA(config("ga", ga={"pop_size": 4, "truncation": 2}), seed=0)
    with pytest.raises(ValueError, match="3 fitness values for 4"):
        ga.tell([0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        ga.tell([0.0, 1.0, float("nan"), 2.0])


# ---- state ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, sections", [
    ("ga", {"ga": {"pop_size": 12, "truncation": 4, "crossover": "uniform"}}),
    ("steady_state_ga", {"ga": {"pop_size": 10, "truncation": 3, "offspring": 4, "crossover": "one_point"}}),
    ("es", {"es": {"pop_size": 6}}),
])
@pytest.mark.parametrize("split", [0, 1, 3])
def test_state_round_trips_through_json_and_continues_identically(name: str, sections: dict[str, Any], split: int):
    cfg = config(name, **sections)
    cls = algorithm_class(name)

    def drive(algo: Any, generations: int) -> list[dict[str, Any]]:
        return [algo.tell(sphere(algo.ask().values)).to_dict() for _ in range(generations)]

    whole = cls(cfg, seed=4)
    history = drive(whole, 6)
    part = cls(cfg, seed=4)
    head = drive(part, split)
    state = json.loads(json.dumps(part.state_dict()))
    resumed = cls.from_state_dict(cfg, state)
    assert np.array_equal(resumed.ask().values, part.ask().values)
    assert head + drive(resumed, 6 - split) == history
    assert json.dumps(resumed.state_dict(), sort_keys=True) == json.dumps(whole.state_dict(), sort_keys=True)


def test_same_seed_same_candidates_other_seed_other_candidates():
    cfg = config("ga", ga={"pop_size": 6, "truncation": 2})
    assert np.array_equal(WeightGA(cfg, seed=1).ask().values, WeightGA(cfg, seed=1).ask().values)
    assert not np.array_equal(WeightGA(cfg, seed=1).ask().values, WeightGA(cfg, seed=2).ask().values)
