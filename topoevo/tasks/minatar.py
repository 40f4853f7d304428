"""MinAtar (Young & Tian 2019) as gymnasium environments for the gym task: ``MinAtar/<Game>-v1`` for the five games
(Asterix, Breakout, Freeway, Seaquest, SpaceInvaders), 10x10xC binary observations, the games' minimal action sets,
sticky actions with probability 0.1 and difficulty ramping as in the paper.

Importing this module registers the ids (the gym task imports it for ``MinAtar/`` ids). Unlike ``minatar.gym``, the
environment accepts topoevo's 64-bit episode seeds, restarts its sticky action with each episode (so an episode
depends on its seed only, not on the environment's previous episode) and renders RGB frames without seaborn.
"""
from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

GAMES = {"asterix": "Asterix", "breakout": "Breakout", "freeway": "Freeway", "seaquest": "Seaquest",
         "space_invaders": "SpaceInvaders"}
CELL_PIXELS = 16  # rendered size of one grid cell
SEED_MODULUS = 2**32  # numpy RandomState seeds are 32-bit
# RGB colour of each channel (in channel order), black background; repeated for games with more channels
PALETTE = np.array([[255, 220, 0], [0, 200, 255], [255, 80, 80], [120, 255, 120], [200, 120, 255], [255, 160, 60],
                    [255, 255, 255], [120, 120, 255], [255, 120, 200], [160, 160, 160]], dtype=np.uint8)


def env_id(game: str) -> str:
    """The gymnasium id of a game, by its MinAtar module name.

    >>> env_id("space_invaders")
    'MinAtar/SpaceInvaders-v1'
    """
    return f"MinAtar/{GAMES[game]}-v1"


class MinAtarEnv(gymnasium.Env):
    """One MinAtar game as a gymnasium environment (minimal action set).

    >>> env = MinAtarEnv("breakout")
    >>> obs, _ = env.reset(seed=2**40 + 3)
    >>> obs.shape, obs.dtype, int(env.action_space.n)
    ((10, 10, 4), dtype('bool'), 3)
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 15}

    def __init__(self, game: str, sticky_action_prob: float = 0.1, difficulty_ramping: bool = True,
                 render_mode: str | None = None):
        from minatar import Environment

        self.game = Environment(env_name=game, sticky_action_prob=sticky_action_prob,
                                difficulty_ramping=difficulty_ramping)
        self.action_set = list(self.game.minimal_action_set())
        self.action_space = spaces.Discrete(len(self.action_set))
        self.observation_space = spaces.Box(0, 1, shape=self.game.state_shape(), dtype=bool)
        self.render_mode = render_mode

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        if seed is not None:
            self.game.seed(int(seed) % SEED_MODULUS)
        self.game.last_action = 0  # sticky actions start afresh: the episode depends on its seed only
        self.game.reset()
        return self.game.state(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        reward, done = self.game.act(self.action_set[int(action)])
        return self.game.state(), float(reward), bool(done), False, {}

    def render(self) -> np.ndarray:
        state = np.asarray(self.game.state(), dtype=bool)
        colours = PALETTE[np.arange(state.shape[2]) % len(PALETTE)]
        # the highest-numbered active channel of a cell gives its colour (as MinAtar's own display)
        top = np.where(state.any(-1), state.shape[2] - 1 - np.argmax(state[..., ::-1], axis=-1), -1)
        image = np.where(top[..., None] >= 0, colours[np.maximum(top, 0)], 0).astype(np.uint8)
        return np.kron(image, np.ones((CELL_PIXELS, CELL_PIXELS, 1), dtype=np.uint8))


def register() -> None:
    """Register ``MinAtar/<Game>-v1`` for the five games (no step limit: the task sets ``max_episode_steps``)."""
    for game, name in GAMES.items():
        gymnasium.register(id=f"MinAtar/{name}-v1", entry_point="topoevo.tasks.minatar:MinAtarEnv",
                           kwargs={"game": game})


register()
