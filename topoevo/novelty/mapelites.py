"""MAP-Elites (Mouret & Clune 2015) over NEAT genomes, as ask/tell: an archive of cells over the behaviour space (a
regular grid, or a centroidal Voronoi tessellation, Vassiliades et al. 2018) keeps the fittest genome found in each
cell; every batch is made from elites drawn uniformly, by NEAT's crossover (with ``crossover_rate``) and mutation.
The whole state, archive included, round-trips through plain JSON data."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from topoevo.algorithm import AlgorithmBase, GenerationStatistics
from topoevo.checkpoint import StateReader
from topoevo.config import Config
from topoevo.config.novelty import ArchiveKind
from topoevo.errors import ConfigError
from topoevo.genome.columns import genomes_from_columns, genomes_to_columns
from topoevo.genome.crossover import crossover
from topoevo.genome.genome import Genome
from topoevo.genome.initial import first_hidden_id, initial_genome
from topoevo.genome.innovation import InnovationTracker
from topoevo.genome.io import genome_from_dict, genome_to_dict
from topoevo.genome.mutation import mutate
from topoevo.neat.algorithm import _check_genome_shape, _read_tracker
from topoevo.neat.candidates import GenomeCandidates
from topoevo.novelty.search import read_behaviour


def cvt_centroids(low: np.ndarray, high: np.ndarray, cells: int, samples: int, seed: int,
                  iterations: int = 10) -> np.ndarray:
    """``cells`` centroids of a CVT of the box [low, high]: Lloyd's k-means on ``samples`` uniform points.

    >>> c = cvt_centroids(np.zeros(2), np.ones(2), 4, 2000, 0)
    >>> c.shape, bool(((c > 0) & (c < 1)).all())
    ((4, 2), True)
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    pts = low + rng.random((max(samples, cells), len(low))) * (high - low)
    centroids = pts[:cells].copy()
    for _ in range(iterations):
        nearest = _nearest(pts, centroids)
        for c in range(cells):
            mine = pts[nearest == c]
            if len(mine):
                centroids[c] = mine.mean(axis=0)
    return centroids


def _nearest(points: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid of each point (ties to the lower index)."""
    d = (points * points).sum(1)[:, None] - 2.0 * points @ centroids.T + (centroids * centroids).sum(1)[None, :]
    return np.argmin(d, axis=1)


@dataclass
class MapElitesStats(GenerationStatistics):
    """One batch: fitness figures of the batch, and the archive's coverage (filled cells / cells), size, QD score
    (sum of the elites' fitness) and how many cells this batch filled or improved."""

    best_key: int
    archive_size: int
    coverage: float
    qd_score: float
    archive_improved: int


class MAPElites(GenomeCandidates, AlgorithmBase):
    """MAP-Elites with NEAT genomes and NEAT's variation operators.

    >>> from topoevo.config import Config
    >>> cfg = Config.from_dict({"task": {"name": "xor"}, "genome": {"num_inputs": 2, "num_outputs": 1},
    ...                         "neat": {"pop_size": 8}, "behaviour": {"low": [0.0], "high": [1.0]},
    ...                         "map_elites": {"cells": [4]}})
    >>> algo = MAPElites(cfg, seed=0)
    >>> algo.observe({"behaviour": np.linspace(0, 1, 8)[:, None]})
    >>> stats = algo.tell(np.arange(8.0))
    >>> stats.archive_size, stats.coverage, len(algo.ask())
    (4, 1.0, 8)
    """

    name = "map_elites"

    def __init__(self, config: Config, seed: int = 0, *, _restore: bool = False):
        if config.genome.num_inputs < 1 or config.genome.num_outputs < 1:
            raise ValueError("genome.num_inputs and genome.num_outputs must be set (>= 1) before building MAP-Elites")
        super().__init__(config, seed)
        b, m = config.behaviour, config.map_elites
        if not b.low:
            raise ConfigError("MAP-Elites needs behaviour bounds: the task declares no behaviour_space() and "
                              "[behaviour] gives none", source=config.source, field="behaviour.low")
        self.low, self.high = np.array(b.low, dtype=np.float64), np.array(b.high, dtype=np.float64)
        if m.archive is ArchiveKind.GRID and len(m.cells) != len(b.low):
            raise ConfigError(f"expected {len(b.low)} entries (one per behaviour dimension), got {len(m.cells)}",
                              source=config.source, field="map_elites.cells")
        self.centroids = (cvt_centroids(self.low, self.high, m.cvt_cells, m.cvt_samples, m.cvt_seed)
                          if m.archive is ArchiveKind.CVT else None)
        self.next_key = 0
        self.tracker = InnovationTracker(0, first_hidden_id(config.genome))
        self.elites: dict[int, Genome] = {}  # cell -> the fittest genome found in it (its fitness set)
        self.points: dict[int, np.ndarray] = {}  # cell -> that genome's behaviour
        self.best_genome: Genome | None = None
        self.batch: list[Genome] = []
        self._behaviour: np.ndarray | None = None
        if not _restore:
            py = self._py_rng()
            self.batch = [initial_genome(config.genome, self.tracker, py, self._new_key())
                          for _ in range(self.batch_size)]

    # ---- archive ------------------------------------------------------------------------------------------------
    @property
    def batch_size(self) -> int:
        return self.config.map_elites.batch_size or self.config.neat.pop_size

    @property
    def num_cells(self) -> int:
        return len(self.centroids) if self.centroids is not None else int(np.prod(self.config.map_elites.cells))

    def cell_of(self, behaviour: np.ndarray) -> np.ndarray:
        """Cell index of each row of ``behaviour`` (N, D); descriptors outside the bounds go to the border cells."""
        if self.centroids is not None:
            return _nearest(behaviour, self.centroids)
        cells = np.array(self.config.map_elites.cells)
        idx = np.floor((behaviour - self.low) / (self.high - self.low) * cells).astype(np.int64)
        return np.ravel_multi_index(tuple(np.clip(idx, 0, cells - 1).T), tuple(cells))

    # ---- ask / tell ---------------------------------------------------------------------------------------------
    def ask(self) -> list[Genome]:
        return self.batch

    def observe(self, info: dict[str, Any]) -> None:
        self._behaviour = read_behaviour(info, len(self.batch), self.config)

    def tell(self, fitness: Sequence[float]) -> MapElitesStats:
        arr = self.checked_fitness(fitness, len(self.batch))
        if self._behaviour is None:
            raise ValueError("tell() before observe(): MAP-Elites needs the behaviour descriptors first")
        behaviour, self._behaviour = self._behaviour, None
        self.evaluations += len(self.batch)
        improved = 0
        for g, f, cell, b in zip(self.batch, arr.tolist(), self.cell_of(behaviour).tolist(), behaviour):
            g.fitness = f
            old = self.elites.get(cell)
            if old is None or self.better(f, old.fitness):
                self.elites[cell], self.points[cell] = g, b.copy()
                improved += 1
            if self.best_genome is None or self.better(f, self.best_genome.fitness):
                self.best_genome = g.copy()
                self.best_genome.fitness = f
        best = int(np.argmin(arr) if self.minimise else np.argmax(arr))
        stats = MapElitesStats(
            generation=self.generation, evaluations=self.evaluations, best_fitness=float(arr[best]),
            mean_fitness=float(arr.mean()), worst_fitness=float(arr.max() if self.minimise else arr.min()),
            best_key=self.batch[best].key, archive_size=len(self.elites),
            coverage=len(self.elites) / self.num_cells,
            qd_score=math.fsum(g.fitness for g in self.elites.values()), archive_improved=improved)
        self.generation += 1
        self.tracker.new_generation()
        self.batch = self._offspring()
        return stats

    def _offspring(self) -> list[Genome]:
        py = self._py_rng()
        cfg = self.config
        cells = sorted(self.elites)
        children = []
        for _ in range(self.batch_size):
            mom = self.elites[cells[py.randrange(len(cells))]]
            if len(cells) > 1 and py.random() < cfg.map_elites.crossover_rate:
                dad = self.elites[cells[py.randrange(len(cells))]]
                fitter, weaker = (mom, dad) if not self.better(dad.fitness, mom.fitness) else (dad, mom)
                child = crossover(fitter, weaker, py, cfg.reproduction.disable_inherit_prob, self._new_key())
                child.parents = (mom.key, dad.key)
            else:
                child = mom.copy(self._new_key())
                child.parents = (mom.key,)
            mutate(child, cfg.genome, cfg.mutation, self.tracker, py)
            children.append(child)
        return children

    @property
    def best(self) -> Genome | None:
        return self.best_genome

    def snapshot(self, index: int, fitness: float) -> Genome:
        champ = self.batch[index].copy()
        champ.fitness = fitness
        return champ

    # ---- state --------------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        cells = sorted(self.elites)
        return {**self.base_state(), "next_key": self.next_key, "tracker": self.tracker.to_dict(),
                "batch": genomes_to_columns(self.batch),
                "archive": {"cells": cells, "fitness": [self.elites[c].fitness for c in cells],
                            "points": [self.points[c].tolist() for c in cells],
                            "genomes": genomes_to_columns([self.elites[c] for c in cells])},
                "centroids": None if self.centroids is None else self.centroids.tolist(),
                "best_genome": genome_to_dict(self.best_genome) if self.best_genome else None}

    @classmethod
    def from_state_dict(cls, config: Config, state: dict[str, Any], source: str | None = None) -> "MAPElites":
        algo = cls(config, _restore=True)
        r, w = algo.load_base_state(state, source), "algorithm"
        algo.next_key = r.int(state, "next_key", w, 0)
        algo.tracker = _read_tracker(r, r.dict(state, "tracker", w))

        def columns(d: Any, where: str) -> list[Genome]:
            out = genomes_from_columns(d, lambda f, msg: r.fail(f"{where}" + (f if f.startswith("[") else f".{f}"),
                                                                 msg))
            for i, g in enumerate(out):
                _check_genome_shape(r, g, config, f"{where}[{i}]")
            return out

        algo.batch = columns(r.dict(state, "batch", w), "algorithm.batch")
        if len(algo.batch) != algo.batch_size:
            raise r.fail("algorithm.batch", f"{len(algo.batch)} genomes, expected {algo.batch_size}")
        a = r.dict(state, "archive", w)
        wa = "algorithm.archive"
        genomes = columns(r.dict(a, "genomes", wa), f"{wa}.genomes")
        cells, points = r.list(a, "cells", wa), r.list(a, "points", wa)
        if not len(cells) == len(points) == len(genomes):
            raise r.fail(wa, f"{len(cells)} cells, {len(points)} points and {len(genomes)} genomes (expected equal)")
        size = len(config.behaviour.low)
        for i, g in enumerate(genomes):
            cell = r.int(cells, i, f"{wa}.cells", 0)
            if cell >= algo.num_cells or cell in algo.elites:
                raise r.fail(f"{wa}.cells[{i}]", f"expected a distinct cell below {algo.num_cells}, got {cell}")
            row = points[i]
            if not isinstance(row, list) or len(row) != size:
                raise r.fail(f"{wa}.points[{i}]", f"expected a list of {size} numbers")
            if g.fitness is None or not math.isfinite(g.fitness):
                raise r.fail(f"{wa}.genomes[{i}].fitness", "an elite needs a finite fitness")
            algo.elites[cell] = g
            algo.points[cell] = np.array([r.float(row, j, f"{wa}.points[{i}]") for j in range(size)])
        if algo.centroids is not None:
            stored = r.list(state, "centroids", w)
            c = np.array(stored, dtype=np.float64) if stored else np.zeros((0, size))
            if c.shape != algo.centroids.shape or not np.array_equal(c, algo.centroids):
                raise r.fail("algorithm.centroids", "differ from the centroids [map_elites] makes (cvt_* changed?)")
        best = state.get("best_genome")
        algo.best_genome = None if best is None else genome_from_dict(best, f"{source}#algorithm.best_genome"
                                                                      if source else "algorithm.best_genome")
        if algo.generation > 0 and (algo.best_genome is None or not algo.elites):
            raise r.fail("algorithm.archive", f"empty after {algo.generation} batches")
        return algo


__all__ = ["MAPElites", "MapElitesStats", "cvt_centroids"]
