"""Column statistics for standardization, without a copy of X.

Two passes over the rows of positive weight, accumulated in float64:

1. ``*_col_sums``: total weight, Σ w x and max |x| per column;
2. ``*_col_deviations``: Σ w d and Σ w d² of d = x·u - m·u, with m the mean
   from pass 1 and u a unit per column (1, or 1/max|x| for columns of 1e200 or
   ±1.7e308 whose squares would overflow): the corrected two-pass algorithm,
   where Σ w d (zero in exact arithmetic) repairs the rounding of the mean,
   and x - m is exact for a large offset with a small spread.

Large dense X takes one pass instead (``dense_col_moments_chunks``): blocks of
rows, each summed around a shift, the running mean of the rows before it (the
first block gets the two passes while it is in cache), and the blocks'
moments are merged; its caller falls back to the two passes above when a
column needs other units or a sum overflowed.

Dense X is a 2-D array; CSR X the ``(data, indices, indptr)`` triple of a
canonical matrix (no duplicate entries). For CSR the implicit zeros are the
caller's: a column's stored rows carry weight ``wnz[j]``, its zeros the rest.
Every function *adds* into its output arrays, so row chunks (dask) accumulate
into the same buffers.
"""
from __future__ import annotations

import numpy as np

from .._config import kernel, prange
from .prefetch import prefetch_item

#: stored values ahead whose column sums the CSR sums ask for
SUMS_AHEAD = 32


@kernel(internal=True)
def _dense_col_sums_rows(X, sw, start, stop, s1, amax):
    d = X.shape[1]
    tot = 0.0
    for i in range(start, stop):
        w = np.float64(sw[i])
        if w == 0.0:
            continue
        tot += w
        for j in range(d):
            x = np.float64(X[i, j])
            s1[j] += w * x
            amax[j] = np.maximum(amax[j], abs(x))  # a blend, not a masked store
    return tot


@kernel(internal=True)
def _dense_col_deviations_rows(X, sw, start, stop, m_s, inv_a, s1, s2):
    d = X.shape[1]
    for i in range(start, stop):
        w = np.float64(sw[i])
        if w == 0.0:
            continue
        for j in range(d):
            v = np.float64(X[i, j]) * inv_a[j] - m_s[j]
            s1[j] += w * v
            s2[j] += w * v * v


@kernel
def dense_col_sums(X, sw, s1, amax):
    """s1[j] += Σ_i w_i x_ij, amax[j] = max(amax[j], |x_ij|) over w_i > 0; returns Σ w_i."""
    return _dense_col_sums_rows(X, sw, 0, X.shape[0], s1, amax)


@kernel
def dense_col_deviations(X, sw, m_s, inv_a, s1, s2):
    """s1[j] += Σ w d, s2[j] += Σ w d² with d = x·inv_a[j] - m_s[j], over w > 0."""
    _dense_col_deviations_rows(X, sw, 0, X.shape[0], m_s, inv_a, s1, s2)


@kernel(parallel=True)
def dense_col_sums_chunks(X, sw, S1, AMAX, TOT):
    """:func:`dense_col_sums` over ``S1.shape[0]`` fixed row chunks, in parallel, chunk c
    into S1[c], AMAX[c], TOT[c] (the caller adds them up in chunk order: the same
    result whatever the thread count)."""
    n = X.shape[0]
    C = S1.shape[0]
    for c in prange(C):
        TOT[c] = _dense_col_sums_rows(X, sw, (c * n) // C, ((c + 1) * n) // C, S1[c],
                                      AMAX[c])


@kernel(parallel=True)
def dense_col_deviations_chunks(X, sw, m_s, inv_a, S1, S2):
    """:func:`dense_col_deviations` over ``S1.shape[0]`` fixed row chunks, in parallel."""
    n = X.shape[0]
    C = S1.shape[0]
    for c in prange(C):
        _dense_col_deviations_rows(X, sw, (c * n) // C, ((c + 1) * n) // C, m_s, inv_a,
                                   S1[c], S2[c])


#: columns of the per-column accumulators of :func:`csr_col_sums` (one cache line holds
#: all of a column's: separate arrays of 2^18 columns cost a cache miss each per value)
SUM, SUMSQ, AMAX, WNZ = 0, 1, 2, 3


@kernel(internal=True)
def _csr_col_sums_rows(data, indices, indptr, sw, start, stop, acc):
    """Rows [start, stop) of :func:`csr_col_sums` into ``acc`` (d, 2 or 4). Rows all of
    weight 1 (no sample weights) in one loop over their stored values, the same sums
    (w x = x exactly): a loop per row pays its exit and set-up for every row (~44
    values a row: one thread, 2^14 columns 7.7 -> 4.4 ms, 2^18 14.7 -> 12.1 ms; the
    two chunks of :func:`csr_col_sums` side by side, 4.5 -> 4.0 and 9.5 -> 9.2 ms)."""
    tot = 0.0
    full = acc.shape[1] > WNZ
    last = indptr[stop]
    unit = True
    for i in range(start, stop):
        unit &= sw[i] == 1
    if unit and not full:
        for p in range(indptr[start], last):
            if p + SUMS_AHEAD < last:
                prefetch_item(acc, indices[p + SUMS_AHEAD], 0)
            j = indices[p]
            x = np.float64(data[p])
            acc[j, SUM] += x
            acc[j, SUMSQ] += x * x
        return np.float64(stop - start)
    for i in range(start, stop):
        w = np.float64(sw[i])
        if w == 0.0:
            continue
        tot += w
        if full:
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                x = np.float64(data[p])
                acc[j, SUM] += w * x
                acc[j, SUMSQ] += w * x * x
                acc[j, WNZ] += w
                acc[j, AMAX] = max(acc[j, AMAX], abs(x))
        else:  # half the bytes a value touches (and of the cache lines they share)
            for p in range(indptr[i], indptr[i + 1]):
                if p + SUMS_AHEAD < last:  # a column's sums are a cache miss each
                    prefetch_item(acc, indices[p + SUMS_AHEAD], 0)
                j = indices[p]
                x = np.float64(data[p])
                wx = w * x
                acc[j, SUM] += wx
                acc[j, SUMSQ] += wx * x
    return tot


@kernel(parallel=True)
def csr_col_sums(data, indices, indptr, sw, bounds, acc, TOT):
    """:func:`dense_col_sums` over stored entries, in ``acc.shape[0]`` fixed row
    chunks in parallel: rows ``bounds[c]:bounds[c + 1]`` into ``acc[c]`` (d, m) and
    TOT[c] (their Σ w). acc[c, j, SUM] += Σ w x, acc[c, j, SUMSQ] += Σ w x² (the
    caller may take the variance from them, see ``scaling._moments_from_squares``);
    with m = 4 also acc[c, j, AMAX] = max |x| and acc[c, j, WNZ] += the weight of the
    rows storing column j (m = 2 skips them: float32 values never need other units,
    and the weight of a column's zeros only matters to the two-pass fallback). The
    chunks are then merged into acc[0] in chunk order, column block by column
    block in parallel (sums added, AMAX the largest): the same sums on any thread
    count. (NumPy's reduce over the chunks took 5 ms of a 2^20-column fit, on one
    thread, and added the AMAX columns too.)"""
    C = acc.shape[0]
    for c in prange(C):
        TOT[c] = _csr_col_sums_rows(data, indices, indptr, sw, bounds[c], bounds[c + 1],
                                    acc[c])
    d, m = acc.shape[1], acc.shape[2]
    B = 1024  # columns per merge block
    for blk in prange((d + B - 1) // B):
        for c in range(1, C):
            for j in range(blk * B, min((blk + 1) * B, d)):
                for t in range(m):
                    if t == AMAX:
                        acc[0, j, t] = max(acc[0, j, t], acc[c, j, t])
                    else:
                        acc[0, j, t] += acc[c, j, t]


@kernel
def csr_col_deviations(data, indices, indptr, sw, m_s, inv_a, s1, s2):
    """:func:`dense_col_deviations` over the stored entries only."""
    n = indptr.shape[0] - 1
    for i in range(n):
        w = np.float64(sw[i])
        if w == 0.0:
            continue
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            v = np.float64(data[p]) * inv_a[j] - m_s[j]
            s1[j] += w * v
            s2[j] += w * v * v


@kernel(internal=True)
def _dense_moments_rows(X, sw, start, stop, rows, mean, m2, amax, track_amax):
    """Weighted mean and Σ w (x - mean)² of rows [start, stop) into ``mean``/``m2``
    (zero on entry), block by block of ``rows`` rows, each merged into the running
    moments (Chan et al.'s update). A block's deviations are taken from a shift:
    the running mean of the rows before it, accurate to rounding once a block has
    been seen, so one pass over the block suffices (the sums of x - shift and of
    its square, the shifted-data algorithm with a shift next to the mean); the
    first weighted block has none and takes two passes, its own mean first (the
    corrected two-pass algorithm). The shift costs digits only as far as a block's
    mean lies from it in units of its spread (docs/math.md §7). One pass instead of
    two per block: 2M x 100 float32, one thread 195 -> 143 ms, two threads
    105 -> 80 ms. With ``track_amax``, amax[j] = max |x| too
    (float32 X needs none: its magnitudes all lie in the range where no other
    units are needed). Returns (Σ w, finite): ``finite`` is False when a block of
    zero weight holds a NaN or an inf (in a weighted block it makes the moments
    non-finite, which the caller sees).
    """
    d = X.shape[1]
    s = np.zeros(d)
    c1 = np.zeros(d)
    c2 = np.zeros(d)
    tot = 0.0
    finite = True
    for b0 in range(start, stop, rows):
        b1 = min(b0 + rows, stop)
        wb = 0.0
        for i in range(b0, b1):
            wb += np.float64(sw[i])
        for j in range(d):
            c1[j] = 0.0
            c2[j] = 0.0
        if tot == 0.0:  # no shift yet: this block's own mean
            for j in range(d):
                s[j] = 0.0
            _add_rows(X, sw, b0, b1, s, s, s, amax, track_amax, False)
            if wb == 0.0:
                for j in range(d):
                    finite = finite and s[j] == 0.0  # NaN for a NaN or an inf entry
                continue
            for j in range(d):
                s[j] /= wb
            _add_rows(X, sw, b0, b1, s, c1, c2, amax, False, True)
        else:
            for j in range(d):
                s[j] = mean[j]
            _add_rows(X, sw, b0, b1, s, c1, c2, amax, track_amax, True)
            if wb == 0.0:
                for j in range(d):
                    finite = finite and c1[j] == 0.0  # NaN for a NaN or an inf entry
                continue
        new = tot + wb
        for j in range(d):
            corr = c1[j] / wb
            mb = s[j] + corr
            q = c2[j] - c1[j] * corr  # Σ w (x - mb)²
            delta = mb - mean[j]
            mean[j] += delta * (wb / new)
            m2[j] += q + delta * delta * (tot * wb / new)
        tot = new
    return tot, finite


@kernel(internal=True, inline=True)
def _add_rows(X, sw, b0, b1, s, c1, c2, amax, track_amax, deviations):
    """Rows [b0, b1) of X, weighted, into float64 column sums:
    ``deviations=False``: s += Σ w x; ``deviations=True``: with v = x - s,
    c1 += Σ w v and c2 += Σ w v². With ``track_amax`` also amax = max(amax, |x|).
    A row of weight 0 is added as 0 · x like the others (no branch per row): 0 for
    a finite x, NaN for a NaN or an inf, which the caller then finds in X."""
    d = X.shape[1]
    if deviations and not track_amax:  # 4 rows per pass over the accumulators: a
        # quarter of their loads and stores (one pass over 60,000 x 784 float32 on 2
        # threads 12.3 -> 10.4 ms, 1M x 100 22.9 -> 19.6 ms)
        i = b0
        while i + 4 <= b1:
            w0 = np.float64(sw[i])
            w1 = np.float64(sw[i + 1])
            w2 = np.float64(sw[i + 2])
            w3 = np.float64(sw[i + 3])
            for j in range(d):
                sj = s[j]
                v0 = np.float64(X[i, j]) - sj
                v1 = np.float64(X[i + 1, j]) - sj
                v2 = np.float64(X[i + 2, j]) - sj
                v3 = np.float64(X[i + 3, j]) - sj
                u0 = w0 * v0
                u1 = w1 * v1
                u2 = w2 * v2
                u3 = w3 * v3
                c1[j] += (u0 + u1) + (u2 + u3)
                c2[j] += (u0 * v0 + u1 * v1) + (u2 * v2 + u3 * v3)
            i += 4
        b0 = i
    for i in range(b0, b1):
        w = np.float64(sw[i])
        if deviations:
            if track_amax:
                for j in range(d):
                    x = np.float64(X[i, j])
                    v = x - s[j]
                    u = w * v
                    c1[j] += u
                    c2[j] += u * v
                    # np.maximum becomes a blend; a conditional store became a masked
                    # store, which is slow on AMD cores (the pass 1.4x slower)
                    amax[j] = np.maximum(amax[j], abs(x))
            else:
                for j in range(d):
                    v = np.float64(X[i, j]) - s[j]
                    u = w * v
                    c1[j] += u
                    c2[j] += u * v
        elif track_amax:
            for j in range(d):
                x = np.float64(X[i, j])
                s[j] += w * x
                amax[j] = np.maximum(amax[j], abs(x))
        else:
            for j in range(d):
                s[j] += w * np.float64(X[i, j])


@kernel(parallel=True)
def dense_col_moments_chunks(X, sw, rows, MEAN, M2, AMAX, TOT, FINITE, track_amax):
    """Weighted column moments of dense X in one pass over memory, in
    ``MEAN.shape[0]`` fixed row chunks in parallel (chunk c into MEAN[c], M2[c],
    AMAX[c] (with ``track_amax``), TOT[c]; FINITE[c] is False if a row of zero
    weight in the chunk holds a NaN or an inf: in a weighted row one makes the
    moments non-finite). See :func:`_dense_moments_rows`; the caller merges the
    chunks in chunk order, so the result does not depend on the thread count. Entries
    are summed in their own units: the caller checks that none overflowed."""
    n = X.shape[0]
    C = MEAN.shape[0]
    for c in prange(C):
        tot, finite = _dense_moments_rows(X, sw, (c * n) // C, ((c + 1) * n) // C, rows,
                                          MEAN[c], M2[c], AMAX[c], track_amax)
        TOT[c] = tot
        FINITE[c] = finite


@kernel(exact=True, parallel=True)
def moments_from_squares(tot, s1, s2, cancellation, mean, var):
    """mean = s1 / tot and var = s2 / tot - mean² per column (the sums of x and x² of
    a CSR matrix); True when every var is finite and at least ``cancellation``·mean²,
    False when the caller must take the two passes instead. Elementwise, the
    formulas of ``scaling._moments_from_squares`` in one loop (a dozen NumPy
    passes over d-long arrays took 18 ms on 942k columns), without fastmath:
    NumPy's bits, so a narrow and a wide problem decide alike. Columns side by side
    on the threads (each column's numbers are the same on any thread count; 1M
    columns: 2.4 -> 0.6 ms)."""
    bad = 0
    for j in prange(s1.shape[0]):
        m = s1[j] / tot
        v = s2[j] / tot - m * m
        mean[j] = m
        var[j] = v
        bad += 0 if (np.isfinite(v) and v >= cancellation * m * m) else 1
    return bad == 0


@kernel(exact=True, parallel=True)
def column_scaling(m_s, var_s, a, fit_intercept, standardized_penalty, centre, l2,
                   curvature, mean, inv_scale, pen):
    """(mean, inv_scale, pen) of ``scaling.preconditioner`` from the moments in units
    a, column by column, into arrays of the training dtype: the same formulas as its
    NumPy form (docs/math.md §7) in one loop, without fastmath (NumPy's bits); columns
    side by side on the threads (1M columns: 4.4 -> 2.0 ms)."""
    for j in prange(m_s.shape[0]):
        m = m_s[j]
        v = var_s[j]
        aj = a[j]
        ia = 1.0 / aj
        if not fit_intercept:
            v = v + m * m
            m = 0.0
        sd = np.sqrt(v)
        am = abs(m)
        constant = sd <= 1e-12 * (ia if ia >= am else am)
        if constant:
            sd = 0.0
        qs = (ia if constant else sd) if standardized_penalty else ia
        if not centre:
            sd = np.sqrt(sd * sd + m * m)
            m = 0.0
        vp = sd * sd + l2 * qs * qs / curvature
        s = ia / np.sqrt(vp) if vp > 0 else 1.0
        if not (np.isfinite(s) and s > 0):
            s = 1.0
        mean[j] = m * aj
        inv_scale[j] = s
        pen[j] = (qs * aj) * s
