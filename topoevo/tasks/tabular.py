"""A user's own data file for the supervised, weight-search and NAS tasks (``[task] dataset = "path"``): reading
(.csv, .tsv, whitespace-separated text, .npz), encoding (categorical columns one-hot, numeric ones left for the
task's scaling) and the train/test split (a fixed last-rows split, a stratified fraction, or the user's own test
file). Bad data raises :class:`~topoevo.errors.DataError` naming the file, the line and the column. No torch here.

Text files: a header row naming the columns (or ``columns = [...]`` in the task file for a file without one); lines
that are blank or start with ``#`` are skipped. A column is numeric when most of its cells read as numbers (then
every cell must), categorical otherwise or when listed in ``categorical``. A categorical column with two values
becomes one -1/+1 input, one with more values one 0/1 input per value (sorted). The ``target`` column's values
(sorted; numbers numerically) are the classes. ``.npz`` files hold an array ``x`` (N, features) or (N, C, L) or
(N, C, H, W) and labels ``y`` (N,); no pickle is read.
"""
from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from topoevo.config.schema import Section, param
from topoevo.errors import ConfigError, DataError

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".dat", ".data")
SUFFIXES = (*TEXT_SUFFIXES, ".npz")


def is_data_file(name: str) -> bool:
    """``dataset`` names a file (by its suffix) rather than a bundled dataset.

    >>> is_data_file("people.csv"), is_data_file("wine")
    (True, False)
    """
    return Path(name).suffix.lower() in SUFFIXES


@dataclass
class DataFileKeys(Section):
    """``[task]`` keys shared by every task that reads a user's data file (``dataset = "path"``).

    >>> DataFileKeys().target, DataFileKeys().test_rows
    ('target', 0)
    """

    SECTION = "task"

    target: str = param("target", "Data file: the column holding the class labels.")
    test_dataset: str = param("", "Data file: the user's own test file (same columns; a relative path is read from "
                                  "the task file's folder); empty = split the dataset.", path=True)
    test_rows: int = param(0, "Data file: the last N rows are the test set (a fixed split); 0 = a stratified "
                              "random split by test_fraction.", ge=0)
    categorical: list[str] = param([], "Data file: columns to one-hot encode even if their values are numbers "
                                       "(columns of text are categorical anyway).")
    columns: list[str] = param([], "Data file: the column names of a text file without a header row (empty = the "
                                   "first row is the header).")

    def check_data_keys(self, dataset: str) -> tuple[str, str] | None:
        if self.test_dataset and not is_data_file(self.test_dataset):
            return "test_dataset", f"expected a file ending in {', '.join(SUFFIXES)}, got {self.test_dataset!r}"
        if is_data_file(dataset) and self.test_dataset and self.test_rows:
            return "test_rows", "give test_dataset or test_rows, not both"
        if not is_data_file(dataset) and (self.test_dataset or self.test_rows):
            key = "test_dataset" if self.test_dataset else "test_rows"
            return key, f"only for a data file (dataset = \"path\"), not the bundled {dataset!r}"
        if len(set(self.columns)) != len(self.columns):
            return "columns", "expected distinct column names"
        return None


@dataclass
class Table:
    """A text data file read as strings: column names, rows of cells and each row's line number (1-based).

    >>> Table("f.csv", ["a", "b"], [["1", "x"]], [2]).column("b")
    ['x']
    """

    path: str
    names: list[str]
    rows: list[list[str]]
    lines: list[int]

    def column(self, name: str) -> list[str]:
        j = self.names.index(name)
        return [r[j] for r in self.rows]


def read_table(path: str | Path, columns: list[str] | None = None) -> Table:
    """Read a .csv (commas, quotes allowed), .tsv (tabs) or whitespace-separated text file.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "d.txt")
    >>> _ = open(p, "w").write("# people\\nsex age\\nM 30\\n\\nF 41\\n")
    >>> t = read_table(p); t.names, t.rows, t.lines
    (['sex', 'age'], [['M', '30'], ['F', '41']], [3, 5])
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("file not found", source=path, field="<file>") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text (byte {exc.start})", source=path, field="<file>") from None
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.__class__.__name__})", source=path, field="<file>") from None
    suffix = path.suffix.lower()
    raw = text.splitlines()
    numbered = [(i + 1, line) for i, line in enumerate(raw) if line.strip() and not line.lstrip().startswith("#")]
    if suffix in (".csv", ".tsv"):
        reader = csv.reader([line for _, line in numbered], delimiter="," if suffix == ".csv" else "\t")
        cells = [[c.strip() for c in row] for row in reader]
    else:
        cells = [line.split() for _, line in numbered]
    lines = [n for n, _ in numbered]
    if not cells:
        raise DataError("the file is empty (no header and no rows)", source=path, field="line 1")
    if columns:
        names = list(columns)
    else:
        names, cells, header_line, lines = cells[0], cells[1:], lines[0], lines[1:]
        seen: set[str] = set()
        for j, name in enumerate(names):
            if not name or name in seen:
                raise DataError(f"column names must be distinct and non-empty, got {name!r}", source=path,
                                field=f"line {header_line}, column {j + 1}")
            seen.add(name)
    if not cells:
        raise DataError("no data rows after the header", source=path, field=f"line {len(raw) + 1}")
    for row, line in zip(cells, lines):
        if len(row) != len(names):
            raise DataError(f"expected {len(names)} cells (as the {'columns key' if columns else 'header'}), got "
                            f"{len(row)}", source=path, field=f"line {line}, column {min(len(row), len(names)) + 1}")
        for j, cell in enumerate(row):
            if cell == "":
                raise DataError("empty cell (missing values are not supported)", source=path,
                                field=f"line {line}, column {names[j]!r}")
    return Table(str(path), names, cells, lines)


def _number(cell: str) -> float | None:
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


@dataclass
class Encoding:
    """How a table's columns become inputs: per feature column, None (numeric) or its sorted categories; and the
    sorted class labels of the target.

    >>> Encoding("t", {"age": None, "sex": ["F", "M"]}, ["a", "b"]).num_inputs
    2
    """

    target: str
    features: dict[str, list[str] | None]
    classes: list[str]

    @property
    def num_inputs(self) -> int:
        return sum(1 if c is None or len(c) == 2 else len(c) for c in self.features.values())

    def numeric_mask(self) -> np.ndarray:
        """True for inputs that come from numeric columns (the ones the task scales)."""
        return np.array([c is None for c in self.features.values()
                         for _ in range(1 if c is None or len(c) == 2 else len(c))], dtype=bool)


def _sort_labels(values: set[str]) -> list[str]:
    nums = {v: _number(v) for v in values}
    if all(n is not None for n in nums.values()):
        return sorted(values, key=lambda v: (nums[v], v))
    return sorted(values)


def fit_encoding(table: Table, target: str, categorical: list[str], field_prefix: str = "task") -> Encoding:
    """Decide numeric / categorical per column from the training table and collect categories and classes."""
    if target not in table.names:
        raise DataError(f"no target column {target!r} (columns: {', '.join(table.names)}); set [task] target",
                        source=table.path, field="line 1 (header)")
    for name in categorical:
        if name not in table.names:
            raise ConfigError(f"no column {name!r} in {table.path} (columns: {', '.join(table.names)})",
                              field=f"{field_prefix}.categorical")
    features: dict[str, list[str] | None] = {}
    for j, name in enumerate(table.names):
        if name == target:
            continue
        cells = [r[j] for r in table.rows]
        numbers = [_number(c) for c in cells]
        ok = sum(n is not None for n in numbers)
        if name not in categorical and 2 * ok > len(cells):
            for cell, n, line in zip(cells, numbers, table.lines):
                if n is None:
                    raise DataError(f"expected a number in the numeric column (most of its cells are numbers), got "
                                    f"{cell!r}", source=table.path, field=f"line {line}, column {name!r}")
            features[name] = None
        else:
            features[name] = _sort_labels(set(cells))
    classes = _sort_labels(set(table.column(target)))
    if len(classes) < 2:
        raise DataError(f"the target has one class ({classes[0]!r}): a classifier needs at least two",
                        source=table.path, field=f"lines {table.lines[0]}-{table.lines[-1]}, column {target!r}")
    return Encoding(target, features, classes)


def encode(table: Table, enc: Encoding) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (N, enc.num_inputs) float64 and class indices (N,) int64 of ``table`` under ``enc`` (fitted on the
    training table; a category or class it has not seen is an error naming its line and column).

    >>> t = Table("f.csv", ["sex", "age", "y"], [["M", "30", "a"], ["F", "40", "b"]], [2, 3])
    >>> x, y = encode(t, fit_encoding(t, "y", []))
    >>> x.tolist(), y.tolist()
    ([[1.0, 30.0], [-1.0, 40.0]], [0, 1])
    """
    missing = [n for n in (*enc.features, enc.target) if n not in table.names]
    if missing:
        raise DataError(f"no column {missing[0]!r} (the training data has it)", source=table.path,
                        field="line 1 (header)")
    blocks = []
    for name, cats in enc.features.items():
        cells = table.column(name)
        if cats is None:
            col = np.empty((len(cells), 1))
            for i, (cell, line) in enumerate(zip(cells, table.lines)):
                n = _number(cell)
                if n is None:
                    raise DataError(f"expected a number in the numeric column, got {cell!r}", source=table.path,
                                    field=f"line {line}, column {name!r}")
                col[i, 0] = n
            blocks.append(col)
            continue
        pos = {c: k for k, c in enumerate(cats)}
        codes = np.empty(len(cells), dtype=np.int64)
        for i, (cell, line) in enumerate(zip(cells, table.lines)):
            if cell not in pos:
                raise DataError(f"category {cell!r} is not in the training data ({', '.join(cats)})",
                                source=table.path, field=f"line {line}, column {name!r}")
            codes[i] = pos[cell]
        if len(cats) == 2:
            blocks.append((2.0 * codes - 1.0)[:, None])
        else:
            blocks.append(np.eye(len(cats))[codes])
    x = np.concatenate(blocks, axis=1) if blocks else np.zeros((len(table.rows), 0))
    labels = {c: k for k, c in enumerate(enc.classes)}
    y = np.empty(len(table.rows), dtype=np.int64)
    for i, (cell, line) in enumerate(zip(table.column(enc.target), table.lines)):
        if cell not in labels:
            raise DataError(f"class {cell!r} is not in the training data ({', '.join(enc.classes)})",
                            source=table.path, field=f"line {line}, column {enc.target!r}")
        y[i] = labels[cell]
    return x, y


def read_npz(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Arrays ``x`` (N, ...) float64 and labels ``y`` (N,) of an .npz file (no pickle)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise DataError("file not found", source=path, field="<file>") from None
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"not a readable .npz file without pickles ({' '.join(str(exc).split())[:80]})",
                        source=path, field="<file>") from None
    for key in ("x", "y"):
        if key not in arrays:
            raise DataError(f"no array {key!r} (the file has {', '.join(arrays) or 'none'}); expected x (N, ...) "
                            "and y (N,)", source=path, field=key)
    x, y = arrays["x"], arrays["y"]
    if x.ndim < 2 or len(x) == 0 or x.dtype.kind not in "iuf":
        raise DataError(f"expected a non-empty numeric array (N, features...), got {x.dtype} {x.shape}",
                        source=path, field="x")
    if y.shape != (len(x),) or y.dtype.kind not in "iuUS":
        raise DataError(f"expected {len(x)} integer or string labels, got {y.dtype} {y.shape}", source=path,
                        field="y")
    bad = ~np.isfinite(x.reshape(len(x), -1)).all(1)
    if bad.any():
        raise DataError("not a finite number", source=path, field=f"x[{int(np.argmax(bad))}]")
    return x.astype(np.float64), y


def _npz_labels(path: str, y: np.ndarray, classes: list[str] | None) -> tuple[np.ndarray, list[str]]:
    text = [str(v) for v in y.tolist()]
    if classes is None:
        classes = _sort_labels(set(text))
        if len(classes) < 2:
            raise DataError(f"the target has one class ({classes[0]!r}): a classifier needs at least two",
                            source=path, field="y")
    pos = {c: k for k, c in enumerate(classes)}
    for i, v in enumerate(text):
        if v not in pos:
            raise DataError(f"class {v!r} is not in the training data", source=path, field=f"y[{i}]")
    return np.array([pos[v] for v in text], dtype=np.int64), classes


@dataclass
class UserData:
    """A data file read, encoded and split: training and test inputs (float64, (N, *input_shape)), class indices,
    the classes, and which flat inputs are numeric (scaled by the task).

    >>> UserData(np.zeros((2, 3)), np.array([0, 1]), np.zeros((1, 3)), np.array([1]), ["a", "b"],
    ...          np.ones(3, bool)).input_shape
    (3,)
    """

    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    classes: list[str]
    numeric: np.ndarray

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.train_x.shape[1:])


@functools.lru_cache(maxsize=8)
def _load_cached(dataset: str, keys: tuple, test_fraction: float, split_seed: int) -> UserData:
    target, test_dataset, test_rows, categorical, columns = keys
    if Path(dataset).suffix.lower() == ".npz":
        x, y_raw = read_npz(dataset)
        y, classes = _npz_labels(dataset, y_raw, None)
        numeric = np.ones(math.prod(x.shape[1:]), dtype=bool)
        if test_dataset:
            tx, ty_raw = read_npz(test_dataset)
            if tx.shape[1:] != x.shape[1:]:
                raise DataError(f"expected inputs shaped {x.shape[1:]} as in {dataset}, got {tx.shape[1:]}",
                                source=test_dataset, field="x")
            return UserData(x, y, tx, _npz_labels(test_dataset, ty_raw, classes)[0], classes, numeric)
        return _split(dataset, x, y, classes, numeric, test_rows, test_fraction, split_seed)
    table = read_table(dataset, list(columns))
    enc = fit_encoding(table, target, list(categorical))
    x, y = encode(table, enc)
    if test_dataset:
        if Path(test_dataset).suffix.lower() == ".npz":
            raise ConfigError("a text dataset needs a text test file", field="task.test_dataset")
        tx, ty = encode(read_table(test_dataset, list(columns)), enc)
        return UserData(x, y, tx, ty, enc.classes, enc.numeric_mask())
    return _split(dataset, x, y, enc.classes, enc.numeric_mask(), test_rows, test_fraction, split_seed)


def _split(path: str, x: np.ndarray, y: np.ndarray, classes: list[str], numeric: np.ndarray, test_rows: int,
           test_fraction: float, split_seed: int) -> UserData:
    if test_rows:
        if test_rows >= len(y):
            raise ConfigError(f"{path} has {len(y)} rows: test_rows must leave some for training, got {test_rows}",
                              field="task.test_rows")
        return UserData(x[:-test_rows], y[:-test_rows], x[-test_rows:], y[-test_rows:], classes, numeric)
    from sklearn.model_selection import train_test_split

    try:
        x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_fraction, stratify=y,
                                                  random_state=split_seed)
    except ValueError as exc:
        raise ConfigError(f"cannot split {path} into stratified training and test sets ({exc})",
                          field="task.test_fraction") from None
    return UserData(x_tr, y_tr, x_te, y_te, classes, numeric)


def load_user_data(dataset: str, keys: DataFileKeys, test_fraction: float, split_seed: int) -> UserData:
    """Read, encode and split ``dataset`` as the ``[task]`` keys say (cached per process: arrays are shared, treat
    them as read-only)."""
    for name, path in (("dataset", dataset), ("test_dataset", keys.test_dataset)):
        if path and not Path(path).is_file():  # (a config error: the task file names a file that is not there)
            raise ConfigError(f"no such data file: {path}", field=f"task.{name}")
    key = (keys.target, keys.test_dataset, keys.test_rows, tuple(keys.categorical), tuple(keys.columns))
    return _load_cached(str(dataset), key, float(test_fraction), int(split_seed))


def scale(train_x: np.ndarray, test_x: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardize the chosen input columns (flat index mask) with the training mean and standard deviation
    (constant columns only centred).

    >>> a, b = scale(np.array([[0.0, 1.0], [2.0, -1.0]]), np.array([[4.0, 1.0]]), np.array([True, False]))
    >>> a.tolist(), b.tolist()
    ([[-1.0, 1.0], [1.0, -1.0]], [[3.0, 1.0]])
    """
    tr, te = train_x.copy(), test_x.copy()
    mean, std = tr[:, columns].mean(0), tr[:, columns].std(0)
    std = np.where(std > 0, std, 1.0)
    tr[:, columns] = (tr[:, columns] - mean) / std
    te[:, columns] = (te[:, columns] - mean) / std
    return tr, te


__all__ = ["DataFileKeys", "Table", "Encoding", "UserData", "read_table", "fit_encoding", "encode", "read_npz",
           "load_user_data", "is_data_file", "scale", "SUFFIXES"]
