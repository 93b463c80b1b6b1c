"""Data access for scipy.sparse CSR X, passed to kernels as (data, indices, indptr).

The estimators hand kernels canonical matrices (duplicates summed, indices
sorted); ``csr_row_into`` adds up duplicates all the same. Sparse rows are
never centred in place (that would make them dense): the block functions
ignore ``mean``/``center``, and :func:`.losses.loss_grad` applies centring
through the intercept and a rank-one gradient correction instead, so a CSR
matrix trains exactly as its dense twin.
"""
from __future__ import annotations

from .._config import kernel


@kernel(internal=True)
def csr_block_logits(X, idx, start, stop, W, b, Z, mean, center):
    """Z[r, k] = x_{idx[start+r]} · W[k] + b[k] over the stored entries of each row."""
    data, indices, indptr = X
    K = W.shape[0]
    zero = W.dtype.type(0)
    for r in range(stop - start):
        i = idx[start + r]
        for k in range(K):
            acc = zero
            for p in range(indptr[i], indptr[i + 1]):
                acc += data[p] * W[k, indices[p]]
            Z[r, k] = acc + b[k]


@kernel(internal=True)
def csr_block_grad(X, idx, start, stop, R, G, gb, mean, center):
    """G[k, j] += Σ_r R[r, k] x_rj over stored entries;  gb[k] += Σ_r R[r, k]."""
    data, indices, indptr = X
    K = G.shape[0]
    for r in range(stop - start):
        i = idx[start + r]
        for k in range(K):
            rk = R[r, k]
            gb[k] += rk
            for p in range(indptr[i], indptr[i + 1]):
                G[k, indices[p]] += rk * data[p]


@kernel
def csr_row_into(X, i, xt, standardize, mean, inv_scale):
    """xt = row i as a dense vector, (x - mean) · inv_scale if ``standardize``."""
    data, indices, indptr = X
    if standardize:
        for j in range(xt.shape[0]):
            xt[j] = -mean[j] * inv_scale[j]
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            xt[j] += data[p] * inv_scale[j]
    else:
        for j in range(xt.shape[0]):
            xt[j] = 0
        for p in range(indptr[i], indptr[i + 1]):
            xt[indices[p]] += data[p]
