"""The base of the evaluators that send the population to workers in contiguous chunks (pool.py, ray.py)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from topoevo.evaluate.base import Evaluator, compile_genomes
from topoevo.evaluate.chunks import Chunk, TaskSpec, absorb_state, combine, split_chunks, task_state
from topoevo.tasks.base import BatchedPolicy, EvalResult, Task


class ChunkedEvaluator(Evaluator):
    """Base of the evaluators that send the population to workers in contiguous chunks (pool, Ray): splits it,
    sends the task's state along, reassembles the chunks' results in genome order and merges the state back.
    Subclasses set ``workers``, ``chunks_per_worker`` and ``task_spec`` and evaluate the chunks.

    >>> from topoevo.evaluate.pool import PoolEvaluator
    >>> issubclass(PoolEvaluator, ChunkedEvaluator)
    True
    """

    workers: int
    chunks_per_worker: int
    task_spec: TaskSpec | None

    def __call__(self, candidates: Sequence[Any], task: Task, seeds: np.ndarray,
                 compile_fn: Callable[[Sequence[Any]], BatchedPolicy] = compile_genomes) -> EvalResult:
        spec = self.task_spec or TaskSpec.of(task)
        state = task_state(task)
        chunks = split_chunks(len(candidates), self.workers * self.chunks_per_worker)
        if not chunks:
            return combine([], 0, 0)
        done = self._evaluate_chunks(chunks, candidates, np.asarray(seeds), compile_fn, spec, state)
        result = combine([(c.start, c.stop, done[i], None) for i, c in enumerate(chunks)], 0, len(candidates))
        absorb_state(task, state, result.info)
        return result

    def _evaluate_chunks(self, chunks: list[Chunk], candidates: Sequence[Any], seeds: np.ndarray,
                         compile_fn: Callable[[Sequence[Any]], BatchedPolicy], spec: TaskSpec,
                         state: Any) -> dict[int, EvalResult]:
        """Each chunk's result, by chunk index (a worker's error is raised with :func:`raise_worker_error`)."""
        raise NotImplementedError


__all__ = ["ChunkedEvaluator"]
