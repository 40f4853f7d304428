"""Fuzzing checkpoints: hypothesis damages valid checkpoints of NEAT, GA, steady-state GA, ES, regularized evolution
(Lamarckian: trained weights in the checkpoint) and random search runs (keys deleted, values
retyped or perturbed anywhere deep in the structure, list items dropped or duplicated, truncation at any byte,
changed bytes). ``Run.resume`` must raise a :class:`~topoevo.errors.TopoevoError` with one line naming the
checkpoint and leave every file of the run directory as it was, or resume a run that then runs without any other
exception. ``topoevo resume`` of a damaged run exits 2 with one line on stderr.

Examples: 200 + 100 + 80 + 40 = 420 in CI (``max_examples`` of the four properties; ten times more under
HYPOTHESIS_PROFILE=thorough).
"""
from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzing import all_paths, examples, FUZZ, snapshot, value_at
from topoevo.cli import main
from topoevo.config import Config
from topoevo.errors import CheckpointError, TopoevoError
from topoevo.genome.columns import DTYPES, genomes_from_columns
from topoevo.genome.io import genome_to_dict
from topoevo.neat.species_table import read_species_table, species_objects
from topoevo.run import Run

CONFIGS = {
    "neat": {"task": {"name": "xor"}, "neat": {"pop_size": 10},
             "mutation": {"add_node_rate": 0.3, "add_connection_rate": 0.3},
             "run": {"seed": 1, "generations": 3, "checkpoint_every": 1, "progress": False}},
    "ga": {"task": {"name": "xor"}, "run": {"algorithm": "ga", "seed": 1, "generations": 3, "progress": False},
           "model": {"hidden": [3]}, "ga": {"pop_size": 8, "truncation": 3}},
    "steady_state_ga": {"task": {"name": "xor"}, "model": {"hidden": [3]},
                        "run": {"algorithm": "steady_state_ga", "seed": 1, "generations": 3, "progress": False},
                        "ga": {"pop_size": 8, "truncation": 3, "offspring": 4}},
    "es": {"task": {"name": "xor"}, "run": {"algorithm": "es", "seed": 1, "generations": 3, "progress": False},
           "model": {"hidden": [3]}, "es": {"pop_size": 8}},
    # architecture search: a tiny space, 1 epoch on digits (the three runs take ~2 s together)
    **{algorithm: {"task": {"name": "nas", "dataset": "digits", "epochs": 1, "batch_size": 256},
                   "run": {"algorithm": algorithm, "seed": 1, "generations": 3, "checkpoint_every": 1,
                           "progress": False},
                   "nas": {"population": 3, "sample_size": 2, "batch": 1, "max_blocks": 2, "max_dense": 1,
                           "channels": [4], "widths": [8], "lamarckian": algorithm == "regularized_evolution"}}
       for algorithm in ("regularized_evolution", "random_search")},
}
#: Values that only make a damaged run slow, not wrong (NAS: training epochs, children per generation): not edited.
FROZEN = {"regularized_evolution": (("config", "task", "epochs"), ("config", "nas", "batch")),
          "random_search": (("config", "task", "epochs"), ("config", "nas", "batch"))}
ODD_VALUES = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1, 2, 3, 2**63, -2**63, 10**30, 10**400, 0.5, -0.0, 1e308, -1e308,
                     float("nan"), float("inf"), "", "x", "neat", "ga", "sigmoid", "hidden", "PCG64", [], {}, [0],
                     [[0, 1, 2]], {"state": 1}]),
    st.integers(-5, 50), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=4)
).map(copy.deepcopy)  # (never share the sampled lists and objects between places or examples)


@pytest.fixture(scope="module")
def finished_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    runs = {}
    for name, table in CONFIGS.items():
        out = tmp_path_factory.mktemp("fuzz_ckpt") / name
        Run.start(Config.from_dict(table), out=out).loop()
        runs[name] = out
    return runs


def perturb(v: Any, draw: st.DrawFn) -> Any:
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + draw(st.sampled_from([-1, 1, -v - 1, 10**6, 2**64]))
    if isinstance(v, float):
        return draw(st.sampled_from([v * 1.000001, -v, v + 1.0, v * 1e300, 0.0]))
    if isinstance(v, str):
        return draw(st.sampled_from([v + "x", v[:-1], v.upper(), ""]))
    if isinstance(v, list):
        return v[::-1] if len(v) > 1 else v + v
    return {k: v[k] for k in list(v)[1:]} if v else {"x": 1}


@st.composite
def damaged_checkpoint(draw: st.DrawFn, text: bytes, frozen: tuple[tuple, ...] = (), bytes_too: bool = True) -> bytes:
    """One to three structural edits (anywhere, deep paths as likely as shallow ones; not at the ``frozen``
    paths), or (if ``bytes_too``) byte-level damage."""
    how = draw(st.sampled_from(["edit"] * 6 + ["truncate", "bytes"] * bytes_too))
    if how == "truncate":
        return text[:draw(st.integers(0, len(text) - 1))]
    if how == "bytes":
        b = bytearray(text)
        for _ in range(draw(st.integers(1, 3))):
            b[draw(st.integers(0, len(b) - 1))] = draw(st.integers(0, 255))
        return bytes(b)
    data = json.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in all_paths(data) if p not in frozen]
        depth = draw(st.integers(1, max(len(p) for p in paths)))  # pick a depth first: deep keys are not rare
        at_depth = [p for p in paths if len(p) == depth] or paths
        path = at_depth[draw(st.integers(0, len(at_depth) - 1))]
        parent = value_at(data, path[:-1])
        key = path[-1]
        edit = draw(st.sampled_from(["delete", "retype", "perturb", "duplicate", "add_key"]))
        if edit == "delete":
            del parent[key]
        elif edit == "retype":
            parent[key] = draw(ODD_VALUES)
        elif edit == "perturb":
            parent[key] = perturb(parent[key], draw)
        elif edit == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "generation", "members", "rng", "id"]))] = draw(ODD_VALUES)
    return json.dumps(data).encode()


def check_resume(work: Path) -> str:
    """Resume a damaged run: a one-line error and nothing changed, or a run that runs (returns the outcome)."""
    before = snapshot(work)
    try:
        run = Run.resume(work, generations=4)
    except TopoevoError as exc:
        text = str(exc)
        assert "\n" not in text and "checkpoint.json" in text, text
        assert snapshot(work) == before, f"files changed by a failed resume ({text})"
        return "error"
    try:
        run.loop()
    except TopoevoError as exc:  # (e.g. a fitness that turned NaN): still one line
        assert "\n" not in str(exc)
        return "run error"
    return "resumed"


@settings(max_examples=examples(200), **FUZZ)
@given(data=st.data(), algorithm=st.sampled_from(["neat"] * 5 + ["ga", "steady_state_ga", "es",
                                                                  "regularized_evolution", "random_search"]))
def test_damaged_checkpoints_give_one_line_errors_and_change_nothing(tmp_path_factory: pytest.TempPathFactory,
                                                                    finished_runs: dict[str, Path],
                                                                    data: st.DataObject, algorithm: str):
    work = tmp_path_factory.mktemp("damaged") / "run"
    shutil.copytree(finished_runs[algorithm], work)
    text = (work / "checkpoint.json").read_bytes()
    (work / "checkpoint.json").write_bytes(data.draw(damaged_checkpoint(text, FROZEN.get(algorithm, ()))))
    check_resume(work)


@settings(max_examples=examples(100), **FUZZ)
@given(data=st.data(), algorithm=st.sampled_from(["regularized_evolution", "random_search"]))
def test_damaged_nas_checkpoints_give_one_line_errors_and_change_nothing(tmp_path_factory: pytest.TempPathFactory,
                                                                        finished_runs: dict[str, Path],
                                                                        data: st.DataObject, algorithm: str):
    """Architecture search: queue, pending and best candidates (architectures, base64 weights), history rows."""
    work = tmp_path_factory.mktemp("damaged_nas") / "run"
    shutil.copytree(finished_runs[algorithm], work)
    text = (work / "checkpoint.json").read_bytes()
    if data.draw(st.booleans()):  # half of the examples: damage only the algorithm's state (the NAS-specific part)
        checkpoint = json.loads(text)
        state = json.dumps(checkpoint["algorithm"]).encode()
        checkpoint["algorithm"] = json.loads(data.draw(damaged_checkpoint(state, bytes_too=False)))
        blob = json.dumps(checkpoint).encode()
    else:
        blob = data.draw(damaged_checkpoint(text, FROZEN[algorithm]))
    (work / "checkpoint.json").write_bytes(blob)
    check_resume(work)


def legacy_layout(algo: dict[str, Any]) -> None:
    """Rewrite a NEAT state in the layout of checkpoints written before the genome columns format (population and
    species representatives as genome objects), which topoevo still reads."""
    population = genomes_from_columns(algo["population"], ValueError)
    reps = genomes_from_columns(algo.pop("representatives"), ValueError)
    algo["population"] = [genome_to_dict(g) for g in population]
    by_key = {g.key: g for g in population}
    algo["species"] = species_objects(read_species_table(algo["species"], ValueError))
    for s in algo["species"]:
        member = s.pop("representative_member")
        s["representative"] = genome_to_dict(by_key[member]) if member is not None else \
            None if s["representative"] is None else genome_to_dict(reps[s["representative"]])


def test_a_checkpoint_in_the_older_layout_resumes_to_the_same_run(tmp_path: Path, finished_runs: dict[str, Path]):
    new, old = (shutil.copytree(finished_runs["neat"], tmp_path / name) for name in ("new", "old"))
    data = json.loads((old / "checkpoint.json").read_text())
    legacy_layout(data["algorithm"])
    (old / "checkpoint.json").write_text(json.dumps(data))
    runs = [Run.resume(d, generations=6) for d in (new, old)]
    for run in runs:
        run.loop()
    assert [[genome_to_dict(g) for g in r.algo.population] for r in runs][0] == \
        [[genome_to_dict(g) for g in r.algo.population] for r in runs][1]
    assert runs[0].algo.state_dict() == runs[1].algo.state_dict()


@settings(max_examples=examples(100), **FUZZ)
@given(data=st.data())
def test_damaged_genome_columns_are_errors_naming_the_column(tmp_path_factory: pytest.TempPathFactory,
                                                             finished_runs: dict[str, Path], data: st.DataObject):
    work = tmp_path_factory.mktemp("columns") / "run"
    shutil.copytree(finished_runs["neat"], work)
    checkpoint = json.loads((work / "checkpoint.json").read_text())
    table = checkpoint["algorithm"][data.draw(st.sampled_from(["population", "representatives"]))]
    name = data.draw(st.sampled_from(sorted(table)))
    raw = base64.b64decode(table[name]) if isinstance(table[name], str) and name in DTYPES else None
    if raw is not None and raw and data.draw(st.booleans()):  # change one byte
        i = data.draw(st.integers(0, len(raw) - 1))
        raw = raw[:i] + bytes([data.draw(st.integers(0, 255))]) + raw[i + 1:]
        table[name] = base64.b64encode(raw).decode()
    else:
        table[name] = data.draw(st.sampled_from([None, 3, "", "AAAA", "not base64!", [1], -1, "feedforward"]))
    (work / "checkpoint.json").write_text(json.dumps(checkpoint))
    if check_resume(work) == "error":
        with pytest.raises(CheckpointError) as info:
            Run.resume(work)
        assert "algorithm.population" in str(info.value) or "algorithm.representatives" in str(info.value) \
            or "algorithm.species" in str(info.value) or "algorithm.best" in str(info.value) \
            or "algorithm.next" in str(info.value) or "algorithm.tracker" in str(info.value), str(info.value)


@st.composite
def species_damage(draw: st.DrawFn, text: bytes) -> tuple[str, bytes]:
    """Targeted at NEAT's cross-references: species members, representatives, tracker counters, genome keys."""
    data = json.loads(text)
    algo = data["algorithm"]
    legacy_layout(algo)  # (edits genome objects: the reader of older checkpoints checks the same cross-references)
    edit = draw(st.sampled_from(["move_member", "drop_member", "rep_inputs", "next_key", "next_innovation",
                                 "next_node_id", "genome_key", "species_id", "best_genome", "split_rows",
                                 "network", "population_size", "genome_species", "history"]))
    species, population = algo["species"], algo["population"]
    s = draw(st.sampled_from(species))
    g = draw(st.sampled_from(population))
    if edit == "move_member" and len(species) > 1:
        other = draw(st.sampled_from(species))
        other["members"].append(s["members"][0])
    elif edit == "drop_member":
        s["members"].pop()
    elif edit == "rep_inputs" and s["representative"]:
        s["representative"]["inputs"] = s["representative"]["inputs"][:-1]
    elif edit == "next_key":
        algo["next_key"] = draw(st.sampled_from([0, max(p["key"] for p in population), -1]))
    elif edit == "next_innovation":
        algo["tracker"]["next_innovation"] = draw(st.integers(0, 3))
    elif edit == "next_node_id":
        algo["tracker"]["next_node_id"] = draw(st.integers(0, 4))
    elif edit == "genome_key":
        g["key"] = draw(st.sampled_from([p["key"] for p in population]))
    elif edit == "species_id":
        s["id"] = draw(st.sampled_from([0, algo["next_species_id"], species[0]["id"]]))
    elif edit == "best_genome":
        algo["best_genome"] = draw(st.sampled_from([None, {}, population[0]]))
    elif edit == "split_rows":
        algo["tracker"]["splits"] = draw(st.sampled_from([[[1]], [[1, 2, 3, "4"]], [[-1, 2, 3, 4]], 5]))
    elif edit == "network":
        g["network"] = "recurrent"
    elif edit == "population_size":
        population.append(copy.deepcopy(population[0]))
    elif edit == "genome_species":
        g["species"] = draw(st.sampled_from([None, 10**6, -1]))
    else:
        algo["history"] = draw(st.sampled_from([None, [1], {}, [{"generation": "x"}]]))
    return edit, json.dumps(data).encode()


@settings(max_examples=examples(80), **FUZZ)
@given(data=st.data())
def test_inconsistent_neat_checkpoints_are_errors_naming_the_field(tmp_path_factory: pytest.TempPathFactory,
                                                                  finished_runs: dict[str, Path],
                                                                  data: st.DataObject):
    work = tmp_path_factory.mktemp("inconsistent") / "run"
    shutil.copytree(finished_runs["neat"], work)
    text = (work / "checkpoint.json").read_bytes()
    edit, blob = data.draw(species_damage(text))
    (work / "checkpoint.json").write_bytes(blob)
    outcome = check_resume(work)
    base = json.loads(text)
    legacy_layout(base["algorithm"])  # (as species_damage does before its edit)
    changed = json.loads(blob) != base  # (an edit may leave things as they were)
    assert outcome == ("error" if changed else "resumed"), edit


@settings(max_examples=examples(40), **FUZZ)
@given(data=st.data())
def test_cli_resume_of_a_damaged_run_exits_2_with_one_line(tmp_path_factory: pytest.TempPathFactory,
                                                           finished_runs: dict[str, Path],
                                                           capsys: pytest.CaptureFixture, data: st.DataObject):
    work = tmp_path_factory.mktemp("cli") / "run"
    shutil.copytree(finished_runs["neat"], work)
    text = (work / "checkpoint.json").read_bytes()
    (work / "checkpoint.json").write_bytes(data.draw(damaged_checkpoint(text)))
    before = snapshot(work)
    code = main(["resume", str(work), "--generations", "4", "--no-progress"])
    out, err = capsys.readouterr()
    if code == 0:
        return
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("topoevo: error: ") and "Traceback" not in err
    assert out == "" and snapshot(work) == before


@pytest.mark.parametrize("key, field", [("wall_s", "run.wall_s"), ("solved", "run.solved"),
                                        ("evaluations_to_solve", "run.evaluations_to_solve")])
def test_restore_errors_name_the_run_field_not_algorithm(tmp_path: Path, finished_runs: dict[str, Path], key: str,
                                                         field: str):
    work = shutil.copytree(finished_runs["neat"], tmp_path / "run")
    data = json.loads((work / "checkpoint.json").read_text())
    del data["run"][key]
    (work / "checkpoint.json").write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=rf"checkpoint\.json: {field}: missing"):
        Run.resume(work)
    data["run"][key] = "soon"
    (work / "checkpoint.json").write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=rf"checkpoint\.json: {field}: expected"):
        Run.resume(work)


def test_cli_resume_of_a_damaged_run_in_a_real_process(tmp_path: Path, finished_runs: dict[str, Path]):
    work = shutil.copytree(finished_runs["neat"], tmp_path / "run")
    text = (work / "checkpoint.json").read_bytes()
    (work / "checkpoint.json").write_bytes(text[:len(text) // 3])
    before = snapshot(work)
    proc = subprocess.run([sys.executable, "-m", "topoevo.cli", "resume", str(work)], capture_output=True, text=True,
                          timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "checkpoint.json" in lines[0] and snapshot(work) == before


@pytest.mark.parametrize("generations", ["0", "-3"])
def test_cli_resume_with_a_bad_generation_budget_exits_2_and_changes_nothing(tmp_path: Path,
                                                                              finished_runs: dict[str, Path],
                                                                              capsys: pytest.CaptureFixture,
                                                                              generations: str):
    work = shutil.copytree(finished_runs["neat"], tmp_path / "run")
    before = snapshot(work)
    assert main(["resume", str(work), "--generations", generations]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--generations" in err[0] and snapshot(work) == before
