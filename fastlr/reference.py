"""Plain NumPy reference implementation of fastlr's math (docs/math.md).

Obviously correct and vectorised per minibatch; the tests compare every
kernel against it and the benchmarks time the kernels against it. It follows
the same conventions as the kernels:

- weights are stored (outputs, features): ``W`` is (L, d) or (K, d);
- sigmoid targets are an (n, L) 0/1 matrix, softmax targets (n,) class indices;
- ``loss_grad`` returns ``Σ s_i ℓ_i`` and the unnormalised gradient sums.
"""
from __future__ import annotations

import numpy as np


# ---------------------------------------------------------------- activations
def sigmoid(z):
    """σ(z), stable for any z (two branches, no overflow)."""
    z = np.asarray(z)
    out = np.empty_like(z, dtype=np.result_type(z, np.float32))
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def log1pexp(z):
    """softplus(z) = max(z, 0) + log1p(exp(-|z|))."""
    z = np.asarray(z)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def logsumexp(Z):
    """Row-wise log Σ exp, max-shifted."""
    m = Z.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))[:, 0]


def softmax(Z):
    """Row-wise softmax, max-shifted."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- losses
def sigmoid_loss_grad(X, Y, sw, W, b):
    """(Σ s_i ℓ_i, Σ s_i r_i x_iᵀ, Σ s_i r_i) for the sigmoid family."""
    Z = X @ W.T + b
    loss = np.sum(sw[:, None] * (log1pexp(Z) - Y * Z), dtype=np.float64)
    R = sw[:, None] * (sigmoid(Z) - Y)
    return float(loss), R.T @ X, R.sum(axis=0)


def softmax_loss_grad(X, y, sw, W, b):
    """(Σ s_i ℓ_i, Σ s_i r_i x_iᵀ, Σ s_i r_i) for the softmax family."""
    Z = X @ W.T + b
    rows = np.arange(len(y))
    loss = np.sum(sw * (logsumexp(Z) - Z[rows, y]), dtype=np.float64)
    R = softmax(Z)
    R[rows, y] -= 1
    R *= sw[:, None]
    return float(loss), R.T @ X, R.sum(axis=0)


LOSS_GRAD = {"sigmoid": sigmoid_loss_grad, "softmax": softmax_loss_grad}


def penalty(W, l1, l2, pen=None):
    """Σ_j l1 pen_j |W_j| + l2/2 pen_j² W_j² (pen: per-feature factors, default 1);
    the intercept is never penalised."""
    pen = np.ones(W.shape[1]) if pen is None else np.asarray(pen, np.float64)
    return float(l1 * (pen * np.abs(W)).sum() + 0.5 * l2 * ((pen * W) ** 2).sum())


def objective(family, X, T, sw, W, b, l1=0.0, l2=0.0, pen=None):
    """Full objective Σ s_i ℓ_i / Σ s_i + penalty, and its smooth gradient (G, gb)."""
    loss, G, gb = LOSS_GRAD[family](X, T, sw, W, b)
    tot = sw.sum()
    p2 = 1.0 if pen is None else np.asarray(pen, np.float64) ** 2
    return loss / tot + penalty(W, l1, l2, pen), G / tot + l2 * p2 * W, gb / tot


def soft_threshold(V, t):
    """sign(v) max(|v| - t, 0)."""
    return np.sign(V) * np.maximum(np.abs(V) - t, 0)


# ---------------------------------------------------------------- MBGD
def mbgd_epoch(family, X, T, sw, idx, batch_size, W, b, eta, l1=0.0, l2=0.0,
               fit_intercept=True, mean=None, inv_scale=None, pen=None):
    """One MBGD epoch over rows ``idx`` (docs/math.md §6), updating W and b in place.

    ``sw`` are the scaled weights s̃ (mean 1 over the training set). With
    ``mean``/``inv_scale`` the minibatch rows are standardized explicitly
    (a copy per minibatch: fine for a reference). ``pen`` (d,) scales the
    penalty per feature (default 1). Returns
    (Σ over minibatches of their objective, number of minibatches).
    """
    f = LOSS_GRAD[family]
    q = np.ones(W.shape[1]) if pen is None else np.asarray(pen, np.float64)
    total, nb = 0.0, 0
    for s0 in range(0, len(idx), batch_size):
        rows = idx[s0:s0 + batch_size]
        Xb = X[rows]
        if mean is not None:
            Xb = (Xb - mean) * inv_scale
        loss, G, gb = f(Xb, T[rows], sw[rows], W, b)
        m = len(rows)
        total += loss / m + penalty(W, l1, l2, q)
        nb += 1
        V = W - eta * (G / m + l2 * q * q * W)
        W[...] = soft_threshold(V, eta * l1 * q)
        if fit_intercept:
            b -= eta * gb / m
    return total, nb


def predict_proba(family, X, W, b):
    """Probabilities: sigmoid per output, or softmax over classes."""
    Z = X @ W.T + b
    return sigmoid(Z) if family == "sigmoid" else softmax(Z)


def fit_mbgd(family, X, T, sw, *, n_outputs, batch_size, eta, epochs, rng,
             l1=0.0, l2=0.0, fit_intercept=True, standardize=True):
    """Train from zero weights for ``epochs`` epochs, shuffling with ``rng``.

    Standardizes with an explicit copy (the reference may copy) and returns
    (coef, intercept) in original units and the per-epoch objective curve.
    """
    n, d = X.shape
    sw = sw * (n / sw.sum())
    mean = inv_scale = None
    if standardize:
        mean = np.average(X, axis=0, weights=sw)
        std = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=sw))
        inv_scale = np.where(std > 0, 1.0 / np.where(std > 0, std, 1.0), 1.0).astype(X.dtype)
        mean = mean.astype(X.dtype)
    W = np.zeros((n_outputs, d), X.dtype)
    b = np.zeros(n_outputs, X.dtype)
    curve = []
    for _ in range(epochs):
        idx = rng.permutation(n)
        total, nb = mbgd_epoch(family, X, T, sw, idx, batch_size, W, b, eta, l1, l2,
                               fit_intercept, mean, inv_scale)
        curve.append(total / nb)
    if standardize:
        W = W * inv_scale
        b = b - W @ mean
    return W, b, curve
