"""Checkpoints: one JSON file (no pickle) holding everything needed to continue a run bit-identically, written
atomically (temporary file + fsync + rename) at generation 0 and after each checkpointed generation.

Crash safety: a run killed at any moment (even during a checkpoint write) resumes from its last complete checkpoint;
the JSONL logs are cut back to that checkpoint's generation on resume (topoevo/report/jsonl.py), so the resumed
run writes the same history as a run never stopped. :class:`StateReader` gives restoring code typed access to
checkpoint data with errors naming the field (``algorithm.species[2].members``).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from topoevo.errors import CheckpointError, TopoevoError
from topoevo.files import TEMP_SUFFIX, json_text, read_json, temp_prefix, write_bytes_atomic

SCHEMA = "topoevo.checkpoint"
VERSION = 1
FILENAME = "checkpoint.json"
REQUIRED = {"config": dict, "seed": int, "algorithm": dict, "run": dict, "reporters": dict}


def write_checkpoint(run_dir: Path, data: dict[str, Any]) -> Path:
    path = Path(run_dir) / FILENAME
    algorithm = data.get("algorithm")  # (its tables of base64 arrays: copied into the text without re-escaping)
    verbatim = [("algorithm", key) for key, value in algorithm.items() if isinstance(value, dict)] \
        if isinstance(algorithm, dict) else []
    text = json_text({"schema": SCHEMA, "version": VERSION, **data}, verbatim)
    write_bytes_atomic(path, text.encode("utf-8"))
    return path


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read and check the outer structure; a run directory may be given instead of the file."""
    path = Path(path)
    if path.is_dir():
        if not (path / FILENAME).exists():
            raise CheckpointError("file not found: not a run directory, or its run was killed before it wrote its "
                                  "first checkpoint (then delete the directory and start the run again)",
                                  source=path / FILENAME, field="<file>")
        path = path / FILENAME
    elif not path.exists():
        raise CheckpointError("no such run directory or checkpoint file", source=path, field="<file>")
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
    _upgrade(data)
    data["_path"] = str(path)
    return data


def _upgrade(data: dict[str, Any]) -> None:
    """Older layouts of the same version, read as today's: NEAT's species-champion rotation was kept by the run
    (``run.checked_species``); it is NEAT's own state now (``algorithm.checked_species``)."""
    run, algo = data["run"], data["algorithm"]
    checked = run.pop("checked_species", None)
    if checked is not None and algo.get("algorithm", "neat") == "neat" and "checked_species" not in algo:
        algo["checked_species"] = checked


def remove_stale_temporaries(run_dir: str | Path) -> list[Path]:
    """Delete the temporary files a killed process left behind in ``run_dir`` (half-written checkpoints, champions,
    logs being cut back); returns what was removed. Only names :func:`write_json_atomic` and the JSONL reporter
    make are touched."""
    removed = []
    for p in Path(run_dir).iterdir():
        stale = p.name.startswith(".") and p.name.endswith(TEMP_SUFFIX) and any(
            p.name.startswith(temp_prefix(name)) for name in (FILENAME, "champion.json", "summary.json",
                                                             "config.json", "stats.jsonl", "timing.jsonl"))
        if stale and p.is_file():
            os.unlink(p)
            removed.append(p)
    return removed


class StateReader:
    """Typed access to checkpoint data: every problem is a :class:`CheckpointError` naming the field.

    >>> r = StateReader("c.json")
    >>> r.int({"generation": 3}, "generation", "algorithm", minimum=0)
    3
    >>> try:
    ...     r.int({"generation": "3"}, "generation", "algorithm")
    ... except CheckpointError as e:
    ...     print(e)
    c.json: algorithm.generation: expected an integer, got '3'
    """

    def __init__(self, source: str | Path | None):
        self.source = None if source is None else str(source)

    def fail(self, field: str, message: str) -> CheckpointError:
        return CheckpointError(message, source=self.source, field=field)

    @staticmethod
    def name(where: str, key: str | int) -> str:
        if isinstance(key, int):
            return f"{where}[{key}]"
        return f"{where}.{key}" if where else key

    def value(self, d: Any, key: str | int, where: str) -> Any:
        if isinstance(key, int):
            if not isinstance(d, list):
                raise self.fail(where, f"expected a list, got {_short(d)}")
            if not 0 <= key < len(d):
                raise self.fail(self.name(where, key), "missing")
            return d[key]
        if not isinstance(d, dict):
            raise self.fail(where or "<top>", f"expected an object, got {_short(d)}")
        if key not in d:
            raise self.fail(self.name(where, key), "missing")
        return d[key]

    def int(self, d: Any, key: str | int, where: str, minimum: int | None = None, optional: bool = False) -> Any:
        v = self.value(d, key, where)
        if v is None and optional:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(self.name(where, key), f"expected an integer, got {_short(v)}")
        if minimum is not None and v < minimum:
            raise self.fail(self.name(where, key), f"expected an integer >= {minimum}, got {v}")
        return v

    def float(self, d: Any, key: str | int, where: str, optional: bool = False) -> Any:
        v = self.value(d, key, where)
        if v is None and optional:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise self.fail(self.name(where, key), f"expected a finite number, got {_short(v)}")
        return float(v)

    def bool(self, d: Any, key: str | int, where: str) -> bool:
        v = self.value(d, key, where)
        if not isinstance(v, bool):
            raise self.fail(self.name(where, key), f"expected true or false, got {_short(v)}")
        return v

    def str(self, d: Any, key: str | int, where: str, optional: bool = False) -> Any:
        v = self.value(d, key, where)
        if v is None and optional:
            return None
        if not isinstance(v, str):
            raise self.fail(self.name(where, key), f"expected a string, got {_short(v)}")
        return v

    def list(self, d: Any, key: str | int, where: str) -> list[Any]:
        v = self.value(d, key, where)
        if not isinstance(v, list):
            raise self.fail(self.name(where, key), f"expected a list, got {_short(v)}")
        return v

    def dict(self, d: Any, key: str | int, where: str, optional: bool = False) -> Any:
        v = self.value(d, key, where)
        if v is None and optional:
            return None
        if not isinstance(v, dict):
            raise self.fail(self.name(where, key), f"expected an object, got {_short(v)}")
        return v

    def generator(self, rng: Any, d: Any, key: str, where: str) -> None:
        """Restore the numpy generator ``rng`` from ``d[key]`` (a bit-generator state), checked by one draw."""
        state = self.dict(d, key, where)
        try:
            rng.bit_generator.state = state
            rng.bit_generator.random_raw()  # a bad state may only fail when used
            rng.bit_generator.state = state
        except (TypeError, ValueError, KeyError, OverflowError) as exc:
            raise self.fail(self.name(where, key), f"expected a PCG64 generator state ({exc.__class__.__name__}: "
                                                   f"{exc})") from None


def _short(v: Any) -> str:
    text = repr(v) if not isinstance(v, (dict, list)) else f"a{'n object' if isinstance(v, dict) else ' list'}"
    return text if len(text) <= 60 else text[:57] + "..."


def restore_error(path: str | Path, exc: BaseException, section: str = "algorithm") -> TopoevoError:
    """A one-line error for an inconsistent checkpoint body: ``section`` is the top-level key being restored
    (``algorithm``, ``run``, ``task``, ``reporters``); the key at fault is named when known."""
    if isinstance(exc, TopoevoError):
        return exc
    if isinstance(exc, KeyError):
        return CheckpointError("missing field", source=path, field=f"{section}.{exc.args[0]}")
    return CheckpointError(f"inconsistent checkpoint ({exc.__class__.__name__}: {exc})", source=path,
                           field=section)


@dataclass
class RunState:
    """The run loop's own part of a checkpoint (``run``): what :meth:`topoevo.run.Run.resume` restores.

    >>> read_run_state({"wall_s": 1.5, "solved": False, "evaluations_to_solve": None, "stop_reason": None},
    ...                "c.json", read_champion=None).wall_s
    1.5
    """

    wall_s: float
    solved: bool
    evaluations_to_solve: int | None
    stop_reason: str | None
    champion_test: dict[str, Any] | None = None
    task_file: str | None = None
    has_task_file: bool = False  # absent in checkpoints of configs built in Python by older versions
    champion: Any = None


def read_run_state(data: Any, source: str | Path, read_champion: Callable[..., Any]) -> RunState:
    """Check the ``run`` table of a checkpoint; ``read_champion(d, source=...)`` rebuilds the solving champion."""
    r, w = StateReader(source), "run"
    table = r.dict({"run": data}, "run", "")
    wall_s = r.float(table, "wall_s", w)
    if wall_s < 0:
        raise r.fail("run.wall_s", f"expected a number >= 0, got {wall_s}")
    state = RunState(wall_s, r.bool(table, "solved", w), r.int(table, "evaluations_to_solve", w, 0, optional=True),
                     r.str(table, "stop_reason", w, optional=True))
    if table.get("champion_test") is not None:
        state.champion_test = r.dict(table, "champion_test", w)
    if "task_file" in table:
        state.task_file, state.has_task_file = r.str(table, "task_file", w, optional=True), True
    if table.get("champion") is not None:
        state.champion = read_champion(table["champion"], source=f"{source}#run.champion")
    return state


def reporter_states(data: Any, source: str | Path) -> list[dict[str, Any]]:
    """The ``reporters.states`` list of a checkpoint (one object per reporter, in order)."""
    r = StateReader(source)
    states = r.list(data, "states", "reporters") if "states" in data else []
    return [r.dict(states, i, "reporters.states") for i in range(len(states))]
