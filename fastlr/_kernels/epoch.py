"""One whole epoch of mini-batch gradient descent, in compiled code.

A Python loop per minibatch costs more than the math at batch size 32, so the
minibatch loop, the fused loss/gradient pass and the proximal update all run
here. ``family`` selects the fused pass (:data:`.losses.SIGMOID` with targets
``Y``, :data:`.losses.SOFTMAX` with ``y``). The caller supplies the row order ``idx`` (its shuffle), preallocated buffers and
the step size of this epoch.

Returns ``(objective_sum, n_batches, finite)``: the sum over minibatches of
their objective (weighted mean loss + penalty, at the weights the minibatch
saw) and whether every minibatch loss was finite. On the first non-finite
loss the epoch stops at once, before that minibatch's update.
"""
from __future__ import annotations

import numpy as np

from .._config import kernel, prange
from .dense import rows_per_block
from .losses import (SIGMOID, centred_intercept_into, loss_grad, residual_scratch,
                     sigmoid_residual_loss, softmax_residual_loss)
from .prefetch import prefetch_entry, prefetch_item
from .rows import block_grad, block_logits, centre_folded, row_into
from .update import proximal_step, scaled_weights


@kernel
def mbgd_epoch(family, X, Y, y, sw, idx, batch_size, W, b, G, gb, Z, We,
               eta, l1, l2, fit_intercept, standardize, mean, inv_scale, pen, fold):
    """MBGD epoch over rows ``idx`` in minibatches of ``batch_size``.

    With ``standardize`` the rows are centred: dense rows inside the block loops,
    unless ``fold`` (the caller's promise that every |mean_j| is within the column's
    standard deviation, :class:`fastlr._estimators.scaling.Scaling`); then, as for
    CSR rows always, through the intercept, (x - m)·w + b = x·w + (b - m·w), and the
    gradient, Σ r (x - m) = Σ r x - (Σ r) m, at O(K·d) a minibatch instead of a
    subtraction per value (2M x 100 float32, side by side: 207 -> 191 ms an epoch).

    Each minibatch is :func:`.losses.fused_pass` written out in this loop (block
    logits, residuals, block gradient, then the proximal step), calling the
    block functions with this function's own arrays: the inlined pass copied
    its eleven array arguments into new variables, each reference-counted with
    atomics at every minibatch (2M x 100, 32 rows a batch, in-cache: 63 -> 51 ns
    a row; MNIST-wide rows, whose batch is eight 4-row blocks, paid it per block).
    ``G`` and ``gb`` are zeroed here and after each step.
    """
    n = idx.shape[0]
    K, d = W.shape
    total = 0.0
    nb = 0
    G[:] = 0
    gb[:] = 0
    if standardize:  # then kept current by each proximal step
        scaled_weights(W, inv_scale, We)
    Wk = We if standardize else W
    # CSR rows are centred through the intercept and the gradient (see fused_pass)
    folded = standardize and (fold or centre_folded(X))
    centre_rows = standardize and not folded
    bk = np.empty_like(b)
    st = residual_scratch(Z)
    step = rows_per_block(d, W.itemsize, Z.shape[0])
    for s0 in range(0, n, batch_size):
        s1 = min(s0 + batch_size, n)
        centred_intercept_into(Wk, b, mean, folded, bk)
        # the next minibatch's weights and targets: a shuffled row's are a cache miss
        # each, which the residuals would wait for (X's rows are prefetched by the
        # block logits)
        for r in range(s1, min(s1 + batch_size, n)):
            i = idx[r]
            prefetch_entry(sw, i)
            if family == SIGMOID:
                prefetch_item(Y, i, 0)
            else:
                prefetch_entry(y, i)
        loss = 0.0
        for a in range(s0, s1, step):
            e = min(a + step, s1)
            block_logits(X, idx, a, e, Wk, bk, Z, mean, centre_rows)
            if family == SIGMOID:
                loss += sigmoid_residual_loss(Z, Y, sw, idx, a, e, st)
            else:
                loss += softmax_residual_loss(Z, y, sw, idx, a, e)
            block_grad(X, idx, a, e, Z, G, gb, mean, centre_rows)
        if folded:  # Σ r (x - m) = Σ r x - (Σ r) m; gb holds this minibatch's Σ r
            for k in range(K):
                for j in range(d):
                    G[k, j] -= gb[k] * mean[j]
        if not np.isfinite(loss):
            return total, nb, False
        inv_m = 1.0 / (s1 - s0)
        penalty = proximal_step(W, b, G, gb, inv_m, eta, l1, l2, fit_intercept,
                                standardize, inv_scale, pen, We)
        total += loss * inv_m + penalty
        nb += 1
    return total, nb, True


@kernel(parallel=True)
def mbgd_epoch_threaded(family, X, Y, y, sw, idx, batch_size, W, b, Gs, gbs, Zs, We,
                        eta, l1, l2, fit_intercept, standardize, mean, inv_scale, pen,
                        total=0.0):
    """:func:`mbgd_epoch` with each minibatch split over ``Gs.shape[0]`` threads.

    Each chunk of a minibatch accumulates into its own gradient buffer; the
    buffers are summed in chunk order before the update, so a fixed chunk
    count gives bit-identical results whichever thread runs which chunk, and
    on any number of threads. One fork/join per minibatch: it pays from a few
    hundred rows per batch. ``total`` starts the objective sum: an epoch run as
    consecutive calls on pieces of ``idx`` (whole minibatches each), each given
    the sum so far, returns the sum of one call over all of ``idx``, bit for bit.
    """
    n = idx.shape[0]
    C, K, d = Gs.shape
    losses = np.zeros(C)
    nb = 0
    if standardize:  # then kept current by each proximal step
        scaled_weights(W, inv_scale, We)
    Wk = We if standardize else W
    for s0 in range(0, n, batch_size):
        s1 = min(s0 + batch_size, n)
        m = s1 - s0
        for c in prange(C):
            a = s0 + (c * m) // C
            e = s0 + ((c + 1) * m) // C
            losses[c] = loss_grad(family, X, Y, y, sw, idx, a, e, Wk, b, Gs[c], gbs[c], Zs[c],
                                  mean, standardize)
        loss = losses[0]
        for c in range(1, C):  # explicit loops: array expressions would become
            loss += losses[c]  # parallel regions of their own, one fork/join each
            for k in range(K):
                gbs[0, k] += gbs[c, k]
                gbs[c, k] = 0
                for j in range(d):
                    Gs[0, k, j] += Gs[c, k, j]
                    Gs[c, k, j] = 0
        if not np.isfinite(loss):
            return total, nb, False
        inv_m = 1.0 / m
        penalty = proximal_step(W, b, Gs[0], gbs[0], inv_m, eta, l1, l2, fit_intercept,
                                standardize, inv_scale, pen, We)
        total += loss * inv_m + penalty
        nb += 1
    return total, nb, True


@kernel
def sgd_epoch(family, X, Y, y, sw, idx, W, b, Z, xt, eta, l1, l2, fit_intercept,
              standardize, mean, inv_scale, pen):
    """:func:`mbgd_epoch` for ``batch_size=1`` (plain SGD), same results.

    With one row per step the gradient is the outer product r xᵀ, so the
    update is applied directly to W in the same pass that applies the
    penalty's prox: two passes over W per row (logits, update) instead of
    five through a gradient buffer. The row, standardized if asked, is first
    copied into ``xt`` (d values).
    """
    n = idx.shape[0]
    K, d = W.shape
    te = W.dtype.type(eta * l1)
    se = W.dtype.type(eta * l2)
    one = W.dtype.type(1)
    zero = W.dtype.type(0)
    total = 0.0
    st = residual_scratch(Z)
    for s in range(n):
        row_into(X, idx[s], xt, standardize, mean, inv_scale)
        for k in range(K):
            acc = zero
            for j in range(d):
                acc += xt[j] * W[k, j]
            Z[0, k] = acc + b[k]
        if family == SIGMOID:
            loss = sigmoid_residual_loss(Z, Y, sw, idx, s, s + 1, st)
        else:
            loss = softmax_residual_loss(Z, y, sw, idx, s, s + 1)
        if not np.isfinite(loss):
            return total, s, False
        pen1 = 0.0
        pen2 = 0.0
        for k in range(K):
            step_r = W.dtype.type(eta) * Z[0, k]
            p1 = zero
            p2 = zero
            for j in range(d):
                w = W[k, j]
                q = pen[j]
                p1 += q * abs(w)
                p2 += (q * w) * (q * w)
                t = te * q
                v = (one - se * q * q) * w - step_r * xt[j]
                W[k, j] = v - min(max(v, -t), t)
            pen1 += p1
            pen2 += p2
            if fit_intercept:
                b[k] -= step_r
        total += loss + l1 * pen1 + 0.5 * l2 * pen2
    return total, n, True
