"""neat-python 2.0 as a benchmark peer: XOR (S&M02 protocol), its reproduction cost, CartPole-v1.

Each public function runs neat-python as its users run it (its own example configs, unchanged, read from
``benchmarks/peers/data/``) and returns a dict of measured figures; nothing here is assumed or hard-coded.
neat-python draws every random number from Python's global ``random`` module; each run seeds it (through
``neat.Population(config, seed=...)``), so a seed gives the same run every time.

>>> from benchmarks.peers.neat_python_peer import xor_run
>>> xor_run(3)["solved"] in (True, False)
True
"""
from __future__ import annotations

import functools
import logging
import math
import random
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import neat

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent / "data"
XOR_CONFIG = DATA / "xor-config-feedforward"
CARTPOLE_CONFIG = DATA / "cartpole-config-feedforward"

XOR_INPUTS: tuple[tuple[float, float], ...] = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
XOR_TARGETS: tuple[float, ...] = (0.0, 1.0, 1.0, 0.0)

#: CartPole-v1 held-out test: this many episodes, seeds from TEST_SEED_BASE up (training seeds stay below it).
CARTPOLE_TEST_EPISODES = 100
CARTPOLE_SOLVED_RETURN = 475.0
TEST_SEED_BASE = 2_000_000_000


def load_config(path: str | Path) -> neat.Config:
    """A neat-python Config with its default classes (fresh each call: neat keeps run state in the config)."""
    return neat.Config(neat.DefaultGenome, neat.DefaultReproduction, neat.DefaultSpeciesSet, neat.DefaultStagnation,
                       str(path))


class _Solved(Exception):
    """Raised from a fitness function to stop ``Population.run`` at the first solving genome."""

    def __init__(self, genome: Any, index: int):
        super().__init__(f"solved by genome {genome.key}")
        self.genome = genome
        self.index = index


# ---------------------------------------------------------------------------------------------------------------------
# XOR
# ---------------------------------------------------------------------------------------------------------------------
@dataclass
class XORResult:
    solved: bool
    evals: int  # genomes evaluated up to and including the winner (all evaluated genomes if unsolved)
    generations: int  # generation of the winner, counting from 1 (the cap if unsolved)
    hidden: int  # hidden node genes of the winner (-1 if unsolved)
    hidden_expressed: int  # hidden nodes its network actually computes (neat-python's pruned copy; -1 if unsolved)
    enabled_connections: int  # enabled connection genes of the winner (-1 if unsolved)
    wall_s: float  # Population creation to the end of the run, this process
    cpu_s: float  # the same span in process CPU time (robust when other processes share the cores)
    seed: int


def xor_correct(outputs: Sequence[float]) -> bool:
    """S&M02 success: every output strictly on its target's side of 0.5."""
    return all((o > 0.5) if t > 0.5 else (o < 0.5) for o, t in zip(outputs, XOR_TARGETS))


def xor_run(seed: int, config_path: str | Path = XOR_CONFIG, max_generations: int = 300) -> dict[str, Any]:
    """One neat-python XOR run with its example config and fitness ``4 - sum (out - target)^2``.

    Stops at the first genome (in neat-python's evaluation order) whose four outputs are all on the correct side
    of 0.5; its own fitness threshold (3.9) implies that criterion, so it never stops a run first.
    ``evals`` = genomes evaluated in earlier generations + the winner's 1-based index in its generation
    (= pop x (generations - 1) + index, as neat-python 2.0 keeps the population size at exactly ``pop_size``).
    """
    config = load_config(config_path)
    counter = {"evaluated": 0, "generation": 0}

    def eval_genomes(genomes: list[tuple[int, Any]], cfg: neat.Config) -> None:
        counter["generation"] += 1
        for index, (_, genome) in enumerate(genomes, start=1):
            net = neat.nn.FeedForwardNetwork.create(genome, cfg)
            outputs = [net.activate(xi)[0] for xi in XOR_INPUTS]
            genome.fitness = 4.0 - sum((o - t) ** 2 for o, t in zip(outputs, XOR_TARGETS))
            if xor_correct(outputs):
                counter["evaluated"] += index
                raise _Solved(genome, index)
        counter["evaluated"] += len(genomes)

    t0, c0 = time.perf_counter(), time.process_time()
    population = neat.Population(config, seed=seed)
    winner = None
    try:
        population.run(eval_genomes, max_generations)
    except _Solved as solved:
        winner = solved.genome
    except neat.CompleteExtinctionException:
        log.info("seed %d: complete extinction in generation %d", seed, counter["generation"])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if winner is None:
        return asdict(XORResult(False, counter["evaluated"], counter["generation"], -1, -1, -1, wall, cpu, seed))
    gc = config.genome_config
    hidden = sum(1 for k in winner.nodes if k not in gc.output_keys)
    pruned = winner.get_pruned_copy(gc)
    expressed = sum(1 for k in pruned.nodes if k not in gc.output_keys)
    enabled = sum(1 for c in winner.connections.values() if c.enabled)
    return asdict(XORResult(True, counter["evaluated"], counter["generation"], hidden, expressed, enabled, wall, cpu,
                            seed))


def xor_summary(seeds: Sequence[int], config_path: str | Path = XOR_CONFIG,
                max_generations: int = 300) -> dict[str, Any]:
    """``xor_run`` over several seeds: success count, evaluations (solved runs) and wall times."""
    runs = [xor_run(s, config_path, max_generations) for s in seeds]
    ok = [r for r in runs if r["solved"]]
    evals = [r["evals"] for r in ok]
    return {
        "runs": len(runs), "solved": len(ok),
        "evals_mean": statistics.fmean(evals) if evals else None,
        "evals_median": statistics.median(evals) if evals else None,
        "hidden_mean": statistics.fmean(r["hidden"] for r in ok) if ok else None,
        "hidden_expressed_mean": statistics.fmean(r["hidden_expressed"] for r in ok) if ok else None,
        "wall_median_s": statistics.median(r["wall_s"] for r in runs),
        "wall_median_solved_s": statistics.median(r["wall_s"] for r in ok) if ok else None,
        "cpu_median_s": statistics.median(r["cpu_s"] for r in runs),
        "cpu_median_solved_s": statistics.median(r["cpu_s"] for r in ok) if ok else None,
        "per_run": runs,
    }


# ---------------------------------------------------------------------------------------------------------------------
# Reproduction cost
# ---------------------------------------------------------------------------------------------------------------------
#: genome shapes for the reproduction timing: (num_inputs, num_outputs, num_hidden, target enabled connections);
#: everything else is the XOR example config. "conn100" starts from 10 inputs, 4 outputs, 5 hidden, full_direct
#: (10*5 + 5*4 + 10*4 = 110 connections); "xor" from 2 inputs, 1 output (2 connections) and grows to ~6.
REPRODUCTION_SHAPES: dict[str, tuple[int, int, int, int]] = {"xor": (2, 1, 0, 6), "conn100": (10, 4, 5, 100)}


def _config_with_shape(num_inputs: int, num_outputs: int, num_hidden: int) -> neat.Config:
    """The XOR example config with other network sizes (written to a temporary file: neat.Config reads files)."""
    values = {"num_inputs": num_inputs, "num_outputs": num_outputs, "num_hidden": num_hidden}
    lines = []
    for line in XOR_CONFIG.read_text().splitlines():
        key = line.split("=")[0].strip()
        lines.append(f"{key} = {values[key]}" if key in values else line)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config"
        path.write_text("\n".join(lines) + "\n")
        return load_config(path)


def reproduction_timing(kind: str, pop_size: int = 150, generations: int = 30, warmup: int = 20,
                        seed: int = 0) -> dict[str, Any]:
    """Time neat-python's own GA code per genome, with no task at all.

    Fitness is random: ``uniform(0, 1) - |enabled connections - target| / target``. The size term only keeps the
    genomes at the stated size (with purely random fitness the XOR config's equal add/delete rates shrink them to
    ~1 connection, as add-connection often fails and delete never does); reported as ``enabled_connections_mean``.
    The loop is ``Population.run``'s: assign fitness -> ``DefaultReproduction.reproduce`` (stagnation, adjusted
    fitness, spawn counts, parent selection, crossover, mutation, elites) -> ``DefaultSpeciesSet.speciate``.
    After ``warmup`` untimed generations, each of the next ``generations`` times ``reproduce`` and ``speciate``
    separately. Figures are microseconds per genome of the new generation (elites included, as they are part of
    what ``reproduce`` returns), in process CPU time (``time.process_time``: robust when other processes share the
    cores) and, with the ``_wall`` suffix, in wall time (``time.perf_counter``).
    """
    if kind not in REPRODUCTION_SHAPES:
        raise ValueError(f"kind: expected one of {sorted(REPRODUCTION_SHAPES)}, got {kind!r}")
    n_in, n_out, n_hidden, target = REPRODUCTION_SHAPES[kind]
    config = _config_with_shape(n_in, n_out, n_hidden)
    config.pop_size = pop_size
    population = neat.Population(config, seed=seed)
    fitness_rng = random.Random(seed + 1)  # apart from neat's global random, so it does not shift neat's draws
    repro, species = population.reproduction, population.species
    cpu = {"reproduce": 0.0, "speciate": 0.0}
    wall = {"reproduce": 0.0, "speciate": 0.0}
    children = 0
    enabled: list[int] = []
    for gen in range(warmup + generations):
        for g in population.population.values():
            size = sum(1 for c in g.connections.values() if c.enabled)
            g.fitness = fitness_rng.random() - abs(size - target)
        c0, w0 = time.process_time(), time.perf_counter()
        new = repro.reproduce(config, species, config.pop_size, gen)
        c1, w1 = time.process_time(), time.perf_counter()
        if not species.species:
            raise RuntimeError(f"{kind}: complete extinction in generation {gen}")
        species.speciate(config, new, gen)
        c2, w2 = time.process_time(), time.perf_counter()
        population.population = new
        if gen >= warmup:
            cpu["reproduce"] += c1 - c0
            cpu["speciate"] += c2 - c1
            wall["reproduce"] += w1 - w0
            wall["speciate"] += w2 - w1
            children += len(new)
            enabled.extend(sum(1 for c in g.connections.values() if c.enabled) for g in new.values())
    us = 1e6 / children
    return {
        "kind": kind, "pop_size": pop_size, "generations_timed": generations, "warmup": warmup,
        "us_per_child_reproduce": us * cpu["reproduce"],
        "us_per_child_speciate": us * cpu["speciate"],
        "us_per_child_reproduce_speciate": us * (cpu["reproduce"] + cpu["speciate"]),
        "us_per_child_reproduce_wall": us * wall["reproduce"],
        "us_per_child_reproduce_speciate_wall": us * (wall["reproduce"] + wall["speciate"]),
        "enabled_connections_mean": statistics.fmean(enabled),
        "nodes_mean": statistics.fmean(len(g.nodes) for g in population.population.values()),
        "species_last": len(species.species),
    }


def reproduction_us_per_child(kind: str, pop_size: int = 150, generations: int = 30, *,
                              include_speciation: bool = False, warmup: int = 20, seed: int = 0) -> float:
    """Microseconds (process CPU time) per child of ``DefaultReproduction.reproduce`` (+ ``speciate`` if asked);
    see :func:`reproduction_timing`."""
    t = reproduction_timing(kind, pop_size, generations, warmup, seed)
    return t["us_per_child_reproduce_speciate" if include_speciation else "us_per_child_reproduce"]


# ---------------------------------------------------------------------------------------------------------------------
# CartPole-v1
# ---------------------------------------------------------------------------------------------------------------------
_ENV: dict[str, Any] = {}


def _cartpole_env() -> Any:
    """One CartPole-v1 env per process (reset with a seed before every episode)."""
    env = _ENV.get("CartPole-v1")
    if env is None:
        import gymnasium

        env = _ENV["CartPole-v1"] = gymnasium.make("CartPole-v1")
    return env


def cartpole_episode(net: Any, episode_seed: int) -> float:
    """Return of one CartPole-v1 episode; action = index of the larger of the two outputs (ties: 0)."""
    env = _cartpole_env()
    obs, _ = env.reset(seed=episode_seed)
    total = 0.0
    while True:
        out = net.activate(obs.tolist())
        obs, reward, terminated, truncated, _ = env.step(0 if out[0] >= out[1] else 1)
        total += float(reward)
        if terminated or truncated:
            return total


def training_seed(run_seed: int, generation: int, genome_key: int, episode: int) -> int:
    """Episode seed for training: a function of (run seed, generation, genome key, episode), below TEST_SEED_BASE."""
    return (((run_seed * 1_000_003 + generation) * 1_000_033 + genome_key) * 7 + episode) % TEST_SEED_BASE


def cartpole_fitness(genome: Any, config: neat.Config, run_seed: int = 0, generation: int = 0,
                     episodes: int = 3) -> float:
    """Mean return over ``episodes`` training episodes (module-level so ParallelEvaluator can pickle it)."""
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return sum(cartpole_episode(net, training_seed(run_seed, generation, genome.key, e))
               for e in range(episodes)) / episodes


def cartpole_test(genome: Any, config: neat.Config, episodes: int = CARTPOLE_TEST_EPISODES) -> float:
    """Mean return over the held-out episodes (seeds TEST_SEED_BASE + i, never used in training)."""
    net = neat.nn.FeedForwardNetwork.create(genome, config)
    return sum(cartpole_episode(net, TEST_SEED_BASE + i) for i in range(episodes)) / episodes


@dataclass
class CartPoleResult:
    solved: bool
    wall_s: float  # Population creation to the end, including the held-out tests (and pool start-up if parallel)
    cpu_s: float  # the same span in this process's CPU time (worker processes not included)
    evals: int  # genomes evaluated (each with `episodes_per_genome` episodes); tests not counted
    generations: int
    test_return: float | None  # held-out mean return of the last tested champion (None: none tested)
    test_s: float  # part of wall_s spent in held-out tests
    workers: int
    seed: int


def _no_progress_bar(iterable: Any, total: int | None = None) -> Any:
    """Stands in for the tqdm bar ParallelEvaluator draws on stderr when tqdm is installed."""
    return iterable


def cartpole_run(seed: int, episodes_per_genome: int = 3, config_path: str | Path = CARTPOLE_CONFIG,
                 max_generations: int = 100, workers: int = 0, pop_size: int | None = None,
                 test_every_generation: bool = False) -> dict[str, Any]:
    """neat-python on CartPole-v1: fitness = mean return of ``episodes_per_genome`` episodes.

    After each generation the generation's best genome (highest fitness; first in evaluation order on ties) is
    tested on 100 held-out episodes when its training fitness reaches 475 (topoevo's run-loop rule; with
    ``test_every_generation`` it is tested every generation, this peer's rule before 2026-12-05); the run is solved
    when that mean return is >= 475. ``pop_size`` replaces the config's population (default: the config's 150).
    ``workers = 0``
    evaluates serially in this process; ``workers >= 1`` uses ``neat.ParallelEvaluator`` with that many processes
    (the held-out tests always run in this process; its tqdm progress bar is switched off). Episode seeds depend
    only on (seed, generation, genome key, episode), so fitness does not depend on the worker; still, a parallel
    run differs from the serial run of the same seed (each is deterministic): pickling neat-python's config for
    the workers advances its node-id counter (``DefaultGenomeConfig.__getstate__`` calls ``next`` on it), so new
    hidden nodes get other ids.
    """
    config = load_config(config_path)
    if pop_size is not None:
        config.pop_size = pop_size
    state = {"generation": 0, "evals": 0, "test_return": None, "test_s": 0.0}
    pool = None

    def eval_genomes(genomes: list[tuple[int, Any]], cfg: neat.Config) -> None:
        gen = state["generation"]
        state["generation"] += 1
        fit: Callable[..., float] = functools.partial(cartpole_fitness, run_seed=seed, generation=gen,
                                                      episodes=episodes_per_genome)
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
        if not test_every_generation and best.fitness < CARTPOLE_SOLVED_RETURN:
            return
        t0 = time.perf_counter()
        state["test_return"] = cartpole_test(best, cfg)
        state["test_s"] += time.perf_counter() - t0
        if state["test_return"] >= CARTPOLE_SOLVED_RETURN:
            raise _Solved(best, 0)

    t0, c0 = time.perf_counter(), time.process_time()
    if workers >= 1:
        pool = neat.ParallelEvaluator(workers, cartpole_fitness)
    solved = False
    progress_bar = neat.parallel.tqdm
    neat.parallel.tqdm = _no_progress_bar
    try:
        population = neat.Population(config, seed=seed)
        population.run(eval_genomes, max_generations)
    except _Solved:
        solved = True
    except neat.CompleteExtinctionException:
        log.info("seed %d: complete extinction", seed)
    finally:
        neat.parallel.tqdm = progress_bar
        if pool is not None:
            pool.close()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return asdict(CartPoleResult(solved, wall, cpu, state["evals"], state["generation"], state["test_return"],
                                 state["test_s"], workers, seed))


def cartpole_summary(seeds: Sequence[int], workers: int = 0, **kwargs: Any) -> dict[str, Any]:
    runs = [cartpole_run(s, workers=workers, **kwargs) for s in seeds]
    ok = [r for r in runs if r["solved"]]
    return {
        "runs": len(runs), "solved": len(ok), "workers": workers,
        "generations_median": statistics.median(r["generations"] for r in ok) if ok else None,
        "evals_median": statistics.median(r["evals"] for r in ok) if ok else None,
        "wall_median_s": statistics.median(r["wall_s"] for r in runs),
        "wall_max_s": max(r["wall_s"] for r in runs),
        "cpu_median_s": statistics.median(r["cpu_s"] for r in runs),
        "per_run": runs,
    }


if __name__ == "__main__":  # a quick look: python -m benchmarks.peers.neat_python_peer
    import json
    import sys

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    xor = xor_summary(range(n))
    log.info("XOR %d seeds: solved %d, evals mean %.0f median %.0f, wall median %.3f s", xor["runs"], xor["solved"],
             xor["evals_mean"] or math.nan, xor["evals_median"] or math.nan, xor["wall_median_s"])
    rep = {k: reproduction_timing(k) for k in REPRODUCTION_SHAPES}
    for k, r in rep.items():
        log.info("reproduce %s: %.1f us/child (+ speciate %.1f us/child), %.1f enabled connections", k,
                 r["us_per_child_reproduce"], r["us_per_child_reproduce_speciate"], r["enabled_connections_mean"])
    cp = cartpole_summary(range(3))
    log.info("CartPole-v1 3 seeds: solved %d, median wall %.2f s", cp["solved"], cp["wall_median_s"])
    xor.pop("per_run")
    cp.pop("per_run")
    print(json.dumps({"xor": xor, "reproduction": rep, "cartpole": cp}))
