"""Fuzzing task files: hypothesis edits the ready task files in ``tasks/`` (unknown sections and keys, wrong types,
out-of-range and huge values, deleted keys, tables replaced by values) and garbles their bytes (truncation,
changed and inserted bytes, non-UTF-8). Loading must give a config or a :class:`~topoevo.errors.ConfigError` with
one line naming the file; an accepted XOR config must also start and run; ``topoevo run`` of a bad file exits 2
with one line on stderr, creates no run directory and changes nothing in an existing one.

Examples: 200 + 150 + 60 = 410 in CI (``max_examples`` of the three properties; ten times more under
HYPOTHESIS_PROFILE=thorough).
"""
from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzing import examples, FUZZ, snapshot
from topoevo.cli import main
from topoevo.files import tomllib
from topoevo.config import SECTIONS, Config, load_config
from topoevo.errors import ConfigError, TopoevoError
from topoevo.run import Run, build_task, fit_genome_to_task
from topoevo.tasks.registry import task_names, task_params_class

REPO = Path(__file__).resolve().parents[1]
TASK_FILES = sorted((REPO / "tasks").glob("*.toml"))

#: Every known key of every section (task keys of every registered task): edits target real fields mostly.
KNOWN_KEYS: dict[str, list[str]] = {name: [f.name for f in dataclasses.fields(cls)] for name, cls in SECTIONS.items()}
KNOWN_KEYS["task"] = sorted({"name", *(f.name for t in task_names() for f in dataclasses.fields(task_params_class(t)))})

ODD_VALUES = st.one_of(
    st.sampled_from([True, False, 0, -1, 1, 2, -2**63, 2**63 - 1, 2**64, 10**30, 10**400, 0.0, -0.0, 0.5, 1.5,
                     -1e-300, 1e308, -1e308, float("nan"), float("inf"), float("-inf"), "", "x", "neat", "sigmoid",
                     "full", "max",
                     "feedforward", "xor", "gym", "ga", "es", "CartPole-v1", [], [1, "a"], ["sigmoid", "tanh"],
                     [[1]], {}, {"a": 1}, datetime.date(2020, 1, 1), datetime.datetime(2020, 1, 1, 12, 0)]),
    st.integers(-10**6, 10**6), st.floats(-1e6, 1e6), st.text(max_size=6)
).map(copy.deepcopy)  # (never share the sampled lists and tables between places or examples)
NEAR_MISSES = ["pop_sise", "generation", "seeds", "chekpoint_every", "activaton", "weight_mutate", "nam", "x", "",
               "compatibility_treshold", "max_stagnaton", "num_input", "two\nlines"]


def toml_key(k: str) -> str:
    return json.dumps(k)


def toml_value(v: Any) -> str:
    """A value as TOML (inline tables and arrays; NaN/inf as TOML writes them)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


def toml_text(data: dict[str, Any]) -> str:
    top = [f"{toml_key(k)} = {toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    tables = [f"[{toml_key(k)}]\n" + "".join(f"{toml_key(kk)} = {toml_value(vv)}\n" for kk, vv in v.items())
              for k, v in data.items() if isinstance(v, dict)]
    return "\n".join(top) + "\n" + "\n".join(tables)


@st.composite
def fuzzed_tables(draw: st.DrawFn) -> dict[str, Any]:
    """A ready task file's tables with 1-3 random edits."""
    data = tomllib.loads(draw(st.sampled_from(TASK_FILES)).read_text())
    for _ in range(draw(st.integers(1, 3))):
        sections = [k for k, v in data.items() if isinstance(v, dict)]
        edit = draw(st.sampled_from(["value", "value", "value", "unknown_key", "unknown_section", "delete",
                                     "not_a_table", "new_known_key"]))
        section = draw(st.sampled_from(sections or ["task"]))
        table = data.setdefault(section, {}) if isinstance(data.get(section, {}), dict) else {}
        if edit == "value" and table:
            table[draw(st.sampled_from(sorted(table)))] = draw(ODD_VALUES)
        elif edit == "new_known_key":
            table[draw(st.sampled_from(KNOWN_KEYS.get(section, ["x"])))] = draw(ODD_VALUES)
        elif edit == "unknown_key":
            table[draw(st.sampled_from(NEAR_MISSES) | st.text(min_size=1, max_size=5))] = draw(ODD_VALUES)
        elif edit == "unknown_section":
            data[draw(st.sampled_from(["nat", "runs", "genomes", "tasks", "mutations", "Task"]))] = {}
        elif edit == "delete":
            if table and draw(st.booleans()):
                del table[draw(st.sampled_from(sorted(table)))]
            else:
                data.pop(section, None)
        else:
            data[section] = draw(ODD_VALUES)
    return data


#: Tasks whose set-up takes milliseconds (no dataset generation): built for every accepted config.
CHEAP_TASKS = {"xor", "double_pole_velocities", "double_pole_no_velocities", "gym", "supervised"}


def check_error(exc: TopoevoError, path: Path) -> None:
    text = str(exc)
    assert "\n" not in text and text.startswith(str(path)), text


def runnable(config: Config) -> bool:
    """Cheap enough to start and run two generations of in a test."""
    return (config.task.name == "xor" and config.run.algorithm == "neat" and config.neat.pop_size <= 200
            and config.mutation.add_connection_tries <= 1000 and not config.run.tensorboard)


@settings(max_examples=examples(200), **FUZZ)
@given(data=fuzzed_tables())
def test_fuzzed_task_files_load_or_give_one_config_error(tmp_path_factory: pytest.TempPathFactory,
                                                        data: dict[str, Any]):
    work = tmp_path_factory.mktemp("cfg")
    path = work / "fuzz.toml"
    path.write_text(toml_text(data), encoding="utf-8", errors="surrogatepass")
    try:
        config = load_config(path, {"run": {"progress": False}})
    except ConfigError as exc:
        check_error(exc, path)
        return
    assert Config.from_dict(config.to_dict()) == config  # what it accepted round-trips
    if config.task.name in CHEAP_TASKS:  # the task's own checks: errors name the file too
        try:
            task = build_task(config)
            fit_genome_to_task(config, task)
        except TopoevoError as exc:
            check_error(exc, path)
            return
        finally:
            close = getattr(locals().get("task"), "close", None)
            if close is not None:
                close()
    if not runnable(config):
        return
    config = config.replace(run=dataclasses.replace(config.run, generations=min(config.run.generations, 2)))
    out = work / "run"
    try:
        run = Run.start(config, out=out)
    except TopoevoError as exc:
        assert "\n" not in str(exc) and not out.exists(), exc  # a failed start writes nothing
        return
    summary = run.loop()
    assert summary.generations == config.run.generations or summary.stop_reason != "generations"


@st.composite
def garbled_task_files(draw: st.DrawFn) -> bytes:
    text = draw(st.sampled_from(TASK_FILES)).read_bytes()
    how = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "latin1", "utf16", "nul", "nested"]))
    pos = draw(st.integers(0, len(text) - 1))
    if how == "truncate":
        return text[:pos]
    if how == "flip":
        b = bytearray(text)
        for _ in range(draw(st.integers(1, 4))):
            b[draw(st.integers(0, len(b) - 1))] = draw(st.integers(0, 255))
        return bytes(b)
    if how == "insert":
        return text[:pos] + draw(st.binary(min_size=1, max_size=8)) + text[pos:]
    if how == "delete":
        return text[:pos] + text[pos + draw(st.integers(1, 30)):]
    if how == "latin1":
        return text[:pos] + "é".encode("latin-1") + text[pos:]
    if how == "utf16":
        return text.decode().encode("utf-16")
    if how == "nested":  # deeply nested arrays / inline tables
        depth = draw(st.integers(50, 3000))
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a=", "}")]))
        return text + b"\n[zzz]\nx = " + (opener * depth + "1" + closer * depth).encode() + b"\n"
    return text[:pos] + b"\x00" + text[pos:]


@settings(max_examples=examples(150), **FUZZ)
@given(blob=garbled_task_files())
def test_garbled_task_files_give_one_config_error(tmp_path_factory: pytest.TempPathFactory, blob: bytes):
    path = tmp_path_factory.mktemp("garbled") / "garbled.toml"
    path.write_bytes(blob)
    try:
        load_config(path)
    except ConfigError as exc:
        check_error(exc, path)


@pytest.fixture(scope="module")
def existing_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("existing") / "run"
    config = load_config(REPO / "tasks" / "xor.toml", {"run": {"generations": 2, "progress": False},
                                                       "neat": {"pop_size": 10}})
    Run.start(config, out=out).loop()
    return out


@settings(max_examples=examples(60), **FUZZ)
@given(data=fuzzed_tables())
def test_cli_run_of_a_bad_task_file_exits_2_and_writes_nothing(tmp_path_factory: pytest.TempPathFactory,
                                                              capsys: pytest.CaptureFixture, existing_run: Path,
                                                              data: dict[str, Any]):
    work = tmp_path_factory.mktemp("cli")
    path = work / "bad.toml"
    path.write_text(toml_text(data), encoding="utf-8", errors="surrogatepass")
    before = snapshot(existing_run)
    code = main(["run", str(path), "--out", str(existing_run), "--no-progress"])  # never over an existing run
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("topoevo: error: ") and out == "", err
    assert "Traceback" not in err and snapshot(existing_run) == before
    try:
        load_config(path, {"run": {"progress": False}})  # (the config `--no-progress` gives)
    except ConfigError:
        fresh = work / "fresh"
        code = main(["run", str(path), "--out", str(fresh), "--no-progress"])
        out, err = capsys.readouterr()
        assert code == 2 and len(err.strip().splitlines()) == 1 and str(path) in err and not fresh.exists(), err


def test_huge_numbers_in_task_files_are_config_errors(tmp_path: Path):
    path = tmp_path / "huge.toml"
    path.write_text('[task]\nname = "xor"\n[species]\ncompatibility_threshold = 1' + "0" * 400 + "\n")
    with pytest.raises(ConfigError, match=r"huge\.toml: species\.compatibility_threshold: expected a finite number"):
        load_config(path)


def test_cli_run_of_a_bad_task_file_in_a_real_process(tmp_path: Path, existing_run: Path):
    """The real command (interpreter start-up, argument parsing, exit code): one line on stderr, no traceback."""
    path = tmp_path / "bad.toml"
    path.write_bytes(b'[task]\nname = "xor"\n[neat]\npop_sise = 10\n\xff')
    run_dir = tmp_path / "run"
    shutil.copytree(existing_run, run_dir)
    before = snapshot(run_dir)
    for out in (tmp_path / "new", run_dir):
        proc = subprocess.run([sys.executable, "-m", "topoevo.cli", "run", str(path), "--out", str(out)],
                              capture_output=True, text=True, timeout=120)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert str(path) in lines[0] and proc.stdout == ""
    assert not (tmp_path / "new").exists() and snapshot(run_dir) == before
