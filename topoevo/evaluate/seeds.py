"""Evaluation seeds derived from (run seed, generation, genome index) only, so fitness never depends on the
evaluator, the worker count or the order of evaluation."""
from __future__ import annotations

import numpy as np

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = (x + np.uint64(0x9E3779B97F4A7C15)) & _M64
        x = ((x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _M64
        x = ((x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _M64
        return x ^ (x >> np.uint64(31))


def derive_seeds(run_seed: int, generation: int, count: int, offset: int = 0) -> np.ndarray:
    """``count`` seeds (non-negative int64, < 2**62) for genome indices ``offset .. offset+count-1``.

    >>> bool((derive_seeds(1, 3, 5)[2:] == derive_seeds(1, 3, 3, offset=2)).all())
    True
    """
    base = _splitmix64(np.array([run_seed], dtype=np.uint64))
    base = _splitmix64(base ^ np.uint64(generation))
    idx = np.arange(offset, offset + count, dtype=np.uint64)
    return (_splitmix64(base ^ idx) >> np.uint64(2)).astype(np.int64)
