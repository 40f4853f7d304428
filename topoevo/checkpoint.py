"""Checkpoints: one JSON file (no pickle) holding everything needed to continue a run bit-identically, written
atomically (temporary file + rename) after each checkpointed generation."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from topoevo.errors import CheckpointError, TopoevoError
from topoevo.genome.io import read_json, write_json_atomic

SCHEMA = "topoevo.checkpoint"
VERSION = 1
FILENAME = "checkpoint.json"
REQUIRED = {"config": dict, "seed": int, "algorithm": dict, "run": dict, "reporters": dict}


def write_checkpoint(run_dir: Path, data: dict[str, Any]) -> Path:
    path = Path(run_dir) / FILENAME
    write_json_atomic(path, {"schema": SCHEMA, "version": VERSION, **data}, indent=None)
    return path


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read and check the outer structure; a run directory may be given instead of the file."""
    path = Path(path)
    if path.is_dir():
        path = path / FILENAME
    data = read_json(path, CheckpointError)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise CheckpointError(f"not a topoevo checkpoint (expected schema {SCHEMA!r})", source=path, field="schema")
    if data.get("version") != VERSION:
        raise CheckpointError(f"unsupported version {data.get('version')!r} (this topoevo reads {VERSION})",
                              source=path, field="version")
    for key, kind in REQUIRED.items():
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            raise CheckpointError(f"missing or not {kind.__name__}", source=path, field=key)
    if not 0 <= data["seed"] < 2**64:
        raise CheckpointError(f"expected a seed in [0, 2**64), got {data['seed']}", source=path, field="seed")
    data["_path"] = str(path)
    return data


def restore_error(path: str | Path, exc: BaseException) -> TopoevoError:
    """A one-line error for an inconsistent checkpoint body (the key or value at fault when known)."""
    if isinstance(exc, TopoevoError):
        return exc
    if isinstance(exc, KeyError):
        return CheckpointError("missing field", source=path, field=f"algorithm.{exc.args[0]}")
    return CheckpointError(f"inconsistent checkpoint ({exc.__class__.__name__}: {exc})", source=path,
                           field="algorithm")
