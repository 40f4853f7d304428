"""Atari 2600 games through ale-py (which ships the ROMs: nothing downloads), as a batched Task: P genomes x E
episodes, one ALE emulator per episode, one policy call per agent step.

Protocol (Machado et al. 2018, "Revisiting the Arcade Learning Environment", JAIR 61; gymnasium's ``ALE/*-v5``):
frame skip 4 (an action is repeated for 4 emulator frames, rewards summed), sticky actions with probability 0.25
(each *frame*, the emulator repeats the previous frame's action instead of the agent's with probability 0.25),
the minimal action set, a per-episode frame cap (v5: 108,000 frames = 30 minutes), no lives signal. On top, the
DQN papers' no-op starts (Mnih et al. 2015: up to 30 no-op actions at the start of an episode).

Observations: ``"ram"`` = the console's 128 bytes scaled to [0, 1] (Hausknecht et al. 2014's RAM input);
``"pixels"`` = DQN preprocessing: grayscale, the max of the last 2 frames of each skip, resized to 84x84 (area
averaging), a stack of the last 4 such frames, scaled to [0, 1] and flattened to 4*84*84 = 28,224 inputs.

Determinism: sticky actions and no-op starts are drawn from a numpy generator seeded from the episode seed only
(ALE's own stickiness is switched off), and every episode starts by restoring the state (random generator
included) saved right after the first reset of an emulator whose ROM was loaded with a fixed seed, so an episode
depends on its seed and the policy alone, not on which emulator ran it or what it ran before (a test checks this
on Freeway, whose power-on state a plain ``reset_game`` would draw from the emulator's advancing generator).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from topoevo.config.schema import Section, did_you_mean, param
from topoevo.errors import ConfigError, EvaluationError
from topoevo.tasks.base import BatchedPolicy, EvalResult, TaskBase
from topoevo.tasks.gym import HELD_OUT_SEED, HELD_OUT_STREAM, GifFrames, episode_seed

log = logging.getLogger(__name__)

PIXELS = 84  # side of the DQN observation
STACK = 4  # frames stacked in a pixel observation
RAM_SIZE = 128


class Observation(str, Enum):
    """What the network sees: the 128 RAM bytes or DQN-preprocessed pixels.

    >>> Observation("ram") is Observation.RAM
    True
    """

    RAM = "ram"
    PIXELS = "pixels"


class Backend(str, Enum):
    """The emulator: ``ale`` (ale-py, one emulator per episode in this process) or ``envpool`` (its C++ Atari;
    it exposes no RAM, so ``observation = "ram"`` is refused there).

    >>> Backend("ale").value
    'ale'
    """

    ALE = "ale"
    ENVPOOL = "envpool"


def rom_id(game: str) -> str:
    """ale-py's ROM id of a game name: ``"SpaceInvaders"``, ``"space_invaders"`` and ``"Space-Invaders"`` are
    ``"space_invaders"``.

    >>> rom_id("SpaceInvaders"), rom_id("Pong"), rom_id("MontezumaRevenge")
    ('space_invaders', 'pong', 'montezuma_revenge')
    """
    s = re.sub(r"[-\s]+", "_", game.strip())
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", s)
    return s.lower()


def available_games() -> list[str]:
    from ale_py import roms

    return sorted(roms.get_all_rom_ids())


@dataclass
class AtariParams(Section):
    """``[task]`` keys of the Atari task (``name = "atari"``).

    >>> AtariParams(game="Breakout").frameskip
    4
    """

    SECTION = "task"

    game: str = param("", "Atari game, e.g. 'Pong', 'Breakout', 'Freeway', 'SpaceInvaders' (ale-py's ROM ids).")
    observation: Observation = param(Observation.RAM, "'ram' (128 bytes scaled to [0, 1]) or 'pixels' (84x84 "
                                                      "grayscale, max of the last 2 frames, stack of 4).")
    backend: Backend = param(Backend.ALE, "'ale' (ale-py) or 'envpool' (pixels only: EnvPool has no RAM).")
    frameskip: int = param(4, "Emulator frames per agent action (v5: 4).", ge=1)
    repeat_action_probability: float = param(0.25, "Sticky actions: per-frame probability that the previous "
                                                   "action is repeated (v5: 0.25).", ge=0.0, le=1.0)
    full_action_space: bool = param(False, "All 18 actions instead of the game's minimal set (v5: false).")
    noop_max: int = param(30, "No-op starts: each episode begins with U{0..noop_max} NOOP actions.", ge=0)
    max_episode_frames: int = param(108_000, "Emulator frames after which an episode is cut (v5: 108,000).", ge=1)
    episodes: int = param(1, "Episodes per genome and evaluation; fitness is the mean score.", ge=1)
    held_out_episodes: int = param(30, "Episodes of the held-out test of a champion (mean score).", ge=1)
    solved_score: float | None = param(None, "Mean held-out score at which the task counts as solved.")

    def check(self) -> tuple[str, str] | None:
        if not self.game:
            return "game", "expected an Atari game, e.g. 'Pong'"
        return None


class _Emulator:
    """One ALE emulator with the v5 protocol implemented on top of it (sticky actions and no-op starts drawn from
    a generator seeded per episode)."""

    def __init__(self, rom: str, params: AtariParams):
        from ale_py import ALEInterface, LoggerMode, roms

        ALEInterface.setLoggerMode(LoggerMode.Error)
        self.ale = ale = ALEInterface()
        ale.setInt("random_seed", 0)
        ale.setFloat("repeat_action_probability", 0.0)  # stickiness is ours, seeded per episode
        ale.setInt("frame_skip", 1)
        ale.loadROM(roms.get_rom_path(rom))
        ale.reset_game()
        # every episode starts from this state, RNG included: a plain reset_game draws the console's power-on state
        # from the emulator's generator, whose position depends on the episodes run before (Freeway showed it)
        self.start = ale.cloneState(include_rng=True)
        # restoreState does not redraw the screen: an episode with no no-op frames would otherwise see the last
        # screen of the episode before it, so its first observation is this one (what a fresh emulator shows)
        self.start_screen = ale.getScreenGrayscale()
        self.start_rgb = ale.getScreenRGB()  # the same for GIF frames (rgb())
        self.params = params
        self.action_set = ale.getLegalActionSet() if params.full_action_space else ale.getMinimalActionSet()
        self.pixels = params.observation is Observation.PIXELS
        self.screens = np.zeros((2, 210, 160), dtype=np.uint8)
        self.rng = np.random.default_rng(0)
        self.last = 0
        self.frames = 0

    def reset(self, seed: int) -> int:
        """Start an episode; returns the frames the no-op start took."""
        self.ale.restoreState(self.start)
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.last = 0  # NOOP
        self.frames = 0
        noops = int(self.rng.integers(0, self.params.noop_max + 1)) if self.params.noop_max else 0
        for _ in range(noops):
            self.step(0)
            if self.ale.game_over():  # (never in practice) start again without no-ops
                self.ale.restoreState(self.start)
                self.frames = 0
                break
        return self.frames

    def step(self, action: int) -> float:
        """One agent step: ``frameskip`` frames of ``action_set[action]`` (sticky), reward summed."""
        ale, p = self.ale, self.params
        act = self.action_set[action]
        sticky = self.rng.random(p.frameskip) < p.repeat_action_probability
        reward = 0.0
        for k in range(p.frameskip):
            if not sticky[k]:
                self.last = act
            reward += ale.act(self.last)
            self.frames += 1
            if self.pixels and k >= p.frameskip - 2:
                ale.getScreenGrayscale(self.screens[k - p.frameskip + 2])
            if ale.game_over() or self.frames >= p.max_episode_frames:
                break
        return reward

    @property
    def done(self) -> bool:
        return self.ale.game_over() or self.frames >= self.params.max_episode_frames

    def ram(self) -> np.ndarray:
        return self.ale.getRAM()

    def rgb(self) -> np.ndarray:
        """The colour screen (210x160x3 uint8) for pictures; the start screen before the episode's first frame."""
        return self.start_rgb if self.frames == 0 else self.ale.getScreenRGB()

    def screen(self) -> np.ndarray:
        """Max of the last two frames (210x160 uint8); the start screen before the episode's first frame."""
        if self.frames == 0:
            return self.start_screen
        if self.frames < 2:
            self.ale.getScreenGrayscale(self.screens[1])
            return self.screens[1]
        return np.maximum(self.screens[0], self.screens[1])


def downsample(screens: np.ndarray) -> np.ndarray:
    """(N, 210, 160) uint8 -> (N, 84, 84) float32 in [0, 1] by area averaging.

    >>> downsample(np.full((2, 210, 160), 255, np.uint8)).shape
    (2, 84, 84)
    """
    import torch
    import torch.nn.functional as F

    x = torch.from_numpy(np.ascontiguousarray(screens)).float().unsqueeze(1)
    return (F.interpolate(x, size=(PIXELS, PIXELS), mode="area").squeeze(1) / 255.0).numpy()


class AtariTask(TaskBase):
    """An Atari game as a batched Task. Fitness of genome i = mean game score over ``params.episodes`` episodes,
    each reset from ``episode_seed(seeds[i], e)``; the action is the argmax of the outputs (one per action of the
    minimal set). ``info["frames"]`` counts the emulator frames used (the budget unit of the Atari literature).

    >>> task = AtariTask(AtariParams(game="Breakout"))
    >>> task.num_inputs, task.num_outputs
    (128, 4)
    """

    has_champion_test = True  # champion_solved: mean score over held-out episodes
    plays_episodes = True

    def __init__(self, params: AtariParams):
        problem = params.check()
        if problem:
            raise ConfigError(problem[1], field=f"task.{problem[0]}")
        try:
            import ale_py  # noqa: F401
        except ImportError:
            raise ConfigError("the Atari task needs ale-py: pip install 'topoevo[atari]'", field="task.name") from None
        self.params = params
        self.rom = rom_id(params.game)
        games = available_games()
        if self.rom not in games:
            hint = did_you_mean(self.rom, games)
            raise ConfigError(f"unknown Atari game {params.game!r}{hint}", field="task.game")
        if params.backend is Backend.ENVPOOL:
            if params.observation is Observation.RAM:
                raise ConfigError("the envpool backend gives no RAM observation; use backend = 'ale' or "
                                  "observation = 'pixels'", field="task.observation")
            raise ConfigError("the envpool backend of the Atari task is not available in this version; use "
                              "backend = 'ale'", field="task.backend")
        self._emulators: list[_Emulator] = [_Emulator(self.rom, params)]
        self.num_actions = len(self._emulators[0].action_set)
        self.pixels = params.observation is Observation.PIXELS
        self.num_inputs: int = STACK * PIXELS * PIXELS if self.pixels else RAM_SIZE
        self.num_outputs: int = self.num_actions
        self.champion_test: dict[str, Any] | None = None

    def _emulator_batch(self, n: int) -> list[_Emulator]:
        while len(self._emulators) < n:
            self._emulators.append(_Emulator(self.rom, self.params))
        return self._emulators[:n]

    def close(self) -> None:
        self._emulators = self._emulators[:1]

    # ---- observations

    def _observe(self, envs: list[_Emulator], idx: list[int], stack: np.ndarray | None, obs: np.ndarray,
                 first: bool = False) -> None:
        """Write the observation of environments ``idx`` into ``obs`` (N, num_inputs)."""
        if not idx:
            return
        if not self.pixels:
            for i in idx:
                obs[i] = envs[i].ram()
            obs[idx] /= 255.0
            return
        assert stack is not None
        frames = downsample(np.stack([envs[i].screen() for i in idx]))
        if first:
            stack[idx] = frames[:, None]
        else:
            stack[idx] = np.concatenate([stack[idx, 1:], frames[:, None]], axis=1)
        obs[idx] = stack[idx].reshape(len(idx), -1)

    def _run(self, policy: BatchedPolicy, env_seeds: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """One episode per (genome, episode) seed; returns (P, E) scores and frames."""
        import torch

        num_genomes, num_episodes = len(env_seeds), len(env_seeds[0])
        n = num_genomes * num_episodes
        envs = self._emulator_batch(n)
        for k, s in enumerate(s for row in env_seeds for s in row):
            envs[k].reset(s)
        obs = np.zeros((n, self.num_inputs), dtype=np.float32)
        stack = np.zeros((n, STACK, PIXELS, PIXELS), dtype=np.float32) if self.pixels else None
        self._observe(envs, list(range(n)), stack, obs, first=True)
        scores = np.zeros(n)
        running = np.array([not e.done for e in envs])
        shape = (num_genomes, num_episodes)
        policy.reset()
        while running.any():
            out = policy(torch.from_numpy(obs.reshape(*shape, self.num_inputs)))
            out = out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
            if out.shape != (*shape, self.num_outputs):
                raise EvaluationError(f"policy returned shape {tuple(out.shape)}, expected "
                                      f"{(*shape, self.num_outputs)}")
            actions = np.argmax(out.reshape(n, self.num_outputs), axis=-1).tolist()
            todo = np.flatnonzero(running).tolist()
            for i in todo:
                scores[i] += envs[i].step(actions[i])
            still = [i for i in todo if not envs[i].done]
            running[:] = False
            running[still] = True
            self._observe(envs, still, stack, obs)
        frames = np.array([envs[k].frames for k in range(n)], dtype=np.int64)  # no-op start included
        return scores.reshape(shape), frames.reshape(shape)

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        """One episode in each of P x E emulators; fitness = mean score per genome. ``info``: ``episode_returns``
        and ``episode_frames`` (P, E), ``frames`` (total emulator frames)."""
        seeds = np.asarray(seeds)
        if seeds.ndim != 1 or len(seeds) != policy.size:
            raise EvaluationError(f"expected one seed per genome ({policy.size}), got shape {seeds.shape}")
        if policy.size == 0:
            return EvalResult(fitness=np.zeros(0), info={"frames": 0})
        env_seeds = [[episode_seed(int(s), e) for e in range(self.params.episodes)] for s in seeds]
        scores, frames = self._run(policy, env_seeds)
        return EvalResult(fitness=scores.mean(axis=1),
                          info={"episode_returns": scores, "episode_frames": frames, "frames": int(frames.sum())})

    def held_out_return(self, policy: BatchedPolicy, episodes: int | None = None, seed: int = HELD_OUT_SEED
                        ) -> np.ndarray:
        """Mean score of each genome over ``episodes`` (default ``held_out_episodes``: 30) held-out episodes, the
        same episodes for every genome, from a seed stream separate from ``evaluate``'s."""
        episodes = self.params.held_out_episodes if episodes is None else episodes
        row = [episode_seed(seed, e, HELD_OUT_STREAM) for e in range(episodes)]
        scores, _ = self._run(policy, [row] * policy.size)
        return scores.mean(axis=1)

    def champion_solved(self, policy: BatchedPolicy, fitness: float | None = None) -> bool:
        """The run loop's success test: the champion's held-out mean score reaches ``solved_score`` (skipped when
        none is set or the training fitness is below it)."""
        self.champion_test = None
        target = self.params.solved_score
        if target is None or (fitness is not None and fitness < target):
            return False
        value = float(self.held_out_return(policy)[0])
        self.champion_test = {"held_out_return": value, "held_out_episodes": self.params.held_out_episodes,
                              "solved_score": target}
        return value >= target

    def play(self, policy: BatchedPolicy, episodes: int = 1, render: str | Path | None = None, seed: int = 0,
             frame_stride: int = 1) -> np.ndarray:
        """Play held-out episodes one after another; ``render`` = a ``.gif`` path writes the agent-step frames
        (every ``frame_stride``-th, colour screen) as an animated GIF."""
        import torch

        if policy.size != 1:
            raise EvaluationError(f"play expects a single-genome policy, got size {policy.size}")
        gif = GifFrames.for_render(render, frame_stride, "Atari has no window")
        env = self._emulator_batch(1)[0]
        returns = np.zeros(episodes)
        obs = np.zeros((1, self.num_inputs), dtype=np.float32)
        stack = np.zeros((1, STACK, PIXELS, PIXELS), dtype=np.float32) if self.pixels else None
        for e in range(episodes):
            env.reset(episode_seed(seed, e, HELD_OUT_STREAM))
            self._observe([env], [0], stack, obs, first=True)
            policy.reset()
            step = 0
            while not env.done:
                if gif is not None and step % frame_stride == 0:
                    gif.add(env.rgb())
                out = policy(torch.from_numpy(obs.reshape(1, 1, -1)))
                out = out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
                returns[e] += env.step(int(np.argmax(out.reshape(-1))))
                step += 1
                if not env.done:
                    self._observe([env], [0], stack, obs)
        if gif is not None:
            gif.write(fps=60.0 / self.params.frameskip)  # one frame per agent step of frameskip 60 Hz frames
        return returns
