"""Full-batch fused loss and gradient over CSR rows, weights by feature (d, K).

:mod:`.full` walks rows with weights (K, d): every stored value of a
multiclass problem then reads K weights K·d apart, one cache line each, and
adds into K scattered gradient entries. Here the weights ``Wt`` and the
gradient ``Gts[c]`` are laid out (d, K), so a stored value reads and updates
one contiguous K-vector. Rows are uncentred; the caller folds centring into
the intercept and the gradient (x - m)·w + b = x·w + (b - m·w), as
:func:`.losses.loss_grad` does.

Rows are cut into ``Gts.shape[0]`` fixed chunks, one gradient buffer each,
reduced in chunk order by feature blocks in parallel: for a fixed chunk
count the result repeats bit for bit, whatever thread ran which chunk.
"""
from __future__ import annotations

import numpy as np

from .._config import kernel, prange
from .losses import SIGMOID, residual_scratch, sigmoid_residual_loss, softmax_residual_loss
from .prefetch import prefetch_item

#: stored values between a value and the one whose weights (and gradient row) a pass
#: asks for: the full pass walks rows in order, so the values ahead are the next in
#: ``indices`` (in another order the hint would only be wasted, never wrong)
VALUES_AHEAD = 32


@kernel
def csr_t_loss_grad(family, data, indices, indptr, Y, y, sw, idx, start, stop, Wt, b, Gt,
                    gb, Z):
    """Σ s_i ℓ_i over rows idx[start:stop]; adds Σ s_i r_i x_i to Gt (d, K), Σ s_i r_i
    to gb. ``Z`` is a (R, K) buffer: rows go in blocks of R."""
    K = Wt.shape[1]
    R = Z.shape[0]
    loss = 0.0
    st = residual_scratch(Z)
    nnz = indices.shape[0]
    last = K - 1  # a feature's K-vector may end in the next cache line
    for r0 in range(start, stop, R):
        r1 = min(r0 + R, stop)
        for r in range(r1 - r0):
            i = idx[r0 + r]
            for k in range(K):
                Z[r, k] = b[k]
            for p in range(indptr[i], indptr[i + 1]):
                if p + VALUES_AHEAD < nnz:  # the weights of the value that many ahead
                    ja = indices[p + VALUES_AHEAD]
                    prefetch_item(Wt, ja, 0)
                    prefetch_item(Wt, ja, last)
                j = indices[p]
                x = data[p]
                for k in range(K):
                    Z[r, k] += x * Wt[j, k]
        if family == SIGMOID:
            loss += sigmoid_residual_loss(Z, Y, sw, idx, r0, r1, st)
        else:
            loss += softmax_residual_loss(Z, y, sw, idx, r0, r1)
        for r in range(r1 - r0):
            i = idx[r0 + r]
            for k in range(K):
                gb[k] += Z[r, k]
            for p in range(indptr[i], indptr[i + 1]):
                if p + VALUES_AHEAD < nnz:
                    ja = indices[p + VALUES_AHEAD]
                    prefetch_item(Gt, ja, 0)
                    prefetch_item(Gt, ja, last)
                j = indices[p]
                x = data[p]
                for k in range(K):
                    Gt[j, k] += Z[r, k] * x
    return loss


@kernel(parallel=True)
def csr_t_full_loss_grad(family, data, indices, indptr, Y, y, sw, idx, Wt, b, Gts, gbs, Zs):
    """Σ_i s_i ℓ_i over all rows ``idx``; the gradient sums into Gts[0] (d, K) and
    gbs[0] (K,). ``Gts`` (C, d, K), ``gbs`` (C, K), ``Zs`` (C, R, K): one per chunk."""
    n = idx.shape[0]
    C, d, K = Gts.shape
    losses = np.zeros(C)
    for c in prange(C):
        Gts[c, :, :] = 0
        gbs[c, :] = 0
        losses[c] = csr_t_loss_grad(family, data, indices, indptr, Y, y, sw, idx,
                                    (c * n) // C, ((c + 1) * n) // C, Wt, b, Gts[c], gbs[c],
                                    Zs[c])
    B = 64  # features per reduction block
    for blk in prange((d + B - 1) // B):
        for c in range(1, C):
            for j in range(blk * B, min((blk + 1) * B, d)):
                for k in range(K):
                    Gts[0, j, k] += Gts[c, j, k]
    total = losses[0]
    for c in range(1, C):
        total += losses[c]
        for k in range(K):
            gbs[0, k] += gbs[c, k]
    return total
