"""Data access for dense, C-contiguous X: the only place that touches X's layout.

The loss kernels work on blocks of rows: ``block_logits`` computes the net
inputs of a block, ``block_grad`` accumulates ``Rᵀ X_block`` into the
gradient. A CSR variant is the same two functions over (data, indices, indptr);
nothing above this module needs to change for it.

Weights are stored (classes, features): each logit is a dot product of a row
of X with a contiguous row of W, which the compiler vectorises (PERF-NOTES §1).
"""
from __future__ import annotations

from .._config import kernel

#: rows per block of the fused pass: X rows stay in L1 between the forward and
#: the backward half.
BLOCK = 4


@kernel
def block_logits(X, idx, start, stop, W, b, Z):
    """Z[r, k] = x_{idx[start+r]} · W[k] + b[k] for r < stop - start."""
    K, d = W.shape
    for r in range(stop - start):
        i = idx[start + r]
        for k in range(K):
            acc = X[i, 0] * 0  # dtype of X (no hidden float64)
            for j in range(d):
                acc += X[i, j] * W[k, j]
            Z[r, k] = acc + b[k]


@kernel
def block_grad(X, idx, start, stop, R, G, gb):
    """G[k] += Σ_r R[r, k] · x_{idx[start+r]};  gb[k] += Σ_r R[r, k]."""
    K, d = G.shape
    for r in range(stop - start):
        i = idx[start + r]
        for k in range(K):
            rk = R[r, k]
            if rk != 0:
                gb[k] += rk
                for j in range(d):
                    G[k, j] += rk * X[i, j]
