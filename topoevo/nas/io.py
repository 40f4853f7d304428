"""Architectures, candidates and trained weights as JSON (no pickle): architecture files with a schema version, and
exact checkpoint data (weights as base64 of little-endian bytes)."""
from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any

import numpy as np

from topoevo.config.weights import Activation
from topoevo.errors import CheckpointError, GenomeFileError, TopoevoError
from topoevo.files import read_json, write_json_atomic
from topoevo.nas.arch import Architecture, ConvBlock, DenseBlock, PoolBlock, PoolKind, Reduce
from topoevo.nas.candidate import NASCandidate

SCHEMA = "topoevo.architecture"
VERSION = 1
_DTYPES = {"float32": np.dtype("<f4"), "int64": np.dtype("<i8")}


def architecture_to_dict(arch: Architecture) -> dict[str, Any]:
    """Plain JSON data; :func:`architecture_from_dict` gives back an equal architecture.

    >>> from topoevo.nas.arch import random_architecture, SearchSpace
    >>> a = random_architecture((1, 40), 10, SearchSpace(), np.random.default_rng(3))
    >>> architecture_from_dict(architecture_to_dict(a)) == a
    True
    """
    def block(b: Any) -> dict[str, Any]:
        if isinstance(b, ConvBlock):
            return {"type": "conv", "id": b.id, "channels": b.channels, "kernel": b.kernel, "stride": b.stride,
                    "activation": b.activation.value, "batch_norm": b.batch_norm, "residual": b.residual}
        if isinstance(b, PoolBlock):
            return {"type": "pool", "id": b.id, "kind": b.kind.value}
        return {"type": "dense", "id": b.id, "width": b.width, "activation": b.activation.value}

    return {"input_shape": list(arch.input_shape), "num_classes": arch.num_classes,
            "features": [block(b) for b in arch.features], "reduce": arch.reduce.value,
            "dense": [block(b) for b in arch.dense], "next_id": arch.next_id}


class _Reader:
    def __init__(self, source: str | None, error: type[TopoevoError]):
        self.source, self.error = source, error

    def fail(self, where: str, msg: str) -> TopoevoError:
        return self.error(msg, source=self.source, field=where)

    def get(self, d: Any, key: str, where: str) -> Any:
        if not isinstance(d, dict):
            raise self.fail(where, f"expected an object, got {type(d).__name__}")
        if key not in d:
            raise self.fail(f"{where}.{key}" if where else key, "missing")
        return d[key]

    def int(self, d: Any, key: str, where: str, minimum: int = 0) -> int:
        v = self.get(d, key, where)
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise self.fail(f"{where}.{key}", f"expected an integer >= {minimum}, got {v!r}")
        return v

    def bool(self, d: Any, key: str, where: str) -> bool:
        v = self.get(d, key, where)
        if not isinstance(v, bool):
            raise self.fail(f"{where}.{key}", f"expected true or false, got {v!r}")
        return v

    def enum(self, d: Any, key: str, where: str, kind: type) -> Any:
        v = self.get(d, key, where)
        try:
            return kind(v)
        except ValueError:
            raise self.fail(f"{where}.{key}", f"expected one of {', '.join(e.value for e in kind)}, got {v!r}") \
                from None

    def list(self, d: Any, key: str, where: str) -> list[Any]:
        v = self.get(d, key, where)
        if not isinstance(v, list):
            raise self.fail(f"{where}.{key}", f"expected a list, got {v!r}")
        return v


def architecture_from_dict(d: Any, source: str | None = None, where: str = "architecture",
                           error: type[TopoevoError] = GenomeFileError) -> Architecture:
    """Inverse of :func:`architecture_to_dict`; every problem is one ``error`` naming the field."""
    r = _Reader(source, error)
    shape = r.list(d, "input_shape", where)
    if len(shape) not in (2, 3) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in shape):
        raise r.fail(f"{where}.input_shape", f"expected [C, L] or [C, H, W] of positive integers, got {shape!r}")
    features: list[Any] = []
    for i, b in enumerate(r.list(d, "features", where)):
        w = f"{where}.features[{i}]"
        kind = r.get(b, "type", w)
        if kind == "conv":
            features.append(ConvBlock(r.int(b, "id", w), r.int(b, "channels", w, 1), r.int(b, "kernel", w, 1),
                                      r.int(b, "stride", w, 1), r.enum(b, "activation", w, Activation),
                                      r.bool(b, "batch_norm", w), r.bool(b, "residual", w)))
        elif kind == "pool":
            features.append(PoolBlock(r.int(b, "id", w), r.enum(b, "kind", w, PoolKind)))
        else:
            raise r.fail(f"{w}.type", f"expected 'conv' or 'pool', got {kind!r}")
    dense = []
    for i, b in enumerate(r.list(d, "dense", where)):
        w = f"{where}.dense[{i}]"
        if r.get(b, "type", w) != "dense":
            raise r.fail(f"{w}.type", f"expected 'dense', got {b.get('type')!r}")
        dense.append(DenseBlock(r.int(b, "id", w), r.int(b, "width", w, 1), r.enum(b, "activation", w, Activation)))
    arch = Architecture(tuple(shape), r.int(d, "num_classes", where, 1), tuple(features),
                        r.enum(d, "reduce", where, Reduce), tuple(dense), r.int(d, "next_id", where))
    problem = arch.problem()
    if problem is not None:
        raise r.fail(where, f"invalid architecture: {problem}")
    return arch


# ---- weights --------------------------------------------------------------------------------------------------------
def encode_state(state: dict[str, np.ndarray] | None) -> dict[str, Any] | None:
    """Trained weights (name -> array) as plain JSON data that decodes bit-exactly."""
    if state is None:
        return None
    out = {}
    for k, a in state.items():
        name = "int64" if a.dtype.kind in "iu" else "float32"
        raw = np.ascontiguousarray(a, dtype=_DTYPES[name]).tobytes()
        out[k] = {"dtype": name, "shape": list(a.shape), "base64": base64.b64encode(raw).decode("ascii")}
    return out


def decode_state(d: Any, where: str, source: str | None = None,
                 error: type[TopoevoError] = CheckpointError) -> dict[str, np.ndarray] | None:
    if d is None:
        return None
    r = _Reader(source, error)
    if not isinstance(d, dict):
        raise r.fail(where, "expected an object of arrays")
    state = {}
    for k, a in d.items():
        w = f"{where}.{k}"
        dtype = r.get(a, "dtype", w)
        shape = r.list(a, "shape", w)
        if not isinstance(dtype, str) or dtype not in _DTYPES \
                or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise r.fail(w, f"expected dtype float32 or int64 and a shape, got {dtype!r} {shape!r}")
        try:
            raw = base64.b64decode(r.get(a, "base64", w), validate=True)
        except (TypeError, ValueError):
            raise r.fail(f"{w}.base64", "expected base64 text") from None
        if len(raw) != math.prod(shape) * _DTYPES[dtype].itemsize:
            raise r.fail(w, f"expected {math.prod(shape) * _DTYPES[dtype].itemsize} bytes, got {len(raw)}")
        arr = np.frombuffer(raw, dtype=_DTYPES[dtype]).reshape(shape).astype(_DTYPES[dtype].newbyteorder("="))
        if not np.isfinite(arr).all():
            raise r.fail(w, "expected finite numbers")
        state[k] = arr
    return state


# ---- candidates -----------------------------------------------------------------------------------------------------
def candidate_to_dict(c: NASCandidate) -> dict[str, Any]:
    """A candidate as checkpoint data (weights included, bit-exact)."""
    return {"key": c.key, "architecture": architecture_to_dict(c.arch), "parent": c.parent, "mutation": c.mutation,
            "init_state": encode_state(c.init_state), "keep_weights": c.keep_weights, "fitness": c.fitness,
            "test_accuracy": c.test_accuracy, "state": encode_state(c.state), "latency_us": c.latency_us,
            "epochs": c.epochs, "rung": c.rung, "measure": c.measure,
            "stop_below": [[e, a] for e, a in c.stop_below], "curve": list(c.curve)}


def candidate_from_dict(d: Any, where: str = "candidate", source: str | None = None,
                        error: type[TopoevoError] = CheckpointError) -> NASCandidate:
    r = _Reader(source, error)
    parent = r.get(d, "parent", where)
    if parent is not None and (isinstance(parent, bool) or not isinstance(parent, int)):
        raise r.fail(f"{where}.parent", f"expected an integer or null, got {parent!r}")
    mutation = r.get(d, "mutation", where)
    if not isinstance(mutation, str):
        raise r.fail(f"{where}.mutation", f"expected a string, got {mutation!r}")
    numbers = {}
    for key in ("fitness", "test_accuracy", "latency_us"):
        v = r.get(d, key, where) if key != "latency_us" else d.get(key)  # (latency_us: optional, added later)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
            raise r.fail(f"{where}.{key}", f"expected a finite number or null, got {v!r}")
        numbers[key] = None if v is None else float(v)
    return NASCandidate(r.int(d, "key", where),
                        architecture_from_dict(r.get(d, "architecture", where), source, f"{where}.architecture",
                                               error),
                        parent, mutation, decode_state(r.get(d, "init_state", where), f"{where}.init_state", source,
                                                       error),
                        r.bool(d, "keep_weights", where), numbers["fitness"], numbers["test_accuracy"],
                        decode_state(r.get(d, "state", where), f"{where}.state", source, error),
                        numbers["latency_us"], _optional_epochs(r, d, where), _rung(r, d, where),
                        r.bool(d, "measure", where) if "measure" in d else True, _stop_below(r, d, where),
                        _curve(r, d, where))


def _optional_epochs(r: _Reader, d: dict[str, Any], where: str) -> int | None:
    v = d.get("epochs")
    if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
        raise r.fail(f"{where}.epochs", f"expected an integer >= 0 or null, got {v!r}")
    return v


def _accuracy(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1


def _stop_below(r: _Reader, d: dict[str, Any], where: str) -> list[tuple[int, float]]:
    """Optional (added with asynchronous successive halving): [[epoch, accuracy], ...]."""
    v = d.get("stop_below", [])
    if not isinstance(v, list) or not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], int)
                                          and not isinstance(p[0], bool) and p[0] >= 1 and _accuracy(p[1])
                                          for p in v):
        raise r.fail(f"{where}.stop_below", f"expected a list of [epoch >= 1, accuracy in [0, 1]], got {v!r}")
    return [(int(e), float(a)) for e, a in v]


def _curve(r: _Reader, d: dict[str, Any], where: str) -> list[float]:
    """Optional (added with asynchronous successive halving): validation accuracies in [0, 1]."""
    v = d.get("curve", [])
    if not isinstance(v, list) or not all(_accuracy(a) for a in v):
        raise r.fail(f"{where}.curve", f"expected a list of accuracies in [0, 1], got {v!r}")
    return [float(a) for a in v]


def _rung(r: _Reader, d: dict[str, Any], where: str) -> int:
    return r.int(d, "rung", where) if "rung" in d else 0


# ---- files ----------------------------------------------------------------------------------------------------------
def save_architecture(c: NASCandidate, path: str | Path, metadata: dict[str, Any] | None = None,
                      weights: bool = True) -> None:
    """An architecture file: the architecture, its figures, metadata and (if kept and ``weights``) its trained
    weights. Written atomically."""
    write_json_atomic(Path(path), {
        "schema": SCHEMA, "version": VERSION, "architecture": architecture_to_dict(c.arch),
        "summary": c.arch.describe(), "parameters": c.parameters, "fitness": c.fitness,
        "test_accuracy": c.test_accuracy, "key": c.key, "parent": c.parent,
        "weights": encode_state(c.state) if weights else None, "metadata": metadata or {}})


def load_architecture(path: str | Path) -> tuple[NASCandidate, dict[str, Any]]:
    """Read an architecture file: (candidate with architecture, figures and weights if stored, metadata)."""
    data = read_json(Path(path), GenomeFileError)
    src = str(path)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise GenomeFileError(f"not a topoevo architecture file (expected schema {SCHEMA!r})", source=src,
                              field="schema")
    if data.get("version") != VERSION:
        raise GenomeFileError(f"unsupported version {data.get('version')!r} (this topoevo reads {VERSION})",
                              source=src, field="version")
    arch = architecture_from_dict(data.get("architecture"), src)
    r = _Reader(src, GenomeFileError)
    key = data.get("key", 0)
    if isinstance(key, bool) or not isinstance(key, int) or key < 0:
        raise r.fail("key", f"expected an integer >= 0, got {key!r}")
    numbers = {}
    for name in ("fitness", "test_accuracy"):
        v = data.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
            raise r.fail(name, f"expected a finite number or null, got {v!r}")
        numbers[name] = None if v is None else float(v)
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise r.fail("metadata", f"expected an object, got {type(metadata).__name__}")
    cand = NASCandidate(key, arch, fitness=numbers["fitness"], test_accuracy=numbers["test_accuracy"],
                        state=decode_state(data.get("weights"), "weights", src, GenomeFileError))
    return cand, metadata


__all__ = ["architecture_to_dict", "architecture_from_dict", "candidate_to_dict", "candidate_from_dict",
           "encode_state", "decode_state", "save_architecture", "load_architecture", "SCHEMA", "VERSION"]
