"""Evaluation on a Ray cluster: one actor per worker (one CPU each), each keeping the task it rebuilt from the
:class:`~topoevo.evaluate.chunks.TaskSpec`; the population goes out as contiguous chunks, handed to whichever actor
is free. An actor that dies (its node lost, its process killed) is replaced and its chunk evaluated again.

Connect to a running cluster by address (``ray start --head`` on one machine, ``ray start --address HOST:PORT`` on
the others, then ``topoevo run TASK --ray HOST:PORT``) or start a local one (``--ray`` alone), which listens on the
loopback interface only (:func:`init_local_ray`). Ray has no authentication: a multi-node cluster must run on a
trusted network. Needs the ``distributed`` extra (``pip install topoevo[distributed]``).
"""
from __future__ import annotations

import logging
import os
from collections import deque
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.errors import ConfigError, EvaluationError
from topoevo.evaluate.chunked import ChunkedEvaluator
from topoevo.evaluate.chunks import Chunk, ChunkWorker, TaskSpec, raise_worker_error
from topoevo.tasks.base import BatchedPolicy, EvalResult

log = logging.getLogger(__name__)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("the Ray evaluator needs ray: pip install 'topoevo[distributed]'", field="--ray") from None
    return ray


#: Ray's switch between the machine's address (clusters) and the loopback address (its default on macOS/Windows)
_CLUSTER_SWITCH = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def init_local_ray(ray: Any, **kwargs: Any) -> None:
    """``ray.init`` a private local cluster whose processes listen on 127.0.0.1 only (Ray binds the machine's
    address by default, reachable from the network, and has no authentication).

    Ray turns an explicit ``_node_ip_address="127.0.0.1"`` into the machine's address; its cluster switch (an
    environment variable, read by the processes ``init`` starts, and the constant it sets in this process) keeps
    the loopback address. Both are restored afterwards.
    """
    from ray._private import ray_constants

    before_env, before_flag = os.environ.get(_CLUSTER_SWITCH), ray_constants.ENABLE_RAY_CLUSTER
    os.environ[_CLUSTER_SWITCH] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        ray.init(address="local", **kwargs)
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = before_flag
        if before_env is None:
            del os.environ[_CLUSTER_SWITCH]
        else:
            os.environ[_CLUSTER_SWITCH] = before_env


def _check_reachable(address: str, timeout_s: float = 10.0) -> None:
    """Fail fast on a HOST:PORT nobody listens on (``ray.init`` would keep retrying for minutes)."""
    import socket

    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:  # "auto", "ray://...": left to Ray
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise ConfigError(f"cannot reach the Ray cluster at {address!r} ({exc.strerror or exc}); start it with "
                          "`ray start --head` or check the address", field="--ray") from None


class RayEvaluator(ChunkedEvaluator):
    """Chunks of the population evaluated by ``workers`` Ray actors (default and most: one per CPU of the cluster).

    ``address``: a running cluster ("HOST:PORT", or "auto" for the one started on this machine by ``ray start``);
    None starts a private local cluster on the loopback interface. If Ray is already initialised in this process, that connection is used
    (and left open by :meth:`close`).

    >>> # with RayEvaluator("127.0.0.1:6379", workers=8) as ev: Run.start(config, evaluator=ev).loop()
    """

    def __init__(self, address: str | None = None, workers: int | None = None, chunks_per_worker: int = 2,
                 task_spec: TaskSpec | None = None, max_restarts: int = 3, init_kwargs: dict[str, Any] | None = None):
        self.ray = ray = _import_ray()
        self.owns_ray = not ray.is_initialized()
        if self.owns_ray:
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, **(init_kwargs or {})}
            if address is None:
                if workers is not None:
                    kwargs.setdefault("num_cpus", workers)
            else:
                _check_reachable(address)
            try:
                if address is None:
                    init_local_ray(ray, **kwargs)
                else:
                    ray.init(address=address, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ConfigError(f"cannot connect to the Ray cluster at {address!r}: {' '.join(str(exc).split())}",
                                  field="--ray") from None
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        if workers is None:
            workers = cpus
        if workers < 1:
            raise ConfigError(f"expected at least 1 worker, got {workers}", field="--workers")
        if workers > cpus:  # an actor holds its CPU for life: more actors than CPUs would wait forever
            log.warning("the Ray cluster has %d CPUs: using %d workers instead of %d", cpus, cpus, workers)
            workers = cpus
        self.workers = workers
        self.chunks_per_worker = max(1, chunks_per_worker)
        self.task_spec = task_spec
        self.max_restarts = max_restarts
        self.restarts = 0
        self._actor_class = ray.remote(num_cpus=1, max_restarts=0)(ChunkWorker)
        self._actors: list[Any] = []

    def _ensure(self) -> None:
        while len(self._actors) < self.workers:
            self._actors.append(self._actor_class.remote())

    def close(self) -> None:
        """Remove the actors; shut Ray down if this evaluator started it."""
        for actor in self._actors:
            try:
                self.ray.kill(actor)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self._actors = []
        if self.owns_ray and self.ray.is_initialized():
            self.ray.shutdown()
            self.owns_ray = False

    def kill_worker(self, index: int = 0) -> None:
        """Kill one actor (fault-injection for tests): the next evaluation that reaches it replaces it."""
        self._ensure()
        self.ray.kill(self._actors[index], no_restart=True)

    def _evaluate_chunks(self, chunks: list[Chunk], candidates: Sequence[Any], seeds: np.ndarray,
                         compile_fn: Callable[[Sequence[Any]], BatchedPolicy], spec: TaskSpec,
                         state: Any) -> dict[int, EvalResult]:
        ray = self.ray
        self._ensure()
        spec_ref, fn_ref, state_ref = ray.put(spec), ray.put(compile_fn), ray.put(state)
        todo = deque(range(len(chunks)))
        done: dict[int, EvalResult] = {}
        deaths = [0] * len(chunks)
        running: dict[Any, tuple[int, int]] = {}  # object ref -> (chunk, actor index)
        idle = deque(range(len(self._actors)))
        while len(done) < len(chunks):
            while todo and idle:
                cid, a = todo.popleft(), idle.popleft()
                c = chunks[cid]
                ref = self._actors[a].evaluate.remote(spec_ref, candidates[c.start:c.stop], seeds[c.start:c.stop],
                                                      fn_ref, state_ref, c.start)
                running[ref] = (cid, a)
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                cid, a = running.pop(ref)
                try:
                    reply = ray.get(ref)
                except ray.exceptions.RayActorError as exc:
                    c = chunks[cid]
                    deaths[cid] += 1
                    log.warning("a Ray worker died evaluating candidates %d..%d of task %r; replacing it",
                                c.start, c.stop - 1, spec.name)
                    if deaths[cid] > self.max_restarts:
                        raise EvaluationError(f"Ray workers died {deaths[cid]} times evaluating candidates "
                                              f"{c.start}..{c.stop - 1} of task {spec.name!r}: "
                                              f"{' '.join(str(exc).split())[:300]}") from None
                    self._actors[a] = self._actor_class.remote()
                    self.restarts += 1
                    todo.appendleft(cid)
                    idle.append(a)
                    continue
                idle.append(a)
                if reply[0] != "ok":
                    raise_worker_error(reply[1], reply[2], spec.name)
                done[cid] = reply[1]
        return done


__all__ = ["RayEvaluator", "init_local_ray"]
