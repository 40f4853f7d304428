"""Helpers shared by the RESULTS.md section modules: read a results file, say where it came from, draw a table.

>>> table(["a", "b"], [[1, 2.5]])
'| a | b |\\n| --- | --- |\\n| 1 | 2.5 |\\n'
>>> num(4755.0), num(0.97812, 3), num(None)
('4,755', '0.978', '-')
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence


def load(results_dir: Path, name: str) -> dict[str, Any] | None:
    """``<results_dir>/<name>.json`` or None when it does not exist yet."""
    path = Path(results_dir) / f"{name}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def not_measured(title: str, command: str, name: str) -> str:
    """The one-line section of a benchmark whose results file is missing."""
    return f"## {title}\n\n`{command}`: not yet measured (no `benchmarks/results/{name}.json`).\n"


def provenance(data: dict[str, Any]) -> str:
    """One line: when, at which commit, on which seeds and machine, under which load (or: converted from where)."""
    m = data.get("meta", {})
    machine = m.get("machine") or {}
    cpu = f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores" if machine else "machine not recorded"
    seeds = f", seeds {m['seeds']}" if m.get("seeds") else ""

    def load(x: Any) -> str:
        return f"{x[0]:g}" if isinstance(x, list) and x else "?"

    if is_legacy(data):
        return (f"*Converted, not re-measured this session*: figures of {m.get('date', '?')} at commit "
                f"{m.get('commit', '?')}{seeds}, copied by `benchmarks/convert_legacy.py` from {m['source']}.")
    written = f" Results written from {m['source']}." if m.get("source") else ""
    return (f"*Measured* {m.get('date', '?')} at commit {m.get('commit', '?')}{seeds}; {cpu}; load average "
            f"{load(m.get('load_before'))} before, {load(m.get('load_after'))} after.{written}")


def is_legacy(data: dict[str, Any]) -> bool:
    """Figures converted from the hand-written files of before the results files (not measured this session)."""
    return "(git " in str((data.get("meta") or {}).get("source") or "")


def command(data: dict[str, Any], default: str = "?") -> str:
    """The command that measured ``data`` (from its meta record)."""
    return str((data.get("meta") or {}).get("command") or default)


def num(x: Any, digits: int = 0) -> str:
    """A figure for a table: thousands separators, ``digits`` decimals, "-" for None."""
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (int, float)):
        return f"{x:,.{digits}f}"
    return str(x)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A markdown table; cells as given (use :func:`num` for figures)."""
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def json_line(data: dict[str, Any], drop: Sequence[str] = ("meta", "per_run", "runs_detail")) -> str:
    """The results object as one line of code (without meta and per-run lists), for readers who want every key."""
    return "`" + json.dumps({k: v for k, v in data.items() if k not in drop}) + "`"
