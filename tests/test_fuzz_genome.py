"""Fuzzing genome files: hypothesis mutates valid genome JSON (missing, extra and wrong-typed fields, dangling
connection ends, duplicate ids and innovations, cycles in feed-forward genomes, huge numbers, NaN) and garbles the
bytes of genome files (truncation, flipped bytes, non-UTF-8). Reading must either give a valid genome or raise
:class:`~topoevo.errors.GenomeFileError` with one line naming the file; ``topoevo show`` exits 2 with one line.

Examples: 200 + 150 + 60 = 410 in CI (``max_examples`` of the three properties; ten times more under
HYPOTHESIS_PROFILE=thorough).
"""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import genomes
from fuzzing import examples, FUZZ, value_at
from topoevo.cli import main
from topoevo.errors import GenomeFileError
from topoevo.genome import Genome, genome_to_dict
from topoevo.genome.interpreter import activate
from topoevo.genome.io import genome_from_dict, load_genome

REPO = Path(__file__).resolve().parents[1]
ZOO = sorted((REPO / "genomes").glob("*.json"))

#: Values a field may be replaced with: every JSON type, boundaries, huge and non-finite numbers.
ODD_VALUES = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1, 2**31, 2**63, -2**63, 10**30, 10**400, 0.5, -0.0, 1e308, -1e308,
                     float("nan"), float("inf"), float("-inf"), "", "x", "sigmoid", "hidden", "input", "output",
                     "bias", "feedforward", "recurrent", "topoevo.genome", [], {}, [1, 2], {"id": 0}, "\udcff"]),
    st.integers(), st.floats(), st.text(max_size=8), st.lists(st.integers(-3, 3), max_size=3)
).map(copy.deepcopy)  # (never share the sampled lists and objects between places or examples)

UNKNOWN_KEYS = ["weigth", "enabeld", "activaton", "extra", "Nodes", "id2", "inputs_", "two\nlines"]
EDITS = ["delete", "retype", "unknown_key", "dangling", "duplicate_node", "duplicate_innovation", "cycle",
         "huge_id", "nan_weight", "swap_kind", "drop_node", "copy_connection"]


def leaf_paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Paths to every value of a JSON structure (lists and objects included)."""
    out = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        out.append(prefix + (key,))
        out.extend(leaf_paths(value, prefix + (key,)))
    return out


def parent_of(data: Any, path: tuple) -> Any:
    return value_at(data, path[:-1])


@st.composite
def mutated_genome_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A valid genome's JSON with 1-3 random edits."""
    if draw(st.booleans()):
        d = genome_to_dict(draw(genomes()))
    else:
        d = json.loads(draw(st.sampled_from(ZOO)).read_text())
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(EDITS))
        nodes, conns = d.get("nodes"), d.get("connections")
        nodes = nodes if isinstance(nodes, list) and nodes else None
        conns = conns if isinstance(conns, list) and conns else None
        paths = leaf_paths(d)
        if edit in ("delete", "retype") and paths:
            path = draw(st.sampled_from(paths))
            parent = parent_of(d, path)
            if edit == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(ODD_VALUES)
        elif edit == "unknown_key":
            objects = [()] + [p for p in paths if isinstance(value_at(d, p), dict)]
            target = value_at(d, draw(st.sampled_from(objects)))
            target[draw(st.sampled_from(UNKNOWN_KEYS))] = 1
        elif edit == "dangling" and conns:
            c = draw(st.sampled_from(conns))
            if isinstance(c, dict):
                c[draw(st.sampled_from(["in", "out"]))] = draw(st.sampled_from([999_999, -5, 10**12]))
        elif edit == "duplicate_node" and nodes and len(nodes) > 1:
            a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
            if isinstance(a, dict) and isinstance(b, dict):
                a["id"] = b.get("id")
        elif edit == "duplicate_innovation" and conns and len(conns) > 1:
            a, b = draw(st.sampled_from(conns)), draw(st.sampled_from(conns))
            if isinstance(a, dict) and isinstance(b, dict):
                a["innovation"] = b.get("innovation")
        elif edit == "cycle" and conns:
            c = draw(st.sampled_from(conns))  # a reversed copy of a link: a 2-cycle (or a self-loop)
            if isinstance(c, dict):
                conns.append({"innovation": 10**6 + len(conns), "in": c.get("out"), "out": c.get("in"),
                              "weight": 1.0, "enabled": True})
        elif edit == "huge_id" and nodes:
            n = draw(st.sampled_from(nodes))
            if isinstance(n, dict):
                n["id"] = draw(st.sampled_from([2**63, 10**30, -(2**70)]))
        elif edit == "nan_weight" and conns:
            c = draw(st.sampled_from(conns))
            if isinstance(c, dict):
                c["weight"] = draw(st.sampled_from([float("nan"), float("inf"), 1e308, -1e308, 10**400]))
        elif edit == "swap_kind" and nodes:
            n = draw(st.sampled_from(nodes))
            if isinstance(n, dict):
                n["kind"] = draw(st.sampled_from(["input", "bias", "hidden", "output"]))
        elif edit == "drop_node" and nodes:
            nodes.remove(draw(st.sampled_from(nodes)))
        elif edit == "copy_connection" and conns:
            conns.append(copy.deepcopy(draw(st.sampled_from(conns))))
    return d


def check_error(exc: GenomeFileError, source: str) -> None:
    text = str(exc)
    assert "\n" not in text and text.startswith(source), text


@settings(max_examples=examples(200), **FUZZ)
@given(mutated_genome_dicts())
def test_mutated_genome_json_is_a_valid_genome_or_a_genome_file_error(d: dict[str, Any]):
    try:
        g = genome_from_dict(d, source="fuzz.json")
    except GenomeFileError as exc:
        check_error(exc, "fuzz.json")
        return
    assert isinstance(g, Genome) and g.problems() == []
    again = genome_to_dict(g)
    assert genome_to_dict(genome_from_dict(again)) == again
    if g.feed_forward:  # an accepted genome must also run (the reference interpreter)
        out = activate(g, [0.5] * len(g.input_ids))
        assert len(out) == len(g.output_ids) and all(isinstance(x, float) for x in out)


@st.composite
def garbled_bytes(draw: st.DrawFn) -> bytes:
    """The bytes of a genome file, truncated, with bytes changed, inserted or deleted, or re-encoded."""
    text = draw(st.sampled_from(ZOO)).read_bytes()
    how = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "latin1", "utf16", "nul"]))
    if how == "truncate":
        return text[:draw(st.integers(0, len(text) - 1))]
    pos = draw(st.integers(0, len(text) - 1))
    if how == "flip":
        b = bytearray(text)
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(b) - 1))
            b[i] = draw(st.integers(0, 255))
        return bytes(b)
    if how == "insert":
        return text[:pos] + draw(st.binary(min_size=1, max_size=6)) + text[pos:]
    if how == "delete":
        return text[:pos] + text[pos + draw(st.integers(1, 40)):]
    if how == "latin1":
        return text[:pos] + "é".encode("latin-1") + text[pos:]
    if how == "utf16":
        return text.decode().encode("utf-16")
    return text[:pos] + b"\x00" + text[pos:]


@settings(max_examples=examples(150), **FUZZ)
@given(blob=garbled_bytes())
def test_garbled_genome_files_give_a_genome_file_error(tmp_path_factory: pytest.TempPathFactory, blob: bytes):
    path = tmp_path_factory.mktemp("g") / "garbled.json"
    path.write_bytes(blob)
    try:
        g = load_genome(path)
    except GenomeFileError as exc:
        check_error(exc, str(path))
        return
    assert g.problems() == []  # a change that kept the file valid (a digit of a weight, say)


@settings(max_examples=examples(60), **FUZZ)
@given(d=mutated_genome_dicts())
def test_topoevo_show_of_a_damaged_genome_exits_2_with_one_line(tmp_path_factory: pytest.TempPathFactory,
                                                                capsys: pytest.CaptureFixture, d: dict[str, Any]):
    path = tmp_path_factory.mktemp("show") / "damaged.json"
    path.write_text(json.dumps(d))  # (NaN is written as the non-JSON literal NaN: also an error)
    code = main(["show", str(path)])
    out, err = capsys.readouterr()
    if code == 0:
        assert not err and str(path) in out
        return
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith(f"topoevo: error: {path}: "), err
    assert "Traceback" not in err and out == ""


def test_unknown_keys_are_errors_with_a_did_you_mean():
    d = json.loads(ZOO[0].read_text())
    d["connections"][0]["weigth"] = d["connections"][0].pop("weight")
    with pytest.raises(GenomeFileError, match=r"connections\[0\]\.weigth: unknown key \(did you mean 'weight'\?\)"):
        genome_from_dict(d, "z.json")
    d = json.loads(ZOO[0].read_text())
    d["nodez"] = []
    with pytest.raises(GenomeFileError, match=r"z\.json: nodez: unknown key \(did you mean 'nodes'\?\)"):
        genome_from_dict(d, "z.json")
    d = json.loads(ZOO[0].read_text())
    d["nodes"][-1]["colour"] = "red"
    with pytest.raises(GenomeFileError, match=r"nodes\[\d+\]\.colour: unknown key; valid keys: id, kind"):
        genome_from_dict(d, "z.json")


def test_nan_and_huge_numbers_in_genome_files_name_the_field(tmp_path: Path):
    d = json.loads(ZOO[0].read_text())
    d["connections"][1]["weight"] = float("nan")
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(d))
    with pytest.raises(GenomeFileError, match=r"nan\.json: connections\[1\]\.weight: expected a finite number"):
        load_genome(path)
    path.write_text(json.dumps(d).replace("NaN", "1" + "0" * 400))  # a float literal beyond double range
    with pytest.raises(GenomeFileError, match=r"connections\[1\]\.weight: expected a finite number"):
        load_genome(path)
    assert math.isinf(json.loads("1" + "0" * 400 + ".0"))
