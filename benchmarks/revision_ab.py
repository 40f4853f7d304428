"""CPU time of the XOR reference-path runs (the ablations of benchmarks/xor.py, which patch the readable genome
operations) at the commit before the array store and now, measured in the same session, alternating the two
sides: a load-robust check of issue 18's "nothing else slows" for the rows whose results files were measured
under different loads.

    python benchmarks/revision_ab.py [--before 1c5d760] [--seeds 10] [--rounds 2] [--cases no_reenable ...]

The before side is ``git archive <before>`` unpacked into a temporary directory (no worktree, nothing in .git
changes) and run with its own sources first on PYTHONPATH; both sides run ``benchmarks/xor.py --no-peer`` on the
same seeds and settings (their own results files go to a temporary name that is deleted). Per case: median CPU
per run on each side (process CPU of the runs, as xor.py measures it), the ratio now / before and whether the
evaluation counts are identical (same runs). Last line: one JSON object (also benchmarks/results/revision_ab.json).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results_io import print_last_line, start, write_results  # noqa: E402

#: case name -> xor.py arguments (tasks/xor_paper.toml and one switched rule, as in the ablation results files)
CASES = {"no_reenable": ["--ablation", "no_reenable"], "speciation_order": ["--ablation", "speciation_order"],
         "tie_smaller": ["--ablation", "tie_smaller"], "uniform": ["--draws", "uniform"]}
TMP_NAME = "revision_ab_tmp"


def export(commit: str, where: Path) -> Path:
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(where)
    return where


def run_side(src: Path, case: str, first_seed: int, seeds: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "NUMBA_NUM_THREADS": "1"}
    cmd = [sys.executable, "benchmarks/xor.py", "--no-peer", "--seeds", str(seeds), "--first-seed", str(first_seed),
           "--task", "tasks/xor_paper.toml", *CASES[case], "--name", TMP_NAME]
    out = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True, check=True).stdout
    (src / "benchmarks" / "results" / f"{TMP_NAME}.json").unlink(missing_ok=True)
    d = json.loads(out.strip().splitlines()[-1])
    return {"median_cpu_s": d["median_cpu_s"], "mean_evals": d["mean_evals"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="1c5d760")
    ap.add_argument("--seeds", type=int, default=10, help="seeds per round")
    ap.add_argument("--rounds", type=int, default=2, help="rounds per case (seeds 0.., then the next block)")
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = ap.parse_args()
    session = start()
    result: dict = {"before_commit": args.before, "cases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        before = export(args.before, Path(tmp) / "before")
        for case in args.cases:
            sides: dict[str, list[dict]] = {"before": [], "now": []}
            for r in range(args.rounds):
                for side, src in (("before", before), ("now", ROOT)):  # alternating
                    sides[side].append(run_side(src, case, r * args.seeds, args.seeds))
            b = statistics.median(x["median_cpu_s"] for x in sides["before"])
            n = statistics.median(x["median_cpu_s"] for x in sides["now"])
            result["cases"][case] = {
                "before_median_cpu_s": b, "now_median_cpu_s": n, "cpu_ratio_now_over_before": round(n / b, 3),
                "same_evaluations": [x["mean_evals"] for x in sides["before"]] ==
                                    [x["mean_evals"] for x in sides["now"]], "rounds": sides}
            print(case, json.dumps(result["cases"][case]), flush=True)
    write_results("revision_ab", result, sys.argv, seeds=range(args.rounds * args.seeds), session=session)
    print_last_line(result)


if __name__ == "__main__":
    main()
