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

from .problem import Problem

SUBSAMPLE = 4096
#: at most this many values of a dense subsample (4 MB in float64), however wide X is
SUBSAMPLE_VALUES = 500_000
POWER_ITERATIONS = 12


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
    matvec, rmatvec, sq, cols = _preconditioned_rows(p, rows)
    w = np.asarray(p.sw[rows], np.float64)   # weighted rows: a weight of 2 is a repeated row
    v = rng.standard_normal(p.n_features if isinstance(cols, slice) else len(cols))
    lam = 0.0
    for _ in range(POWER_ITERATIONS):
        norm = np.linalg.norm(v)
        if not norm > 0:
            break
        v = rmatvec(w * matvec(v / norm)) / w.sum()
        lam = float(np.linalg.norm(v))
    curvature = 0.25 if p.family == "sigmoid" else 0.5
    l2_max = p.l2 * float(np.max(np.asarray(p.pen, np.float64) ** 2, initial=0.0))
    # the intercept's own curvature (c · 1) bounds λ from below
    r2 = float(sq[w > 0].max(initial=0.0))
    # minibatch noise shrinks as (1/B - 1/n) when B of n rows are drawn: none at full batch
    noise = max(0.0, 1.0 / batch_size - 1.0 / n)
    L = curvature * (max(lam, 1.0) + r2 * noise) + l2_max
    return 1.0 / L
