"""Benchmark results files: ``benchmarks/results/<name>.json`` = the script's result object + a "meta" record.

Every benchmark script calls :func:`start` when it begins (the machine's load average before the work) and
:func:`write_results` at the end, then prints the same object (with its "meta") as its last line:

    >>> import tempfile, pathlib
    >>> session = start()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_results("demo", {"solved": 3}, ["benchmarks/demo.py", "--seeds", "3"], seeds=[0, 1, 2],
    ...                          session=session, directory=pathlib.Path(d))
    ...     data = read_results(path)
    >>> data["solved"], data["meta"]["seeds"], data["meta"]["command"]
    (3, '0-2', 'python benchmarks/demo.py --seeds 3')
    >>> sorted(data["meta"]) == sorted(META_KEYS)
    True

The meta record: commit (with ``+dirty`` when the worktree had uncommitted changes), date (UTC, ISO 8601),
command, seeds, machine (CPU model, cores), load average (1-minute; also 5 and 15) before and after.
``benchmarks/report.py`` renders RESULTS.md from these files only.
"""
from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from topoevo.files import write_json_atomic

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
META_KEYS = ("commit", "date", "command", "seeds", "machine", "load_before", "load_after", "source")


def load_average() -> list[float]:
    """The 1-, 5- and 15-minute load averages (empty where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return []


@dataclass
class Session:
    """When a benchmark began and the machine's load then (see :func:`start`).

    >>> Session().started_utc <= time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    True
    """

    started_utc: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    load_before: list[float] = field(default_factory=load_average)
    commit: str | None = None  # the code measured; None = read when the results are written


_session = Session()  # import time: a fallback when a script never calls start()


def start() -> Session:
    """Record the load average now (call before the measured work); :func:`write_results` uses it."""
    global _session
    _session = Session(commit=git_commit())
    return _session


def git_commit(root: Path = ROOT) -> str:
    """HEAD's short hash, ``+dirty`` when tracked files differ from it; "unknown" outside a git checkout."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def seeds_text(seeds: Iterable[int] | str | None) -> str | None:
    """Seeds as written in RESULTS.md: "0-19" for a range, "0, 3, 7" otherwise.

    >>> seeds_text(range(20)), seeds_text([1000, 1001, 1002]), seeds_text([0, 3]), seeds_text(None)
    ('0-19', '1000-1002', '0, 3', None)
    """
    if seeds is None or isinstance(seeds, str):
        return seeds
    s = sorted(int(x) for x in seeds)
    if not s:
        return ""
    if len(s) > 2 and s == list(range(s[0], s[-1] + 1)):
        return f"{s[0]}-{s[-1]}"
    return ", ".join(map(str, s))


def command_text(argv: list[str]) -> str:
    """``python <script relative to the repository> <args>``."""
    if not argv:
        return "python"
    script = Path(argv[0])
    try:
        script = script.resolve().relative_to(ROOT)
    except ValueError:
        pass
    return shlex.join(["python", script.as_posix(), *argv[1:]])


def write_results(name: str, obj: dict[str, Any], argv: list[str], seeds: Iterable[int] | str | None = None,
                  session: Session | None = None, directory: Path | None = None,
                  source: str | None = None) -> Path:
    """Add ``obj["meta"]`` (in place) and write ``obj`` to ``<directory>/<name>.json`` atomically; return the path.

    ``argv`` is the script's ``sys.argv``; ``session`` the :func:`start` record (default: the latest one);
    ``source`` says where converted figures came from (None for a measurement made now).
    """
    session = session or _session
    obj["meta"] = {"commit": session.commit or git_commit(), "date": session.started_utc,
                   "command": command_text(list(argv)), "seeds": seeds_text(seeds), "machine": {"cpu": cpu_model(), "cores": os.cpu_count()},
                   "load_before": session.load_before, "load_after": load_average(), "source": source}
    directory = RESULTS_DIR if directory is None else Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    write_json_atomic(path, obj)
    return path


def read_results(path: Path) -> dict[str, Any]:
    """One results file as a dict (a missing "meta" is an error: every results file has one)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        raise ValueError(f"{path}: not a results file (no 'meta' object)")
    return data


def print_last_line(obj: dict[str, Any]) -> None:
    """The benchmark's last line: the same object as its results file, one JSON line."""
    print(json.dumps(obj), flush=True)


__all__ = ["Session", "start", "write_results", "read_results", "print_last_line", "seeds_text", "RESULTS_DIR"]
