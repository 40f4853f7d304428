"""The compiled (numba) kernel of the compiler (:func:`topoevo.nn.population.compile_plan`) for populations that
live in a population store (their reproduction kernel has imported numba already; plain genomes keep the numpy
path, so compiling them never imports numba)."""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def levels(src, dst, first):
    """Longest-path levels ``level[v] = max(first[v], 1 + level[u] for every edge u -> v)`` in topological order
    (Kahn); the second value is False when the edges have a cycle (some node is never reached)."""
    n, m = first.size, src.size
    indegree = np.zeros(n, np.int64)
    start = np.zeros(n + 1, np.int64)
    for e in range(m):
        indegree[dst[e]] += 1
        start[src[e] + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    fill = start[:-1].copy()
    succ = np.empty(m, np.int64)
    for e in range(m):
        succ[fill[src[e]]] = dst[e]
        fill[src[e]] += 1
    level = first.copy()
    queue = np.empty(n, np.int64)
    tail = 0
    for v in range(n):
        if indegree[v] == 0:
            queue[tail] = v
            tail += 1
    head = 0
    while head < tail:
        u = queue[head]
        head += 1
        for k in range(start[u], start[u + 1]):
            v = succ[k]
            if level[u] + 1 > level[v]:
                level[v] = level[u] + 1
            indegree[v] -= 1
            if indegree[v] == 0:
                queue[tail] = v
                tail += 1
    return level, tail == n
