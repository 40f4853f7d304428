"""XOR, as in Stanley & Miikkulainen (2002): fitness (4 - sum |error|)^2, solved when every output is on the right
side of 0.5. All genomes are evaluated on the four patterns in one batched call."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from topoevo.config.schema import Section, param
from topoevo.tasks.base import BatchedPolicy, EvalResult, TaskBase

XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_TARGETS = np.array([0.0, 1.0, 1.0, 0.0])


class XORFitness(str, Enum):
    """How XOR fitness is scored: ``paper`` (at most 16) or ``neat_python`` (at most 4).

    >>> XORFitness("neat_python") is XORFitness.NEAT_PYTHON
    True
    """

    PAPER = "paper"  # (4 - sum |error|)^2, as in Stanley & Miikkulainen (2002): at most 16
    NEAT_PYTHON = "neat_python"  # 4 - sum error^2, as in neat-python's XOR example: at most 4


@dataclass
class XORParams(Section):
    """``[task]`` keys of the XOR task."""

    SECTION = "task"

    solved_margin: float = param(0.5, "An output counts as correct when on the target's side of this value.",
                                 gt=0, le=1)
    fitness: XORFitness = param(XORFitness.PAPER, "'paper': (4 - sum|error|)^2; 'neat_python': 4 - sum error^2 "
                                                  "(the scale of neat-python's XOR example and its threshold 3.9).")


class XORTask(TaskBase):
    """The XOR benchmark.

    >>> import numpy as np
    >>> task = XORTask(XORParams())
    >>> perfect = lambda obs: np.logical_xor(obs[..., :1] > 0.5, obs[..., 1:] > 0.5).astype(float)
    >>> class P:  # a minimal BatchedPolicy
    ...     size = 1
    ...     def reset(self): pass
    ...     def __call__(self, obs): return perfect(np.asarray(obs))
    >>> r = task.evaluate(P(), np.zeros(1, dtype=np.int64))
    >>> float(r.fitness[0]), bool(r.solved[0])
    (16.0, True)
    """

    num_inputs = 2
    num_outputs = 1

    def __init__(self, params: XORParams | None = None):
        self.params = params or XORParams()

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult:
        policy.reset()
        obs = np.broadcast_to(XOR_INPUTS, (policy.size, 4, 2))
        out = _to_numpy(policy(obs))[..., 0]  # (P, 4)
        if self.params.fitness is XORFitness.NEAT_PYTHON:
            fitness = 4.0 - ((out - XOR_TARGETS) ** 2).sum(axis=1)
        else:
            fitness = (4.0 - np.abs(out - XOR_TARGETS).sum(axis=1)) ** 2
        m = self.params.solved_margin
        solved = ((out > m) == (XOR_TARGETS > m)).all(axis=1)
        return EvalResult(fitness=fitness, solved=solved)


def _to_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)
