"""The evaluator a run uses, from the command line's ``--workers N`` and ``--ray [ADDRESS]``."""
from __future__ import annotations

from topoevo.errors import ConfigError
from topoevo.evaluate.base import Evaluator, InProcessEvaluator

LOCAL_RAY = ""  # ``--ray`` without an address: start a private local Ray cluster


def make_evaluator(workers: int | None = None, ray: str | None = None) -> Evaluator:
    """No options: in-process batched evaluation. ``workers``: a local process pool of that many workers.
    ``ray``: a Ray cluster at that address ("" = start a local one), with ``workers`` actors (default: one per
    CPU of the cluster).

    >>> type(make_evaluator()).__name__, type(make_evaluator(workers=2)).__name__
    ('InProcessEvaluator', 'PoolEvaluator')
    """
    if workers is not None and workers < 1:
        raise ConfigError(f"expected at least 1 worker, got {workers}", field="--workers")
    if ray is not None:
        from topoevo.evaluate.ray import RayEvaluator

        return RayEvaluator(address=ray or None, workers=workers)
    if workers is not None:
        from topoevo.evaluate.pool import PoolEvaluator

        return PoolEvaluator(workers)
    return InProcessEvaluator()


__all__ = ["make_evaluator", "LOCAL_RAY"]
