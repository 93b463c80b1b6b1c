"""Column statistics for standardization, without a copy of X.

Two passes over the rows of positive weight, accumulated in float64:

1. ``*_col_sums``: total weight, Σ w x and max |x| per column;
2. ``*_col_deviations``: Σ w d and Σ w d² of d = x·u - m·u, with m the mean
   from pass 1 and u a unit per column (1, or 1/max|x| for columns of 1e200 or
   ±1.7e308 whose squares would overflow): the corrected two-pass algorithm,
   where Σ w d (zero in exact arithmetic) repairs the rounding of the mean,
   and x - m is exact for a large offset with a small spread.

Dense X is a 2-D array; CSR X the ``(data, indices, indptr)`` triple of a
canonical matrix (no duplicate entries). For CSR the implicit zeros are the
caller's: a column's stored rows carry weight ``wnz[j]``, its zeros the rest.
Every function *adds* into its output arrays, so row chunks (dask) accumulate
into the same buffers.
"""
from __future__ import annotations

import numpy as np

from .._config import kernel, prange


@kernel(internal=True)
def _dense_col_sums_rows(X, sw, start, stop, s1, amax):
    d = X.shape[1]
    tot = 0.0
    for i in range(start, stop):
        w = np.float64(sw[i])
        if w == 0.0:
            continue
        tot += w
        for j in range(d):
            x = np.float64(X[i, j])
            s1[j] += w * x
            a = abs(x)
            if a > amax[j]:
                amax[j] = a
    return tot


@kernel(internal=True)
def _dense_col_deviations_rows(X, sw, start, stop, m_s, inv_a, s1, s2):
    d = X.shape[1]
    for i in range(start, stop):
        w = np.float64(sw[i])
        if w == 0.0:
            continue
        for j in range(d):
            v = np.float64(X[i, j]) * inv_a[j] - m_s[j]
            s1[j] += w * v
            s2[j] += w * v * v


@kernel
def dense_col_sums(X, sw, s1, amax):
    """s1[j] += Σ_i w_i x_ij, amax[j] = max(amax[j], |x_ij|) over w_i > 0; returns Σ w_i."""
    return _dense_col_sums_rows(X, sw, 0, X.shape[0], s1, amax)


@kernel
def dense_col_deviations(X, sw, m_s, inv_a, s1, s2):
    """s1[j] += Σ w d, s2[j] += Σ w d² with d = x·inv_a[j] - m_s[j], over w > 0."""
    _dense_col_deviations_rows(X, sw, 0, X.shape[0], m_s, inv_a, s1, s2)


@kernel(parallel=True)
def dense_col_sums_chunks(X, sw, S1, AMAX, TOT):
    """:func:`dense_col_sums` over ``S1.shape[0]`` fixed row chunks, in parallel, chunk c
    into S1[c], AMAX[c], TOT[c] (the caller adds them up in chunk order: the same
    result whatever the thread count)."""
    n = X.shape[0]
    C = S1.shape[0]
    for c in prange(C):
        TOT[c] = _dense_col_sums_rows(X, sw, (c * n) // C, ((c + 1) * n) // C, S1[c],
                                      AMAX[c])


@kernel(parallel=True)
def dense_col_deviations_chunks(X, sw, m_s, inv_a, S1, S2):
    """:func:`dense_col_deviations` over ``S1.shape[0]`` fixed row chunks, in parallel."""
    n = X.shape[0]
    C = S1.shape[0]
    for c in prange(C):
        _dense_col_deviations_rows(X, sw, (c * n) // C, ((c + 1) * n) // C, m_s, inv_a,
                                   S1[c], S2[c])


@kernel
def csr_col_sums(data, indices, indptr, sw, s1, amax, wnz):
    """:func:`dense_col_sums` over stored entries; wnz[j] += weight of rows storing column j."""
    n = indptr.shape[0] - 1
    tot = 0.0
    for i in range(n):
        w = np.float64(sw[i])
        if w == 0.0:
            continue
        tot += w
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            x = np.float64(data[p])
            s1[j] += w * x
            wnz[j] += w
            a = abs(x)
            if a > amax[j]:
                amax[j] = a
    return tot


@kernel
def csr_col_deviations(data, indices, indptr, sw, m_s, inv_a, s1, s2):
    """:func:`dense_col_deviations` over the stored entries only."""
    n = indptr.shape[0] - 1
    for i in range(n):
        w = np.float64(sw[i])
        if w == 0.0:
            continue
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            v = np.float64(data[p]) * inv_a[j] - m_s[j]
            s1[j] += w * v
            s2[j] += w * v * v
