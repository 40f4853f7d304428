"""NEAT's species in checkpoints as a table of arrays (topoevo/neat/species_table.py) and the checkpoint text that
copies base64 arrays in verbatim (topoevo/files.py ``json_text``): the table reads back to the same species and a
run resumed from it (or from the older list of species objects) continues bit-identically; damaged tables and
unknown versions are one-line errors naming the file and the field; ``json_text`` is ``json.dumps`` exactly."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topoevo.files import VERBATIM_MIN, json_text
from topoevo.genome.columns import decode_ints, encode_ints
from topoevo.neat.species_table import SpeciesRow, read_species_table, species_objects, species_table

from fuzzing import assert_neat_checkpoint_error, resume_beside, short_xor_run


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_xor_run(tmp_path_factory.mktemp("species_table") / "run", seed=5)


rows = st.lists(st.builds(SpeciesRow, st.integers(1, 2**40), st.integers(0, 10**6), st.integers(0, 10**6),
                          st.one_of(st.just(float("-inf")), st.floats(allow_nan=False, allow_infinity=False)),
                          st.lists(st.integers(0, 2**62 - 1), min_size=1, max_size=5),
                          st.one_of(st.none(), st.integers(0, 100)), st.one_of(st.none(), st.integers(0, 2**62 - 1))),
                max_size=6)


@settings(max_examples=60, deadline=None)
@given(rows)
def test_a_species_table_reads_back_row_for_row(r: list[SpeciesRow]) -> None:
    assert read_species_table(json.loads(json.dumps(species_table(r))), ValueError) == r


def test_the_checkpoint_holds_the_table_and_the_older_list_resumes_to_the_same_run(xor_run: Path,
                                                                                   tmp_path: Path) -> None:
    data = json.loads((xor_run / "checkpoint.json").read_text())
    assert data["algorithm"]["species"]["format"] == "topoevo.species_table"
    data["algorithm"]["species"] = species_objects(read_species_table(data["algorithm"]["species"], ValueError))
    runs = resume_beside(xor_run, data, tmp_path)
    assert runs[0].algo.state_dict() == runs[1].algo.state_dict()  # (the same species, as a table again)
    for r in runs:
        r.loop()
    assert runs[0].algo.state_dict() == runs[1].algo.state_dict()


def _members(d: dict, edit) -> None:
    keys = decode_ints(d["members"], ValueError).tolist()
    d["members"] = encode_ints(edit(keys))


@pytest.mark.parametrize("edit, field", [
    (lambda d: d.update(version=2), "algorithm.species.version"),
    (lambda d: d.update(version=True), "algorithm.species.version"),
    (lambda d: d.pop("created"), "algorithm.species.created"),
    (lambda d: d.update(best_score="AAAA"), "algorithm.species.best_score"),  # (3 bytes: not float64 values)
    (lambda d: d.update(member_counts=encode_ints([0] * len(decode_ints(d["id"], ValueError)))),
     "algorithm.species.member_counts"),
    (lambda d: _members(d, lambda k: k[:-1]), "algorithm.species.members"),
    (lambda d: _members(d, lambda k: [10**9] + k[1:]), "algorithm.species.members[0]"),
    (lambda d: _members(d, lambda k: k[:-1] + [k[0]]), "is also a member of species"),
    (lambda d: d.update(representative_member=encode_ints([10**9] * len(decode_ints(d["id"], ValueError)))),
     "algorithm.species.representative_member[0]"),
    (lambda d: d.update(id=encode_ints([10**9] * len(decode_ints(d["id"], ValueError)))), "algorithm.species.id[0]"),
])
def test_damaged_species_tables_are_one_line_errors(xor_run: Path, tmp_path: Path, edit, field: str) -> None:
    data = json.loads((xor_run / "checkpoint.json").read_text())
    edit(data["algorithm"]["species"])
    assert_neat_checkpoint_error(data, tmp_path, field)


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False,
                                                                                        allow_infinity=False),
                                     st.text(max_size=8)),
                           lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                   st.dictionaries(st.text(max_size=4), inner, max_size=4)),
                           max_leaves=12)
long_text = st.one_of(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
                              min_size=VERBATIM_MIN, max_size=VERBATIM_MIN + 40),
                      st.text(min_size=VERBATIM_MIN, max_size=VERBATIM_MIN + 40))  # (some need escaping)


@settings(max_examples=80, deadline=None)
@given(outer=st.dictionaries(st.text(max_size=4), json_values, max_size=4),
       tables=st.dictionaries(st.sampled_from(["population", "history", "species"]),
                              st.dictionaries(st.text(max_size=6), st.one_of(long_text, json_values), max_size=5),
                              max_size=3),
       nul=st.booleans())
def test_json_text_is_json_dumps(outer: dict, tables: dict, nul: bool) -> None:
    data = {**outer, "algorithm": dict(tables)}
    if nul:  # (a NUL character elsewhere: the text is still exactly json.dumps's)
        data["note"] = "\x00" + "x" * 3
    before = json.dumps(data)
    paths = [("algorithm", k) for k in tables] + [("missing", "x"), ("note",)]
    assert json_text(data, paths) == json.dumps(data, allow_nan=False, separators=(",", ":"))
    assert json.dumps(data) == before  # (nothing mutated)
