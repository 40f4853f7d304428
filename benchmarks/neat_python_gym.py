"""neat-python's own gym examples, side by side with their converted topoevo runs (issue 21).

For each example (LunarLander-v3 and InvertedDoublePendulum-v5, neat-python 2.0's `examples/<name>/config-feedforward`
from tests/data/neat_python_examples/, unchanged) and each seed, in one process, one core, one after the other:

- neat-python 2.0: the example's configuration and fitness function (mean return of `runs_per_net` episodes of at
  most 1000 steps, a fresh environment per episode; LunarLander: action = index of the largest output;
  InvertedDoublePendulum: the output is the action), evaluated serially, for `--generations` generations (or until
  `--peer-budget-cpu-s` CPU seconds). Its environments are reset with seeds drawn from Python's `random`, which
  `neat.Population(config, seed=...)` seeds (the example resets unseeded). Recorded: each generation's population
  mean fitness and the process CPU seconds so far.
- topoevo: the same config converted (`topoevo convert`) with the gym task of the same fitness (`episodes` =
  runs_per_net, `max_episode_steps` = 1000, argmax actions / outputs in [-1, 1] as actions), run generation by
  generation until its population mean fitness reaches neat-python's final population mean fitness (or
  3 x `--generations`). Recorded: CPU seconds to that generation. The gym task's default vectorization steps
  EnvPool's C++ port of the environment where it is installed: a fairness check (`--backend-check`, on by default,
  not counted in the CPU figures) evaluates the run's next population 10 times per genome on that backend and on
  gymnasium's own environment, the one neat-python steps, and records the mean per-genome difference.

The figure: topoevo's CPU seconds to reach neat-python's final mean fitness, as a fraction of neat-python's CPU
seconds (the acceptance asks <= 1/3). Both sides count every genome evaluated. The last line is one JSON object.

    python benchmarks/neat_python_gym.py --seeds 2 --generations 20
    python benchmarks/neat_python_gym.py --seeds 4 --first-seed 1000 --results-dir /tmp/tuning   # tuning seeds
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

EXAMPLES = ROOT / "tests" / "data" / "neat_python_examples"

#: example -> (config file, env id, runs_per_net, discrete actions)
CASES: dict[str, tuple[str, str, int, bool]] = {
    "lunar-lander": ("lunar-lander__config-feedforward", "LunarLander-v3", 5, True),
    "inverted-double-pendulum": ("inverted-double-pendulum__config-feedforward", "InvertedDoublePendulum-v5", 3,
                                 False),
}
MAX_STEPS = 1000


def cpu_s() -> float:
    return time.process_time()


def warm_imports() -> None:
    """Import both sides' libraries before either side's clock starts: neat-python, gymnasium and Box2D (the
    neat-python side) and EnvPool (the topoevo side's default backend for these environments, when installed).
    Importing envpool costs about a CPU second (it registers every environment family it ships); a process pays it
    once, so whichever run came first paid it. Run setup beyond imports stays on the clock on the topoevo side
    (``Run.start``: the task, its probe environment and the first population) and off it on neat-python's
    (``neat.Population``), which favours neat-python by a few hundredths of a second."""
    import gymnasium  # noqa: F401
    import gymnasium.envs.box2d  # noqa: F401
    import neat  # noqa: F401

    from topoevo.tasks.envpool_backend import envpool_installed

    if envpool_installed():
        import envpool  # noqa: F401


# ---- neat-python side -----------------------------------------------------------------------------------------------
def neat_python_run(case: str, seed: int, generations: int, budget_cpu_s: float) -> dict[str, Any]:
    import gymnasium as gym
    import neat

    config_name, env_id, runs, discrete = CASES[case]

    counted = [0]  # environment steps so far (not part of the example; one addition per episode)

    def eval_genome(genome: Any, config: Any) -> float:  # the example's fitness function
        net = neat.nn.FeedForwardNetwork.create(genome, config)
        returns = []
        for _ in range(runs):
            env = gym.make(env_id)
            observation, _ = env.reset(seed=random.randrange(2**31))
            total = 0.0
            for t in range(MAX_STEPS):
                out = net.activate(observation)
                action = max(range(len(out)), key=lambda i: out[i]) if discrete else out
                observation, reward, terminated, truncated, _ = env.step(action)
                total += reward
                if terminated or truncated:
                    break
            counted[0] += t + 1
            env.close()
            returns.append(total)
        return sum(returns) / len(returns)

    config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet,
                         neat.DefaultStagnation, str(EXAMPLES / config_name))
    config.no_fitness_termination = False
    pop = neat.Population(config, seed=seed)
    means: list[float] = []
    cpu: list[float] = []
    steps: list[int] = []
    species: list[int] = []
    t0 = cpu_s()

    def eval_genomes(genomes: list, config: Any) -> None:
        for _, g in genomes:
            g.fitness = eval_genome(g, config)
        means.append(statistics.fmean(g.fitness for _, g in genomes))
        cpu.append(cpu_s() - t0)
        steps.append(counted[0])
        species.append(len(pop.species.species))
        if cpu[-1] > budget_cpu_s:
            raise _OutOfBudget

    try:
        pop.run(eval_genomes, generations)
    except _OutOfBudget:
        pass
    return {"generations": len(means), "mean_fitness": means, "cpu_s": cpu, "steps": steps, "species": species,
            "final_mean_fitness": means[-1], "total_cpu_s": cpu[-1]}


class _OutOfBudget(Exception):
    pass


# ---- topoevo side ---------------------------------------------------------------------------------------------------
def topoevo_run(case: str, seed: int, target: float, max_generations: int, tmp: Path,
                backend_check: bool = False) -> dict[str, Any]:
    import torch

    from topoevo.interop.neat_python_config import load_neat_python_config
    from topoevo.run import Run

    torch.set_num_threads(1)
    config_name, env_id, runs, discrete = CASES[case]
    task = tmp / f"{case}-task.toml"
    task.write_text(f'[task]\nname = "gym"\nenv_id = "{env_id}"\nepisodes = {runs}\nmax_episode_steps = {MAX_STEPS}\n'
                    + ("" if discrete else 'action_range = "symmetric"\n'))
    cfg = load_neat_python_config(EXAMPLES / config_name, task=str(task),
                                  overrides={"run": {"generations": max_generations, "progress": False,
                                                     "checkpoint_every": 0}})
    t0, main0 = cpu_s(), time.thread_time()
    run = Run.start(cfg, out=tmp / f"{case}-{seed}-{time.time_ns()}", seed=seed)
    counted = [0]  # environment steps so far
    evaluate = run.task.evaluate

    def counting_evaluate(policy: Any, seeds: Any) -> Any:
        result = evaluate(policy, seeds)
        counted[0] += int(result.info["steps"])
        return result

    run.task.evaluate = counting_evaluate  # type: ignore[method-assign]
    means: list[float] = []
    cpu: list[float] = []
    main_cpu: list[float] = []  # this thread's CPU: the rest is the environment's threads (EnvPool steps in its own)
    steps: list[int] = []
    species: list[int] = []
    reached = None
    run.reporters.start(run.view(), False)
    while len(means) < max_generations:
        record = run.step()
        means.append(record["mean_fitness"])
        cpu.append(cpu_s() - t0)
        main_cpu.append(time.thread_time() - main0)
        steps.append(counted[0])
        species.append(record["num_species"])
        if record["mean_fitness"] >= target:
            reached = len(means) - 1
            break
    run.reporters.end(run.view(), {})
    out = {"generations": len(means), "mean_fitness": means, "cpu_s": cpu, "main_thread_cpu_s": main_cpu,
           "steps": steps, "species": species, "reached_generation": reached,
           "cpu_s_to_target": cpu[reached] if reached is not None else None, "total_cpu_s": cpu[-1]}
    if backend_check:
        out["backend_check"] = same_returns_on_both_backends(run, EXAMPLES / config_name, task)
    return out


def same_returns_on_both_backends(run: Any, config: Path, task_file: Path, episodes: int = 10) -> dict[str, Any]:
    """The topoevo side steps the environment where ``vectorization = "auto"`` puts it (EnvPool's C++ port for
    LunarLander-v3 when installed): its next population, evaluated ``episodes`` times per genome on that backend and
    on gymnasium's own environment (``sync``, what neat-python steps), for the fairness of the comparison: the mean
    per-genome difference and its standard error. Not counted in the CPU figures."""
    import numpy as np

    from topoevo.interop.neat_python_config import load_neat_python_config
    from topoevo.run import build_task

    genomes = run.algo.ask()
    seeds = np.arange(len(genomes), dtype=np.int64) + 10**6
    result: dict[str, Any] = {"episodes": episodes, "genomes": len(genomes)}
    fitness = {}
    for vec in ("auto", "sync"):
        task = build_task(load_neat_python_config(config, task=str(task_file),
                                                  overrides={"task": {"episodes": episodes, "vectorization": vec}}))
        t0 = cpu_s()
        r = task.evaluate(run.algo.compile_fn(genomes), seeds)
        fitness[vec] = r.fitness
        result[vec] = {"vectorization": task.vectorization.value, "mean_return": float(r.fitness.mean()),
                       "cpu_s": cpu_s() - t0, "steps": int(r.info["steps"])}
    d = fitness["auto"] - fitness["sync"]
    result["mean_difference"] = float(d.mean())
    result["standard_error"] = float(d.std(ddof=1) / math.sqrt(len(d)))
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from benchmarks.results_io import start, write_results

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1 (tune on "
                                                                ">= 1000)")
    ap.add_argument("--generations", type=int, default=15, help="neat-python's generations")
    ap.add_argument("--peer-budget-cpu-s", type=float, default=900.0)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--backend-check", action=argparse.BooleanOptionalAction, default=True,
                    help="evaluate topoevo's last population on its backend and on gymnasium's (fairness check)")
    ap.add_argument("--results-dir", type=Path, default=None, help="where to write the JSON (default: "
                                                                    "benchmarks/results; elsewhere for tuning runs)")
    args = ap.parse_args(argv)
    start()
    logging.disable(logging.WARNING)
    warm_imports()
    out: dict[str, Any] = {"cases": {}}
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            rows = []
            for seed in seeds:
                peer = neat_python_run(case, seed, args.generations, args.peer_budget_cpu_s)
                ours = topoevo_run(case, seed, peer["final_mean_fitness"], 3 * args.generations, Path(tmp),
                                   backend_check=args.backend_check)
                ratio = None if ours["cpu_s_to_target"] is None else ours["cpu_s_to_target"] / peer["total_cpu_s"]
                rows.append({"seed": seed, "neat_python": peer, "topoevo": ours, "cpu_ratio": ratio})
                print(json.dumps({"case": case, "seed": seed, "peer_final_mean": peer["final_mean_fitness"],
                                  "peer_cpu_s": peer["total_cpu_s"], "topoevo_cpu_s": ours["cpu_s_to_target"],
                                  "ratio": ratio}), flush=True)
            ratios = [r["cpu_ratio"] for r in rows]
            out["cases"][case] = {
                "runs": rows, "reached": sum(r is not None for r in ratios),
                "max_cpu_ratio": max(ratios) if None not in ratios else None,
                "median_cpu_ratio": statistics.median(ratios) if None not in ratios else None}
    summary = {"cases": {c: {k: v for k, v in d.items() if k != "runs"} for c, d in out["cases"].items()}}
    out["summary"] = summary
    write_results("neat_python_gym", out, sys.argv if argv is None else ["benchmarks/neat_python_gym.py", *argv],
                  seeds=seeds, directory=args.results_dir)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
