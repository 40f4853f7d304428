"""Connection genes of many genomes as arrays (struct of arrays), and the compatibility distance and speciation
computed on them by compiled kernels (numba). Same numbers as :mod:`topoevo.genome.distance`, bit for bit: the
weight term is summed exactly (Shewchuk's partials, as ``math.fsum``), so every distance and every speciation
decision equals the readable reference's.

numba is imported on first use only (it takes most of a second), so small populations of plain genomes keep the
pure-Python path (see :data:`topoevo.neat.species.ARRAY_SPECIATION_MIN`); populations of the array store (whose
reproduction kernel imports numba anyway) use the kernels at any size. The arrays come from
:meth:`topoevo.genome.store.PopulationStore.of`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.config.sections import SpeciesConfig
from topoevo.genome.genome import Genome



@dataclass(frozen=True)
class ConnectionTable:
    """The connection genes of ``G`` genomes: genome ``k`` owns rows ``offsets[k]:offsets[k+1]``, sorted by
    innovation number.

    >>> import random
    >>> from topoevo.genome import initial_genome, InnovationTracker
    >>> from topoevo.config import GenomeConfig
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0))
    >>> t = ConnectionTable.of([g, g])
    >>> t.offsets.tolist(), t.innovation.tolist()
    ([0, 3, 6], [0, 1, 2, 0, 1, 2])
    """

    offsets: np.ndarray  # (G + 1,) int64
    innovation: np.ndarray  # (rows,) int64
    weight: np.ndarray  # (rows,) float64

    @classmethod
    def of(cls, genomes: Sequence[Genome]) -> "ConnectionTable":
        """The genes' innovations and weights, from the genomes' :class:`~topoevo.genome.store.PopulationStore`
        (gathered, for genomes that live in one; else read one C-level pass per field and sorted)."""
        from topoevo.genome.store import PopulationStore

        offsets, (innovation, weight) = PopulationStore.connections_of(genomes, ("innovation", "weight"))
        return cls(offsets, innovation, weight)

    def extended(self, other: "ConnectionTable") -> "ConnectionTable":
        """This table's genomes followed by ``other``'s."""
        return ConnectionTable(np.concatenate((self.offsets, other.offsets[1:] + self.offsets[-1])),
                               np.concatenate((self.innovation, other.innovation)),
                               np.concatenate((self.weight, other.weight)))

    def __len__(self) -> int:
        return len(self.offsets) - 1


def _coefficients(cfg: SpeciesConfig) -> tuple[float, float, float, int]:
    return (float(cfg.excess_coefficient), float(cfg.disjoint_coefficient), float(cfg.weight_coefficient),
            int(cfg.normalize_min_genes))


def table_distances(table: ConnectionTable, a: np.ndarray, b: np.ndarray, cfg: SpeciesConfig) -> np.ndarray:
    """``distance(genome a[k], genome b[k])`` for every k (rows of ``table``); equal to
    :func:`topoevo.genome.distance.distance` bit for bit.

    >>> import random
    >>> from topoevo.genome import initial_genome, InnovationTracker
    >>> from topoevo.config import GenomeConfig
    >>> g = initial_genome(GenomeConfig(num_inputs=2, num_outputs=1), InnovationTracker(0, 4), random.Random(0))
    >>> table_distances(ConnectionTable.of([g]), np.array([0]), np.array([0]), SpeciesConfig()).tolist()
    [0.0]
    """
    return _kernels().distances(table.innovation, table.weight, table.offsets, np.asarray(a, dtype=np.int64),
                                np.asarray(b, dtype=np.int64), *_coefficients(cfg))


def assign_species(genomes: Sequence[Genome], homes: Sequence[int], representatives: Sequence[Genome | None],
                   cfg: SpeciesConfig, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """The speciation loop of :meth:`topoevo.neat.species.SpeciesSet.speciate` on arrays.

    ``representatives[s]`` is species slot ``s``'s representative (None: never matches); ``homes[i]`` the slot
    genome ``i`` is tried in first (-1: none; ``len(representatives) + k``: the k-th slot founded in this call,
    if it exists by then). Genomes are placed in order: home first, then the first compatible slot in order, else
    they found a new slot (``len(representatives)``, then one more each time) whose representative they are.
    Returns (slot per genome, founding genome of each new slot).
    """
    reps = [r for r in representatives if r is not None]
    table = ConnectionTable.of(genomes)  # (the population and the representatives read apart: each from one store)
    if reps:
        table = table.extended(ConnectionTable.of(reps))
    rep_rows = np.full(len(representatives), -1, dtype=np.int64)
    rep_rows[[i for i, r in enumerate(representatives) if r is not None]] = np.arange(len(genomes),
                                                                                      len(genomes) + len(reps))
    return _kernels().assign(table.innovation, table.weight, table.offsets, len(genomes),
                             np.asarray(homes, dtype=np.int64), rep_rows, *_coefficients(cfg), float(threshold))


@dataclass(frozen=True)
class _Kernels:
    distances: Callable[..., Any]
    assign: Callable[..., Any]


@lru_cache(maxsize=1)
def _kernels() -> _Kernels:
    """The compiled kernels (numba imported on first use, once per process)."""
    from topoevo.genome import table_kernels as k

    return _Kernels(k.distances, k.assign)
