"""Genome files: round trips, atomic writes, and one clear error line (file + field) for every malformed file."""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import PROPERTY, genomes
from topoevo.errors import GenomeFileError, TopoevoError
from topoevo.genome import ConnectionGene, Genome, NodeGene, NodeKind, genome_to_dict, load_genome, save_genome
from topoevo.genome.io import genome_from_dict, load_genome_with_metadata


def sample() -> Genome:
    """inputs 0, 1; bias 2; output 3; hidden 4: 0 -> 4 -> 3, 1 -> 3, 2 -> 3 (disabled)."""
    nodes = {0: NodeGene(0, NodeKind.INPUT, activation="identity"),
             1: NodeGene(1, NodeKind.INPUT, activation="identity"),
             2: NodeGene(2, NodeKind.BIAS, activation="identity"), 3: NodeGene(3, NodeKind.OUTPUT, 0.1, 1.5),
             4: NodeGene(4, NodeKind.HIDDEN, -0.2, 1.0, "tanh", "max")}
    conns = {0: ConnectionGene(0, 0, 4, 0.5), 1: ConnectionGene(1, 4, 3, -1.25), 2: ConnectionGene(2, 1, 3, 2.0),
             3: ConnectionGene(3, 2, 3, 0.75, False)}
    g = Genome(nodes, conns, (0, 1), (3,), 2, True, key=12)
    g.fitness, g.species, g.parents = 3.5, 2, (7, 9)
    return g


def base() -> dict[str, Any]:
    return genome_to_dict(sample())


def edit(fn: Callable[[dict], Any]) -> Callable[[], str]:
    def make() -> str:
        d = copy.deepcopy(base())
        fn(d)
        return json.dumps(d)
    return make


def text(s: str) -> Callable[[], str]:
    return lambda: s


def setitem(path: list, value: Any) -> Callable[[dict], None]:
    def fn(d: dict) -> None:
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value
    return fn


def delitem(path: list) -> Callable[[dict], None]:
    def fn(d: dict) -> None:
        for k in path[:-1]:
            d = d[k]
        del d[path[-1]]
    return fn


def weight_literal(literal: str) -> Callable[[], str]:
    return lambda: json.dumps(base()).replace('"weight": 0.5', f'"weight": {literal}', 1)


MALFORMED: dict[str, tuple[Callable[[], str | bytes], str]] = {
    "not JSON": (text('{"schema": "topoevo.genome", '), "<syntax>"),
    "empty file": (text(""), "<syntax>"),
    "trailing garbage": (lambda: json.dumps(base()) + " x", "<syntax>"),
    "top level is a list": (text("[1, 2]"), "<top>"),
    "wrong schema": (edit(setitem(["schema"], "neat-python")), "schema"),
    "bad version": (edit(setitem(["version"], 99)), "version"),
    "version as string": (edit(setitem(["version"], "1")), "version"),
    "unknown network": (edit(setitem(["network"], "ff")), "network"),
    "missing nodes": (edit(delitem(["nodes"])), "nodes"),
    "missing node bias": (edit(delitem(["nodes", 3, "bias"])), "nodes[3].bias"),
    "missing connection weight": (edit(delitem(["connections", 2, "weight"])), "connections[2].weight"),
    "weight is a string": (edit(setitem(["connections", 0, "weight"], "0.5")), "connections[0].weight"),
    "innovation is a bool": (edit(setitem(["connections", 1, "innovation"], True)), "connections[1].innovation"),
    "innovation is a float": (edit(setitem(["connections", 1, "innovation"], 1.0)), "connections[1].innovation"),
    "enabled is an int": (edit(setitem(["connections", 0, "enabled"], 1)), "connections[0].enabled"),
    "node is not an object": (edit(setitem(["nodes", 2], 5)), "nodes[2]"),
    "inputs not a list": (edit(setitem(["inputs"], 0)), "inputs"),
    "input id is a string": (edit(setitem(["inputs", 1], "1")), "inputs[1]"),
    "unknown node kind": (edit(setitem(["nodes", 0, "kind"], "sensor")), "nodes[0].kind"),
    "unknown activation": (edit(setitem(["nodes", 4, "activation"], "sigmod")), "nodes[4].activation"),
    "unknown aggregation": (edit(setitem(["nodes", 4, "aggregation"], "median")), "nodes[4].aggregation"),
    "duplicate node id": (edit(setitem(["nodes", 4, "id"], 3)), "nodes[4].id"),
    "dangling endpoint": (edit(setitem(["connections", 1, "out"], 9)), "connections[1].out"),
    "dangling source": (edit(setitem(["connections", 2, "in"], 8)), "connections[2].in"),
    "duplicate innovation": (edit(setitem(["connections", 1, "innovation"], 0)), "connections[1].innovation"),
    "duplicate link": (edit(setitem(["connections", 2, "in"], 2)), "connections[3]"),
    "connection into an input": (edit(setitem(["connections", 2, "out"], 0)), "connections[2].out"),
    "connection into the bias": (edit(setitem(["connections", 2, "out"], 2)), "connections[2].out"),
    "cycle in feed-forward": (edit(lambda d: d["connections"].append(
        {"innovation": 4, "in": 3, "out": 4, "weight": 1.0, "enabled": False})), "connections"),
    "output id not a node": (edit(setitem(["outputs"], [5])), "outputs[0]"),
    "bias id not a node": (edit(setitem(["bias"], 5)), "bias"),
    "kind disagrees with outputs": (edit(setitem(["nodes", 4, "kind"], "output")), "nodes[4].kind"),
    "hidden node left dangling": (edit(lambda d: d["connections"].pop(1)), "nodes[4]"),
    "NaN weight literal": (weight_literal("NaN"), "connections[0].weight"),
    "Infinity weight literal": (weight_literal("Infinity"), "connections[0].weight"),
    "-Infinity fitness literal": (lambda: json.dumps(base()).replace('"fitness": 3.5', '"fitness": -Infinity'),
                                  "fitness"),
    "overflowing weight": (weight_literal("1e999"), "connections[0].weight"),
    "parents not integers": (edit(setitem(["parents"], ["a"])), "parents[0]"),
    "nested too deeply": (text("[" * 100_000 + "]" * 100_000), "<syntax>"),
    "not UTF-8": (lambda: b'{"schema": "\xff"}', "<file>"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_genome_file_gives_one_line_naming_file_and_field(tmp_path: Path, case: str):
    make, field = MALFORMED[case]
    content = make()
    path = tmp_path / "champion.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(GenomeFileError) as info:
        load_genome(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: {field}: "), msg
    assert info.value.field == field and isinstance(info.value, TopoevoError)


def test_malformed_cases_are_many():
    assert len(MALFORMED) >= 10


def test_missing_file(tmp_path: Path):
    with pytest.raises(GenomeFileError, match=r"nope\.json: <file>: file not found"):
        load_genome(tmp_path / "nope.json")


def test_the_unedited_base_loads(tmp_path: Path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps(base()))
    assert load_genome(path) == sample()


def test_recurrent_genome_may_hold_the_cycle(tmp_path: Path):
    d = base()
    d["network"] = "recurrent"
    d["connections"].append({"innovation": 4, "in": 3, "out": 4, "weight": 1.0, "enabled": True})
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(d))
    g = load_genome(path)
    assert not g.feed_forward and g.find_connection(3, 4) is not None


def test_save_load_round_trip_with_metadata(tmp_path: Path):
    path = tmp_path / "sub" / "champion.json"
    save_genome(sample(), path, metadata={"task": "xor", "fitness_to_reach": 15.5})
    assert load_genome(path) == sample()
    g, meta = load_genome_with_metadata(path)
    assert g == sample() and meta == {"task": "xor", "fitness_to_reach": 15.5}
    data = json.loads(path.read_text())
    assert data["schema"] == "topoevo.genome" and data["version"] == 1
    assert os.listdir(path.parent) == ["champion.json"]  # no temporary file left behind


def test_metadata_must_be_an_object(tmp_path: Path):
    d = base()
    d["metadata"] = [1]
    path = tmp_path / "g.json"
    path.write_text(json.dumps(d))
    with pytest.raises(GenomeFileError, match=r"g\.json: metadata: "):
        load_genome_with_metadata(path)


def test_failed_save_keeps_the_old_file(tmp_path: Path):
    path = tmp_path / "champion.json"
    save_genome(sample(), path)
    before = path.read_bytes()
    bad = sample()
    bad.fitness = float("nan")
    with pytest.raises(ValueError):
        save_genome(bad, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["champion.json"]


def test_saved_file_is_plain_json_with_sorted_genes(tmp_path: Path):
    g = sample()
    g.conns = dict(reversed(list(g.conns.items())))
    path = tmp_path / "g.json"
    save_genome(g, path)
    data = json.loads(path.read_text())
    assert [c["innovation"] for c in data["connections"]] == [0, 1, 2, 3]
    assert [n["id"] for n in data["nodes"]] == [0, 1, 2, 3, 4]
    assert data["parents"] == [7, 9] and data["key"] == 12 and data["fitness"] == 3.5 and data["species"] == 2


# ---- fuzzing: any corruption is a GenomeFileError or a valid genome, never another exception ------------------------
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 12), st.floats(allow_nan=False), st.text(max_size=3),
                 st.lists(st.integers(0, 3), max_size=2),
                 st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))


def _paths(d: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    items = d.items() if isinstance(d, dict) else enumerate(d) if isinstance(d, list) else ()
    for k, v in items:
        out += _paths(v, prefix + (k,))
    return out


@PROPERTY
@given(genomes(), st.data())
def test_corrupted_genome_dict_is_rejected_cleanly(g, data):
    d = genome_to_dict(g)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(d)))
        target = d
        for k in path[:-1]:
            target = target[k]
        if data.draw(st.booleans()) and isinstance(target, dict):
            del target[path[-1]]
        else:
            target[path[-1]] = data.draw(JUNK)
    try:
        back = genome_from_dict(json.loads(json.dumps(d)), source="g.json")
    except GenomeFileError as exc:
        msg = str(exc)
        assert "\n" not in msg and msg.startswith("g.json: ")
    else:
        assert back.problems() == []
