"""The Task protocol: what the run loop hands a task (a batched policy and per-genome seeds) and what it returns.

Tasks know nothing of NEAT: they see a :class:`BatchedPolicy`, i.e. P networks that map observations shaped
``(P, B, num_inputs)`` to actions shaped ``(P, B, num_outputs)`` in one call.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class BatchedPolicy(Protocol):
    """P networks evaluated together. Recurrent ones keep state between calls until :meth:`reset`."""

    @property
    def size(self) -> int: ...

    def reset(self) -> None: ...

    def __call__(self, obs: Any) -> Any:  # (P, B, I) array/tensor -> (P, B, O) torch tensor
        ...


@dataclass
class EvalResult:
    """Fitness per genome (higher is better unless the config says ``min``), and optionally which ones solve the
    task by its own success test (e.g. XOR: every output on the right side of 0.5)."""

    fitness: np.ndarray
    solved: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)


class Task(Protocol):
    """A task: sizes of the networks it needs and a batched evaluation.

    ``seeds[i]`` is genome i's evaluation seed, derived from (run seed, generation, genome index), so fitness never
    depends on how the population is split across workers.
    """

    num_inputs: int
    num_outputs: int

    def evaluate(self, policy: BatchedPolicy, seeds: np.ndarray) -> EvalResult: ...
