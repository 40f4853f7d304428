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


@njit(cache=True)
def store_plan(noff, ids, act, agg, coff, c_in, c_out, enabled, weight, position, inputs, outputs, bias_id,
               recurrent, n_act, n_agg):
    """:func:`topoevo.nn.population.compile_plan`'s layout of the genomes of one population store, in one pass.
    Returns (ok, sensor rows, rows, computed nodes in row order, genome of each node, their levels, level bounds,
    edge sources, targets, weights and connection positions in edge order, output rows); not ok (a missing node,
    a link into a sensor, a cycle, a negative id) leaves the error to the numpy path, which names it."""
    P, ni, no, n_nodes = len(noff) - 1, len(inputs), len(outputs), len(ids)
    nb = 1 if bias_id >= 0 else 0
    empty = np.empty(0, np.int64)
    fail = (False, 0, 0, empty, empty, empty, empty, empty, empty, np.empty(0, np.float64), empty, empty)
    top = max(bias_id, 0)
    for x in inputs:
        top = max(top, x)
    for x in outputs:
        top = max(top, x)
    for r in range(n_nodes):
        if ids[r] < 0:
            return fail
        top = max(top, ids[r])
    n_en = 0
    for e in range(len(c_in)):
        if enabled[e]:
            n_en += 1
            if c_in[e] < 0 or c_out[e] < 0:
                return fail
            top = max(top, max(c_in[e], c_out[e]))
    local = np.full(top + 1, -1, np.int64)
    S = P * (ni + nb)
    row = np.full(n_nodes, -1, np.int64)
    genome = np.empty(n_nodes, np.int64)
    out_node = np.empty(P * no, np.int64)
    e_src = np.empty(n_en, np.int64)
    e_dst = np.empty(n_en, np.int64)
    e_w = np.empty(n_en, np.float64)
    e_ci = np.empty(n_en, np.int64)
    k = 0
    for g in range(P):
        a, b = noff[g], noff[g + 1]
        for r in range(a, b):
            genome[r] = g
            if local[ids[r]] < 0:  # (a duplicate id: its first node, as the numpy path finds)
                local[ids[r]] = r
        ok = True
        for i in range(ni):
            r = local[inputs[i]]
            ok = ok and r >= 0
            row[r] = g * ni + i
        if nb:
            r = local[bias_id]
            ok = ok and r >= 0
            row[r] = P * ni + g
        for o in range(no):
            r = local[outputs[o]]
            ok = ok and r >= 0
            out_node[g * no + o] = r
        for e in range(coff[g], coff[g + 1]):
            if enabled[e]:
                s, d = local[c_in[e]], local[c_out[e]]
                ok = ok and s >= 0 and d >= 0
                e_src[k], e_dst[k], e_w[k], e_ci[k] = s, d, weight[e], position[e]
                k += 1
        for r in range(a, b):
            local[ids[r]] = -1
        if not ok:
            return fail
    for e in range(n_en):
        if row[e_dst[e]] >= 0:
            return fail
    first = np.zeros(n_nodes, np.int64)
    n_comp = 0
    for r in range(n_nodes):
        if row[r] < 0:
            first[r] = 1
            n_comp += 1
    if recurrent:
        level = first
    else:
        level, acyclic = levels(e_src, e_dst, first)
        if not acyclic:
            return fail
    comp = np.empty(n_comp, np.int64)
    key = np.empty(n_comp, np.int64)
    max_level = 0
    for r in range(n_nodes):
        max_level = max(max_level, level[r])
    j = 0
    for r in range(n_nodes):
        if row[r] < 0:
            comp[j] = r
            key[j] = (level[r] * n_act + act[r]) * n_agg + agg[r]
            j += 1
    order = comp[_stable_argsort(key, (max_level + 1) * n_act * n_agg)]  # (stable: genome-major within each group)
    n_rows = S + n_comp
    lv = np.empty(n_comp, np.int64)
    n_bounds = 2
    for j in range(n_comp):
        row[order[j]] = S + j
        lv[j] = level[order[j]]
        if j > 0 and lv[j] != lv[j - 1]:
            n_bounds += 1
    bounds = np.empty(n_bounds, np.int64)
    bounds[0], bounds[n_bounds - 1] = S, n_rows
    if n_comp == 0:
        bounds[1] = S
    m = 1
    for j in range(1, n_comp):
        if lv[j] != lv[j - 1]:
            bounds[m] = S + j
            m += 1
    src = np.empty(n_en, np.int64)
    dst = np.empty(n_en, np.int64)
    edge_key = np.empty(n_en, np.int64)
    for e in range(n_en):
        src[e], dst[e] = row[e_src[e]], row[e_dst[e]]
        edge_key[e] = dst[e] * n_rows + src[e]
    eorder = _edge_order(src, dst, edge_key, n_rows)
    out_rows = np.empty(P * no, np.int64)
    for x in range(P * no):
        out_rows[x] = row[out_node[x]]
    return (True, S, n_rows, order, genome[order], lv, bounds, src[eorder], dst[eorder], e_w[eorder], e_ci[eorder],
            out_rows)


#: counting sorts are used while the key range is at most this many times the number of keys (plus a constant)
COUNTING_RANGE_RATIO = 4
#: targets with more incoming edges than this make the edges sorted by a comparison sort
COUNTING_MAX_FAN_IN = 64


@njit(cache=True)
def _counting_argsort(key, top):
    """The stable argsort of keys in [0, top), by counting."""
    start = np.zeros(top + 1, np.int64)
    for k in key:
        start[k + 1] += 1
    for i in range(top):
        start[i + 1] += start[i]
    out = np.empty(key.size, np.int64)
    for j in range(key.size):
        out[start[key[j]]] = j
        start[key[j]] += 1
    return out


@njit(cache=True)
def _stable_argsort(key, top):
    """``np.argsort(key, kind="mergesort")`` of keys in [0, top): by counting when the range is small (a stable
    sort has one result, so the two agree)."""
    if top <= COUNTING_RANGE_RATIO * key.size + 1024:
        return _counting_argsort(key, top)
    return np.argsort(key, kind="mergesort")


@njit(cache=True)
def _edge_order(src, dst, edge_key, n_rows):
    """``np.argsort(edge_key)`` with ``edge_key = dst * n_rows + src``: edges by target row, then source row. By
    counting on the targets and an insertion sort of each target's few sources; two edges with the same key (the
    one case where sorts may differ) or a large fan-in leave it to ``np.argsort`` itself."""
    m = dst.size
    if n_rows > COUNTING_RANGE_RATIO * m + 1024:
        return np.argsort(edge_key)
    out = _counting_argsort(dst, n_rows)
    a = 0
    while a < m:
        b = a + 1
        while b < m and dst[out[b]] == dst[out[a]]:
            b += 1
        if b - a > COUNTING_MAX_FAN_IN:
            return np.argsort(edge_key)
        for i in range(a + 1, b):  # insertion sort of the segment by source row
            e = out[i]
            j = i - 1
            while j >= a and src[out[j]] > src[e]:
                out[j + 1] = out[j]
                j -= 1
            out[j + 1] = e
        for i in range(a + 1, b):
            if src[out[i]] == src[out[i - 1]]:
                return np.argsort(edge_key)
        a = b
    return out


@njit(cache=True)
def fold_arrays(S, activation, aggregation, response, bias, src, dst, weight, act_scale, stored_scale, stored_shift,
                linear, mean):
    """:func:`topoevo.nn.population.fold`'s arithmetic in one pass, operation for operation (so bit for bit):
    returns (scale, src_a, src_shift, dst_c, linear, all_linear, lin_src, lin_w, rowptr, bias)."""
    n_comp, m = activation.size, src.size
    scale = np.empty(n_comp, np.float64)
    coef = np.empty(n_comp, np.float64)
    any_mean = False
    for i in range(n_comp):
        scale[i] = act_scale[activation[i]]
        coef[i] = response[i] * scale[i]
        any_mean = any_mean or aggregation[i] == mean
    dst_c = np.empty(m, np.int64)
    src_a = np.empty(m, np.float64)
    src_shift = np.empty(m, np.float64)
    e_lin = np.empty(m, np.bool_)
    aff = np.empty(m, np.bool_)
    fan_in = np.zeros(n_comp, np.int64)
    n_lin, any_affine = 0, False
    for e in range(m):
        d = dst[e] - S
        dst_c[e] = d
        fan_in[d] += 1
        s = src[e] - S
        affine = s >= 0 and stored_shift[activation[s]] != 0
        aff[e] = affine
        any_affine = any_affine or affine
        src_a[e] = stored_scale[activation[s]] if affine else 1.0
        src_shift[e] = stored_shift[activation[s]] if affine else 0.0
        e_lin[e] = linear[aggregation[d]]
        if e_lin[e]:
            n_lin += 1
    if any_mean:
        for i in range(n_comp):
            coef[i] = coef[i] / (max(fan_in[i], 1) if aggregation[i] == mean else 1)
    lin_src = np.empty(n_lin, np.int64)
    lin_w = np.empty(n_lin, np.float64)
    rowptr = np.zeros(n_comp + 1, np.int64)
    shift = np.zeros(n_comp, np.float64)
    k = 0
    for e in range(m):
        if e_lin[e]:
            d = dst_c[e]
            lin_src[k] = src[e]
            w = weight[e] * coef[d]
            if any_affine:
                if aff[e]:
                    shift[d] += src_shift[e] * w
                w = w * src_a[e]
            lin_w[k] = w
            rowptr[d + 1] += 1
            k += 1
    for i in range(n_comp):
        rowptr[i + 1] += rowptr[i]
    out_bias = np.empty(n_comp, np.float64)
    for i in range(n_comp):
        out_bias[i] = bias[i] * scale[i]
        if any_affine:
            out_bias[i] = out_bias[i] + shift[i]
    return scale, src_a, src_shift, dst_c, e_lin, n_lin == m, lin_src, lin_w, rowptr, out_bias
