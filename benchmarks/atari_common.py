"""What the Atari and self-play benchmarks share: the results file with its "meta" key (commit, date, command,
seeds, machine, load before and after), written atomically. (Written through ``benchmarks/results_io.py``.)"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.results_io import Session, write_results

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def finish(name: str, result: dict[str, Any], argv: list[str], seeds: list[int],
           load_before: tuple[float, ...]) -> dict[str, Any]:
    """Add the meta key, write the results file, print the object as the last line."""
    result = dict(result)
    write_results(name, result, argv, seeds=seeds, session=Session(load_before=list(load_before)))
    print(json.dumps(result), flush=True)
    sys.stdout.flush()
    return result
