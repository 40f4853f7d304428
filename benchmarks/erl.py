"""ERL vs TD3 alone vs the GA alone vs random search at equal environment steps (Khadka & Tumer 2018; Such et al.
2017's random-search control), and our TD3 against Stable-Baselines3's TD3 on the same task and budget.

Every method runs ask -> evaluate (the gym task, one episode per candidate) -> tell until it has taken ``--steps``
environment steps (counted from the rollouts, whole generations: a method may overshoot by one generation). The
final policy of each run is tested on ``--test-episodes`` held-out episodes (not counted): ERL / GA / random search
the best candidate of their last generation (random search: the best ever), TD3 its actor without noise, SB3 its
actor. Curves: the best training return of each generation against environment steps.

    python benchmarks/erl.py --env lunarlander_continuous --steps 20000 --seeds 3 --sb3

Last line: ``{"env": ..., "steps": S, "erl": [...], "td3": [...], "ga": [...], "random_search": [...], ...}``
(final mean test returns per seed); written to ``benchmarks/results/erl_<env>.json``, and rewritten after every
whole seed (all methods of seed 0, then seed 1, ...) with ``"complete": false`` until the last one, so a run stopped
early keeps the seeds it finished.

    python benchmarks/erl.py --env pendulum --steps 20000 --seeds 5 --methods td3 --sb3   # our TD3 vs SB3's
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.double_pole_cmaes import write_results  # noqa: E402

ENVS = {"lunarlander_continuous": "tasks/lunarlander_continuous_erl.toml", "pendulum": "tasks/pendulum_erl.toml",
        "bipedalwalker": "tasks/bipedalwalker_erl.toml", "hopper": "tasks/hopper_erl.toml"}
# Khadka & Tumer 2018 (ERL, NeurIPS), their Fig. 3 / Table: mean return at the end of their budgets (MuJoCo v2
# environments, millions of steps); read from the paper's curves, approximate. Our budgets are far smaller.
PAPER = {"hopper": {"env": "Hopper-v2", "steps": 5_000_000, "erl": 3400, "td3/ddpg": 3000,
                    "note": "ERL ~3,400 vs DDPG ~3,000 and EA ~1,000 at 5M steps (paper's curves; approximate)"}}
GA = {"pop_size": 20, "truncation": 5, "elitism": 1, "mutation_power": 0.05}  # deep GA (Such et al. 2017), small
RANDOM_POP = 20


def load(env: str, algorithm: str) -> Any:
    from topoevo.config import load_config

    return load_config(ROOT / ENVS[env], {"run": {"algorithm": algorithm, "progress": False}})


def make_algo(env: str, method: str, seed: int) -> tuple[Any, Any, Any]:
    """(config, task, algorithm) of one method; the GA and random search evaluate the same actor network."""
    import dataclasses

    from topoevo.algorithm import algorithm_class
    from topoevo.config.weights import GAConfig
    from topoevo.run import build_task, fit_genome_to_task

    algorithm = {"erl": "erl", "td3": "td3", "ga": "ga", "random_search": "ga"}[method]
    config = load(env, algorithm)
    if method in ("ga", "random_search"):
        params = dataclasses.replace(config.task.params, record_transitions=False)
        config = config.replace(task=dataclasses.replace(config.task, params=params),
                                ga=GAConfig(**GA) if method == "ga" else GAConfig(pop_size=RANDOM_POP, truncation=1,
                                                                                  elitism=0))
    task = build_task(config)
    config = fit_genome_to_task(config, task)
    return config, task, algorithm_class(algorithm)(config, seed=seed)


def run_method(env: str, method: str, seed: int, steps: int, test_episodes: int) -> dict[str, Any]:
    import numpy as np
    import torch

    torch.set_num_threads(1)
    from topoevo.evaluate import derive_seeds
    from topoevo.search.params import ParameterVector, init_parameters
    from topoevo.search.population import compile_parameters

    config, task, algo = make_algo(env, method, seed)
    t0 = time.process_time()
    taken, curve, best_random, learner_curve = 0, [], None, []
    last_best = None
    while taken < steps:
        cands = algo.ask()
        if method == "random_search":  # Such et al.'s control: every generation fresh random networks
            algo.population = init_parameters(algo.spec, algo.rng, RANDOM_POP, config.model.init_scale)
            cands = algo.ask()
        result = task.evaluate(algo.compile_fn(cands), derive_seeds(seed, algo.generation, len(cands)))
        if method in ("erl", "td3"):
            algo.observe(result.info)
        taken += int(result.info["steps"])
        f = np.asarray(result.fitness, dtype=np.float64)
        i = int(np.argmax(f))
        last_best = ParameterVector(algo.spec, cands.values[i].copy(), float(f[i]))
        if method == "random_search" and (best_random is None or f[i] > best_random.fitness):
            best_random = last_best
        stats = algo.tell(f)
        curve.append([taken, float(f.max())])
        if method == "erl":  # the learner's exploring rollout, and how many of the population it beat
            learner_curve.append([taken, float(f[-1]), int((f[:-1] < f[-1]).sum()), stats.updates])
    final = {"td3": None, "random_search": best_random}.get(method, last_best)
    if method == "td3":
        final = algo.learner.actor_candidate()
    test = float(task.held_out_return(compile_parameters([final]), episodes=test_episodes)[0])
    task.close()
    return {"method": method, "seed": seed, "steps": taken, "generations": algo.generation, "test_return": test,
            "curve": curve, "cpu_s": round(time.process_time() - t0, 1),
            **({"learner_curve": learner_curve} if method == "erl" else {})}


def run_sb3(env: str, seed: int, steps: int, test_episodes: int) -> dict[str, Any]:
    """Stable-Baselines3's TD3 with our learner's settings: same networks (actor ReLU 64-64 + tanh, critics),
    batch, learning rate, noise, learning_starts, and one gradient step per environment step after each episode."""
    import numpy as np
    import torch
    from stable_baselines3 import TD3 as SB3TD3
    from stable_baselines3.common.noise import NormalActionNoise

    torch.set_num_threads(1)
    config = load(env, "td3")
    e, m, p = config.erl, config.model, config.task.params
    import gymnasium as gym

    venv = gym.make(p.env_id)
    n = venv.action_space.shape[0]
    model = SB3TD3("MlpPolicy", venv, learning_rate=e.actor_learning_rate, buffer_size=e.buffer_size,
                   learning_starts=e.learning_starts, batch_size=e.batch_size, tau=e.tau, gamma=e.gamma,
                   train_freq=(1, "episode"), gradient_steps=-1, policy_delay=e.policy_delay,
                   target_policy_noise=e.policy_noise, target_noise_clip=e.noise_clip,
                   action_noise=NormalActionNoise(np.zeros(n), e.exploration_noise * np.ones(n)),
                   policy_kwargs={"net_arch": {"pi": list(m.hidden), "qf": list(e.critic_hidden)},
                                  "activation_fn": torch.nn.ReLU}, seed=seed, device="cpu", verbose=0)
    t0 = time.process_time()
    model.learn(total_timesteps=steps)
    from topoevo.run import build_task

    task = build_task(config)  # the held-out episodes our methods are tested on, through the same environments
    test = float(task.held_out_return(SB3Actor(model.actor), episodes=test_episodes)[0])
    task.close()
    return {"method": "sb3_td3", "seed": seed, "steps": steps, "test_return": test,
            "cpu_s": round(time.process_time() - t0, 1)}


def sb3_settings(env: str) -> dict[str, Any]:
    """The settings both TD3s ran with (ours from the task file's ``[erl]``/``[model]``, SB3 given the same), and the
    SB3 version: the record that the comparison was like for like."""
    import stable_baselines3

    config = load(env, "td3")
    e, m = config.erl, config.model
    return {"sb3_version": stable_baselines3.__version__, "actor_hidden": list(m.hidden),
            "critic_hidden": list(e.critic_hidden), "activation": "relu", "learning_rate": e.actor_learning_rate,
            "critic_learning_rate": e.critic_learning_rate, "batch_size": e.batch_size,
            "learning_starts": e.learning_starts, "tau": e.tau, "gamma": e.gamma, "policy_delay": e.policy_delay,
            "target_policy_noise": e.policy_noise, "target_noise_clip": e.noise_clip,
            "exploration_noise": e.exploration_noise, "train_freq": "1 episode",
            "gradient_steps": "one per environment step of the episode", "buffer_size": e.buffer_size}


class SB3Actor:
    """Stable-Baselines3's deterministic actor (actions in [-1, 1], as ours) as a batched policy of size 1, so that
    it is tested on our task's held-out episodes through the same environment implementation as our methods."""

    size = 1

    def __init__(self, actor: Any):
        self.actor = actor

    def reset(self) -> None:
        pass

    def __call__(self, obs: Any) -> Any:
        import numpy as np
        import torch

        x = torch.as_tensor(np.asarray(obs), dtype=torch.float32)
        with torch.no_grad():
            out = self.actor(x.reshape(-1, x.shape[-1]))
        return out.reshape(*x.shape[:-1], out.shape[-1])


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    colors = {"erl": "C0", "td3": "C1", "ga": "C2", "random_search": "C3"}
    for run in result["runs"]:
        if "curve" not in run:
            continue
        xs, ys = zip(*run["curve"])
        ax.plot(xs, ys, color=colors[run["method"]], alpha=0.7,
                label=run["method"] if run["seed"] == result["seeds"][0] else None)
    ax.set_xlabel("environment steps")
    ax.set_ylabel("best training return of the generation")
    ax.set_title(f"{result['env']}: ERL vs TD3 vs GA vs random search")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--env", choices=sorted(ENVS), required=True)
    ap.add_argument("--steps", type=int, default=20_000)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--test-episodes", type=int, default=5)
    ap.add_argument("--methods", default="erl,td3,ga,random_search")
    ap.add_argument("--sb3", action="store_true", help="also Stable-Baselines3's TD3 (the reference for ours)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--tag", default="", help="results file erl_<env>_<tag>.json (another budget beside the first)")
    args = ap.parse_args(argv)
    from concurrent.futures import ProcessPoolExecutor

    load_before = list(os.getloadavg())
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    methods = [*args.methods.split(","), *(["sb3_td3"] if args.sb3 else [])]
    # seed by seed (every method of a seed before the next seed): a run stopped early leaves whole seeds behind
    jobs = [(run_sb3, (args.env, s, args.steps, args.test_episodes)) if m == "sb3_td3" else
            (run_method, (args.env, m, s, args.steps, args.test_episodes)) for s in seeds for m in methods]
    name = f"erl_{args.env}" + (f"_{args.tag}" if args.tag else "")
    command = argv if argv is not None else sys.argv[1:]
    runs: list[dict[str, Any]] = []

    def result_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
        done = sorted({r["seed"] for r in runs if sum(q["seed"] == r["seed"] for q in runs) == len(methods)})
        result: dict[str, Any] = {"env": args.env, "steps": args.steps}
        for m in methods:
            result[m] = [r["test_return"] for r in runs if r["method"] == m and r["seed"] in done]
        if args.sb3:
            result["sb3_settings"] = sb3_settings(args.env)
        result.update(seeds=done, test_episodes=args.test_episodes, sb3_test="our task's held-out episodes",
                      paper=PAPER.get(args.env), ga_settings=GA, random_search_pop=RANDOM_POP,
                      runs=[r for r in runs if r["seed"] in done], _load_before=load_before)
        if done != seeds:
            result["complete"] = False  # stopped early, or still running: the seeds measured so far
        return result

    def report(r: dict[str, Any]) -> None:
        runs.append(r)
        print(f"{r['method']:>14} seed {r['seed']}: test return {r['test_return']:9.2f} after {r['steps']} steps "
              f"({r['cpu_s']} CPU s)", flush=True)
        partial = result_of(runs)
        if len(runs) < len(jobs) and len(runs) % len(methods) == 0 and partial["seeds"]:
            write_results(name, partial, command, partial["seeds"], script="erl.py")

    if args.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.jobs) as pool:
            for fut in [pool.submit(fn, *a) for fn, a in jobs]:
                report(fut.result())
    else:
        for fn, a in jobs:
            report(fn(*a))
    result = result_of(runs)
    plot(result, ROOT / "benchmarks" / "results" / f"{name}.png")
    write_results(name, result, command, seeds, script="erl.py")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
