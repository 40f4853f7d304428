"""XOR (Stanley & Miikkulainen 2002 protocol): topoevo's tasks/xor.toml side by side with neat-python 2.0 running
its own XOR example config, seed by seed, in the same process.

    python benchmarks/xor.py --seeds 100

Evaluations are counted as in the paper: pop x (generations - 1) + index of the first genome whose four outputs
are on the correct side of 0.5. Wall time per run includes everything from building the population to the winner
(topoevo: the run loop with the batched PyTorch evaluation; no progress bar, checkpoint only at the end).
Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import json
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


def topoevo_xor(seed: int, task_file: Path = ROOT / "tasks" / "xor.toml") -> dict:
    config = load_config(task_file, {"run": {"progress": False, "checkpoint_every": 0, "seed": seed}})
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run = Run.start(config, out=Path(tmp) / "run", reporters=[])
        summary = run.loop()
        wall = time.perf_counter() - t0
    champ = run.champion
    return {"solved": summary.solved, "evals": summary.evaluations_to_solve, "generations": summary.generations,
            "hidden": champ.num_hidden if champ is not None else None, "wall_s": wall}


def summarise(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["solved"]]
    evals = [r["evals"] for r in ok]
    return {"runs": len(runs), "solved": len(ok),
            "mean_evals": round(statistics.fmean(evals), 1) if evals else None,
            "median_evals": statistics.median(evals) if evals else None,
            "worst_evals": max(evals) if evals else None,
            "mean_hidden": round(statistics.fmean(r["hidden"] for r in ok), 3) if ok else None,
            "median_wall_s": round(statistics.median(r["wall_s"] for r in runs), 4)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--no-peer", action="store_true", help="skip neat-python")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)  # tiny tensors: threads only add contention on a shared 2-core machine
    topoevo_xor(10_000)  # warm-up: imports torch, first compile
    ours, theirs = [], []
    if not args.no_peer:
        from benchmarks.peers.neat_python_peer import xor_run
    for seed in range(args.seeds):
        ours.append(topoevo_xor(seed))
        line = f"seed {seed:3d}: topoevo {ours[-1]['evals']} evals {ours[-1]['wall_s']:.3f} s"
        if not args.no_peer:
            theirs.append(xor_run(seed))
            line += f" | neat-python {theirs[-1]['evals'] if theirs[-1]['solved'] else 'unsolved'} evals " \
                    f"{theirs[-1]['wall_s']:.3f} s"
        print(line, flush=True)
    result = summarise(ours)
    if theirs:
        result["neat_python"] = summarise(theirs)
        result["wall_ratio"] = round(result["neat_python"]["median_wall_s"] / result["median_wall_s"], 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
