"""Per-generation statistics as JSON lines: ``stats.jsonl`` (deterministic: same seed, same file) and
``timing.jsonl`` (wall-clock figures, which are not).

Crash safety: lines are appended before the generation's checkpoint is written (and fsynced right before it, see
:meth:`JSONLReporter.sync`); on resume every line of a generation at or past the checkpoint's generation, and a
torn last line, is cut off (atomically), so a run killed at any moment and resumed writes the same file as a run
never stopped.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from topoevo.files import write_bytes_atomic
from topoevo.report.base import Reporter, RunView


def truncate_jsonl(path: Path, before_generation: int) -> None:
    """Keep only the lines of generations < ``before_generation`` (what a resumed run will write again)."""
    if not path.exists():
        return
    data = path.read_bytes()
    keep: list[bytes] = []
    for line in data.split(b"\n"):
        try:
            generation = json.loads(line)["generation"]
        except (ValueError, KeyError, TypeError, IndexError):  # a torn last line from a crash (or not a record)
            break
        if not isinstance(generation, int) or generation >= before_generation:
            break
        keep.append(line + b"\n")
    text = b"".join(keep)
    if text == data:
        return  # nothing to cut: leave the file (and its modification time) alone
    write_bytes_atomic(path, text)


def append_line(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line (a single write: a killed process leaves whole lines or one torn last line)."""
    with path.open("ab") as f:
        f.write((json.dumps(record, sort_keys=True) + "\n").encode())


def fsync_file(path: Path) -> None:
    if path.exists():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class JSONLReporter(Reporter):
    """Appends one line per generation to ``stats.jsonl`` and ``timing.jsonl`` in the run directory.

    >>> # Run.start(config, out="runs/x", reporters=[JSONLReporter()]).loop()  -> runs/x/stats.jsonl
    """

    def __init__(self) -> None:
        self.stats_path: Path | None = None
        self.timing_path: Path | None = None

    def start(self, run: RunView, resumed: bool) -> None:
        self.stats_path = run.run_dir / "stats.jsonl"
        self.timing_path = run.run_dir / "timing.jsonl"
        for p in (self.stats_path, self.timing_path):
            truncate_jsonl(p, run.generation)

    def generation(self, run: RunView, record: dict[str, Any], timing: dict[str, float]) -> None:
        assert self.stats_path is not None and self.timing_path is not None, "start() first"
        append_line(self.stats_path, record)
        append_line(self.timing_path, {"generation": record["generation"], **timing})

    def sync(self) -> None:
        """Put the lines on disk; the run calls this before each checkpoint, which counts them (power-cut safety:
        a SIGKILL loses nothing the kernel has already received)."""
        for path in (self.stats_path, self.timing_path):
            if path is not None:
                fsync_file(path)
