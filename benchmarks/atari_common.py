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


def seed_list(seeds: Any) -> list[int]:
    """The seeds of a results file's meta record, which keeps them as text ("0-19", "0, 3") or, in older files, as
    a list.

    >>> seed_list("0-2"), seed_list("0, 3"), seed_list([1, 0]), seed_list("5")
    ([0, 1, 2], [0, 3], [0, 1], [5])
    """
    if isinstance(seeds, list):
        return sorted(int(s) for s in seeds)
    out: list[int] = []
    for part in str(seeds).split(","):
        first, _, last = part.strip().partition("-")
        out += list(range(int(first), int(last or first) + 1))
    return sorted(out)


def finish(name: str, result: dict[str, Any], argv: list[str], seeds: list[int],
           load_before: tuple[float, ...]) -> dict[str, Any]:
    """Add the meta key, write the results file, print the object as the last line."""
    result = dict(result)
    write_results(name, result, argv, seeds=seeds, session=Session(load_before=list(load_before)))
    print(json.dumps(result), flush=True)
    sys.stdout.flush()
    return result
