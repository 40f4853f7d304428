"""The gymnasium task adapter: batched evaluation equals plain single-environment loops, per-genome seeding,
early episode ends, Discrete and Box actions, observation normalization state, task files."""
from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from topoevo.config.schema import build_section
from topoevo.errors import CheckpointError, ConfigError, EvaluationError
from topoevo.files import tomllib
from topoevo.tasks.gym import (HELD_OUT_STREAM, ActionRange, GymParams, GymTask, Vectorization, episode_seed,
                               parse_env_kwargs)
from topoevo.tasks.registry import task_class, task_params_class

ROOT = Path(__file__).resolve().parents[1]


class LinearPolicy:
    """P independent linear maps out = b + obs @ W, written with elementwise ops only, so a row's result is
    bit-identical whatever the batch shape."""

    def __init__(self, weights: torch.Tensor, bias: torch.Tensor):
        self.weights = weights.to(torch.float32)  # (P, D, O)
        self.bias = bias.to(torch.float32)  # (P, O)
        self.resets = 0
        self.calls = 0

    @classmethod
    def random(cls, size: int, num_inputs: int, num_outputs: int, seed: int) -> LinearPolicy:
        g = torch.Generator().manual_seed(seed)
        return cls(torch.randn(size, num_inputs, num_outputs, generator=g),
                   torch.randn(size, num_outputs, generator=g) * 0.1)

    @property
    def size(self) -> int:
        return self.weights.shape[0]

    def reset(self) -> None:
        self.resets += 1

    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        obs = torch.as_tensor(obs, dtype=torch.float32)
        assert obs.shape[0] == self.size and obs.ndim == 3
        out = self.bias[:, None, :].expand(obs.shape[0], obs.shape[1], -1)
        for d in range(obs.shape[2]):
            out = out + obs[:, :, d:d + 1] * self.weights[:, None, d, :]
        self.calls += 1
        return out

    def select(self, indices: list[int]) -> LinearPolicy:
        return LinearPolicy(self.weights[indices], self.bias[indices])


def discrete_action(out: torch.Tensor) -> int:
    return int(np.argmax(out.numpy().reshape(-1)))


def plain_return(env_id: str, policy: LinearPolicy, seed: int, to_action=discrete_action, **make_kwargs) -> float:
    """The reference: one gymnasium env, one episode, a size-1 policy called with obs shaped (1, 1, D)."""
    env = gym.make(env_id, **make_kwargs)
    obs, _ = env.reset(seed=seed)
    total = 0.0
    while True:
        x = torch.from_numpy(np.asarray(obs, dtype=np.float32).reshape(1, 1, -1))
        obs, reward, terminated, truncated, _ = env.step(to_action(policy(x)))
        total += reward
        if terminated or truncated:
            env.close()
            return total


@pytest.fixture
def cartpole():
    with GymTask(GymParams(env_id="CartPole-v1", episodes=2)) as task:
        yield task


def test_cartpole_spaces_and_native_vectorization(cartpole):
    assert (cartpole.num_inputs, cartpole.num_outputs) == (4, 2)
    assert cartpole.vectorization is Vectorization.NATIVE


@pytest.mark.parametrize("mode", ["auto", "sync"])
def test_fitness_independent_of_population_and_position(mode):
    task = GymTask(GymParams(env_id="CartPole-v1", episodes=2, vectorization=Vectorization(mode)))
    pop = LinearPolicy.random(5, 4, 2, seed=1)
    seeds = np.array([11, 22, 33, 44, 55])
    together = task.evaluate(pop, seeds)
    for i in range(5):
        alone = task.evaluate(pop.select([i]), seeds[[i]])
        assert alone.fitness[0] == together.fitness[i]
        np.testing.assert_array_equal(alone.info["episode_returns"][0], together.info["episode_returns"][i])
        order = [j for j in range(5) if j != i]
        for pos in (0, 4):  # the genome moved to the front and to the back, the others in another order
            perm = order[::-1]
            perm.insert(pos, i)
            moved = task.evaluate(pop.select(perm), seeds[perm])
            assert moved.fitness[pos] == together.fitness[i]
    task.close()


@pytest.mark.parametrize("mode", ["auto", "sync"])
def test_cartpole_returns_equal_plain_loop(mode):
    task = GymTask(GymParams(env_id="CartPole-v1", episodes=3, vectorization=Vectorization(mode)))
    pop = LinearPolicy.random(6, 4, 2, seed=2)
    seeds = np.array([3, 1, 4, 1, 5, 9])
    result = task.evaluate(pop, seeds)
    returns = result.info["episode_returns"]
    for i in range(6):
        for e in range(3):
            assert returns[i, e] == plain_return("CartPole-v1", pop.select([i]), episode_seed(int(seeds[i]), e))
    np.testing.assert_array_equal(result.fitness, returns.mean(axis=1))
    assert result.info["steps"] == int(result.info["episode_lengths"].sum())
    assert len(set(returns.reshape(-1).tolist())) > 3  # the episodes really differ
    task.close()


def balancing_policy() -> LinearPolicy:
    """Push toward the side the pole falls to: score(right) - score(left) = theta + 0.5 theta_dot + ..."""
    w = torch.zeros(1, 4, 2)
    w[0, :, 1] = torch.tensor([0.1, 0.5, 10.0, 2.0])
    return LinearPolicy(w, torch.zeros(1, 2))


def test_episodes_ending_early_keep_their_exact_return(cartpole):
    always_left = LinearPolicy(torch.zeros(1, 4, 2), torch.tensor([[1.0, 0.0]]))
    good = balancing_policy()
    pop = LinearPolicy(torch.cat([good.weights, always_left.weights, good.weights]),
                       torch.cat([good.bias, always_left.bias, good.bias]))
    seeds = np.array([5, 6, 7])
    result = cartpole.evaluate(pop, seeds)
    lengths = result.info["episode_lengths"]
    assert lengths[1].max() < 20 and lengths[0].min() == 500 and lengths[2].min() == 500
    for e in range(2):
        assert result.info["episode_returns"][1, e] == plain_return("CartPole-v1", always_left, episode_seed(6, e))
        assert result.info["episode_returns"][1, e] == lengths[1, e]
    assert result.fitness[0] == result.fitness[2] == 500.0
    assert pop.calls == 500  # stepping stopped once every episode had ended


def test_max_episode_steps_and_recurrent_reset():
    task = GymTask(GymParams(env_id="CartPole-v1", max_episode_steps=40))
    policy = balancing_policy()
    result = task.evaluate(policy, np.array([1]))
    assert result.fitness[0] == 40.0 and policy.resets == 1
    task.evaluate(policy, np.array([2]))
    assert policy.resets == 2
    task.close()


def test_held_out_return_is_a_separate_batched_stream(cartpole):
    policy = LinearPolicy.random(1, 4, 2, seed=7)
    held = cartpole.held_out_return(policy, episodes=6, seed=3)
    calls = policy.calls
    plain = [plain_return("CartPole-v1", policy, episode_seed(3, e, HELD_OUT_STREAM)) for e in range(6)]
    assert held.shape == (1,) and held[0] == np.mean(plain)
    assert calls == max(plain)  # one batched call per step (CartPole's return is the episode length)
    assert episode_seed(3, 0, HELD_OUT_STREAM) != episode_seed(3, 0)


def test_solves_uses_the_threshold():
    task = GymTask(GymParams(env_id="CartPole-v1", solved_return=475.0, held_out_episodes=5))
    assert task.solves(balancing_policy()).tolist() == [True]
    assert task.solves(LinearPolicy(torch.zeros(1, 4, 2), torch.tensor([[1.0, 0.0]]))).tolist() == [False]
    task.close()


@pytest.mark.parametrize("env_id", ["Acrobot-v1", "MountainCar-v0"])
def test_other_discrete_envs_by_id(env_id):
    task = GymTask(GymParams(env_id=env_id, episodes=2, max_episode_steps=60))
    assert task.vectorization is Vectorization.SYNC
    space = gym.make(env_id).observation_space
    assert task.num_inputs == space.shape[0]
    pop = LinearPolicy.random(3, task.num_inputs, task.num_outputs, seed=4)
    seeds = np.array([8, 9, 10])
    result = task.evaluate(pop, seeds)
    for i in range(3):
        for e in range(2):
            ref = plain_return(env_id, pop.select([i]), episode_seed(int(seeds[i]), e), max_episode_steps=60)
            assert result.info["episode_returns"][i, e] == ref
    task.close()


@pytest.mark.parametrize("action_range", ["unit", "symmetric"])
def test_box_action_pendulum(action_range):
    task = GymTask(GymParams(env_id="Pendulum-v1", max_episode_steps=30, episodes=2,
                             action_range=ActionRange(action_range)))
    assert (task.num_inputs, task.num_outputs) == (3, 1)
    lo = 0.0 if action_range == "unit" else -1.0

    def to_action(out: torch.Tensor) -> np.ndarray:  # documented mapping: clip to [lo, 1], linear onto [-2, 2]
        u = (np.clip(out.numpy().astype(np.float64).reshape(1), lo, 1.0) - lo) / (1.0 - lo)
        return (-2.0 + u * 4.0).astype(np.float32)

    pop = LinearPolicy.random(3, 3, 1, seed=5)
    seeds = np.array([1, 2, 3])
    result = task.evaluate(pop, seeds)
    for i in range(3):
        for e in range(2):
            ref = plain_return("Pendulum-v1", pop.select([i]), episode_seed(int(seeds[i]), e), to_action,
                               max_episode_steps=30)
            assert result.info["episode_returns"][i, e] == ref
    # the extremes of the output range reach the action bounds
    np.testing.assert_array_equal(task.actions(np.array([[lo - 5.0], [1.0], [9.0]])).reshape(-1), [-2.0, 2.0, 2.0])
    task.close()


def test_normalization_statistics_and_json_round_trip():
    params = GymParams(env_id="Acrobot-v1", episodes=2, max_episode_steps=25, normalize_observations=True)
    task = GymTask(params)
    pop = LinearPolicy.random(3, 6, 3, seed=6)
    seeds = np.array([4, 5, 6])
    first = task.evaluate(pop, seeds)  # stats are empty: the policy saw raw observations
    observed = []
    for i in range(3):
        for e in range(2):
            env = gym.make("Acrobot-v1", max_episode_steps=25)
            obs, _ = env.reset(seed=episode_seed(int(seeds[i]), e))
            policy = pop.select([i])
            while True:
                observed.append(np.asarray(obs, dtype=np.float32))
                x = torch.from_numpy(np.asarray(obs, dtype=np.float32).reshape(1, 1, -1))
                obs, _, terminated, truncated, _ = env.step(discrete_action(policy(x)))
                if terminated or truncated:
                    break
    observed_arr = np.asarray(observed, dtype=np.float64)
    stats = task.obs_stats
    assert stats is not None and stats.count == len(observed) == first.info["steps"]
    np.testing.assert_allclose(stats.mean, observed_arr.mean(0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(stats.var, observed_arr.var(0), rtol=1e-9, atol=1e-12)

    state = json.loads(json.dumps(task.state_dict()))
    other = GymTask(params)
    other.load_state_dict(state)
    assert other.state_dict() == task.state_dict()
    a, b = task.evaluate(pop, seeds), other.evaluate(pop, seeds)  # normalized inputs now, same in both
    np.testing.assert_array_equal(a.fitness, b.fitness)
    assert task.state_dict() == other.state_dict()  # the update after evaluate is deterministic
    assert task.obs_stats.count == first.info["steps"] + a.info["steps"]

    with pytest.raises(CheckpointError, match="observation_stats.mean"):
        other.load_state_dict({"version": 1, "observation_stats": {"count": 3, "mean": [0.0], "m2": [0.0]}})
    with pytest.raises(CheckpointError):
        GymTask(GymParams(env_id="Acrobot-v1")).load_state_dict(state)
    task.close()
    other.close()


def test_normalized_fitness_independent_of_population():
    params = GymParams(env_id="CartPole-v1", normalize_observations=True)
    task_a, task_b = GymTask(params), GymTask(params)
    pop = LinearPolicy.random(4, 4, 2, seed=8)
    warmup = LinearPolicy.random(2, 4, 2, seed=9)
    for t in (task_a, task_b):
        t.evaluate(warmup, np.array([1, 2]))
    together = task_a.evaluate(pop, np.array([7, 8, 9, 10]))
    alone = task_b.evaluate(pop.select([2]), np.array([9]))
    assert alone.fitness[0] == together.fitness[2]


def test_config_section_and_errors():
    params = build_section(GymParams, {"env_id": "CartPole-v1", "episodes": 3, "vectorization": "sync",
                                       "env_kwargs": ["sutton_barto_reward = false"]}, "task", "x.toml")
    assert params.vectorization is Vectorization.SYNC and params.episodes == 3
    assert task_params_class("gym") is GymParams and task_class("gym") is GymTask
    with pytest.raises(ConfigError, match=r"x.toml: task.vectorization: .*did you mean 'sync'"):
        build_section(GymParams, {"env_id": "CartPole-v1", "vectorization": "synk"}, "task", "x.toml")
    with pytest.raises(ConfigError, match=r"task.env_id: expected a gymnasium environment id"):
        build_section(GymParams, {}, "task", "x.toml")
    with pytest.raises(ConfigError, match=r"^x.toml: task.env_kwargs\[0\]: expected 'name = value'"):
        build_section(GymParams, {"env_id": "CartPole-v1", "env_kwargs": ["continuous"]}, "task", "x.toml")
    with pytest.raises(ConfigError, match="did you mean 'CartPole-v1'"):
        GymTask(GymParams(env_id="CartPole-v7"))
    with pytest.raises(ConfigError, match="^task.env_id: .*LunarLander-v3"):
        GymTask(GymParams(env_id="LunarLander-v2"))  # gymnasium's own hint: deprecated, use v3
    with pytest.raises(ConfigError, match="task.vectorization"):
        GymTask(GymParams(env_id="Acrobot-v1", vectorization=Vectorization.NATIVE))
    with pytest.raises(ConfigError, match="task.env_kwargs"):
        GymTask(GymParams(env_id="Acrobot-v1", env_kwargs=["no_such_argument = 1"]))
    assert parse_env_kwargs(["continuous = true", "gravity=-9.5", 'name = "x"']) == {
        "continuous": True, "gravity": -9.5, "name": "x"}


def test_policy_errors(cartpole):
    class Nan(LinearPolicy):
        def __call__(self, obs):
            out = super().__call__(obs)
            out[1] = float("nan")
            return out

    with pytest.raises(EvaluationError, match="genome 1"):
        cartpole.evaluate(Nan(torch.zeros(2, 4, 2), torch.zeros(2, 2)), np.array([1, 2]))
    with pytest.raises(EvaluationError, match="one seed per genome"):
        cartpole.evaluate(LinearPolicy.random(2, 4, 2, seed=0), np.array([1]))
    with pytest.raises(EvaluationError, match="shape"):
        cartpole.evaluate(LinearPolicy.random(1, 4, 3, seed=0), np.array([1]))


def test_envs_are_reused_and_closed():
    task = GymTask(GymParams(env_id="Acrobot-v1", max_episode_steps=5))
    pop = LinearPolicy.random(4, 6, 3, seed=0)
    task.evaluate(pop, np.arange(4))
    envs = list(task._sync.envs)
    task.evaluate(pop.select([0, 1]), np.arange(2))
    assert task._sync.envs == envs  # smaller batches reuse the pool
    task.close()
    assert task._sync is None
    assert task.evaluate(pop, np.arange(4)).fitness.shape == (4,)  # reopens on demand
    task.close()


def test_task_files_build():
    for name, env_id in (("cartpole", "CartPole-v1"), ("lunarlander", "LunarLander-v3")):
        table = tomllib.loads((ROOT / "tasks" / f"{name}.toml").read_text())["task"]
        assert table.pop("name") == "gym"
        params = build_section(GymParams, table, "task", f"{name}.toml")
        assert params.env_id == env_id and params.solved_return is not None


def test_lunarlander_by_id():
    pytest.importorskip("Box2D")
    task = GymTask(GymParams(env_id="LunarLander-v3", max_episode_steps=50))
    assert (task.num_inputs, task.num_outputs) == (8, 4)
    pop = LinearPolicy.random(2, 8, 4, seed=3)
    result = task.evaluate(pop, np.array([1, 2]))
    for i in range(2):
        ref = plain_return("LunarLander-v3", pop.select([i]), episode_seed(i + 1, 0), max_episode_steps=50)
        assert result.fitness[i] == ref
    task.close()


def test_play_writes_a_gif(tmp_path):
    pytest.importorskip("PIL")
    pytest.importorskip("pygame")
    task = GymTask(GymParams(env_id="CartPole-v1", max_episode_steps=6))
    path = tmp_path / "run.gif"
    returns = task.play(balancing_policy(), episodes=2, render=path)
    assert returns.tolist() == [6.0, 6.0]
    assert path.read_bytes()[:4] == b"GIF8"
    from PIL import Image

    with Image.open(path) as im:
        assert 2 <= im.n_frames <= 12  # Pillow merges identical consecutive frames


@pytest.mark.slow
def test_async_matches_sync():
    params = dict(env_id="Acrobot-v1", episodes=2, max_episode_steps=30)
    pop = LinearPolicy.random(2, 6, 3, seed=11)
    seeds = np.array([3, 4])
    with GymTask(GymParams(**params, vectorization=Vectorization.ASYNC)) as a, \
            GymTask(GymParams(**params, vectorization=Vectorization.SYNC)) as s:
        np.testing.assert_array_equal(a.evaluate(pop, seeds).info["episode_returns"],
                                      s.evaluate(pop, seeds).info["episode_returns"])
