"""The lazy epochs' per-feature tables and their closed-form catch-up (docs/math.md §6).

A feature skipped by k minibatches owes k penalty-only steps w ← soft(a w, t),
a = 1 - η l2 q², t = η l1 q. :mod:`.lazy` applies them here: to a minibatch's
gathered features before its pass (:func:`_catch_up_compact`), and to every
feature at the end of an epoch (:func:`_finish_epoch`), from the table ``F``
of each feature's last step, data scale, q and log a (:func:`feature_table`,
:func:`_start_epoch`).
"""
from __future__ import annotations

import numpy as np

from .._config import kernel, prange
from .elementary import exp_nonpos


#: columns of the per-feature table ``F`` (d, 4; in the weights' dtype, or float64 when
#: an epoch has 2^24 minibatches or a minibatch 2^24 features, which float32 cannot
#: count exactly): the step up to which its weights are current (while the feature is
#: in the current minibatch: -1 - its compact row), its data scale, its penalty factor
#: q, and log(1 - η l2 q²), the log of its L2 decay per step (set by each epoch for its
#: step size; NaN where the decay is not positive, which has no closed form)
LAST, XSCALE, Q, LOGA = 0, 1, 2, 3
def feature_columns(n_outputs, l2=1.0, q_is_scale=False):
    """Columns of ``F`` for ``n_outputs`` outputs. With one output (binary) the
    feature's weight lives in its record during an epoch, in the same cache line (a
    feature's gather and scatter then touch one line instead of two; a 20-byte float32
    record sometimes straddles two): in LOGA's column when the fit has no L2 (no epoch
    reads log a then), in XSCALE's when every q equals the data scale (the default
    penalty on preconditioned data: the scale is read from Q's column), otherwise
    in a fifth column (:func:`_weight_columns` finds it from the shape and l2)."""
    if n_outputs == 1 and not (l2 == 0 or q_is_scale):
        return 5
    return 4


@kernel(internal=True, inline=True)
def _weight_columns(F, l2):
    """(the column of a one-output weight during an epoch, the column its data scale
    is read from) for a table laid out by :func:`feature_columns`."""
    if F.shape[1] > 4:
        return 4, XSCALE
    if l2 == 0.0:
        return LOGA, XSCALE
    return XSCALE, Q

#: rows of the compact per-feature array ``C`` (4, m), for the features of one
#: minibatch: steps skipped, data scale, q, log(1 - η l2 q²) (then the decay a^steps)
STEPS, CXS, CQ, CLA = 0, 1, 2, 3

#: how a minibatch's features catch up: no penalty, L2 only (a decay), L1 only (a
#: shrink), or feature by feature (elastic net, or a decay that is not positive)
NONE, DECAY, SHRINK, GENERAL = 0, 1, 2, 3


@kernel(parallel=True)
def feature_table(inv_scale, pen, precondition, F):
    """Fill every column of ``F`` for :func:`lazy_csr_epoch` (once per fit: nothing
    in it depends on the step size; the caller need not zero it); rows side by side
    on the threads."""
    for j in prange(F.shape[0]):
        q = np.float64(pen[j])
        F[j, LAST] = 0.0
        F[j, XSCALE] = inv_scale[j] if precondition else 1.0
        F[j, Q] = q
        F[j, LOGA] = 0.0
        for c in range(LOGA + 1, F.shape[1]):
            F[j, c] = 0.0


@kernel(parallel=True, exact=True)  # exact: no W[k, j] · (1 / unit[j]) for W[k, j] / unit[j]
def take_weights(W, S, unit):
    """S (d, K) = Wᵀ, the solver's (K, d) weights in the lazy epochs' layout, S row
    by row in blocks of FINISH_BLOCK features (the block's K rows of W stay in L1
    while S is written along them; 20 x 2^20 float32 weights: 18 ms with NumPy's
    ``S[:] = W.T``, 15 ms; written a column of S at a time, 30 ms), the blocks side
    by side on the threads. With ``unit`` (d,) not empty, W holds the user's units:
    S[j, k] = W[k, j] / unit[j], the arithmetic and rounding of
    ``update.columns_scaled`` (the weights a unit change then a copy would give, in
    one pass instead of two), divided along W's rows into a block buffer, where the
    divisions vectorise, then transposed."""
    K, d = W.shape
    scaled = unit.shape[0] > 0
    nblocks = (d + FINISH_BLOCK - 1) // FINISH_BLOCK
    if K == 1:  # a copy (flat loops: vectorised)
        s1d = S.reshape(S.size)
        for blk in prange(nblocks):
            j0 = blk * FINISH_BLOCK
            j1 = min(j0 + FINISH_BLOCK, d)
            if scaled:
                for j in range(j0, j1):
                    s1d[j] = W[0, j] / unit[j]
            else:
                for j in range(j0, j1):
                    s1d[j] = W[0, j]
        return
    for blk in prange(nblocks):
        j0 = blk * FINISH_BLOCK
        j1 = min(j0 + FINISH_BLOCK, d)
        if scaled:
            buf = np.empty((K, FINISH_BLOCK), S.dtype)
            for k in range(K):
                for j in range(j0, j1):
                    buf[k, j - j0] = W[k, j] / unit[j]
            for j in range(j0, j1):
                for k in range(K):
                    S[j, k] = buf[k, j - j0]
        else:
            for j in range(j0, j1):
                for k in range(K):
                    S[j, k] = W[k, j]


@kernel(internal=True)
def _decay_shrink(steps, eps, thr):
    """(a^steps, thr Σ_{i<steps} a^i) for a = 1 - eps in [0, 1]: |w| ← a^steps |w| - shrink.
    a^steps by repeated squaring (exact enough and no transcendental: pure L2 and
    pure L1 need none); the sum through expm1/log1p only for an elastic net,
    where (1 - a^steps) / eps would cancel for small eps."""
    if eps == 0.0:
        return 1.0, thr * steps
    decay = (1.0 - eps) ** steps
    if thr == 0.0:
        return decay, 0.0
    return decay, thr * (-np.expm1(np.log1p(-eps) * steps) / eps)


@kernel(internal=True)
def _catch_up(S, j, steps, eps, thr):
    """``steps`` penalty-only updates of the weights S[j, :]:
    w ← soft(a w, thr), a = 1 - eps, in closed form while a > 0."""
    K = S.shape[1]
    if eps < 1.0:
        decay, shrink = _decay_shrink(steps, eps, thr)
        for k in range(K):
            w = S[j, k]
            m = abs(w) * decay - shrink
            S[j, k] = 0.0 if m <= 0 else np.copysign(m, w)
    else:  # a <= 0 flips signs: no closed form, take the steps one by one
        a = 1.0 - eps
        for _ in range(steps):
            for k in range(K):
                v = a * S[j, k]
                S[j, k] = v - min(max(v, -thr), thr)


#: columns per block of the passes over the whole table (:func:`_finish_epoch`,
#: :func:`_start_epoch`): a block's rows of ``F`` and ``S`` stay in the L1 cache
#: between its loops
FINISH_BLOCK = 256


#: below this L2 decay per step ε, log(1 - ε) is its series to ε^6 (exact to rounding
#: in float64: the first term left out is below ε^7/7 < 2^-60 ε)
SERIES_EPS = 2.0 ** -10
#: up to this ε, log(1 - ε) = -2 atanh(s), s = ε / (2 - ε) <= 1/3, is its series in s to
#: s^33 (the first term left out is below s^35/35 < 2^-57 s); above it (a feature whose
#: L2 step alone takes more than half its weight, rare) log1p
ATANH_EPS = 0.5


@kernel(internal=True, inline=True)
def _log1m_atanh(e):
    """log(1 - e) for 0 <= e <= ATANH_EPS: -2 (s + s³/3 + ... + s^33/33), s = e/(2 - e),
    to a few units of rounding, in a loop LLVM vectorises (log1p is a call per value)."""
    s = e / (2.0 - e)
    t = s * s
    p = 1.0 / 33.0
    for i in range(15, -1, -1):
        p = p * t + 1.0 / (2 * i + 1)
    return -2.0 * s * p


@kernel(internal=True)
def _start_epoch(F, s1d, wgt, el2, logs):
    """The start of an epoch, over F's rows: one output's weights ``s1d`` into F's
    column ``wgt`` (``wgt`` < 0: none), and with ``logs`` F[j, LOGA] = log(1 - ε_j),
    ε_j = el2 q_j², the log of feature j's L2 decay per step (k skipped steps decay by
    a^k = exp(k log a)); NaN where ε_j >= 1 (no closed form). Returns whether every
    ε_j < 1 (True without ``logs``).

    Block by block of FINISH_BLOCK rows through a contiguous buffer, where the
    series vectorise, not a log1p call per column: when every ε_j is small (η l2
    tiny) the one in ε, written while the same pass checks that it applies; when
    every ε_j <= ATANH_EPS (a stronger L2 on rare features, whose q is large: a bag
    of words with 2^22 columns and alpha = 1e-2) the one in atanh, to 2 units of
    rounding in float64; log1p only beyond. 1M columns, one output, L2: 8.6 -> 3 ms
    for the logs on F's column (942k columns: log1p per column 10 ms; the atanh
    series 7.0 -> 4.6 ms); the weights copied in the same pass."""
    small = True
    moderate = True
    d = F.shape[0]
    buf = np.empty(FINISH_BLOCK)
    for j0 in range(0, d, FINISH_BLOCK):
        j1 = min(j0 + FINISH_BLOCK, d)
        if wgt >= 0:
            for j in range(j0, j1):
                F[j, wgt] = s1d[j]
        if not logs:
            continue
        for j in range(j0, j1):
            q = F[j, Q]
            buf[j - j0] = el2 * (q * q)
        for t in range(j1 - j0):
            e = buf[t]
            small &= e <= SERIES_EPS
            moderate &= e <= ATANH_EPS
            buf[t] = -e * (1.0 + e * (0.5 + e * (1.0 / 3.0 + e * (0.25 + e * (0.2 + e / 6.0)))))
        for j in range(j0, j1):
            F[j, LOGA] = buf[j - j0]
    if small or not logs:
        return True
    for j0 in range(0, d if moderate else 0, FINISH_BLOCK):
        j1 = min(j0 + FINISH_BLOCK, d)
        for j in range(j0, j1):
            q = F[j, Q]
            buf[j - j0] = el2 * (q * q)
        for t in range(j1 - j0):
            buf[t] = _log1m_atanh(buf[t])
        for j in range(j0, j1):
            F[j, LOGA] = buf[j - j0]
    if moderate:
        return True
    closed = True
    for j in range(F.shape[0]):
        q = F[j, Q]
        eps = el2 * (q * q)
        closed &= eps < 1.0
        F[j, LOGA] = np.log1p(-eps) if eps < 1.0 else np.nan
    return closed


@kernel(internal=True)
def _catch_up_compact(mode, Wc, C, nt, el1, el2):
    """The penalty-only steps the gathered features skipped (``C[STEPS]``), applied
    to ``Wc[:nt]``. The pure L2 and pure L1 loops have no branch and no gather:
    LLVM vectorises them (float32 L2: an inline exp)."""
    K = Wc.shape[1]
    if mode == DECAY:
        for u in range(nt):  # a^k = exp(k log a) (k = 0 gives exactly 1), over log a
            C[CLA, u] = exp_nonpos(C[STEPS, u] * C[CLA, u])
        if K == 1:
            for u in range(nt):
                Wc[u, 0] *= C[CLA, u]
        else:
            for u in range(nt):
                decay = C[CLA, u]
                for k in range(K):
                    Wc[u, k] *= decay
    elif mode == SHRINK:
        if K == 1:  # a flat loop over the features, which vectorises (the loop over
            wc1 = Wc.reshape(Wc.size)  # k of one did not: 2^18 binary L1 epoch,
            for u in range(nt):        # 60 -> 56 ms, 2^22 75 -> 71 ms)
                w = wc1[u]
                m = abs(w) - (el1 * C[CQ, u]) * C[STEPS, u]
                wc1[u] = 0.0 if m <= 0 else np.copysign(m, w)
        else:
            for u in range(nt):
                shrink = (el1 * C[CQ, u]) * C[STEPS, u]
                for k in range(K):
                    w = Wc[u, k]
                    m = abs(w) - shrink
                    Wc[u, k] = 0.0 if m <= 0 else np.copysign(m, w)
    elif mode == GENERAL:
        for u in range(nt):
            steps = int(C[STEPS, u])
            zero = True
            for k in range(K):
                zero = zero and Wc[u, k] == 0
            if steps > 0 and not zero:  # a zero weight stays zero: no call (the
                q = C[CQ, u]            # weights an elastic net's L1 part holds at 0)
                _catch_up(Wc, u, steps, el2 * (q * q), el1 * q)


@kernel(internal=True)
def _finish_epoch(mode, S, F, W, unit, nb, el1, el2, wgt):
    """The end of an epoch of ``nb`` minibatches, for every feature: the penalty-only
    steps it skipped since its last minibatch, its weights into ``S`` (one output: from
    F's column ``wgt``, ``wgt`` < 0 for none) and into ``W`` (K, d), the solver's layout,
    and ``F[j, LAST] = 0`` for the next epoch (with ``unit`` not empty, W in the
    user's units: S[j, k] · unit[j], rounded as ``update.columns_scaled`` rounds,
    in the pass that writes W anyway). Returns (Σ q |w|, Σ (q w)²) of the
    result. Block by block of FINISH_BLOCK columns, each step a loop of its own (pure
    L2 and pure L1 without calls: a feature current already, or a zero weight, is
    left as it is by the same formula; on 2^22 columns a call per feature took ~30 ms
    an epoch; the decays a^k = exp(k log a) in a contiguous array, where the exp
    vectorises), so that the table is read from memory once instead of once a step.
    Side by side on 942k columns, an epoch of no rows (the passes over the table)
    took: L1, one output 14 -> 8 ms, 20 classes 58 -> 29 ms; L2, one output 16 -> 14.5
    ms, 20 classes 47 -> 39 ms (whole epochs, L1: 87 -> 77 ms and 320 -> 290 ms); one
    output in flat loops over the features: another ~2 ms.
    (The formulas of :func:`_catch_up_compact` on the table's layout: running that
    function on the transposed table measured 20-30% slower epochs on 2^22
    columns x 20 classes, L1.)"""
    d, K = S.shape
    s1d = S.reshape(S.size)
    decay = np.empty(FINISH_BLOCK, F.dtype)
    scaled = unit.shape[0] > 0
    pen1 = 0.0
    pen2 = 0.0
    for j0 in range(0, d, FINISH_BLOCK):
        j1 = min(j0 + FINISH_BLOCK, d)
        if wgt >= 0:  # one output: the weights back where the caller keeps them
            for j in range(j0, j1):
                s1d[j] = F[j, wgt]
        if mode == DECAY:
            for j in range(j0, j1):
                decay[j - j0] = F.dtype.type(nb - F[j, LAST]) * F[j, LOGA]
            for t in range(j1 - j0):
                decay[t] = exp_nonpos(decay[t])
            if K == 1:  # flat loops over the features, which vectorise
                for j in range(j0, j1):
                    s1d[j] *= decay[j - j0]
            else:
                for j in range(j0, j1):
                    for k in range(K):
                        S[j, k] *= decay[j - j0]
        elif mode == SHRINK:
            if K == 1:
                for j in range(j0, j1):
                    w = s1d[j]
                    m = abs(w) - (el1 * F[j, Q]) * (nb - F[j, LAST])
                    s1d[j] = 0.0 if m <= 0 else np.copysign(m, w)
            else:
                for j in range(j0, j1):
                    shrink = (el1 * F[j, Q]) * (nb - F[j, LAST])
                    for k in range(K):
                        w = S[j, k]
                        m = abs(w) - shrink
                        S[j, k] = 0.0 if m <= 0 else np.copysign(m, w)
        if mode == GENERAL:
            for j in range(j0, j1):
                seen = F[j, LAST]
                if seen != nb:
                    zero = True
                    for k in range(K):
                        zero = zero and S[j, k] == 0
                    if not zero:  # a zero weight stays zero: no call (most of 2^22
                        q = F[j, Q]  # columns)
                        _catch_up(S, j, int(nb - seen), el2 * (q * q), el1 * q)
        if K == 1:  # the solver's layout, and the penalty of the result
            for j in range(j0, j1):
                F[j, LAST] = 0.0
            if scaled:
                for j in range(j0, j1):
                    W[0, j] = s1d[j] * unit[j]
            else:
                for j in range(j0, j1):
                    W[0, j] = s1d[j]
            for j in range(j0, j1):
                w = np.float64(s1d[j])
                q = np.float64(F[j, Q])
                pen1 += q * abs(w)
                pen2 += (q * w) * (q * w)
            continue
        for j in range(j0, j1):  # the penalty of the result: a feature's sums apart,
            F[j, LAST] = 0.0     # chains the CPU overlaps from feature to feature (one
            a1 = 0.0             # chain for all: 4.8M weights added in turn took 6 ms)
            a2 = 0.0
            for k in range(K):
                w = np.float64(S[j, k])
                a1 += abs(w)
                a2 += w * w
            q = np.float64(F[j, Q])
            pen1 += q * a1
            pen2 += (q * q) * a2
        for k in range(K):  # the solver's layout, a row at a time: whole cache lines of
            if scaled:           # W (a column of W at a time, with d = 2^18, put
                for j in range(j0, j1):  # 20 rows 1 MB apart into the same cache sets)
                    W[k, j] = S[j, k] * unit[j]
            else:
                for j in range(j0, j1):
                    W[k, j] = S[j, k]
    return pen1, pen2
