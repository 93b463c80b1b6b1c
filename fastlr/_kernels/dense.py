"""Data access for dense, C-contiguous X (see :mod:`.rows` for the dispatch).

The loss kernels work on blocks of rows: ``dense_block_logits`` computes the
net inputs of a block, ``dense_block_grad`` accumulates ``Rᵀ X_block`` into
the gradient, ``dense_row_into`` copies one (standardized) row out.

Weights are stored (outputs, features): each logit is a dot product of a row
of X with a contiguous row of W, which LLVM vectorises (about 4x faster than a
(features, outputs) layout in a prototype on this machine). Full
blocks are register-blocked, 4 rows × 2 outputs per step of the feature loop:
the forward keeps 8 independent accumulators (6 loads per 8 multiply-adds
instead of 2 per 1), the gradient updates two rows of G from the same four
loaded X values (measured on 60,000 × 784 × 10: forward 50 → 25 ms per pass,
at parity with OpenBLAS's X @ Wᵀ; gradient 30 → 24 ms).
Accumulators take the dtype of W (``W.dtype.type(0)``): a literal ``0`` would
silently turn float32 loops into float64 ones.

With ``center`` the rows are centred on the fly, x - mean, inside the loops
(``standardize=True``): folding the mean into the intercept instead would
cancel two terms of size |mean|·|W| and lose digits in float32. The flag is
tested outside the feature loops (each loop is written for both cases), so
the uncentred loops carry no trace of it.
"""
from __future__ import annotations

from .._config import kernel
from .prefetch import prefetch_item

from .._layout import BLOCK, BLOCK_BYTES, ROWS  # noqa: F401  (their home is numba-free)


#: a block of logits asks for the cache lines of the rows this many bytes ahead (16 rows
#: of 100 float32 features; 2M such rows, one epoch: block-shuffled 322 -> 282 ms, in
#: order 250 -> 207 ms). Rows so long that fewer than a block of them fit are left to
#: the hardware prefetcher, which follows a long row by itself (MNIST's 3 KB rows: no
#: gain measured)
AHEAD_BYTES = 6400
#: bytes of a cache line (x86): a row is asked for line by line, and at its last value
#: (a row that does not start on a line boundary ends in one more line)
LINE_BYTES = 64


@kernel(internal=True)
def rows_per_block(d, itemsize, rows):
    """Rows of X per call of the block functions: as many 4-row register blocks as fit
    in ``BLOCK_BYTES`` (4 rows for MNIST-wide rows, 64 for narrow tables), so that a
    narrow table does not pay a function call per 4 rows."""
    fit = BLOCK_BYTES // max(1, d * itemsize)
    return max(BLOCK, min(rows, fit) // BLOCK * BLOCK)


@kernel(internal=True)
def dense_block_logits(X, idx, start, stop, W, b, Z, mean, center):
    """Z[r, k] = (x_{idx[start+r]} - center·mean) · W[k] + b[k] for r < stop - start.

    Full blocks of 4 rows are register-blocked with 2 outputs per step. Two
    things are written out here that look like they could be factored: the
    4-row step is not a function of its own (a call per 4 rows passes and
    reference-counts every array argument, and on 100 features took as long as
    the arithmetic: logits 2.7x slower), and the centring test sits outside the
    feature loops, each loop written twice (a select inside them cost more).
    """
    K, d = W.shape
    zero = W.dtype.type(0)
    n = idx.shape[0]
    ahead = AHEAD_BYTES // max(1, d * X.itemsize) // BLOCK * BLOCK if d > 0 else 0
    line = max(1, LINE_BYTES // X.itemsize)
    lines = (d + line - 1) // line  # per row, counted once (not a division per row)
    s = start
    while s + BLOCK <= stop:
        i0, i1, i2, i3 = idx[s], idx[s + 1], idx[s + 2], idx[s + 3]
        r0 = s - start
        if ahead > 0 and s + ahead + BLOCK <= n:
            for a in range(s + ahead, s + ahead + BLOCK):
                ia = idx[a]
                for t in range(lines):
                    prefetch_item(X, ia, t * line)
                prefetch_item(X, ia, d - 1)
        k = 0
        while k + 1 < K:
            a00 = a01 = a10 = a11 = a20 = a21 = a30 = a31 = zero
            if center:
                for j in range(d):
                    m = mean[j]
                    w0 = W[k, j]
                    w1 = W[k + 1, j]
                    x0 = X[i0, j] - m
                    x1 = X[i1, j] - m
                    x2 = X[i2, j] - m
                    x3 = X[i3, j] - m
                    a00 += x0 * w0
                    a01 += x0 * w1
                    a10 += x1 * w0
                    a11 += x1 * w1
                    a20 += x2 * w0
                    a21 += x2 * w1
                    a30 += x3 * w0
                    a31 += x3 * w1
            else:
                for j in range(d):
                    w0 = W[k, j]
                    w1 = W[k + 1, j]
                    x0 = X[i0, j]
                    x1 = X[i1, j]
                    x2 = X[i2, j]
                    x3 = X[i3, j]
                    a00 += x0 * w0
                    a01 += x0 * w1
                    a10 += x1 * w0
                    a11 += x1 * w1
                    a20 += x2 * w0
                    a21 += x2 * w1
                    a30 += x3 * w0
                    a31 += x3 * w1
            Z[r0, k] = a00 + b[k]
            Z[r0, k + 1] = a01 + b[k + 1]
            Z[r0 + 1, k] = a10 + b[k]
            Z[r0 + 1, k + 1] = a11 + b[k + 1]
            Z[r0 + 2, k] = a20 + b[k]
            Z[r0 + 2, k + 1] = a21 + b[k + 1]
            Z[r0 + 3, k] = a30 + b[k]
            Z[r0 + 3, k + 1] = a31 + b[k + 1]
            k += 2
        if k < K:
            a0 = a1 = a2 = a3 = zero
            if center:
                for j in range(d):
                    w = W[k, j]
                    m = mean[j]
                    a0 += (X[i0, j] - m) * w
                    a1 += (X[i1, j] - m) * w
                    a2 += (X[i2, j] - m) * w
                    a3 += (X[i3, j] - m) * w
            else:
                for j in range(d):
                    w = W[k, j]
                    a0 += X[i0, j] * w
                    a1 += X[i1, j] * w
                    a2 += X[i2, j] * w
                    a3 += X[i3, j] * w
            Z[r0, k] = a0 + b[k]
            Z[r0 + 1, k] = a1 + b[k]
            Z[r0 + 2, k] = a2 + b[k]
            Z[r0 + 3, k] = a3 + b[k]
        s += BLOCK
    for r in range(s - start, stop - start):
        i = idx[start + r]
        for k in range(K):
            acc = zero
            if center:
                for j in range(d):
                    acc += (X[i, j] - mean[j]) * W[k, j]
            else:
                for j in range(d):
                    acc += X[i, j] * W[k, j]
            Z[r, k] = acc + b[k]


@kernel(internal=True)
def dense_block_grad(X, idx, start, stop, R, G, gb, mean, center):
    """G[k] += Σ_r R[r, k] · (x_{idx[start+r]} - center·mean);  gb[k] += Σ_r R[r, k].

    Written out like :func:`dense_block_logits` (4 rows × 2 outputs per step of
    the feature loop, no call per 4 rows, the centring test outside the loops).
    """
    K, d = G.shape
    s = start
    while s + BLOCK <= stop:
        i0, i1, i2, i3 = idx[s], idx[s + 1], idx[s + 2], idx[s + 3]
        o = s - start
        k = 0
        while k + 1 < K:
            r0, r1, r2, r3 = R[o, k], R[o + 1, k], R[o + 2, k], R[o + 3, k]
            q0, q1, q2, q3 = R[o, k + 1], R[o + 1, k + 1], R[o + 2, k + 1], R[o + 3, k + 1]
            gb[k] += r0 + r1 + r2 + r3
            gb[k + 1] += q0 + q1 + q2 + q3
            if center:
                for j in range(d):
                    m = mean[j]
                    x0 = X[i0, j] - m
                    x1 = X[i1, j] - m
                    x2 = X[i2, j] - m
                    x3 = X[i3, j] - m
                    G[k, j] += r0 * x0 + r1 * x1 + r2 * x2 + r3 * x3
                    G[k + 1, j] += q0 * x0 + q1 * x1 + q2 * x2 + q3 * x3
            else:
                for j in range(d):
                    x0 = X[i0, j]
                    x1 = X[i1, j]
                    x2 = X[i2, j]
                    x3 = X[i3, j]
                    G[k, j] += r0 * x0 + r1 * x1 + r2 * x2 + r3 * x3
                    G[k + 1, j] += q0 * x0 + q1 * x1 + q2 * x2 + q3 * x3
            k += 2
        if k < K:
            r0, r1, r2, r3 = R[o, k], R[o + 1, k], R[o + 2, k], R[o + 3, k]
            gb[k] += r0 + r1 + r2 + r3
            if center:
                for j in range(d):
                    m = mean[j]
                    G[k, j] += (r0 * (X[i0, j] - m) + r1 * (X[i1, j] - m)
                                + r2 * (X[i2, j] - m) + r3 * (X[i3, j] - m))
            else:
                for j in range(d):
                    G[k, j] += r0 * X[i0, j] + r1 * X[i1, j] + r2 * X[i2, j] + r3 * X[i3, j]
        s += BLOCK
    for r in range(s - start, stop - start):
        i = idx[start + r]
        for k in range(K):
            rk = R[r, k]
            gb[k] += rk
            if center:
                for j in range(d):
                    G[k, j] += rk * (X[i, j] - mean[j])
            else:
                for j in range(d):
                    G[k, j] += rk * X[i, j]


@kernel
def dense_row_into(X, i, xt, standardize, mean, inv_scale):
    """xt = (X[i] - mean) · inv_scale, or X[i] as is."""
    d = xt.shape[0]
    if standardize:
        for j in range(d):
            xt[j] = (X[i, j] - mean[j]) * inv_scale[j]
    else:
        for j in range(d):
            xt[j] = X[i, j]
