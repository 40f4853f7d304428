"""Multi-objective and low-fidelity architecture search on MNIST-1D.

Per seed, three runs of the one run loop (``topoevo.run.Run``, in-process evaluator, torch on one thread), every
architecture trained by Adam (one-cycle, 4 epochs unless halved) exactly as in benchmarks/nas.py:
- ``nsga2``: tasks/mnist1d_nsga2.toml (P = 10, one child per generation, objectives validation error and
  parameters, hypervolume contributions as the second criterion), ``--archs`` trained architectures; with
  ``--exact`` also ``nsga2_deb``, Deb et al.'s generational form (10 children per generation, crowding distance);
- ``rea``: tasks/mnist1d_rea.toml (regularized evolution, P = 10, S = 3, one child per generation, accuracy only),
  the same space, training and number of trained architectures; it is also the "full training" side below, unless
  ``--full-archs`` differs from ``--archs``: then ``full`` is one more regularized-evolution run per seed with
  ``--full-archs`` architectures (so that the halving comparison need not move with the NSGA-II budget);
- ``sh``: tasks/mnist1d_halving.toml: regularized evolution with asynchronous successive halving proposing
  ``--sh-archs`` new architectures (48 in the reported runs), each set to train the same 4 epochs on the same
  schedule as ``rea``'s, stopped after epoch 1 or 2 unless its validation accuracy there is among the best 30% of
  the last 10 new architectures that reached it; only finished ones enter the queue; the champion is the best of
  those that finished (trained exactly as ``rea`` trains). With
  ``halving_mode = "synchronous"`` (overrides) the budget is counted in trainings (every rung one):
  :func:`halving_evaluations`.

Figures per seed:
- hypervolume of validation error x parameters over every architecture the run trained, objectives divided by
  the fixed reference point (error 1, 100,000 parameters = the space's max_parameters): ``nsga2_hv``, ``rea_hv``;
- best test accuracy under 10k parameters: the test accuracy of the architecture with the best validation accuracy
  among those with <= 10,000 parameters (0 when a run trained none): ``*_best_acc_under_10k``;
- successive halving against full training: test accuracy of each run's best-by-validation architecture
  (``sh_test_acc``, ``full_test_acc``) and the run's CPU seconds (``sh_cpu_s``, ``full_cpu_s``, process time of the
  worker that ran it; the dataset is generated before the clock starts).
Test accuracy is never used for selection. The last line is one JSON object with those keys (plus means and win
counts); the same object, with "meta", goes to benchmarks/results/nas_mo.json.

    nice -n 5 python benchmarks/nas_mo.py --seeds 5 --archs 40 --sh-archs 48 --full-archs 40

``--seed-start`` and ``--name`` run other seeds into another results file (e.g. fresh seeds 5-9); ``--sh-set`` runs
a halving variant beside the task file's (task-file overrides of the ``sh`` runs, as in benchmarks/nas_mo_tune.py).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

TASKS = ROOT / "tasks"
FILES = {"nsga2": "mnist1d_nsga2.toml", "rea": "mnist1d_rea.toml", "sh": "mnist1d_halving.toml",
         "nsga2_deb": "mnist1d_nsga2.toml", "full": "mnist1d_rea.toml"}
# the paper-exact NSGA-II row (Deb et al. 2002): generational, P children per generation, crowding distance
VARIANT_OVERRIDES = {"nsga2_deb": {"nas": {"batch": 10, "nsga2_diversity": "crowding", "nsga2_parents": "diversity",
                                           "nsga2_tournament": 2}}}
REFERENCE = (1.0, 100_000.0)  # error, parameters
SMALL = 10_000


def halving_evaluations(archs: int, population: int, batch: int, keep: float) -> int:
    """Trainings successive halving spends on ``archs`` new architectures with two rungs: every new one once, plus
    the promotions (``ceil(keep * n)`` of each generation of n)."""
    children = archs - population
    gens, rest = divmod(children, batch)
    promoted = math.ceil(keep * population) + gens * math.ceil(keep * batch) + (math.ceil(keep * rest) if rest else 0)
    return archs + promoted


def run_one(name: str, seed: int, archs: int, overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """One run of ``name``'s task file on ``seed`` (``overrides``: extra task-file tables, for tuning on seeds
    >= 1000)."""
    import torch

    from topoevo.config import load_config
    from topoevo.nas.pareto import hypervolume
    from topoevo.run import Run

    torch.set_num_threads(1)
    extra = {k: dict(v) for k, v in VARIANT_OVERRIDES.get(name, {}).items()}
    for k, v in (overrides or {}).items():
        extra[k] = {**extra.get(k, {}), **v}

    def load(budget: int) -> Any:
        return load_config(TASKS / FILES[name], {**extra, "run": {**extra.get("run", {}), "max_evaluations": budget,
                                                                  "progress": False, "checkpoint_every": 0}})

    nas = load(1).nas
    synchronous = name == "sh" and nas.halving_mode.value == "synchronous"  # (asynchronous: one training per arch)
    budget = halving_evaluations(archs, nas.population, nas.batch, nas.halving_keep) if synchronous else archs
    config = load(budget)
    config.task.params.splits()  # (generated once per process, outside the timing: the first run would pay it)
    t0, c0 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        run = Run.start(config, out=Path(tmp) / "run", seed=seed, reporters=[])
        run.loop()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    hist = run.algo.history  # key, parent, mutation, fitness, test_accuracy, parameters, generation
    if name == "sh":  # only fully trained rows count as results (earlier rungs measure no test accuracy)
        hist = [row for row in hist if row[4] is not None]
    f = np.array([[1.0 - h[3], h[5]] for h in hist], dtype=float)
    hv = hypervolume(f / np.array(REFERENCE), np.ones(2))
    small = [h for h in hist if h[5] <= SMALL]
    best_small = max(small, key=lambda h: h[3])[4] if small else 0.0
    best = run.algo.best
    kept = np.array([[1.0 - c.fitness, c.parameters] for c in run.algo.kept()], dtype=float).reshape(-1, 2)
    hv_kept = hypervolume(kept / np.array(REFERENCE), np.ones(2))  # final population / queue only
    return {"name": name, "seed": seed, "hv": hv, "hv_kept": hv_kept, "best_acc_under_10k": best_small, "test_acc": best.test_accuracy,
            "val_acc": best.fitness, "parameters": best.parameters, "evaluations": run.algo.evaluations,
            "new_archs": len({h[0] for h in run.algo.history}), "cpu_s": cpu, "wall_s": wall}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--seed-start", type=int, default=0,
                   help="first seed (seeds --seed-start .. --seed-start + --seeds - 1; 0 = the reported seeds 0..N-1)")
    p.add_argument("--name", default="nas_mo",
                   help="results file benchmarks/results/<name>.json (keep other seed ranges apart from nas_mo)")
    p.add_argument("--archs", type=int, default=40, help="new architectures per run")
    p.add_argument("--sh-archs", type=int, default=None,
                   help="new architectures of the successive-halving run (default --archs): it is compared at CPU "
                        "time, not at trained architectures")
    p.add_argument("--full-archs", type=int, default=None,
                   help="new architectures of the full-training run that successive halving is compared with "
                        "(default --archs: the regularized-evolution run itself; otherwise one more "
                        "regularized-evolution run per seed)")
    p.add_argument("--sh-set", default=None,
                   help="task-file overrides of the successive-halving run as JSON (a variant reported beside the "
                        "task file's), e.g. '{\"nas\": {\"halving_initial\": \"full\"}}'")
    p.add_argument("--exact", action="store_true", help="also run the paper-exact NSGA-II (generational, crowding)")
    p.add_argument("--jobs", type=int, default=1, help="runs in parallel (processes, one torch thread each)")
    args = p.parse_args(argv)
    load_before = os.getloadavg()
    full_archs = args.full_archs or args.archs
    names = ["nsga2", "rea", "sh", *(["nsga2_deb"] if args.exact else []),
             *(["full"] if full_archs != args.archs else [])]
    sh_archs = args.sh_archs or args.archs
    archs = {"sh": sh_archs, "full": full_archs}
    over = {"sh": json.loads(args.sh_set)} if args.sh_set else {}
    results: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    seeds = range(args.seed_start, args.seed_start + args.seeds)
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_one, n, s, archs.get(n, args.archs), over.get(n)) for s in seeds for n in names]
        for fut in futures:
            r = fut.result()
            results[r["name"]].append(r)
            print(json.dumps(r), flush=True)  # (one run per line: runs are independent, a log can be reused)
    return summarise(results, args.seeds, args.archs, argv, load_before, sh_archs=sh_archs, full_archs=full_archs,
                     seed_start=args.seed_start, name=args.name)


def summarise(results: dict[str, list[dict[str, Any]]], seeds: int, archs: int, argv: list[str] | None,
              load_before: tuple[float, ...], note: str | None = None, sh_archs: int | None = None,
              full_archs: int | None = None, seed_start: int = 0, name: str = "nas_mo") -> dict[str, Any]:
    """The results object from the runs (``run_one`` dicts by name), written with its meta record; the full-training
    side is the ``full`` runs when there are any (``--full-archs`` differs from ``--archs``), else ``rea``'s."""
    for n in results:
        results[n].sort(key=lambda r: r["seed"])

    def col(name: str, key: str, digits: int = 4) -> list[float | None]:
        return [None if r.get(key) is None else round(float(r[key]), digits) for r in results[name]]

    full = "full" if results.get("full") else "rea"
    out: dict[str, Any] = {
        "nsga2_hv": col("nsga2", "hv"), "rea_hv": col("rea", "hv"),
        "nsga2_best_acc_under_10k": col("nsga2", "best_acc_under_10k"),
        "rea_best_acc_under_10k": col("rea", "best_acc_under_10k"),
        "sh_test_acc": col("sh", "test_acc"), "full_test_acc": col(full, "test_acc"),
        "sh_cpu_s": col("sh", "cpu_s", 1), "full_cpu_s": col(full, "cpu_s", 1)}
    extra = {"seeds": seeds, **({"seed_start": seed_start} if seed_start else {}), "archs": archs,
             "sh_archs": sh_archs or archs, "full_archs": full_archs or archs,
             "hv_wins": int(sum(a > b for a, b in zip(out["nsga2_hv"], out["rea_hv"]))),
             "sh_mean": round(float(np.mean(out["sh_test_acc"])), 4),
             "full_mean": round(float(np.mean(out["full_test_acc"])), 4),
             "sh_cpu_ratio": round(float(np.sum(out["sh_cpu_s"]) / np.sum(out["full_cpu_s"])), 3),
             "nsga2_cpu_s": col("nsga2", "cpu_s", 1), "sh_trainings": [r["evaluations"] for r in results["sh"]],
             "nsga2_test_acc": col("nsga2", "test_acc"),
             "nsga2_hv_final_population": col("nsga2", "hv_kept"), "rea_hv_final_queue": col("rea", "hv_kept"),
             "note": note}
    if results.get("nsga2_deb"):
        extra.update(nsga2_deb_hv=col("nsga2_deb", "hv"),
                     nsga2_deb_best_acc_under_10k=col("nsga2_deb", "best_acc_under_10k"),
                     nsga2_deb_hv_wins=int(sum(a > b for a, b in zip(col("nsga2_deb", "hv"), out["rea_hv"]))))
    from benchmarks.results_meta import write_results

    write_results(name, {**out, **extra}, argv, list(range(seed_start, seed_start + seeds)), load_before)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
