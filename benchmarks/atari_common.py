"""What the Atari and self-play benchmarks share: the results file with its "meta" key (commit, date, command,
seeds, machine, load before and after), written atomically. (A small local writer: ``benchmarks/results_io.py``
was not on main when these benchmarks were written.)"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def meta(argv: list[str], seeds: list[int], load_before: tuple[float, ...]) -> dict[str, Any]:
    return {"commit": commit(), "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": " ".join(["python"] + argv), "seeds": seeds, "machine": machine(),
            "load_before": list(load_before), "load_after": list(os.getloadavg())}


def write_results(name: str, obj: dict[str, Any]) -> Path:
    from topoevo.genome.io import write_json_atomic

    path = RESULTS / f"{name}.json"
    write_json_atomic(path, obj)
    return path


def finish(name: str, result: dict[str, Any], argv: list[str], seeds: list[int],
           load_before: tuple[float, ...]) -> dict[str, Any]:
    """Add the meta key, write the results file, print the object as the last line."""
    result = {**result, "meta": meta(argv, seeds, load_before)}
    write_results(name, result)
    print(json.dumps(result), flush=True)
    sys.stdout.flush()
    return result
