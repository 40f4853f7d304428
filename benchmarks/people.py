"""The people task (tasks/people_steady_state_ga.toml, data from tasks/data/people.csv): the steady-state deep GA
against Adam training the same 6-(10-10)-3 tanh network on the same 200 training rows; both scored on the 40
held-out rows.

Per seed: the GA runs ``--generations`` steady-state steps through the run loop (no early stop: the task's
solved_accuracy is switched off), its final champion (best training fitness) is tested once; Adam (minibatch 32,
learning rate 3e-3) trains the same network from the same initialiser for ``--epochs`` epochs and is tested once.
Neither side sees the test rows before its final test. The last line is one JSON object:
``{"seeds", "ga_test_acc", "adam_test_acc", "ga_mean", "adam_mean", "gap_points", "ga_evaluations", "ga_cpu_s",
"adam_cpu_s"}``.

    nice -n 5 python benchmarks/people.py --seeds 5
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TASK = ROOT / "tasks" / "people_steady_state_ga.toml"


def ga(seed: int, generations: int) -> dict[str, Any]:
    from topoevo.config import load_config
    from topoevo.run import Run
    from topoevo.search.population import compile_parameters

    config = load_config(TASK, {"run": {"generations": generations, "progress": False, "seed": seed},
                                "task": {"solved_accuracy": None}})
    c0 = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        run = Run.start(config, out=Path(tmp) / "run", reporters=[])
        run.loop()
        acc = float(run.task.test_scores(compile_parameters([run.current_champion()]))[0][0])
    return {"test_acc": acc, "evaluations": run.algo.evaluations, "cpu_s": time.process_time() - c0,
            "spec": run.algo.spec, "task": run.task, "init_scale": config.model.init_scale}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    import torch

    from topoevo.search.backprop import train_adam

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--generations", type=int, default=1000, help="steady-state GA steps (10 children each)")
    p.add_argument("--epochs", type=int, default=200, help="Adam epochs")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    load_before = os.getloadavg()
    rows = []
    for seed in range(args.seeds):
        g = ga(seed, args.generations)
        c0 = time.process_time()
        adam = train_adam(g["task"], g["spec"], seed=seed, epochs=args.epochs, learning_rate=3e-3, batch_size=32,
                          init_scale=g["init_scale"])
        rows.append({"seed": seed, "ga": g["test_acc"], "adam": adam.test_accuracy, "ga_evals": g["evaluations"],
                     "ga_cpu_s": g["cpu_s"], "adam_cpu_s": time.process_time() - c0})
        print(f"seed {seed}: GA {g['test_acc']:.3f} ({g['evaluations']} evals, {g['cpu_s']:.1f} CPU s), Adam "
              f"{adam.test_accuracy:.3f} (train {adam.train_accuracy:.3f})", flush=True)
    out = {"seeds": args.seeds, "generations": args.generations, "epochs": args.epochs,
           "ga_test_acc": [round(r["ga"], 4) for r in rows], "adam_test_acc": [round(r["adam"], 4) for r in rows]}
    out["ga_mean"] = round(float(np.mean(out["ga_test_acc"])), 4)
    out["adam_mean"] = round(float(np.mean(out["adam_test_acc"])), 4)
    out["gap_points"] = round(100 * (out["adam_mean"] - out["ga_mean"]), 2)
    out["ga_evaluations"] = [r["ga_evals"] for r in rows]
    out["ga_cpu_s"] = [round(r["ga_cpu_s"], 2) for r in rows]
    out["adam_cpu_s"] = [round(r["adam_cpu_s"], 2) for r in rows]
    from benchmarks.results_meta import write_results

    write_results("people", out, argv, list(range(args.seeds)), load_before)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
