"""What the run loop does with candidates whose evaluation failed (the fitness function raised, or returned NaN or
an infinite value): ``run.on_evaluation_error = "stop"`` raises an EvaluationError naming the genome and the task;
``"worst"`` gives them the worst fitness of the generation and logs a warning.

The worst fitness must stay finite (``tell`` refuses NaN and infinities, and statistics such as the mean and the
standard deviation must stay meaningful), so it is the worst finite fitness of the generation minus
``max(1, spread of the finite fitness)`` (plus, when minimising). It depends on the fitness values only, so it is the
same on every evaluator. A generation in which every candidate failed stops the run either way.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from topoevo.config.sections import OnEvaluationError
from topoevo.errors import EvaluationError
from topoevo.evaluate.chunks import FAILURES
from topoevo.tasks.base import EvalResult

log = logging.getLogger(__name__)


def worst_fitness(finite: np.ndarray, minimise: bool) -> float:
    """The fitness given to failed candidates: worse than every finite fitness of the generation, and finite.

    >>> worst_fitness(np.array([2.0, 5.0]), minimise=False), worst_fitness(np.array([0.25, 0.5]), minimise=True)
    (-1.0, 1.5)
    """
    lo, hi = float(finite.min()), float(finite.max())
    margin = max(1.0, hi - lo)
    value = hi + margin if minimise else lo - margin
    if not np.isfinite(value):
        value = float(np.finfo(np.float64).max if minimise else np.finfo(np.float64).min)
    return value


def _name(candidates: Sequence[Any], index: int) -> str:
    key = getattr(candidates[index], "key", None)
    return f"genome {key} (index {index})" if key is not None else f"candidate {index}"


def resolve_failures(result: EvalResult, candidates: Sequence[Any], policy: OnEvaluationError, minimise: bool,
                     task_name: str, source: str | Path | None = None) -> np.ndarray:
    """The generation's fitness after applying ``policy`` to failed candidates (``result.solved`` is cleared for
    them). Raises :class:`~topoevo.errors.EvaluationError` under ``stop``, or when every candidate failed.

    >>> r = EvalResult(fitness=np.array([1.0, np.nan, 3.0]))
    >>> resolve_failures(r, [0, 1, 2], OnEvaluationError.WORST, minimise=False, task_name="xor").tolist()
    [1.0, -1.0, 3.0]
    """
    fitness = np.array(result.fitness, dtype=np.float64)
    raised = {f.index: f.message for f in result.info.get(FAILURES, [])}
    bad = sorted(set(np.flatnonzero(~np.isfinite(fitness)).tolist()) | set(raised))
    if not bad:
        return fitness

    def why(i: int) -> str:
        return f"{_name(candidates, i)}: " + (f"evaluation raised {raised[i]}" if i in raised
                                                else f"fitness {fitness[i]}")

    more = f" ({len(bad) - 1} more failed)" if len(bad) > 1 else ""
    where = f"task {task_name}"
    if policy is OnEvaluationError.STOP:
        raise EvaluationError(f"{why(bad[0])}{more}; set run.on_evaluation_error = 'worst' to give failed "
                              "candidates the worst fitness instead", source=source, field=where)
    finite = np.delete(fitness, bad)
    if finite.size == 0:
        raise EvaluationError(f"every candidate failed, e.g. {why(bad[0])}", source=source, field=where)
    value = worst_fitness(finite, minimise)
    shown = "; ".join(why(i) for i in bad[:3]) + (f"; and {len(bad) - 3} more" if len(bad) > 3 else "")
    log.warning("%s: %d candidate(s) failed, given the worst fitness %r: %s", where, len(bad), value, shown)
    fitness[bad] = value
    if result.solved is not None:
        result.solved = np.asarray(result.solved, dtype=bool).copy()
        result.solved[bad] = False
    return fitness


__all__ = ["resolve_failures", "worst_fitness"]
