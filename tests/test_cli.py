"""The ``topoevo`` command: same seed -> same files, resume through the CLI, one-line errors (exit code 2) for bad
task files and damaged checkpoints with nothing in the run directory overwritten, and ``topoevo show``."""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from fuzzing import snapshot  # a failed command must change neither bytes nor modification times
from topoevo.cli import main
from topoevo.errors import CheckpointError, TopoevoError
from topoevo.genome.columns import decode_ints, encode_ints
from topoevo.run import Run

REPO = Path(__file__).resolve().parents[1]
XOR_TOML = REPO / "tasks" / "xor.toml"
SMALL = """[task]
name = "xor"
[run]
seed = 1
generations = 3
checkpoint_every = 1
progress = false
[neat]
pop_size = 10
[mutation]
add_node_rate = 0.3
add_connection_rate = 0.3
"""


def cli(capsys: pytest.CaptureFixture, *argv: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *names: Any) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("topoevo: error: ") and "Traceback" not in err
    for name in names:
        assert str(name) in lines[0], (name, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def small_toml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("task") / "small.toml"
    path.write_text(SMALL)
    return path


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory, small_toml: Path) -> Path:
    """A finished 3-generation run (checkpoint, stats, champion, summary); copy it before changing anything."""
    out = tmp_path_factory.mktemp("runs") / "small"
    assert main(["run", str(small_toml), "--out", str(out)]) == 0
    return out


def copy_run(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


# ---- run / resume -----------------------------------------------------------------------------------------------
def test_run_same_seed_twice_gives_identical_files(tmp_path: Path, capsys: pytest.CaptureFixture):
    d1, d2, d3 = tmp_path / "d1", tmp_path / "d2", tmp_path / "d3"
    code, out, _ = cli(capsys, "run", XOR_TOML, "--seed", 3, "--out", d1, "--generations", 3, "--no-progress")
    assert code == 0 and f"run directory: {d1}" in out and "generations 3" in out
    code, _, err = cli(capsys, "run", XOR_TOML, "--seed", 3, "--out", d2, "--generations", 3)  # with progress bar
    assert code == 0
    assert cli(capsys, "run", XOR_TOML, "--seed", 4, "--out", d3, "--generations", 3, "--no-progress")[0] == 0
    assert (d1 / "stats.jsonl").read_bytes() == (d2 / "stats.jsonl").read_bytes()
    assert (d1 / "champion.json").read_bytes() == (d2 / "champion.json").read_bytes()
    c1, c2 = (json.loads((d / "config.json").read_text()) for d in (d1, d2))
    assert c1["run"].pop("progress") is False and c2["run"].pop("progress") is True and c1 == c2
    assert len((d1 / "stats.jsonl").read_text().splitlines()) == 3
    assert (d1 / "stats.jsonl").read_bytes() != (d3 / "stats.jsonl").read_bytes()
    assert json.loads((d1 / "config.json").read_text())["run"]["seed"] == 3


@pytest.mark.slow  # a fresh interpreter imports torch: seconds
def test_same_result_in_another_process_with_another_hash_seed(tmp_path: Path, small_toml: Path,
                                                                finished_run: Path):
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    out = tmp_path / "sub"
    done = subprocess.run([sys.executable, "-m", "topoevo", "run", str(small_toml), "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ("stats.jsonl", "champion.json", "config.json"):
        assert (out / name).read_bytes() == (finished_run / name).read_bytes(), name


def test_cli_resume_equals_an_uninterrupted_run(tmp_path: Path, small_toml: Path, capsys: pytest.CaptureFixture):
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli(capsys, "run", small_toml, "--out", a, "--generations", 6)[0] == 0
    assert cli(capsys, "run", small_toml, "--out", b, "--generations", 2)[0] == 0
    code, out, _ = cli(capsys, "resume", b, "--generations", 6, "--no-progress")
    assert code == 0 and "generations 6" in out
    assert (a / "stats.jsonl").read_bytes() == (b / "stats.jsonl").read_bytes()
    assert (a / "champion.json").read_bytes() == (b / "champion.json").read_bytes()
    ca, cb = (json.loads((d / "checkpoint.json").read_text()) for d in (a, b))
    assert ca["algorithm"] == cb["algorithm"] and ca["config"] == cb["config"]


# ---- bad task files ---------------------------------------------------------------------------------------------
BAD_TASK_FILES = {
    "toml_syntax": ('[task]\nname = \n', "<syntax>"),
    "unknown_section": ('[task]\nname = "xor"\n[nat]\npop_size = 3\n', "did you mean 'neat'"),
    "unknown_key": ('[task]\nname = "xor"\n[neat]\npop_sise = 3\n', "neat.pop_sise"),
    "wrong_type": ('[task]\nname = "xor"\n[neat]\npop_size = "many"\n', "neat.pop_size"),
    "out_of_range": ('[task]\nname = "xor"\n[neat]\npop_size = 1\n', "neat.pop_size"),
    "rate_above_one": ('[task]\nname = "xor"\n[mutation]\nadd_node_rate = 1.5\n', "mutation.add_node_rate"),
    "not_finite": ('[task]\nname = "xor"\n[species]\ncompatibility_threshold = nan\n',
                   "species.compatibility_threshold"),
    "bad_range": ('[task]\nname = "xor"\n[genome]\nweight_min = 5.0\nweight_max = -5.0\n', "genome.weight_max"),
    "unknown_task": ('[task]\nname = "xro"\n', "task.name"),
    "no_task": ('[neat]\npop_size = 3\n', "task"),
    "task_param": ('[task]\nname = "xor"\nsolved_margin = 2\n', "task.solved_margin"),
    "task_mismatch": ('[task]\nname = "xor"\n[genome]\nnum_inputs = 3\n', "genome.num_inputs"),
    "enum_choice": ('[task]\nname = "xor"\n[genome]\nnetwork = "feedforwad"\n', "genome.network"),
    "not_utf8": (b'[task]\nname = "\xff\xfe"\n', "<file>"),
    "section_not_table": ('neat = 3\n[task]\nname = "xor"\n', "neat"),
    "huge_seed": ('[task]\nname = "xor"\n[run]\nseed = 18446744073709551616\n', "run.seed"),
}


@pytest.mark.parametrize("case", sorted(BAD_TASK_FILES))
def test_bad_task_file_gives_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture, case: str):
    content, field = BAD_TASK_FILES[case]
    path = tmp_path / "bad.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = cli(capsys, "run", path, "--out", tmp_path / "out", "--no-progress")
    assert_one_line_error(code, err, path, field)
    assert out == "" and not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, field", [
    (["--seed", "-1"], "run.seed"), (["--generations", "0"], "run.generations"),
])
def test_bad_command_line_overrides_name_the_field(tmp_path: Path, capsys: pytest.CaptureFixture, small_toml: Path,
                                                   argv: list[str], field: str):
    code, _, err = cli(capsys, "run", small_toml, "--out", tmp_path / "out", *argv)
    assert_one_line_error(code, err, small_toml, field)
    assert not (tmp_path / "out").exists()


def test_missing_task_file_and_directory(tmp_path: Path, capsys: pytest.CaptureFixture):
    for path in (tmp_path / "nope.toml", tmp_path):
        code, _, err = cli(capsys, "run", path, "--out", tmp_path / "out")
        assert_one_line_error(code, err, path)
    assert not (tmp_path / "out").exists()


def test_run_into_an_existing_run_directory_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                            small_toml: Path, finished_run: Path):
    run_dir = copy_run(finished_run, tmp_path / "run")
    before = snapshot(run_dir)
    code, _, err = cli(capsys, "run", small_toml, "--out", run_dir)
    assert_one_line_error(code, err, run_dir, "--out")
    bad = tmp_path / "bad.toml"
    bad.write_text('[task]\nname = "xor"\n[neat]\npop_size = 0\n')
    assert_one_line_error(*cli(capsys, "run", bad, "--out", run_dir)[::2], bad)
    assert snapshot(run_dir) == before


def test_run_into_a_file_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture, small_toml: Path):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    assert_one_line_error(*cli(capsys, "run", small_toml, "--out", target)[::2], target, "--out")
    assert target.read_text() == "keep me"


# ---- damaged checkpoints ----------------------------------------------------------------------------------------
def json_paths(data: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Paths to every value (lists: their first two items), config excepted (tests/test_config.py covers it)."""
    items = data.items() if isinstance(data, dict) else enumerate(data[:2]) if isinstance(data, list) else ()
    for key, value in items:
        if prefix == () and key == "config":
            continue
        yield prefix + (key,)
        yield from json_paths(value, prefix + (key,))


def damaged(text: bytes, path: tuple, value: Any) -> bytes:
    d = json.loads(text)
    parent = d
    for key in path[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return json.dumps(d).encode()


DELETE = object()
WRONG = [DELETE, None, "x", -1, 2.5, [], {}, True, 10**30]


def damaged_checkpoints(text: bytes) -> Iterator[tuple[str, bytes]]:
    """Truncations at many offsets, random byte changes, deleted keys and wrong types/values everywhere (the
    outer two levels get every wrong value, deeper paths one each, in rotation, to keep the test fast)."""
    step = max(1, len(text) // 25)
    for offset in [*range(0, len(text), step), len(text) - 1]:
        yield f"truncated at {offset}", text[:offset]
    rng = random.Random(0)
    for _ in range(40):
        b = bytearray(text)
        pos = rng.randrange(len(b))
        b[pos] = rng.choice([b[pos] ^ 1, b[pos] ^ 0x20, rng.randrange(256)])
        yield f"byte {pos} changed", bytes(b)
    for i, path in enumerate(json_paths(json.loads(text))):
        for value in WRONG if len(path) <= 2 else [WRONG[i % len(WRONG)]]:
            shown = "deleted" if value is DELETE else f"= {value!r}"
            yield f"{'.'.join(map(str, path))} {shown}", damaged(text, path, value)


def test_damaged_checkpoints_give_topoevo_errors_and_change_nothing(tmp_path: Path, finished_run: Path):
    work = copy_run(finished_run, tmp_path / "run")
    pristine = snapshot(work)
    failures, outcomes = [], {"error": 0, "resumed": 0}
    for label, blob in damaged_checkpoints(pristine["checkpoint.json"][0]):
        (work / "checkpoint.json").write_bytes(blob)
        before = snapshot(work)
        try:
            run = Run.resume(work, generations=4)
        except TopoevoError as exc:
            outcomes["error"] += 1
            if "\n" in str(exc) or "checkpoint.json" not in str(exc) or snapshot(work) != before:
                failures.append(f"{label}: bad error {exc!r} or files changed")
            continue
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            failures.append(f"{label}: resume raised {exc.__class__.__name__}: {exc}")
            continue
        try:  # a damage that still reads as a valid checkpoint must also run
            run.loop()
            outcomes["resumed"] += 1
        except TopoevoError:
            outcomes["error"] += 1
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{label}: the resumed run raised {exc.__class__.__name__}: {exc}")
        shutil.rmtree(work)
        copy_run(finished_run, work)
    assert not failures, "\n".join(failures[:20])
    assert outcomes["error"] > 200 and outcomes["resumed"] > 10


@pytest.mark.parametrize("damage, named", [
    ("truncate", "<syntax>"), ("flip", "<syntax>"), ("delete_key", "algorithm.tracker"),
    ("wrong_type", "algorithm"), ("empty", "<syntax>"), ("not_object", "schema"), ("wrong_schema", "schema"),
    ("negative_seed", "seed"), ("foreign_member", "not in the population"),
])
def test_cli_resume_of_a_damaged_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture, finished_run: Path,
                                            damage: str, named: str):
    run_dir = copy_run(finished_run, tmp_path / "run")
    path = run_dir / "checkpoint.json"
    text = path.read_bytes()
    data = json.loads(text)
    if damage == "truncate":
        blob = text[:len(text) // 2]
    elif damage == "flip":
        # (the population is an object of genome columns; a list of genome objects in older checkpoints)
        blob = text.replace(b'"population":{', b'"population":[', 1) if b'"population":{' in text else \
            text.replace(b'"population":[', b'"population":{', 1)
    elif damage == "delete_key":
        del data["algorithm"]["tracker"]
        blob = json.dumps(data).encode()
    elif damage == "wrong_type":
        data["algorithm"]["species"]["members"] = "all"
        blob = json.dumps(data).encode()
    elif damage == "empty":
        blob = b""
    elif damage == "not_object":
        blob = b"[1, 2, 3]"
    elif damage == "wrong_schema":
        data["schema"] = "topoevo.genome"
        blob = json.dumps(data).encode()
    elif damage == "negative_seed":
        data["seed"] = -5
        blob = json.dumps(data).encode()
    else:  # a species member that is not in the population
        species = data["algorithm"]["species"]  # (a table of arrays: the first species' first member replaced)
        members = decode_ints(species["members"], ValueError)
        members[0] = 123456
        species["members"] = encode_ints(members)
        blob = json.dumps(data).encode()
    path.write_bytes(blob)
    before = snapshot(run_dir)
    code, out, err = cli(capsys, "resume", run_dir, "--generations", 5, "--no-progress")
    assert_one_line_error(code, err, path, named)
    assert out == "" and snapshot(run_dir) == before


def test_resume_without_a_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture):
    code, _, err = cli(capsys, "resume", tmp_path)
    assert_one_line_error(code, err, tmp_path / "checkpoint.json")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(CheckpointError):
        Run.resume(tmp_path / "missing")


def test_resume_of_a_finished_run_rewrites_the_same_files(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                          finished_run: Path):
    run_dir = copy_run(finished_run, tmp_path / "run")
    before = {name: content for name, (content, _) in snapshot(run_dir).items()}
    code, out, _ = cli(capsys, "resume", run_dir, "--no-progress")
    assert code == 0 and "not solved (generations)" in out
    after = {name: content for name, (content, _) in snapshot(run_dir).items()}
    assert after.keys() == before.keys()
    for name in ("stats.jsonl", "champion.json", "config.json", "checkpoint.json"):
        assert after[name] == before[name], name
    summary_before, summary_after = json.loads(before["summary.json"]), json.loads(after["summary.json"])
    assert summary_after.pop("run_dir") == str(run_dir)  # the copy's own directory
    summary_before.pop("run_dir")
    assert summary_after == summary_before


# ---- show -------------------------------------------------------------------------------------------------------
def test_show_champion(capsys: pytest.CaptureFixture, finished_run: Path):
    champion = finished_run / "champion.json"
    code, out, err = cli(capsys, "show", champion)
    assert code == 0 and err == ""
    assert out.startswith(f"{champion}: feedforward genome, 2 inputs + bias")
    assert "  nodes:" in out and "  connections:" in out and "  task: xor" in out
    saved = json.loads(champion.read_text())
    assert out.count(" -> ") == len(saved["connections"])
    code, out, err = cli(capsys, "show", champion, "--json")
    assert code == 0 and err == ""
    info = json.loads(out)
    assert (info["inputs"], info["outputs"], info["bias_node"], info["network"]) == (2, 1, True, "feedforward")
    assert info["fitness"] == saved["fitness"] and info["connections"] == len(saved["connections"])
    assert info["hidden"] == sum(n["kind"] == "hidden" for n in saved["nodes"])
    assert info["metadata"]["task"] == "xor" and info["metadata"]["seed"] == 1


def test_show_weight_search_champion(tmp_path: Path, capsys: pytest.CaptureFixture):
    import numpy as np

    from topoevo.config.weights import ModelKind
    from topoevo.search.io import save_parameters
    from topoevo.search.models import ModelSpec
    from topoevo.search.params import ParameterVector

    spec = ModelSpec(ModelKind.MLP, 4, 2, hidden=(3,))
    path = tmp_path / "champion.json"
    save_parameters(ParameterVector(spec, np.arange(23, dtype=np.float32) / 10, fitness=1.25), path,
                    {"algorithm": "es", "task": "xor", "seed": 7})
    code, out, err = cli(capsys, "show", path)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"{path}: mlp model, 4 inputs, 2 outputs, 23 parameters, fitness 1.25"
    assert lines[1] == "  model: hidden [3], activation tanh, output_activation identity"
    assert "  algorithm: es" in lines and "  seed: 7" in lines and "    0.weight [3, 4]" in lines
    code, out, err = cli(capsys, "show", path, "--json")
    info = json.loads(out)
    assert code == 0 and err == "" and info["parameters"] == 23 and info["fitness"] == 1.25
    assert info["model"]["hidden"] == [3] and info["metadata"] == {"algorithm": "es", "task": "xor", "seed": 7}
    assert info["tensors"] == {"0.weight": [3, 4], "0.bias": [3], "2.weight": [2, 3], "2.bias": [2]}
    data = json.loads(path.read_text())
    data["parameters"] = data["parameters"][:-1]  # a damaged parameter file: one line naming the field, exit 2
    path.write_text(json.dumps(data))
    assert_one_line_error(*cli(capsys, "show", path)[::2], path, "parameters")


@pytest.mark.parametrize("content, field", [
    (b"", "<syntax>"), (b'{"schema": "topoevo.genome", "version": 99}', "version"), (b"\xff", "<file>"),
])
def test_show_bad_genome_file(tmp_path: Path, capsys: pytest.CaptureFixture, content: bytes, field: str):
    path = tmp_path / "g.json"
    path.write_bytes(content)
    assert_one_line_error(*cli(capsys, "show", path)[::2], path, field)
    assert_one_line_error(*cli(capsys, "show", tmp_path / "none.json", "--json")[::2], tmp_path / "none.json")
