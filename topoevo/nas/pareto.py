"""Multi-objective building blocks (all objectives minimised), pure numpy: Pareto dominance, fast non-dominated
sorting and crowding distance as in NSGA-II (Deb et al. 2002), and the exact hypervolume against a reference point.

Written here rather than taken from pymoo: pymoo would pull eleven more packages (autograd, cma, alive-progress, ...)
for some forty lines; tests/test_nsga2.py checks these functions against brute-force definitions."""
from __future__ import annotations

import numpy as np


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """``a`` is no worse than ``b`` in every objective and better in one.

    >>> dominates(np.array([1, 2]), np.array([1, 3])), dominates(np.array([1, 2]), np.array([2, 1]))
    (True, False)
    """
    return bool(np.all(a <= b) and np.any(a < b))


def non_dominated_sort(f: np.ndarray) -> list[np.ndarray]:
    """Fronts of the rows of ``f`` (N, M): front 0 holds the rows no row dominates, front k those dominated only by
    rows of fronts < k. Each front lists row indices in increasing order.

    >>> [x.tolist() for x in non_dominated_sort(np.array([[1, 4], [2, 2], [3, 3], [4, 1], [4, 4]]))]
    [[0, 1, 3], [2], [4]]
    """
    f = np.asarray(f, dtype=np.float64)
    n = len(f)
    if n == 0:
        return []
    le = (f[:, None, :] <= f[None, :, :]).all(2)
    lt = (f[:, None, :] < f[None, :, :]).any(2)
    dom = le & lt  # dom[i, j]: i dominates j
    count = dom.sum(0)  # how many rows dominate each row
    fronts = []
    current = np.flatnonzero(count == 0)
    while current.size:
        fronts.append(current)
        count = count - dom[current].sum(0)
        count[current] = -1  # placed
        current = np.flatnonzero(count == 0)
    return fronts


def crowding_distance(f: np.ndarray) -> np.ndarray:
    """NSGA-II's crowding distance of each row of one front ``f`` (N, M): per objective, the rows at either end get
    infinity and every other row the gap between its two neighbours divided by the objective's range (0 when the
    range is 0); summed over objectives. Ties are ordered by row index.

    >>> crowding_distance(np.array([[0.0, 3.0], [1.0, 1.0], [3.0, 0.0]])).tolist()
    [inf, 2.0, inf]
    """
    f = np.asarray(f, dtype=np.float64)
    n, m = f.shape
    d = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(m):
        order = np.argsort(f[:, j], kind="stable")
        col = f[order, j]
        d[order[0]] = d[order[-1]] = np.inf
        span = col[-1] - col[0]
        if span > 0:
            d[order[1:-1]] += (col[2:] - col[:-2]) / span
    return d


def pareto_front(f: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated rows (front 0).

    >>> pareto_front(np.array([[1, 1], [0, 2], [2, 2]])).tolist()
    [0, 1]
    """
    fronts = non_dominated_sort(f)
    return fronts[0] if fronts else np.zeros(0, dtype=np.int64)


def hypervolume(f: np.ndarray, reference: np.ndarray) -> float:
    """The volume dominated by the rows of ``f`` (N, M) and bounded by ``reference`` (rows not strictly better than
    the reference in every objective add nothing). Exact, by slicing along the last objective (fine for the few
    dozen points and <= 4 objectives of a search).

    >>> hypervolume(np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]), np.array([4.0, 4.0]))
    6.0
    """
    f = np.asarray(f, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    if f.size == 0:
        return 0.0
    f = f[(f < ref).all(1)]
    if len(f) == 0:
        return 0.0
    f = f[pareto_front(f)]
    return _hv(f, ref)


def hypervolume_contributions(f: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each row's exclusive hypervolume contribution: the volume lost when that row alone is removed (0 for rows
    another row dominates or equals, and for rows not strictly better than ``reference``). The diversity measure of
    SMS-EMOA (Beume et al. 2007), the alternative to crowding distance in :func:`topoevo.nas.nsga2.survivors`.

    >>> hypervolume_contributions(np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]), np.array([4.0, 4.0])).tolist()
    [1.0, 1.0, 1.0]
    """
    f = np.asarray(f, dtype=np.float64)
    total = hypervolume(f, reference)
    return np.array([max(total - hypervolume(np.delete(f, i, axis=0), reference), 0.0) for i in range(len(f))])


def hypervolume_gradient(f: np.ndarray, reference: np.ndarray, objective: int = 0) -> np.ndarray:
    """Each row's partial derivative of the hypervolume of ``f`` with respect to lowering its ``objective``-th
    value: the (M-1)-volume, in the other objectives, of the region where that row would be the lowest in
    ``objective`` (inside its box up to ``reference``, outside the boxes of rows strictly lower in ``objective``).
    In two objectives (error, parameters) it is the stretch of parameters from the row to the next more accurate
    row (or to the reference): what a child one unit more accurate at its parent's size would add. 0 for dominated
    rows and rows not strictly better than ``reference``.

    >>> hypervolume_gradient(np.array([[3.0, 1.0], [2.0, 2.0], [1.0, 3.0], [2.5, 2.5]]), np.array([4.0, 4.0])).tolist()
    [1.0, 1.0, 1.0, 0.0]
    """
    f = np.asarray(f, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    out = np.zeros(len(f))
    inside = (f < ref).all(1) if len(f) else np.zeros(0, dtype=bool)
    rest = [k for k in range(f.shape[1] if f.ndim == 2 else 0) if k != objective]
    for i in np.flatnonzero(inside):
        lower = inside & (f[:, objective] < f[i, objective])
        if not rest:
            out[i] = 0.0 if lower.any() else 1.0
            continue
        g, r = f[:, rest], ref[rest]
        out[i] = max(hypervolume(np.vstack([g[lower], g[i]]), r) - hypervolume(g[lower], r), 0.0)
    return out


def _hv(f: np.ndarray, ref: np.ndarray) -> float:
    m = f.shape[1]
    if m == 1:
        return float(ref[0] - f[:, 0].min())
    if m == 2:
        order = np.argsort(f[:, 0], kind="stable")
        x, y = f[order, 0], f[order, 1]
        best = np.minimum.accumulate(y)  # lowest second objective among points with first <= x
        right = np.append(x[1:], ref[0])
        return float(np.sum((right - x) * (ref[1] - best)))
    order = np.argsort(f[:, -1], kind="stable")
    f = f[order]
    total = 0.0
    for i in range(len(f)):
        top = f[i + 1, -1] if i + 1 < len(f) else ref[-1]
        if top > f[i, -1]:
            total += (top - f[i, -1]) * _hv(f[:i + 1, :-1], ref[:-1])
    return total


__all__ = ["dominates", "non_dominated_sort", "crowding_distance", "pareto_front", "hypervolume",
           "hypervolume_contributions", "hypervolume_gradient"]
