"""Double-pole physics and tasks: vectorized == scalar reference, known trajectories, fitness formulas, success test."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from topoevo.config import Config
from topoevo.errors import ConfigError, EvaluationError
from topoevo.tasks import double_pole_physics as phys
from topoevo.tasks.double_pole import (DoublePoleNoVelocitiesParams, DoublePoleParams, DoublePoleTask,
                                       DoublePoleVariant, DoublePoleVelocitiesParams, generalization_starts,
                                       gruau_fitness)
from topoevo.tasks.registry import task_class, task_params_class

BACKENDS = [phys.Backend.NUMPY] + ([phys.Backend.NUMBA] if phys.NUMBA_AVAILABLE else [])
DPV_SCALE = (4.8, 2.0, 0.52, 2.0, 0.52, 2.0)
DPNV_SCALE = (4.8, 0.52, 0.52)

# A linear state-feedback controller on the DPV inputs (discrete LQR on the linearised decision map, rounded).
LQR_DPV = np.array([-0.67, -0.63, -3.84, -3.81, 2.31, 0.75])
# The same gains on positions only, velocities estimated by finite differences of successive inputs (DPNV).
DIFF_W = np.array([-0.67, -3.84, 2.31])
DIFF_V = np.array([-76.0, -49.5, 9.7])


class LinearPolicy:
    """P linear maps out = b + sum_i w_i obs_i (fixed summation order, so every row is computed the same way in any
    batch), optionally with a finite-difference term v_i (obs_i - previous obs_i) that makes it recurrent."""

    def __init__(self, w: np.ndarray, b: np.ndarray | float = 0.5, v: np.ndarray | None = None,
                 as_torch: bool = False):
        self.w = np.atleast_2d(np.asarray(w, dtype=np.float64))
        self.v = None if v is None else np.atleast_2d(np.asarray(v, dtype=np.float64))
        self.b = np.broadcast_to(np.asarray(b, dtype=np.float64), (self.w.shape[0],)).copy()
        self.as_torch = as_torch
        self.prev: np.ndarray | None = None
        self.calls = 0
        self.resets = 0

    @property
    def size(self) -> int:
        return self.w.shape[0]

    def reset(self) -> None:
        self.prev = None
        self.resets += 1

    def __call__(self, obs):
        self.calls += 1
        obs = np.asarray(obs, dtype=np.float64)
        assert obs.ndim == 3 and obs.shape[0] == self.size and obs.shape[2] == self.w.shape[1]
        prev = obs if self.prev is None else self.prev
        out = np.broadcast_to(self.b[:, None], obs.shape[:2]).copy()
        for i in range(obs.shape[2]):
            out = out + self.w[:, i, None] * obs[:, :, i]
            if self.v is not None:
                out = out + self.v[:, i, None] * (obs[:, :, i] - prev[:, :, i])
        self.prev = obs.copy()
        out = out[:, :, None]
        return torch.from_numpy(out) if self.as_torch else out

    def row(self, i: int) -> "LinearPolicy":
        return LinearPolicy(self.w[i], self.b[i], None if self.v is None else self.v[i])


def reference_rollout(policy: LinearPolicy, start, steps: int, velocities: bool):
    """One cart, scalar physics, plain loop (the C++ ``evalNet`` structure): balanced count, jiggles, final state."""
    policy.reset()
    state = tuple(float(s) for s in start)
    balanced, jiggles = 0, []
    for _ in range(steps):
        if velocities:
            obs = [state[i] / DPV_SCALE[i] for i in range(6)]
        else:
            obs = [state[0] / 4.8, state[2] / 0.52, state[4] / 0.52]
        output = float(np.asarray(policy(np.array(obs).reshape(1, 1, -1))).reshape(-1)[0])
        state = phys.step(state, output)
        if phys.is_failed(state):
            break
        balanced += 1
        jiggles.append(abs(state[0]) + abs(state[1]) + abs(state[2]) + abs(state[3]))
    return balanced, jiggles, state


def reference_gruau(balanced: int, jiggles: list[float]) -> float:
    if balanced <= 100:
        return 0.1 * (balanced / 1000.0)
    total = 0.0
    for j in jiggles[-100:]:
        total += j
    return 0.1 * (balanced / 1000.0) + 0.9 * (0.75 / total)


def random_states(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    states = rng.uniform(-1, 1, (n, 6)) * np.array([2.6, 3.0, 0.8, 4.0, 0.8, 8.0])
    outputs = rng.uniform(-0.3, 1.3, n)  # some outside [0, 1]: clipped
    return states, outputs


# ------------------------------------------------------------------------------------------------------- physics
@pytest.mark.parametrize("backend", BACKENDS)
def test_vectorized_step_equals_scalar_reference_bitwise(backend):
    states, outputs = random_states(3000, seed=1)
    got = phys.step_batch(states, outputs, backend)
    want = np.array([phys.step(tuple(s), o) for s, o in zip(states, outputs)])
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(phys.failed_batch(got), [phys.is_failed(s) for s in want])
    assert 0 < phys.failed_batch(got).sum() < len(got)


@pytest.mark.parametrize("backend", BACKENDS)
def test_advance_only_moves_alive_carts(backend):
    states, outputs = random_states(200, seed=2)
    states[:, 0] *= 0.5  # most start inside the track
    alive = ~phys.failed_batch(states)
    alive[::7] = False
    balanced = np.zeros(200, dtype=np.int64)
    before, was_alive = states.copy(), alive.copy()
    n_alive = phys.advance_batch(states, outputs, alive, balanced, backend)
    np.testing.assert_array_equal(states[~was_alive], before[~was_alive])
    for j in np.flatnonzero(was_alive):
        want = phys.step(tuple(before[j]), outputs[j])
        assert tuple(states[j]) == want
        assert alive[j] == (not phys.is_failed(want)) and balanced[j] == int(alive[j])
    assert n_alive == alive.sum()


# Reference state after 50 decisions of the LQR controller from the standard start (pins the equations).
EXPECTED_AFTER_50 = (0.28960455453734696, 0.20431180061227194, -0.03394349375692161, -0.011056619505194792,
                     -0.04553855190781079, 0.02880895362696269)


def test_fixed_trajectory_equal_across_implementations():
    state = phys.START_STATE
    batch = {backend: np.array([phys.START_STATE]) for backend in BACKENDS}
    for _ in range(50):
        output = 0.5
        for k in range(6):
            output = output + LQR_DPV[k] * (state[k] / DPV_SCALE[k])
        state = phys.step(state, output)
        for backend in BACKENDS:
            batch[backend] = phys.step_batch(batch[backend], [output], backend)
            assert tuple(batch[backend][0]) == state
        assert not phys.is_failed(state)
    np.testing.assert_allclose(state, EXPECTED_AFTER_50, rtol=1e-12, atol=1e-15)


def test_zero_force_fails_after_23_decisions():
    # output 0.5 = no force: the poles fall; the short one passes 36 degrees at the 23rd decision
    state, decisions = phys.START_STATE, 0
    while not phys.is_failed(state):
        state = phys.step(state, 0.5)
        decisions += 1
    assert decisions == 23
    assert abs(state[4]) > phys.FAILURE_ANGLE and abs(state[2]) <= phys.FAILURE_ANGLE
    task = DoublePoleTask(DoublePoleParams())
    policy = LinearPolicy(np.zeros((2, 6)))
    result = task.evaluate(policy, np.zeros(2, dtype=np.int64))
    assert result.fitness.tolist() == [22.0, 22.0]  # decisions balanced (the C++ loop counter would say 23)
    assert policy.calls == 23  # the loop stops once every cart failed
    run = task.simulate(policy, np.array([phys.START_STATE]), 100)
    assert tuple(run.states[0, 0]) == state  # frozen in its failing state


def test_start_angle_sets_the_standard_start():
    # Gomez et al. 2008 start the long pole at 4.5 degrees: the same zero-force rollout as the scalar reference
    angle = math.radians(4.5)
    params = DoublePoleParams(start_angle=angle)
    assert params.start_state.tolist() == [[0.0, 0.0, angle, 0.0, 0.0, 0.0]]
    assert DoublePoleParams().start_state[0, 2] == phys.START_ANGLE == 0.07
    state, decisions = (0.0, 0.0, angle, 0.0, 0.0, 0.0), 0
    while not phys.is_failed(state):
        state = phys.step(state, 0.5)
        decisions += 1
    result = DoublePoleTask(params).evaluate(LinearPolicy(np.zeros((1, 6))), np.zeros(1, dtype=np.int64))
    assert result.fitness.tolist() == [float(decisions - 1)]
    with pytest.raises(ConfigError, match="start_angle"):
        Config.from_dict({"task": {"name": "double_pole_velocities", "start_angle": 1.0}})


def test_force_mapping_and_nan():
    assert phys.force_from_output(1.0) == 10.0 and phys.force_from_output(0.0) == -10.0
    assert phys.force_from_output(3.0) == 10.0 and phys.force_from_output(-2.0) == -10.0
    assert math.isnan(phys.force_from_output(float("nan")))
    assert phys.is_failed((float("nan"),) * 6)
    task = DoublePoleTask()
    nan_policy = LinearPolicy(np.zeros((1, 6)), b=float("nan"))
    assert task.evaluate(nan_policy, np.zeros(1)).fitness.tolist() == [0.0]


# ---------------------------------------------------------------------------------------------------------- DPV
@pytest.mark.parametrize("backend", BACKENDS)
def test_dpv_fitness_equals_reference_rollouts(backend):
    rng = np.random.default_rng(3)
    w = np.vstack([LQR_DPV, LQR_DPV * rng.uniform(0.3, 1.5, (5, 6)), rng.normal(0, 1, (4, 6))])
    policy = LinearPolicy(w, as_torch=True)
    task = DoublePoleTask(DoublePoleParams(max_steps=400), backend=backend)
    result = task.evaluate(policy, np.arange(len(w)))
    want = [reference_rollout(policy.row(i), phys.START_STATE, 400, True)[0] for i in range(len(w))]
    assert result.fitness.tolist() == [float(b) for b in want]
    assert result.info["balanced_steps"].tolist() == want
    assert result.solved is not None and not result.solved.any()  # 400 < success_steps
    assert policy.resets == 1


def test_lqr_controller_balances_and_is_solved():
    task = DoublePoleTask(DoublePoleParams(max_steps=3000, success_steps=3000))
    result = task.evaluate(LinearPolicy(np.vstack([LQR_DPV, np.zeros(6)])), np.zeros(2))
    assert result.fitness.tolist() == [3000.0, 22.0]
    assert result.solved.tolist() == [True, False]
    assert task.champion_solved(LinearPolicy(LQR_DPV))
    assert not task.champion_solved(LinearPolicy(np.zeros(6)))
    with pytest.raises(EvaluationError):
        task.champion_solved(LinearPolicy(np.vstack([LQR_DPV, LQR_DPV])))


@pytest.mark.slow
def test_lqr_controller_balances_100k_decisions():
    task = DoublePoleTask(DoublePoleVelocitiesParams())
    result = task.evaluate(LinearPolicy(LQR_DPV), np.zeros(1))
    assert result.fitness.tolist() == [100_000.0] and result.solved.tolist() == [True]


# --------------------------------------------------------------------------------------------------------- DPNV
def test_gruau_fitness_cases():
    assert gruau_fitness(np.array([0]), np.array([0.0]))[0] == 0.0
    assert gruau_fitness(np.array([100]), np.array([5.0]))[0] == 0.1 * (100 / 1000.0)  # t <= 100: no damping
    assert gruau_fitness(np.array([101]), np.array([5.0]))[0] == 0.1 * (101 / 1000.0) + 0.9 * (0.75 / 5.0)
    assert gruau_fitness(np.array([1000]), np.array([0.75]))[0] == 0.1 + 0.9


def dpnv_policies() -> LinearPolicy:
    # gains scaled so the carts fail at various times: 22, 104, 123, 311, 843 and never (1000)
    scales = [(0.0, 0.0), (0.2, 1.1), (0.2, 1.4), (0.3, 0.5), (0.3, 0.6), (1.0, 1.0), (0.5, 1.0)]
    return LinearPolicy(np.array([DIFF_W * a for a, _ in scales]), 0.5, np.array([DIFF_V * c for _, c in scales]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_dpnv_fitness_equals_reference_rollouts(backend):
    policy = dpnv_policies()
    task = DoublePoleTask(DoublePoleNoVelocitiesParams(), backend=backend)
    assert (task.num_inputs, task.num_outputs) == (3, 1)
    result = task.evaluate(policy, np.zeros(policy.size))
    assert result.solved is None
    balanced = result.info["balanced_steps"].tolist()
    assert balanced == [22, 104, 123, 311, 843, 1000, 1000]
    for i in range(policy.size):
        b, jiggles, _ = reference_rollout(policy.row(i), phys.START_STATE, 1000, False)
        assert b == balanced[i]
        assert result.fitness[i] == reference_gruau(b, jiggles)
    again = task.evaluate(policy, np.zeros(policy.size))  # reset() clears the recurrent state
    np.testing.assert_array_equal(again.fitness, result.fitness)


def test_generalization_starts_follow_the_c_code():
    starts = generalization_starts()
    assert starts.shape == (625, 6)
    assert np.all(starts[:, 4:] == 0)
    np.testing.assert_allclose(starts[0, :4], [0.05 * 4.32 - 2.16, 0.05 * 2.70 - 1.35, 0.05 * 0.12566304 - 0.06283152,
                                               0.05 * 0.30019504 - 0.15009752])
    np.testing.assert_allclose(starts[1, :4], [*starts[0, :3], 0.25 * 0.30019504 - 0.15009752])  # th1_dot fastest
    np.testing.assert_allclose(starts[312, :4], [0, 0, 0, 0], atol=1e-15)  # the centre
    np.testing.assert_allclose(starts[-1, :4], [1.944, 1.215, 0.056548368, 0.135087768])
    assert len({tuple(s) for s in starts}) == 625


def test_generalization_batch_equals_single_runs_and_success_test():
    policy = LinearPolicy(DIFF_W, 0.5, DIFF_V)
    params = DoublePoleNoVelocitiesParams(success_steps=2000)
    task = DoublePoleTask(params)
    run = task.simulate(policy, generalization_starts(), 1000)
    assert run.balanced.shape == (1, 625)
    starts = generalization_starts()
    for k in (0, 77, 156, 300, 312, 401, 555, 624):
        b, _, _ = reference_rollout(policy, starts[k], 1000, False)
        assert b == run.balanced[0, k]
    count = task.generalization(policy)
    assert count == int((run.balanced >= 1000).sum())
    assert 200 <= count < 625
    assert task.champion_solved(policy)
    strict = DoublePoleTask(DoublePoleNoVelocitiesParams(success_steps=2000, generalization_threshold=count + 1))
    assert not strict.champion_solved(policy)
    assert not task.champion_solved(LinearPolicy(np.zeros(3)))
    # DPV reports generalization too; its success test ignores it unless asked
    dpv = DoublePoleTask(DoublePoleParams(success_steps=2000))
    assert 0 < dpv.generalization(LinearPolicy(LQR_DPV)) <= 625


# ------------------------------------------------------------------------------------------------ task plumbing
def test_registry_and_config():
    for name, variant, inputs, steps in (("double_pole_velocities", DoublePoleVariant.VELOCITIES, 6, 100_000),
                                         ("double_pole_no_velocities", DoublePoleVariant.NO_VELOCITIES, 3, 1000)):
        cfg = Config.from_dict({"task": {"name": name}})
        assert isinstance(cfg.task.params, task_params_class(name))
        task = task_class(name)(cfg.task.params)
        assert (task.variant, task.num_inputs, task.params.fitness_steps) == (variant, inputs, steps)
        assert Config.from_dict(cfg.to_dict()).task.params == cfg.task.params
    with pytest.raises(ConfigError, match="task.variant"):
        Config.from_dict({"task": {"name": "double_pole_velocities", "variant": "no_velocities"}})
    with pytest.raises(ConfigError, match="did you mean 'max_steps'"):
        Config.from_dict({"task": {"name": "double_pole_no_velocities", "max_step": 10}})
    with pytest.raises(ConfigError, match="generalization_threshold"):
        Config.from_dict({"task": {"name": "double_pole_no_velocities", "generalization_threshold": 626}})


def test_task_files_load():
    from pathlib import Path

    from topoevo.config import load_config

    root = Path(__file__).resolve().parents[1] / "tasks"
    assert load_config(root / "double_pole_velocities.toml").task.params.variant is DoublePoleVariant.VELOCITIES
    nv = load_config(root / "double_pole_no_velocities.toml").task.params
    assert nv.variant is DoublePoleVariant.NO_VELOCITIES and nv.fitness_steps == 1000


def test_bad_policy_output_shape():
    class Wrong:
        size = 2

        def reset(self):
            pass

        def __call__(self, obs):
            return np.zeros((1, 1, 1))

    with pytest.raises(EvaluationError, match="policy returned shape"):
        DoublePoleTask().evaluate(Wrong(), np.zeros(2))
