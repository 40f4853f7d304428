"""Weight evolution of a fixed network: topoevo's batched deep GA against PyGAD 3.9 + TorchGA (the same network,
population and number of evaluated generations, side by side in one process), and on digits a small CNN evolved
by the GA and by OpenAI-ES against the same CNN trained by Adam, at equal wall time.

- CartPole-v1: a 4-16-16-2 tanh MLP (argmax action), population ``--pop``, ``--generations`` evaluated
  populations, fitness = return of one episode from a fresh seed. topoevo: ``WeightGA`` driven through ask/tell
  with the in-process evaluator and the gym task (all candidates stepped together, one policy call per step).
  PyGAD: ``benchmarks.peers.pygad_peer.cartpole_run`` (one forward call per candidate and step; PyGAD's own
  operators: steady-state selection of 20 parents, single-point crossover, random mutation of 10% of the genes,
  one elite). Final fitness: mean return of each side's final champion (best of the last generation) over the same
  100 held-out episodes, played by topoevo's gym task.
- Classifier: scikit-learn's wine data, a 13-16-3 tanh MLP, fitness = minus the training cross-entropy (whole
  training set), same protocol; topoevo's GA as in tasks/wine_mlp_ga.toml (10 parents, uniform crossover for half
  the children, sigma 0.2). Final fitness: the final champion's training fitness (exact, deterministic).
- Digits: tasks/digits_cnn_ga.toml and tasks/digits_cnn_es.toml (a 3,658-weight CNN) run for ``--digits-seconds``
  each; ``topoevo.search.backprop.train_adam`` trains the same CNN from the same initialisation for as long.
  Accuracy: the final champion's (ES: its best candidate's) accuracy on the held-out test set.

Evaluations per second = fitness evaluations made / wall time of the whole run (operators included). torch runs on
one thread on both sides (``--threads``): small tensor ops only lose to thread start-up, and the machine is shared.
The last line is one JSON object: ``{"cartpole": {"topoevo_evals_per_s", "pygad_evals_per_s", "topoevo_fitness",
"pygad_fitness"}, "classifier": {same keys, "topoevo_test_acc", "pygad_test_acc"}, "digits": {"ga_acc", "es_acc",
"adam_acc"}}``, also written to ``benchmarks/results/weight_evolution[_<parts run>].json``.

    python benchmarks/weight_evolution.py
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("benchmarks.weight_evolution")

HELD_OUT_EPISODES = 100
GA_SETTINGS = {"truncation": 20, "elitism": 1}


def _config(task: dict[str, Any], algorithm: str, model: dict[str, Any], **sections: dict[str, Any]) -> Any:
    from topoevo.config import Config

    return Config.from_dict({"task": task, "run": {"algorithm": algorithm, "progress": False}, "model": model,
                             **sections})


def topoevo_generations(config: Any, generations: int, seed: int) -> dict[str, Any]:
    """Drive an algorithm for ``generations`` evaluated populations through ask/tell (as the run loop does, without
    its success tests): figures and the best candidate of the last generation."""
    from topoevo.algorithm import algorithm_class
    from topoevo.evaluate import InProcessEvaluator, derive_seeds
    from topoevo.run import build_task, fit_genome_to_task

    task = build_task(config)
    config = fit_genome_to_task(config, task)
    evaluator = InProcessEvaluator()
    t0, c0 = time.perf_counter(), time.process_time()
    algo = algorithm_class(config.run.algorithm)(config, seed=seed)
    best_per_generation, mean_per_generation = [], []
    steps = 0
    for _ in range(generations):
        candidates = algo.ask()
        result = evaluator(candidates, task, derive_seeds(seed, algo.generation, len(candidates)), algo.compile_fn)
        stats = algo.tell(result.fitness)
        steps += int(result.info.get("steps", 0))
        best_per_generation.append(stats.best_fitness)
        mean_per_generation.append(stats.mean_fitness)
        champion = candidates[stats.best_index]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"evaluations": algo.evaluations, "wall_s": wall, "cpu_s": cpu, "steps": steps,
            "best_fitness": stats.best_fitness,
            "champion": champion, "best_per_generation": best_per_generation,
            "mean_per_generation": mean_per_generation, "task": task}


def _log_side(name: str, side: str, r: dict[str, Any]) -> None:
    steps = f", {r['steps']} environment steps ({r['steps'] / r['cpu_s']:.0f} per CPU-s)" if r["steps"] else ""
    log.info("%s %s: %d evaluations, wall %.2f s (%.0f evals/s), CPU %.2f s (%.0f evals/CPU-s)%s; best per "
             "generation %s; mean %s", name, side, r["evaluations"], r["wall_s"], r["evaluations"] / r["wall_s"],
             r["cpu_s"], r["evaluations"] / r["cpu_s"], steps, [round(x, 4) for x in r["best_per_generation"]],
             [round(x, 4) for x in r["mean_per_generation"]])


def held_out_return(task: Any, candidate: Any) -> float:
    from topoevo.search.population import compile_parameters

    return float(task.held_out_return(compile_parameters([candidate]), episodes=HELD_OUT_EPISODES, seed=0)[0])


def cartpole(pop: int, generations: int, seed: int, sigma: float) -> dict[str, Any]:
    from benchmarks.peers.pygad_peer import cartpole_run
    from topoevo.search.models import ModelSpec, build_model
    from topoevo.search.params import ParameterVector

    model = {"kind": "mlp", "hidden": [16, 16], "activation": "tanh"}
    config = _config({"name": "gym", "env_id": "CartPole-v1", "episodes": 1}, "ga", model,
                     ga={"pop_size": pop, "mutation_power": sigma, **GA_SETTINGS})
    ours = topoevo_generations(config, generations, seed)
    spec: ModelSpec = ours["champion"].spec
    import torch

    torch.manual_seed(seed)
    peer = cartpole_run(build_model(spec), pop_size=pop, generations=generations - 1, seed=seed)
    task = ours["task"]
    ours_test = held_out_return(task, ours["champion"])
    peer_test = held_out_return(task, ParameterVector(spec, np.asarray(peer["best_solution"])))
    task.close()
    _log_side("cartpole", "topoevo", ours)
    _log_side("cartpole", "pygad", peer)
    out = {"topoevo_evals_per_s": ours["evaluations"] / ours["wall_s"],
           "pygad_evals_per_s": peer["evaluations"] / peer["wall_s"],
           "topoevo_fitness": ours_test, "pygad_fitness": peer_test}
    log.info("cartpole: topoevo %d evals in %.2f s, last best %.1f, held-out %.1f; pygad %d evals in %.2f s, "
             "last best %.1f, held-out %.1f", ours["evaluations"], ours["wall_s"], ours["best_fitness"], ours_test,
             peer["evaluations"], peer["wall_s"], peer["best_fitness"], peer_test)
    return out


def classifier(pop: int, generations: int, seed: int, sigma: float) -> dict[str, Any]:
    from benchmarks.peers.pygad_peer import classifier_run
    from topoevo.search.models import build_model
    from topoevo.search.params import ParameterVector
    from topoevo.search.population import compile_parameters

    model = {"kind": "mlp", "hidden": [16], "activation": "tanh"}
    config = _config({"name": "supervised", "dataset": "wine", "metric": "neg_cross_entropy", "batch_size": 0}, "ga",
                     model, ga={"pop_size": pop, "mutation_power": sigma, "truncation": 10, "elitism": 1,
                                "crossover": "uniform", "crossover_rate": 0.5})
    ours = topoevo_generations(config, generations, seed)
    task, spec = ours["task"], ours["champion"].spec
    import torch

    torch.manual_seed(seed)
    peer = classifier_run(build_model(spec), task.train_inputs, task.train_targets, pop_size=pop,
                          generations=generations - 1, seed=seed)
    peer_vec = ParameterVector(spec, np.asarray(peer["best_solution"]))
    peer_fit = float(task.evaluate(compile_parameters([peer_vec]), np.zeros(1, dtype=np.int64)).fitness[0])
    ours_acc = float(task.test_scores(compile_parameters([ours["champion"]]))[0][0])
    _log_side("classifier", "topoevo", ours)
    _log_side("classifier", "pygad", peer)
    peer_acc = float(task.test_scores(compile_parameters([peer_vec]))[0][0])
    log.info("classifier: topoevo %d evals in %.2f s, fitness %.4f, test accuracy %.3f; pygad %d evals in %.2f s, "
             "fitness %.4f (PyGAD's own %.4f), test accuracy %.3f", ours["evaluations"], ours["wall_s"],
             ours["best_fitness"], ours_acc, peer["evaluations"], peer["wall_s"], peer_fit, peer["best_fitness"],
             peer_acc)
    return {"topoevo_evals_per_s": ours["evaluations"] / ours["wall_s"],
            "pygad_evals_per_s": peer["evaluations"] / peer["wall_s"],
            "topoevo_fitness": ours["best_fitness"], "pygad_fitness": peer_fit,
            "topoevo_test_acc": ours_acc, "pygad_test_acc": peer_acc}


def digits(seconds: float, seed: int) -> dict[str, Any]:
    from topoevo.config import load_config
    from topoevo.run import Run
    from topoevo.search.backprop import train_adam
    from topoevo.search.population import compile_parameters

    out: dict[str, Any] = {}
    import tempfile

    for name in ("ga", "es"):
        config = load_config(ROOT / "tasks" / f"digits_cnn_{name}.toml",
                             {"run": {"max_wall_s": seconds, "progress": False, "seed": seed}})
        with tempfile.TemporaryDirectory() as tmp:
            run = Run.start(config, out=Path(tmp) / "run", reporters=[])
            summary = run.loop()
            acc = float(run.task.test_scores(compile_parameters([run.current_champion()]))[0][0])
        out[f"{name}_acc"] = acc
        log.info("digits %s: %d generations, %d evaluations in %.1f s, training fitness %.4f, test accuracy %.3f",
                 name, summary.generations, summary.evaluations, summary.wall_s, summary.best_fitness, acc)
        spec, task, init_scale = run.algo.spec, run.task, config.model.init_scale
    adam = train_adam(task, spec, seed=seed, max_seconds=seconds, learning_rate=3e-3, batch_size=64,
                      init_scale=init_scale)
    out["adam_acc"] = adam.test_accuracy
    log.info("digits adam: %.1f epochs (%d steps) in %.1f s, training accuracy %.3f, test accuracy %.3f",
             adam.epochs, adam.steps, adam.wall_s, adam.train_accuracy, adam.test_accuracy)
    return out


def cartpole_solves(seeds: int) -> dict[str, Any]:
    """tasks/cartpole_mlp_ga.toml and tasks/cartpole_mlp_es.toml through the run loop for seeds 0..seeds-1: how
    many solve by the strict criterion (100 held-out episodes >= 475), evaluations to solve, wall time."""
    import statistics
    import tempfile

    from topoevo.config import load_config
    from topoevo.run import Run

    out: dict[str, Any] = {}
    for name in ("ga", "es"):
        rows = []
        for seed in range(seeds):
            config = load_config(ROOT / "tasks" / f"cartpole_mlp_{name}.toml", {"run": {"progress": False}})
            with tempfile.TemporaryDirectory() as tmp:
                run = Run.start(config, out=Path(tmp) / "run", seed=seed, reporters=[])
                summary = run.loop()
                run.task.close()
            rows.append(summary)
            test = run.champion_test or {}
            log.info("cartpole %s seed %d: solved %s after %d generations, %s evaluations, held-out return %s, "
                     "%.1f s", name, seed, summary.solved, summary.generations, summary.evaluations_to_solve,
                     test.get("held_out_return"), summary.wall_s)
        solved = [r for r in rows if r.solved]
        out[name] = {"runs": len(rows), "solved": len(solved),
                     "median_evals": statistics.median(r.evaluations_to_solve for r in solved) if solved else None,
                     "median_wall_s": statistics.median(r.wall_s for r in rows)}
        log.info("cartpole %s strict solves: %s", name, out[name])
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pop", type=int, default=1000, help="CartPole: population of both GAs")
    p.add_argument("--generations", type=int, default=10, help="CartPole: evaluated populations")
    p.add_argument("--classifier-pop", type=int, default=100, help="classifier: population of both GAs")
    p.add_argument("--classifier-generations", type=int, default=50, help="classifier: evaluated populations")
    p.add_argument("--sigma", type=float, default=0.1, help="topoevo GA mutation power (CartPole)")
    p.add_argument("--classifier-sigma", type=float, default=0.2, help="topoevo GA mutation power (classifier)")
    p.add_argument("--digits-seconds", type=float, default=60.0, help="wall time of each digits learner")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch threads (both sides)")
    p.add_argument("--skip", nargs="*", default=[], choices=["cartpole", "classifier", "digits"])
    p.add_argument("--solve-seeds", type=int, default=0, help="also run the CartPole GA and ES task files for this "
                                                                 "many seeds (strict criterion; logged, not in the "
                                                                 "JSON line)")
    args = p.parse_args(argv)
    from benchmarks.results_io import start, write_results

    start()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import torch

    torch.set_num_threads(args.threads)
    result: dict[str, Any] = {}
    if "cartpole" not in args.skip:
        result["cartpole"] = cartpole(args.pop, args.generations, args.seed, args.sigma)
    if "classifier" not in args.skip:
        result["classifier"] = classifier(args.classifier_pop, args.classifier_generations, args.seed,
                                          args.classifier_sigma)
    if "digits" not in args.skip:
        result["digits"] = digits(args.digits_seconds, args.seed)
    if args.solve_seeds:
        cartpole_solves(args.solve_seeds)
    for name in ("cartpole", "classifier"):
        if name in result:
            r = result[name]
            log.info("%s: topoevo %.0f evals/s, PyGAD %.0f evals/s: %.1fx", name, r["topoevo_evals_per_s"],
                     r["pygad_evals_per_s"], r["topoevo_evals_per_s"] / r["pygad_evals_per_s"])
    parts = [k for k in ("cartpole", "classifier", "digits") if k in result]
    name = "weight_evolution" + ("" if len(parts) == 3 else "_" + "_".join(parts))
    write_results(name, result, sys.argv if argv is None else [__file__, *argv], seeds=[args.seed])
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
