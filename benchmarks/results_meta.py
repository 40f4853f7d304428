"""The "meta" block every results file carries (commit, date, command, seeds, machine, load before and after) and
the writer of ``benchmarks/results/<name>.json``. (A stand-in until ``benchmarks/results_io.py`` lands on main.)"""
from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count()}


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_results(name: str, obj: dict[str, Any], argv: list[str] | None, seeds: Any,
                  load_before: tuple[float, ...]) -> dict[str, Any]:
    """Add "meta" to ``obj``, write it to ``benchmarks/results/<name>.json`` and return it."""
    obj = dict(obj)
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    obj["meta"] = {"commit": commit(), "date": now,
                   "command": " ".join(["python", sys.argv[0], *(sys.argv[1:] if argv is None else argv)]),
                   "seeds": seeds, "machine": machine(), "load_before": list(load_before),
                   "load_after": list(os.getloadavg())}
    out = ROOT / "benchmarks" / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(obj, indent=1) + "\n")
    tmp.replace(out)
    return obj
