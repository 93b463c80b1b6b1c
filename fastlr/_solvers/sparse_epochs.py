"""MBGD epochs on wide sparse data in O(stored values), with lazy penalties.

:func:`lazy_epochs_pay` says when a problem trains this way (the rule the
estimators use to decide, before computing the preconditioner, whether
rows are centred); :class:`LazyEpochRunner` runs the epochs with
:func:`fastlr._kernels.lazy.lazy_csr_epoch` and keeps the weights in its
(d, K) layout between epochs, writing them back into the solver's (K, d)
array after each epoch; :func:`lazy_workspace` sizes the kernel's compact
per-minibatch arrays. When the rows store values in few of the columns (a
chunk of a wide stream), :func:`stored_columns` renumbers them and the epochs
run on those columns alone, the others brought up to date in one pass
(:func:`fastlr._kernels.lazy_columns.catch_up_columns`).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from .._layout import ROWS
from .._readonly import kernel_view
from .problem import Problem

#: the eager epoch costs O(K·d) per minibatch on top of the data; lazy updates pay
#: when the columns outnumber the stored values of a minibatch by this factor
WIDE = 4


def lazy_epochs_pay(X, batch_size) -> bool:
    """True for a CSR X with more than ``WIDE`` times as many columns as a
    minibatch of ``batch_size`` rows stores values: there MBGD trains uncentred
    rows with lazy penalty updates (same model; see docs/math.md §6)."""
    if not sp.issparse(X):
        return False
    n, d = X.shape
    per_batch = min(max(1, batch_size), max(n, 1)) * X.nnz / max(n, 1)
    return d > WIDE * max(per_batch, 1.0)


def lazy_epochs_apply(p: Problem) -> bool:
    """True when ``p`` trains with lazy epochs: CSR rows that are not centred."""
    return sp.issparse(p.X) and not (p.precondition and p.centred)


def lazy_workspace(indptr, n_features, n_outputs, batch_size, dtype):
    """The per-minibatch workspace of :func:`fastlr._kernels.lazy.lazy_csr_epoch`:
    ``(Wc, Gc, C, pos, touched)`` for the at most min(d, values a minibatch
    can store) features of one minibatch and one row more (the one-output gather
    writes every value into the next free row), and ``F``'s dtype (float32 counts
    steps and compact rows exactly below 2^24, float64 beyond). ``pos`` and
    ``touched`` are unsigned: an unsigned index needs no test for a negative one."""
    n = len(indptr) - 1
    longest = int(np.diff(indptr).max()) if n else 0
    nnz = int(indptr[-1]) if n else 0
    values = max(1, min(nnz, min(max(1, batch_size), max(n, 1)) * longest))
    m = max(1, min(n_features, values)) + 1  # and a free row the gather may write
    batches = -(-n // max(1, batch_size))
    table = dtype if max(batches, m) < 1 << 24 else np.float64
    return (np.zeros((m, n_outputs), dtype), np.zeros((m, n_outputs), dtype),
            np.zeros((4, m), table), np.zeros(values, np.uint32 if m < 1 << 32 else np.uintp),
            np.zeros(m, np.uintp)), table


#: a lazy epoch runs on the columns its rows store when the others, times this, reach
#: the stored values (see :func:`stored_columns`)
VALUES_PER_FREE = 16
#: nor on fewer columns than this: the marking would cost more than it saves
MIN_COLUMNS = 1 << 16
#: the renumbering of the stored indices runs in this many slices side by side
CHUNKS = 2


class StoredColumns(NamedTuple):
    keep: np.ndarray       # the columns the rows store values in, increasing
    indices: np.ndarray    # the rows' indices renumbered to positions in ``keep``


def stored_columns(indices, d):
    """A :class:`StoredColumns` for CSR ``indices`` over ``d`` columns when enough of
    the columns store no value, else None. The epochs then fill, walk and write back
    their per-feature table for the stored columns only, and
    :func:`fastlr._kernels.lazy_columns.catch_up_columns` brings the others up to
    date in one pass over the weights (the same weights: a column without values only
    takes penalty-only steps). The cost, a scatter over the indices and their
    renumbering (~2 ns a value), against ~15 ns an empty column saves an epoch:
    a call of partial_fit on 64 bag-of-words rows over 2^20 columns, side by side:
    24 -> 10 ms (binary), 10 chunks of 10,000 rows: 299 -> 234 ms (binary), 1,355 ->
    828 ms (20 classes)."""
    from .._kernels import mark_stored_columns, marked_columns, remap_indices, word_ranks
    from .._kernels.stored_columns import words

    nnz = indices.shape[0]
    if d < MIN_COLUMNS or d * VALUES_PER_FREE < nnz:
        return None
    bits = np.zeros(words(d), np.uint64)
    mark_stored_columns(indices, bits)
    rank = np.empty(bits.size, indices.dtype)
    used = word_ranks(bits, rank)
    if (d - used) * VALUES_PER_FREE < nnz:
        return None
    keep = np.empty(used, np.intp)
    marked_columns(bits, keep)
    renumbered = np.empty_like(indices)
    remap_indices(indices, bits, rank, renumbered, CHUNKS)
    return StoredColumns(keep, renumbered)


def trains_in_original_units(p: Problem, solver: str) -> bool:
    """True when ``solver`` trains ``p`` with its weights in the user's units (those of
    ``coef_``): MBGD's lazy epochs on preconditioned rows, which are never centred,
    so a unit change is a scale per column (coef_j = W_j · inv_scale_j, the intercept
    unchanged). :class:`LazyEpochRunner` then takes the weights in and writes them
    out with the scale applied, in the passes that move them between layouts anyway,
    instead of two passes more over all K·d weights for the unit changes around
    every fit and every call of ``partial_fit``."""
    return solver == "mbgd" and bool(p.precondition) and lazy_epochs_apply(p)


class LazyEpochRunner:
    """Same interface as :class:`fastlr._solvers.mbgd.EpochRunner`. With
    ``original_units`` the weights passed in are in the user's units, only read
    (they may be the estimator's ``coef_``); each epoch writes its weights, in the
    user's units too, into an array of its own, :meth:`weights`. ``columns`` is the
    :class:`StoredColumns` the epochs run on (None: all of them); then each epoch
    writes its columns into ``fitted`` and :func:`catch_up_columns
    <fastlr._kernels.lazy_columns.catch_up_columns>` writes every weight, saying
    whether they are finite (:meth:`all_finite`)."""

    def __init__(self, problem: Problem, batch_size: int, original_units: bool = False):
        from .._kernels.lazy_penalty import feature_columns, feature_table

        p = self.p = problem
        self.batch_size = batch_size
        self.fam, self.Y, self.y = p.kernel_args
        self.data, self.indices, self.indptr = p.kernel_X
        K, d, dt = p.n_outputs, p.n_features, p.dtype
        inv = p.inv_scale if p.precondition else np.ones(d, dt)
        self.unit = p.inv_scale if original_units else np.zeros(0, dt)
        pen = p.pen
        # rows that store values in few of the columns: the epochs on those columns,
        # renumbered, and the others caught up in one pass (lazy_columns)
        self.columns = stored_columns(self.indices, d)
        if self.columns is not None:
            keep, self.indices = self.columns.keep, self.columns.indices
            inv, pen = inv[keep], pen[keep]
            unit = self.unit[keep] if original_units else self.unit
            d = keep.size
        self.S = np.empty((d, K), dt)  # the weights, taken in by the first epoch
        self.gb = np.zeros(K, dt)
        self.Z = np.zeros((max(1, min(batch_size, ROWS)), K), dt)
        # the per-feature table in the weights' dtype (float32 data: 16 bytes a feature,
        # half the cache misses) while a float32 counts exactly; float64 otherwise
        self.work, table = lazy_workspace(self.indptr, d, K, batch_size, dt)
        same = K == 1 and np.array_equal(np.asarray(inv, dt), np.asarray(pen, dt))
        # filled whole by feature_table: not zeroed first (16 MB a call of partial_fit
        # on 2^20 columns)
        self.F = np.empty((d, feature_columns(K, float(p.l2), same)), table)
        feature_table(inv, pen, bool(p.precondition), self.F)
        self.out = np.empty((K, p.n_features), dt) if original_units else None
        if self.columns is not None:  # the epoch's own units and output, on its columns
            self.unit_c, self.fitted = unit, np.empty((K, d), dt)
        self._W = self._finite = None

    def weights(self, W):
        """The array the last epoch wrote its weights into (given it ``W``)."""
        return W if self.out is None else self.out

    def __call__(self, order, W, b, eta):
        from .._kernels.lazy import lazy_csr_epoch
        from .._kernels.lazy_columns import catch_up_columns, take_columns
        from .._kernels.lazy_penalty import take_weights

        p = self.p
        cols = self.columns
        if self._W is not W:  # a new weight array: take it in (the first epoch; only
            Wv = kernel_view(W)  # read: coef_ may be read-only)
            if cols is None:
                take_weights(Wv, self.S, self.unit)
            else:
                take_columns(Wv, cols.keep, self.S, self.unit, CHUNKS)
            self._W = self.weights(W)
        Wc, Gc, C, pos, touched = self.work
        l1, l2 = float(p.l1), float(p.l2)
        total, nb, finite = lazy_csr_epoch(
            self.fam, self.data, self.indices, self.indptr, self.Y, self.y, p.sw, order,
            self.batch_size, self.S, b, self.gb, self.Z, eta, l1, l2,
            bool(p.fit_intercept), self.F, Wc, Gc, C, pos, touched,
            self.weights(W) if cols is None else self.fitted,
            self.unit if cols is None else self.unit_c)
        self._finite = None
        if cols is not None and finite:
            pen1, pen2, self._finite = catch_up_columns(
                kernel_view(W), self.fitted, cols.keep, p.pen, self.unit, nb, eta * l1,
                eta * l2, self.F[:0, 0], self.weights(W), CHUNKS)
            total += nb * (l1 * pen1 + 0.5 * l2 * pen2)
        return total, nb, finite

    def all_finite(self, W):
        """Whether the weights the last epoch wrote (``self.weights(W)``) are all
        finite: known from its pass over them when it ran on the stored columns."""
        from .._kernels import all_finite

        return all_finite(W) if self._finite is None else bool(self._finite)
