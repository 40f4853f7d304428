"""The evaluator interface: candidates + task + seeds -> fitness. In-process batched evaluation is the default;
process pools and Ray stand behind the same call."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.evaluate.chunks import absorb_state, evaluate_chunk, mergeable_state
from topoevo.tasks.base import BatchedPolicy, EvalResult, Task


def compile_genomes(candidates: Sequence[Any]) -> BatchedPolicy:
    """NEAT genomes -> one batched PyTorch population."""
    from topoevo.nn import CompiledPopulation

    return CompiledPopulation(candidates)


class Evaluator(ABC):
    """Turns candidates into fitness. ``seeds[i]`` belongs to ``candidates[i]`` wherever it is evaluated.

    Implementations: :class:`InProcessEvaluator` (default), :class:`topoevo.evaluate.pool.PoolEvaluator` (local
    worker processes), :class:`topoevo.evaluate.ray.RayEvaluator` (a Ray cluster). The same seeds give the same
    fitness on each of them, whatever the number of workers. Failed candidates come back with NaN fitness and an
    :class:`~topoevo.evaluate.chunks.EvaluationFailure` in ``info["failures"]``; evaluators are context managers.

    >>> import random
    >>> from topoevo.config import GenomeConfig
    >>> from topoevo.genome import InnovationTracker, initial_genome
    >>> from topoevo.tasks.xor import XORTask
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(), random.Random(0))
    >>> with InProcessEvaluator() as evaluator:  # (a PoolEvaluator gives the same fitness)
    ...     result = evaluator([g], XORTask(), np.zeros(1, dtype=np.int64))
    >>> result.fitness.shape, bool(np.isfinite(result.fitness).all())
    ((1,), True)
    """

    @abstractmethod
    def __call__(self, candidates: Sequence[Any], task: Task, seeds: np.ndarray,
                 compile_fn: Callable[[Sequence[Any]], BatchedPolicy] = compile_genomes) -> EvalResult: ...

    def close(self) -> None:
        """Release workers (no-op in process)."""

    def __enter__(self) -> "Evaluator":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class InProcessEvaluator(Evaluator):
    """Compile the whole population into one batched policy and let the task evaluate it (the default).

    A population whose evaluation raises is bisected to the failing candidates (see
    :func:`topoevo.evaluate.chunks.evaluate_chunk`), exactly as the pool and Ray evaluators do with their chunks.

    >>> from topoevo.tasks.xor import XORTask
    >>> InProcessEvaluator()([], XORTask(), np.zeros(0, dtype=np.int64)).fitness.shape
    (0,)
    """

    def __call__(self, candidates: Sequence[Any], task: Task, seeds: np.ndarray,
                 compile_fn: Callable[[Sequence[Any]], BatchedPolicy] = compile_genomes) -> EvalResult:
        # a task whose state workers could merge (the gym normalizer) is evaluated from a snapshot of its state
        # and updated once afterwards, as the pool and Ray evaluators update it; other tasks update themselves
        state = mergeable_state(task)
        result = evaluate_chunk(task, candidates, np.asarray(seeds), compile_fn, state)
        absorb_state(task, state, result.info)
        return result
