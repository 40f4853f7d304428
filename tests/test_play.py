"""`topoevo play`: plays a champion on the task file of its metadata (or --task), reports returns, writes GIFs;
bad input exits with code 2 and one line."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from topoevo.cli import load_champion, main, play_genome
from topoevo.evaluate import compile_genomes
from topoevo.files import read_json
from topoevo.genome.io import load_genome_with_metadata, save_genome

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "genomes"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_play_cartpole_champion_reports_its_held_out_returns(capsys):
    code, out, _ = run_cli(capsys, "play", str(ZOO / "cartpole.json"), "--episodes", "3", "--json")
    assert code == 0
    info = json.loads(out.strip().splitlines()[-1])
    assert info["task"] == "gym" and Path(info["task_file"]).resolve() == ROOT / "tasks" / "cartpole.toml"
    genome, _, task, _ = load_champion(ZOO / "cartpole.json")
    expected = task.play(compile_genomes([genome]), episodes=3)
    task.close()
    assert info["returns"] == expected.tolist()
    assert info["mean_return"] == pytest.approx(float(np.mean(expected)))
    assert all(r >= 475 for r in info["returns"])  # a solved champion


def test_play_text_output_and_seed(capsys):
    code, out, _ = run_cli(capsys, "play", str(ZOO / "cartpole.json"), "--episodes", "2", "--seed", "5")
    assert code == 0
    assert "returns" in out and "mean" in out


def test_play_writes_a_gif(tmp_path, capsys):
    pytest.importorskip("PIL")
    pytest.importorskip("pygame")
    short = tmp_path / "short.toml"  # the cartpole task with 8-step episodes: a small, fast GIF
    short.write_text((ROOT / "tasks" / "cartpole.toml").read_text().replace(
        "[task]\n", "[task]\nmax_episode_steps = 8\n", 1))
    gif = tmp_path / "cartpole.gif"
    code, out, _ = run_cli(capsys, "play", str(ZOO / "cartpole.json"), "--task", str(short), "--render", str(gif),
                           "--json")
    assert code == 0
    info = json.loads(out.strip().splitlines()[-1])
    assert info["returns"] == [8.0] and info["render"] == str(gif)
    assert gif.read_bytes()[:4] == b"GIF8"


def test_play_slimevolley_champion_plays_its_held_out_games_and_draws_them(tmp_path, capsys):
    pytest.importorskip("slimevolleygym")
    pytest.importorskip("PIL")
    from PIL import Image

    from topoevo.tasks.slimevolley import BUILTIN, Match, play_matches
    from topoevo.tasks.gym import HELD_OUT_STREAM, episode_seed

    gif = tmp_path / "slime.gif"
    stride = 40
    code, out, _ = run_cli(capsys, "play", str(ZOO / "slimevolley_tournament.json"), "--episodes", "2",
                           "--render", str(gif), "--frame-stride", str(stride), "--json")
    assert code == 0
    info = json.loads(out.strip().splitlines()[-1])
    genome, _, task, _ = load_champion(ZOO / "slimevolley_tournament.json")
    policy = compile_genomes([genome])
    # the same games as the held-out test: one game at a time gives each game's net score
    assert info["returns"] == [float(task.held_out_return(policy, episodes=1, seed=0)[0]),
                               float(play_matches(policy, [Match(0, BUILTIN, episode_seed(0, 1, HELD_OUT_STREAM))])
                                     [0][0])]
    # one picture every `stride` steps of each game, the starting position included
    steps = [int(play_matches(policy, [Match(0, BUILTIN, episode_seed(0, e, HELD_OUT_STREAM))])[1][0])
             for e in range(2)]
    with Image.open(gif) as im:
        assert im.size == (384, 192)
        assert im.n_frames == sum(n // stride + 1 for n in steps)


def test_play_xor_reports_fitness_and_success(capsys):
    code, out, _ = run_cli(capsys, "play", str(ZOO / "xor.json"), "--json")
    assert code == 0
    info = json.loads(out.strip().splitlines()[-1])
    assert info["solved"] is True
    assert info["returns"] == [pytest.approx(read_json(ZOO / "xor.json")["fitness"])]


def test_play_finds_the_task_file_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # metadata says tasks/xor.toml: found one level above genomes/
    assert play_genome(ZOO / "xor.json")["solved"] is True


def test_bad_input_exits_2(tmp_path, capsys):
    code, _, err = run_cli(capsys, "play", str(tmp_path / "missing.json"))
    assert code == 2 and err.count("\n") == 1 and "missing.json" in err
    # genome and task do not fit
    code, _, err = run_cli(capsys, "play", str(ZOO / "xor.json"), "--task", str(ROOT / "tasks" / "cartpole.toml"))
    assert code == 2 and "inputs" in err and err.count("\n") == 1
    # rendering needs a task that plays episodes
    code, _, err = run_cli(capsys, "play", str(ZOO / "xor.json"), "--render", str(tmp_path / "x.gif"))
    assert code == 2 and "--render" in err
    # no task file recorded and none given
    genome, _ = load_genome_with_metadata(ZOO / "xor.json")
    bare = tmp_path / "bare.json"
    save_genome(genome, bare)
    code, _, err = run_cli(capsys, "play", str(bare))
    assert code == 2 and "metadata.task_file" in err and "--task" in err
    # a render target that is neither 'human' nor a GIF
    code, _, err = run_cli(capsys, "play", str(ZOO / "cartpole.json"), "--render", str(tmp_path / "x.png"))
    assert code == 2 and "render" in err
    code, _, err = run_cli(capsys, "play", str(ZOO / "cartpole.json"), "--episodes", "0")
    assert code == 2 and "--episodes" in err


def test_play_a_champion_of_a_neat_python_ini_run(tmp_path, capsys):
    """The champion of `topoevo run CONFIG.ini` names the INI file as its task file: play reads it as INI."""
    from topoevo.cli import main

    ini = Path(__file__).resolve().parents[1] / "benchmarks" / "peers" / "data" / "xor-config-feedforward"
    assert main(["run", str(ini), "--no-progress", "--generations", "3", "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    assert main(["play", str(tmp_path / "run" / "champion.json")]) == 0
    assert "xor-config-feedforward: returns" in capsys.readouterr().out
