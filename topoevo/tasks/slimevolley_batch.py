"""Slime Volleyball's physics over arrays of games: the rules of ``slimevolleygym.slimevolley`` (``Game.step``,
``Agent.update``, ``Particle`` moves, bounces and edges, the 30-frame serve delay, the 3,000-step limit), each
operation done in the same order on float64 arrays, so every game is bit-identical to the package's own (tests
step both side by side and compare every state variable). The package is still the source of each game's random
serves: a game starts from a seeded ``SlimeVolleyEnv`` (its first serve) and draws later serves from that
environment's generator, as the package does. One compiled loop steps every game (numba); stepping the package's
environments one by one spent nearly all of a match's time in its per-object Python code.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numba import njit

# the package's constants (slimevolleygym/slimevolley.py)
REF_W = 24 * 2
REF_H = REF_W
REF_U = 1.5
REF_WALL_WIDTH = 1.0
REF_WALL_HEIGHT = 3.5
PLAYER_SPEED_X = 10 * 1.75
PLAYER_SPEED_Y = 10 * 1.35
MAX_BALL_SPEED = 15 * 1.5
TIMESTEP = 1 / 30.
NUDGE = 0.1
FRICTION = 1.0
INIT_DELAY_FRAMES = 30
GRAVITY = -9.8 * 2 * 1.5
MAXLIVES = 5
T_LIMIT = 3000
BALL_R, AGENT_R, STUB_R = 0.5, 1.5, REF_WALL_WIDTH / 2


class Body:
    """Position and velocity arrays of one kind of object (the ball, or one side's agents) across games."""

    def __init__(self, n: int):
        self.x, self.y, self.vx, self.vy = (np.zeros(n) for _ in range(4))


class SlimeBatch:
    """``n`` Slime Volleyball games stepped together; ``envs`` are the package's seeded and reset environments the
    games start from (their serve generators are used for later serves).

    >>> from topoevo.tasks.slimevolley import _module
    >>> envs = [_module().SlimeVolleyEnv() for _ in range(2)]
    >>> for k, e in enumerate(envs):
    ...     _ = e.seed(k); _ = e.reset()
    >>> b = SlimeBatch(envs)
    >>> reward, done = b.step(np.zeros((2, 3), dtype=np.int64), np.ones((2, 3), dtype=np.int64))
    >>> reward.tolist(), done.tolist(), b.observations(right=True).shape
    ([0, 0], [False, False], (2, 12))
    """

    def __init__(self, envs: Sequence[Any]):
        n = len(envs)
        self.rngs = [e.np_random for e in envs]
        self.ball, self.left, self.right = Body(n), Body(n), Body(n)
        self.ball_prev_x = np.zeros(n)
        self.life_left = np.zeros(n, dtype=np.int64)
        self.life_right = np.zeros(n, dtype=np.int64)
        self.delay = np.zeros(n, dtype=np.int64)
        self.t = np.zeros(n, dtype=np.int64)
        self.obs_right, self.obs_left = np.zeros((n, 12)), np.zeros((n, 12))
        for i, e in enumerate(envs):
            g = e.game
            for body, src in ((self.ball, g.ball), (self.left, g.agent_left), (self.right, g.agent_right)):
                body.x[i], body.y[i], body.vx[i], body.vy[i] = src.x, src.y, src.vx, src.vy
            self.ball_prev_x[i] = g.ball.prev_x
            self.life_left[i], self.life_right[i] = g.agent_left.life, g.agent_right.life
            self.delay[i], self.t[i] = g.delayScreen.life, e.t
            self.obs_right[i], self.obs_left[i] = g.agent_right.getObservation(), g.agent_left.getObservation()

    def observations(self, right: bool) -> np.ndarray:
        """Each game's last observation of the right (or left) agent, as ``Agent.getObservation`` gives it."""
        return self.obs_right if right else self.obs_left

    def step(self, right_action: np.ndarray, left_action: np.ndarray, idx: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
        """One step of the games ``idx`` (default: all) with the binary (forward, backward, jump) actions, one row
        per game of ``idx``; returns the right agents' rewards (+1: the left agent lost a life) and whether each
        game is over (a side has no lives left, or 3,000 steps)."""
        idx = np.arange(len(self.t)) if idx is None else np.ascontiguousarray(idx, dtype=np.int64)
        b, lf, rt = self.ball, self.left, self.right
        result = np.zeros(len(idx), dtype=np.int64)
        _step_games(idx, np.ascontiguousarray(right_action, dtype=np.int64),
                    np.ascontiguousarray(left_action, dtype=np.int64), b.x, b.y, b.vx, b.vy, self.ball_prev_x,
                    lf.x, lf.y, lf.vx, lf.vy, rt.x, rt.y, rt.vx, rt.vy, self.delay, self.obs_right, self.obs_left,
                    result)
        for k in np.flatnonzero(result).tolist():  # newMatch(): a new serve from the game's generator, the delay
            i = int(idx[k])
            rng = self.rngs[i]
            b.vx[i] = rng.uniform(low=-20, high=20)
            b.vy[i] = rng.uniform(low=10, high=25)
            b.x[i], b.y[i], self.ball_prev_x[i] = 0, REF_W / 4, 0
            self.delay[i] = INIT_DELAY_FRAMES
            if result[k] < 0:
                self.life_right[i] -= 1
            else:
                self.life_left[i] -= 1
        self.t[idx] += 1
        done = (self.t[idx] >= T_LIMIT) | (self.life_left[idx] <= 0) | (self.life_right[idx] <= 0)
        return result, done


# constants of the package's expressions, evaluated as it evaluates them
GROUNDED = REF_U + NUDGE * TIMESTEP
G_STEP = GRAVITY * TIMESTEP
INNER = REF_WALL_WIDTH / 2 + AGENT_R
OUTER = REF_W / 2 - AGENT_R
MAX2 = MAX_BALL_SPEED * MAX_BALL_SPEED
WALL_L, WALL_L_SET = BALL_R - REF_W / 2, BALL_R - REF_W / 2 + NUDGE * TIMESTEP
WALL_R, WALL_R_SET = REF_W / 2 - BALL_R, REF_W / 2 - BALL_R - NUDGE * TIMESTEP
FLOOR, FLOOR_SET = BALL_R + REF_U, BALL_R + REF_U + NUDGE * TIMESTEP
CEIL, CEIL_SET = REF_H - BALL_R, REF_H - BALL_R - NUDGE * TIMESTEP
FENCE_R, FENCE_R_SET = REF_WALL_WIDTH / 2 + BALL_R, REF_WALL_WIDTH / 2 + BALL_R + NUDGE * TIMESTEP
FENCE_L, FENCE_L_SET = -REF_WALL_WIDTH / 2 - BALL_R, -REF_WALL_WIDTH / 2 - BALL_R - NUDGE * TIMESTEP


@njit(cache=True, nogil=True, error_model="numpy")
def _update_agent(action, i, x, y, vx, vy, side):  # type: ignore[no-untyped-def]
    """``Agent.setAction`` then ``Agent.update`` for one agent (``side``: -1.0 left, 1.0 right)."""
    forward, backward, jump = action[0] > 0, action[1] > 0, action[2] > 0
    desired_vx = 0.0
    if forward and not backward:
        desired_vx = -PLAYER_SPEED_X
    if backward and not forward:
        desired_vx = PLAYER_SPEED_X
    desired_vy = PLAYER_SPEED_Y if jump else 0.0
    vy[i] += G_STEP
    if y[i] <= GROUNDED:
        vy[i] = desired_vy
    vx[i] = desired_vx * side
    x[i] += vx[i] * TIMESTEP
    y[i] += vy[i] * TIMESTEP
    if y[i] <= REF_U:
        y[i] = REF_U
        vy[i] = 0.0
    if x[i] * side <= INNER:
        vx[i] = 0.0
        x[i] = side * INNER
    if x[i] * side >= OUTER:
        vx[i] = 0.0
        x[i] = side * OUTER


@njit(cache=True, nogil=True, error_model="numpy")
def _bounce(bx, by, bvx, bvy, i, px, py, pvx, pvy, r):  # type: ignore[no-untyped-def]
    """``if ball.isColliding(p): ball.bounce(p)`` (``r``: the two radii summed)."""
    dy = py - by[i]
    dx = px - bx[i]
    if not r * r > (dx * dx + dy * dy):
        return
    abx = bx[i] - px
    aby = by[i] - py
    abd = np.sqrt(abx * abx + aby * aby)
    abx /= abd
    aby /= abd
    nx, ny = abx, aby
    abx *= NUDGE
    aby *= NUDGE
    while True:  # nudge the ball out along the normal
        dy = py - by[i]
        dx = px - bx[i]
        if not r * r > (dx * dx + dy * dy):
            break
        bx[i] += abx
        by[i] += aby
    ux = bvx[i] - pvx
    uy = bvy[i] - pvy
    un = ux * nx + uy * ny
    unx = nx * (un * 2.)
    uny = ny * (un * 2.)
    ux -= unx
    uy -= uny
    bvx[i] = ux + pvx
    bvy[i] = uy + pvy


@njit(cache=True, nogil=True, error_model="numpy")
def _check_edges(x, y, vx, vy, prev_x, i):  # type: ignore[no-untyped-def]
    """``Particle.checkEdges`` for the ball: walls, ground (-1 left of the net, +1 right of it; nothing else is
    checked then), ceiling, the fence's two sides; 0 when the ball is in the air."""
    if x[i] <= WALL_L:
        vx[i] *= -FRICTION
        x[i] = WALL_L_SET
    if x[i] >= WALL_R:
        vx[i] *= -FRICTION
        x[i] = WALL_R_SET
    if y[i] <= FLOOR:
        vy[i] *= -FRICTION
        y[i] = FLOOR_SET
        return -1 if x[i] <= 0 else 1
    if y[i] >= CEIL:
        vy[i] *= -FRICTION
        y[i] = CEIL_SET
    if x[i] <= FENCE_R and prev_x[i] > FENCE_R and y[i] <= REF_WALL_HEIGHT:
        vx[i] *= -FRICTION
        x[i] = FENCE_R_SET
    if x[i] >= FENCE_L and prev_x[i] < FENCE_L and y[i] <= REF_WALL_HEIGHT:
        vx[i] *= -FRICTION
        x[i] = FENCE_L_SET
    return 0


@njit(cache=True, nogil=True, error_model="numpy")
def _observe(obs, i, x, y, vx, vy, bx, by, bvx, bvy, ox, oy, ovx, ovy, side):  # type: ignore[no-untyped-def]
    """``Agent.updateState`` then ``getObservation``: everything in the agent's own frame, divided by 10."""
    values = (x[i] * side, y[i], vx[i] * side, vy[i], bx[i] * side, by[i], bvx[i] * side, bvy[i],
              ox[i] * (-side), oy[i], ovx[i] * (-side), ovy[i])
    for j in range(12):
        obs[i, j] = values[j] / 10.0


@njit(cache=True, nogil=True, error_model="numpy")
def _step_games(idx, ra, la, bx, by, bvx, bvy, bpx, lx, ly, lvx, lvy, rx, ry, rvx, rvy, delay, obs_r, obs_l,
                result):  # type: ignore[no-untyped-def]
    """``Game.step`` for the games ``idx``, up to the new serve after a point (done by the caller: ``result[k]``
    is the right agent's reward; the observations are not updated then, as in the package)."""
    for k in range(idx.shape[0]):
        i = idx[k]
        _update_agent(la[k], i, lx, ly, lvx, lvy, -1.0)
        _update_agent(ra[k], i, rx, ry, rvx, rvy, 1.0)
        if delay[i] == 0:
            bvx[i] += 0 * TIMESTEP
            bvy[i] += G_STEP
            mag2 = bvx[i] * bvx[i] + bvy[i] * bvy[i]
            if mag2 > MAX2:
                mag = np.sqrt(mag2)
                bvx[i] /= mag
                bvy[i] /= mag
                bvx[i] *= MAX_BALL_SPEED
                bvy[i] *= MAX_BALL_SPEED
            bpx[i] = bx[i]
            bx[i] += bvx[i] * TIMESTEP
            by[i] += bvy[i] * TIMESTEP
        else:
            delay[i] -= 1
        _bounce(bx, by, bvx, bvy, i, lx[i], ly[i], lvx[i], lvy[i], BALL_R + AGENT_R)
        _bounce(bx, by, bvx, bvy, i, rx[i], ry[i], rvx[i], rvy[i], BALL_R + AGENT_R)
        _bounce(bx, by, bvx, bvy, i, 0.0, REF_WALL_HEIGHT, 0.0, 0.0, BALL_R + STUB_R)
        result[k] = -_check_edges(bx, by, bvx, bvy, bpx, i)
        if result[k] == 0:
            _observe(obs_r, i, rx, ry, rvx, rvy, bx, by, bvx, bvy, lx, ly, lvx, lvy, 1.0)
            _observe(obs_l, i, lx, ly, lvx, lvy, bx, by, bvx, bvy, rx, ry, rvx, rvy, -1.0)
