"""Novelty search (Lehman & Stanley 2011) and novelty search with local competition (NSLC, Lehman & Stanley 2011b) as
NEAT selection modes: NEAT unchanged except for what selection ranks genomes by. Fitness is still recorded (best
genome, statistics, the run's success tests); the behaviour descriptors come from the task (``info[BEHAVIOUR]``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from topoevo.config import Config
from topoevo.errors import EvaluationError
from topoevo.nas.pareto import non_dominated_sort
from topoevo.neat.algorithm import NEAT, GenerationStats
from topoevo.novelty.archive import NoveltyArchive, knn_sparseness
from topoevo.tasks.base import BEHAVIOUR


@dataclass
class NoveltyStats(GenerationStats):
    """NEAT's statistics plus the archive's figures."""

    archive_size: int = 0
    novelty_threshold: float = 0.0
    max_sparseness: float = 0.0
    archive_added: int = 0


def read_behaviour(info: dict[str, Any], count: int, config: Config) -> np.ndarray:
    """The (count, D) descriptors of ``info[BEHAVIOUR]``, D the config's ``[behaviour]`` size; a task that reports
    none, or descriptors of another shape, raises :class:`EvaluationError` naming the task file and field."""
    size = len(config.behaviour.low)
    where = dict(source=config.source, field="task.behaviour")
    if size == 0:
        raise EvaluationError(f"the task {config.task.name!r} declares no behaviour_space() (and [behaviour] gives "
                              "no bounds): novelty search and MAP-Elites need behaviour descriptors", **where)
    raw = info.get(BEHAVIOUR)
    if raw is None:
        raise EvaluationError(f"the task {config.task.name!r} reported no behaviour descriptors "
                              f"(EvalResult.info[{BEHAVIOUR!r}])", **where)
    b = np.asarray(raw, dtype=np.float64)
    if b.ndim != 2 or b.shape != (count, size):
        got = b.shape[1] if b.ndim == 2 and b.shape[0] == count else f"an array shaped {b.shape}"
        raise EvaluationError(f"the task {config.task.name!r} returned behaviour descriptors of length {got}, "
                              f"expected {size} per candidate ({count} candidates)", **where)
    if not np.isfinite(b).all():
        raise EvaluationError(f"the task {config.task.name!r} returned a NaN or infinite behaviour descriptor",
                              **where)
    return b


class NoveltyNEAT(NEAT):
    """NEAT whose selection ranks genomes by novelty: the sparseness of their behaviour (mean distance to the k
    nearest behaviours of the population and the archive).

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
    ...                         "neat": {"pop_size": 10}, "behaviour": {"low": [0.0], "high": [1.0]},
    ...                         "novelty": {"k": 3, "threshold": 0.1}})
    >>> algo = NoveltyNEAT(cfg, seed=1)
    >>> genomes = algo.ask()
    >>> algo.observe({"behaviour": np.linspace(0, 1, 10)[:, None]})
    >>> stats = algo.tell([0.0] * 10)
    >>> stats.archive_size > 0, algo.generation
    (True, 1)
    """

    name = "novelty"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        super().__init__(config, seed, _restore=_restore)
        self.archive = NoveltyArchive(config.novelty, len(config.behaviour.low))
        self._behaviour: np.ndarray | None = None
        self._last: tuple[int, float] = (0, 0.0)  # archive additions and max sparseness of the last tell

    def observe(self, info: dict[str, Any]) -> None:
        super().observe(info)
        self._behaviour = read_behaviour(info, len(self.population), self.config)

    def selection_scores(self, fitness: np.ndarray) -> np.ndarray:
        if self._behaviour is None:
            raise ValueError("tell() before observe(): novelty search needs the behaviour descriptors first")
        b, self._behaviour = self._behaviour, None
        reference = np.concatenate([b, self.archive.points])
        sparse, nn = knn_sparseness(b, reference, self.config.novelty.k, exclude_self=True)
        score = fitness if not self.minimise else -fitness
        selection = self._rank(sparse, score, np.concatenate([score, self.archive.fitness]), nn)
        added = self.archive.add(b, sparse, score)
        self._last = (added, float(sparse.max(initial=0.0)))
        return selection

    def _rank(self, sparse: np.ndarray, score: np.ndarray, ref_score: np.ndarray, nn: np.ndarray) -> np.ndarray:
        """Novelty search ranks by sparseness alone."""
        return sparse

    def tell(self, fitness: Sequence[float]) -> NoveltyStats:
        stats = super().tell(fitness)
        added, top = self._last
        return NoveltyStats(**vars(stats), archive_size=len(self.archive), novelty_threshold=self.archive.threshold,
                            max_sparseness=top, archive_added=added)

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "archive": self.archive.state_dict()}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> "NoveltyNEAT":
        algo = super().from_state_dict(config, state, source)
        from topoevo.checkpoint import StateReader

        r = StateReader(source)
        algo.archive = NoveltyArchive.from_state_dict(config.novelty, len(config.behaviour.low),
                                                      r.dict(state, "archive", "algorithm"), r, "algorithm.archive")
        return algo


class NSLC(NoveltyNEAT):
    """Novelty search with local competition: genomes are ranked by Pareto fronts (NSGA-II's non-dominated sorting)
    of two objectives, novelty (sparseness) and local competition (the fraction of the k nearest behaviours whose
    fitness is lower). Front 0 gets the highest score.

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
    ...                         "neat": {"pop_size": 10}, "behaviour": {"low": [0.0], "high": [1.0]}})
    >>> algo = NSLC(cfg, seed=1)
    >>> algo._rank(np.array([1.0, 2.0, 1.0]), np.array([3.0, 0.0, -1.0]), np.array([3.0, 0.0, -1.0]),
    ...            np.array([[2], [2], [1]])).tolist()
    [2.0, 3.0, 1.0]
    """

    name = "nslc"

    def _rank(self, sparse: np.ndarray, score: np.ndarray, ref_score: np.ndarray, nn: np.ndarray) -> np.ndarray:
        if nn.shape[1] == 0:
            return sparse
        local = (ref_score[nn] < score[:, None]).mean(axis=1)
        fronts = non_dominated_sort(np.stack([-sparse, -local], axis=1))
        out = np.zeros(len(sparse))
        for i, front in enumerate(fronts):
            out[front] = float(len(fronts) - i)
        return out


__all__ = ["NSLC", "NoveltyNEAT", "NoveltyStats", "read_behaviour"]
