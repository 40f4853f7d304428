"""Crash safety: ``topoevo run`` killed with SIGKILL at several moments (right after start, mid-generation, during a
checkpoint write) and continued with ``topoevo resume`` ends with exactly the files of a run never stopped.

The processes are real (``python -m topoevo.cli``), so nothing of the killed process runs after the signal: no
``finally``, no final checkpoint. In-process tests cover the pieces: the generation-0 checkpoint, cutting the JSONL
logs back to the checkpoint (torn lines included), and the clear error for a directory without a checkpoint.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from topoevo.checkpoint import FILENAME, read_checkpoint, remove_stale_temporaries
from topoevo.cli import main
from topoevo.config import Config
from topoevo.errors import CheckpointError, ConfigError
from topoevo.files import write_json_atomic
from topoevo.report.jsonl import truncate_jsonl
from topoevo.run import Run

REPO = Path(__file__).resolve().parents[1]
GENERATIONS = 12
# XOR with the paper's population; these settings do not solve it within GENERATIONS, so every run lasts the same
# number of generations (about 0.1 s each) and a checkpoint is written after every one of them.
TASK = f"""[task]
name = "xor"
[run]
seed = 4
generations = {GENERATIONS}
checkpoint_every = 1
progress = false
[neat]
pop_size = 150
[genome]
weight_min = -8.0
weight_max = 8.0
"""


def stats_lines(run_dir: Path, since_ns: int = 0) -> int:
    """Lines of ``stats.jsonl``; 0 until it was written after ``since_ns`` (so lines a killed process left, which
    the resumed one cuts back first, do not count)."""
    try:
        path = run_dir / "stats.jsonl"
        return path.read_bytes().count(b"\n") if path.stat().st_mtime_ns > since_ns else 0
    except FileNotFoundError:
        return 0


def checkpoint_being_written(run_dir: Path) -> bool:
    try:
        return any(n.startswith(f".{FILENAME}.") and n.endswith(".tmp") for n in os.listdir(run_dir))
    except FileNotFoundError:
        return False


def launch(*argv: Any) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen([sys.executable, "-m", "topoevo.cli", *map(str, argv)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_when(proc: subprocess.Popen, condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    """SIGKILL ``proc`` as soon as ``condition()`` holds (polled about every millisecond); False if the process
    ended first."""
    end = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < end:
        if condition():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.001)
    proc.wait()
    assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else proc.returncode
    return False


def finish(*argv: Any) -> None:
    proc = launch(*argv)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()


def outcome(run_dir: Path) -> dict[str, Any]:
    """What must not depend on being killed: logs, champion, summary and checkpoint except wall-clock figures."""
    summary = json.loads((run_dir / "summary.json").read_text())
    for key in ("wall_s", "run_dir"):
        summary.pop(key)
    checkpoint = json.loads((run_dir / FILENAME).read_text())
    checkpoint["run"].pop("wall_s")
    return {"stats": (run_dir / "stats.jsonl").read_text().splitlines(),
            "timing_generations": [json.loads(x)["generation"]
                                   for x in (run_dir / "timing.jsonl").read_text().splitlines()],
            "champion": (run_dir / "champion.json").read_text(), "config": (run_dir / "config.json").read_text(),
            "summary": summary, "checkpoint": checkpoint,
            "files": sorted(p.name for p in run_dir.iterdir())}


@pytest.fixture(scope="module")
def task_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "xor_crash.toml"
    path.write_text(TASK)
    return path


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory, task_file: Path) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("crash") / "uninterrupted"
    finish("run", task_file, "--out", out)
    result = outcome(out)
    assert len(result["stats"]) == GENERATIONS and result["summary"]["stop_reason"] == "generations"
    return result


def test_sigkill_at_several_moments_then_resume_equals_an_uninterrupted_run(tmp_path: Path, task_file: Path,
                                                                               uninterrupted: dict[str, Any]):
    run_dir = tmp_path / "killed"
    kills = []

    def kill_resumed_when(lines: int, also: Callable[[], bool] = lambda: True) -> bool:
        launched = time.time_ns()
        return kill_when(launch("resume", run_dir), lambda: stats_lines(run_dir, launched) >= lines and also())

    # 1. right after the start: the generation-0 checkpoint exists, no generation has been logged yet
    kills.append(kill_when(launch("run", task_file, "--out", run_dir), lambda: (run_dir / "config.json").exists()))
    assert read_checkpoint(run_dir)["algorithm"]["generation"] == 0
    # 2. mid-run, right after generation 3 was logged (before its checkpoint, or during generation 4)
    kills.append(kill_resumed_when(4))
    # 3. during a checkpoint write (its temporary file exists) once generation 7 was logged (or, should polling
    #    miss every write on a busy machine, once generation 10 was logged)
    launched = time.time_ns()
    kills.append(kill_when(launch("resume", run_dir), lambda: stats_lines(run_dir, launched) >= 8 and
                           checkpoint_being_written(run_dir) or stats_lines(run_dir, launched) >= 11))
    # 4. right after generation 10 was logged: between the log line and its checkpoint, or in generation 11
    kills.append(kill_resumed_when(11))
    assert sum(kills) >= 3, kills  # (a kill may come too late only if the machine is very slow)
    assert stats_lines(run_dir) >= read_checkpoint(run_dir)["algorithm"]["generation"]
    finish("resume", run_dir)
    assert outcome(run_dir) == uninterrupted


def test_a_finished_run_resumed_again_changes_nothing_but_wall_time(tmp_path: Path, task_file: Path,
                                                                    uninterrupted: dict[str, Any],
                                                                    capsys: pytest.CaptureFixture):
    run_dir = tmp_path / "done"
    assert main(["run", str(task_file), "--out", str(run_dir)]) == 0
    assert outcome(run_dir) == uninterrupted
    assert main(["resume", str(run_dir)]) == 0
    assert outcome(run_dir) == uninterrupted
    capsys.readouterr()


# ---- the pieces, in process ---------------------------------------------------------------------------------------
def small_config(generations: int = 4) -> Config:
    return Config.from_dict({"task": {"name": "xor"}, "neat": {"pop_size": 20},
                             "run": {"seed": 2, "generations": generations, "checkpoint_every": 0,
                                     "progress": False}})


def test_a_started_run_is_resumable_before_its_first_generation(tmp_path: Path):
    Run.start(small_config(), out=tmp_path / "a").loop()
    Run.start(small_config(), out=tmp_path / "b")  # "killed" before its first generation
    assert read_checkpoint(tmp_path / "b")["algorithm"]["generation"] == 0
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["checkpoint.json", "config.json"]
    Run.resume(tmp_path / "b").loop()
    for name in ("stats.jsonl", "champion.json"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()


def test_a_failed_start_leaves_no_directory(tmp_path: Path):
    bad = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 3}})
    with pytest.raises(ConfigError):
        Run.start(bad, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_resume_of_a_directory_without_checkpoint_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture):
    (tmp_path / "config.json").write_text("{}")  # a run killed before its generation-0 checkpoint
    with pytest.raises(CheckpointError, match="killed before it wrote its first checkpoint"):
        Run.resume(tmp_path)
    assert main(["resume", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nowhere" in err[0] and "Traceback" not in err[0]


@pytest.mark.parametrize("tail, kept", [
    (b"", 3), (b'{"generation": 3, "best', 3), (b'{"generation": 3}\n', 3), (b'{"generation": 3}\n{"gen', 3),
    (b"\x00\x00\x00", 3), (b'{"generation": 4}\n', 3),
])
def test_truncate_jsonl_keeps_whole_lines_before_the_checkpoint(tmp_path: Path, tail: bytes, kept: int):
    path = tmp_path / "stats.jsonl"
    head = b"".join(b'{"generation": %d}\n' % g for g in range(3))
    path.write_bytes(head + tail)
    truncate_jsonl(path, 3)
    assert path.read_bytes() == head[:len(head)] and path.read_bytes().count(b"\n") == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stats.jsonl"]


def test_truncate_jsonl_leaves_an_intact_file_untouched(tmp_path: Path):
    path = tmp_path / "stats.jsonl"
    path.write_bytes(b'{"generation": 0}\n{"generation": 1}\n')
    before = path.stat().st_mtime_ns
    time.sleep(0.01)
    truncate_jsonl(path, 2)
    assert path.stat().st_mtime_ns == before


def test_stale_temporary_files_are_removed_on_resume_only(tmp_path: Path):
    run = Run.start(small_config(), out=tmp_path / "r")
    run.loop()
    stale = tmp_path / "r" / ".checkpoint.json.abc123.tmp"
    stale.write_text('{"half')
    other = tmp_path / "r" / ".mine.tmp"  # not ours: left alone
    other.write_text("x")
    Run.resume(tmp_path / "r")
    assert not stale.exists() and other.exists()
    assert remove_stale_temporaries(tmp_path / "r") == []


def test_write_json_atomic_keeps_the_old_file_when_the_data_is_not_json(tmp_path: Path):
    path = tmp_path / "x.json"
    write_json_atomic(path, {"a": 1})
    with pytest.raises(ValueError):
        write_json_atomic(path, {"a": float("nan")})
    assert json.loads(path.read_text()) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
