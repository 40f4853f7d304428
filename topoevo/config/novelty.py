"""The ``[behaviour]``, ``[novelty]`` and ``[map_elites]`` sections: the behaviour space a task's descriptors live in,
novelty search / NSLC as NEAT selection modes (``run.algorithm = 'novelty'`` or ``'nslc'``), and MAP-Elites over NEAT
genomes (``run.algorithm = 'map_elites'``). No torch here."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from topoevo.config.schema import Section, param


@dataclass
class BehaviourConfig(Section):
    """``[behaviour]``: bounds of the behaviour descriptors (empty: the task's ``behaviour_space()``; filled in when
    the run starts and kept in the checkpoint).

    >>> BehaviourConfig(low=[0.0, 0.0], high=[1.0, 2.0]).high
    [1.0, 2.0]
    """

    SECTION = "behaviour"

    low: list[float] = param([], "Lower bound of each descriptor dimension (empty: the task's).")
    high: list[float] = param([], "Upper bound of each descriptor dimension (empty: the task's).")

    def check(self) -> tuple[str, str] | None:
        if len(self.low) != len(self.high):
            return "high", f"expected {len(self.low)} bounds (as many as behaviour.low), got {len(self.high)}"
        for i, (lo, hi) in enumerate(zip(self.low, self.high)):
            if not lo < hi:
                return "high", f"expected high[{i}] > low[{i}] ({lo}), got {hi}"
        return None


@dataclass
class NoveltyConfig(Section):
    """``[novelty]``: novelty search (Lehman & Stanley 2011) and novelty search with local competition (Lehman &
    Stanley 2011b) as NEAT selection modes. Defaults: the paper's maze settings.

    >>> NoveltyConfig().k, NoveltyConfig().threshold
    (15, 6.0)
    """

    SECTION = "novelty"

    k: int = param(15, "Neighbours (archive and population) whose mean distance is a behaviour's sparseness.", ge=1)
    threshold: float = param(6.0, "Initial sparseness above which a behaviour enters the archive (rho_min).", gt=0)
    threshold_floor: float = param(0.25, "The threshold never drops below this.", gt=0)
    lower_after: int = param(10, "Generations without an archive addition after which the threshold is lowered.",
                             ge=1)
    lower_factor: float = param(0.95, "Factor that lowers the threshold.", gt=0, le=1)
    raise_count: int = param(4, "Additions in one generation at which the threshold is raised.", ge=1)
    raise_factor: float = param(1.2, "Factor that raises the threshold.", ge=1)


class ArchiveKind(str, Enum):
    """The MAP-Elites archive: a regular ``grid`` over the behaviour bounds, or a ``cvt`` (centroidal Voronoi
    tessellation, Vassiliades et al. 2018) of ``cvt_cells`` cells.

    >>> ArchiveKind("cvt") is ArchiveKind.CVT
    True
    """

    GRID = "grid"
    CVT = "cvt"


@dataclass
class MapElitesConfig(Section):
    """``[map_elites]``: MAP-Elites (Mouret & Clune 2015) over NEAT genomes: each batch is made by NEAT's mutation
    (and crossover) of elites drawn uniformly from the archive.

    >>> MapElitesConfig().archive.value, MapElitesConfig().cells
    ('grid', [20, 20])
    """

    SECTION = "map_elites"

    archive: ArchiveKind = param(ArchiveKind.GRID, "'grid' or 'cvt'.")
    cells: list[int] = param([20, 20], "Grid cells per descriptor dimension (archive = 'grid').")
    cvt_cells: int = param(400, "Number of CVT cells (archive = 'cvt').", ge=1)
    cvt_samples: int = param(20000, "Uniform samples k-means runs on to place the CVT centroids.", ge=1)
    cvt_seed: int = param(0, "Seed of the CVT centroids (same seed, same cells across runs).", ge=0)
    batch_size: int = param(0, "Genomes per ask() (0: neat.pop_size).", ge=0)
    crossover_rate: float = param(0.2, "Fraction of children made by crossover of two elites (then mutated).",
                                  ge=0, le=1)

    def check(self) -> tuple[str, str] | None:
        if any(c < 1 for c in self.cells):
            return "cells", f"expected at least 1 cell per dimension, got {self.cells}"
        return None
