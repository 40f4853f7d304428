"""What regularized evolution and random search ask to have evaluated: :class:`NASCandidate` (an architecture, its
lineage and, under Lamarckian inheritance, its parent's trained weights) and the batch a NAS task trains. Plain
picklable objects, so process-pool and Ray evaluators can ship them to workers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from topoevo.nas.arch import Architecture


@dataclass
class NASCandidate:
    """One architecture to train (``key`` unique within a run; ``parent`` None for random ones).

    ``init_state``: weights the training starts from where shapes match (Lamarckian children, promoted rungs);
    ``keep_weights``: ask the task to return the trained weights; ``epochs``: train this many epochs instead of the
    task's (successive halving); ``rung``: its successive-halving rung; ``measure``: measure test accuracy and
    latency after training (off for the rungs before the last: nobody reads them); ``stop_below``: (epoch,
    accuracy) checks of asynchronous successive halving (stop after that many epochs when below). After training,
    ``fitness`` (validation accuracy), ``test_accuracy``, ``latency_us`` (measured CPU us per sample), ``curve``
    (validation accuracy at each check epoch reached, then the final one) and, when kept, ``state`` (the trained
    weights).

    >>> from topoevo.nas.arch import ConvBlock
    >>> NASCandidate(0, Architecture((1, 40), 10, (ConvBlock(0, 8, 3),), next_id=1)).parameters
    3250
    """

    key: int
    arch: Architecture
    parent: int | None = None
    mutation: str = "random"
    init_state: dict[str, np.ndarray] | None = None
    keep_weights: bool = False
    fitness: float | None = None
    test_accuracy: float | None = None
    state: dict[str, np.ndarray] | None = field(default=None, repr=False)
    latency_us: float | None = None
    epochs: int | None = None
    rung: int = 0
    measure: bool = True
    stop_below: list[tuple[int, float]] = field(default_factory=list)
    curve: list[float] = field(default_factory=list)

    @property
    def parameters(self) -> int:
        return self.arch.cost().parameters


class ArchitectureBatch:
    """The "batched policy" a NAS task receives: the candidates to train (they have no weights before training, so
    calling it as a policy is an error).

    >>> ArchitectureBatch([]).size
    0
    """

    def __init__(self, candidates: Sequence[NASCandidate]):
        self.candidates = list(candidates)

    @property
    def size(self) -> int:
        return len(self.candidates)

    def reset(self) -> None:
        """Nothing to reset (no recurrent state)."""

    def __call__(self, obs: Any) -> Any:
        raise TypeError("an ArchitectureBatch holds untrained architectures; evaluate it with the 'nas' task")


def compile_candidates(candidates: Sequence[NASCandidate]) -> ArchitectureBatch:
    """The algorithms' ``compile_fn`` (module level, so worker processes can use it)."""
    return ArchitectureBatch(candidates)


__all__ = ["NASCandidate", "ArchitectureBatch", "compile_candidates"]
