"""Connection genes of many genomes as arrays (struct of arrays), and the compatibility distance and speciation
computed on them by compiled kernels (numba). Same numbers as :mod:`topoevo.genome.distance`, bit for bit: the
weight term is summed exactly (Shewchuk's partials, as ``math.fsum``), so every distance and every speciation
decision equals the readable reference's.

numba is imported on first use only (it takes most of a second), so small populations keep the pure-Python path
(see :data:`topoevo.neat.species.ARRAY_SPECIATION_MIN`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import Any, Callable, Sequence

import numpy as np

from topoevo.config.sections import SpeciesConfig
from topoevo.genome.genome import Genome

_weight = attrgetter("weight")


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
        """Read the genes with one C-level pass per field, then sort each genome's rows by innovation."""
        conns = [g.conns for g in genomes]
        counts = np.fromiter(map(len, conns), dtype=np.int64, count=len(conns))
        offsets = np.zeros(len(conns) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        total = int(offsets[-1])
        inn = np.fromiter(chain.from_iterable(conns), dtype=np.int64, count=total)  # dict keys = innovations
        w = np.fromiter(map(_weight, chain.from_iterable(map(dict.values, conns))), dtype=np.float64, count=total)
        _kernels().sort_segments(inn, w, offsets)
        return cls(offsets, inn, w)

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
    table = ConnectionTable.of([*genomes, *reps])
    rep_rows = np.full(len(representatives), -1, dtype=np.int64)
    rep_rows[[i for i, r in enumerate(representatives) if r is not None]] = np.arange(len(genomes),
                                                                                      len(genomes) + len(reps))
    return _kernels().assign(table.innovation, table.weight, table.offsets, len(genomes),
                             np.asarray(homes, dtype=np.int64), rep_rows, *_coefficients(cfg), float(threshold))


@dataclass(frozen=True)
class _Kernels:
    sort_segments: Callable[..., Any]
    distances: Callable[..., Any]
    assign: Callable[..., Any]


@lru_cache(maxsize=1)
def _kernels() -> _Kernels:
    """Compile (or load from numba's on-disk cache) the kernels, once per process."""
    from numba import njit

    @njit(cache=True)
    def sort_segments(inn, w, off):
        for k in range(len(off) - 1):
            lo, hi = off[k], off[k + 1]
            for i in range(lo + 1, hi):  # insertion sort: the dicts are almost sorted already
                key, val = inn[i], w[i]
                j = i - 1
                while j >= lo and inn[j] > key:
                    inn[j + 1] = inn[j]
                    w[j + 1] = w[j]
                    j -= 1
                inn[j + 1] = key
                w[j + 1] = val

    @njit(cache=True)
    def fsum(values, n, partials):
        """Exactly rounded sum of values[:n] (CPython's math.fsum algorithm, finite inputs)."""
        m = 0
        for k in range(n):
            x = values[k]
            i = 0
            for j in range(m):
                y = partials[j]
                if abs(x) < abs(y):
                    x, y = y, x
                hi = x + y
                lo = y - (hi - x)
                if lo != 0.0:
                    partials[i] = lo
                    i += 1
                x = hi
            m = i
            partials[m] = x
            m += 1
        hi = 0.0
        if m > 0:
            m -= 1
            hi = partials[m]
            lo = 0.0
            while m > 0:
                x = hi
                m -= 1
                y = partials[m]
                hi = x + y
                yr = hi - x
                lo = y - yr
                if lo != 0.0:
                    break
            if m > 0 and ((lo < 0.0 and partials[m - 1] < 0.0) or (lo > 0.0 and partials[m - 1] > 0.0)):
                y = lo * 2.0
                x = hi + y
                yr = x - hi
                if y == yr:
                    hi = x
        return hi

    @njit(cache=True)
    def distance(inn, w, off, a, b, c1, c2, c3, min_genes, threshold, buf, partials):
        """The distance of rows a and b; with a finite threshold, any value >= threshold once that is certain
        (the shortcuts of ``compatible``)."""
        i, ea, j, eb = off[a], off[a + 1], off[b], off[b + 1]
        la, lb = ea - i, eb - j
        if la == 0 and lb == 0:
            return 0.0
        n = la if la > lb else lb
        if n < min_genes:
            n = 1
        if min(c1, c2) * abs(la - lb) / n >= threshold:
            return threshold
        m = 0
        while i < ea and j < eb:
            x, y = inn[i], inn[j]
            if x == y:
                buf[m] = abs(w[i] - w[j])
                m += 1
                i += 1
                j += 1
            elif x < y:
                i += 1
            else:
                j += 1
        non_matching = la + lb - 2 * m
        if non_matching == 0:
            structural = 0.0
        elif c1 == c2:
            structural = c1 * non_matching
        else:
            i, j = off[a], off[b]
            max_a = inn[ea - 1] if la else -1
            max_b = inn[eb - 1] if lb else -1
            excess = 0
            for k in range(i, ea):
                if inn[k] > max_b:
                    excess += 1
            for k in range(j, eb):
                if inn[k] > max_a:
                    excess += 1
            structural = c1 * excess + c2 * (non_matching - excess)
        structural = structural / n
        if m == 0 or structural >= threshold:
            return structural
        return structural + c3 * (fsum(buf, m, partials) / m)

    @njit(cache=True)
    def scratch(off):
        longest = 1
        for k in range(len(off) - 1):
            longest = max(longest, off[k + 1] - off[k])
        return np.empty(longest, dtype=np.float64), np.empty(2 * longest + 64, dtype=np.float64)

    @njit(cache=True)
    def distances(inn, w, off, a, b, c1, c2, c3, min_genes):
        buf, partials = scratch(off)
        out = np.empty(len(a), dtype=np.float64)
        for k in range(len(a)):
            out[k] = distance(inn, w, off, a[k], b[k], c1, c2, c3, min_genes, np.inf, buf, partials)
        return out

    @njit(cache=True)
    def assign(inn, w, off, count, homes, rep_rows, c1, c2, c3, min_genes, threshold):
        buf, partials = scratch(off)
        n_old = len(rep_rows)
        reps = np.empty(n_old + count, dtype=np.int64)
        reps[:n_old] = rep_rows
        n = n_old
        slot = np.empty(count, dtype=np.int64)
        for g in range(count):
            h = homes[g]
            if h >= n:  # a slot not founded (yet)
                h = -1
            if h >= 0 and reps[h] >= 0 and \
                    distance(inn, w, off, g, reps[h], c1, c2, c3, min_genes, threshold, buf, partials) < threshold:
                slot[g] = h
                continue
            found = -1
            for s in range(n):
                if s != h and reps[s] >= 0 and \
                        distance(inn, w, off, g, reps[s], c1, c2, c3, min_genes, threshold, buf, partials) < threshold:
                    found = s
                    break
            if found < 0:
                found = n
                reps[n] = g
                n += 1
            slot[g] = found
        return slot, reps[n_old:n].copy()

    return _Kernels(sort_segments, distances, assign)
