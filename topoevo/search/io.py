"""Files and checkpoint data of parameter vectors, without pickle: the champion file (JSON: model spec, layout,
the flat parameter list, fitness, metadata) and exact array encoding (base64 of little-endian bytes) for checkpoints.
"""
from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any

import numpy as np

from topoevo.errors import CheckpointError, GenomeFileError
from topoevo.files import read_json, write_json_atomic
from topoevo.search.models import ModelSpec
from topoevo.search.params import DTYPE, ParameterLayout, ParameterVector

SCHEMA = "topoevo.parameters"
VERSION = 1
_DTYPES = {"float32": np.dtype("<f4"), "float64": np.dtype("<f8")}


# ---- arrays in checkpoints ------------------------------------------------------------------------------------------
def encode_array(a: np.ndarray) -> dict[str, Any]:
    """An array as plain JSON data that decodes bit-exactly.

    >>> x = np.array([[1.5, -2.0]], dtype=np.float32)
    >>> bool((decode_array(encode_array(x), "x") == x).all())
    True
    """
    name = a.dtype.name
    if name not in _DTYPES:
        raise ValueError(f"cannot encode dtype {name}")
    data = np.ascontiguousarray(a, dtype=_DTYPES[name]).tobytes()
    return {"dtype": name, "shape": list(a.shape), "base64": base64.b64encode(data).decode("ascii")}


def decode_array(d: Any, where: str, source: str | None = None, dtype: str | None = None,
                 shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Inverse of :func:`encode_array`, checking dtype, shape and finiteness (errors name ``where``)."""

    def fail(msg: str) -> CheckpointError:
        return CheckpointError(msg, source=source, field=where)

    if not isinstance(d, dict) or set(d) != {"dtype", "shape", "base64"}:
        raise fail("expected a table with keys dtype, shape, base64")
    if d["dtype"] not in _DTYPES or (dtype is not None and d["dtype"] != dtype):
        raise fail(f"expected dtype {dtype or ' or '.join(_DTYPES)}, got {d['dtype']!r}")
    dims = d["shape"]
    if not isinstance(dims, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in dims):
        raise fail(f"expected a shape (list of non-negative integers), got {dims!r}")
    if shape is not None and tuple(dims) != tuple(shape):
        raise fail(f"expected shape {list(shape)}, got {dims}")
    try:
        raw = base64.b64decode(d["base64"], validate=True)
    except (TypeError, ValueError):
        raise fail("expected base64 text") from None
    dt = _DTYPES[d["dtype"]]
    if len(raw) != math.prod(dims) * dt.itemsize:
        raise fail(f"expected {math.prod(dims) * dt.itemsize} bytes for shape {dims}, got {len(raw)}")
    arr = np.frombuffer(raw, dtype=dt).reshape(dims).astype(dt.newbyteorder("="))
    if not np.isfinite(arr).all():
        raise fail("expected finite numbers")
    return arr


def vector_to_dict(v: ParameterVector) -> dict[str, Any]:
    """A candidate as checkpoint data (bit-exact)."""
    return {"model": v.spec.to_dict(), "values": encode_array(v.values), "fitness": v.fitness}


def vector_from_dict(d: Any, where: str, source: str | None = None) -> ParameterVector:
    if not isinstance(d, dict) or set(d) != {"model", "values", "fitness"}:
        raise CheckpointError("expected a table with keys model, values, fitness", source=source, field=where)
    spec = ModelSpec.from_dict(d["model"], source, f"{where}.model", CheckpointError)
    values = decode_array(d["values"], f"{where}.values", source, "float32", (ParameterLayout.of(spec).size,))
    fitness = d["fitness"]
    if fitness is not None and (isinstance(fitness, bool) or not isinstance(fitness, (int, float))):
        raise CheckpointError(f"expected a number or null, got {fitness!r}", source=source, field=f"{where}.fitness")
    return ParameterVector(spec, values, None if fitness is None else float(fitness))


# ---- the champion file ----------------------------------------------------------------------------------------------
def parameters_to_dict(v: ParameterVector, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """The champion file's content: readable JSON, parameters as a flat list of numbers (exact float32 values)."""
    layout = v.layout
    return {
        "schema": SCHEMA, "version": VERSION, "model": v.spec.to_dict(),
        "layout": [{"name": n, "shape": list(s)} for n, s in zip(layout.names, layout.shapes)],
        "fitness": v.fitness, "num_parameters": layout.size,
        "parameters": [float(x) for x in v.values.astype(np.float64)],
        "metadata": dict(metadata or {}),
    }


def parameters_from_dict(d: Any, source: str | Path | None = None) -> tuple[ParameterVector, dict[str, Any]]:
    """Check and rebuild a champion file's content: (candidate, metadata). Errors name the file and field."""
    src = str(source) if source is not None else None

    def fail(msg: str, where: str) -> GenomeFileError:
        return GenomeFileError(msg, source=src, field=where)

    if not isinstance(d, dict) or d.get("schema") != SCHEMA:
        raise fail(f"not a parameter file (expected schema {SCHEMA!r})", "schema")
    if d.get("version") != VERSION:
        raise fail(f"unsupported version {d.get('version')!r} (this topoevo reads {VERSION})", "version")
    spec = ModelSpec.from_dict(d.get("model"), src, "model", GenomeFileError)
    layout = ParameterLayout.of(spec)
    want = [{"name": n, "shape": list(s)} for n, s in zip(layout.names, layout.shapes)]
    if "layout" in d and d["layout"] != want:
        raise fail("the parameter layout does not match the model (expected the tensors of the model, in order)",
                   "layout")
    values = d.get("parameters")
    if not isinstance(values, list) or len(values) != layout.size:
        raise fail(f"expected a list of {layout.size} numbers", "parameters")
    for i, x in enumerate(values):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise fail(f"expected a finite number, got {x!r}", f"parameters[{i}]")
    fitness = d.get("fitness")
    if fitness is not None and (isinstance(fitness, bool) or not isinstance(fitness, (int, float))):
        raise fail(f"expected a number or null, got {fitness!r}", "fitness")
    metadata = d.get("metadata", {})
    if not isinstance(metadata, dict):
        raise fail("expected a table", "metadata")
    vec = ParameterVector(spec, np.asarray(values, dtype=np.float64).astype(DTYPE),
                          None if fitness is None else float(fitness))
    return vec, metadata


def save_parameters(v: ParameterVector, path: str | Path, metadata: dict[str, Any] | None = None) -> None:
    """Write a champion file atomically.

    >>> # save_parameters(champion, "runs/x/champion.json", {"task": "gym"}); load_parameters("runs/x/champion.json")
    """
    write_json_atomic(path, parameters_to_dict(v, metadata))


def load_parameters(path: str | Path) -> tuple[ParameterVector, dict[str, Any]]:
    """Read a champion file: (candidate, metadata). ``candidate.to_module()`` gives the ``nn.Module``."""
    return parameters_from_dict(read_json(path, GenomeFileError), source=path)


def is_parameter_file(data: Any) -> bool:
    return isinstance(data, dict) and data.get("schema") == SCHEMA


__all__ = ["encode_array", "decode_array", "vector_to_dict", "vector_from_dict", "parameters_to_dict",
           "parameters_from_dict", "save_parameters", "load_parameters", "is_parameter_file"]
