"""The compiled (numba) kernel of :mod:`topoevo.nn.fused`, in its own module: importing it imports numba (most of a
second) and loads the machine code from numba's on-disk cache (compiled on first use, a few seconds)."""
from __future__ import annotations

import math

import numpy as np
from numba import njit

# activation operations (what ``Activation.inplace`` does to z = scale * x); codes are the kernel's own
OP_NONE, OP_TANH, OP_RELU, OP_STEP, OP_SIN, OP_GAUSS, OP_ABS, OP_CLAMP1 = range(8)
# aggregations: linear (sum, mean: folded weights) or the reduction of the weighted inputs
AGG_LINEAR, AGG_PROD, AGG_MAX, AGG_MIN = range(4)


#: 1/k! for k = 13, 12, ..., 1 and 10, 9, ..., 1: Horner coefficients of expm1's Taylor polynomial, u^1 factored out
_TAYLOR_13 = tuple(1.0 / math.factorial(k) for k in range(13, 0, -1))
_TAYLOR_10 = tuple(1.0 / math.factorial(k) for k in range(10, 0, -1))


@njit(cache=True, nogil=True, error_model="numpy")
def _tanh(z, limit, taylor):
    """tanh(z) in float64 arithmetic: ``m = expm1(-2|x| / 64)`` from the Taylor coefficients ``taylor`` (|x|
    clamped to ``limit``), six doublings ``expm1(2a) = m (m + 2)`` give ``m = expm1(-2|x|)``, then ``tanh|x| = -m /
    (2 + m)``, signed as ``x``; NaN stays NaN."""
    x = np.float64(z)
    u = min(abs(x), limit) * (-2.0 / 64.0)
    m = 0.0
    for c in taylor:
        m = m * u + c
    m = m * u
    for _ in range(6):
        m = m * (m + 2.0)
    y = math.copysign(-m / (2.0 + m), x)
    return y if x == x else x


@njit(cache=True, nogil=True, error_model="numpy")
def tanh(z):
    """tanh without a library call, so loops over it vectorize (:func:`_tanh`: degree 13, |x| clamped to 20,
    where tanh is 1 in float64). Relative error below 1e-15."""
    return _tanh(z, 20.0, _TAYLOR_13)


@njit(cache=True, nogil=True, error_model="numpy")
def tanh_f32(z):
    """:func:`tanh` for float32 results: |x| clamped to 9.1 (tanh rounds to 1 in float32 beyond 9.01), so degree
    10 suffices (relative error below 1e-11: the correctly rounded float32 tanh in every value tested)."""
    return _tanh(z, 9.1, _TAYLOR_10)


@njit(cache=True, nogil=True, error_model="numpy")
def _activate(op, t):
    """The activation ``op`` in place on the flat values ``t`` (one loop per operation, so each vectorizes)."""
    if op == OP_TANH and t.itemsize == 4:  # float32
        for j in range(t.size):
            t[j] = tanh_f32(t[j])
    elif op == OP_TANH:
        for j in range(t.size):
            t[j] = tanh(t[j])
    elif op == OP_RELU:
        for j in range(t.size):
            x = t[j]
            t[j] = x if (x > 0 or x != x) else 0
    elif op == OP_STEP:
        for j in range(t.size):
            x = t[j]
            t[j] = 1 if x > 0 else (x if x != x else 0)
    elif op == OP_SIN:
        for j in range(t.size):
            t[j] = math.sin(np.float64(t[j]))
    elif op == OP_GAUSS:
        for j in range(t.size):
            x = np.float64(t[j])
            t[j] = math.exp(-(x * x))
    elif op == OP_ABS:
        for j in range(t.size):
            t[j] = abs(t[j])
    elif op == OP_CLAMP1:
        for j in range(t.size):
            x = t[j]
            t[j] = x if x != x else min(max(x, -1), 1)


@njit(cache=True, nogil=True, error_model="numpy")
def _reduce(a, V, b, e0, e1, gsrc, gw, goff):
    """Product, max or min of ``V[gsrc[e], b] * gw[e] + goff[e]`` over ``e`` in ``[e0, e1)`` (0 if empty)."""
    red = V.dtype.type(0)
    for e in range(e0, e1):
        c = V[gsrc[e], b] * gw[e] + goff[e]
        if e == e0 or c != c:
            red = c
        elif a == AGG_PROD:
            red = red * c
        elif a == AGG_MAX:
            red = max(red, c)
        else:
            red = min(red, c)
    return red


@njit(cache=True, nogil=True, error_model="numpy")
def _block(V, T, lo, hi, active, agg, bias, rowptr, src, w, gptr, gsrc, gw, goff, gbias, gresp):
    """Pre-activations of computed rows [lo, hi) into ``T`` (rows, B) (see :func:`forward`)."""
    zero = V.dtype.type(0)
    for i in range(lo, hi):
        if not active[i]:
            continue
        a = agg[i]
        for b in range(V.shape[1]):
            if a == AGG_LINEAR:
                acc = zero
                for e in range(rowptr[i], rowptr[i + 1]):
                    acc += w[e] * V[src[e], b]
                T[i, b] = acc + bias[i]
            else:
                T[i, b] = gbias[i] + gresp[i] * _reduce(a, V, b, gptr[i], gptr[i + 1], gsrc, gw, goff)


@njit(cache=True, nogil=True, error_model="numpy")
def _linear_block_1(v, t, off, lo, hi, bias, rowptr, src, w):
    """:func:`_block_1` when every row is active and linear (the common case: a fifth faster)."""
    zero = v.dtype.type(0)
    for i in range(lo, hi):
        acc = zero
        for e in range(rowptr[i], rowptr[i + 1]):
            acc += w[e] * v[src[e]]
        t[off + i] = acc + bias[i]


@njit(cache=True, nogil=True, error_model="numpy")
def _block_1(v, t, off, lo, hi, active, agg, bias, rowptr, src, w, gptr, gsrc, gw, goff, gbias, gresp):
    """:func:`_block` for batch 1, on flat views ``v`` and ``t`` (row ``i`` at ``t[off + i]``)."""
    zero = v.dtype.type(0)
    for i in range(lo, hi):
        if not active[i]:
            continue
        a = agg[i]
        if a == AGG_LINEAR:
            acc = zero
            for e in range(rowptr[i], rowptr[i + 1]):
                acc += w[e] * v[src[e]]
            t[off + i] = acc + bias[i]
        else:
            t[off + i] = gbias[i] + gresp[i] * _reduce(a, v.reshape((v.size, 1)), 0, gptr[i], gptr[i + 1], gsrc, gw, goff)


@njit(cache=True, nogil=True, error_model="numpy")
def forward(x, V, recurrent, nxt, S, simple, active, bounds, run_ptr, runs, agg, bias, rowptr, src, w, gptr, gsrc, gw, goff, gbias,
            gresp, out, out_rows, out_scale, out_shift):
    """One call on the inputs ``x`` (P, B, I), copied to the first ``P * I`` rows of ``V`` (genome-major). Computed
    row ``i`` of the plan is row ``S + i`` of the values ``V`` (rows, B); only rows with
    ``active[i]`` are computed. Feed-forward (``nxt`` unused): block ``k`` is the level of rows ``[bounds[k],
    bounds[k + 1])``, written in place. Recurrent: one block of every row, written to ``nxt`` and then copied to
    ``V`` (one synchronous tick). ``simple``: every row is active and linear. Each block: every row's pre-activation, then the block's activation runs
    ``runs[run_ptr[k]:run_ptr[k + 1]]`` (start, end, operation) in place. Finally ``out[p, :, o] = out_shift[j]
    + out_scale[j] * V[out_rows[j]]`` with ``j = p * O + o`` (the outputs' stored affine images mapped back).

    A linear row is ``bias[i] + sum_e w[e] * V[src[e]]`` over ``e`` in ``[rowptr[i], rowptr[i + 1])``, summed from
    zero in edge order and then the bias added (the rounding of the torch steps' sparse product); a product, max or
    min row reduces ``V[gsrc[e]] * gw[e] + goff[e]`` over its gather edges, then ``gbias[i] + gresp[i] * red``.

    Row numbers (``S``, ``bounds``, ``rowptr``, ``src``, ``gptr``, ``gsrc``) are unsigned: numba then skips the
    negative-index wraparound of every access (measured: the linear rows take half the time)."""
    B = V.shape[1]
    P, n_in = x.shape[0], x.shape[2]
    if B == 1:
        V.reshape(-1)[:P * n_in] = x.reshape(-1)
    else:
        for p in range(P):
            for j in range(n_in):
                for b in range(B):
                    V[p * n_in + j, b] = x[p, b, j]
    T = nxt if recurrent else V[S:]
    for k in range(bounds.size - 1):
        if B == 1 and simple:
            _linear_block_1(V.reshape(-1), nxt.reshape(-1) if recurrent else V.reshape(-1),
                            np.uint64(0) if recurrent else S, bounds[k], bounds[k + 1], bias, rowptr, src, w)
        elif B == 1:  # flat views: a third faster than the batched loop
            _block_1(V.reshape(-1), nxt.reshape(-1) if recurrent else V.reshape(-1),
                     np.uint64(0) if recurrent else S, bounds[k], bounds[k + 1], active, agg, bias, rowptr, src, w, gptr, gsrc, gw, goff, gbias, gresp)
        else:
            _block(V, T, bounds[k], bounds[k + 1], active, agg, bias, rowptr, src, w, gptr, gsrc, gw, goff, gbias,
                   gresp)
        for r in range(run_ptr[k], run_ptr[k + 1]):
            _activate(runs[r, 2], T[runs[r, 0]:runs[r, 1]].reshape(-1))
    if recurrent:
        for i in range(nxt.shape[0]):
            if active[i]:
                for b in range(B):
                    V[S + i, b] = nxt[i, b]
    if B == 1:
        o = out.reshape(-1)
        for j in range(out_rows.size):
            o[j] = out_shift[j] + out_scale[j] * V[out_rows[j], 0]
    else:
        n_out = out.shape[2]
        for p in range(P):
            for c in range(n_out):
                j = p * n_out + c
                for b in range(B):
                    out[p, b, c] = out_shift[j] + out_scale[j] * V[out_rows[j], b]
