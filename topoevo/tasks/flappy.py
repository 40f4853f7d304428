"""Flappy Bird with the pipe the bird must pass next: ``topoevo/FlappyBird-v0`` (flappy-bird-gymnasium's
``FlappyBird-v0`` with its 12-value state, ``use_lidar = False``) whose observation is rewritten relative to the
bird and to the *next* pipe.

flappy-bird-gymnasium's state lists the three pipes sorted by their left edge, so the pipe the bird is flying
through stays first until it leaves the screen, long after the bird has passed it: which triple describes the gap
to aim for changes in the middle of a pipe's passage, and a network must learn that switch from the horizontal
positions. :class:`NextPipeObservation` makes the switch itself: the next pipe is the first whose right edge is not
yet behind the bird's left edge (the bird can no longer hit a pipe behind it). Its 7 values, in screen units
(width for horizontal, height for vertical distances, as the raw state):

0. horizontal distance from the bird's right edge to the next pipe's left edge (negative while inside it),
1. the next gap's top minus the bird's top (negative: the bird is below the top, as it should be),
2. the next gap's bottom minus the bird's bottom (positive: the bird is above the bottom, as it should be),
3. the bird's vertical velocity / its maximum falling speed (as the raw state),
4. horizontal distance from the bird's right edge to the following pipe's left edge,
5. the following gap's middle minus the bird's middle,
6. the bird's height above the ground (its bottom edge), so the ground is visible before any pipe.

Everything is computed from the 12 raw values (nothing else of the game is read); the step info (``score``: pipes
passed) and rewards are the game's. Importing this module registers the id (the gym task imports it for
``topoevo/FlappyBird`` ids).

>>> env = gymnasium.make("topoevo/FlappyBird-v0")
>>> obs, info = env.reset(seed=3)
>>> obs.shape, info["score"]
((7,), 0)
"""
from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

ENV_ID = "topoevo/FlappyBird-v0"
NUM_OBSERVATIONS = 7


def _constants() -> dict[str, float]:
    from flappy_bird_gymnasium.envs import constants as c

    return {"player_width": c.PLAYER_WIDTH, "player_height": c.PLAYER_HEIGHT, "pipe_width": c.PIPE_WIDTH}


class NextPipeObservation(gymnasium.ObservationWrapper):
    """flappy-bird-gymnasium's 12-value state -> 7 values relative to the bird and the next pipe (module docstring).

    >>> raw = gymnasium.make("FlappyBird-v0", use_lidar=False)
    >>> env = NextPipeObservation(raw)
    >>> env.observation_space.shape
    (7,)
    """

    def __init__(self, env: gymnasium.Env):
        super().__init__(env)
        u = env.unwrapped
        if getattr(u, "_use_lidar", True) or not getattr(u, "_normalize_obs", False):
            raise ValueError("NextPipeObservation needs FlappyBird-v0 with use_lidar=False, normalize_obs=True")
        k = _constants()
        self.width, self.height = float(u._screen_width), float(u._screen_height)
        self.bird_x = float(int(self.width * 0.2))  # the game's fixed player x
        self.bird_w, self.bird_h, self.pipe_w = k["player_width"], k["player_height"], k["pipe_width"]
        self.ground = self.height * 0.79  # the game's ground line
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(NUM_OBSERVATIONS,), dtype=np.float64)

    def observation(self, observation: Any) -> np.ndarray:
        return next_pipe_features(np.asarray(observation, dtype=np.float64), self.width, self.height, self.bird_x,
                                  self.bird_w, self.bird_h, self.pipe_w, self.ground)


def next_pipe_features(raw: np.ndarray, width: float, height: float, bird_x: float, bird_w: float, bird_h: float,
                       pipe_w: float, ground: float) -> np.ndarray:
    """The 7 features of one normalized 12-value state (module docstring).

    >>> raw = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5, -0.9, 0.5])   # no pipe on screen yet
    >>> next_pipe_features(raw, 288.0, 512.0, 57.0, 34.0, 24.0, 52.0, 404.48).round(3).tolist()
    [0.684, -0.5, 0.453, -0.9, 0.684, -0.023, 0.243]
    """
    pipes = raw[:9].reshape(3, 3) * np.array([width, height, height])  # (left x, gap top, gap bottom) in pixels
    ahead = [p for p in pipes if p[0] + pipe_w > bird_x]  # right edge not yet behind the bird's left edge
    nxt = ahead[0] if ahead else pipes[-1]
    after = ahead[1] if len(ahead) > 1 else nxt
    y = raw[9] * height  # the bird's top
    bird_right = bird_x + bird_w
    return np.array([
        (nxt[0] - bird_right) / width,
        (nxt[1] - y) / height,
        (nxt[2] - (y + bird_h)) / height,
        raw[10],
        (after[0] - bird_right) / width,
        ((after[1] + after[2]) / 2 - (y + bird_h / 2)) / height,
        (ground - (y + bird_h)) / height,
    ])


def make_env(**kwargs: Any) -> gymnasium.Env:
    """``FlappyBird-v0`` with the 12-value state (``use_lidar = False``), wrapped in :class:`NextPipeObservation`.
    Its observation is fixed: ``use_lidar`` and ``normalize_obs`` are refused (a TypeError, as any unknown keyword)."""
    fixed = sorted({"use_lidar", "normalize_obs"} & set(kwargs))
    if fixed:
        raise TypeError(f"{ENV_ID} observes the next pipe from the normalized 12-value state: {', '.join(fixed)} "
                        "cannot be set (FlappyBird-v0 takes them)")
    kwargs = {**kwargs, "use_lidar": False, "normalize_obs": True}
    import flappy_bird_gymnasium  # noqa: F401  (registers FlappyBird-v0)
    from flappy_bird_gymnasium.envs.flappy_bird_env import FlappyBirdEnv

    return NextPipeObservation(FlappyBirdEnv(**kwargs))


def register() -> None:
    """Register ``topoevo/FlappyBird-v0`` (no step limit: the task sets ``max_episode_steps``)."""
    if ENV_ID not in gymnasium.registry:
        gymnasium.register(id=ENV_ID, entry_point="topoevo.tasks.flappy:make_env")


register()
