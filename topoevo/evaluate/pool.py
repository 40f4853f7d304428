"""A local pool of worker processes: the population goes out as contiguous chunks (a few per worker), each worker
rebuilds the task once from its :class:`~topoevo.evaluate.chunks.TaskSpec` and keeps it, runs torch on one thread,
and sends back the chunk's fitness. A worker that dies mid-chunk is respawned and its chunk evaluated again.

Candidates and results travel pickled over the workers' pipes only; nothing is written to or read from files.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.errors import ConfigError, EvaluationError
from topoevo.evaluate.chunked import ChunkedEvaluator
from topoevo.evaluate.chunks import Chunk, ChunkWorker, TaskSpec, raise_worker_error
from topoevo.tasks.base import BatchedPolicy, EvalResult

log = logging.getLogger(__name__)


def worker_main(conn: Connection, threads: int) -> None:
    """A pool process: evaluate the chunks that arrive on ``conn`` until it closes or sends None. Ctrl-C is left to
    the main process, which stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker = ChunkWorker(threads=threads)
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the main process is gone
                break
            if message is None:
                break
            chunk_id, args = message
            reply = worker.evaluate(*args)
            try:
                conn.send((chunk_id, reply))
            except Exception as exc:  # noqa: BLE001 - e.g. an info value that does not pickle
                conn.send((chunk_id, ("error", "EvaluationError", f"cannot send the chunk's result back: {exc}")))
    finally:
        worker.close()


@dataclass
class _Process:
    process: Any
    conn: Connection
    chunk: int | None = None  # the chunk it is evaluating


class PoolEvaluator(ChunkedEvaluator):
    """``workers`` local processes evaluating ``chunks_per_worker`` contiguous chunks each per generation.

    Fitness is identical to the in-process evaluator's for the same seeds (evaluation seeds belong to genome
    indices, and the batched networks give each candidate the same result whatever it is batched with).
    Workers start on first use and live until :meth:`close` (the evaluator is a context manager).

    >>> with PoolEvaluator(workers=2) as pool:  # no process starts before the first call
    ...     pool.workers
    2
    """

    def __init__(self, workers: int, chunks_per_worker: int = 2, task_spec: TaskSpec | None = None,
                 max_restarts: int = 3, start_method: str = "spawn"):
        if workers < 1:
            raise ConfigError(f"expected at least 1 worker, got {workers}", field="--workers")
        self.workers = workers
        self.chunks_per_worker = max(1, chunks_per_worker)
        self.task_spec = task_spec
        self.max_restarts = max_restarts  # a chunk whose worker dies more often than this fails the generation
        self.context = mp.get_context(start_method)
        self.restarts = 0  # workers respawned so far
        self._procs: list[_Process] = []

    # ---- workers --------------------------------------------------------------------------------------------------
    def _spawn(self) -> _Process:
        parent, child = self.context.Pipe(duplex=True)
        process = self.context.Process(target=worker_main, args=(child, 1), name="topoevo-worker", daemon=False)
        process.start()
        child.close()
        return _Process(process, parent)

    def _ensure(self) -> None:
        while len(self._procs) < self.workers:
            self._procs.append(self._spawn())

    def _replace(self, proc: _Process) -> _Process:
        try:
            proc.conn.close()
        except OSError:
            pass
        proc.process.join(timeout=5)
        if proc.process.is_alive():
            proc.process.kill()
            proc.process.join(timeout=5)
        new = self._spawn()
        self._procs[self._procs.index(proc)] = new
        self.restarts += 1
        return new

    def worker_pids(self) -> list[int]:
        """Process ids of the running workers (empty before the first call)."""
        return [proc.process.pid for proc in self._procs]

    def close(self) -> None:
        """Stop the workers: idle ones exit at once, busy ones are killed after 3 s."""
        procs, self._procs = self._procs, []
        for proc in procs:
            try:
                proc.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 3.0  # idle workers exit at once; a busy one finishes its chunk or is killed
        for proc in procs:
            proc.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if proc.process.is_alive():
                proc.process.kill()
                proc.process.join(timeout=5)
            proc.conn.close()

    def __del__(self) -> None:  # best effort: workers also exit when their pipe closes
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass

    # ---- evaluation -----------------------------------------------------------------------------------------------
    def _evaluate_chunks(self, chunks: list[Chunk], candidates: Sequence[Any], seeds: np.ndarray,
                         compile_fn: Callable[[Sequence[Any]], BatchedPolicy], spec: TaskSpec,
                         state: Any) -> dict[int, EvalResult]:
        self._ensure()
        try:
            return self._run_chunks(chunks, candidates, seeds, compile_fn, spec, state)
        except BaseException:  # workers may still be busy with this generation's chunks: start afresh next time
            self.close()
            raise

    def _run_chunks(self, chunks: list[Chunk], candidates: Sequence[Any], seeds: np.ndarray,
                    compile_fn: Callable[[Sequence[Any]], BatchedPolicy], spec: TaskSpec,
                    state: Any) -> dict[int, EvalResult]:
        todo = deque(range(len(chunks)))
        done: dict[int, EvalResult] = {}
        deaths = [0] * len(chunks)
        for proc in self._procs:
            proc.chunk = None
        while len(done) < len(chunks):
            for proc in self._procs:
                if proc.chunk is None and todo:
                    cid = todo.popleft()
                    c = chunks[cid]
                    args = (spec, candidates[c.start:c.stop], seeds[c.start:c.stop], compile_fn, state, c.start)
                    try:
                        proc.conn.send((cid, args))
                    except (OSError, ValueError):  # died while idle: respawn, try again
                        todo.appendleft(cid)
                        self._replace(proc)
                        break
                    proc.chunk = cid
            busy = [p for p in self._procs if p.chunk is not None]
            ready = set(wait([p.conn for p in busy] + [p.process.sentinel for p in busy]))
            for proc in busy:
                if proc.conn in ready:
                    try:
                        cid, reply = proc.conn.recv()
                    except (EOFError, OSError):
                        self._lost(proc, chunks, deaths, todo, spec)
                        continue
                    proc.chunk = None
                    if reply[0] != "ok":
                        raise_worker_error(reply[1], reply[2], spec.name)
                    done[cid] = reply[1]
                elif proc.process.sentinel in ready:
                    self._lost(proc, chunks, deaths, todo, spec)
        return done

    def _lost(self, proc: _Process, chunks: list[Any], deaths: list[int], todo: deque, spec: TaskSpec) -> None:
        """A worker died while evaluating a chunk: respawn it and queue the chunk again (or give up)."""
        cid = proc.chunk
        proc.process.join(timeout=5)
        code = proc.process.exitcode
        self._replace(proc)
        if cid is None:
            return
        c = chunks[cid]
        deaths[cid] += 1
        log.warning("a worker died (exit code %s) evaluating candidates %d..%d of task %r; respawned it and "
                    "evaluating the chunk again", code, c.start, c.stop - 1, spec.name)
        if deaths[cid] > self.max_restarts:
            raise EvaluationError(f"worker processes died {deaths[cid]} times (last exit code {code}) evaluating "
                                  f"candidates {c.start}..{c.stop - 1} of task {spec.name!r}")
        todo.appendleft(cid)


__all__ = ["PoolEvaluator", "worker_main"]
