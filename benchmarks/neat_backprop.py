"""NEAT + backprop: plain NEAT against Baldwinian and Lamarckian NEAT + Adam on the same supervised task, at equal
numbers of generations, over several seeds.

All three run the ``supervised_backprop`` task through the one run loop (``topoevo.run.Run``, in-process
evaluator) with the same NEAT settings and the same fitness: minus the validation cross-entropy (the validation
split is a quarter of the training set; the test set is never seen during evolution).

- plain: ``steps = 0`` (no training; the genomes' evolved weights are scored as they are);
- baldwinian: each genome is fine-tuned by ``--steps`` Adam steps before scoring; the genome keeps its evolved
  weights;
- lamarckian: the same, and the trained weights and biases are written back into the genome (inherited).

Figures per run (champion = the best genome ever scored, by validation fitness): its test accuracy as the run
would use it: plain and Lamarckian as they are, Baldwinian after the same fine-tuning (``champion_seed``); also the
Baldwinian champion's untrained test accuracy and the plain champion's test accuracy after the same fine-tuning
(learning applied only once evolution is over). Wall time per run is a ratio figure only (shared machine).

The last line is one JSON object: ``{"<dataset>": {"seeds", "generations", "pop_size", "steps", "plain_test_acc":
[..], "plain_finetuned_test_acc": [..], "baldwinian_test_acc": [..], "baldwinian_untrained_test_acc": [..],
"lamarckian_test_acc": [..], "<mode>_val_fitness": [..], "<mode>_hidden": [..], "wall_s_per_run": {mode: mean}},
...}``.

    python benchmarks/neat_backprop.py --seeds 3
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("benchmarks.neat_backprop")

DATASETS: dict[str, dict[str, Any]] = {
    # batch_size 0: full-batch Adam on the fitting split; 64: minibatches drawn from each genome's seed
    "wine": {"dataset": "wine", "scaling": "standardize", "batch_size": 0},
    "digits": {"dataset": "digits", "scaling": "unit", "batch_size": 64},
}
MODES = {"plain": ("lamarckian", False), "baldwinian": ("baldwinian", True), "lamarckian": ("lamarckian", True)}


def config(dataset: str, mode: str, seed: int, generations: int, pop: int, steps: int, lr: float) -> Any:
    from topoevo.config import Config

    inheritance, trains = MODES[mode]
    return Config.from_dict({
        "task": {"name": "supervised_backprop", **DATASETS[dataset], "metric": "neg_cross_entropy",
                 "inheritance": inheritance, "steps": steps if trains else 0, "learning_rate": lr},
        "run": {"seed": seed, "generations": generations, "checkpoint_every": 0, "progress": False},
        "neat": {"pop_size": pop},
        "genome": {"activation": "tanh", "activation_options": ["tanh"], "output_activation": "identity",
                   "weight_min": -8.0, "weight_max": 8.0, "bias_min": -8.0, "bias_max": 8.0},
        "mutation": {"add_node_rate": 0.1, "add_connection_rate": 0.2}})


def one_run(dataset: str, mode: str, seed: int, generations: int, pop: int, steps: int, lr: float,
            out: Path) -> dict[str, Any]:
    from topoevo.nn import CompiledPopulation
    from topoevo.run import Run
    from topoevo.tasks.backprop_neat import BackpropNEATTask

    t0 = time.perf_counter()
    run = Run.start(config(dataset, mode, seed, generations, pop, steps, lr), out=out / f"{dataset}-{mode}-{seed}",
                    reporters=[])
    summary = run.loop()
    wall = time.perf_counter() - t0
    champ = run.algo.best
    task: BackpropNEATTask = run.task
    policy = CompiledPopulation([champ])
    as_is = float(task.test_scores(policy)[0][0])
    trainer = BackpropNEATTask(dataclasses.replace(task.params, steps=steps))
    finetuned = float(task.test_scores(trainer.trained_policy(policy))[0][0])
    row = {"val_fitness": float(champ.fitness), "hidden": champ.num_hidden, "wall_s": wall,
           "generations": summary.generations}
    if mode == "baldwinian":
        row.update(test_acc=finetuned, untrained_test_acc=as_is)
    elif mode == "plain":
        row.update(test_acc=as_is, finetuned_test_acc=finetuned)
    else:
        row.update(test_acc=as_is)
    log.info("%s %s seed %d: test acc %.4f, validation fitness %.4f, hidden %d, %.1f s", dataset, mode, seed,
             row["test_acc"], row["val_fitness"], row["hidden"], wall)
    return row


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--generations", type=int, default=15)
    p.add_argument("--pop", type=int, default=50)
    p.add_argument("--steps", type=int, default=20, help="Adam steps per evaluation (baldwinian, lamarckian)")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--datasets", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    from benchmarks.results_io import start, write_results

    start()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import torch

    torch.set_num_threads(args.threads)
    from topoevo.tasks.backprop_neat import BackpropNEATTask, BackpropParams
    from topoevo.tasks.supervised import Dataset

    for dataset in args.datasets:  # warm-up outside the timed runs: imports and the dataset loaders
        BackpropNEATTask(BackpropParams(dataset=Dataset(DATASETS[dataset]["dataset"])))
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for dataset in args.datasets:
            rows = {m: [one_run(dataset, m, s, args.generations, args.pop, args.steps, args.lr, Path(tmp))
                        for s in range(args.seeds)] for m in MODES}
            r: dict[str, Any] = {"seeds": args.seeds, "generations": args.generations, "pop_size": args.pop,
                                 "steps": args.steps}
            for m, runs in rows.items():
                r[f"{m}_test_acc"] = [round(x["test_acc"], 4) for x in runs]
                r[f"{m}_val_fitness"] = [round(x["val_fitness"], 4) for x in runs]
                r[f"{m}_hidden"] = [x["hidden"] for x in runs]
            r["plain_finetuned_test_acc"] = [round(x["finetuned_test_acc"], 4) for x in rows["plain"]]
            r["baldwinian_untrained_test_acc"] = [round(x["untrained_test_acc"], 4) for x in rows["baldwinian"]]
            r["wall_s_per_run"] = {m: round(float(np.mean([x["wall_s"] for x in runs])), 2) for m, runs in rows.items()}
            for m in MODES:
                log.info("%s %s: mean test accuracy %.4f", dataset, m, float(np.mean(r[f"{m}_test_acc"])))
            result[dataset] = r
    write_results("neat_backprop", result, sys.argv if argv is None else [__file__, *argv],
                  seeds=range(args.seeds))
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
