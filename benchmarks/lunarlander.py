"""LunarLander-v3: time and evaluations to a champion whose mean return over 100 held-out episodes reaches 200,
topoevo against neat-python 2.0 side by side (same script, same machine, same number of cores).

For each seed the two runs follow each other, so both see the same machine load:

- topoevo: ``topoevo.run.Run`` of ``tasks/lunarlander.toml`` (progress off), torch limited to ``--cores`` threads.
  The run loop tests each generation's champion on 100 held-out episodes when its training fitness reaches 200.
- neat-python 2.0 with its CartPole example config (``benchmarks/peers/data/cartpole-config-feedforward``) resized
  to 8 inputs and 4 outputs, population 150, otherwise unchanged; fitness = mean return of the same number of
  episodes per genome as the topoevo task file; action = index of the largest output (ties: the first). Each
  generation's best genome (first in evaluation order on ties) is tested on 100 held-out episodes (seeds never used
  in training) when its fitness reaches 200 -- the same rule as topoevo's run loop; neat-python's CartPole peer
  tests every generation, which would cost several seconds per generation here. Serial with ``--cores 1``,
  ``neat.ParallelEvaluator(cores)`` otherwise.

Both sides stop at the first champion that passes, or when out of budget (``--generations`` for both, and
``--peer-budget-cpu-s`` of CPU time for neat-python -- process CPU seconds, so the budget does not shrink when other
processes share the cores; with ``--cores`` > 1 its workers' CPU is not counted, so use ``--cores 1`` for budgets --
an unsolved neat-python run is recorded as such, with its time). Evaluations to solve count whole generations on
both sides (the champion is chosen by ranking the generation).
Wall times include the held-out tests. The last line is one JSON object: ``{"runs", "solved", "median_wall_s",
"median_evals", "neat_python": {same keys}, ...}``.

    python benchmarks/lunarlander.py --seeds 3 --peer-budget-cpu-s 600
"""
from __future__ import annotations

import argparse
import functools
import json
import logging
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.cartpole import compare, topoevo_run  # noqa: E402

log = logging.getLogger("benchmarks.lunarlander")

ENV_ID = "LunarLander-v3"
TASK_FILE = ROOT / "tasks" / "lunarlander.toml"
SOLVED_RETURN = 200.0
TEST_EPISODES = 100
TEST_SEED_BASE = 2_000_000_000  # held-out seeds TEST_SEED_BASE + i; training seeds stay below


# ---------------------------------------------------------------------------------------------------------------------
# neat-python side
# ---------------------------------------------------------------------------------------------------------------------
_ENV: dict[str, Any] = {}


def _env() -> Any:
    env = _ENV.get(ENV_ID)
    if env is None:
        import gymnasium

        env = _ENV[ENV_ID] = gymnasium.make(ENV_ID)
    return env


def peer_config_path(pop_size: int, directory: str | Path) -> Path:
    """neat-python's CartPole example config with 8 inputs, 4 outputs and ``pop_size``, written to ``directory``."""
    from benchmarks.peers.neat_python_peer import CARTPOLE_CONFIG

    values = {"num_inputs": "8", "num_outputs": "4", "pop_size": str(pop_size)}
    lines = []
    for line in CARTPOLE_CONFIG.read_text().splitlines():
        key = line.split("=")[0].strip()
        lines.append(f"{key} = {values[key]}" if key in values else line)
    path = Path(directory) / "lunarlander-config-feedforward"
    path.write_text("\n".join(lines) + "\n")
    return path


def episode_return(net: Any, seed: int) -> float:
    env = _env()
    obs, _ = env.reset(seed=seed)
    total = 0.0
    while True:
        out = net.activate(obs.tolist())
        action = max(range(len(out)), key=out.__getitem__)  # first index of the largest output
        obs, reward, terminated, truncated, _ = env.step(action)
        total += float(reward)
        if terminated or truncated:
            return total


def peer_fitness(genome: Any, config: Any, run_seed: int = 0, generation: int = 0, episodes: int = 3) -> float:
    """Mean return over ``episodes`` training episodes (module-level so ParallelEvaluator can pickle it)."""
    import neat

    from benchmarks.peers.neat_python_peer import training_seed

    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return sum(episode_return(net, training_seed(run_seed, generation, genome.key, e))
               for e in range(episodes)) / episodes


def peer_test(genome: Any, config: Any, episodes: int = TEST_EPISODES) -> float:
    import neat

    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return sum(episode_return(net, TEST_SEED_BASE + i) for i in range(episodes)) / episodes


@dataclass
class PeerResult:
    solved: bool
    wall_s: float
    cpu_s: float
    evals: int  # genomes evaluated (whole generations); tests not counted
    generations: int
    test_return: float | None  # held-out mean return of the last tested champion
    tests: int  # held-out tests run
    test_s: float
    stop: str  # "solved", "generations", "budget", "extinction"
    seed: int


class _Stop(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def peer_run(seed: int, episodes: int = 3, pop_size: int = 150, max_generations: int = 500,
             budget_cpu_s: float = 0.0, workers: int = 0) -> dict[str, Any]:
    """One neat-python run on LunarLander-v3 (see the module docstring)."""
    import neat

    from benchmarks.peers.neat_python_peer import _no_progress_bar, load_config

    state: dict[str, Any] = {"generation": 0, "evals": 0, "test_return": None, "tests": 0, "test_s": 0.0}
    pool = None
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(peer_config_path(pop_size, tmp))
    t0, c0 = time.perf_counter(), time.process_time()

    def eval_genomes(genomes: list[tuple[int, Any]], cfg: Any) -> None:
        gen = state["generation"]
        if budget_cpu_s and time.process_time() - c0 >= budget_cpu_s:
            raise _Stop("budget")
        state["generation"] += 1
        fit: Callable[..., float] = functools.partial(peer_fitness, run_seed=seed, generation=gen, episodes=episodes)
        if pool is None:
            for _, g in genomes:
                g.fitness = fit(g, cfg)
        else:
            pool.eval_function = fit
            pool.evaluate(genomes, cfg)
        state["evals"] += len(genomes)
        best = None
        for _, g in genomes:
            if best is None or g.fitness > best.fitness:
                best = g
        if best.fitness >= SOLVED_RETURN:
            t1 = time.perf_counter()
            state["test_return"] = peer_test(best, cfg)
            state["tests"] += 1
            state["test_s"] += time.perf_counter() - t1
            if state["test_return"] >= SOLVED_RETURN:
                raise _Stop("solved")

    if workers >= 1:
        pool = neat.ParallelEvaluator(workers, peer_fitness)
    stop = "generations"
    progress_bar = neat.parallel.tqdm
    neat.parallel.tqdm = _no_progress_bar
    try:
        neat.Population(config, seed=seed).run(eval_genomes, max_generations)
    except _Stop as s:
        stop = s.reason
    except neat.CompleteExtinctionException:
        stop = "extinction"
    finally:
        neat.parallel.tqdm = progress_bar
        if pool is not None:
            pool.close()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return asdict(PeerResult(stop == "solved", wall, cpu, state["evals"], state["generation"], state["test_return"],
                             state["tests"], state["test_s"], stop, seed))


# ---------------------------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--cores", type=int, default=1, help="cores per side: torch threads / neat-python workers")
    p.add_argument("--task", default=str(TASK_FILE))
    p.add_argument("--generations", type=int, default=None, help="generation cap of both sides (default: the task "
                                                                  "file's run.generations)")
    p.add_argument("--peer-budget-cpu-s", type=float, default=0.0,
                   help="CPU-time budget of each neat-python run; 0 = 3x the CPU of the topoevo run of the same seed")
    p.add_argument("--skip-peer", action="store_true", help="topoevo only (no comparison)")
    args = p.parse_args(argv)
    from benchmarks.results_io import start, write_results

    start()
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    from topoevo.config import load_config

    config = load_config(args.task)
    generations = args.generations or config.run.generations
    episodes, pop = config.task.params.episodes, 150
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    print(f"# {ENV_ID}: {args.task} vs neat-python 2.0 (pop {pop}, {episodes} episodes per genome), seeds "
          f"{seeds[0]}..{seeds[-1]}, {args.cores} core(s) each, at most {generations} generations")
    workers = 0 if args.cores == 1 else args.cores
    last: dict[str, float] = {}

    def ours(s: int) -> dict[str, Any]:
        r = topoevo_run(args.task, s, args.cores, {"run": {"generations": generations}})
        last["cpu_s"] = r["cpu_s"]
        return r

    def theirs(s: int) -> dict[str, Any]:
        if args.skip_peer:
            return {"solved": False, "wall_s": float("nan"), "cpu_s": float("nan"), "evals": 0, "generations": 0,
                    "test_return": float("nan"), "stop": "skipped", "seed": s}
        budget = args.peer_budget_cpu_s or 3.0 * last["cpu_s"]
        return peer_run(s, episodes, pop, generations, budget, workers)

    result = compare(seeds, ours, theirs, ENV_ID)
    result["cores"] = args.cores
    result["neat_python"]["stops"] = [r["stop"] for r in result["per_run"]["neat_python"]]
    print(f"# topoevo solved {result['solved']}/{result['runs']}, median {result['median_wall_s']:.1f} s wall, "
          f"{result['median_evals']} evals | neat-python solved {result['neat_python']['solved']}/"
          f"{result['neat_python']['runs']} (stops {result['neat_python']['stops']}), median "
          f"{result['neat_python']['median_wall_s']:.1f} s wall")
    result["peer_budget_cpu_s"] = args.peer_budget_cpu_s or "3x topoevo's CPU of the seed"
    write_results("lunarlander", result, sys.argv if argv is None else [__file__, *argv], seeds=seeds)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
