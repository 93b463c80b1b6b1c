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
#: line a value (20 x 2^18: the weights 46 -> 12 ms, the gradient 74 -> 25 ms)
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
    for j0 in range(0, d, TILE):  # tiles of features; a (d, K) G is read with stride K
        j1 = min(j0 + TILE, d)
        for k in range(K):
            pk = pens[k]
            for j in range(j0, j1):
                g = np.float64(G[j, k]) if by_feature else np.float64(G[k, j])
                if centre:
                    g -= np.float64(gb[k]) * np.float64(mean[j])
                w = W[k, j]
                lw = l2w[j]
                pk += lw * w * w
                if precondition:
                    s = np.float64(inv_scale[j])
                    g = g * s * inv_total + lw * w
                    gu = g / s + out[K * d + k] * np.float64(mean[j])
                else:
                    g = g * inv_total + lw * w
                    gu = g
                out[k * d + j] = g
                gmax = max(gmax, abs(gu))
            pens[k] = pk
    pen = 0.0
    for k in range(K):
        pen += pens[k]
    return 0.5 * pen, gmax
