"""topoevo/FlappyBird-v0: the next-pipe observation against the game's own state (pipe and bird positions read
from the environment, not from its observation), rewards and scores untouched, and a controller on the rewritten
observation that passes pipes."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

from test_gym_task import LinearPolicy
from topoevo.errors import ConfigError

pytest.importorskip("flappy_bird_gymnasium")
from flappy_bird_gymnasium.envs import constants as C  # noqa: E402

from topoevo.tasks import flappy  # noqa: E402
from topoevo.tasks.gym import GymParams, GymTask  # noqa: E402


def reference(game) -> np.ndarray:
    """The 7 features from the game's state: the first pipe (by x) whose right edge is not behind the bird's left
    edge, as the raw state shows it (a pipe not yet on screen has a gap spanning the screen)."""
    w, h = game._screen_width, game._screen_height
    pipes = []
    for up, low in zip(game._upper_pipes, game._lower_pipes):
        pipes.append((w, 0, h) if low["x"] > w else (low["x"], up["y"] + C.PIPE_HEIGHT, low["y"]))
    pipes.sort(key=lambda p: p[0])
    ahead = [p for p in pipes if p[0] + C.PIPE_WIDTH > game._player_x]
    nxt, after = ahead[0], (ahead[1] if len(ahead) > 1 else ahead[0])
    y, right = game._player_y, game._player_x + C.PLAYER_WIDTH
    return np.array([(nxt[0] - right) / w, (nxt[1] - y) / h, (nxt[2] - y - C.PLAYER_HEIGHT) / h,
                     game._player_vel_y / C.PLAYER_MAX_VEL_Y, (after[0] - right) / w,
                     ((after[1] + after[2]) / 2 - y - C.PLAYER_HEIGHT / 2) / h,
                     (game._ground["y"] - y - C.PLAYER_HEIGHT) / h])


def test_next_pipe_observation_matches_the_game_state():
    env = gym.make(flappy.ENV_ID, max_episode_steps=400)
    raw = gym.make("FlappyBird-v0", use_lidar=False, max_episode_steps=400)
    rng = np.random.default_rng(0)
    switches = 0
    for seed in range(3):
        obs, info = env.reset(seed=seed)
        raw_obs, raw_info = raw.reset(seed=seed)
        game = env.unwrapped
        while True:
            np.testing.assert_allclose(obs, reference(game), rtol=0, atol=1e-12)
            # flap to stay near the next gap's middle (with noise), so the bird passes pipes
            a = int(obs[2] < 0.02) if rng.random() > 0.02 else int(rng.integers(2))
            before = obs[0]
            obs, r, terminated, truncated, info = env.step(a)
            raw_obs, raw_r, raw_terminated, raw_truncated, raw_info = raw.step(a)
            switches += obs[0] > before + 0.2  # the aim jumped to the following pipe
            assert (r, terminated, truncated, info) == (raw_r, raw_terminated, raw_truncated, raw_info)
            if terminated or truncated:
                break
    assert switches >= 3


def test_a_linear_controller_on_the_next_pipe_passes_pipes():
    task = GymTask(GymParams(env_id=flappy.ENV_ID, max_episode_steps=600, score_info_key="score"))
    assert (task.num_inputs, task.num_outputs) == (7, 2)
    w = torch.zeros(1, 7, 2)
    w[0, 2, 1] = -1.0  # flap when the bird's bottom is within 0.02 screen heights of the next gap's bottom
    policy = LinearPolicy(w, torch.tensor([[0.0, 0.02]]))
    scores = task.held_out_return(policy, episodes=4, seed=0)[0]
    task.close()
    assert scores >= 10  # 600 frames hold at most 15 pipes


def test_the_rewrite_needs_the_normalized_state():
    with pytest.raises(ValueError, match="use_lidar=False"):
        flappy.NextPipeObservation(gym.make("FlappyBird-v0"))
    with pytest.raises(ConfigError, match="task.env_kwargs.*use_lidar cannot be set"):
        GymTask(GymParams(env_id=flappy.ENV_ID, env_kwargs=["use_lidar = true"], max_episode_steps=10))
