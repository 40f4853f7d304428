"""A fast, seeded random source for genome operations.

``random.Random`` with ``gauss`` served from a buffer of numpy normals and ``choice``/``randrange`` by one uniform
draw (a bias below 2**-50, irrelevant here). Deterministic for a given seed, like everything in topoevo.
"""
from __future__ import annotations

import random
from typing import Sequence, TypeVar

import numpy as np

T = TypeVar("T")
_BUFFER = 1024


class GenomeRandom(random.Random):
    """Drop-in ``random.Random`` for the hot loops of mutation and reproduction.

    >>> r = GenomeRandom(7)
    >>> r.gauss(0.0, 1.0) == GenomeRandom(7).gauss(0.0, 1.0)
    True
    """

    def __init__(self, seed: int):
        super().__init__(seed)
        self._seed = seed
        self._source: np.random.Generator | None = None  # made on first use (most generations draw no normal)
        self._normals: list[float] = []

    @property
    def _normal_source(self) -> np.random.Generator:
        """The numpy generator the normals come from (seeded like the Python stream)."""
        if self._source is None:
            self._source = np.random.Generator(np.random.PCG64(self._seed))
        return self._source

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        normals = self._normals
        if not normals:
            self.refill()
        return mu + sigma * normals.pop()

    @property
    def normal_buffer(self) -> list[float]:
        """The buffered standard normals, the next one last. A hot loop may pop them itself (calling
        :meth:`refill` whenever the list is empty) and gets the very numbers ``gauss`` would have used."""
        return self._normals

    def refill(self) -> None:
        """Append the next buffer of standard normals (``gauss`` pops them from the end)."""
        self._normals.extend(self._normal_source.standard_normal(_BUFFER).tolist())

    def take_normals(self, n: int) -> np.ndarray:
        """The next ``n`` standard normals, in the order ``n`` calls of ``gauss`` would use them.

        >>> r, s = GenomeRandom(3), GenomeRandom(3)
        >>> r.take_normals(2000).tolist()[1500] == [s.gauss() for _ in range(1501)][-1]
        True
        """
        out: list[float] = []
        normals = self._normals
        while len(out) < n:
            if not normals:
                self.refill()
            take = min(n - len(out), len(normals))
            out.extend(normals[:-take - 1:-1])
            del normals[-take:]
        return np.array(out, dtype=np.float64)

    normalvariate = gauss

    def choice(self, seq: Sequence[T]) -> T:
        if not seq:
            raise IndexError("cannot choose from an empty sequence")
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None and step == 1 and start > 0:
            return int(self.random() * start)
        return super().randrange(start, stop, step)
