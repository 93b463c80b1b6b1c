"""The preconditioner: column centres and scales, one function for every storage.

Dense arrays, canonical CSR matrices and dask arrays (whose row chunks are
either) go through the same two compiled passes of :mod:`fastlr._kernels.stats`;
a dask array runs them chunk by chunk where the chunks live and adds the
pieces up, so every storage of the same data gets the same statistics.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._config import kernels_loaded
from .dask_io import is_dask

#: columns whose largest magnitude lies outside [1e-100, 1e100] are summed in units of
#: that magnitude (their squares would overflow or underflow float64); the others in
#: their own units, where x - mean is exact for a large offset with a small spread
_UNIT_RANGE = (1e-100, 1e100)
#: magnitudes below this count as an all-zero column (1/a would overflow)
_TINY = 1e-300


#: a block of X with at most this many entries gets its column statistics from NumPy:
#: the same sums without a compiled kernel, whose first call in a process costs ~0.5 s
#: of Numba set-up even when loaded from the cache (a fifth of a small fit's process)
SMALL_ENTRIES = 1 << 17


#: dense blocks of at least this many entries are summed in STAT_CHUNKS fixed row chunks
#: in parallel (2M x 100 float32 on 2 cores: 0.39 -> ~0.2 s); a fixed chunk count keeps
#: the sums the same on any number of threads
CHUNKED_ENTRIES = 1 << 22
STAT_CHUNKS = 8


def _small(Xb):
    return Xb.shape[0] * Xb.shape[1] <= SMALL_ENTRIES and not kernels_loaded()


def _sequential_sum(A):
    """Column sums added row after row, as the kernels' loops add them (a constant
    column then has exactly its value as mean, and zero variance)."""
    if A.shape[0] == 0:
        return np.zeros(A.shape[1:])
    return np.cumsum(A, axis=0)[-1]


def _rows_of_weight(Xb, swb):
    """(rows of positive weight as float64 dense, their weights)."""
    w = np.asarray(swb, np.float64)
    keep = w != 0
    X = Xb.toarray() if sp.issparse(Xb) else Xb
    return np.asarray(X[keep], np.float64), w[keep]


def _block_sums(Xb, swb):
    d = Xb.shape[1]
    if _small(Xb):  # the kernels' sums in NumPy (a CSR block's zeros made explicit)
        X, w = _rows_of_weight(Xb, swb)
        with np.errstate(over="ignore", invalid="ignore"):
            s1 = _sequential_sum(w[:, None] * X)
        tot = float(_sequential_sum(w)) if w.size else 0.0
        return tot, s1, np.abs(X).max(axis=0, initial=0.0), np.full(d, tot)
    from .. import _kernels as K
    if not sp.issparse(Xb) and Xb.size >= CHUNKED_ENTRIES:  # the two cores share the pass
        C = STAT_CHUNKS
        S1, AMAX, TOT = np.zeros((C, d)), np.zeros((C, d)), np.zeros(C)
        K.dense_col_sums_chunks(Xb, swb, S1, AMAX, TOT)
        tot = float(np.add.reduce(TOT))
        return tot, np.add.reduce(S1, axis=0), AMAX.max(axis=0), np.full(d, tot)
    s1, amax, wnz = np.zeros(d), np.zeros(d), np.zeros(d)
    if sp.issparse(Xb):
        tot = K.csr_col_sums(Xb.data, Xb.indices, Xb.indptr, swb, s1, amax, wnz)
    else:
        tot = K.dense_col_sums(Xb, swb, s1, amax)
        wnz[:] = tot
    return tot, s1, amax, wnz


def _block_deviations(Xb, swb, m_s, inv_a):
    d = Xb.shape[1]
    if _small(Xb):
        X, w = _rows_of_weight(Xb, swb)
        wv = w[:, None] * (X * inv_a - m_s)
        return _sequential_sum(wv), _sequential_sum(wv * (X * inv_a - m_s))
    from .. import _kernels as K
    if not sp.issparse(Xb) and Xb.size >= CHUNKED_ENTRIES:
        C = STAT_CHUNKS
        S1, S2 = np.zeros((C, d)), np.zeros((C, d))
        K.dense_col_deviations_chunks(Xb, swb, m_s, inv_a, S1, S2)
        return np.add.reduce(S1, axis=0), np.add.reduce(S2, axis=0)
    s1, s2 = np.zeros(d), np.zeros(d)
    if sp.issparse(Xb):
        K.csr_col_deviations(Xb.data, Xb.indices, Xb.indptr, swb, m_s, inv_a, s1, s2)
    else:
        K.dense_col_deviations(Xb, swb, m_s, inv_a, s1, s2)
    return s1, s2


def map_row_blocks(fn, X, sw, *args):
    """[fn(X_block, sw_block, *args)] over the row blocks of X: one block in memory,
    one task per row chunk of a dask array (computed together)."""
    if not is_dask(X):
        return [fn(X, sw, *args)]
    import dask

    offsets = np.cumsum((0,) + tuple(X.chunks[0]))
    task = dask.delayed(fn, pure=True)
    parts = [task(xb, sw[a:b], *args)
             for xb, a, b in zip(X.to_delayed().ravel(), offsets[:-1], offsets[1:])]
    return list(dask.compute(*parts))


def weighted_moments(X, sw):
    """Weighted column mean and variance over the rows of positive weight.

    Returned as (mean/a, var/a², a), float64 arrays, in a unit ``a`` per column:
    1 for ordinary columns, the largest magnitude for columns so large (or so
    small) that their squares would overflow (or underflow).
    """
    sums = map_row_blocks(_block_sums, X, sw)
    tot = sum(p[0] for p in sums)
    s1 = np.sum([p[1] for p in sums], axis=0)
    amax = np.max([p[2] for p in sums], axis=0)
    zeros = tot - np.sum([p[3] for p in sums], axis=0)  # weight of implicit zeros (CSR)
    lo, hi = _UNIT_RANGE
    a = np.where((amax > hi) | ((amax < lo) & (amax > _TINY)), amax, 1.0)
    inv_a = 1.0 / a
    if np.all(np.isfinite(s1)):
        m_s = s1 / tot * inv_a
    else:  # Σ w x overflowed: sum again in scaled units
        parts = map_row_blocks(_block_deviations, X, sw, np.zeros_like(a), inv_a)
        m_s = np.sum([p[0] for p in parts], axis=0) / tot
    parts = map_row_blocks(_block_deviations, X, sw, m_s, inv_a)
    c = np.sum([p[0] for p in parts], axis=0) - zeros * m_s
    s2 = np.sum([p[1] for p in parts], axis=0) + zeros * m_s * m_s
    corr = c / tot
    return m_s + corr, np.maximum(s2 / tot - corr * corr, 0.0), a


#: curvature of the logistic loss per unit of feature variance (its largest value,
#: at p = 1/2), the weight of the data term in the preconditioner
CURVATURE = 0.25


def preconditioner(X, sw, *, fit_intercept, l2, standardized_penalty, dtype, centre=True):
    """(mean, inv_scale, pen) the solvers train with, in ``dtype``.

    Rows are trained as x̃ = (x - mean) · inv_scale. Columns are centred on
    their weighted mean (only with an intercept to absorb it; without one
    nothing is centred and the spread is the root mean square). The scale
    evens out the diagonal of the objective's curvature, data term and L2
    penalty together: feature j has curvature about c·var_j + l2·q_j² per
    unit of its coefficient (c = 1/4; q_j = 1 for a penalty on coef_, the
    standard deviation for ``standardize=True``), so

        inv_scale_j = 1 / sqrt(var_j + l2 q_j² / c)

    which is 1/std for ordinary columns, and keeps rare features (tiny
    variance) from an ill-conditioned penalty term. This is numerics only: the
    model is the same in any units. ``pen`` = q · inv_scale states the penalty
    in the trained units (see :class:`fastlr._solvers.problem.Problem`).
    Storage never matters: CSR is centred through the intercept inside the
    kernels, exactly as dense rows are.

    ``centre=False`` trains uncentred rows even with an intercept (mean = 0,
    the spread then the root mean square): the lazy sparse MBGD epochs need
    that (a centred sparse row is dense). The penalty's units (q) do not
    change, so neither does the model.
    """
    d = X.shape[1]
    m_s, var_s, a = weighted_moments(X, sw)
    if not fit_intercept:
        var_s, m_s = var_s + m_s * m_s, np.zeros(d)
    sd_s = np.sqrt(var_s)
    constant = sd_s <= 1e-12 * np.maximum(1.0 / a, np.abs(m_s))
    sd_s = np.where(constant, 0.0, sd_s)
    # in units of a: std_j = a_j sd_s_j; q_j is 1 or std_j
    q_s = np.where(constant, 1.0 / a, sd_s) if standardized_penalty else 1.0 / a
    if not centre:
        sd_s, m_s = np.sqrt(sd_s * sd_s + m_s * m_s), np.zeros(d)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        var_pen_s = sd_s * sd_s + l2 * q_s * q_s / CURVATURE   # in units of a²
        inv_scale = np.where(var_pen_s > 0, (1.0 / a) / np.sqrt(var_pen_s), 1.0)
    inv_scale = np.where(np.isfinite(inv_scale) & (inv_scale > 0), inv_scale, 1.0)
    q = q_s * a
    pen = q * inv_scale
    return (m_s * a).astype(dtype), inv_scale.astype(dtype), pen.astype(dtype)
