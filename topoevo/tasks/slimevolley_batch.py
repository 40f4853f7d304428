"""Slime Volleyball's physics over arrays of games: the rules of ``slimevolleygym.slimevolley`` (``Game.step``,
``Agent.update``, ``Particle`` moves, bounces and edges, the 30-frame serve delay, the 3,000-step limit), each
operation done in the same order on float64 arrays, so every game is bit-identical to the package's own (tests
step both side by side and compare every state variable). The package is still the source of each game's random
serves: a game starts from a seeded ``SlimeVolleyEnv`` (its first serve) and draws later serves from that
environment's generator, as the package does. About 20 times faster than stepping the environments one by one for
a batch of 64 games, since all the time went into the package's per-object Python code.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

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
        idx = np.arange(len(self.t)) if idx is None else idx
        for body, action, side in ((self.left, left_action, -1), (self.right, right_action, 1)):
            _update_agent(body, idx, np.asarray(action), side)
        ball = self.ball
        bx, by, bvx, bvy = ball.x[idx], ball.y[idx], ball.vx[idx], ball.vy[idx]
        prev_x = self.ball_prev_x[idx]
        delay = self.delay[idx]
        live = delay == 0
        self.delay[idx] = np.where(live, delay, delay - 1)
        # applyAcceleration(0, GRAVITY), limitSpeed(0, MAX_BALL_SPEED), move()
        bvx = np.where(live, bvx + 0 * TIMESTEP, bvx)
        bvy = np.where(live, bvy + GRAVITY * TIMESTEP, bvy)
        mag2 = bvx * bvx + bvy * bvy
        fast = live & (mag2 > (MAX_BALL_SPEED * MAX_BALL_SPEED))
        mag = np.sqrt(np.where(fast, mag2, 1.0))
        bvx = np.where(fast, bvx / mag * MAX_BALL_SPEED, bvx)
        bvy = np.where(fast, bvy / mag * MAX_BALL_SPEED, bvy)
        prev_x = np.where(live, bx, prev_x)
        bx = np.where(live, bx + bvx * TIMESTEP, bx)
        by = np.where(live, by + bvy * TIMESTEP, by)
        zeros = np.zeros(len(idx))
        for px, py, pvx, pvy, r in ((self.left.x[idx], self.left.y[idx], self.left.vx[idx], self.left.vy[idx],
                                     AGENT_R),
                                    (self.right.x[idx], self.right.y[idx], self.right.vx[idx], self.right.vy[idx],
                                     AGENT_R),
                                    (zeros, zeros + REF_WALL_HEIGHT, zeros, zeros, STUB_R)):
            bx, by, bvx, bvy = _bounce(bx, by, bvx, bvy, px, py, pvx, pvy, BALL_R + r)
        bx, by, bvx, bvy, edge = _check_edges(bx, by, bvx, bvy, prev_x)
        result = -edge
        ball.x[idx], ball.y[idx], ball.vx[idx], ball.vy[idx] = bx, by, bvx, bvy
        self.ball_prev_x[idx] = prev_x
        scored = np.flatnonzero(result != 0)
        for k in scored.tolist():  # newMatch(): a new serve from the game's generator, the delay again
            i = int(idx[k])
            rng = self.rngs[i]
            ball.vx[i] = rng.uniform(low=-20, high=20)
            ball.vy[i] = rng.uniform(low=10, high=25)
            ball.x[i], ball.y[i], self.ball_prev_x[i] = 0, REF_W / 4, 0
            self.delay[i] = INIT_DELAY_FRAMES
            if result[k] < 0:
                self.life_right[i] -= 1
            else:
                self.life_left[i] -= 1
        quiet = idx[result == 0]  # the state observations are updated only when no point was scored
        self.obs_right[quiet] = self._state(quiet, self.right, self.left, 1)
        self.obs_left[quiet] = self._state(quiet, self.left, self.right, -1)
        self.t[idx] += 1
        done = (self.t[idx] >= T_LIMIT) | (self.life_left[idx] <= 0) | (self.life_right[idx] <= 0)
        return result, done

    def _state(self, idx: np.ndarray, me: Body, other: Body, side: int) -> np.ndarray:
        """``Agent.updateState`` then ``getObservation``: everything in the agent's own frame, divided by 10."""
        b = self.ball
        cols = [me.x[idx] * side, me.y[idx], me.vx[idx] * side, me.vy[idx],
                b.x[idx] * side, b.y[idx], b.vx[idx] * side, b.vy[idx],
                other.x[idx] * (-side), other.y[idx], other.vx[idx] * (-side), other.vy[idx]]
        return np.stack(cols, axis=1) / 10.0


def _update_agent(a: Body, idx: np.ndarray, action: np.ndarray, side: int) -> None:
    """``Agent.setAction`` then ``Agent.update`` for one side's agents in the games ``idx``."""
    forward, backward, jump = action[:, 0] > 0, action[:, 1] > 0, action[:, 2] > 0
    desired_vx = np.where(forward & ~backward, -PLAYER_SPEED_X, np.where(backward & ~forward, PLAYER_SPEED_X, 0.0))
    desired_vy = np.where(jump, PLAYER_SPEED_Y, 0.0)
    x, y, vy = a.x[idx], a.y[idx], a.vy[idx]
    vy = vy + GRAVITY * TIMESTEP
    vy = np.where(y <= REF_U + NUDGE * TIMESTEP, desired_vy, vy)
    vx = desired_vx * side
    x = x + vx * TIMESTEP
    y = y + vy * TIMESTEP
    low = y <= REF_U
    y = np.where(low, REF_U, y)
    vy = np.where(low, 0.0, vy)
    inner = x * side <= (REF_WALL_WIDTH / 2 + AGENT_R)
    vx = np.where(inner, 0.0, vx)
    x = np.where(inner, side * (REF_WALL_WIDTH / 2 + AGENT_R), x)
    outer = x * side >= (REF_W / 2 - AGENT_R)
    vx = np.where(outer, 0.0, vx)
    x = np.where(outer, side * (REF_W / 2 - AGENT_R), x)
    a.x[idx], a.y[idx], a.vx[idx], a.vy[idx] = x, y, vx, vy


def _colliding(bx: np.ndarray, by: np.ndarray, px: np.ndarray, py: np.ndarray, r: float) -> np.ndarray:
    dy = py - by
    dx = px - bx
    return r * r > (dx * dx + dy * dy)


def _bounce(bx, by, bvx, bvy, px, py, pvx, pvy, r):  # type: ignore[no-untyped-def]
    """``if ball.isColliding(p): ball.bounce(p)`` for every game at once (``r``: the two radii summed)."""
    hit = _colliding(bx, by, px, py, r)
    if not hit.any():
        return bx, by, bvx, bvy
    k = np.flatnonzero(hit)
    x, y, vx, vy, qx, qy, qvx, qvy = bx[k], by[k], bvx[k], bvy[k], px[k], py[k], pvx[k], pvy[k]
    abx = x - qx
    aby = y - qy
    abd = np.sqrt(abx * abx + aby * aby)
    abx = abx / abd
    aby = aby / abd
    nx, ny = abx, aby
    abx = abx * NUDGE
    aby = aby * NUDGE
    moving = _colliding(x, y, qx, qy, r)
    while moving.any():  # nudge the ball out along the normal, one step at a time
        x = np.where(moving, x + abx, x)
        y = np.where(moving, y + aby, y)
        moving &= _colliding(x, y, qx, qy, r)
    ux = vx - qvx
    uy = vy - qvy
    un = ux * nx + uy * ny
    ux = ux - nx * (un * 2.)
    uy = uy - ny * (un * 2.)
    bx, by, bvx, bvy = bx.copy(), by.copy(), bvx.copy(), bvy.copy()
    bx[k], by[k], bvx[k], bvy[k] = x, y, ux + qvx, uy + qvy
    return bx, by, bvx, bvy


def _check_edges(x, y, vx, vy, prev_x):  # type: ignore[no-untyped-def]
    """``Particle.checkEdges`` for the ball: walls, ground (returns -1 left of the net, +1 right of it; nothing
    else is checked then), ceiling, the fence's two sides."""
    r = BALL_R
    hit = x <= (r - REF_W / 2)
    vx = np.where(hit, vx * -FRICTION, vx)
    x = np.where(hit, r - REF_W / 2 + NUDGE * TIMESTEP, x)
    hit = x >= (REF_W / 2 - r)
    vx = np.where(hit, vx * -FRICTION, vx)
    x = np.where(hit, REF_W / 2 - r - NUDGE * TIMESTEP, x)
    ground = y <= (r + REF_U)
    vy = np.where(ground, vy * -FRICTION, vy)
    y = np.where(ground, r + REF_U + NUDGE * TIMESTEP, y)
    edge = np.where(ground, np.where(x <= 0, -1, 1), 0)
    air = ~ground
    hit = air & (y >= (REF_H - r))
    vy = np.where(hit, vy * -FRICTION, vy)
    y = np.where(hit, REF_H - r - NUDGE * TIMESTEP, y)
    hit = air & (x <= (REF_WALL_WIDTH / 2 + r)) & (prev_x > (REF_WALL_WIDTH / 2 + r)) & (y <= REF_WALL_HEIGHT)
    vx = np.where(hit, vx * -FRICTION, vx)
    x = np.where(hit, REF_WALL_WIDTH / 2 + r + NUDGE * TIMESTEP, x)
    hit = air & (x >= (-REF_WALL_WIDTH / 2 - r)) & (prev_x < (-REF_WALL_WIDTH / 2 - r)) & (y <= REF_WALL_HEIGHT)
    vx = np.where(hit, vx * -FRICTION, vx)
    x = np.where(hit, -REF_WALL_WIDTH / 2 - r - NUDGE * TIMESTEP, x)
    return x, y, vx, vy, edge


assert math.isclose(TIMESTEP, 1 / 30)  # (the package's value; kept as written there)
