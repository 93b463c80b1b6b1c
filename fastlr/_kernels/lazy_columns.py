"""The columns a lazy epoch's rows never touch, caught up in one pass.

A call of ``partial_fit`` on a chunk of a wide bag of words (10,000 rows, 2^20
columns) stores values in an eighth of the columns (~130,000); the other weights
only take the epoch's penalty-only steps. :class:`fastlr._solvers.sparse_epochs.LazyEpochRunner`
then runs the lazy epoch (:mod:`.lazy`) on the stored columns alone, renumbered
(:mod:`.stored_columns`), and this kernel applies the ``nb`` penalty-only steps
of the epoch to every other column in closed form (docs/math.md §6) while it
writes all the weights into the solver's (K, d) array: one pass over the weights
instead of the epoch's passes over its per-feature table, which it would fill,
walk and write back for every column (2^20 columns, one output: ~16 ms a call).

The same closed forms as :func:`.lazy_penalty._finish_epoch` for a column whose
last step is 0, to rounding: weights divided into the trained units by ``unit``
(when not empty), the decay a^nb = exp(nb · log a) in the table's dtype with
log a from the same series, the L1 shrink (el1 q) · nb, an elastic net's closed
form (:func:`.lazy_penalty._catch_up`), the steps one by one where a decay is not
positive, and the weights multiplied back by ``unit``. Not bit for bit: the epoch
picks the series for log a over all its columns, this pass block by block, so a
float32 weight may differ in its last bit from the one an epoch on all columns
gives (the tests compare the two paths to rounding).
"""
from __future__ import annotations

import numpy as np

from .._config import kernel, prange
from .elementary import exp_nonpos
from .lazy_penalty import (ATANH_EPS, DECAY, FINISH_BLOCK, GENERAL, NONE, SERIES_EPS, SHRINK,
                           _decay_shrink, _log1m_atanh)


@kernel(internal=True)  # not exact: the formulas and rounding of _finish_epoch's decays
def _decays(eps, n, small, step, decay):
    """decay[:n] = a^step = exp(step · log(1 - eps)), log(1 - eps) by the series of
    :func:`.lazy_penalty._start_epoch` (``small``: every eps <= SERIES_EPS; else every
    eps <= ATANH_EPS) rounded to the decays' dtype, as the lazy epochs compute them."""
    if small:
        for t in range(n):
            e = eps[t]
            decay[t] = -e * (1.0 + e * (0.5 + e * (1.0 / 3.0 + e * (0.25 + e * (0.2 + e / 6.0)))))
    else:
        for t in range(n):
            decay[t] = _log1m_atanh(eps[t])
    for t in range(n):
        decay[t] = exp_nonpos(step * decay[t])


@kernel(parallel=True, exact=True)  # exact: W / unit and w · unit rounded as
def catch_up_columns(W, fitted, keep, pen, unit, nb, el1, el2, table, out, chunks):  # take_weights does
    """``out`` (K, d) = the weights after an epoch of ``nb`` minibatches: columns
    ``keep`` (increasing) from ``fitted`` (K, m),
    every other column j from W[:, j] after nb penalty-only steps
    w ← soft(a w, t), a = 1 - el2 q², t = el1 q, q = ``pen[j]`` rounded to the
    dtype of ``table`` (the lazy epoch's per-feature table: its dtype is the one of
    the decays). With ``unit`` (d,) not empty, W and out hold the user's units
    (trained weight = W[:, j] / unit[j]). ``out`` may be ``W``. Returns (Σ q |w|,
    Σ (q w)²) of the caught-up (not the kept) columns' trained weights, and whether
    every weight written is finite (the solver's check after each epoch, in the pass
    that writes them: 20 x 2^20 float32 weights read again took 9 ms a call).

    In ``chunks`` fixed ranges of columns side by side on the threads (their sums
    added in order: the same result on any thread count), each
    block by block of FINISH_BLOCK columns, each step a loop of its own over a
    contiguous buffer (the decays' series and exp vectorise), the penalty's sums in
    four chains each (one chain: a dependent add per column); the block's kept columns
    zeroed in the buffer and written from ``fitted`` after it."""
    d = W.shape[1]
    blocks = (d + FINISH_BLOCK - 1) // FINISH_BLOCK
    sums = np.zeros((chunks, 2))
    bad = np.zeros(chunks, np.int64)
    for c in prange(chunks):
        j0 = (blocks * c // chunks) * FINISH_BLOCK
        j1 = min((blocks * (c + 1) // chunks) * FINISH_BLOCK, d)
        sums[c, 0], sums[c, 1], bad[c] = _catch_up_range(W, fitted, keep, pen, unit, nb,
                                                         el1, el2, table, out, j0, j1)
    pen1 = 0.0
    pen2 = 0.0
    finite = True
    for c in range(chunks):
        pen1 += sums[c, 0]
        pen2 += sums[c, 1]
        finite &= bad[c] == 0
    return pen1, pen2, finite


@kernel(internal=True, exact=True)
def _catch_up_range(W, fitted, keep, pen, unit, nb, el1, el2, table, out, c0, c1):
    """:func:`catch_up_columns` on the columns c0:c1 (c0 a multiple of FINISH_BLOCK):
    per block, each column's decay and shrink once, then W's K rows in turn through a
    contiguous buffer (whole cache lines of W and out, loops that vectorise)."""
    K = W.shape[0]
    tdt = table.dtype.type
    odt = out.dtype.type
    scaled = unit.shape[0] > 0
    B = FINISH_BLOCK
    s = np.empty(B, out.dtype)      # a row of the block, in the trained units and in
    #                                 the dtype written (W may be wider: coef_ of a float64
    #                                 fit; what overflows that dtype is caught as inf)
    q = np.empty(B)                 # q in the table's dtype, as a float64
    eps = np.empty(B)
    decay = np.empty(B, table.dtype)
    dec = np.empty(B)               # an elastic net's decay and shrink over the nb steps
    shr = np.empty(B)
    a1 = np.empty(B)                # a column's Σ|w| and Σw² over the rows
    a2 = np.empty(B)
    step = tdt(nb)
    mode = NONE if el1 == 0.0 and el2 == 0.0 else (
        SHRINK if el2 == 0.0 else (DECAY if el1 == 0.0 else GENERAL))
    s0 = s1 = s2 = s3 = 0.0
    t0 = t1 = t2 = t3 = 0.0
    bad = 0
    nkeep = keep.shape[0]
    u = np.searchsorted(keep, c0)
    for j0 in range(c0, c1, B):
        j1 = min(j0 + B, c1)
        n = j1 - j0
        u0 = u
        while u < nkeep and keep[u] < j1:
            u += 1
        for t in range(n):
            q[t] = np.float64(tdt(pen[j0 + t]))
            a1[t] = 0.0
            a2[t] = 0.0
        for t in range(n, B):
            q[t] = 0.0
            a1[t] = 0.0
            a2[t] = 0.0
        bmode = mode  # this block's: a strong decay on some column of it is no reason
        if mode == SHRINK:  # for the general form in the blocks after it
            for t in range(n):
                shr[t] = (el1 * q[t]) * np.float64(nb)
        elif mode != NONE:
            large = 0  # a count, not a flag: an integer sum vectorises
            for t in range(n):
                qt = tdt(q[t])
                e = el2 * (qt * qt)  # q² in the table's dtype, as _start_epoch forms it
                eps[t] = e
                large += e > ATANH_EPS
            if mode == DECAY and large == 0:  # a^nb = exp(nb log a)
                big = 0
                for t in range(n):
                    big += eps[t] > SERIES_EPS
                _decays(eps, n, big == 0, step, decay)
            else:  # an elastic net, or decays up to 1 or more per step: the closed
                bmode = GENERAL  # form of _catch_up, the steps one by one where a <= 0
                for t in range(n):
                    if eps[t] < 1.0:
                        dec[t], shr[t] = _decay_shrink(nb, eps[t], el1 * q[t])
        for k in range(K):
            if scaled:
                for t in range(n):
                    s[t] = W[k, j0 + t] / unit[j0 + t]
            else:
                for t in range(n):
                    s[t] = W[k, j0 + t]
            for v in range(u0, u):  # a kept column: no catch-up, no penalty (its
                s[keep[v] - j0] = 0  # weights come from the epoch below)
            if bmode == SHRINK:
                for t in range(n):
                    w = s[t]
                    r = abs(w) - shr[t]
                    s[t] = 0.0 if r <= 0 else np.copysign(r, w)
            elif bmode == DECAY:
                for t in range(n):
                    s[t] *= decay[t]
            elif bmode == GENERAL:
                for t in range(n):
                    w = s[t]
                    if w == 0:  # a zero weight stays zero
                        continue
                    if eps[t] < 1.0:
                        r = abs(w) * dec[t] - shr[t]
                        s[t] = 0.0 if r <= 0 else np.copysign(r, w)
                    else:  # a <= 0 flips signs: the steps one by one
                        a = 1.0 - eps[t]
                        thr = el1 * q[t]
                        for _ in range(nb):
                            x = a * s[t]
                            s[t] = x - min(max(x, -thr), thr)
            for t in range(n):
                w = np.float64(s[t])
                a1[t] += abs(w)
                a2[t] += w * w
            if scaled:
                for t in range(n):
                    x = odt(s[t] * unit[j0 + t])  # unit may be wider than out: the bits
                    out[k, j0 + t] = x           # written are the ones checked
                    bad += not abs(x) < np.inf  # counts NaN too; an integer sum vectorises
            else:
                for t in range(n):
                    out[k, j0 + t] = s[t]
                    bad += not abs(s[t]) < np.inf
            for v in range(u0, u):  # the kept columns, from the epoch
                x = fitted[k, v]
                out[k, keep[v]] = x
                bad += not abs(x) < np.inf
        for t in range(0, B, 4):  # the penalty of the caught-up columns, in four chains
            s0 += q[t] * a1[t]
            s1 += q[t + 1] * a1[t + 1]
            s2 += q[t + 2] * a1[t + 2]
            s3 += q[t + 3] * a1[t + 3]
            t0 += (q[t] * q[t]) * a2[t]
            t1 += (q[t + 1] * q[t + 1]) * a2[t + 1]
            t2 += (q[t + 2] * q[t + 2]) * a2[t + 2]
            t3 += (q[t + 3] * q[t + 3]) * a2[t + 3]
    return (s0 + s1) + (s2 + s3), (t0 + t1) + (t2 + t3), bad


@kernel(parallel=True, exact=True)  # exact: W / unit rounded as take_weights rounds it
def take_columns(W, keep, S, unit, chunks):
    """S (m, K) = the columns ``keep`` of W (K, d), transposed (the lazy epochs'
    layout), divided by ``unit[keep]`` when ``unit`` (d,) is not empty: what
    :func:`.lazy_penalty.take_weights` gives on ``W[:, keep]``, without that copy (NumPy
    gathers it and then lays it out again: 20 x 150k weights, ~19 ms a call of
    partial_fit). In ``chunks`` slices of ``keep`` side by side."""
    K = W.shape[0]
    m = keep.shape[0]
    scaled = unit.shape[0] > 0
    for c in prange(chunks):
        for u in range((c * m) // chunks, ((c + 1) * m) // chunks):
            j = keep[u]
            if scaled:
                for k in range(K):
                    S[u, k] = W[k, j] / unit[j]
            else:
                for k in range(K):
                    S[u, k] = W[k, j]
