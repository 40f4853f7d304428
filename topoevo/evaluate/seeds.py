"""Evaluation seeds derived from (run seed, generation, genome index) only, so fitness never depends on the
evaluator, the worker count or the order of evaluation."""
from __future__ import annotations

import numpy as np

_M64 = 0xFFFFFFFFFFFFFFFF
_GAMMA, _MIX1, _MIX2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_U_GAMMA, _U_MIX1, _U_MIX2 = np.uint64(_GAMMA), np.uint64(_MIX1), np.uint64(_MIX2)
_U30, _U27, _U31, _U2 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(2)


def _splitmix64_int(x: int) -> int:
    """splitmix64's output function on one 64-bit integer."""
    x = (x + _GAMMA) & _M64
    x = ((x ^ (x >> 30)) * _MIX1) & _M64
    x = ((x ^ (x >> 27)) * _MIX2) & _M64
    return x ^ (x >> 31)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The same, in place on a uint64 array (array arithmetic wraps modulo 2**64 without warnings)."""
    x += _U_GAMMA
    x ^= x >> _U30
    x *= _U_MIX1
    x ^= x >> _U27
    x *= _U_MIX2
    x ^= x >> _U31
    return x


def _uint64(value: int, name: str) -> int:
    if not 0 <= value <= _M64:
        raise OverflowError(f"{name} {value} is outside [0, 2**64)")
    return value


def derive_seeds(run_seed: int, generation: int, count: int, offset: int = 0) -> np.ndarray:
    """``count`` seeds (non-negative int64, < 2**62) for genome indices ``offset .. offset+count-1``.

    >>> bool((derive_seeds(1, 3, 5)[2:] == derive_seeds(1, 3, 3, offset=2)).all())
    True
    >>> derive_seeds(0, 0, 2).tolist()
    [639684247392563108, 850241214131314456]
    """
    base = _splitmix64_int(_splitmix64_int(_uint64(int(run_seed), "run seed")) ^ _uint64(int(generation),
                                                                                           "generation"))
    x = np.arange(offset, offset + count, dtype=np.uint64)
    x ^= np.uint64(base)
    x = _splitmix64(x)
    x >>= _U2
    return x.view(np.int64)
