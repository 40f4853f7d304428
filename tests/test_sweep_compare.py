"""`topoevo sweep` and `topoevo compare`: many seeds into one directory, the same runs as single `topoevo run`s,
statistics over seeds, and one-line errors (exit 2) for bad input."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from topoevo.cli import main
from topoevo.report.compare import bootstrap_ci, compare_inputs, format_table
from topoevo.sweep import parse_seeds, run_sweep

ROOT = Path(__file__).resolve().parents[1]
XOR = ROOT / "tasks" / "xor.toml"
XOR_PAPER = ROOT / "tasks" / "xor_paper.toml"
SHORT = {"run": {"generations": 4}}


def cli(capsys: pytest.CaptureFixture, *argv: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("sweeps")
    a = run_sweep(XOR, [0, 1, 2], base / "tuned", overrides=SHORT)
    b = run_sweep(XOR_PAPER, [0, 1, 2], base / "paper", overrides=SHORT)
    return a, b


def test_parse_seeds():
    assert parse_seeds("0-2,7,1-3") == [0, 1, 2, 7, 3]
    for bad in ("", "3-1", "-1", "a", "0-"):
        with pytest.raises(Exception, match="--seeds"):
            parse_seeds(bad)


def test_a_sweep_seed_is_the_run_of_that_seed(sweeps, tmp_path, capsys):
    tuned, _ = sweeps
    assert json.loads((tuned / "sweep.json").read_text())["seeds"] == [0, 1, 2]
    code, _, _ = cli(capsys, "run", XOR, "--seed", 1, "--generations", 4, "--out", tmp_path / "r", "--no-progress")
    assert code == 0
    assert (tmp_path / "r" / "stats.jsonl").read_bytes() == (tuned / "seed-1" / "stats.jsonl").read_bytes()


def test_a_sweep_continues_and_refuses_another_task_file(sweeps, tmp_path):
    tuned, _ = sweeps
    copy = tmp_path / "s"
    shutil.copytree(tuned, copy)
    shutil.rmtree(copy / "seed-2")
    before = (copy / "seed-0" / "stats.jsonl").stat().st_mtime_ns
    run_sweep(XOR, [0, 1, 2], copy, overrides=SHORT)
    assert (copy / "seed-0" / "stats.jsonl").stat().st_mtime_ns == before  # finished seeds kept
    assert (copy / "seed-2" / "stats.jsonl").read_bytes() == (tuned / "seed-2" / "stats.jsonl").read_bytes()
    with pytest.raises(Exception, match="refusing to mix"):
        run_sweep(XOR_PAPER, [0], copy, overrides=SHORT)


def test_compare_table_test_and_plot(sweeps, tmp_path, capsys):
    tuned, paper = sweeps
    plot = tmp_path / "curves.png"
    code, out, err = cli(capsys, "compare", tuned, paper, "--plot", plot)
    assert code == 0, err
    assert "| input | runs | solved |" in out and "Mann-Whitney U" in out
    assert plot.stat().st_size > 1000
    c = compare_inputs([tuned, paper])
    assert [s.runs for s in c.inputs] == [3, 3]
    for s in c.inputs:
        ev = [r.evaluations for r in s.records]
        assert all(e <= 4 * 150 for e in ev)  # 4 generations of 150
        if s.solved:
            lo, hi = s.mean_ci
            assert lo <= s.mean_evals <= hi
    assert 0.0 <= c.tests[0]["p"] <= 1.0
    code, out, _ = cli(capsys, "compare", tuned, "--json")
    assert json.loads(out)["inputs"][0]["runs"] == 3
    assert "| " in format_table(c)


def test_bootstrap_interval_holds_the_statistic():
    values = [1, 2, 3, 4, 100]
    lo, hi = bootstrap_ci(values, "median")
    assert 1 <= lo <= 3 <= hi <= 100
    assert bootstrap_ci([], "mean") is None
    assert bootstrap_ci(values, "mean") == bootstrap_ci(values, "mean")  # seeded


def test_bad_input_is_one_line_exit_2(sweeps, tmp_path, capsys):
    tuned, _ = sweeps
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "sweep.json").write_text(json.dumps({"kind": "topoevo-sweep", "version": 1, "task_file": str(XOR),
                                                  "task": "xor", "seeds": [0, 1], "overrides": {}}))
    other = tmp_path / "other"
    shutil.copytree(tuned / "seed-0", other)
    config = json.loads((other / "config.json").read_text())
    config["task"]["name"] = "double_pole_velocities"
    (other / "config.json").write_text(json.dumps(config))
    cases = [("compare", empty), ("compare", tuned, other), ("compare", tmp_path / "missing"),
             ("sweep", XOR, "--seeds", "5-1", "--out", tmp_path / "x"),
             ("sweep", tmp_path / "nope.toml", "--seeds", "0", "--out", tmp_path / "y")]
    for argv in cases:
        code, out, err = cli(capsys, *argv)
        assert code == 2, argv
        assert err.count("\n") == 1 and err.startswith("topoevo: error:"), err
    assert "empty sweep" in cli(capsys, "compare", empty)[2]
    assert "different tasks" in cli(capsys, "compare", tuned, other)[2]
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


@pytest.mark.slow
def test_a_sweep_does_not_depend_on_the_worker_count(sweeps, tmp_path):
    tuned, _ = sweeps
    pooled = run_sweep(XOR, [0, 1, 2], tmp_path / "pooled", workers=2, overrides=SHORT)
    for s in (0, 1, 2):
        assert (pooled / f"seed-{s}" / "stats.jsonl").read_bytes() == (tuned / f"seed-{s}" / "stats.jsonl").read_bytes()
