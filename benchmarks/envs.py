"""Environment stepping: evaluations per second of one NEAT generation (population 150, 3 episodes each, the same
genomes on both sides) with gymnasium (its native vector environment where topoevo can seed one, CartPole-v1;
one environment per episode stepped in this process otherwise) and with EnvPool (the whole generation as one batch
of C++ environments), on CartPole-v1, Acrobot-v1, MountainCarContinuous-v0, Pendulum-v1 and LunarLander-v3.

Both sides run the gym task's ``evaluate`` on the same compiled population and the same evaluation seeds, torch on
one thread and EnvPool on one thread (``--threads``), alternating sides ``--repeats`` times; the median wall time
per side gives evaluations/s, and CPU seconds of this process are reported beside it. The two engines start
different episodes from the same seed (their own random generators), so episode lengths, the cost driver, are
reported too: a ratio means something only when the mean lengths are alike.

Two figures explain the ratios. ``envpool_pool_build_ms``: building the EnvPool pool of an evaluation's 450
environments (EnvPool fixes seeds at creation, so every evaluation builds one; median of ``--repeats`` builds), to
set against the evaluation's time. ``raw_*``: the bare engines, CPU seconds per environment step of 450
environments stepped together with a fixed action and no policy (gymnasium as the task steps it: the native vector
environment, else a Python loop over ``gymnasium.make`` environments; EnvPool: the pool, every environment by
``env_id``), and their ratio ``raw_ratio``: the task's ratio cannot exceed it, since the policy and the loop cost the
same on both sides.

Then the hidden-cost test: ``tasks/acrobot.toml`` (EnvPool where installed) run by the run loop for ``--seeds``
seeds; wall seconds from ``Run.start`` to the written champion, and the champion's mean return over 100 held-out
episodes (solved at -100).

The last line is one JSON object: ``{"cartpole": {"gymnasium_evals_per_s": x, "envpool_evals_per_s": y, ...},
..., "acrobot_run": {...}, "meta": {...}}``, also written to benchmarks/results/envs.json.

    python benchmarks/envs.py --repeats 3 --seeds 5
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.cartpole import topoevo_run  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
ENVS = ["CartPole-v1", "Acrobot-v1", "MountainCarContinuous-v0", "Pendulum-v1", "LunarLander-v3"]
POP, EPISODES = 150, 3
LOAD_BEFORE = list(__import__("os").getloadavg())  # the machine's load when the script started


def write_results(name: str, obj: dict[str, Any], argv: list[str], seeds: list[int]) -> Path:
    """Add ``meta`` to ``obj`` and write it to benchmarks/results/<name>.json (through benchmarks/results_io.py,
    with the load average of when this script started)."""
    from benchmarks.results_io import Session, write_results as write

    return write(name, obj, argv, seeds=seeds, session=Session(load_before=LOAD_BEFORE))


def key(env_id: str) -> str:
    """'MountainCarContinuous-v0' -> 'mountaincarcontinuous'."""
    return env_id.rsplit("-v", 1)[0].lower()


def generation(env_id: str, vectorization: str, seed: int, threads: int) -> tuple[Any, Any]:
    """The task on one backend and the compiled generation-0 NEAT population of ``seed`` (same genomes on every
    backend: they depend on the network's sizes only)."""
    from topoevo.config import Config
    from topoevo.evaluate import compile_genomes
    from topoevo.neat import NEAT
    from topoevo.run import build_task, fit_genome_to_task

    config = Config.from_dict({"task": {"name": "gym", "env_id": env_id, "episodes": EPISODES,
                                        "vectorization": vectorization, "num_threads": threads},
                               "neat": {"pop_size": POP}})
    task = build_task(config)
    algo = NEAT(fit_genome_to_task(config, task), seed=seed)
    return task, compile_genomes(algo.ask())


def measure(env_id: str, repeats: int, threads: int, seed: int) -> dict[str, Any]:
    import numpy as np

    from topoevo.evaluate import derive_seeds

    sides = {name: generation(env_id, name, seed, threads) for name in ("gymnasium", "envpool")}
    seeds = derive_seeds(seed, 0, POP)
    wall: dict[str, list[float]] = {name: [] for name in sides}
    cpu: dict[str, list[float]] = {name: [] for name in sides}
    lengths: dict[str, float] = {}
    returns: dict[str, float] = {}
    for r in range(repeats):
        for name in (("gymnasium", "envpool") if r % 2 == 0 else ("envpool", "gymnasium")):
            task, policy = sides[name]
            t0, c0 = time.perf_counter(), time.process_time()
            result = task.evaluate(policy, seeds)
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
            lengths[name] = float(np.mean(result.info["episode_lengths"]))
            returns[name] = float(np.mean(result.fitness))
    for task, _ in sides.values():
        task.close()
    out: dict[str, Any] = {}
    for name in sides:
        out[f"{name}_evals_per_s"] = POP / statistics.median(wall[name])
        out[f"{name}_evals_per_cpu_s"] = POP / statistics.median(cpu[name])
        out[f"{name}_mean_episode_length"] = lengths[name]
        out[f"{name}_mean_return"] = returns[name]
        out[f"{name}_steps_per_s"] = POP * EPISODES * lengths[name] / statistics.median(wall[name])
    out["ratio"] = out["envpool_evals_per_s"] / out["gymnasium_evals_per_s"]
    out["ratio_steps"] = out["envpool_steps_per_s"] / out["gymnasium_steps_per_s"]
    out["gymnasium_mode"] = sides["gymnasium"][0].vectorization.value
    out.update(raw_engines(env_id, repeats, threads))
    out["envpool_eval_ms"] = 1e3 * statistics.median(wall["envpool"])
    out["envpool_eval_cpu_ms"] = 1e3 * statistics.median(cpu["envpool"])
    return out


def raw_engines(env_id: str, repeats: int, threads: int, steps: int = 200) -> dict[str, float]:
    """CPU microseconds per environment step of the bare engines (450 environments, a fixed action, no policy;
    finished episodes restart), alternating sides, and the EnvPool pool build time (ms, median)."""
    import gymnasium as gym
    import numpy as np

    from topoevo.tasks.envpool_backend import make_pool

    n = POP * EPISODES
    pool = make_pool(env_id, list(range(n)), threads, {})
    pool.reset()
    ids = np.arange(n, dtype=np.int32)
    space = pool.single_action_space
    fixed = np.zeros((n, *space.shape), dtype=np.float32) if space.shape else np.zeros(n, dtype=np.int32)
    spec = gym.spec(env_id)
    if spec.vector_entry_point is not None and env_id == "CartPole-v1":
        vec = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point")
        vec.reset(seed=0)
        actions = fixed.astype(np.int64)

        def gym_step() -> None:
            vec.step(actions)
    else:
        envs = [gym.make(env_id) for _ in range(n)]
        for k, env in enumerate(envs):
            env.reset(seed=k)
        one = fixed[0] if space.shape else int(fixed[0])

        def gym_step() -> None:
            for env in envs:
                _, _, terminated, truncated, _ = env.step(one)
                if terminated or truncated:
                    env.reset()

    def pool_step() -> None:
        pool.step(fixed, env_id=ids)

    cpu: dict[str, list[float]] = {"gymnasium": [], "envpool": []}
    for r in range(repeats):
        for name, fn in ((("gymnasium", gym_step), ("envpool", pool_step)) if r % 2 == 0
                         else (("envpool", pool_step), ("gymnasium", gym_step))):
            c0 = time.process_time()
            for _ in range(steps):
                fn()
            cpu[name].append((time.process_time() - c0) / (steps * n) * 1e6)
    pool.close()
    builds, build_cpu = [], []
    for _ in range(max(3, repeats)):
        t0, c0 = time.perf_counter(), time.process_time()
        make_pool(env_id, list(range(n)), threads, {}).close()
        builds.append((time.perf_counter() - t0) * 1e3)
        build_cpu.append((time.process_time() - c0) * 1e3)
    g, e = statistics.median(cpu["gymnasium"]), statistics.median(cpu["envpool"])
    return {"raw_gymnasium_cpu_us_per_step": g, "raw_envpool_cpu_us_per_step": e, "raw_ratio": g / e,
            "envpool_pool_build_ms": statistics.median(builds), "envpool_pool_build_cpu_ms": statistics.median(build_cpu)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3, help="timed evaluations per side (alternating)")
    p.add_argument("--threads", type=int, default=1, help="EnvPool threads (torch runs on one)")
    p.add_argument("--seeds", type=int, default=5, help="runs of the Acrobot hidden-cost test (seeds 0..N-1)")
    p.add_argument("--envs", nargs="*", default=ENVS)
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    results: dict[str, Any] = {}
    for env_id in args.envs:
        results[key(env_id)] = measure(env_id, args.repeats, args.threads, seed=0)
        print(key(env_id), json.dumps(results[key(env_id)]), file=sys.stderr)
    runs = [topoevo_run(ROOT / "tasks" / "acrobot.toml", seed) for seed in range(args.seeds)]
    results["acrobot_run"] = {"task_file": "tasks/acrobot.toml", "seeds": list(range(args.seeds)),
                              "solved": sum(r["solved"] for r in runs), "wall_s": [r["wall_s"] for r in runs],
                              "cpu_s": [r["cpu_s"] for r in runs], "evals": [r["evals"] for r in runs],
                              "held_out_return": [r["test_return"] for r in runs],
                              "max_wall_s": max(r["wall_s"] for r in runs)}
    write_results("envs", results, sys.argv if argv is None else ["benchmarks/envs.py", *argv],
                  seeds=list(range(args.seeds)))
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
