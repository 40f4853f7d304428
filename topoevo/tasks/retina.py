"""The retina problem (Kashtan & Alon 2005; HyperNEAT: Verbancsics & Stanley 2011, Risi & Stanley 2012, Clune et
al. 2013): 8 pixels in two rows of four, a left 2x2 half and a right 2x2 half. Eight of the 16 patterns of each half
are "objects"; the network answers whether there is an object on the left AND (or OR) on the right. All 256
patterns are shown in one batched call. Pixels are +1 (on) and -1 (off).

Fitness: 1 - mean |error| over the 256 patterns (outputs clipped to [0, 1], targets 1/0); solved when every output
is on the target's side of 0.5.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from topoevo.config.schema import Section, param
from topoevo.tasks.base import BatchedPolicy, EvalResult, TaskBase

# the object patterns of each half as 4-bit numbers, pixels (top-left, top-right, bottom-left, bottom-right) as bits
# 3, 2, 1, 0: the object sets of Kashtan & Alon 2005 as the retina-task implementations in use define them
LEFT_OBJECTS = (0b1000, 0b0100, 0b1100, 0b1111, 0b1011, 0b0111, 0b1110, 0b1101)
RIGHT_OBJECTS = (0b1011, 0b0111, 0b1110, 0b1101, 0b0010, 0b0001, 0b0011, 0b1111)


class RetinaLogic(str, Enum):
    """How the two halves combine into the answer.

    >>> RetinaLogic("or").value
    'or'
    """

    AND = "and"
    OR = "or"


@dataclass
class RetinaParams(Section):
    """``[task]`` keys of the retina task."""

    SECTION = "task"

    logic: RetinaLogic = param(RetinaLogic.AND, "'and': an object on both sides; 'or': on either side.")


def _half(bits: np.ndarray) -> np.ndarray:
    """(n, 4) pixels of a half, row-major (top-left, top-right, bottom-left, bottom-right)."""
    return ((bits[:, None] >> np.array([3, 2, 1, 0])) & 1).astype(np.float32)


def retina_patterns(logic: RetinaLogic = RetinaLogic.AND) -> tuple[np.ndarray, np.ndarray]:
    """All 256 patterns ``(256, 8)`` (+1/-1; pixel order: top row left to right, then bottom row) and targets.

    >>> x, y = retina_patterns()
    >>> x.shape, int(y.sum())
    ((256, 8), 64)
    """
    codes = np.arange(256)
    left, right = codes >> 4, codes & 15
    lp, rp = _half(left), _half(right)
    # rows: top = left TL, left TR, right TL, right TR; bottom = left BL, left BR, right BL, right BR
    x = np.concatenate([lp[:, :2], rp[:, :2], lp[:, 2:], rp[:, 2:]], axis=1) * 2.0 - 1.0
    is_left, is_right = np.isin(left, LEFT_OBJECTS), np.isin(right, RIGHT_OBJECTS)
    y = (is_left & is_right) if logic is RetinaLogic.AND else (is_left | is_right)
    return x.astype(np.float32), y.astype(np.float64)


class RetinaTask(TaskBase):
    """The retina problem for any network with 8 inputs and 1 output.

    >>> task = RetinaTask(RetinaParams())
    >>> x, y = retina_patterns()
    >>> class Oracle:
    ...     size = 1
    ...     def reset(self): pass
    ...     def __call__(self, obs): return np.broadcast_to(y[None, :, None], (1, 256, 1))
    >>> r = task.evaluate(Oracle(), np.zeros(1, dtype=np.int64))
    >>> float(r.fitness[0]), bool(r.solved[0])
    (1.0, True)
    """

    num_inputs = 8
    num_outputs = 1

    def __init__(self, params: RetinaParams | None = None):
        self.params = params or RetinaParams()
        self.x, self.y = retina_patterns(self.params.logic)

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        policy.reset()
        out = policy(np.broadcast_to(self.x, (policy.size, *self.x.shape)))
        out = out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)
        o = np.clip(out[..., 0].astype(np.float64), 0.0, 1.0)
        correct = (o > 0.5) == (self.y > 0.5)
        return EvalResult(fitness=1.0 - np.abs(o - self.y).mean(axis=1), solved=correct.all(axis=1),
                          info={"accuracy": correct.mean(axis=1)})
