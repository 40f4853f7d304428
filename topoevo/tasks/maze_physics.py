"""The maze navigation robot of Lehman & Stanley (2011, "Abandoning objectives"), batched over P robots (numba kernels).

A round robot (radius 8) in a maze of line-segment walls. Each step it senses six rangefinders (at -90, -45, 0, 45,
90 and -180 degrees from its heading, range 100, read as distance / range) and four pie-slice radars that fire when
the goal lies in their quarter of the circle around the robot (front 315..45, 45..135, back 135..225, 225..315
degrees). Its two outputs (in [0, 1]) change its angular velocity and its speed by (output - 0.5), both clamped to
[-3, 3]; it then turns by the angular velocity (degrees) and moves by its speed along the old heading, unless the new
position would be closer than its radius to a wall (then it stays where it is). The run ends for a robot when it
comes within 5 units of the goal.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

RANGEFINDER_ANGLES = np.array([-90.0, -45.0, 0.0, 45.0, 90.0, -180.0])
RADAR_SLICES = np.array([[315.0, 405.0], [45.0, 135.0], [135.0, 225.0], [225.0, 315.0]])
ROBOT_RADIUS = 8.0
RANGEFINDER_RANGE = 100.0
MAX_SPEED = 3.0  # also the bound of the angular velocity (degrees per step)
GOAL_RADIUS = 5.0


@dataclass(frozen=True)
class MazeMap:
    """Walls (W, 4) as x1 y1 x2 y2 rows, the start position and heading (degrees), the goal.

    >>> HARD_MAZE.walls.shape, HARD_MAZE.start, HARD_MAZE.goal
    ((13, 4), (36.0, 184.0), (31.0, 20.0))
    """

    walls: np.ndarray
    start: tuple[float, float]
    heading: float
    goal: tuple[float, float]


#: the hard maze of Lehman & Stanley (2011): 13 walls (the outer ones slightly irregular), start bottom left,
#: goal top left behind the deceptive cul-de-sacs
HARD_MAZE = MazeMap(
    walls=np.array([[41, 5, 3, 8], [3, 8, 4, 49], [4, 49, 57, 53], [4, 49, 7, 202], [7, 202, 195, 198],
                    [195, 198, 186, 8], [186, 8, 39, 5], [56, 54, 56, 157], [57, 106, 158, 162],
                    [77, 201, 108, 164], [6, 80, 33, 121], [192, 146, 87, 91], [56, 55, 133, 30]], dtype=np.float64),
    start=(36.0, 184.0), heading=0.0, goal=(31.0, 20.0))


@dataclass
class RobotState:
    """P robots: position (x, y), heading in degrees, speed, angular velocity (arrays (P,)), and whether each
    reached the goal (then it no longer moves).

    >>> RobotState.start(HARD_MAZE, 2).pos.tolist()
    [[36.0, 184.0], [36.0, 184.0]]
    """

    x: np.ndarray
    y: np.ndarray
    heading: np.ndarray
    speed: np.ndarray
    ang_vel: np.ndarray
    done: np.ndarray

    @classmethod
    def start(cls, maze: MazeMap, count: int) -> "RobotState":
        return cls(np.full(count, maze.start[0]), np.full(count, maze.start[1]), np.full(count, maze.heading),
                   np.zeros(count), np.zeros(count), np.zeros(count, dtype=bool))

    @property
    def pos(self) -> np.ndarray:
        """(P, 2) positions."""
        return np.stack([self.x, self.y], axis=1)


@njit(cache=True)
def _sense(walls, goal_x, goal_y, px, py, heading, out):  # pragma: no cover - compiled
    """Fill out (P, 10): six rangefinders / range, four radars (see the module doc)."""
    n_walls = walls.shape[0]
    for p in range(px.shape[0]):
        for s in range(6):
            a = (heading[p] + RANGEFINDER_ANGLES[s]) * (np.pi / 180.0)
            rx, ry = np.cos(a), np.sin(a)  # unit ray direction
            best = RANGEFINDER_RANGE
            for w in range(n_walls):
                ex, ey = walls[w, 2] - walls[w, 0], walls[w, 3] - walls[w, 1]
                qx, qy = walls[w, 0] - px[p], walls[w, 1] - py[p]
                denom = rx * ey - ry * ex  # ray x wall
                if denom == 0.0:
                    continue
                u = (qx * ey - qy * ex) / denom  # distance along the ray
                t = (qx * ry - qy * rx) / denom  # fraction along the wall
                if 0.0 < t < 1.0 and 0.0 < u < RANGEFINDER_RANGE and u < best:
                    best = u
            out[p, s] = best / RANGEFINDER_RANGE
        bearing = np.arctan2(goal_y - py[p], goal_x - px[p]) * (180.0 / np.pi) - heading[p]
        bearing = bearing % 360.0
        for r in range(4):
            lo, hi = RADAR_SLICES[r, 0], RADAR_SLICES[r, 1]
            inside = (lo <= bearing < hi) or (lo <= bearing + 360.0 < hi)
            out[p, 6 + r] = 1.0 if inside else 0.0


@njit(cache=True)
def _collides(walls, x, y):  # pragma: no cover - compiled
    """Is (x, y) closer than the robot's radius to a wall?"""
    for w in range(walls.shape[0]):
        ax, ay = walls[w, 0], walls[w, 1]
        ex, ey = walls[w, 2] - ax, walls[w, 3] - ay
        u = ((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey)
        u = min(max(u, 0.0), 1.0)
        dx, dy = x - (ax + u * ex), y - (ay + u * ey)
        if dx * dx + dy * dy < ROBOT_RADIUS * ROBOT_RADIUS:
            return True
    return False


@njit(cache=True)
def _step(walls, goal_x, goal_y, px, py, heading, speed, ang_vel, done, outputs):  # pragma: no cover - compiled
    for p in range(px.shape[0]):
        if done[p]:
            continue
        ang_vel[p] = min(max(ang_vel[p] + outputs[p, 0] - 0.5, -MAX_SPEED), MAX_SPEED)
        speed[p] = min(max(speed[p] + outputs[p, 1] - 0.5, -MAX_SPEED), MAX_SPEED)
        a = heading[p] * (np.pi / 180.0)
        nx, ny = px[p] + np.cos(a) * speed[p], py[p] + np.sin(a) * speed[p]
        h = heading[p] + ang_vel[p]
        if h > 360.0:
            h -= 360.0
        elif h < 0.0:
            h += 360.0
        heading[p] = h
        if not _collides(walls, nx, ny):
            px[p], py[p] = nx, ny
        dx, dy = px[p] - goal_x, py[p] - goal_y
        if dx * dx + dy * dy < GOAL_RADIUS * GOAL_RADIUS:
            done[p] = True


def sensors(maze: MazeMap, state: RobotState) -> np.ndarray:
    """(P, 10) network inputs: six rangefinders / range, then four radars (the bias is the genome's bias node)."""
    out = np.empty((len(state.heading), 10))
    _sense(maze.walls, maze.goal[0], maze.goal[1], state.x, state.y, state.heading, out)
    return out


def step(maze: MazeMap, state: RobotState, outputs: np.ndarray) -> None:
    """Apply (P, 2) outputs in [0, 1] (turn, speed) and move every robot that has not reached the goal, in place."""
    _step(maze.walls, maze.goal[0], maze.goal[1], state.x, state.y, state.heading, state.speed, state.ang_vel,
          state.done, np.ascontiguousarray(outputs, dtype=np.float64))


__all__ = ["HARD_MAZE", "MazeMap", "RobotState", "sensors", "step"]
