"""The unit of work of the pool and Ray evaluators: a contiguous chunk of the population, evaluated by a worker that
rebuilt the task from its registry name and parameters (:class:`TaskSpec`) once and cached it.

A chunk whose evaluation raises is bisected down to the candidates that fail, so one faulty genome costs its own
fitness only; failures travel back as :class:`EvaluationFailure` records in ``EvalResult.info["failures"]`` (fitness
NaN), and the run loop applies ``run.on_evaluation_error``. The in-process evaluator runs the whole population as
one chunk through the same code, so every evaluator reports the same failures and the same fitness.

Tasks with state (``Task.state_dict``): when the task ``merges_state``, the main process sends its task's state with
every chunk and the worker loads it before evaluating; the state changes come back per genome in ``EvalResult.info``
(the gym task's observation statistics) and the main task merges them in genome order (``Task.merge_state``), exactly
as an in-process evaluation does. Any other stateful task is refused with a ConfigError.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.errors import ConfigError, EvaluationError, TopoevoError
from topoevo.tasks.base import OBSERVATION_STATS, BatchedPolicy, EvalResult, Task

log = logging.getLogger(__name__)

FAILURES = "failures"  # EvalResult.info key: list[EvaluationFailure]


@dataclass(frozen=True)
class TaskSpec:
    """What a worker needs to rebuild a task: its registry name, the registry entry ("module:Params:Task", so
    tasks registered at run time are found in fresh processes) and its parameter dataclass.

    >>> from topoevo.tasks.xor import XORTask
    >>> TaskSpec.of(XORTask()).name
    'xor'
    """

    name: str
    entry: str
    params: Any

    @classmethod
    def of(cls, task: Task) -> TaskSpec:
        """The spec of a task built from the registry (as ``topoevo.run.build_task`` does): found by its class and
        the class of its ``params``."""
        from topoevo.tasks import registry

        kind = f"{type(task).__module__}:{type(task).__qualname__}"
        params = task.params
        for name, entry in sorted(registry._REGISTRY.items()):
            module, params_cls, task_cls = entry.split(":")
            if f"{module}:{task_cls}" == kind and params is not None and type(params).__qualname__ == params_cls:
                return cls(name, entry, params)
        raise ConfigError(f"a worker cannot rebuild a task of type {kind}: register it with "
                          "topoevo.tasks.registry.register and keep its parameters in `task.params` (or use the "
                          "in-process evaluator)", field="task")

    def build(self) -> Any:
        from topoevo.tasks import registry

        if registry._REGISTRY.get(self.name) != self.entry:
            registry.register(self.name, self.entry)
        return registry.task_class(self.name)(self.params)


@dataclass(frozen=True)
class EvaluationFailure:
    """A candidate whose evaluation raised: its index in the population and the exception as one line.

    >>> EvaluationFailure(3, "ValueError: boom").index
    3
    """

    index: int
    message: str


@dataclass
class Chunk:
    """Candidates ``start .. stop-1`` of a population (and their evaluation seeds).

    >>> Chunk(0, 4).stop
    4
    """

    start: int
    stop: int


def split_chunks(count: int, parts: int) -> list[Chunk]:
    """``count`` candidates as at most ``parts`` contiguous chunks of near-equal size (larger ones first).

    >>> [(c.start, c.stop) for c in split_chunks(10, 3)]
    [(0, 4), (4, 7), (7, 10)]
    """
    parts = max(1, min(parts, count))
    size, extra = divmod(count, parts)
    out, start = [], 0
    for i in range(parts):
        stop = start + size + (1 if i < extra else 0)
        out.append(Chunk(start, stop))
        start = stop
    return [c for c in out if c.stop > c.start]


def mergeable_state(task: Task) -> Any:
    """The state of a task whose per-genome updates are merged back after evaluation (``merges_state``: the gym
    task's observation normalizer), else None."""
    return task.state_dict() if task.merges_state else None


def task_state(task: Task) -> Any:
    """The state a worker must load before evaluating (None for stateless tasks); refuses stateful tasks whose
    per-chunk updates cannot be merged back."""
    if not task.merges_state and task.state_dict() is not None:
        raise ConfigError(f"the task {type(task).__name__} keeps state (state_dict) that workers cannot merge back; "
                          "use the in-process evaluator", field="task")
    return mergeable_state(task)


def absorb_state(task: Task, state: Any, info: dict[str, Any]) -> None:
    """After a chunked evaluation: reset the main task to ``state`` and merge the state changes of the whole
    population in genome order (what one in-process ``evaluate`` does)."""
    if state is None:
        return
    task.load_state_dict(state)
    task.merge_state(info)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def evaluate_chunk(task: Task, candidates: Sequence[Any], seeds: np.ndarray,
                   compile_fn: Callable[[Sequence[Any]], BatchedPolicy], state: Any = None,
                   offset: int = 0) -> EvalResult:
    """Evaluate ``candidates`` as one batch; if that raises, bisect to find the failing candidates (their fitness
    is NaN and ``info["failures"]`` names them, with indices shifted by ``offset``). ``state`` is loaded into the
    task before every attempt. topoevo errors other than EvaluationError (bad config) propagate.

    >>> from topoevo.tasks.xor import XORTask
    >>> from topoevo.evaluate.base import compile_genomes
    >>> evaluate_chunk(XORTask(), [], np.zeros(0, dtype=np.int64), compile_genomes).fitness.shape
    (0,)
    """
    parts: list[tuple[int, int, EvalResult | None, str | None]] = []

    def attempt(lo: int, hi: int) -> EvalResult:
        if state is not None:
            task.load_state_dict(state)
        result = task.evaluate(compile_fn(candidates[lo:hi]), seeds[lo:hi])
        fitness = np.asarray(result.fitness, dtype=np.float64).reshape(-1)
        if fitness.shape != (hi - lo,):
            raise EvaluationError(f"task returned {fitness.size} fitness values for {hi - lo} candidates")
        result.fitness = fitness
        return result

    if len(candidates) == 0:
        if state is not None:
            task.load_state_dict(state)
        return EvalResult(fitness=np.zeros(0))
    # bisection, depth first, by a stack rather than mutually recursive closures: those would form a reference
    # cycle holding the candidates and results until the next garbage collection (one population a generation)
    pending = [(0, len(candidates))]
    while pending:
        lo, hi = pending.pop()
        try:
            parts.append((lo, hi, attempt(lo, hi), None))
            continue
        except TopoevoError as exc:
            if not isinstance(exc, EvaluationError):
                raise
            error = _describe(exc)
        except Exception as exc:  # noqa: BLE001 - a fitness function may raise anything; bisect to the culprit
            error = _describe(exc)
        if hi - lo == 1:
            parts.append((lo, hi, None, error))
        else:
            mid = (lo + hi) // 2
            pending += [(mid, hi), (lo, mid)]  # (the first half is tried first)
    return combine([(lo + offset, hi + offset, r, e) for lo, hi, r, e in parts], offset, len(candidates))


def combine(parts: Sequence[tuple[int, int, EvalResult | None, str | None]], start: int, count: int) -> EvalResult:
    """Results of consecutive parts (start, stop, result or None, error message or None) -> one result for
    ``count`` candidates starting at index ``start``. Per-candidate arrays in ``info`` are concatenated (rows of
    failed candidates are zeros, None in object arrays), numbers added, tables merged key by key; failures collected."""
    parts = sorted(parts, key=lambda p: p[0])
    fitness = np.full(count, np.nan)
    any_solved = any(r is not None and r.solved is not None for _, _, r, _ in parts)
    solved = np.zeros(count, dtype=bool) if any_solved else None
    failures: list[EvaluationFailure] = []
    infos: list[tuple[int, dict[str, Any] | None]] = []
    for lo, hi, result, error in parts:
        if result is None:
            failures.extend(EvaluationFailure(i, error or "failed") for i in range(lo, hi))
            infos.append((hi - lo, None))
            continue
        fitness[lo - start:hi - start] = result.fitness
        if solved is not None and result.solved is not None:
            solved[lo - start:hi - start] = np.asarray(result.solved, dtype=bool)
        info = dict(result.info)
        failures.extend(info.pop(FAILURES, []))
        infos.append((hi - lo, info))
    info = _merge_infos(infos)
    info[FAILURES] = failures
    return EvalResult(fitness=fitness, solved=solved, info=info)


def _merge_infos(infos: list[tuple[int, dict[str, Any] | None]]) -> dict[str, Any]:
    present = [i for _, i in infos if i is not None]
    if not present:
        return {}
    if len(infos) == 1:
        return dict(present[0])
    out: dict[str, Any] = {}
    for key in present[0]:
        values = [(n, None if i is None else i.get(key)) for n, i in infos]
        out[key] = _merge_values(values)
    return out


def _merge_values(values: list[tuple[int, Any]]) -> Any:
    known = [v for _, v in values if v is not None]
    first = known[0]
    if isinstance(first, dict):
        return _merge_infos([(n, v if isinstance(v, dict) else None) for n, v in values])
    if isinstance(first, np.ndarray) and all(v is None or (isinstance(v, np.ndarray) and v.shape[:1] == (n,))
                                             for n, v in values):
        def blank(n: int) -> np.ndarray:  # rows of failed candidates: zeros (None in object arrays)
            out = np.zeros((n, *first.shape[1:]), dtype=first.dtype)
            if first.dtype == object:
                out.fill(None)
            return out

        rows = [v if v is not None else blank(n) for n, v in values]
        return np.concatenate(rows)
    if isinstance(first, (int, float, np.integer, np.floating)) and not isinstance(first, bool):
        return sum(known)
    return first


@dataclass
class ChunkWorker:
    """A worker's side (a pool process or a Ray actor): keeps the task built from the last :class:`TaskSpec` and
    evaluates chunks. Returns ``("ok", EvalResult)`` or ``("error", error class name, message)`` (plain data: no
    exception objects cross the process boundary).

    >>> from topoevo.tasks.xor import XORTask
    >>> from topoevo.evaluate.base import compile_genomes
    >>> ChunkWorker().evaluate(TaskSpec.of(XORTask()), [], np.zeros(0, dtype=np.int64), compile_genomes)[0]
    'ok'
    """

    spec: TaskSpec | None = None
    task: Any = None
    threads: int = 1
    _threads_set: bool = field(default=False, repr=False)

    def evaluate(self, spec: TaskSpec, candidates: Sequence[Any], seeds: np.ndarray,
                 compile_fn: Callable[[Sequence[Any]], BatchedPolicy], state: Any = None,
                 offset: int = 0) -> tuple[Any, ...]:
        try:
            if not self._threads_set:
                import torch

                torch.set_num_threads(self.threads)
                self._threads_set = True
            if self.task is None or self.spec != spec:
                self.close()
                self.task, self.spec = spec.build(), spec
            return ("ok", evaluate_chunk(self.task, candidates, seeds, compile_fn, state, offset))
        except TopoevoError as exc:
            return ("error", type(exc).__name__, str(exc))
        except Exception as exc:  # noqa: BLE001 - e.g. the task could not be built
            return ("error", "EvaluationError", f"worker failed: {_describe(exc)}")

    def close(self) -> None:
        if self.task is not None:
            self.task.close()
        self.task = self.spec = None


def raise_worker_error(kind: str, message: str, task_name: str) -> None:
    """Re-raise an error a worker reported as plain data, as the topoevo error class it named."""
    from topoevo import errors

    cls = getattr(errors, kind, None)
    if not (isinstance(cls, type) and issubclass(cls, TopoevoError)):
        cls = EvaluationError
    raise cls(f"in a worker evaluating task {task_name!r}: {message}")


__all__ = ["TaskSpec", "EvaluationFailure", "Chunk", "split_chunks", "evaluate_chunk", "combine", "ChunkWorker",
           "mergeable_state", "task_state", "absorb_state", "raise_worker_error", "FAILURES", "OBSERVATION_STATS"]
