"""XOR (Stanley & Miikkulainen 2002 protocol): topoevo's tasks/xor.toml side by side with neat-python 2.0 running
its own XOR example config, seed by seed, in the same process.

    python benchmarks/xor.py --seeds 100

Evaluations are counted as in the paper: pop x (generations - 1) + index of the first genome whose four outputs
are on the correct side of 0.5. Wall time per run includes everything from building the population to the winner
(topoevo: the run loop with the batched PyTorch evaluation and its durable files -- the generation-0 and final
checkpoints, champion, summary; no progress bar). Fairness: both libraries run in this one process, one torch
thread, seed by seed alternating. The objects that exist after the imports and warm-ups (torch's ~170k) would be
walked by every full garbage collection of both libraries; ``--gc`` says who is spared that: ``peer`` (default)
freezes them (``gc.freeze``) only while neat-python runs, as if it ran in its own process without torch, while
topoevo pays what it pays in any process that imported torch; ``both`` freezes them for both (what a program
gets with ``gc.freeze()`` after its imports); ``none`` for neither. topoevo's run directory is in RAM
(``/dev/shm`` when it exists) so the figure is the library's time, not the disk's fsync latency (neat-python
writes no files; ``--run-dir`` puts them elsewhere). Also reported: process CPU time, and wall per solve (all
runs' wall time / solved runs). Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from topoevo.config import load_config  # noqa: E402
from topoevo.run import Run  # noqa: E402


def default_run_dir() -> str | None:
    """Where topoevo's run directories go: RAM when the machine has ``/dev/shm``, else the system temp dir."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def topoevo_xor(seed: int, task_file: Path = ROOT / "tasks" / "xor.toml", run_dir: str | None = None) -> dict:
    config = load_config(task_file, {"run": {"progress": False, "checkpoint_every": 0, "seed": seed}})
    with tempfile.TemporaryDirectory(dir=run_dir) as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        run = Run.start(config, out=Path(tmp) / "run", reporters=[])
        summary = run.loop()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    champ = run.champion
    return {"solved": summary.solved, "evals": summary.evaluations_to_solve, "generations": summary.generations,
            "hidden": champ.num_hidden if champ is not None else None, "wall_s": wall, "cpu_s": cpu}


def summarise(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["solved"]]
    evals = [r["evals"] for r in ok]
    return {"runs": len(runs), "solved": len(ok),
            "mean_evals": round(statistics.fmean(evals), 1) if evals else None,
            "median_evals": statistics.median(evals) if evals else None,
            "worst_evals": max(evals) if evals else None,
            "mean_hidden": round(statistics.fmean(r["hidden"] for r in ok), 3) if ok else None,
            "median_wall_s": round(statistics.median(r["wall_s"] for r in runs), 4),
            "median_cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 4),
            "wall_per_solve_s": round(sum(r["wall_s"] for r in runs) / len(ok), 4) if ok else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--no-peer", action="store_true", help="skip neat-python")
    ap.add_argument("--run-dir", default=default_run_dir(),
                    help="parent of topoevo's temporary run directories (default: /dev/shm when it exists)")
    ap.add_argument("--gc", choices=["peer", "both", "none"], default="peer",
                    help="whose runs have the imported objects frozen out of the garbage collector (see above)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)  # tiny tensors: threads only add contention on a shared 2-core machine
    topoevo_xor(10_000, run_dir=args.run_dir)  # warm-up: imports torch, first compile
    ours, theirs = [], []
    if not args.no_peer:
        from benchmarks.peers.neat_python_peer import xor_run
        xor_run(10_000, max_generations=5)  # warm-up: imports neat
    if args.gc != "none":
        gc.collect()
        gc.freeze()  # see the module docstring
    for seed in range(args.seeds):
        if args.gc == "peer":
            gc.unfreeze()
        ours.append(topoevo_xor(seed, run_dir=args.run_dir))
        if args.gc == "peer":
            gc.freeze()
        line = f"seed {seed:3d}: topoevo {ours[-1]['evals']} evals {ours[-1]['wall_s']:.3f} s " \
               f"(cpu {ours[-1]['cpu_s']:.3f} s)"
        if not args.no_peer:
            theirs.append(xor_run(seed))
            line += f" | neat-python {theirs[-1]['evals'] if theirs[-1]['solved'] else 'unsolved'} evals " \
                    f"{theirs[-1]['wall_s']:.3f} s (cpu {theirs[-1]['cpu_s']:.3f} s)"
        print(line, flush=True)
    result = summarise(ours)
    if theirs:
        result["neat_python"] = summarise(theirs)
        result["wall_ratio"] = round(result["neat_python"]["median_wall_s"] / result["median_wall_s"], 2)
        result["cpu_ratio"] = round(result["neat_python"]["median_cpu_s"] / result["median_cpu_s"], 2)
        result["wall_per_solve_ratio"] = round(result["neat_python"]["wall_per_solve_s"] / result["wall_per_solve_s"],
                                               2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
