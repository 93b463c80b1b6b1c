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

The weights are laid out by feature here, next to their gradient
accumulators (``S``, (d, 2K)), and the per-feature state shares one row of
``F`` (16 bytes for float32 data: with 2^18 features it then fits in the
last-level cache with the weights, and epochs took ~15% less): a stored value touches two contiguous rows instead of K scattered
weights and four per-feature arrays.
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
from .losses import SIGMOID, sigmoid_residual_loss, softmax_residual_loss


#: columns of the per-feature table ``F`` (d, 4; in the weights' dtype, or float64 when
#: an epoch has 2^24 minibatches or more, which float32 cannot count exactly): the
#: step up to which its weights are current (``SEEN`` while in the current
#: minibatch), its data scale, its penalty factor q, and log(1 - η l2 q²), the log of
#: its L2 decay per step (set by each epoch for its step size; NaN where the decay
#: is not positive, which has no closed form)
LAST, XSCALE, Q, LOGA = 0, 1, 2, 3
SEEN = -1.0


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


@kernel
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


@kernel
def _catch_up(S, j, steps, eps, thr):
    """``steps`` penalty-only updates of feature j's weights S[j, :K]:
    w ← soft(a w, thr), a = 1 - eps, in closed form while a > 0."""
    K = S.shape[1] // 2
    if eps < 1.0:
        decay, shrink = _decay_shrink(steps, eps, thr)
        for k in range(K):
            w = S[j, k]
            m = abs(w) * decay - shrink
            S[j, k] = np.copysign(m, w) if m > 0 else 0.0
    else:  # a <= 0 flips signs: no closed form, take the steps one by one
        a = 1.0 - eps
        for _ in range(steps):
            for k in range(K):
                v = a * S[j, k]
                S[j, k] = v - min(max(v, -thr), thr)


@kernel
def lazy_csr_epoch(family, data, indices, indptr, Y, y, sw, idx, batch_size, S, b, gb, Z,
                   eta, l1, l2, fit_intercept, F, touched, W):
    """One MBGD epoch over CSR rows ``idx`` in minibatches of ``batch_size``.

    Same update as :func:`.epoch.mbgd_epoch` on uncentred rows
    (x̃ = x · inv_scale with ``precondition``). ``S`` (d, 2K) holds feature j's
    K weights in ``S[j, :K]`` and its gradient accumulators in ``S[j, K:]``
    (zero on entry and exit): a stored value reads and writes one contiguous
    row. ``F`` comes from :func:`feature_table`; ``touched`` (d, intp) is
    workspace. ``Z`` has rows for at least one block of rows (a minibatch is
    walked in blocks of ``Z.shape[0]``). Returns ``(objective_sum, n_batches,
    finite)`` like the eager kernel; after a finite epoch every weight is current
    and copied into ``W`` (K, d), the solver's layout, by the pass that brings them
    up to date (a separate transposition cost as much again on 2^22 x 20).
    """
    n = idx.shape[0]
    d = S.shape[0]
    K = S.shape[1] // 2
    R = Z.shape[0]
    el1 = eta * l1
    el2 = eta * l2
    for j in range(d):  # k skipped L2 steps decay by a^k = exp(k log a): one exp, where
        q = F[j, Q]     # a ** k took a loop of branches per catch-up (half the epoch)
        eps = el2 * (q * q)
        F[j, LOGA] = np.log1p(-eps) if eps < 1.0 else np.nan
    total = 0.0
    nb = 0
    for s0 in range(0, n, batch_size):
        s1 = min(s0 + batch_size, n)
        nt = 0
        loss = 0.0
        for r0 in range(s0, s1, R):
            r1 = min(r0 + R, s1)
            for r in range(r1 - r0):
                i = idx[r0 + r]
                for k in range(K):
                    Z[r, k] = b[k]
                for p in range(indptr[i], indptr[i + 1]):
                    j = indices[p]
                    seen = F[j, LAST]
                    if seen != SEEN:
                        if seen != nb:  # _catch_up's common cases written out: a call
                            steps = nb - seen  # per feature here made the epoch 2x slower
                            q = F[j, Q]
                            thr = el1 * q
                            la = F[j, LOGA]
                            if thr == 0.0 and la < 0.0:  # L2 only: a decay
                                # in the weights' dtype: float32 weights take expf,
                                # about as exact as the float32 steps it replaces
                                decay = np.exp(S.dtype.type(steps * la))
                                for k in range(K):
                                    S[j, k] *= decay
                            elif thr == 0.0 and la == 0.0:  # no penalty
                                pass
                            elif la == 0.0:  # L1 only: a shrink towards 0
                                shrink = thr * steps
                                for k in range(K):
                                    w = S[j, k]
                                    m = abs(w) - shrink
                                    S[j, k] = np.copysign(m, w) if m > 0 else 0.0
                            else:
                                _catch_up(S, j, int(steps), el2 * (q * q), thr)
                        F[j, LAST] = SEEN
                        touched[nt] = j
                        nt += 1
                    xv = data[p] * F[j, XSCALE]
                    for k in range(K):
                        Z[r, k] += xv * S[j, k]
            # the residual-and-gradient block of csr_full.csr_t_loss_grad, written out:
            # sharing it as one function measured 20% slower epochs (20 classes, 2^18)
            if family == SIGMOID:
                loss += sigmoid_residual_loss(Z, Y, sw, idx, r0, r1)
            else:
                loss += softmax_residual_loss(Z, y, sw, idx, r0, r1)
            for r in range(r1 - r0):
                i = idx[r0 + r]
                for k in range(K):
                    gb[k] += Z[r, k]
                for p in range(indptr[i], indptr[i + 1]):
                    j = indices[p]
                    xv = data[p]
                    for k in range(K):
                        S[j, K + k] += Z[r, k] * xv
        if not np.isfinite(loss):
            for u in range(nt):  # leave the table consistent (weights not updated)
                F[touched[u], LAST] = nb
                for k in range(K):
                    S[touched[u], K + k] = 0
            return total, nb, False
        step = eta / (s1 - s0)
        for u in range(nt):
            j = touched[u]
            q = F[j, Q]
            a = 1.0 - el2 * (q * q)
            thr = el1 * q
            gs = step * F[j, XSCALE]
            for k in range(K):
                v = a * S[j, k] - gs * S[j, K + k]
                S[j, k] = v - min(max(v, -thr), thr)
                S[j, K + k] = 0
            F[j, LAST] = nb + 1
        for k in range(K):
            if fit_intercept:
                b[k] -= step * gb[k]
            gb[k] = 0
        total += loss / (s1 - s0)
        nb += 1
    pen1 = 0.0
    pen2 = 0.0
    for j in range(d):  # every weight brought up to date; the penalty of the result
        seen = F[j, LAST]
        if seen != nb:
            zero = True
            for k in range(K):
                zero = zero and S[j, k] == 0
            if not zero:  # a zero weight stays zero: no call (most of 2^22 columns)
                q = F[j, Q]
                _catch_up(S, j, int(nb - seen), el2 * (q * q), el1 * q)
        F[j, LAST] = 0.0
        q = F[j, Q]
        for k in range(K):
            W[k, j] = S[j, k]
            w = np.float64(S[j, k])
            pen1 += q * abs(w)
            pen2 += (q * w) * (q * w)
    return total + nb * (l1 * pen1 + 0.5 * l2 * pen2), nb, True
