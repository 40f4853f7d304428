"""NSGA-II's parent tournaments: the hypervolume gradient against finite differences of the hypervolume (property
test), the tournament's winner, resume = uninterrupted with the gradient criterion."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from topoevo.config import Config
from topoevo.nas.candidate import NASCandidate
from topoevo.nas.nsga2 import NSGA2, objective_values
from topoevo.nas.pareto import hypervolume, hypervolume_gradient, non_dominated_sort

points = st.integers(1, 12).flatmap(lambda n: st.integers(1, 3).flatmap(
    lambda m: st.lists(st.lists(st.integers(0, 5), min_size=m, max_size=m), min_size=n, max_size=n)))


@settings(max_examples=150, deadline=None)
@given(points, st.data())
def test_hypervolume_gradient_is_the_one_sided_derivative_of_the_hypervolume(rows, data):
    f = np.array(rows, dtype=np.float64)
    ref = np.full(f.shape[1], 6.0)  # (strictly above every point: every row inside)
    j = data.draw(st.integers(0, f.shape[1] - 1))
    g = hypervolume_gradient(f, ref, j)
    eps = 1e-3  # (integer points: the hypervolume is linear in one value between integers)
    for i in range(len(f)):
        lower = f.copy()
        lower[i, j] -= eps
        assert g[i] == pytest.approx((hypervolume(lower, ref) - hypervolume(f, ref)) / eps, abs=1e-6)


def test_hypervolume_gradient_in_two_objectives_is_the_stretch_to_the_next_more_accurate_member():
    f = np.array([[0.5, 0.01], [0.2, 0.05], [0.1, 0.3], [0.3, 0.4]])  # (error, parameters / reference)
    np.testing.assert_allclose(hypervolume_gradient(f, np.ones(2), 0), [0.04, 0.25, 0.7, 0.0])


def config(**nas) -> Config:
    return Config.from_dict({"task": {"name": "nas", "dataset": "digits", "epochs": 1},
                             "run": {"algorithm": "nsga2", "progress": False},
                             "nas": {"population": 6, "sample_size": 3, "batch": 1, "max_blocks": 3, **nas}})


def fake_fitness(cands: list[NASCandidate]) -> list[float]:
    return [(c.arch.cost().parameters * 7919) % 1000 / 1000 for c in cands]


def test_gradient_tournaments_pick_the_front_member_with_the_largest_gradient():
    algo = NSGA2(config(nsga2_parents="hypervolume_gradient", nsga2_tournament=200), seed=4)
    algo.tell(fake_fitness(algo.ask()))
    f = objective_values(algo.population, algo.objectives) / algo.reference
    front = non_dominated_sort(f)[0]
    g = hypervolume_gradient(f[front], np.ones(2), 0)
    best = algo.population[int(front[int(np.argmax(g))])]  # (200 draws of 6 members: all drawn)
    assert all(algo.tournament() is best for _ in range(5))
    accurate = int(front[int(np.argmin(f[front, 0]))])  # the most accurate member's stretch reaches the reference
    assert algo.parent_score[accurate] == pytest.approx(1 - f[accurate, 1])


def test_gradient_tournaments_resume_from_the_state_identically():
    def trace(algo: NSGA2, gens: int) -> list:
        out = []
        for _ in range(gens):
            cands = algo.ask()
            out.append([(c.key, c.parent) for c in cands] + [algo.tell(fake_fitness(cands)).hypervolume])
        return out

    cfg = config(nsga2_parents="hypervolume_gradient", nsga2_tournament=3, nsga2_diversity="hypervolume")
    whole = trace(NSGA2(cfg, seed=3), 9)
    part = NSGA2(cfg, seed=3)
    first = trace(part, 5)
    state = json.loads(json.dumps(part.state_dict()))
    assert first + trace(NSGA2.from_state_dict(cfg, state), 4) == whole
    assert whole != trace(NSGA2(config(), seed=3), 9)


def test_gradient_proportional_parents_are_drawn_from_the_front_in_proportion_to_their_gradient():
    algo = NSGA2(config(nsga2_parents="gradient_proportional", population=8), seed=2)
    for _ in range(4):
        algo.tell(fake_fitness(algo.ask()))
    f = objective_values(algo.population, algo.objectives) / algo.reference
    g = hypervolume_gradient(f, np.ones(2), 0)
    np.testing.assert_allclose(algo.parent_score, g)
    assert (g[np.setdiff1d(np.arange(len(f)), non_dominated_sort(f)[0])] == 0).all()  # dominated: never parents
    index = {id(c): i for i, c in enumerate(algo.population)}
    counts = np.bincount([index[id(algo.tournament())] for _ in range(4000)], minlength=len(f))
    assert (counts[g == 0] == 0).all()
    np.testing.assert_allclose(counts / 4000, g / g.sum(), atol=0.03)
