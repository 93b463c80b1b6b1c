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

One output (binary, K = 1) has loops of its own: the compact arrays and ``S``
as flat views, so that the update runs over contiguous rows and vectorises,
and the scatter and gather have no loop over k per feature; a gather without
a branch (every value fills the next free compact row, which only a
feature's first value keeps: whether a value is its feature's first in the
minibatch is as unpredictable as the vocabulary); the logits' weights
multiplied by the data scale once per feature (one gather per stored value
instead of two); compact rows and features as unsigned indices (no test for
a negative index). And the tables' rows are prefetched only when the tables
outgrow CACHED_TABLES. 100k rows, 2 classes, L2, fit with one epoch, side by
side on an Intel Xeon (AVX-512): 2^14 columns 65 -> 52 ms, 2^18 91 -> 78 ms.
During the epoch a one-output feature's weight lives in its row of ``F``
(copied in from ``S`` at the start, back at the end; the column from
:func:`.lazy_penalty._weight_columns`): the gather and the scatter touch one
cache line per feature instead of two (2^18 and 2^20 columns, L2, in a fifth
column: another 2-4%). Four columns, 16 bytes a feature in float32, when one is
free: without L2 the column of log a, which no epoch reads then (L1, side by
side: 2^18 80 -> 77 ms, 2^20 138 -> 123 ms); when every q equals the data scale
(the default penalty on preconditioned data) the scale's, read from Q's column
instead (L2: 2^20 135 -> 127 ms, 2^18 and 2^22 1-4%).

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
from .losses import SIGMOID, residual_scratch, sigmoid_residual_loss, softmax_residual_loss
from .lazy_penalty import (CLA, CQ, CXS, DECAY, GENERAL, LAST, LOGA, NONE, Q, SHRINK,
                           STEPS, XSCALE, _catch_up_compact, _finish_epoch,
                           _start_epoch, _weight_columns)
from .prefetch import prefetch_entry, prefetch_item


@kernel(internal=True)
def _gather(indices, indptr, idx, s0, s1, nb, S, F, Wc, C, pos, touched, wgt, xcol):
    """List the features of rows ``idx[s0:s1]`` (``touched``), gather their weights
    into ``Wc`` and their numbers into ``C``, mark them in ``F`` and map each stored
    value to its feature's compact row (``pos``); one output reads its weight and
    data scale from F's columns ``wgt`` and ``xcol``. Returns the number of features."""
    K = S.shape[1]
    nt = 0
    c = 0
    if K == 1:  # without a branch: every value fills the next free compact row, which
        for t in range(s0, s1):  # only a feature's first value keeps
            i = idx[t]
            for p in range(indptr[i], indptr[i + 1]):
                j = np.uintp(indices[p])
                seen = F[j, LAST]
                first = seen >= 0
                u = nt if first else int(-1.0 - seen)
                touched[nt] = j
                C[STEPS, nt] = nb - seen
                C[CXS, nt] = F[j, xcol]
                C[CQ, nt] = F[j, Q]
                C[CLA, nt] = F[j, LOGA]
                Wc[nt, 0] = F[j, wgt]
                F[j, LAST] = -1.0 - u
                pos[c] = u
                c += 1
                nt += first
        return nt
    for t in range(s0, s1):
        i = idx[t]
        for p in range(indptr[i], indptr[i + 1]):
            j = np.uintp(indices[p])  # unsigned: no wraparound test per index
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


#: bytes of the per-feature tables (S and F) below which they stay in a core's L2 cache
#: and their rows are not prefetched
CACHED_TABLES = 1 << 19

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
    K = S.shape[1]  # one output: the weights live in F during the epoch
    if S.shape[0] * ((K > 1) * K * S.itemsize + F.shape[1] * F.itemsize) <= CACHED_TABLES:
        return  # the per-feature tables stay in the cache: nothing to ask for
    for r in range(s1, min(s1 + batch_size, n)):
        i = idx[r]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            prefetch_item(F, j, 0)
            if K > 1:
                prefetch_item(S, j, 0)
                prefetch_item(S, j, K - 1)  # K weights may end in the next cache line


@kernel
def lazy_csr_epoch(family, data, indices, indptr, Y, y, sw, idx, batch_size, S, b, gb, Z,
                   eta, l1, l2, fit_intercept, F, Wc, Gc, C, pos, touched, W, unit):
    """One MBGD epoch over CSR rows ``idx`` in minibatches of ``batch_size``.

    Same update as :func:`.epoch.mbgd_epoch` on uncentred rows
    (x̃ = x · inv_scale with ``precondition``). ``S`` (d, K) holds feature j's
    K weights in ``S[j]``; ``F`` (d, ``feature_columns(K)``: one output keeps its weight
    there during the epoch) comes from :func:`.lazy_penalty.feature_table`.
    Workspace for the features of one minibatch (m - 1 of them at most, and a free
    row): ``Wc`` and ``Gc`` (m, K), ``C`` (4, m), ``touched`` (m, uintp), and ``pos``
    (unsigned, one per stored value of a minibatch), as
    :func:`fastlr._solvers.sparse_epochs.lazy_workspace` sizes them; ``Gc`` is zero
    on entry and exit. ``Z`` has
    rows for at least one block of rows (a minibatch is walked in blocks of
    ``Z.shape[0]``). Returns ``(objective_sum, n_batches, finite)`` like the
    eager kernel; after a finite epoch every weight is current and copied into
    ``W`` (K, d), the solver's layout (in the user's units, W · unit per column,
    when ``unit`` is not empty; see ``sparse_epochs``). ``idx`` holds distinct rows (an order of
    some of X's rows): the workspace is sized for the values a minibatch of
    distinct rows can store, and nothing here checks it.
    """
    n = idx.shape[0]
    d = S.shape[0]
    K = S.shape[1]
    R = Z.shape[0]
    el1 = eta * l1
    el2 = eta * l2
    one = K == 1  # then the weights live in F's rows during the epoch
    wgt, xcol = _weight_columns(F, l2)  # (lazy_penalty.feature_columns)
    s1d = S.reshape(S.size)
    # without L2 no epoch reads log a (and one output keeps its weights in its column)
    closed = _start_epoch(F, s1d, wgt if one else -1, el2, l2 != 0.0)
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
    # one output: the compact arrays as flat views (contiguous in the feature)
    wc1 = Wc.reshape(Wc.size)
    gc1 = Gc.reshape(Gc.size)
    for s0 in range(0, n, batch_size):
        s1 = min(s0 + batch_size, n)
        _prefetch_ahead(family, data, indices, indptr, Y, y, sw, idx, s1, batch_size, S, F)
        nt = _gather(indices, indptr, idx, s0, s1, nb, S, F, Wc, C, pos, touched, wgt, xcol)
        _catch_up_compact(mode, Wc, C, nt, el1, el2)
        if K == 1:  # the logits' weights in the data's units (C[CLA] is free now)
            for u in range(nt):
                C[CLA, u] = C[CXS, u] * wc1[u]
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
                        z += data[p] * C[CLA, u]
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
                        gc1[pos[c]] += zr * data[p]
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
            if one:  # the weights back where the caller keeps them
                for j in range(d):
                    s1d[j] = F[j, wgt]
            return total, nb, False
        step = eta / (s1 - s0)
        if K == 1:  # flat, contiguous loops: the update vectorises, the scatter
            for u in range(nt):  # has no loop over k per feature
                q = C[CQ, u]
                a = 1.0 - el2 * (q * q)
                thr = el1 * q
                v = a * wc1[u] - (step * C[CXS, u]) * gc1[u]
                wc1[u] = v - min(max(v, -thr), thr)
                gc1[u] = 0
            for u in range(nt):  # into one cache line per feature
                j = touched[u]
                F[j, wgt] = wc1[u]
                F[j, LAST] = nb + 1
        else:
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
    pen1, pen2 = _finish_epoch(mode, S, F, W, unit, nb, el1, el2, wgt if one else -1)
    return total + nb * (l1 * pen1 + 0.5 * l2 * pen2), nb, True
