"""Reinforcement learning beside evolution: a replay buffer (replay.py), the TD3 learner (td3.py), exploration
noise on batched actors (noise.py), and ERL / TD3 as ask/tell algorithms of the run loop (erl.py); settings in
config.py (``[erl]``)."""

import topoevo.config  # noqa: F401,E402 - first, so that importing topoevo.rl.config alone has no import cycle
