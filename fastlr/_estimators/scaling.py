"""The preconditioner: column centres and scales, one function for every storage.

Dense arrays, canonical CSR matrices and dask arrays (whose row chunks are
either) go through the same two compiled passes of :mod:`fastlr._kernels.stats`;
a dask array runs them chunk by chunk where the chunks live and adds the
pieces up, so every storage of the same data gets the same statistics.
"""
from __future__ import annotations

from typing import NamedTuple

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


def _needs_units(amax):
    """True per column whose largest magnitude lies outside _UNIT_RANGE (and is not 0)."""
    lo, hi = _UNIT_RANGE
    return (amax > hi) | ((amax < lo) & (amax > _TINY))


#: a block of X with at most this many entries gets its column statistics from NumPy:
#: the same sums without a compiled kernel, whose first call in a process costs ~0.5 s
#: of Numba set-up even when loaded from the cache (a fifth of a small fit's process)
SMALL_ENTRIES = 1 << 17


#: dense blocks of at least this many entries are summed in STAT_CHUNKS fixed row chunks
#: in parallel (2M x 100 float32 on 2 cores: 0.39 -> ~0.2 s); a fixed chunk count keeps
#: the sums the same on any number of threads
CHUNKED_ENTRIES = 1 << 22
STAT_CHUNKS = 8
#: CSR blocks with at least this many stored values (and 4 per column) are summed in
#: CSR_CHUNKS fixed row chunks in parallel, each into accumulators of its own
#: (100k x 2^18 bag of words, 4.4M values: 50 -> 23 ms with the lean sums below)
CSR_CHUNKED_VALUES = 1 << 20
CSR_CHUNKS = 2
#: from this many columns on, the per-column formulas after the sums run as compiled
#: loops (``moments_from_squares``, ``column_scaling``) instead of NumPy expressions: a
#: dozen passes over d-long float64 arrays took 60 ms of a fit on 942k columns, and a
#: problem this wide loads the kernels anyway; narrower ones keep NumPy (results agree
#: to rounding)
COMPILED_COLUMNS = 1 << 16
#: bytes of rows per block of the one-pass moments (read twice, the second time from
#: the cache)
MOMENT_BLOCK_BYTES = 1 << 16


class NonFinite(ValueError):
    """The one-pass moments met a NaN or an inf in X (the caller's checks name it)."""


def fused_finite_check(X) -> bool:
    """True when the column statistics of X come from the one-pass kernel, which
    also sees every NaN and inf of X: a fit may then leave X's finiteness check to
    :func:`preconditioner` (one pass over X fewer)."""
    return isinstance(X, np.ndarray) and X.ndim == 2 and X.size >= CHUNKED_ENTRIES \
        and X.dtype in (np.float32, np.float64)


def _one_pass_moments(X, sw):
    """(mean, var, a = 1) of a large dense X from one pass over memory, or None when a
    column needs units other than 1 or a sum overflowed (the caller then takes the
    two passes). Raises :class:`NonFinite` when X holds a NaN or an inf."""
    from .. import _kernels as K

    C, d = STAT_CHUNKS, X.shape[1]
    MEAN, M2, AMAX = np.zeros((C, d)), np.zeros((C, d)), np.zeros((C, d))
    TOT, FINITE = np.zeros(C), np.ones(C, np.bool_)
    rows = max(1, MOMENT_BLOCK_BYTES // max(1, d * X.itemsize))
    # float32 magnitudes lie within _UNIT_RANGE or are 0 (|x| <= 3.4e38, >= 1.4e-45):
    # their largest magnitudes can only say "units of 1", so they are not tracked
    K.dense_col_moments_chunks(X, sw, rows, MEAN, M2, AMAX, TOT, FINITE,
                               X.dtype != np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        tot, mean, m2 = 0.0, np.zeros(d), np.zeros(d)
        for c in range(C):  # Chan's merge, in chunk order
            if TOT[c] == 0:
                continue
            new = tot + TOT[c]
            delta = MEAN[c] - mean
            mean = mean + delta * (TOT[c] / new)
            m2 = m2 + M2[c] + delta * delta * (tot * TOT[c] / new)
            tot = new
        amax = AMAX.max(axis=0)
        ok = np.isfinite(mean).all() and np.isfinite(m2).all()
    if not FINITE.all() or not (ok or K.all_finite(X)):  # else a sum overflowed
        raise NonFinite("X contains NaN or infinity")
    if not ok or _needs_units(amax).any():
        return None
    return mean, np.maximum(m2 / tot, 0.0), np.ones(d)


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


def _block_sums(Xb, swb, full=False, threads=True):
    d = Xb.shape[1]
    if _small(Xb):  # the kernels' sums in NumPy (a CSR block's zeros made explicit)
        X, w = _rows_of_weight(Xb, swb)
        with np.errstate(over="ignore", invalid="ignore"):
            s1 = _sequential_sum(w[:, None] * X)
        tot = float(_sequential_sum(w)) if w.size else 0.0
        return tot, s1, np.abs(X).max(axis=0, initial=0.0), np.full(d, tot), None
    from .. import _kernels as K
    if not sp.issparse(Xb) and Xb.size >= CHUNKED_ENTRIES:  # the two cores share the pass
        C = STAT_CHUNKS
        S1, AMAX, TOT = np.zeros((C, d)), np.zeros((C, d)), np.zeros(C)
        K.dense_col_sums_chunks(Xb, swb, S1, AMAX, TOT)
        tot = float(np.add.reduce(TOT))
        return tot, np.add.reduce(S1, axis=0), AMAX.max(axis=0), np.full(d, tot), None
    if sp.issparse(Xb):
        # float32 values never need other units, and the weight of the stored entries
        # only the two-pass fallback needs (it asks with full=True): Σ x and Σ x² alone
        lean = Xb.data.dtype == np.float32 and not full
        # one chunk for a dask block: its tasks already run side by side, each with
        # accumulators of its own
        C = CSR_CHUNKS if threads and Xb.nnz >= max(CSR_CHUNKED_VALUES, 4 * d) else 1
        acc, TOT = np.zeros((C, d, 2 if lean else 4)), np.zeros(C)
        bounds = np.searchsorted(Xb.indptr, np.arange(C + 1) * (Xb.nnz / C))
        bounds[0], bounds[-1] = 0, Xb.shape[0]
        K.csr_col_sums(Xb.data, Xb.indices, Xb.indptr, swb, bounds, acc, TOT)
        acc = acc[0]  # the chunks merged into the first
        tot = float(np.add.reduce(TOT))
        if lean:
            return tot, acc[:, K.SUM], None, None, acc[:, K.SUMSQ]
        return tot, acc[:, K.SUM], acc[:, K.AMAX], acc[:, K.WNZ], acc[:, K.SUMSQ]
    s1, amax, wnz = np.zeros(d), np.zeros(d), np.zeros(d)
    tot = K.dense_col_sums(Xb, swb, s1, amax)
    wnz[:] = tot
    return tot, s1, amax, wnz, None


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


#: the variance from Σ w x² - (Σ w x)²/Σ w is taken when it is at least this fraction
#: of mean²: its relative error is then at most ~1e3 times the rounding of the sums
_CANCELLATION = 1e-3


def _moments_from_squares(tot, s1, s2, amax):
    """(mean, var, a = 1) from the sums of x and x² (one pass over a CSR matrix's
    stored values, whose implicit zeros add nothing to either), or None when a
    column needs units other than 1 or its variance would cancel (a column of
    large values with a small spread): the caller then takes the two passes.
    ``amax`` None: float32 values, which never need other units."""
    if (amax is not None and _needs_units(amax).any()) or not tot > 0:
        return None
    if len(s1) >= COMPILED_COLUMNS:
        from .. import _kernels as K

        mean, var = np.empty(len(s1)), np.empty(len(s1))
        if not K.moments_from_squares(float(tot), s1, s2, _CANCELLATION, mean, var):
            return None
        return mean, var, np.ones_like(mean)
    mean = s1 / tot
    var = s2 / tot - mean * mean
    if not (np.isfinite(var).all() and (var >= _CANCELLATION * mean * mean).all()):
        return None
    return mean, var, np.ones_like(mean)


def _add_blocks(parts):
    """The blocks' sums added (one block in memory: its own array, no stacked copy)."""
    return parts[0] if len(parts) == 1 else np.sum(parts, axis=0)


def weighted_moments(X, sw):
    """Weighted column mean and variance over the rows of positive weight.

    Returned as (mean/a, var/a², a), float64 arrays, in a unit ``a`` per column:
    1 for ordinary columns, the largest magnitude for columns so large (or so
    small) that their squares would overflow (or underflow). A large dense X
    takes one pass over memory (:func:`_one_pass_moments`, which raises
    :class:`NonFinite` for a NaN or an inf), and so does CSR X
    (:func:`_moments_from_squares`); any other X, a column that needs other
    units, or one whose variance would cancel, the two passes below.
    """
    if fused_finite_check(X) and not is_dask(X):
        moments = _one_pass_moments(X, sw)
        if moments is not None:
            return moments
    in_memory = not is_dask(X)
    sums = map_row_blocks(_block_sums, X, sw, False, in_memory)
    tot = sum(p[0] for p in sums)
    s1 = _add_blocks([p[1] for p in sums])
    if all(p[4] is not None for p in sums):  # CSR: Σ w x² came with the sums
        amax = (None if any(p[2] is None for p in sums) else
                np.max([p[2] for p in sums], axis=0))
        moments = _moments_from_squares(tot, s1, _add_blocks([p[4] for p in sums]), amax)
        if moments is not None:
            return moments
    if any(p[2] is None for p in sums):  # lean float32 sums: the fallback needs them all
        sums = map_row_blocks(_block_sums, X, sw, True, in_memory)
    amax = np.max([p[2] for p in sums], axis=0)
    zeros = tot - np.sum([p[3] for p in sums], axis=0)  # weight of implicit zeros (CSR)
    a = np.where(_needs_units(amax), amax, 1.0)
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


class Scaling(NamedTuple):
    """What :func:`preconditioner` returns: the columns' training statistics, and
    whether the mean may go through the intercept (see ``fold``)."""
    mean: np.ndarray
    inv_scale: np.ndarray
    pen: np.ndarray
    #: the passes centre through the intercept: always for CSR rows (a centred sparse
    #: row is dense) and when nothing is centred; for dense rows (serial MBGD epochs,
    #: the exact solvers' full passes) when every column's mean is within one
    #: standard deviation of 0 (a constant column's: is 0). Then (x - m)·w =
    #: x·w - m·w loses at most about one bit to cancellation (docs/math.md §7); a
    #: column far from 0 relative to its spread (raw units, a year, a timestamp)
    #: keeps every dense row centred on the fly
    fold: bool = False


def mean_within_spread(m_s, var_s) -> bool:
    """True when |mean_j| <= std_j for every column (moments in any common units)."""
    return bool(np.all(m_s * m_s <= var_s))


def preconditioner(X, sw, *, fit_intercept, l2, standardized_penalty, dtype, centre=True):
    """:class:`Scaling` (mean, inv_scale, pen, fold) the solvers train with, in ``dtype``.

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
    fold = sp.issparse(X) or not (centre and fit_intercept) or mean_within_spread(m_s, var_s)
    if d >= COMPILED_COLUMNS:
        from .. import _kernels as K

        mean, inv_scale, pen = np.empty(d, dtype), np.empty(d, dtype), np.empty(d, dtype)
        K.column_scaling(m_s, var_s, a, bool(fit_intercept), bool(standardized_penalty),
                         bool(centre), float(l2), CURVATURE, mean, inv_scale, pen)
        return Scaling(mean, inv_scale, pen, fold)
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
    return Scaling((m_s * a).astype(dtype), inv_scale.astype(dtype), pen.astype(dtype), fold)
