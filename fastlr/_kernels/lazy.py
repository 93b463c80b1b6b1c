"""A mini-batch gradient-descent epoch over CSR rows in O(stored values · K).

The eager epoch (:mod:`.epoch`) shrinks every weight at every minibatch (the
L2 decay and the L1 soft-threshold), which costs O(K·d) per step: on a
bag-of-words matrix with 2^18 columns and ~50 stored values per row, that is
a hundred times the work of the data. Here a weight is brought up to date
only when its feature next appears in a minibatch (docs/math.md §6, "Lazy
penalty updates"): ``last[j]`` remembers the step up to which feature j's
weights are current, and the skipped penalty-only steps are applied in closed
form. Within an epoch the step size η is constant, so k skipped steps of
w ← soft(a w, t), with a = 1 - η l2 q_j² and t = η l1 q_j, give

    |w| ← max(a^k |w| - t (1 - a^k) / (1 - a), 0),   sign(w) kept

(exactly the eager iterates while a > 0: |w| decreases, and once it reaches 0
it stays there). At the end of the epoch every weight is brought up to date,
so the weights equal the eager epoch's (to rounding).

Gather, compute, scatter. A minibatch first walks its stored values once to
list the features it touches and *gathers* their weights and per-feature
numbers into compact arrays (``Wc``, ``C``; ``pos`` maps each stored value to
its feature's compact row). The catch-up then runs over the compact rows: for
pure L2 and pure L1 in loops without branches or gathers, which LLVM
vectorises (an inline float32 exp for L2, in the table's dtype), for an
elastic net feature by feature; the logits, the gradient (into the compact
``Gc``) and the update read and write only the compact arrays, which stay in
the L1/L2 cache however wide the data; the updated weights are *scattered*
back once. A feature's row of ``S`` (d, K) is thus read once and written once
per minibatch that touches it, and its row of ``F`` (d, 4) read once and
written twice (the in-minibatch mark, then the step), instead of three to
five accesses per stored value. Measured side by side on 100k bag-of-words
rows (float32, ~44 values a row), per epoch: 2^18 columns, binary L2
265 -> 220 ms, 20 classes L2 650 -> 525 ms; 2^22 columns, binary L2
550 -> 475 ms, 20 classes L1 1,800 -> 1,370 ms.
Rows are not centred (a centred sparse row is dense); the caller trains such
problems with ``mean = 0``.

The epoch objective differs from the eager kernel's in one respect: the
penalty term is that of the weights at the end of the epoch (the eager kernel
averages the penalty of the weights each minibatch saw, which would need
every weight at every step).
"""
from __future__ import annotations

import numpy as np

from .._config import kernel
from .elementary import exp_nonpos
from .losses import SIGMOID, residual_scratch, sigmoid_residual_loss, softmax_residual_loss
from .prefetch import prefetch_entry, prefetch_item


#: columns of the per-feature table ``F`` (d, 4; in the weights' dtype, or float64 when
#: an epoch has 2^24 minibatches or a minibatch 2^24 features, which float32 cannot
#: count exactly): the step up to which its weights are current (while the feature is
#: in the current minibatch: -1 - its compact row), its data scale, its penalty factor
#: q, and log(1 - η l2 q²), the log of its L2 decay per step (set by each epoch for its
#: step size; NaN where the decay is not positive, which has no closed form)
LAST, XSCALE, Q, LOGA = 0, 1, 2, 3

#: rows of the compact per-feature array ``C`` (4, m), for the features of one
#: minibatch: steps skipped, data scale, q, log(1 - η l2 q²) (then the decay a^steps)
STEPS, CXS, CQ, CLA = 0, 1, 2, 3

#: how a minibatch's features catch up: no penalty, L2 only (a decay), L1 only (a
#: shrink), or feature by feature (elastic net, or a decay that is not positive)
NONE, DECAY, SHRINK, GENERAL = 0, 1, 2, 3


@kernel
def feature_table(inv_scale, pen, precondition, F):
    """Fill ``F`` for :func:`lazy_csr_epoch` (once per fit: nothing in it depends
    on the step size)."""
    for j in range(F.shape[0]):
        q = np.float64(pen[j])
        F[j, LAST] = 0.0
        F[j, XSCALE] = inv_scale[j] if precondition else 1.0
        F[j, Q] = q
        F[j, LOGA] = 0.0


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


#: below this L2 decay per step ε, log(1 - ε) is its series to ε^6 (exact to rounding
#: in float64: the first term left out is below ε^7/7 < 2^-60 ε)
SERIES_EPS = 2.0 ** -10


@kernel(internal=True)
def _decay_logs(F, el2):
    """F[j, LOGA] = log(1 - ε_j), ε_j = el2 q_j², the log of feature j's L2 decay per
    step (k skipped steps decay by a^k = exp(k log a)); NaN where ε_j >= 1 (no closed
    form). Returns whether every ε_j < 1. When every ε_j is small (the usual case:
    η l2 is tiny), the series runs in a loop LLVM vectorises, instead of a log1p call
    per column (942k columns: 10 -> 2 ms an epoch)."""
    closed = True
    small = True
    for j in range(F.shape[0]):
        q = F[j, Q]
        eps = el2 * (q * q)
        closed = closed and eps < 1.0
        small = small and eps <= SERIES_EPS
    if small:
        for j in range(F.shape[0]):
            q = F[j, Q]
            e = el2 * (q * q)
            F[j, LOGA] = -e * (1.0 + e * (0.5 + e * (1.0 / 3.0 + e * (0.25 + e * (0.2 + e / 6.0)))))
    else:
        for j in range(F.shape[0]):
            q = F[j, Q]
            eps = el2 * (q * q)
            F[j, LOGA] = np.log1p(-eps) if eps < 1.0 else np.nan
    return closed


@kernel(internal=True)
def _gather(indices, indptr, idx, s0, s1, nb, S, F, Wc, C, pos, touched):
    """List the features of rows ``idx[s0:s1]`` (``touched``), gather their weights
    into ``Wc`` and their numbers into ``C``, mark them in ``F`` and map each stored
    value to its feature's compact row (``pos``). Returns the number of features."""
    K = S.shape[1]
    nt = 0
    c = 0
    for t in range(s0, s1):
        i = idx[t]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            seen = F[j, LAST]
            if seen >= 0:  # first time in this minibatch
                u = nt
                nt += 1
                touched[u] = j
                F[j, LAST] = -1.0 - u
                C[STEPS, u] = nb - seen
                C[CXS, u] = F[j, XSCALE]
                C[CQ, u] = F[j, Q]
                C[CLA, u] = F[j, LOGA]
                for k in range(K):
                    Wc[u, k] = S[j, k]
            else:
                u = int(-1.0 - seen)
            pos[c] = u
            c += 1
    return nt


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


#: values of a CSR row's ``indices``/``data`` asked for per prefetch (64-byte lines:
#: 16 int32 or float32 values, 8 int64 or float64; 8 suits both)
LINE_VALUES = 8


@kernel(internal=True)
def _prefetch_ahead(family, data, indices, indptr, Y, y, sw, idx, s1, batch_size, S, F):
    """Ask for what the next minibatches will read, each thing one minibatch after
    the thing its address comes from: minibatch t + 3's row pointers, weights and
    targets; t + 2's stored values (their pointers were asked for at t - 1); the
    per-feature rows of ``F`` and ``S`` of t + 1's features (their indices were
    asked for at t - 1). ``s1`` ends minibatch t. A shuffled row's pointers, values
    and features are cache misses each, which the gather and the logits waited for."""
    n = idx.shape[0]
    for r in range(min(s1 + 2 * batch_size, n), min(s1 + 3 * batch_size, n)):
        i = idx[r]
        prefetch_entry(indptr, i + 1)
        prefetch_entry(sw, i)
        if family == SIGMOID:
            prefetch_item(Y, i, 0)
        else:
            prefetch_entry(y, i)
    for r in range(min(s1 + batch_size, n), min(s1 + 2 * batch_size, n)):
        i = idx[r]
        p1 = indptr[i + 1]
        for p in range(indptr[i], p1, LINE_VALUES):
            prefetch_entry(indices, p)
            prefetch_entry(data, p)
        if p1 > 0:
            prefetch_entry(indices, p1 - 1)
            prefetch_entry(data, p1 - 1)
    last = S.shape[1] - 1  # a feature's K weights may end in the next cache line
    for r in range(s1, min(s1 + batch_size, n)):
        i = idx[r]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            prefetch_item(F, j, 0)
            prefetch_item(S, j, 0)
            if last > 0:
                prefetch_item(S, j, last)


@kernel
def lazy_csr_epoch(family, data, indices, indptr, Y, y, sw, idx, batch_size, S, b, gb, Z,
                   eta, l1, l2, fit_intercept, F, Wc, Gc, C, pos, touched, W):
    """One MBGD epoch over CSR rows ``idx`` in minibatches of ``batch_size``.

    Same update as :func:`.epoch.mbgd_epoch` on uncentred rows
    (x̃ = x · inv_scale with ``precondition``). ``S`` (d, K) holds feature j's
    K weights in ``S[j]``; ``F`` comes from :func:`feature_table`. Workspace
    for the features of one minibatch (m of them at most): ``Wc`` and ``Gc``
    (m, K), ``C`` (4, m), ``touched`` (m, intp), and ``pos`` (intp, one per
    stored value of a minibatch); ``Gc`` is zero on entry and exit. ``Z`` has
    rows for at least one block of rows (a minibatch is walked in blocks of
    ``Z.shape[0]``). Returns ``(objective_sum, n_batches, finite)`` like the
    eager kernel; after a finite epoch every weight is current and copied into
    ``W`` (K, d), the solver's layout. ``idx`` holds distinct rows (an order of
    some of X's rows): the workspace is sized for the values a minibatch of
    distinct rows can store, and nothing here checks it.
    """
    n = idx.shape[0]
    d = S.shape[0]
    K = S.shape[1]
    R = Z.shape[0]
    el1 = eta * l1
    el2 = eta * l2
    closed = _decay_logs(F, el2)
    if not closed or (l1 != 0.0 and l2 != 0.0):
        mode = GENERAL
    elif l2 != 0.0:
        mode = DECAY
    elif l1 != 0.0:
        mode = SHRINK
    else:
        mode = NONE
    total = 0.0
    nb = 0
    st = residual_scratch(Z)
    for s0 in range(0, n, batch_size):
        s1 = min(s0 + batch_size, n)
        _prefetch_ahead(family, data, indices, indptr, Y, y, sw, idx, s1, batch_size, S, F)
        nt = _gather(indices, indptr, idx, s0, s1, nb, S, F, Wc, C, pos, touched)
        _catch_up_compact(mode, Wc, C, nt, el1, el2)
        loss = 0.0
        c = 0
        for r0 in range(s0, s1, R):
            r1 = min(r0 + R, s1)
            c0 = c
            for r in range(r1 - r0):
                i = idx[r0 + r]
                if K == 1:  # a scalar sum: the loop over k kept Z[r, 0] in memory
                    z = b[0]
                    for p in range(indptr[i], indptr[i + 1]):
                        u = pos[c]
                        c += 1
                        z += (data[p] * C[CXS, u]) * Wc[u, 0]
                    Z[r, 0] = z
                else:
                    for k in range(K):
                        Z[r, k] = b[k]
                    for p in range(indptr[i], indptr[i + 1]):
                        u = pos[c]
                        c += 1
                        xv = data[p] * C[CXS, u]
                        for k in range(K):
                            Z[r, k] += xv * Wc[u, k]
            # the residual-and-gradient block of csr_full.csr_t_loss_grad, written out:
            # sharing it as one function measured 20% slower epochs (20 classes, 2^18)
            if family == SIGMOID:
                loss += sigmoid_residual_loss(Z, Y, sw, idx, r0, r1, st)
            else:
                loss += softmax_residual_loss(Z, y, sw, idx, r0, r1)
            c = c0
            for r in range(r1 - r0):
                i = idx[r0 + r]
                if K == 1:
                    zr = Z[r, 0]
                    gb[0] += zr
                    for p in range(indptr[i], indptr[i + 1]):
                        Gc[pos[c], 0] += zr * data[p]
                        c += 1
                else:
                    for k in range(K):
                        gb[k] += Z[r, k]
                    for p in range(indptr[i], indptr[i + 1]):
                        u = pos[c]
                        c += 1
                        xv = data[p]
                        for k in range(K):
                            Gc[u, k] += Z[r, k] * xv
        if not np.isfinite(loss):
            for u in range(nt):  # leave the tables as they were (weights not updated)
                F[touched[u], LAST] = nb - C[STEPS, u]
                for k in range(K):
                    Gc[u, k] = 0
            return total, nb, False
        step = eta / (s1 - s0)
        for u in range(nt):
            q = C[CQ, u]
            a = 1.0 - el2 * (q * q)
            thr = el1 * q
            gs = step * C[CXS, u]
            for k in range(K):
                v = a * Wc[u, k] - gs * Gc[u, k]
                Wc[u, k] = v - min(max(v, -thr), thr)
                Gc[u, k] = 0
        for u in range(nt):  # scatter
            j = touched[u]
            for k in range(K):
                S[j, k] = Wc[u, k]
            F[j, LAST] = nb + 1
        for k in range(K):
            if fit_intercept:
                b[k] -= step * gb[k]
            gb[k] = 0
        total += loss / (s1 - s0)
        nb += 1
    _bring_up_to_date(mode, S, F, nb, el1, el2)
    pen1 = 0.0
    pen2 = 0.0
    for j in range(d):  # the solver's layout, and the penalty of the result
        F[j, LAST] = 0.0
        q = F[j, Q]
        for k in range(K):
            W[k, j] = S[j, k]
            w = np.float64(S[j, k])
            pen1 += q * abs(w)
            pen2 += (q * w) * (q * w)
    return total + nb * (l1 * pen1 + 0.5 * l2 * pen2), nb, True


@kernel(internal=True)
def _bring_up_to_date(mode, S, F, nb, el1, el2):
    """The penalty-only steps every feature skipped since its last minibatch, at the
    end of an epoch of ``nb`` minibatches. Pure L2 and pure L1 in loops without
    calls (a feature current already, or a zero weight, is left as it is by the
    same formula); on 2^22 columns a call per feature took ~30 ms an epoch. (The
    formulas of :func:`_catch_up_compact` on the table's layout: running that
    function on the transposed table measured 20-30% slower epochs on 2^22
    columns x 20 classes, L1.)"""
    d, K = S.shape
    if mode == DECAY:
        # a^k = exp(k log a) in a contiguous array: read and written in F's column,
        # the exp did not vectorise (942k columns: 11 -> 5 ms an epoch)
        decay = np.empty(d, F.dtype)
        for j in range(d):
            decay[j] = F.dtype.type(nb - F[j, LAST]) * F[j, LOGA]
        for j in range(d):
            decay[j] = exp_nonpos(decay[j])
        for j in range(d):
            for k in range(K):
                S[j, k] *= decay[j]
    elif mode == SHRINK:
        for j in range(d):
            shrink = (el1 * F[j, Q]) * (nb - F[j, LAST])
            for k in range(K):
                w = S[j, k]
                m = abs(w) - shrink
                S[j, k] = 0.0 if m <= 0 else np.copysign(m, w)
    elif mode == GENERAL:
        for j in range(d):
            seen = F[j, LAST]
            if seen != nb:
                zero = True
                for k in range(K):
                    zero = zero and S[j, k] == 0
                if not zero:  # a zero weight stays zero: no call (most of 2^22 columns)
                    q = F[j, Q]
                    _catch_up(S, j, int(nb - seen), el2 * (q * q), el1 * q)
