"""The hard maze physics against hand computations and an independent (linear-algebra) rangefinder, and the task."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings, strategies as st

from topoevo.tasks.hardmaze import HardMazeParams, HardMazeTask
from topoevo.tasks.maze_physics import HARD_MAZE, RobotState, sensors, step


def robot(x: float, y: float, heading: float, speed: float = 0.0, ang_vel: float = 0.0) -> RobotState:
    s = RobotState.start(HARD_MAZE, 1)
    s.x[:], s.y[:], s.heading[:], s.speed[:], s.ang_vel[:] = x, y, heading, speed, ang_vel
    return s


def test_sensors_at_the_start_match_a_hand_computation():
    # robot at (36, 184), heading 0 (+x); walls as in the paper's hard maze file
    got = sensors(HARD_MAZE, robot(36.0, 184.0, 0.0))[0]
    s = 1.0 / math.sqrt(2.0)
    # -90 deg (-y): nothing within 100 (wall 4,49-57,53 crosses x = 36 at y = 51.4, 132.6 away)
    r_m90 = 100.0
    # -45 deg: wall (57,106)-(158,162): 184 - d*s = 106 + 56/101 * (36 + d*s - 57)
    d_m45 = (184 - 106 + 56 / 101 * 21) / (1 + 56 / 101) / s
    # 0 deg: wall (77,201)-(108,164) at y = 184: x = 77 + 31 * 17/37
    r_0 = 77 + 31 * 17 / 37 - 36
    # +45 deg: wall (7,202)-(195,198): 184 + d*s = 202 - 4/188 * (36 + d*s - 7)
    d_45 = (18 - 4 / 188 * 29) / (1 + 4 / 188) / s
    # +90 deg: the same wall at x = 36
    r_90 = 202 - 4 / 188 * 29 - 184
    # -180 deg: wall (4,49)-(7,202) at y = 184: x = 4 + 3 * 135/153
    r_180 = 36 - (4 + 3 * 135 / 153)
    expected = np.array([r_m90, d_m45, r_0, d_45, r_90, r_180]) / 100.0
    assert np.allclose(got[:6], expected, atol=1e-9), (got[:6], expected)
    # the goal (31, 20) lies at bearing atan2(-164, -5) = 268.25 deg: the radar of 225..315 deg
    assert got[6:].tolist() == [0.0, 0.0, 0.0, 1.0]


def test_motion_matches_a_hand_computation():
    s = robot(36.0, 184.0, 0.0)
    step(HARD_MAZE, s, np.array([[0.5, 1.0]]))  # speed += 0.5, no turn
    assert (s.x[0], s.y[0], s.heading[0], s.speed[0]) == (36.5, 184.0, 0.0, 0.5)
    step(HARD_MAZE, s, np.array([[1.0, 0.5]]))  # turn += 0.5 deg; moves along the old heading first
    assert (s.x[0], s.y[0], s.heading[0], s.ang_vel[0]) == (37.0, 184.0, 0.5, 0.5)
    step(HARD_MAZE, s, np.array([[0.5, 0.5]]))
    assert math.isclose(s.x[0], 37 + 0.5 * math.cos(math.radians(0.5)), abs_tol=1e-12)
    assert math.isclose(s.y[0], 184 + 0.5 * math.sin(math.radians(0.5)), abs_tol=1e-12)
    assert s.heading[0] == 1.0
    s = robot(36.0, 184.0, 0.0, speed=3.0, ang_vel=-3.0)  # clamped at +-3; heading wraps into [0, 360)
    step(HARD_MAZE, s, np.array([[0.0, 1.0]]))
    assert (s.speed[0], s.ang_vel[0], s.heading[0]) == (3.0, -3.0, 357.0)


def test_a_wall_stops_the_robot_and_the_goal_freezes_it():
    # heading +y towards the wall (7,202)-(195,198), which crosses x = 36 at y = 201.383
    s = robot(36.0, 190.0, 90.0, speed=3.0)
    step(HARD_MAZE, s, np.array([[0.5, 0.5]]))  # to y = 193: 8.38 from the wall, free
    assert math.isclose(s.y[0], 193.0, abs_tol=1e-9)
    step(HARD_MAZE, s, np.array([[0.5, 0.5]]))  # y = 196 would be 5.38 from it: stays
    assert math.isclose(s.y[0], 193.0, abs_tol=1e-9) and s.speed[0] == 3.0
    s = robot(31.0, 26.0, 270.0, speed=1.5)  # 1.5 towards the goal: 4.5 from it
    step(HARD_MAZE, s, np.array([[0.5, 0.5]]))
    assert s.done[0] and math.isclose(s.y[0], 24.5, abs_tol=1e-9)
    step(HARD_MAZE, s, np.array([[1.0, 1.0]]))
    assert math.isclose(s.y[0], 24.5, abs_tol=1e-9) and s.speed[0] == 1.5  # frozen


def reference_rangefinder(x: float, y: float, angle_deg: float) -> float:
    """Independent: solve [r, -e] [u, t]^T = c - p for each wall with numpy's linear solver."""
    r = np.array([math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))])
    best = 100.0
    for x1, y1, x2, y2 in HARD_MAZE.walls:
        e = np.array([x2 - x1, y2 - y1])
        m = np.column_stack([r, -e])
        if abs(np.linalg.det(m)) < 1e-12:
            continue
        u, t = np.linalg.solve(m, np.array([x1 - x, y1 - y]))
        if 0 < t < 1 and 0 < u < 100:
            best = min(best, u)
    return best / 100.0


@settings(max_examples=60, deadline=None)
@given(st.floats(10, 190), st.floats(10, 195), st.floats(0, 359.9))
def test_rangefinders_match_an_independent_solver(x: float, y: float, heading: float):
    got = sensors(HARD_MAZE, robot(x, y, heading))[0, :6]
    want = [reference_rangefinder(x, y, heading + a) for a in (-90.0, -45.0, 0.0, 45.0, 90.0, -180.0)]
    assert np.allclose(got, want, atol=1e-7)


def test_task_reports_final_positions_and_solves_only_at_the_goal():
    task = HardMazeTask(HardMazeParams(timesteps=30))

    class Forward:  # full speed ahead: the robot drives +x into the wall (77,201)-(108,164)
        size = 3

        def reset(self):
            pass

        def __call__(self, obs):
            return np.tile(np.array([0.5, 1.0]), (3, 1, 1))

    r = task.evaluate(Forward(), np.zeros(3, dtype=np.int64))
    b = r.info["behaviour"]
    assert b.shape == (3, 2) and np.all(b[:, 1] == 184.0) and np.all(b[:, 0] > 36.0)
    assert not r.solved.any()
    assert np.allclose(r.fitness, 300.0 - np.hypot(b[:, 0] - 31.0, b[:, 1] - 20.0))
    assert task.behaviour_space().size == 2
