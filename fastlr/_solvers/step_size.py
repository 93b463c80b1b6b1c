"""A step size for mini-batch gradient descent taken from the data.

The logistic losses have curvature at most c·x̃x̃ᵀ per row (c = 1/4 for a
sigmoid, 1/2 for a softmax) on the preconditioned rows x̃ = (x - mean) · inv_scale.
A minibatch of B rows is stable and makes steady progress with

    η = 1 / (c · (λ_max + R² (1/B - 1/n)) + l2_max)

where λ_max is the largest eigenvalue of the weighted E[x̃ x̃ᵀ] (the full-batch
curvature, from a few power iterations) and R² the largest squared row norm
(a single extreme row in a minibatch drawn without replacement; the term
vanishes at full batch), both estimated on a random
subsample of at most ``SUBSAMPLE`` rows (and ``SUBSAMPLE_VALUES`` values of a
dense X), and l2_max the largest per-feature
L2 strength. Preconditioning makes both O(1)·(effective dimension) whatever
the units of the features, so raw, unscaled data get a safe step.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._config import kernels_loaded
from .problem import Problem

SUBSAMPLE = 4096
#: at most this many values of a dense subsample (4 MB in float64), however wide X is
SUBSAMPLE_VALUES = 500_000
POWER_ITERATIONS = 12
#: a CSR subsample storing at least this many values (or any, once the kernels are
#: loaded) runs its power iterations compiled (:mod:`fastlr._kernels.curvature`;
#: 4096 rows of a 2^18-column bag of words: 33 -> 21 ms), a smaller one in SciPy
COMPILED_VALUES = 1 << 16


def _preconditioned_rows(p: Problem, rows):
    """(matvec, rmatvec, row_sqnorms, columns) of the preconditioned subsample X̃[rows]
    (restricted to ``columns``, a slice or an index array).

    Columns are scaled before anything is squared or summed (x · inv_scale
    first), so features of 1e200 neither overflow nor lose the step."""
    Xs = p.X[rows]
    inv = np.asarray(p.inv_scale, np.float64) if p.precondition else np.ones(p.n_features)
    mu = np.asarray(p.mean, np.float64) if p.precondition else np.zeros(p.n_features)
    mu_s = mu * inv
    cols = slice(None)
    if sp.issparse(Xs):
        # only the columns the subsample stores (or that are centred) can carry the
        # curvature: the others' rows and columns of X̃ᵀX̃ are zero. On 2^22 columns
        # the power iterations otherwise spend 0.8 s on vectors of zeros. Always
        # restricted, so that the same data with more empty columns (a fit on the
        # stored columns only, see fastlr/_estimators/columns.py) gets the same step
        keep = np.zeros(p.n_features, bool)
        keep[Xs.indices] = True
        keep |= mu_s != 0
        cols = np.flatnonzero(keep)
        Xs, inv, mu_s = Xs[:, cols], inv[cols], mu_s[cols]
        Xs = sp.csr_matrix(Xs.astype(np.float64).multiply(inv[None, :]))
        sq = np.asarray(Xs.multiply(Xs).sum(axis=1)).ravel()
    else:
        Xs = np.asarray(Xs, np.float64)  # a copy already (fancy indexing): scale in place
        Xs *= inv
        sq = np.einsum("ij,ij->i", Xs, Xs)

    def matvec(v):            # X̃ v
        return np.asarray(Xs @ v).ravel() - mu_s @ v

    def rmatvec(r):           # X̃ᵀ r
        return np.asarray(Xs.T @ r).ravel() - mu_s * r.sum()

    norms = sq - 2 * np.asarray(Xs @ mu_s).ravel() + float(mu_s @ mu_s)
    return matvec, rmatvec, np.maximum(norms, 0.0), cols


def _compiled(values: int) -> bool:
    """True when a CSR subsample storing ``values`` values runs compiled."""
    return values >= COMPILED_VALUES or kernels_loaded()


def _compiled_curvature(p: Problem, rows, nnz, w, rng):
    """(λ, squared norms of the preconditioned rows) of the CSR subsample ``rows``:
    the power iterations of :func:`auto_step` in :mod:`fastlr._kernels.curvature`,
    on the same columns as :func:`_preconditioned_rows` (those the subsample stores
    or that are centred, in increasing order: the same start vector); ``nnz``: the
    values the subsample stores."""
    from .._kernels.curvature import (POWER_CHUNKS, gather_scaled_rows, mark_row_columns,
                                      power_iteration)

    X, d = p.X, p.n_features
    keep = np.zeros(d, np.bool_)
    mark_row_columns(X.indices, X.indptr, rows, keep)
    if p.precondition:
        keep[np.flatnonzero(p.mean)] = True
    cols = np.flatnonzero(keep)
    position = np.empty(d, np.intp)
    position[cols] = np.arange(cols.size)
    if p.precondition:
        inv_c = np.asarray(p.inv_scale[cols], np.float64)
        mu_c = np.asarray(p.mean[cols], np.float64) * inv_c
    else:
        inv_c, mu_c = np.ones(cols.size), np.zeros(cols.size)
    m = rows.size
    data, indices = np.empty(nnz), np.empty(nnz, np.intp)
    indptr, sq = np.empty(m + 1, np.intp), np.empty(m)
    gather_scaled_rows(X.data, X.indices, X.indptr, np.ascontiguousarray(rows, np.intp),
                       position, inv_c, mu_c, data, indices, indptr, sq)
    v = rng.standard_normal(cols.size)
    lam = power_iteration(data, indices, indptr, w, mu_c, v, POWER_ITERATIONS,
                          np.empty(m), np.empty((POWER_CHUNKS, cols.size)))
    return float(lam), sq


def auto_step(p: Problem, batch_size: int) -> float:
    """The step size η above for ``problem`` trained in minibatches of ``batch_size``
    (deterministic: the subsample has a fixed seed of its own). Rows count with
    their weights, so a weight of 2 and a repeated row give the same full-batch step."""
    n = p.n_samples
    m = min(n, SUBSAMPLE)
    if not sp.issparse(p.X):
        m = min(m, max(256, SUBSAMPLE_VALUES // max(p.n_features, 1)))
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(n, m, replace=False)) if m < n else np.arange(n)
    w = np.asarray(p.sw[rows], np.float64)   # weighted rows: a weight of 2 is a repeated row
    nnz = int((p.X.indptr[rows + 1] - p.X.indptr[rows]).sum()) if sp.issparse(p.X) else 0
    if sp.issparse(p.X) and _compiled(nnz):
        lam, sq = _compiled_curvature(p, rows, nnz, w, rng)
    else:
        matvec, rmatvec, sq, cols = _preconditioned_rows(p, rows)
        v = rng.standard_normal(p.n_features if isinstance(cols, slice) else len(cols))
        lam = 0.0
        for _ in range(POWER_ITERATIONS):
            norm = np.linalg.norm(v)
            if not norm > 0:
                break
            v = rmatvec(w * matvec(v / norm)) / w.sum()
            lam = float(np.linalg.norm(v))
    curvature = 0.25 if p.family == "sigmoid" else 0.5
    # the largest |q| squared (the same number as the largest q², without a float64
    # copy of q and its square: ~1 ms of a 2^22-column fit)
    pen = np.asarray(p.pen)
    q_max = max(float(np.max(pen, initial=0.0)), -float(np.min(pen, initial=0.0)))
    l2_max = p.l2 * q_max ** 2
    # the intercept's own curvature (c · 1) bounds λ from below
    r2 = float(sq[w > 0].max(initial=0.0))
    # minibatch noise shrinks as (1/B - 1/n) when B of n rows are drawn: none at full batch
    noise = max(0.0, 1.0 / batch_size - 1.0 / n)
    L = curvature * (max(lam, 1.0) + r2 * noise) + l2_max
    return 1.0 / L
