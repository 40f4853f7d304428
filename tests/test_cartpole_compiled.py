"""topoevo's compiled CartPole (vectorization 'compiled') against gymnasium's CartPoleEnv, the independent
reference: the same start states, bit-identical observations and the same episode ends step by step, and the gym
task's returns equal to those on gymnasium's native vector env."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gym_params import gym_params
from test_gym_task import LinearPolicy
from topoevo.errors import ConfigError
from topoevo.tasks.cartpole_compiled import CompiledCartPole
from topoevo.tasks.gym import GymTask, Vectorization


@settings(max_examples=15, deadline=None)
@given(seeds=st.lists(st.integers(0, 2**63 - 1), min_size=1, max_size=6),
       gains=st.lists(st.floats(-20, 20), min_size=4, max_size=4),
       noise_seed=st.integers(0, 2**31), max_steps=st.sampled_from([500, 37]))
def test_steps_equal_gymnasium_cartpole(seeds, gains, noise_seed, max_steps):
    """Each environment follows a linear controller with random action flips (so episodes both fail and run to
    the time limit); every observation, reward and end equals gymnasium's CartPole-v1 stepped with the same
    actions, bit for bit."""
    envs = [gym.make("CartPole-v1", max_episode_steps=max_steps) for _ in seeds]
    batch = CompiledCartPole(max_episode_steps=max_steps)
    obs = batch.reset(seeds)
    ref = np.array([env.reset(seed=s)[0] for env, s in zip(envs, seeds)])
    np.testing.assert_array_equal(obs, ref)
    flips = np.random.default_rng(noise_seed)
    w = np.array(gains)
    ids = np.arange(len(seeds))
    while ids.size:
        actions = ((ref[ids] @ w > 0) ^ (flips.random(ids.size) < 0.1)).astype(np.int64)
        o, r, done = batch.step(actions, ids)
        for j, k in enumerate(ids.tolist()):
            o_ref, r_ref, terminated, truncated, _ = envs[k].step(int(actions[j]))
            assert np.array_equal(o[j], o_ref) and o[j].dtype == o_ref.dtype
            assert r[j] == r_ref and done[j] == (terminated or truncated)
            ref[k] = o_ref
        ids = ids[~done]
    for env in envs:
        env.close()


def test_task_returns_equal_native_vector_env():
    pop = LinearPolicy.random(12, 4, 2, seed=5)
    seeds = np.arange(40, 52)
    with GymTask(gym_params(env_id="CartPole-v1", episodes=3)) as native, \
            GymTask(gym_params(env_id="CartPole-v1", episodes=3, vectorization=Vectorization.COMPILED)) as compiled:
        assert native.vectorization is Vectorization.NATIVE and compiled.vectorization is Vectorization.COMPILED
        a, b = native.evaluate(pop, seeds), compiled.evaluate(pop, seeds)
        np.testing.assert_array_equal(a.info["episode_returns"], b.info["episode_returns"])
        assert len(set(a.info["episode_returns"].reshape(-1).tolist())) > 3
        np.testing.assert_array_equal(native.held_out_return(pop, episodes=20),
                                      compiled.held_out_return(pop, episodes=20))
        assert compiled.champion_metadata()["task_overrides"] == {"vectorization": "compiled"}


def test_compiled_refuses_other_environments_and_kwargs():
    with pytest.raises(ConfigError, match="task.vectorization: .*CartPole-v1"):
        GymTask(gym_params(env_id="Acrobot-v1", vectorization=Vectorization.COMPILED))
    with pytest.raises(ConfigError, match="task.env_kwargs"):
        GymTask(gym_params(env_id="CartPole-v1", env_kwargs=["sutton_barto_reward = true"],
                           vectorization=Vectorization.COMPILED))
