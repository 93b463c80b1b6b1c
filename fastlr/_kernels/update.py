"""Parameter updates of mini-batch gradient descent (MATH.md §4).

With ``standardize`` the model is trained on x̃ = (x - mean) · inv_scale
without ever materialising x̃: ``effective_weights`` maps the standardized
weights to weights on raw X (W̃ = W · inv_scale, b̃ = b - W̃·mean), and
``proximal_step`` maps the raw-X gradient back (∇_W = (G - gb ⊗ mean) · inv_scale).
"""
from __future__ import annotations

import numpy as np

from .._config import kernel
from .prox import soft_threshold


@kernel
def effective_weights(W, b, mean, inv_scale, We, be):
    """We = W · inv_scale (per feature), be = b - We · mean."""
    K, d = W.shape
    for k in range(K):
        acc = 0.0
        for j in range(d):
            w = W[k, j] * inv_scale[j]
            We[k, j] = w
            acc += w * mean[j]
        be[k] = b[k] - acc


@kernel
def proximal_step(W, b, G, gb, scale_grad, eta, l1, l2, fit_intercept,
                  standardize, mean, inv_scale):
    """One proximal gradient step on (W, b) from the accumulated gradient.

    ``G``/``gb`` hold Σ s_i r_i x_i and Σ s_i r_i over the minibatch;
    ``scale_grad`` (1/|mb|) turns them into the mean. The smooth step is
    v = W - eta (g + l2 W), then W = soft_threshold(v, eta l1); the intercept
    takes the plain step. ``G`` and ``gb`` are zeroed for the next minibatch.
    Returns the penalty l1 |W|_1 + l2/2 |W|_2^2 of W *before* the step
    (the objective the minibatch loss was computed at).
    """
    K, d = W.shape
    t = eta * l1
    shrink = 1.0 - eta * l2
    pen1 = 0.0
    pen2 = 0.0
    for k in range(K):
        gbk = gb[k] * scale_grad
        for j in range(d):
            w = W[k, j]
            pen1 += abs(w)
            pen2 += w * w
            g = G[k, j]
            if standardize:
                g = (g - gb[k] * mean[j]) * inv_scale[j]
            v = shrink * w - eta * scale_grad * g
            W[k, j] = soft_threshold(v, t)
            G[k, j] = 0
        if fit_intercept:
            b[k] -= eta * gbk
        gb[k] = 0
    return l1 * pen1 + 0.5 * l2 * pen2


@kernel
def all_finite(A):
    """True when every entry of the 2-D array A is finite."""
    n, m = A.shape
    for i in range(n):
        for j in range(m):
            if not np.isfinite(A[i, j]):
                return False
    return True
