"""CartPole-v1 stepped by one compiled (numba) loop over the running environments: the gym task's
``vectorization = "compiled"``.

The dynamics are gymnasium's ``CartPoleEnv`` (Barto, Sutton & Anderson 1983 as gymnasium writes them; gymnasium
1.x ``classic_control/cartpole.py``): g = 9.8, cart 1.0 kg, pole 0.1 kg with half-length 0.5 m, force +-10 N,
explicit Euler with tau = 0.02 s, termination at |x| > 2.4 or |theta| > 12 degrees, reward 1 per step (the
terminating step included), truncation after ``max_episode_steps`` (500 for CartPole-v1). Each operation follows
gymnasium's order in float64 and observations are the float32 cast of the state, so an episode here equals
gymnasium's episode reset with the same seed (tests/test_cartpole_compiled.py steps both side by side; gymnasium's
environment is the independent reference). Environment k starts where ``gymnasium.make("CartPole-v1")`` reset with
``seeds[k]`` starts (``seeding.np_random(seed).uniform(-0.05, 0.05, 4)``).

What it saves against gymnasium's native ``CartPoleVectorEnv``: its per-step action-space check, the array
allocations of a step over every sub-environment, and stepping finished ones; one step of N running environments
costs a few nanoseconds each.

>>> batch = CompiledCartPole(max_episode_steps=500)
>>> obs = batch.reset([1, 2])
>>> obs.shape, obs.dtype
((2, 4), dtype('float32'))
>>> o, r, done = batch.step(np.array([1, 0]), np.array([0, 1]))
>>> r.tolist(), done.tolist()
([1.0, 1.0], [False, False])
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

GRAVITY = 9.8
MASS_CART = 1.0
MASS_POLE = 0.1
TOTAL_MASS = MASS_POLE + MASS_CART
LENGTH = 0.5  # half the pole's length
POLEMASS_LENGTH = MASS_POLE * LENGTH
FORCE_MAG = 10.0
TAU = 0.02
THETA_THRESHOLD = 12 * 2 * math.pi / 360
X_THRESHOLD = 2.4
RESET_LOW, RESET_HIGH = -0.05, 0.05
ENV_IDS = ("CartPole-v1", "CartPole-v0")  # ids whose dynamics these are (v0: 200 steps)


def _step_loop(state: np.ndarray, steps: np.ndarray, actions: np.ndarray, ids: np.ndarray, max_steps: int,
               obs: np.ndarray, done: np.ndarray) -> None:
    """Step environments ``ids`` with ``actions`` (0 = push left, 1 = push right) in place; write their float32
    observations and whether their episodes ended (terminated or truncated) into ``obs`` and ``done``."""
    for j in range(ids.shape[0]):
        k = ids[j]
        x, x_dot, theta, theta_dot = state[k, 0], state[k, 1], state[k, 2], state[k, 3]
        force = FORCE_MAG if actions[j] == 1 else -FORCE_MAG
        costheta = math.cos(theta)
        sintheta = math.sin(theta)
        temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS
        thetaacc = (GRAVITY * sintheta - costheta * temp) / (
            LENGTH * (4.0 / 3.0 - MASS_POLE * (costheta * costheta) / TOTAL_MASS))
        xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS
        x = x + TAU * x_dot
        x_dot = x_dot + TAU * xacc
        theta = theta + TAU * theta_dot
        theta_dot = theta_dot + TAU * thetaacc
        state[k, 0], state[k, 1], state[k, 2], state[k, 3] = x, x_dot, theta, theta_dot
        obs[j, 0], obs[j, 1], obs[j, 2], obs[j, 3] = x, x_dot, theta, theta_dot
        steps[k] += 1
        terminated = x < -X_THRESHOLD or x > X_THRESHOLD or theta < -THETA_THRESHOLD or theta > THETA_THRESHOLD
        done[j] = terminated or steps[k] >= max_steps


_kernel: Callable[..., None] | None = None


def _compiled() -> Callable[..., None]:
    """:func:`_step_loop` compiled once per process (numba caches the machine code on disk)."""
    global _kernel
    if _kernel is None:
        import numba

        _kernel = numba.njit(cache=True, nogil=True)(_step_loop)
    return _kernel


def start_state(seed: int) -> np.ndarray:
    """The state ``CartPoleEnv.reset(seed=seed)`` starts from (float64, 4 values).

    >>> import gymnasium
    >>> env = gymnasium.make("CartPole-v1")
    >>> bool(np.array_equal(env.reset(seed=5)[0], start_state(5).astype(np.float32)))
    True
    """
    # gymnasium.utils.seeding.np_random(seed) = Generator(PCG64(SeedSequence(seed))); PCG64(seed) builds the same
    rng = np.random.Generator(np.random.PCG64(seed))
    return rng.uniform(low=RESET_LOW, high=RESET_HIGH, size=(4,))


class CompiledCartPole:
    """N CartPole environments in one (N, 4) float64 array, stepped by a compiled loop over the running ones
    (the gym task's ``_EnvBatch`` interface: ``reset(seeds)``, ``step(actions, ids)``, ``close()``).

    >>> batch = CompiledCartPole(max_episode_steps=3)
    >>> _ = batch.reset([0])
    >>> [bool(batch.step(np.array([1]), np.array([0]))[2][0]) for _ in range(3)]
    [False, False, True]
    """

    def __init__(self, max_episode_steps: int):
        self.max_episode_steps = int(max_episode_steps)
        self.num_envs = 0
        self.state = np.zeros((0, 4))
        self.steps = np.zeros(0, dtype=np.int64)
        self._step = _compiled()

    def reset(self, seeds: list[int]) -> np.ndarray:
        self.num_envs = len(seeds)
        self.state = np.empty((self.num_envs, 4))
        for k, s in enumerate(seeds):
            self.state[k] = start_state(int(s))
        self.steps = np.zeros(self.num_envs, dtype=np.int64)
        return self.state.astype(np.float32)

    def step(self, actions: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        obs = np.empty((ids.size, 4), dtype=np.float32)
        done = np.empty(ids.size, dtype=np.bool_)
        self._step(self.state, self.steps, np.ascontiguousarray(actions, dtype=np.int64), ids,
                   self.max_episode_steps, obs, done)
        return obs, np.ones(ids.size), done

    def close(self) -> None:
        self.num_envs = 0
