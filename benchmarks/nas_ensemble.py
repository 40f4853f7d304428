"""Ensembles from an architecture search (``topoevo ensemble RUNDIR --top K``) on MNIST-1D: per seed, a Lamarckian
regularized-evolution run (tasks/mnist1d_lamarckian.toml, so the queue keeps its trained weights and nothing is
trained again) of ``--archs`` architectures; then the test accuracy of the top-K queue members' averaged softmax
against the best single member by validation accuracy. Last line: ``{"seeds", "top", "ensemble_test_acc",
"best_single_test_acc", "ensemble_wins"}``.

    nice -n 5 python benchmarks/nas_ensemble.py --seeds 3 --archs 30 --top 5
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def one_seed(seed: int, archs: int, top: int) -> dict[str, Any]:
    import torch

    from topoevo.config import load_config
    from topoevo.nas.ensemble import ensemble_run
    from topoevo.run import Run

    torch.set_num_threads(1)
    config = load_config(ROOT / "tasks" / "mnist1d_lamarckian.toml",
                         {"run": {"max_evaluations": archs, "progress": False, "checkpoint_every": 0}})
    with tempfile.TemporaryDirectory() as tmp:
        Run.start(config, out=Path(tmp) / "run", seed=seed, reporters=[]).loop()
        return ensemble_run(Path(tmp) / "run", top).to_dict()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--archs", type=int, default=30)
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--jobs", type=int, default=1)
    args = p.parse_args(argv)
    load_before = os.getloadavg()
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(one_seed, range(args.seeds), [args.archs] * args.seeds, [args.top] * args.seeds))
    for seed, r in enumerate(rows):
        print(f"seed {seed}: ensemble of {r['top']} {r['ensemble_test_accuracy']:.4f}, best single "
              f"{r['best_single_test_accuracy']:.4f}, members {[round(t, 3) for t in r['test_accuracy']]}")
    out = {"seeds": args.seeds, "top": args.top, "archs": args.archs,
           "ensemble_test_acc": [round(r["ensemble_test_accuracy"], 4) for r in rows],
           "best_single_test_acc": [round(r["best_single_test_accuracy"], 4) for r in rows]}
    out["ensemble_wins"] = int(sum(a > b for a, b in zip(out["ensemble_test_acc"], out["best_single_test_acc"])))
    from benchmarks.results_meta import write_results

    write_results("nas_ensemble", out, argv, list(range(args.seeds)), load_before)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
