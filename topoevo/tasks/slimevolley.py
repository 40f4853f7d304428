"""Slime Volleyball (the ``slimevolleygym`` package, Ha 2020) for self-play: batches of two-player matches between
the agents of one batched policy, and matches against the game's built-in opponent (a small pretrained RNN).

``slimevolleygym`` uses the old gym API (``reset() -> obs``, ``step() -> (obs, reward, done, info)``, ``seed()``);
this module wraps it: a match is ``SlimeVolleyEnv`` seeded from the match seed (the serve directions come from its
generator), stepped with the right agent's action and the left agent's action, each agent seeing its own
12-value observation (positions and velocities of itself, the ball and the opponent, divided by 10; mirrored for the
left agent). A network's 3 outputs are thresholded at ``threshold`` (0.5 for NEAT's sigmoid outputs) into the
binary (forward, backward, jump) action. The result of a match (for the right agent) is its net score:
opponent lives lost minus own lives lost, in [-5, 5]; a match ends when one side has lost 5 lives or after 3,000
steps.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.config.schema import Section, param
from topoevo.errors import ConfigError, EvaluationError
from topoevo.tasks.base import BatchedPolicy, EvalResult, TaskBase
from topoevo.tasks.gym import HELD_OUT_STREAM, GifFrames, episode_seed
from topoevo.tasks.slimevolley_batch import TIMESTEP, SlimeBatch

NUM_INPUTS, NUM_OUTPUTS = 12, 3
BUILTIN = -1  # opponent index of the built-in policy


def _module() -> Any:
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            from slimevolleygym import slimevolley  # gym 0.26 prints a deprecation banner on import
    except ImportError as exc:
        raise ConfigError(f"self-play on Slime Volleyball needs slimevolleygym: pip install 'topoevo[selfplay]' "
                          f"({exc})", field="task.name") from None
    return slimevolley


@dataclass(frozen=True)
class Match:
    """One game: ``right`` and ``left`` are agent indices into the policy (``BUILTIN``: the built-in opponent)."""

    right: int
    left: int
    seed: int


def play_matches(policy: BatchedPolicy, matches: Sequence[Match], threshold: float = 0.5,
                 on_step: Callable[[SlimeBatch], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Play every match at once (one policy call per step for all agents of all matches); returns the right
    agents' net scores and the match lengths (steps). ``on_step`` (for pictures) sees the games before the first
    step and after every step.

    >>> import torch
    >>> class Still:  # never moves
    ...     size = 1
    ...     def reset(self): pass
    ...     def __call__(self, obs): return torch.zeros(obs.shape[0], obs.shape[1], 3)
    >>> score, steps = play_matches(Still(), [Match(0, 0, seed=1)])
    >>> bool(-5 <= score[0] <= 5), bool(0 < steps[0] <= 3000)
    (True, True)
    """
    import torch

    sv = _module()
    n = len(matches)
    envs = []
    for m in matches:
        env = sv.SlimeVolleyEnv()
        env.seed(int(m.seed))
        env.reset()
        envs.append(env)
    # slots: (agent, column) for each side of each match that a network plays
    columns = np.zeros(policy.size, dtype=np.int64)
    right_slot = np.zeros((n, 2), dtype=np.int64)
    left_slot = np.full((n, 2), -1, dtype=np.int64)
    for i, m in enumerate(matches):
        right_slot[i] = (m.right, columns[m.right])
        columns[m.right] += 1
        if m.left != BUILTIN:
            left_slot[i] = (m.left, columns[m.left])
            columns[m.left] += 1
    width = max(1, int(columns.max()))
    obs = np.zeros((policy.size, width, NUM_INPUTS), dtype=np.float32)
    game = SlimeBatch(envs)
    scores = np.zeros(n)
    steps = np.zeros(n, dtype=np.int64)
    running = np.arange(n)
    policy.reset()
    if on_step is not None:
        on_step(game)
    while len(running):
        r_slot, l_slot = right_slot[running], left_slot[running]
        own = l_slot[:, 0] >= 0
        obs[r_slot[:, 0], r_slot[:, 1]] = game.obs_right[running]
        obs[l_slot[own, 0], l_slot[own, 1]] = game.obs_left[running[own]]
        out = policy(torch.from_numpy(obs))
        act = ((out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)) > threshold)
        right = act[r_slot[:, 0], r_slot[:, 1]].astype(np.int64)
        left = np.zeros_like(right)
        left[own] = act[l_slot[own, 0], l_slot[own, 1]]
        for k in np.flatnonzero(~own).tolist():  # the built-in opponent, one game at a time
            i = int(running[k])
            left[k] = envs[i].policy.predict(game.obs_left[i])
        reward, done = game.step(right, left, running)
        scores[running] += reward
        steps[running] += 1
        running = running[~done]
        if on_step is not None:
            on_step(game)
    return scores, steps



@dataclass
class SlimeVolleyParams(Section):
    """``[task]`` keys of Slime Volleyball against the built-in opponent (``name = "slimevolley"``); self-play
    runs add a ``[selfplay]`` table and use :class:`~topoevo.search.selfplay.SelfPlay`.

    >>> SlimeVolleyParams().held_out_episodes
    100
    """

    SECTION = "task"

    episodes: int = param(1, "Games against the built-in opponent per genome and evaluation (fitness: mean net "
                             "score).", ge=1)
    threshold: float = param(0.5, "An output above this presses its button (0.5 for sigmoid outputs).")
    held_out_episodes: int = param(100, "Games of the held-out test against the built-in opponent.", ge=1)


class SlimeVolleyTask(TaskBase):
    """Slime Volleyball against the game's built-in opponent as a batched Task: 12 inputs, 3 outputs
    (forward, backward, jump); fitness = mean net score in [-5, 5] over ``episodes`` games.

    >>> SlimeVolleyTask(SlimeVolleyParams()).num_inputs
    12
    """

    num_inputs = NUM_INPUTS
    num_outputs = NUM_OUTPUTS
    plays_episodes = True  # topoevo play: games against the built-in opponent, optionally drawn as a GIF

    def __init__(self, params: SlimeVolleyParams):
        _module()
        self.params = params

    def _games(self, policy: BatchedPolicy, seeds: Sequence[Sequence[int]]) -> np.ndarray:
        matches = [Match(i, BUILTIN, s) for i, row in enumerate(seeds) for s in row]
        scores, _ = play_matches(policy, matches, self.params.threshold)
        return scores.reshape(len(seeds), -1)

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        rows = [[episode_seed(int(s), e) for e in range(self.params.episodes)] for s in seeds]
        scores = self._games(policy, rows)
        return EvalResult(fitness=scores.mean(axis=1), info={"episode_returns": scores})

    def held_out_return(self, policy: BatchedPolicy, episodes: int | None = None, seed: int = 0) -> np.ndarray:
        """Mean net score of each agent over held-out games against the built-in opponent (the same games for
        every agent)."""
        episodes = self.params.held_out_episodes if episodes is None else episodes
        row = [episode_seed(seed, e, HELD_OUT_STREAM) for e in range(episodes)]
        return self._games(policy, [row] * policy.size).mean(axis=1)

    def play(self, policy: BatchedPolicy, episodes: int = 1, render: str | Path | None = None, seed: int = 0,
             frame_stride: int = 1) -> np.ndarray:
        """Held-out games of a single-genome policy against the built-in opponent, one after another (the games
        of :meth:`held_out_return` with the same ``seed``: the same net scores); ``render`` = a ``.gif`` path
        draws every ``frame_stride``-th step (the network plays on the right, in blue)."""
        from topoevo.tasks.slimevolley_render import CourtPainter

        if policy.size != 1:
            raise EvaluationError(f"play expects a single-genome policy, got size {policy.size}")
        if frame_stride < 1:
            raise EvaluationError(f"expected frame_stride >= 1, got {frame_stride}")
        gif = GifFrames.for_render(render, frame_stride, "Slime Volleyball has no window here")
        painter = CourtPainter()
        returns = np.zeros(episodes)
        for e in range(episodes):
            step = [0]

            def draw(game: SlimeBatch) -> None:
                assert gif is not None  # only passed with a GIF to write
                if step[0] % frame_stride == 0:
                    gif.add(np.asarray(painter.frame(game, 0)))
                step[0] += 1

            match = Match(0, BUILTIN, episode_seed(seed, e, HELD_OUT_STREAM))
            scores, _ = play_matches(policy, [match], self.params.threshold, None if gif is None else draw)
            returns[e] = scores[0]
        if gif is not None:
            gif.write(fps=1 / TIMESTEP)
        return returns
