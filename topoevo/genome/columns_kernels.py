"""The compiled (numba) invariant check of :mod:`topoevo.genome.columns`: one pass over a decoded population, genome
by genome, that flags every genome breaking an invariant of :meth:`~topoevo.genome.genome.Genome.problems`. In its
own module: importing it imports numba and loads the machine code from numba's on-disk cache."""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _position(sorted_ids, n, x):
    """The index of ``x`` in ``sorted_ids[:n]``, -1 when absent (binary search)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) >> 1
        if sorted_ids[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < n and sorted_ids[lo] == x else -1


@njit(cache=True)
def _contains(sorted_values, x):
    return _position(sorted_values, len(sorted_values), x) >= 0


@njit(cache=True)
def _has_cycle(nn, nc, pin, pout, indeg, start, fill, succ, ready):
    """Kahn's algorithm on node positions 0..nn-1 and links pin[j] -> pout[j], j < nc (self-loops are cycles); the
    other arguments are scratch arrays (at least nn + 1 and nc long)."""
    indeg[:nn] = 0
    start[:nn + 1] = 0
    for j in range(nc):
        indeg[pout[j]] += 1
        start[pin[j] + 1] += 1
    for i in range(nn):
        start[i + 1] += start[i]
    fill[:nn] = start[:nn]
    for j in range(nc):
        succ[fill[pin[j]]] = pout[j]
        fill[pin[j]] += 1
    top = 0
    for i in range(nn):
        if indeg[i] == 0:
            ready[top] = i
            top += 1
    done = 0
    while top > 0:
        top -= 1
        i = ready[top]
        done += 1
        for k in range(start[i], start[i + 1]):
            m = succ[k]
            indeg[m] -= 1
            if indeg[m] == 0:
                ready[top] = m
                top += 1
    return done < nn


@njit(cache=True)
def _has_duplicate(values, lo, hi, scratch):
    """Does ``values[lo:hi]`` hold a value twice (``scratch``: at least hi - lo long; untouched when the values
    increase)?"""
    increasing = True
    for i in range(lo + 1, hi):
        if values[i] <= values[i - 1]:
            increasing = False
            break
    if increasing:
        return False
    n = hi - lo
    for i in range(n):
        scratch[i] = values[lo + i]
    s = scratch[:n]
    s.sort()
    for i in range(1, n):
        if s[i] == s[i - 1]:
            return True
    return False


@njit(cache=True)
def _genome_is_invalid(ns, ne, cs, ce, ids, kinds, act, agg, act_ok, agg_ok, inputs, outputs, bias, has_bias,
                       required, sensors, innovation, c_in, c_out, feed_forward, k_input, k_output, k_bias,
                       k_hidden, node_scratch, conn_scratch, seen):
    """Does the genome of node rows ns:ne and connection rows cs:ce break an invariant?"""
    nn, nc = ne - ns, ce - cs
    if _has_duplicate(ids, ns, ne, node_scratch[0]):
        return True  # duplicate node id
    present = 0
    for r in range(ns, ne):
        if not act_ok[act[r]] or not agg_ok[agg[r]]:
            return True  # unknown function name
        x = ids[r]
        expected = k_hidden
        if _contains(inputs, x):
            expected = k_input
        if _contains(outputs, x):
            expected = k_output
        if has_bias and x == bias:
            expected = k_bias
        if kinds[r] != expected:
            return True
        if _contains(required, x):
            present += 1
    if present < len(required):
        return True  # a missing input, bias or output node
    if _has_duplicate(innovation, cs, ce, conn_scratch[0]):
        return True  # duplicate innovation
    # node positions: ranks of the ids (the rows themselves when the ids increase)
    order = node_scratch[1]
    sorted_ids = node_scratch[2]
    increasing = True
    for r in range(nn):
        order[r] = r
        sorted_ids[r] = ids[ns + r]
        if r and sorted_ids[r] < sorted_ids[r - 1]:
            increasing = False
    if not increasing:
        order[:nn] = np.argsort(ids[ns:ne])
        for q in range(nn):
            sorted_ids[q] = ids[ns + order[q]]
    pin, pout = conn_scratch[1], conn_scratch[2]
    has_in, has_out = node_scratch[3], node_scratch[4]
    for p in range(nn):
        has_in[p] = 0
        has_out[p] = 0
    for j in range(nc):
        a, b = c_in[cs + j], c_out[cs + j]
        pa, pb = _position(sorted_ids, nn, a), _position(sorted_ids, nn, b)
        if pa < 0 or pb < 0:
            return True  # missing endpoint
        if _contains(sensors, b):
            return True  # a link into a sensor
        pin[j], pout[j] = pa, pb
        if a != b:
            has_out[pa] = 1
            has_in[pb] = 1
    if nn * nn <= len(seen):  # duplicate links: marks in an nn x nn table (cleared after), else a sort
        duplicate = False
        for j in range(nc):
            k = pin[j] * nn + pout[j]
            duplicate |= seen[k]
            seen[k] = True
        for j in range(nc):
            seen[pin[j] * nn + pout[j]] = False
        if duplicate:
            return True
    else:
        links = conn_scratch[3]
        for j in range(nc):
            links[j] = pin[j] * nn + pout[j]
        if _has_duplicate(links, 0, nc, conn_scratch[0]):
            return True  # duplicate link
    for p in range(nn):
        if kinds[ns + order[p]] == k_hidden and not (has_in[p] and has_out[p]):
            return True  # dangling hidden node
    return feed_forward and _has_cycle(nn, nc, pin, pout, node_scratch[0], node_scratch[5], node_scratch[6],
                                       conn_scratch[0], node_scratch[7])


@njit(cache=True)
def invalid_mask(node_counts, conn_counts, node_id, node_kind, node_activation, node_aggregation, act_ok, agg_ok,
                 inputs, outputs, bias, has_bias, required, sensors, innovation, conn_in, conn_out, feed_forward,
                 k_input, k_output, k_bias, k_hidden):
    """bad[g]: does genome g break an invariant (arrays as decoded; inputs, outputs, required, sensors sorted)."""
    n = len(node_counts)
    bad = np.zeros(n, np.bool_)
    most_nodes = 1
    most_conns = 1
    for g in range(n):
        most_nodes = max(most_nodes, node_counts[g])
        most_conns = max(most_conns, conn_counts[g])
    node_scratch = np.empty((8, most_nodes + 1), np.int64)
    conn_scratch = np.empty((4, most_conns), np.int64)
    seen = np.zeros(min(most_nodes, 256) ** 2, np.bool_)
    ns = 0
    cs = 0
    for g in range(n):
        ne, ce = ns + node_counts[g], cs + conn_counts[g]
        bad[g] = _genome_is_invalid(ns, ne, cs, ce, node_id, node_kind, node_activation, node_aggregation, act_ok,
                                    agg_ok, inputs, outputs, bias, has_bias, required, sensors, innovation, conn_in,
                                    conn_out, feed_forward, k_input, k_output, k_bias, k_hidden, node_scratch,
                                    conn_scratch, seen)
        ns, cs = ne, ce
    return bad
