"""MinAtar and Flappy Bird through the gym task: episodes that depend on their seed only, the observation layouts
against a direct computation, batched returns equal to plain one-environment loops, Flappy Bird's pipes as the
held-out score."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from test_gym_task import LinearPolicy
from topoevo.errors import ConfigError
from topoevo.tasks.gym import HELD_OUT_STREAM, GymParams, GymTask, ObservationLayout, episode_seed

pytest.importorskip("minatar")
from topoevo.tasks.minatar import GAMES, MinAtarEnv, env_id  # noqa: E402


def layout_reference(obs: np.ndarray, layout: ObservationLayout) -> np.ndarray:
    """The layouts written out cell by cell."""
    h, w, c = obs.shape
    if layout is ObservationLayout.FLATTEN:
        return obs.reshape(-1).astype(np.float32)
    if layout is ObservationLayout.CHANNELS_FIRST:
        return np.array([obs[i, j, k] for k in range(c) for i in range(h) for j in range(w)], dtype=np.float32)
    levels = np.float32(np.arange(1, c + 1) / c)
    return np.array([np.float32(obs[i, j].astype(np.float32) @ levels) for i in range(h) for j in range(w)],
                    dtype=np.float32)


class IntegerLinearPolicy(LinearPolicy):
    """out = b + obs @ W with small integer weights in float64: exact sums on 0/1 observations, whatever the batch
    shape (fast for the 600 inputs of a flattened MinAtar grid)."""

    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        obs = torch.as_tensor(obs, dtype=torch.float64)
        return (torch.einsum("pbd,pdo->pbo", obs, self.weights.double()) + self.bias.double()[:, None, :]).float()

    def select(self, indices: list[int]) -> IntegerLinearPolicy:
        return IntegerLinearPolicy(self.weights[indices], self.bias[indices])


def plain_minatar_return(game: str, policy: LinearPolicy, seed: int, layout: ObservationLayout,
                         max_steps: int) -> float:
    env = MinAtarEnv(game)
    obs, _ = env.reset(seed=seed)
    total = 0.0
    for _ in range(max_steps):
        out = policy(torch.from_numpy(layout_reference(obs, layout).reshape(1, 1, -1)))
        obs, reward, terminated, _, _ = env.step(int(np.argmax(out.numpy().reshape(-1))))
        total += reward
        if terminated:
            break
    return total


def test_a_minatar_episode_depends_on_its_seed_only():
    env = MinAtarEnv("breakout")
    rng = np.random.default_rng(0)
    actions = rng.integers(3, size=200)

    def episode(seed):
        obs, _ = env.reset(seed=seed)
        frames = [obs]
        for a in actions:
            obs, _, done, _, _ = env.step(int(a))
            frames.append(obs)
            if done:
                break
        return np.array(frames)

    first = episode(2**40 + 11)  # a 64-bit seed, as topoevo's episode seeds are
    episode(5)  # another episode in between leaves a different sticky action and generator state behind
    np.testing.assert_array_equal(episode(2**40 + 11), first)
    assert env.render().shape == (160, 160, 3)


@pytest.mark.parametrize("layout", list(ObservationLayout))
def test_batched_minatar_returns_equal_plain_loops(layout):
    game = "space_invaders"
    task = GymTask(GymParams(env_id=env_id(game), observation=layout, episodes=2, max_episode_steps=60))
    c = MinAtarEnv(game).observation_space.shape[2]
    assert task.num_inputs == (100 if layout is ObservationLayout.CHANNEL_SUM else 100 * c)
    assert task.num_outputs == 4
    g = torch.Generator().manual_seed(1)
    pop = IntegerLinearPolicy(torch.randint(-3, 4, (3, task.num_inputs, 4), generator=g).float(),
                              torch.arange(4.0).repeat(3, 1) / 8)
    seeds = np.array([4, 5, 6])
    result = task.evaluate(pop, seeds)
    for i in range(3):
        for e in range(2):
            assert result.info["episode_returns"][i, e] == plain_minatar_return(
                game, pop.select([i]), episode_seed(int(seeds[i]), e), layout, 60)
    task.close()


def test_all_five_games_are_registered_with_their_shapes():
    shapes = {"asterix": 4, "breakout": 4, "freeway": 7, "seaquest": 10, "space_invaders": 6}
    for game, channels in shapes.items():
        env = gym.make(env_id(game))
        assert env.observation_space.shape == (10, 10, channels)
        env.close()
    assert set(GAMES) == set(shapes)


def test_flappy_bird_held_out_score_counts_pipes():
    pytest.importorskip("flappy_bird_gymnasium")
    params = dict(env_id="FlappyBird-v0", env_kwargs=["use_lidar = false"], max_episode_steps=300,
                  score_info_key="score")
    task = GymTask(GymParams(**params))
    assert (task.num_inputs, task.num_outputs) == (12, 2)
    # flap when the bird is below the middle of the next gap (a hand-made controller that passes pipes)
    w = torch.zeros(1, 12, 2)
    w[0, 9, 1], w[0, 4, 1], w[0, 5, 1] = 1.0, -0.5, -0.5
    policy = LinearPolicy(w, torch.tensor([[0.0, 0.1]]))
    scores = []
    for e in range(4):
        env = gym.make("FlappyBird-v0", use_lidar=False, max_episode_steps=300)
        obs, info = env.reset(seed=episode_seed(0, e, HELD_OUT_STREAM))
        while True:
            out = policy(torch.from_numpy(np.asarray(obs, dtype=np.float32).reshape(1, 1, -1)))
            obs, _, terminated, truncated, info = env.step(int(np.argmax(out.numpy().reshape(-1))))
            if terminated or truncated:
                break
        scores.append(info["score"])
    assert task.held_out_return(policy, episodes=4, seed=0)[0] == np.mean(scores)
    assert task.play(policy, episodes=4).tolist() == scores
    task.close()
    with pytest.raises(ConfigError, match="task.score_info_key"):
        GymTask(GymParams(**{**params, "score_info_key": "no_such_key"})).held_out_return(policy, episodes=1)
