"""The compiled (numba) invariant check of :mod:`topoevo.genome.columns`: one pass over a decoded population, genome
by genome, that flags every genome breaking an invariant of :meth:`~topoevo.genome.genome.Genome.problems`. In its
own module: importing it imports numba and loads the machine code from numba's on-disk cache."""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _position(sorted_ids, x):
    """The index of ``x`` in ``sorted_ids``, -1 when absent (binary search)."""
    lo, hi = 0, len(sorted_ids)
    while lo < hi:
        mid = (lo + hi) >> 1
        if sorted_ids[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < len(sorted_ids) and sorted_ids[lo] == x else -1


@njit(cache=True)
def _contains(sorted_values, x):
    return _position(sorted_values, x) >= 0


@njit(cache=True)
def _has_cycle(nn, pin, pout, indeg, start, fill, succ, ready):
    """Kahn's algorithm on node positions 0..nn-1 and links pin[j] -> pout[j] (self-loops are cycles); the other
    arguments are scratch arrays (at least nn + 1 and len(pin) long)."""
    nc = len(pin)
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
def _has_duplicate(values, scratch):
    """Does ``values`` hold a value twice (``scratch``: at least as long; untouched when values increase)?"""
    n = len(values)
    increasing = True
    for i in range(1, n):
        if values[i] <= values[i - 1]:
            increasing = False
            break
    if increasing:
        return False
    s = scratch[:n]
    s[:] = values
    s.sort()
    for i in range(1, n):
        if s[i] == s[i - 1]:
            return True
    return False


@njit(cache=True)
def _genome_is_invalid(ids, kinds, act, agg, act_ok, agg_ok, inputs, outputs, bias, has_bias, required, sensors,
                       innovation, c_in, c_out, feed_forward, k_input, k_output, k_bias, k_hidden, node_scratch,
                       conn_scratch):
    nn, nc = len(ids), len(innovation)
    if _has_duplicate(ids, node_scratch[0]):
        return True  # duplicate node id
    present = 0
    for r in range(nn):
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
    if _has_duplicate(innovation, conn_scratch[0]):
        return True  # duplicate innovation
    # node positions: the rows themselves when the ids increase, else their ranks
    sorted_ids = ids
    order = node_scratch[1][:nn]
    for r in range(nn):
        order[r] = r
    for r in range(1, nn):
        if ids[r] < ids[r - 1]:
            order[:] = np.argsort(ids)
            sorted_ids = node_scratch[2][:nn]
            for q in range(nn):
                sorted_ids[q] = ids[order[q]]
            break
    pin, pout = conn_scratch[1][:nc], conn_scratch[2][:nc]
    has_in, has_out = node_scratch[3][:nn], node_scratch[4][:nn]
    has_in[:] = 0
    has_out[:] = 0
    for j in range(nc):
        a, b = c_in[j], c_out[j]
        pa, pb = _position(sorted_ids, a), _position(sorted_ids, b)
        if pa < 0 or pb < 0:
            return True  # missing endpoint
        if _contains(sensors, b):
            return True  # a link into a sensor
        pin[j], pout[j] = pa, pb
        if a != b:
            has_out[pa] = 1
            has_in[pb] = 1
    links = conn_scratch[3][:nc]
    for j in range(nc):
        links[j] = pin[j] * nn + pout[j]
    if _has_duplicate(links, conn_scratch[0]):
        return True  # duplicate link
    for p in range(nn):
        if kinds[order[p]] == k_hidden and not (has_in[p] and has_out[p]):
            return True  # dangling hidden node
    return feed_forward and _has_cycle(nn, pin, pout, node_scratch[0], node_scratch[5], node_scratch[6],
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
    ns = 0
    cs = 0
    for g in range(n):
        ne, ce = ns + node_counts[g], cs + conn_counts[g]
        bad[g] = _genome_is_invalid(node_id[ns:ne], node_kind[ns:ne], node_activation[ns:ne],
                                    node_aggregation[ns:ne], act_ok, agg_ok, inputs, outputs, bias, has_bias,
                                    required, sensors, innovation[cs:ce], conn_in[cs:ce], conn_out[cs:ce],
                                    feed_forward, k_input, k_output, k_bias, k_hidden, node_scratch, conn_scratch)
        ns, cs = ne, ce
    return bad
