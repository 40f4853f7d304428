"""The evaluator interface: candidates + task + seeds -> fitness. In-process batched evaluation is the default;
process pools and Ray stand behind the same call."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.tasks.base import BatchedPolicy, EvalResult, Task


def compile_genomes(candidates: Sequence[Any]) -> BatchedPolicy:
    """NEAT genomes -> one batched PyTorch population."""
    from topoevo.nn import CompiledPopulation

    return CompiledPopulation(candidates)


class Evaluator(ABC):
    """Turns candidates into fitness. ``seeds[i]`` belongs to ``candidates[i]`` wherever it is evaluated."""

    @abstractmethod
    def __call__(self, candidates: Sequence[Any], task: Task, seeds: np.ndarray,
                 compile_fn: Callable[[Sequence[Any]], BatchedPolicy] = compile_genomes) -> EvalResult: ...

    def close(self) -> None:
        """Release workers (no-op in process)."""


class InProcessEvaluator(Evaluator):
    """Compile the whole population into one batched policy and let the task evaluate it.

    >>> ev = InProcessEvaluator()
    """

    def __call__(self, candidates: Sequence[Any], task: Task, seeds: np.ndarray,
                 compile_fn: Callable[[Sequence[Any]], BatchedPolicy] = compile_genomes) -> EvalResult:
        policy = compile_fn(candidates)
        result = task.evaluate(policy, seeds)
        result.fitness = np.asarray(result.fitness, dtype=np.float64)
        if result.fitness.shape != (len(candidates),):
            raise ValueError(f"task returned fitness of shape {result.fitness.shape} for {len(candidates)} candidates")
        return result
