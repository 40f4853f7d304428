"""The hybrid mode on NEAT genomes: NEAT + Adam under speciation against regularized evolution over NEAT genomes
(with innovation-keyed Lamarckian inheritance, and from scratch) and a NEAT run switched into it half-way, at equal
numbers of trained genomes and equal Adam steps per trained genome, on digits and MNIST-1D.

All four run the ``supervised_backprop`` task through the one run loop (``topoevo.run.Run``, in-process evaluator)
with the same genome settings (initial hidden layers: ``genome.num_hidden`` x ``genome.hidden_layers``; MNIST-1D two
layers of 64, digits one of 32), the same training (``--steps`` Adam steps on minibatches of 64) and the same fitness
(minus the validation cross-entropy; the test set is never seen):

- ``neat_adam``: NEAT (speciation, crossover, its own mutation rates), Lamarckian (today's NEAT + Adam);
- ``neat_rea_lamarckian``: ``run.algorithm = "neat_rea"``, children inherit their parent's trained weights;
- ``neat_rea_scratch``: the same, every weight of a child drawn anew;
- ``neat_switch``: ``run.algorithm = "neat_switch"``: NEAT for half the budget, then regularized evolution
  (Lamarckian).

Reference (``--reference N``, MNIST-1D only): the published MLP (Greydanus 2020: 40-100-100-10 ReLU, Adam 1e-2,
minibatches of 100 taken in order, 6,000 steps) trained by ``topoevo.adam.train_steps`` on N seeds, (i) on the whole
training set of 4,000 as published and (ii) on the 3,000-sequence fitting split the evolved genomes train on; its
test accuracy after the last step.

Budget: ``--budget`` trained genomes per run (NEAT: ``pop`` per generation; regularized evolution: ``population``
initial genomes, then ``batch`` children per generation). Figure per run: the test accuracy of the champion (the
genome with the best validation fitness ever), with the trained weights it holds. Last line:
``{"digits": {"neat_adam": [...], "neat_rea_lamarckian": [...], "neat_rea_scratch": [...], "neat_switch": [...]},
"mnist1d": {...}, "meta": {...}, "settings": {...}}`` (test accuracies per seed), also written to
``benchmarks/results/hybrid_neat.json`` (``--out``: e.g. one dataset's runs to ``hybrid_neat_<dataset>.json``).

    nice -n 5 python benchmarks/hybrid_neat.py --seeds 5
    nice -n 5 python benchmarks/hybrid_neat.py --seeds 5 --datasets mnist1d --reference 5 \\
        --out benchmarks/results/hybrid_neat_mnist1d.json
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("benchmarks.hybrid_neat")

VARIANTS = ["neat_adam", "neat_rea_lamarckian", "neat_rea_scratch", "neat_switch"]
DATASETS: dict[str, dict[str, Any]] = {
    "digits": {"task": {"dataset": "digits", "scaling": "unit"}, "num_hidden": 32, "hidden_layers": 1},
    "mnist1d": {"task": {"dataset": "mnist1d", "scaling": "none"}, "num_hidden": 64, "hidden_layers": 2},
}
POP, QUEUE, SAMPLE, BATCH = 20, 20, 5, 10  # NEAT population; queue P, tournament S, children per generation B


def config(dataset: str, variant: str, seed: int, budget: int, steps: int, lr: float) -> Any:
    from topoevo.config import Config

    spec = DATASETS[dataset]
    rea_generations = 1 + (budget - QUEUE) // BATCH
    neat_generations = budget // POP
    half = neat_generations // 2
    algorithm, generations, hybrid = {
        "neat_adam": ("neat", neat_generations, {}),
        "neat_rea_lamarckian": ("neat_rea", rea_generations, {"lamarckian": True}),
        "neat_rea_scratch": ("neat_rea", rea_generations, {"lamarckian": False}),
        "neat_switch": ("neat_switch", half + (budget - half * POP) // BATCH, {"switch_at": half}),
    }[variant]
    return Config.from_dict({
        "task": {"name": "supervised_backprop", **spec["task"], "metric": "neg_cross_entropy",
                 "inheritance": "lamarckian", "steps": steps, "learning_rate": lr, "batch_size": 64},
        "run": {"algorithm": algorithm, "seed": seed, "generations": generations, "checkpoint_every": 0,
                "progress": False},
        "neat": {"pop_size": POP},
        "genome": {"num_hidden": spec["num_hidden"], "hidden_layers": spec["hidden_layers"], "activation": "relu",
                   "activation_options": ["relu", "tanh", "identity"], "output_activation": "identity",
                   "weight_init_stdev": 0.2, "weight_min": -8.0, "weight_max": 8.0, "bias_min": -8.0,
                   "bias_max": 8.0},
        "mutation": {"add_node_rate": 0.1, "add_connection_rate": 0.2, "weight_mutate_power": 0.05},
        "hybrid": {"population": QUEUE, "sample_size": SAMPLE, "batch": BATCH, **hybrid}})


def published_mlp(seed: int, inputs: Any, targets: Any, test_inputs: Any, test_targets: Any, steps: int = 6000,
                  learning_rate: float = 1e-2, batch_size: int = 100) -> float:
    """Test accuracy of MNIST-1D's published MLP (40-100-100-10, ReLU; torch's default init from ``seed``) after
    ``steps`` Adam steps on minibatches taken in order, as in the mnist1d repository's training loop."""
    import torch

    from topoevo.adam import train_steps

    torch.manual_seed(seed)
    width = 100
    net = torch.nn.Sequential(torch.nn.Linear(inputs.shape[1], width), torch.nn.ReLU(), torch.nn.Linear(width, width),
                              torch.nn.ReLU(), torch.nn.Linear(width, int(targets.max()) + 1))
    n = len(targets)
    batches = (((t * batch_size) % n, (t * batch_size) % n + batch_size) for t in range(steps))
    train_steps(torch.optim.Adam(net.parameters(), learning_rate), batches,
                lambda b: torch.nn.functional.cross_entropy(net(inputs[b[0]:b[1]]), targets[b[0]:b[1]]))
    with torch.no_grad():
        return float((net(test_inputs).argmax(-1) == test_targets).double().mean())


def reference_runs(seeds: list[int]) -> dict[str, list[float]]:
    """The published MLP on MNIST-1D in this pipeline: on the whole training set and on the fitting split."""
    import torch

    from topoevo.tasks.backprop_neat import BackpropNEATTask, BackpropParams

    torch.set_num_threads(1)
    task = BackpropNEATTask(BackpropParams(dataset="mnist1d", scaling="none"))
    test = (task.test_inputs, task.test_targets)
    out = {"published_mlp_train4000": [published_mlp(s, task.train_inputs, task.train_targets, *test) for s in seeds],
           "published_mlp_fit3000": [published_mlp(s, task.fit_inputs, task.fit_targets, *test) for s in seeds]}
    log.info("published MLP in this pipeline: %s", out)
    return {k: [round(x, 4) for x in v] for k, v in out.items()}


def one_run(dataset: str, variant: str, seed: int, budget: int, steps: int, lr: float, out: Path) -> dict[str, Any]:
    import torch

    from topoevo.nn import CompiledPopulation
    from topoevo.run import Run

    torch.set_num_threads(1)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    t0, c0 = time.perf_counter(), time.process_time()
    run = Run.start(config(dataset, variant, seed, budget, steps, lr), out=out / f"{dataset}-{variant}-{seed}",
                    reporters=[])
    summary = run.loop()
    champ = run.algo.best
    test_acc = float(run.task.test_scores(CompiledPopulation([champ]))[0][0])
    row = {"test_acc": test_acc, "val_fitness": float(champ.fitness), "hidden": champ.num_hidden,
           "evaluations": summary.evaluations, "cpu_s": time.process_time() - c0,
           "wall_s": time.perf_counter() - t0}
    log.info("%s %s seed %d: test acc %.4f, validation fitness %.4f, hidden %d, %d trained, %.0f CPU s", dataset,
             variant, seed, test_acc, row["val_fitness"], row["hidden"], summary.evaluations, row["cpu_s"])
    return row


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--first-seed", type=int, default=0, help="tune on seeds >= 1000, report on 0..N-1")
    p.add_argument("--budget", type=int, default=120, help="trained genomes per run")
    p.add_argument("--steps", type=int, default=50, help="Adam steps per trained genome")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--datasets", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--variants", nargs="*", default=VARIANTS, choices=VARIANTS)
    p.add_argument("--jobs", type=int, default=1, help="runs in parallel (worker processes, one torch thread each)")
    p.add_argument("--reference", type=int, default=0, help="seeds of the published-MLP reference (MNIST-1D)")
    p.add_argument("--resume", action="store_true", help="keep the finished runs of the results file")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "hybrid_neat.json"))
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from benchmarks.results_io import start, write_results

    session = start()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    jobs = [(d, v, s) for d in args.datasets for s in seeds for v in args.variants]  # variants alternate per seed
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    reference: dict[str, list[float]] = {}
    out = Path(args.out)
    if args.resume and out.exists():  # keep the runs an interrupted benchmark finished (same settings only)
        old = json.loads(out.read_text())
        if {k: v for k, v in old.get("settings", {}).items() if k in ("budget", "steps", "learning_rate")} == \
                {"budget": args.budget, "steps": args.steps, "learning_rate": args.lr}:
            rows = {(d, v, int(s)): r for d, by_v in old.get("runs", {}).items() for v, by_s in by_v.items()
                    for s, r in by_s.items() if (d, v, int(s)) in set(jobs)}

    def summarise() -> dict[str, Any]:
        result: dict[str, Any] = {}
        cpu: dict[str, Any] = {}
        for d in args.datasets:
            done = {v: [rows[d, v, s] for s in seeds if (d, v, s) in rows] for v in args.variants}
            result[d] = {v: [round(r["test_acc"], 4) for r in rs] for v, rs in done.items()}
            cpu[d] = {v: round(sum(r["cpu_s"] for r in rs) / max(len(rs), 1), 1) for v, rs in done.items()}
            cpu[d]["hidden"] = {v: [r["hidden"] for r in rs] for v, rs in done.items()}
        result["settings"] = {"budget": args.budget, "steps": args.steps, "learning_rate": args.lr,
                              "batch_size": 64, "neat_pop": POP, "queue": QUEUE, "sample_size": SAMPLE,
                              "batch": BATCH, "num_hidden": {d: DATASETS[d]["num_hidden"] for d in args.datasets},
                              "hidden_layers": {d: DATASETS[d]["hidden_layers"] for d in args.datasets},
                              "cpu_s_per_run_and_hidden": cpu, "complete": len(rows) == len(jobs)}
        if reference:
            result["reference"] = {"mnist1d": reference}
        result["runs"] = {d: {v: {str(s): rows[d, v, s] for s in seeds if (d, v, s) in rows} for v in args.variants}
                          for d in args.datasets}
        # rewritten after every run: a stopped benchmark keeps what it measured
        write_results(out.stem, result, [__file__, *argv], seeds=seeds, session=session, directory=out.parent)
        return result

    with tempfile.TemporaryDirectory() as tmp, ProcessPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(one_run, d, v, s, args.budget, args.steps, args.lr, Path(tmp)): (d, v, s)
                   for d, v, s in jobs if (d, v, s) not in rows}
        for fut in as_completed(futures):
            rows[futures[fut]] = fut.result()
            summarise()
    if args.reference:  # after the runs: a stopped benchmark keeps them
        reference.update(reference_runs(list(range(args.first_seed, args.first_seed + args.reference))))
    result = summarise()
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
