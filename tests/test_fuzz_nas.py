"""Fuzzing architecture files (architecture-search champions, :mod:`topoevo.nas.io`): hypothesis damages valid files
(keys deleted, values retyped or perturbed anywhere deep in the structure, list items dropped or duplicated, blocks
edited into invalid ones, weights with the wrong dtype, shape or bytes, truncation at any byte, changed bytes).
``load_architecture`` must give a valid architecture or raise a :class:`~topoevo.errors.TopoevoError` with one line
naming the file; ``topoevo show`` prints a summary (exit 0) or exits 2 with one line on stderr.

Examples: 200 + 60 = 260 in CI (``max_examples`` of the two properties; ten times more under
HYPOTHESIS_PROFILE=thorough).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzing import all_paths, examples, FUZZ, value_at
from topoevo.cli import main
from topoevo.errors import TopoevoError
from topoevo.nas.arch import SearchSpace, random_architecture
from topoevo.nas.candidate import NASCandidate
from topoevo.nas.compile import ArchitectureNet
from topoevo.nas.io import load_architecture, save_architecture
from topoevo.nas.lamarck import state_to_numpy
from topoevo.nas.mutation import mutate


SPACE = SearchSpace(max_blocks=4, max_dense=2, channels=(2, 3), widths=(4,), max_parameters=5_000, max_macs=50_000)
ODD_VALUES = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1, 2, 3, 4, 2**63, -2**63, 10**30, 10**400, 0.5, -0.0, 1e308,
                     float("nan"), float("inf"), "", "x", "conv", "pool", "dense", "relu", "max", "avg", "flatten",
                     "float32", "int64", "AAAA", "topoevo.architecture", "\udcff", [], {}, [0], [1, 8, 8],
                     [1, 2, 3, 4], {"type": "conv"}, {"dtype": "float32", "shape": [1], "base64": "AAAAAA=="}]),
    st.integers(-5, 50), st.floats(), st.text(max_size=4)
).map(copy.deepcopy)  # (never share the sampled lists and objects between places or examples)


def candidate(seed: int, shape: tuple[int, ...], weights: bool) -> NASCandidate:
    rng = np.random.default_rng(seed)
    arch = random_architecture(shape, 3, SPACE, rng)
    for _ in range(4):
        arch = mutate(arch, SPACE, rng)[0]
    state = state_to_numpy(ArchitectureNet(arch)) if weights else None
    return NASCandidate(seed, arch, 1, "kernel", None, weights, 0.5, 0.25, state)


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Architecture files of 1D and 2D architectures, with and without trained weights."""
    out = []
    for seed, shape, weights in ((1, (1, 12), True), (2, (2, 6, 6), True), (3, (1, 8, 8), False)):
        path = tmp_path_factory.mktemp("arch") / "a.json"
        save_architecture(candidate(seed, shape, weights), path, {"algorithm": "regularized_evolution",
                                                                 "task": "nas", "seed": seed})
        load_architecture(path)  # (valid)
        out.append(path.read_bytes())
    return out


def perturb(v: Any, draw: st.DrawFn) -> Any:
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + draw(st.sampled_from([-1, 1, -v - 1, -v, 10**6, 2**64]))
    if isinstance(v, float):
        return draw(st.sampled_from([-v, v + 1.0, v * 1e300, 0.0]))
    if isinstance(v, str):
        return draw(st.sampled_from([v + "x", v[:-1], v[:-4], v.upper(), ""]))
    if isinstance(v, list):
        return v[::-1] if len(v) > 1 else v + v
    return {k: v[k] for k in list(v)[1:]} if v else {"x": 1}


def edit_block(d: dict[str, Any], draw: st.DrawFn) -> None:
    """Targeted at what a valid architecture needs: odd kernels, ids below next_id, distinct ids, block types in
    their place, a feature map that does not shrink to nothing."""
    arch = d.get("architecture")
    if not isinstance(arch, dict):
        return
    blocks = [b for key in ("features", "dense") if isinstance(arch.get(key), list) for b in arch[key]
              if isinstance(b, dict)]
    edit = draw(st.sampled_from(["kernel", "id", "next_id", "type", "stride", "input_shape", "classes", "move"]))
    b = draw(st.sampled_from(blocks)) if blocks else {}
    if edit == "kernel":
        b["kernel"] = draw(st.sampled_from([0, 2, 4, 99, 10**9]))
    elif edit == "id":
        b["id"] = draw(st.sampled_from([-1, arch.get("next_id"), *(x.get("id") for x in blocks)]))
    elif edit == "next_id":
        arch["next_id"] = draw(st.integers(0, 3))
    elif edit == "type":
        b["type"] = draw(st.sampled_from(["conv", "pool", "dense", "Conv"]))
    elif edit == "stride":
        b["stride"] = draw(st.sampled_from([2, 7, 10**6]))
    elif edit == "input_shape":
        arch["input_shape"] = draw(st.sampled_from([[1], [1, 1], [1, 2, 1], [0, 8], [1, 8, 8, 8], [3, 12], [1, 99]]))
    elif edit == "classes":
        arch["num_classes"] = draw(st.sampled_from([0, 1, 4, 10**9]))
    elif blocks:  # a dense block among the features or a feature block among the dense ones
        src, dst = draw(st.sampled_from([("features", "dense"), ("dense", "features")]))
        if isinstance(arch.get(src), list) and arch[src] and isinstance(arch.get(dst), list):
            arch[dst].append(arch[src].pop())


def edit_weights(d: dict[str, Any], draw: st.DrawFn) -> None:
    """Trained weights: dtype, shape, byte count, base64 text, non-finite values."""
    weights = d.get("weights")
    if not isinstance(weights, dict) or not weights:
        return
    w = weights[draw(st.sampled_from(sorted(weights)))]
    if not isinstance(w, dict) or not isinstance(w.get("shape"), list) or not isinstance(w.get("base64"), str):
        return
    edit = draw(st.sampled_from(["dtype", "shape", "base64", "nan", "drop", "rename"]))
    if edit == "dtype":
        w["dtype"] = draw(st.sampled_from(["float64", "int64", "float32", "f4", None]))
    elif edit == "shape":
        w["shape"] = draw(st.sampled_from([[], [0], [-1], [2**62, 2**62], w["shape"][::-1] + [1], [True]]))
    elif edit == "base64":
        w["base64"] = draw(st.sampled_from(["", "!!!!", w["base64"][:-4], w["base64"] + "AAAA", "AAAA" * 10**4]))
    elif edit == "nan":
        w["base64"] = "AADAfw==" * (len(w["base64"]) // 8) or "AADAfw=="  # float32 NaN
    elif edit == "drop":
        del weights[draw(st.sampled_from(sorted(weights)))]
    else:
        weights["blocks.b99.conv.weight"] = copy.deepcopy(w)


@st.composite
def damaged_file(draw: st.DrawFn, files: list[bytes]) -> bytes:
    """One to three edits (generic ones anywhere, deep paths as likely as shallow ones, or targeted at blocks and
    weights), or byte-level damage."""
    text = draw(st.sampled_from(files))
    how = draw(st.sampled_from(["edit"] * 6 + ["truncate", "bytes"]))
    if how == "truncate":
        return text[:draw(st.integers(0, len(text) - 1))]
    if how == "bytes":
        b = bytearray(text)
        for _ in range(draw(st.integers(1, 3))):
            b[draw(st.integers(0, len(b) - 1))] = draw(st.integers(0, 255))
        return bytes(b)
    data = json.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(["delete", "retype", "perturb", "duplicate", "add_key", "block", "weights"]))
        if edit == "block":
            edit_block(data, draw)
            continue
        if edit == "weights":
            edit_weights(data, draw)
            continue
        paths = all_paths(data)
        if not paths:
            break
        depth = draw(st.integers(1, max(len(p) for p in paths)))  # pick a depth first: deep keys are not rare
        at_depth = [p for p in paths if len(p) == depth] or paths
        path = at_depth[draw(st.integers(0, len(at_depth) - 1))]
        parent, key = value_at(data, path[:-1]), path[-1]
        if edit == "delete":
            del parent[key]
        elif edit == "retype":
            parent[key] = draw(ODD_VALUES)
        elif edit == "perturb":
            parent[key] = perturb(parent[key], draw)
        elif edit == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "id", "type", "weights", "schema"]))] = draw(ODD_VALUES)
    return json.dumps(data).encode("utf-8", "surrogatepass")


@settings(max_examples=examples(200), **FUZZ)
@given(data=st.data())
def test_damaged_architecture_files_give_valid_architectures_or_one_line_errors(tmp_path_factory, valid_files,
                                                                                data: st.DataObject):
    path = tmp_path_factory.mktemp("damaged") / "champion.json"
    path.write_bytes(data.draw(damaged_file(valid_files)))
    try:
        cand, metadata = load_architecture(path)
    except TopoevoError as exc:
        text = str(exc)
        assert "\n" not in text and text.startswith(str(path)), text
        return
    assert cand.arch.problem() is None and isinstance(metadata, dict)
    assert cand.fitness is None or np.isfinite(cand.fitness)
    assert cand.state is None or all(np.isfinite(a).all() for a in cand.state.values())
    assert cand.parameters >= 1


@settings(max_examples=examples(60), **FUZZ)
@given(data=st.data(), as_json=st.booleans())
def test_cli_show_of_a_damaged_architecture_file_exits_2_with_one_line(tmp_path_factory, valid_files,
                                                                       capsys: pytest.CaptureFixture,
                                                                       data: st.DataObject, as_json: bool):
    path = tmp_path_factory.mktemp("cli") / "champion.json"
    path.write_bytes(data.draw(damaged_file(valid_files)))
    before = path.read_bytes()
    code = main(["show", str(path), *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    assert path.read_bytes() == before
    if code == 0:
        assert err == "" and out
        return
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("topoevo: error: ") and "Traceback" not in err
    assert str(path) in lines[0] and out == ""


def test_valid_architecture_files_show(tmp_path: Path, valid_files: list[bytes], capsys: pytest.CaptureFixture):
    for i, text in enumerate(valid_files):
        (tmp_path / f"{i}.json").write_bytes(text)
        assert main(["show", str(tmp_path / f"{i}.json")]) == 0
        out = capsys.readouterr().out
        assert "architecture" in out and "algorithm: regularized_evolution" in out
        assert ("trained weights stored" in out) == (i < 2)
