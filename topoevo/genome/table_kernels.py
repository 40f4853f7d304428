"""The compiled (numba) kernels of :mod:`topoevo.genome.table`, in their own module: importing it imports numba
(most of a second) and loads the machine code from numba's on-disk cache (compiled on first use)."""
from __future__ import annotations

import numpy as np
from numba import njit


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
