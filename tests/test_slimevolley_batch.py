"""The vectorized Slime Volleyball (topoevo/tasks/slimevolley_batch.py) against the package's own game, stepped side
by side with random actions: every state variable equal at every step."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("slimevolleygym")

from topoevo.tasks.slimevolley import _module  # noqa: E402
from topoevo.tasks.slimevolley_batch import SlimeBatch  # noqa: E402


def envs_for(seeds):
    out = []
    for s in seeds:
        e = _module().SlimeVolleyEnv()
        e.seed(int(s))
        e.reset()
        out.append(e)
    return out


def assert_same_state(batch: SlimeBatch, envs, i: int) -> None:
    g = envs[i].game
    for body, ref in ((batch.ball, g.ball), (batch.left, g.agent_left), (batch.right, g.agent_right)):
        assert (body.x[i], body.y[i], body.vx[i], body.vy[i]) == (ref.x, ref.y, ref.vx, ref.vy)
    assert batch.ball_prev_x[i] == g.ball.prev_x and batch.delay[i] == g.delayScreen.life
    assert (batch.life_left[i], batch.life_right[i], batch.t[i]) == (g.agent_left.life, g.agent_right.life,
                                                                      envs[i].t)
    assert batch.obs_right[i].tolist() == g.agent_right.getObservation().tolist()
    assert batch.obs_left[i].tolist() == g.agent_left.getObservation().tolist()


@settings(max_examples=4, deadline=None)
@given(st.integers(0, 2**31), st.floats(0.05, 0.6))
def test_batched_game_equals_the_package_step_by_step(seed, press):
    """Random button presses (each pressed with probability ``press``, held for a few steps so the agents travel
    and jump): positions, velocities, lives, serve delay, time and both observations equal after every step, over
    whole games (points scored, new serves, the end)."""
    rng = np.random.default_rng(seed)
    n = 6
    seeds = rng.integers(0, 2**31, n)
    ref, batch = envs_for(seeds), SlimeBatch(envs_for(seeds))
    running = np.arange(n)
    points, step = 0, 0
    right = left = np.zeros((n, 3), dtype=np.int64)
    while len(running) and step < 1500:
        if step % 4 == 0:
            right = (rng.random((n, 3)) < press).astype(np.int64)
            left = (rng.random((n, 3)) < press).astype(np.int64)
        reward, done = batch.step(right[running], left[running], running)
        for k, i in enumerate(running.tolist()):
            _, r, d, _ = ref[i].step(right[i], left[i])
            assert (reward[k], done[k]) == (r, d)
            points += r != 0
            assert_same_state(batch, ref, i)
        running = running[~done]
        step += 1
    assert points > 0  # serves after points were exercised


def test_builtin_opponent_games_match_the_package():
    """Games against the built-in opponent through play_matches equal the package's own env.step(action) games."""
    import torch

    from topoevo.tasks.slimevolley import BUILTIN, Match, play_matches

    class Jumper:  # right agent: jump and run forward while the ball is on its side
        size = 1

        def reset(self):
            pass

        def __call__(self, obs):
            o = obs[..., 4:5]
            return torch.cat([(o > 0).float(), (o <= 0).float(), torch.ones_like(o)], dim=-1)

    scores, steps = play_matches(Jumper(), [Match(0, BUILTIN, s) for s in (3, 4)])
    for s, score, length in zip((3, 4), scores, steps):
        env = envs_for([s])[0]
        obs, total, t, done = env.game.agent_right.getObservation(), 0.0, 0, False
        while not done:
            a = np.array([obs[4] > 0, obs[4] <= 0, 1], dtype=np.int64)
            obs, r, done, _ = env.step(a)
            total, t = total + r, t + 1
        assert (score, length) == (total, t)
