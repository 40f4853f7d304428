"""The game champions in genomes/ (MinAtar, Flappy Bird): each replays to the held-out figures recorded in its
metadata, beats random play on the same episodes, and `topoevo play --render` writes a GIF of it."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from topoevo.cli import load_champion, main
from topoevo.evaluate import compile_genomes

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "genomes"
MINATAR = ["minatar_asterix", "minatar_breakout", "minatar_freeway", "minatar_seaquest", "minatar_space_invaders"]


class RandomPlay:
    """Uniform random actions (random outputs; the task's argmax picks one), as benchmarks/minatar.py plays."""

    def __init__(self, num_outputs: int, seed: int):
        import torch

        self.size, self.num_outputs = 1, num_outputs
        self.generator = torch.Generator().manual_seed(seed)

    def reset(self) -> None:
        pass

    def __call__(self, obs):
        import torch

        return torch.rand(1, obs.shape[1], self.num_outputs, generator=self.generator)


def champion(name: str):
    path = ZOO / f"{name}.json"
    if not path.exists():
        pytest.skip(f"no {path.name} in genomes/ yet")
    genome, meta, task, _ = load_champion(path)
    return genome, meta, task, compile_genomes([genome])


@pytest.mark.parametrize("name", MINATAR)
def test_minatar_champion_replays_its_quick_held_out_figure_and_beats_random(name):
    pytest.importorskip("minatar")
    _, meta, task, policy = champion(name)
    replay = meta["replay"]
    assert meta["task_file"] == f"tasks/{name}.toml" and meta["backend"] == "gymnasium"
    value = task.held_out_return(policy, episodes=replay["quick_episodes"], seed=replay["held_out_seed"])[0]
    rand = task.held_out_return(RandomPlay(task.num_outputs, 0), episodes=replay["quick_episodes"],
                                seed=replay["held_out_seed"])[0]
    task.close()
    assert value == pytest.approx(replay["quick_held_out_return"], rel=0.05)  # exact on the recording machine
    assert rand == replay["quick_random_return"]  # random play does not depend on float rounding
    assert replay["held_out_return"] > replay["random_return"]


@pytest.mark.slow
@pytest.mark.parametrize("name", MINATAR)
def test_minatar_champion_replays_its_100_episode_figure(name):
    pytest.importorskip("minatar")
    _, meta, task, policy = champion(name)
    replay = meta["replay"]
    value = task.held_out_return(policy, episodes=replay["held_out_episodes"], seed=replay["held_out_seed"])[0]
    task.close()
    assert value == pytest.approx(replay["held_out_return"], rel=0.05)
    assert value > replay["random_return"]


def test_flappy_bird_champion_passes_pipes():
    pytest.importorskip("flappy_bird_gymnasium")
    _, meta, task, policy = champion("flappy_bird")
    replay = meta["replay"]
    value = task.held_out_return(policy, episodes=replay["quick_episodes"], seed=replay["held_out_seed"])[0]
    task.close()
    assert value == pytest.approx(replay["quick_held_out_return"], rel=0.05)
    assert meta["task_file"] == "tasks/flappy_bird.toml" and meta["evolved"]["seed"] == 0
    assert replay["held_out_return"] >= 50  # pipes passed on average over 100 held-out episodes (issue 13's goal)


@pytest.mark.parametrize("name, cap", [("minatar_breakout", 30), ("flappy_bird", 40)])
def test_play_renders_a_game_champion_to_a_gif(name, cap, tmp_path, capsys):
    pytest.importorskip("PIL")
    pytest.importorskip("minatar" if name.startswith("minatar") else "flappy_bird_gymnasium")
    path = ZOO / f"{name}.json"
    if not path.exists():
        pytest.skip(f"no {path.name} in genomes/ yet")
    short = tmp_path / f"{name}.toml"  # the task with short episodes: a small, fast GIF
    short.write_text(
        "\n".join(f"max_episode_steps = {cap}" if line.startswith("max_episode_steps") else line
                  for line in (ROOT / "tasks" / f"{name}.toml").read_text().splitlines()) + "\n")
    gif = tmp_path / "out.gif"
    assert main(["play", str(path), "--task", str(short), "--render", str(gif), "--json"]) == 0
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert gif.read_bytes()[:4] == b"GIF8" and info["render"] == str(gif)
    assert np.isfinite(info["mean_return"])
