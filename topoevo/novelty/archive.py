"""The novelty archive of Lehman & Stanley (2011): behaviours whose sparseness exceeded a threshold, and the threshold's
adaptation (lowered after generations without additions, raised after many). Plain data, JSON state."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from topoevo.checkpoint import StateReader
from topoevo.config.novelty import NoveltyConfig


def knn_sparseness(points: np.ndarray, reference: np.ndarray, k: int, exclude_self: bool) -> tuple[np.ndarray,
                                                                                                   np.ndarray]:
    """Sparseness of each row of ``points`` (N, D): the mean Euclidean distance to its ``k`` nearest rows of
    ``reference`` (M, D) (fewer if M is smaller). With ``exclude_self``, ``points`` are the first N rows of
    ``reference`` and a point is not its own neighbour. Also returns the neighbours' indices (N, k'), nearest first
    (ties to the lower index).

    >>> s, nn = knn_sparseness(np.array([[0.0], [1.0], [3.0]]), np.array([[0.0], [1.0], [3.0]]), 1, True)
    >>> s.tolist(), nn[:, 0].tolist()
    ([1.0, 1.0, 2.0], [1, 0, 1])
    """
    d = np.sqrt(((points[:, None, :] - reference[None, :, :]) ** 2).sum(-1))  # (N, M)
    if exclude_self:
        d[np.arange(len(points)), np.arange(len(points))] = np.inf
    m = reference.shape[0] - (1 if exclude_self else 0)
    kk = max(0, min(k, m))
    if kk == 0:
        return np.zeros(len(points)), np.zeros((len(points), 0), dtype=np.int64)
    if kk < d.shape[1]:
        part = np.argpartition(d, kk - 1, axis=1)[:, :kk]  # the k smallest, unordered
        part.sort(axis=1)  # by index, so that the stable sort below breaks distance ties to the lower index
        order = np.argsort(np.take_along_axis(d, part, axis=1), axis=1, kind="stable")
        nn = np.take_along_axis(part, order, axis=1)
    else:
        nn = np.argsort(d, axis=1, kind="stable")
    return np.take_along_axis(d, nn, axis=1).mean(axis=1), nn


@dataclass
class NoveltyArchive:
    """The growing archive with its adaptive threshold (``[novelty]``).

    >>> a = NoveltyArchive(NoveltyConfig(threshold=1.0), size=1)
    >>> a.add(np.array([[0.0], [5.0]]), np.array([2.0, 0.5]), np.array([1.0, 2.0]))
    1
    >>> len(a), a.points.tolist()
    (1, [[0.0]])
    """

    config: NoveltyConfig
    size: int
    points: np.ndarray = field(default=None)  # type: ignore[assignment]  # (A, D)
    fitness: np.ndarray = field(default=None)  # type: ignore[assignment]  # (A,) score of each (higher is better)
    threshold: float = 0.0
    idle: int = 0  # generations since the last addition

    def __post_init__(self) -> None:
        if self.points is None:
            self.points = np.zeros((0, self.size))
            self.fitness = np.zeros(0)
        if not self.threshold:
            self.threshold = self.config.threshold

    def __len__(self) -> int:
        return len(self.points)

    def add(self, points: np.ndarray, sparseness: np.ndarray, fitness: np.ndarray) -> int:
        """Add the behaviours whose sparseness exceeds the threshold (one generation's); adapt the threshold;
        returns the number added."""
        new = sparseness > self.threshold
        if len(self) == 0 and not new.any() and len(points):  # the archive starts with one behaviour
            new[int(np.argmax(sparseness))] = True
        added = int(new.sum())
        self.points = np.concatenate([self.points, points[new]])
        self.fitness = np.concatenate([self.fitness, fitness[new]])
        c = self.config
        self.idle = 0 if added else self.idle + 1
        if self.idle >= c.lower_after:
            self.threshold = max(c.threshold_floor, self.threshold * c.lower_factor)
            self.idle = 0
        if added >= c.raise_count:
            self.threshold *= c.raise_factor
        return added

    def state_dict(self) -> dict[str, Any]:
        return {"points": self.points.tolist(), "fitness": self.fitness.tolist(), "threshold": self.threshold,
                "idle": self.idle}

    @classmethod
    def from_state_dict(cls, config: NoveltyConfig, size: int, d: Any, r: StateReader, where: str) -> "NoveltyArchive":
        """Rebuild from :meth:`state_dict`; malformed fields raise the reader's error naming them."""
        pts = r.list(d, "points", where)
        rows = []
        for i, row in enumerate(pts):
            if not isinstance(row, list) or len(row) != size:
                raise r.fail(f"{where}.points[{i}]", f"expected a list of {size} numbers, got {row!r}"[:200])
            rows.append([r.float(row, j, f"{where}.points[{i}]") for j in range(size)])
        fit = r.list(d, "fitness", where)
        if len(fit) != len(rows):
            raise r.fail(f"{where}.fitness", f"expected {len(rows)} values (one per point), got {len(fit)}")
        threshold = r.float(d, "threshold", where)
        if not threshold > 0:
            raise r.fail(f"{where}.threshold", f"expected a threshold > 0, got {threshold}")
        return cls(config, size, np.array(rows, dtype=np.float64).reshape(len(rows), size),
                   np.array([r.float(fit, i, f"{where}.fitness") for i in range(len(fit))], dtype=np.float64),
                   threshold, r.int(d, "idle", where, 0))


__all__ = ["NoveltyArchive", "knn_sparseness"]
