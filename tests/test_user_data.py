"""A user's own data file (``[task] dataset = "path"``): the four formats read to the same arrays, categorical
columns one-hot (two values: one -1/+1 input), numeric ones standardized with training statistics, the fixed,
stratified and own-test-file splits, relative paths from the task file's folder, the shipped people task; and bad
data: one line naming the file, the line and the column, exit 2, nothing written."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tests.fuzzing import snapshot
from topoevo.cli import main
from topoevo.config import Config, load_config
from topoevo.errors import ConfigError, DataError
from topoevo.tasks.supervised import SupervisedParams, SupervisedTask
from topoevo.tasks.tabular import DataFileKeys, Table, encode, fit_encoding, load_user_data, read_table

ROOT = Path(__file__).resolve().parents[1]
ROWS = [("M", "30", "north", "1.5", "yes"), ("F", "41", "south", "2.5", "no"), ("F", "25", "east", "0.5", "yes"),
        ("M", "60", "north", "3.0", "no"), ("F", "33", "south", "1.0", "yes"), ("M", "52", "east", "2.0", "no")]
HEADER = ("sex", "age", "region", "income", "target")


def write(path: Path, rows=ROWS, header=HEADER, sep: str = ",") -> Path:
    path.write_text("\n".join(sep.join(r) for r in [header, *rows]) + "\n")
    return path


def test_formats_read_to_the_same_encoding(tmp_path):
    a = write(tmp_path / "d.csv")
    b = write(tmp_path / "d.tsv", sep="\t")
    c = write(tmp_path / "d.txt", sep="   ")
    keys = DataFileKeys(test_rows=2)
    ref = load_user_data(str(a), keys, 0.25, 0)
    for other in (b, c):
        d = load_user_data(str(other), keys, 0.25, 0)
        np.testing.assert_array_equal(d.train_x, ref.train_x)
        np.testing.assert_array_equal(d.test_y, ref.test_y)
    # sex: one -1/+1 input; age; region: 3 one-hot inputs (east, north, south); income
    assert ref.train_x.shape == (4, 6) and ref.classes == ["no", "yes"]
    assert ref.train_x[0].tolist() == [1.0, 30.0, 0.0, 1.0, 0.0, 1.5]
    assert ref.numeric.tolist() == [False, True, False, False, False, True]
    np.savez(tmp_path / "d.npz", x=np.vstack([ref.train_x, ref.test_x]), y=np.array([r[4] for r in ROWS]))
    d = load_user_data(str(tmp_path / "d.npz"), keys, 0.25, 0)
    np.testing.assert_array_equal(d.train_x, ref.train_x)
    np.testing.assert_array_equal(d.train_y, ref.train_y)


def test_quoted_csv_comments_headerless_and_forced_categorical(tmp_path):
    p = tmp_path / "q.txt"
    p.write_text("# a comment\n1 x a\n\n2 y b\n3 x a\n")
    t = read_table(p, ["code", "letter", "target"])
    assert t.lines == [2, 4, 5]
    enc = fit_encoding(t, "target", ["code"])
    x, y = encode(t, enc)
    assert x.shape == (3, 4) and y.tolist() == [0, 1, 0]  # code one-hot (3), letter -1/+1
    q = tmp_path / "q.csv"
    q.write_text('name,target\n"Smith, J",a\n"Doe, A",b\n')
    assert read_table(q).column("name") == ["Smith, J", "Doe, A"]


@given(st.lists(st.tuples(st.floats(-1e3, 1e3, allow_nan=False), st.sampled_from("abc"), st.integers(0, 2)),
                min_size=4, max_size=30))
@settings(max_examples=25, deadline=None)
def test_encoding_matches_a_direct_construction(rows):
    """Property: each row's inputs are [value, one-hot of the letter (or -1/+1 with two letters)] in sorted order."""
    t = Table("f.csv", ["v", "c", "target"], [[repr(v), c, str(k)] for v, c, k in rows], list(range(2, len(rows) + 2)))
    classes = sorted({k for *_, k in rows})
    if len(classes) < 2:
        with pytest.raises(DataError, match="one class"):
            fit_encoding(t, "target", [])
        return
    x, y = encode(t, fit_encoding(t, "target", []))
    letters = sorted({c for _, c, _ in rows})
    for row, (v, c, k) in zip(x, rows):
        assert row[0] == v
        code = letters.index(c)
        want = [2.0 * code - 1.0] if len(letters) == 2 else list(np.eye(len(letters))[code])
        assert row[1:].tolist() == want
    assert y.tolist() == [classes.index(k) for *_, k in rows]


def test_supervised_task_scales_numeric_columns_only_and_uses_the_test_file(tmp_path):
    train = write(tmp_path / "train.csv", ROWS[:4])
    test = write(tmp_path / "test.csv", ROWS[4:])
    task = SupervisedTask(SupervisedParams(dataset=str(train), test_dataset=str(test)))
    x = task.train_inputs.numpy()
    assert task.num_inputs == 6 and task.num_outputs == 2 and len(task.test_targets) == 2
    np.testing.assert_allclose(x[:, [1, 5]].mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(x[:, [1, 5]].std(0), 1, atol=1e-5)
    assert set(np.unique(x[:, 2:5])) == {0.0, 1.0}


def test_relative_path_is_read_from_the_task_files_folder(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    write(tmp_path / "data" / "d.csv")
    task_file = tmp_path / "t.toml"
    task_file.write_text('[task]\nname = "supervised"\ndataset = "data/d.csv"\ntest_rows = 2\n')
    monkeypatch.chdir(ROOT)
    cfg = load_config(task_file)
    assert Path(cfg.task.params.dataset) == (tmp_path / "data" / "d.csv").resolve()
    assert Config.from_dict(cfg.to_dict(), source="run/checkpoint.json#config").task.params == cfg.task.params


def test_people_task_reads_the_shipped_file():
    cfg = load_config(ROOT / "tasks" / "people_steady_state_ga.toml")
    task = SupervisedTask(cfg.task.params)
    assert (task.num_inputs, task.num_outputs, len(task.train_targets), len(task.test_targets)) == (6, 3, 200, 40)
    import sys

    sys.path.insert(0, str(ROOT / "tasks" / "data"))
    try:
        import make_people
    finally:
        sys.path.pop(0)
    rows = list(csv.reader((ROOT / "tasks" / "data" / "people.csv").read_text().splitlines()))[1:]
    assert [tuple(r) for r in rows] == [(s, str(a), st_, f"{i:.2f}", p) for s, a, st_, i, p in make_people.people()]


def test_nas_task_trains_on_a_data_file(tmp_path):
    from topoevo.nas.task import NASParams, NASTask

    task = NASTask(NASParams(dataset=str(ROOT / "tasks" / "data" / "people.csv"), target="politics", test_rows=40,
                             epochs=1))
    assert task.input_shape == (1, 6) and task.num_outputs == 3
    assert len(task.splits.train_y) + len(task.splits.val_y) == 200 and len(task.splits.test_y) == 40


BAD = {  # file name, content, what the one line must name
    "ragged.csv": ("a,b,target\n1,x,p\n2,y\n", "line 3, column 3"),
    "nonnum.csv": ("a,b,target\n1,x,p\n2,y,q\nfoo,z,p\n", "line 4, column 'a'"),
    "notarget.csv": ("a,b,c\n1,x,p\n", "line 1 (header)"),
    "empty.csv": ("", "line 1"),
    "oneclass.txt": ("a b target\n1 x p\n2 y p\n", "lines 2-3, column 'target'"),
    "blank.tsv": ("a\tb\ttarget\n1\t\tp\n2\ty\tq\n", "line 2, column 'b'"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_data_is_one_line_exit_2_nothing_written(tmp_path, capsys, name):
    content, where = BAD[name]
    (tmp_path / name).write_text(content)
    task_file = tmp_path / "t.toml"
    task_file.write_text(f'[task]\nname = "supervised"\ndataset = "{name}"\ntest_rows = 1\n[run]\nalgorithm = "ga"\n'
                         '[model]\nkind = "mlp"\nhidden = [4]\n')
    before = snapshot(tmp_path)
    assert main(["run", str(task_file), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and str(tmp_path / name) in err and where in err, err
    assert snapshot(tmp_path) == before


def test_bad_config_keys(tmp_path):
    with pytest.raises(ConfigError, match="task.dataset"):
        Config.from_dict({"task": {"name": "supervised", "dataset": "people"}})
    with pytest.raises(ConfigError, match="task.test_rows"):
        Config.from_dict({"task": {"name": "supervised", "dataset": "wine", "test_rows": 3}})
    with pytest.raises(ConfigError, match="task.test_rows.*not both"):
        Config.from_dict({"task": {"name": "nas", "dataset": "a.csv", "test_rows": 3, "test_dataset": "b.csv"}})
    with pytest.raises(DataError, match="x.npz: y"):
        np.savez(tmp_path / "x.npz", x=np.zeros((3, 2)))
        load_user_data(str(tmp_path / "x.npz"), DataFileKeys(), 0.25, 0)


def test_a_missing_data_file_is_an_error_of_the_task_file(tmp_path, capsys):
    task_file = tmp_path / "t.toml"
    task_file.write_text('[task]\nname = "supervised"\ndataset = "nowhere.csv"\n[run]\nalgorithm = "ga"\n'
                         '[model]\nkind = "mlp"\nhidden = [4]\n')
    assert main(["run", str(task_file), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(task_file) in err and "task.dataset" in err and "nowhere.csv" in err
    assert not (tmp_path / "out").exists()
