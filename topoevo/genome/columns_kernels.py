"""The compiled (numba) invariant check of :mod:`topoevo.genome.columns`: one pass over a decoded population, genome
by genome, that flags every genome breaking an invariant of :meth:`~topoevo.genome.genome.Genome.problems`. In its
own module: importing it imports numba and loads the machine code from numba's on-disk cache."""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _contains(sorted_values, x):
    i = np.searchsorted(sorted_values, x)
    return i < len(sorted_values) and sorted_values[i] == x


@njit(cache=True)
def _position(sorted_ids, x):
    """The index of ``x`` in ``sorted_ids``, -1 when absent."""
    i = np.searchsorted(sorted_ids, x)
    return i if i < len(sorted_ids) and sorted_ids[i] == x else -1


@njit(cache=True)
def _has_cycle(nn, pin, pout):
    """Kahn's algorithm on node positions 0..nn-1 and links pin[j] -> pout[j] (self-loops are cycles)."""
    indeg = np.zeros(nn, np.int64)
    start = np.zeros(nn + 1, np.int64)
    for j in range(len(pin)):
        indeg[pout[j]] += 1
        start[pin[j] + 1] += 1
    for i in range(nn):
        start[i + 1] += start[i]
    succ = np.empty(len(pin), np.int64)
    fill = start[:-1].copy()
    for j in range(len(pin)):
        succ[fill[pin[j]]] = pout[j]
        fill[pin[j]] += 1
    ready = np.empty(nn, np.int64)
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
def _genome_is_invalid(ids, kinds, act, agg, act_ok, agg_ok, inputs, outputs, bias, has_bias, required, sensors,
                       innovation, c_in, c_out, feed_forward, k_input, k_output, k_bias, k_hidden):
    nn, nc = len(ids), len(innovation)
    order = np.argsort(ids, kind="mergesort")
    sids = ids[order]
    for i in range(1, nn):
        if sids[i] == sids[i - 1]:
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
    sinn = np.sort(innovation)
    for j in range(1, nc):
        if sinn[j] == sinn[j - 1]:
            return True  # duplicate innovation
    pin = np.empty(nc, np.int64)
    pout = np.empty(nc, np.int64)
    has_in = np.zeros(nn, np.bool_)
    has_out = np.zeros(nn, np.bool_)
    for j in range(nc):
        a, b = c_in[j], c_out[j]
        pa, pb = _position(sids, a), _position(sids, b)
        if pa < 0 or pb < 0:
            return True  # missing endpoint
        if _contains(sensors, b):
            return True  # a link into a sensor
        pin[j], pout[j] = pa, pb
        if a != b:
            has_out[pa] = True
            has_in[pb] = True
    links = np.sort(pin * nn + pout)
    for j in range(1, nc):
        if links[j] == links[j - 1]:
            return True  # duplicate link
    for p in range(nn):
        if kinds[order[p]] == k_hidden and not (has_in[p] and has_out[p]):
            return True  # dangling hidden node
    return feed_forward and _has_cycle(nn, pin, pout)


@njit(cache=True)
def invalid_mask(node_counts, conn_counts, node_id, node_kind, node_activation, node_aggregation, act_ok, agg_ok,
                 inputs, outputs, bias, has_bias, required, sensors, innovation, conn_in, conn_out, feed_forward,
                 k_input, k_output, k_bias, k_hidden):
    """bad[g]: does genome g break an invariant (arrays as decoded; inputs, outputs, required, sensors sorted)."""
    n = len(node_counts)
    bad = np.zeros(n, np.bool_)
    ns = 0
    cs = 0
    for g in range(n):
        ne, ce = ns + node_counts[g], cs + conn_counts[g]
        bad[g] = _genome_is_invalid(node_id[ns:ne], node_kind[ns:ne], node_activation[ns:ne],
                                    node_aggregation[ns:ne], act_ok, agg_ok, inputs, outputs, bias, has_bias,
                                    required, sensors, innovation[cs:ce], conn_in[cs:ce], conn_out[cs:ce],
                                    feed_forward, k_input, k_output, k_bias, k_hidden)
        ns, cs = ne, ce
    return bad
