"""The full-batch gradient, finished in one pass over the weights (docs/math.md §8).

A pass over X leaves raw sums: Σ s_i r_i x_i (as (K, d), or (d, K) for the
by-feature CSR pass) and Σ s_i r_i. The exact solvers want the gradient of
the mean objective with respect to the trained weights, flattened, and the
largest component of the gradient in the user's units (their stopping rule).
Done with NumPy that is eight temporaries of K·d values (a quarter of a second
per evaluation at 20 × 2^18); here it is one loop.
"""
from __future__ import annotations

import numpy as np

from .._config import kernel


#: features per tile of the loops between the (K, d) and (d, K) layouts: a tile of the
#: (d, K) array stays in L1 while the K rows of the (K, d) one are walked along it.
#: Row by row instead, each of the K rows crossed the whole (d, K) array, one cache
#: line a value (20 x 2^18, side by side: the weights 43 -> 16 ms; the gradient, whose
#: tile of G is first copied by output so that its loops run on contiguous slices,
#: 42-62 -> 28-35 ms)
TILE = 64


@kernel
def scaled_weights_by_feature(W, inv_scale, precondition, b, mean, centre, Wt, bo):
    """Wt (d, K) = (W · inv_scale)ᵀ and bo = b - (W · inv_scale) · mean (centring
    folded into the intercept when ``centre``): the by-feature pass's inputs. W is
    taken in any float dtype and rounded to Wt's before it is scaled (the same
    values as from W converted first)."""
    K, d = W.shape
    acc = np.zeros(K)
    for j0 in range(0, d, TILE):
        j1 = min(j0 + TILE, d)
        for k in range(K):
            a = acc[k]
            for j in range(j0, j1):
                w = Wt.dtype.type(W[k, j])  # W may be float64: rounded first, as before
                if precondition:
                    w = w * inv_scale[j]
                Wt[j, k] = w
                if centre:
                    a += np.float64(w) * np.float64(mean[j])
            acc[k] = a
    for k in range(K):
        bo[k] = b[k] - acc[k]


@kernel
def flat_gradient(G, by_feature, gb, inv_scale, precondition, mean, centre, W, l2w,
                  inv_total, fit_intercept, out):
    """Fill ``out`` (K·d + K, float64) with the gradient of the mean objective with
    respect to the trained (W, b), and return (½ Σ l2w_j W_kj², max |gradient| in
    the user's units, coef_ and intercept_).

    ``G`` holds Σ s_i r_i x_i as (K, d), or (d, K) with ``by_feature``; with
    ``centre`` those rows were not centred and Σ r · mean is taken off here
    (Σ r (x - m) = Σ r x - (Σ r) m). The trained gradient is
    G · inv_scale / Σ s + l2w · W; in user units a coefficient's gradient is
    that divided by inv_scale, plus the intercept's gradient times the mean.
    """
    K, d = W.shape
    gmax = 0.0
    for k in range(K):
        gbk = np.float64(gb[k]) * inv_total if fit_intercept else 0.0
        out[K * d + k] = gbk
        if fit_intercept:
            gmax = max(gmax, abs(gbk))
    pens = np.zeros(K)  # each row's penalty, summed tile by tile
    gt = np.empty((K, TILE))
    for j0 in range(0, d, TILE):
        m = min(TILE, d - j0)
        for jj in range(m):  # the tile of G by output, in float64 (a (d, K) G: stride K)
            for k in range(K):
                gt[k, jj] = np.float64(G[j0 + jj, k]) if by_feature else np.float64(G[k, j0 + jj])
        sc, mn, lws = inv_scale[j0:j0 + m], mean[j0:j0 + m], l2w[j0:j0 + m]
        for k in range(K):  # contiguous slices and no test inside: loops LLVM vectorises
            row, wk, ok = gt[k], W[k, j0:j0 + m], out[k * d + j0:k * d + j0 + m]
            cg = np.float64(gb[k]) if centre else 0.0
            ob = out[K * d + k]
            pk = 0.0
            mk = 0.0
            if precondition:
                for jj in range(m):
                    g = row[jj] - cg * np.float64(mn[jj])
                    w = wk[jj]
                    lw = lws[jj]
                    pk += lw * w * w
                    s = np.float64(sc[jj])
                    g = g * s * inv_total + lw * w
                    ok[jj] = g
                    mk = max(mk, abs(g / s + ob * np.float64(mn[jj])))
            else:
                for jj in range(m):
                    g = row[jj] - cg * np.float64(mn[jj])
                    w = wk[jj]
                    lw = lws[jj]
                    pk += lw * w * w
                    g = g * inv_total + lw * w
                    ok[jj] = g
                    mk = max(mk, abs(g))
            pens[k] += pk
            gmax = max(gmax, mk)
    pen = 0.0
    for k in range(K):
        pen += pens[k]
    return 0.5 * pen, gmax
