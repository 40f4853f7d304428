"""The run loop's champion test: `task.champion_solved(policy, fitness)` on gymnasium and double-pole tasks (cheap
gates on the training fitness, recorded figures, remembered results) and its use by `topoevo.run.Run`."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from topoevo.config import load_config
from topoevo.errors import EvaluationError
from topoevo.genome.io import load_genome_with_metadata
from topoevo.neat import NEAT
from topoevo.run import Run
from topoevo.tasks.double_pole import DoublePoleNoVelocitiesParams, DoublePoleParams, DoublePoleTask
from topoevo.tasks.gym import HELD_OUT_SEED, GymParams, GymTask

ROOT = Path(__file__).resolve().parents[1]

# DPNV: a linear controller on positions with finite-difference velocity estimates (as in tests/test_double_pole.py)
DIFF_W = np.array([-0.67, -3.84, 2.31])
DIFF_V = np.array([-76.0, -49.5, 9.7])
LQR_DPV = np.array([-0.67, -0.63, -3.84, -3.81, 2.31, 0.75])


class Linear:
    """One linear policy out = 0.5 + w.obs (+ v.(obs - previous obs)), counting its calls."""

    def __init__(self, w: np.ndarray, v: np.ndarray | None = None, size: int = 1):
        self.w, self.v, self.size = np.asarray(w, dtype=np.float64), v, size
        self.prev = None
        self.calls = 0

    def reset(self) -> None:
        self.prev = None

    def __call__(self, obs):
        self.calls += 1
        obs = np.asarray(obs, dtype=np.float64)
        out = 0.5 + obs @ self.w
        if self.v is not None:
            prev = obs if self.prev is None else self.prev
            out = out + (obs - prev) @ self.v
        self.prev = obs.copy()
        return out[..., None]


class CartPoleLinear:
    """A CartPole policy: push towards the pole's lean (action 1 when theta + theta_dot > 0)."""

    size = 1

    def __init__(self) -> None:
        self.calls = 0

    def reset(self) -> None:
        pass

    def __call__(self, obs):
        self.calls += 1
        obs = torch.as_tensor(obs)
        s = obs[..., 2:3] + obs[..., 3:4]
        return torch.cat([-s, s], dim=-1)


def test_gym_champion_test_is_gated_by_the_training_fitness():
    with GymTask(GymParams(env_id="CartPole-v1", solved_return=475.0, held_out_episodes=5)) as task:
        policy = CartPoleLinear()
        assert not task.champion_solved(policy, 474.0)
        assert policy.calls == 0 and task.champion_test is None
        assert task.champion_solved(policy, 500.0)
        assert task.champion_test == {"held_out_return": 500.0, "held_out_episodes": 5,
                                      "held_out_seed": HELD_OUT_SEED, "solved_return": 475.0}
        assert task.champion_test["held_out_return"] == task.held_out_return(policy, seed=HELD_OUT_SEED)[0]
        with pytest.raises(EvaluationError):
            task.champion_solved(Linear(np.zeros((4, 2)), size=2), 500.0)
    with GymTask(GymParams(env_id="CartPole-v1")) as unset:  # no solved_return: never solved by the test
        assert not unset.champion_solved(CartPoleLinear(), 500.0)


def test_dpnv_champion_test_gates_replays_and_remembers():
    task = DoublePoleTask(DoublePoleNoVelocitiesParams(success_steps=3000))
    assert not task.may_solve(0.0999) and task.may_solve(0.1)
    policy = Linear(DIFF_W, DIFF_V)
    assert not task.champion_solved(policy, 0.05)  # fitness shows fewer than 1,000 decisions: no test at all
    assert policy.calls == 0 and task.champion_test is None
    assert task.champion_solved(policy, 0.5)
    test = dict(task.champion_test)
    assert test["balanced_steps"] == 3000 and test["generalization"] >= 200
    assert test["generalization"] == task.generalization(Linear(DIFF_W, DIFF_V))
    again = Linear(DIFF_W, DIFF_V)  # the same behaviour: only the 1,000-decision replay runs again
    assert task.champion_solved(again, 0.5) and again.calls == 1000
    assert task.champion_test == test
    # the threshold is part of the test: a stricter task fails the same champion on generalization
    strict = DoublePoleTask(DoublePoleNoVelocitiesParams(success_steps=3000,
                                                         generalization_threshold=test["generalization"] + 1))
    assert not strict.champion_solved(Linear(DIFF_W, DIFF_V), 0.5)
    assert "balanced_steps" in strict.champion_test and strict.champion_test["balanced_steps"] == 1000
    # a policy that falls within the replay fails there (a gate on fitness alone is only a necessary condition)
    weak = Linear(DIFF_W * 0.3, DIFF_V * 0.5)
    assert not task.champion_solved(weak, 0.5)
    assert task.champion_test["balanced_steps"] < 1000 and "generalization" not in task.champion_test
    assert task.champion_solved(Linear(DIFF_W, DIFF_V))  # no fitness given: the full test


def test_dpv_champion_test_needs_a_fully_balanced_evaluation():
    task = DoublePoleTask(DoublePoleParams(max_steps=1000, success_steps=3000))
    policy = Linear(LQR_DPV)
    assert not task.champion_solved(policy, 999.0) and policy.calls == 0
    assert task.champion_solved(policy, 1000.0)
    assert task.champion_test["balanced_steps"] == 3000 and "generalization" not in task.champion_test


def test_run_loop_stops_on_a_passed_champion_test_and_records_it(tmp_path):
    config = load_config(ROOT / "tasks" / "cartpole.toml", {"run": {"progress": False, "generations": 20},
                                                 "neat": {"pop_size": 30}})
    run = Run.start(config, out=tmp_path / "run", seed=3)
    summary = run.loop()
    run.task.close()
    assert summary.solved and summary.stop_reason == "solved"
    test = run.champion_test
    assert test is not None and test["held_out_return"] >= 475.0 and test["held_out_episodes"] == 100
    genome, meta = load_genome_with_metadata(tmp_path / "run" / "champion.json")
    assert meta["champion_test"] == test and meta["solved"] is True
    assert meta["evaluations"] == summary.evaluations_to_solve <= summary.evaluations
    assert genome.fitness >= 475.0  # the test only runs on champions whose training fitness reached the threshold
    resumed = Run.resume(tmp_path / "run")  # the figures survive in the checkpoint
    assert resumed.champion_test == test


def _neat_with(species_best: dict[int, float], minimise: bool = False) -> NEAT:
    """A NEAT shell holding only what `champion_to_test` reads: the criterion and the species records."""
    from types import SimpleNamespace

    algo = object.__new__(NEAT)
    algo.config = SimpleNamespace(run=SimpleNamespace(fitness_criterion="min" if minimise else "max"))
    algo.species_set = SimpleNamespace(species={sid: SimpleNamespace(best_score=b) for sid, b in species_best.items()})
    algo.checked_species = set()
    return algo


def test_species_champions_are_tested_in_turn_as_in_stanleys_pole2_epoch():
    from types import SimpleNamespace

    candidates = [SimpleNamespace(species=s) for s in (1, 1, 2, 2, 3)]
    fitness = np.array([5.0, 4.0, 3.0, 6.0, 1.0])
    order = np.argsort(-fitness, kind="stable")
    algo = _neat_with({1: float("-inf"), 2: float("-inf"), 3: float("-inf")})
    assert algo.champion_to_test(candidates, fitness, order, True) == 3  # best species (2) first
    for sid, best in ((1, 5.0), (2, 6.0), (3, 1.0)):  # tell() records each species' best
        algo.species_set.species[sid].best_score = best
    assert algo.champion_to_test(candidates, fitness, order, True) == 0  # species 2 checked, not improved: 1
    assert algo.champion_to_test(candidates, fitness, order, True) == 4  # then species 3
    assert algo.champion_to_test(candidates, fitness, order, True) == 3  # all checked: the best species again
    improved = np.array([7.0, 4.0, 3.0, 6.0, 1.0])  # species 1 beats its record: unchecked, and now the best
    assert algo.champion_to_test(candidates, improved, np.argsort(-improved, kind="stable"), True) == 0
    assert algo.checked_species == {1, 2, 3}
    # without the task's request, the generation's best is tested
    plain = _neat_with({1: 0.0, 2: 0.0, 3: 0.0})
    assert plain.champion_to_test(candidates, fitness, order, False) == 3
    assert DoublePoleTask(DoublePoleNoVelocitiesParams()).test_species_champions
    assert not DoublePoleTask(DoublePoleParams()).test_species_champions
