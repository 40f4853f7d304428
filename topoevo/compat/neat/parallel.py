"""``neat.ParallelEvaluator`` (worker processes) and ``neat.ThreadedEvaluator``: ``evaluate(genomes, config)`` sets
each genome's fitness to ``eval_function(genome, config)``."""
from __future__ import annotations

import multiprocessing
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable


def _call(eval_function: Callable, seed: int | None, genome: Any, config: Any) -> float:
    if seed is not None:
        random.seed(seed)  # per genome: the same fitness whichever worker evaluates it
    return eval_function(genome, config)


class ParallelEvaluator:
    """A pool of ``num_workers`` processes evaluating one genome per task. ``seed``: Python's ``random`` is
    reseeded with ``seed + genome key`` before each evaluation, so results do not depend on the worker.

    >>> def count(genome, config): return 1.0
    >>> with ParallelEvaluator(1, count) as pe: pe.num_workers
    1
    """

    def __init__(self, num_workers: int, eval_function: Callable[[Any, Any], float], timeout: float | None = None,
                 initializer: Callable | None = None, initargs: tuple = (), maxtasksperchild: int | None = None,
                 seed: int | None = None):
        self.num_workers, self.eval_function, self.timeout, self.seed = num_workers, eval_function, timeout, seed
        self._pool_args = (num_workers, initializer, initargs, maxtasksperchild)
        self.pool: Any = None

    def __enter__(self) -> "ParallelEvaluator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def __del__(self) -> None:
        if self.pool is not None:
            self.pool.terminate()

    def evaluate(self, genomes: list[tuple[int, Any]], config: Any) -> None:
        if self.pool is None:
            n, init, args, maxtasks = self._pool_args
            self.pool = multiprocessing.get_context("fork").Pool(n, init, args, maxtasks)
        jobs = [self.pool.apply_async(_call, (self.eval_function, None if self.seed is None else self.seed + key,
                                              genome, config)) for key, genome in genomes]
        for job, (_, genome) in zip(jobs, genomes):
            genome.fitness = job.get(timeout=self.timeout)


class ThreadedEvaluator:
    """``num_workers`` threads evaluating one genome each (for evaluation functions that release the GIL: I/O,
    simulators in C).

    >>> def count(genome, config): return 2.0
    >>> class G: fitness = None
    >>> g = G(); ThreadedEvaluator(2, count).evaluate([(0, g)], None); g.fitness
    2.0
    """

    def __init__(self, num_workers: int, eval_function: Callable[[Any, Any], float]):
        self.num_workers, self.eval_function = num_workers, eval_function

    def evaluate(self, genomes: list[tuple[int, Any]], config: Any) -> None:
        with ThreadPoolExecutor(self.num_workers) as ex:
            for (_, genome), fitness in zip(genomes, ex.map(lambda kg: self.eval_function(kg[1], config), genomes)):
                genome.fitness = fitness
