"""Architecture search on MNIST-1D: regularized evolution (Real et al. 2019) against random search at equal numbers
of trained architectures, and Lamarckian inheritance against training from scratch at equal total epochs.

Per seed, four runs of the one run loop (``topoevo.run.Run``, in-process evaluator, torch on one thread):
- ``rea``: tasks/mnist1d_rea.toml (P = 10, S = 3, one child per generation, each architecture trained by Adam for
  ``epochs`` epochs), ``--archs`` trained architectures;
- ``rs``: tasks/mnist1d_random.toml, the same space, training and budget (the same 10 initial architectures);
- ``lamarckian``: tasks/mnist1d_lamarckian.toml (children start from their parent's trained weights where shapes
  match) and ``scratch``: the same search without inheritance; both ``--archs`` architectures at ``--lam-epochs``
  epochs each, so equal total epochs.
Fitness = validation accuracy (800 held-out training sequences); the figure reported per run is the test accuracy
(1,000 test sequences) of the architecture with the best validation accuracy. ``rea_wins`` counts seeds where the
REA figure is strictly higher than the RS one. Incumbent curves (test accuracy of the best-so-far architecture
against the number of trained architectures) are saved as ``--plot`` (PNG).
The last line is one JSON object: ``{"seeds", "rea_test_acc", "rs_test_acc", "rea_wins", "lamarckian_test_acc",
"scratch_test_acc", "wall_s_per_seed", ...}``.

    nice -n 10 python benchmarks/nas.py --seeds 5
"""
from __future__ import annotations

import argparse
import json
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
RUNS = {  # name -> (task file, [task] overrides)
    "rea": ("mnist1d_rea.toml", {}),
    "rs": ("mnist1d_random.toml", {}),
    "lamarckian": ("mnist1d_lamarckian.toml", {}),
    "scratch": ("mnist1d_rea.toml", {}),
}


def run_one(name: str, seed: int, archs: int, epochs: int, lam_epochs: int) -> dict[str, Any]:
    """One run through ``Run``: figures and the incumbent curve (test accuracy of the best-so-far by validation)."""
    import torch

    from topoevo.config import load_config
    from topoevo.run import Run

    torch.set_num_threads(1)
    path, _ = RUNS[name]
    lam = name in ("lamarckian", "scratch")
    overrides = {"run": {"max_evaluations": archs, "progress": False, "checkpoint_every": 0},
                 "task": {"epochs": lam_epochs if lam else epochs}}
    config = load_config(TASKS / path, overrides)
    t0, c0 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        run = Run.start(config, out=Path(tmp) / "run", seed=seed, reporters=[])
        run.loop()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    best_val, curve, val_curve = -1.0, [], []
    for key, parent, mutation, fitness, test, params, gen in run.algo.history:
        if fitness > best_val:
            best_val, best_test = fitness, test
        curve.append(best_test)
        val_curve.append(best_val)
    best = run.algo.best
    return {"name": name, "seed": seed, "test_acc": best.test_accuracy, "val_acc": best.fitness,
            "parameters": best.parameters, "architecture": best.arch.describe(), "evaluations": run.algo.evaluations,
            "curve": curve, "val_curve": val_curve, "wall_s": wall, "cpu_s": cpu,
            "mean_val_acc": float(np.mean([h[3] for h in run.algo.history]))}


def plot(results: dict[str, list[dict[str, Any]]], path: Path, archs: int, epochs: int, lam_epochs: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    panels = [(axes[0], ("rea", "rs"), f"REA vs random search ({epochs} epochs each)"),
              (axes[1], ("lamarckian", "scratch"), f"Lamarckian vs scratch REA ({lam_epochs} epochs each)")]
    labels = {"rea": "regularized evolution", "rs": "random search", "lamarckian": "Lamarckian", "scratch": "scratch"}
    colors = {"rea": "C0", "rs": "C1", "lamarckian": "C2", "scratch": "C3"}
    x = np.arange(1, archs + 1)
    for ax, names, title in panels:
        for name in names:
            curves = np.array([r["curve"] for r in results[name]], dtype=float)
            for c in curves:
                ax.plot(x[:len(c)], c, color=colors[name], alpha=0.25, lw=0.8)
            ax.plot(x[:curves.shape[1]], curves.mean(0), color=colors[name], lw=2,
                    label=f"{labels[name]} (mean of {len(curves)} seeds)")
        ax.set_xlabel("trained architectures")
        ax.set_ylabel("test accuracy of the incumbent")
        ax.set_title(title, fontsize=10)
        ax.set_ylim(0.3, 1.0)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle("Architecture search on MNIST-1D (incumbent = best validation accuracy so far)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--archs", type=int, default=60, help="trained architectures per run")
    p.add_argument("--epochs", type=int, default=4, help="epochs per architecture (REA and RS)")
    p.add_argument("--lam-epochs", type=int, default=2, help="epochs per architecture (Lamarckian and scratch)")
    p.add_argument("--jobs", type=int, default=1, help="runs in parallel (processes, one torch thread each)")
    p.add_argument("--runs", default="rea,rs,lamarckian,scratch")
    p.add_argument("--plot", default=str(ROOT / "benchmarks" / "nas_mnist1d.png"))
    args = p.parse_args(argv)
    names = args.runs.split(",")
    jobs = [(name, seed) for seed in range(args.seeds) for name in names]
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_one, name, seed, args.archs, args.epochs, args.lam_epochs) for name, seed in jobs]
        for fut in futures:
            r = fut.result()
            results[r["name"]].append(r)
            print(f"seed {r['seed']} {r['name']:>10}: test {r['test_acc']:.3f} val {r['val_acc']:.4f} "
                  f"mean val {r['mean_val_acc']:.3f} params {r['parameters']} wall {r['wall_s']:.0f}s "
                  f"cpu {r['cpu_s']:.0f}s  {r['architecture']}",
                  flush=True)
    total = time.perf_counter() - t0
    figures: dict[str, Any] = {"seeds": args.seeds, "archs": args.archs, "epochs": args.epochs,
                               "lam_epochs": args.lam_epochs}
    for name in names:
        figures[f"{name}_test_acc"] = [round(r["test_acc"], 4) for r in results[name]]
    if "rea" in names and "rs" in names:
        figures["rea_wins"] = int(sum(a > b for a, b in zip(figures["rea_test_acc"], figures["rs_test_acc"])))
        figures["rea_val_wins"] = int(sum(a["val_acc"] > b["val_acc"] for a, b in zip(results["rea"], results["rs"])))
    for name in names:
        figures[f"{name}_mean"] = round(float(np.mean(figures[f"{name}_test_acc"])), 4)
    per_seed = [sum(r["wall_s"] for name in names for r in results[name] if r["seed"] == s)
                for s in range(args.seeds)]
    figures["wall_s_per_seed"] = [round(w, 1) for w in per_seed]
    figures["cpu_s_per_seed"] = [round(sum(r["cpu_s"] for name in names for r in results[name] if r["seed"] == s), 1)
                                 for s in range(args.seeds)]
    figures["wall_s_total"] = round(total, 1)
    if args.plot and all(n in names for n in ("rea", "rs", "lamarckian", "scratch")):
        plot(results, Path(args.plot), args.archs, args.epochs, args.lam_epochs)
        figures["plot"] = str(Path(args.plot).relative_to(ROOT)) if Path(args.plot).is_relative_to(ROOT) \
            else args.plot
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
