"""The genome-columns format of checkpoints: version 2 stores integer columns in their narrowest width; version 1
checkpoints (every integer column 64-bit) are still read, to the same genomes, and resume to the same run; other
versions and widths are refused with one line naming the file and the field."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from topoevo.checkpoint import read_checkpoint
from topoevo.config import Config
from topoevo.errors import CheckpointError
from topoevo.genome.columns import DTYPES, decode_columns, genomes_from_columns, stored_genomes_from_columns
from topoevo.genome.io import genome_to_dict

from fuzzing import assert_neat_checkpoint_error, resume_beside, short_xor_run


def as_version_1(d: dict) -> dict:
    """A version-2 columns object rewritten as version 1 wrote it (every integer column 64-bit, no dtypes)."""
    arrays = decode_columns(d, ValueError)[4]
    old = {k: v for k, v in d.items() if k != "dtypes"}
    old["version"] = 1
    for name, dtype in DTYPES.items():
        old[name] = base64.b64encode(np.ascontiguousarray(arrays[name], dtype=dtype).tobytes()).decode()
    return old


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_xor_run(tmp_path_factory.mktemp("columns_format") / "run", seed=3)


def test_version_1_columns_read_as_the_same_genomes(xor_run: Path) -> None:
    d = json.loads((xor_run / "checkpoint.json").read_text())["algorithm"]["population"]
    assert d["version"] == 2 and d["dtypes"]["node_id"] in ("|i1", "<i2")  # (narrow: XOR-sized ids)
    old = as_version_1(d)
    assert len(json.dumps(old)) > 1.5 * len(json.dumps(d))
    for read in (genomes_from_columns, stored_genomes_from_columns):
        assert [genome_to_dict(g) for g in read(old, ValueError)] == \
            [genome_to_dict(g) for g in read(d, ValueError)]
    wide = decode_columns(old, ValueError)[4]
    for name, a in decode_columns(d, ValueError)[4].items():
        assert a.dtype == wide[name].dtype and np.array_equal(a, wide[name], equal_nan=True), name


def test_a_version_1_checkpoint_resumes_to_the_same_run(xor_run: Path, tmp_path: Path) -> None:
    data = json.loads((xor_run / "checkpoint.json").read_text())
    algo = data["algorithm"]
    algo["population"], algo["representatives"] = as_version_1(algo["population"]), \
        as_version_1(algo["representatives"])
    runs = resume_beside(xor_run, data, tmp_path)
    for r in runs:
        r.loop()
    assert runs[0].algo.state_dict() == runs[1].algo.state_dict()


@pytest.mark.parametrize("edit, field", [
    (lambda d: d.update(version=3), "algorithm.population.version"),
    (lambda d: d.update(version=True), "algorithm.population.version"),
    (lambda d: d.pop("dtypes"), "algorithm.population.dtypes"),
    (lambda d: d["dtypes"].update(node_id="<f8"), "algorithm.population.dtypes.node_id"),
    (lambda d: d["dtypes"].update(conn_weight="<i2"), "algorithm.population.dtypes.conn_weight"),
    (lambda d: d["dtypes"].update(innovation="<i8"), "algorithm.population.innovation"),  # (bytes: 8 per value)
])
def test_bad_versions_and_widths_are_one_line_errors(xor_run: Path, tmp_path: Path, edit, field: str) -> None:
    data = json.loads((xor_run / "checkpoint.json").read_text())
    edit(data["algorithm"]["population"])
    assert_neat_checkpoint_error(data, tmp_path, field)
