"""Tuning runs of benchmarks/nas_mo.py's variants on tuning seeds (>= 1000): one run per seed of a variant with
task-file overrides, appended as a row to benchmarks/results/nas_mo_tuning.json (the rows the RESULTS section's
tuning table shows). The reported runs (seeds 0..N-1) are nas_mo.py's.

    nice -n 5 python benchmarks/nas_mo_tune.py sh --tag keep0.4 --set '{"nas": {"halving_keep": 0.4}}' \\
        --seeds 1000-1004
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results" / "nas_mo_tuning.json"
KEYS = ("name", "tag", "seed", "archs", "over", "hv", "hv_kept", "best_acc_under_10k", "test_acc", "val_acc",
        "parameters", "evaluations", "cpu_s")


def seed_range(text: str) -> list[int]:
    """``"1000-1004"`` or ``"1000,1002"`` -> the seeds (tuning seeds must be >= 1000).

    >>> seed_range("1000-1002"), seed_range("1001,1003")
    ([1000, 1001, 1002], [1001, 1003])
    """
    if "-" in text:
        lo, hi = (int(x) for x in text.split("-"))
        seeds = list(range(lo, hi + 1))
    else:
        seeds = [int(x) for x in text.split(",")]
    if min(seeds) < 1000:
        raise SystemExit("tuning seeds are >= 1000 (seeds 0..N-1 are the reported ones)")
    return seeds


def write_rows(rows: list[dict[str, Any]], argv: list[str] | None, load_before: tuple[float, ...],
               note: str | None = None) -> dict[str, Any]:
    """Append ``rows`` (``run_one`` results plus tag/over/archs) to the tuning results file, with its meta."""
    from benchmarks.results_meta import write_results

    prev = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    old = prev.get("rows", [])
    new = [{k: (round(r[k], 4) if isinstance(r.get(k), float) else r.get(k)) for k in KEYS} for r in rows]
    notes = [n for n in (prev.get("note"), note) if n]  # (the notes of earlier rows stay)
    obj = {"rows": old + new, "note": " ".join(notes) or None}
    seeds = sorted({r["seed"] for r in obj["rows"]})
    return write_results("nas_mo_tuning", obj, argv, seeds, load_before)


def main(argv: list[str] | None = None) -> None:
    from benchmarks.nas_mo import FILES, run_one

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("name", choices=sorted(FILES))
    p.add_argument("--tag", required=True, help="the row label")
    p.add_argument("--set", default="{}", help="task-file overrides as JSON, e.g. '{\"nas\": {\"batch\": 1}}'")
    p.add_argument("--seeds", default="1000-1004")
    p.add_argument("--archs", type=int, default=40)
    p.add_argument("--note", default=None, help="a sentence about these rows, appended to the file's note")
    args = p.parse_args(argv)
    load_before = os.getloadavg()
    over = json.loads(args.set)
    rows = []
    for seed in seed_range(args.seeds):
        r = run_one(args.name, seed, args.archs, over)
        r.update(tag=args.tag, over=over, archs=args.archs)
        print(json.dumps(r), flush=True)
        rows.append(r)
    write_rows(rows, argv, load_before, args.note)


if __name__ == "__main__":
    main()
