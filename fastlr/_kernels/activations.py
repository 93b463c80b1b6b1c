"""Numerically stable scalar and row-wise activations (docs/math.md §2)."""
from __future__ import annotations

import numpy as np

from .._config import kernel


@kernel
def sigmoid(z):
    """σ(z) evaluated without overflow for any finite ``z``."""
    if z >= 0:
        return 1.0 / (1.0 + np.exp(-z))
    e = np.exp(z)
    return e / (1.0 + e)


@kernel
def log1pexp(z):
    """softplus(z) = log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))."""
    if z > 0:
        return z + np.log1p(np.exp(-z))
    return np.log1p(np.exp(z))


@kernel
def sigmoid_inplace(Z):
    """Replace every entry of the 2-D array ``Z`` by its sigmoid."""
    n, m = Z.shape
    for i in range(n):
        for k in range(m):
            Z[i, k] = sigmoid(Z[i, k])


@kernel
def log_sigmoid_inplace(Z):
    """Replace every entry of ``Z`` by log σ(z) = -softplus(-z)."""
    n, m = Z.shape
    for i in range(n):
        for k in range(m):
            Z[i, k] = -log1pexp(-Z[i, k])


@kernel
def _row_max(Z, i):
    mx = Z[i, 0]
    for k in range(1, Z.shape[1]):
        if Z[i, k] > mx:
            mx = Z[i, k]
    return mx


@kernel
def _row_logsumexp(Z, i):
    """log Σ_k exp(Z[i, k]), computed as max + log Σ exp(z - max)."""
    mx = _row_max(Z, i)
    s = 0.0
    for k in range(Z.shape[1]):
        s += np.exp(Z[i, k] - mx)
    return mx + np.log(s)


@kernel
def logsumexp_rows(Z, out):
    """``out[i] = log Σ_k exp(Z[i, k])`` with the row maximum subtracted first."""
    for i in range(Z.shape[0]):
        out[i] = _row_logsumexp(Z, i)


@kernel
def softmax_inplace(Z):
    """Row-wise softmax of ``Z`` in place (max-shifted, so it never overflows)."""
    n, m = Z.shape
    for i in range(n):
        mx = _row_max(Z, i)
        s = 0.0
        for k in range(m):
            e = np.exp(Z[i, k] - mx)
            Z[i, k] = e
            s += e
        inv = 1.0 / s
        for k in range(m):
            Z[i, k] *= inv


@kernel
def log_softmax_inplace(Z):
    """Row-wise log-softmax of ``Z`` in place: z - logsumexp(z)."""
    n, m = Z.shape
    for i in range(n):
        lse = _row_logsumexp(Z, i)
        for k in range(m):
            Z[i, k] -= lse
