"""Wide sparse X whose columns are mostly empty: fit on the columns it stores.

Hashed or one-hot features often leave most of 2^20 or 2^22 columns without a
single stored value. Such a column has no data gradient, and from zero
weights every solver here leaves its weights at exactly zero: an L2 step
scales 0, an L1 step soft-thresholds 0, a preconditioned step multiplies 0,
and the L-BFGS directions are zero there (every stored step and gradient
difference is). So a fit on the stored columns alone, with the others' weights
zero, is the same model (docs/math.md §6), and its per-fit work (column
statistics, the per-feature tables of the lazy epochs, the L-BFGS vectors)
scales with the columns the data use instead of with d.

One empty column is kept in the fit: its statistics (mean 0, no spread) are
those of every empty column, so the preconditioner's values for all of them
come from the same formula, and the step size sees their penalty too.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

#: below this many columns the check (a scatter over the stored indices) costs more
#: than a fit on all columns loses
MIN_FEATURES = 1 << 19
#: fit on the stored columns when there is an empty column for every VALUES_PER_EMPTY
#: stored values: on 100k bag-of-words rows (4.5M values, 2^20 columns of which 55%
#: store a value) an empty column cost a fit of one epoch ~60 ns (its share of the
#: column statistics, the lazy epochs' tables and passes, the step size; more with
#: more epochs or outputs) and the mapping ~2 ns a stored value, so 16 leaves the
#: gain about twice the cost (side by side: binary 143 -> 124 ms, 20 classes
#: 383 -> 333 ms; with 8% of 2^18 columns empty the mapping cost 9 ms more than it
#: saved)
VALUES_PER_EMPTY = 16


#: the remapping of the stored indices runs in this many slices side by side (the
#: marking in one: threads would write into the same words of the bitset)
CHUNKS = 2


@dataclass
class StoredColumns:
    X: sp.csr_matrix        # the stored columns of the full X, and one empty column
    keep: np.ndarray        # their indices among the full X's columns (increasing)
    empty: int              # the empty column's position in ``X``
    n_features: int         # d of the full X

    def widen(self, est):
        """coef_ of ``est`` (fitted on ``X``) for all ``n_features`` columns (zero
        weights for the others); its kept column statistics widen when first read
        (:class:`WideStats`)."""
        from .. import _kernels as K
        from .._config import n_threads

        fitted = np.ascontiguousarray(est.coef_)
        coef = np.zeros((fitted.shape[0], self.n_features), fitted.dtype)
        K.widen_rows(fitted, self.keep, coef, -(-2 * n_threads() // fitted.shape[0]))
        est.coef_ = coef
        est._fastlr_stats = WideStats(self.keep, self.empty, self.n_features,
                                      tuple(est._fastlr_stats)[:3],
                                      getattr(est._fastlr_stats, "fold", False))


class WideStats:
    """Column statistics fitted on the stored columns, read as those of all columns
    (the empty column's values for the others). Only a later ``partial_fit`` reads
    them, so they are widened then, not at every fit (three d-length arrays: 49 ms
    of a 2^22-column fit). Iterates like the tuple ``(mean, inv_scale, pen)``."""

    def __init__(self, keep, empty, n_features, stats, fold=False):
        self._parts = (keep, empty, n_features, stats)
        self._full = None
        self.fold = fold  # scaling.Scaling.fold of the fit

    def __iter__(self):
        if self._full is None:  # built whole, then published (two readers at once
            keep, empty, d, stats = self._parts  # each build the same tuple)
            full = []
            for v in stats:
                w = np.full(d, v[empty], dtype=v.dtype)
                w[keep] = v
                full.append(w)
            self._full = tuple(full)
        return iter(self._full)

    def __len__(self):
        return 3


def stored_columns(X):
    """A :class:`StoredColumns` for a canonical CSR X with at least MIN_FEATURES
    columns of which enough are empty (VALUES_PER_EMPTY); None otherwise."""
    if not sp.issparse(X) or X.shape[1] < MIN_FEATURES:
        return None
    if (X.shape[1] - 1) * VALUES_PER_EMPTY < X.nnz:  # too few columns ever to pay
        return None
    from .. import _kernels as K
    from .._kernels import stored_columns as stored

    n, d = X.shape
    bits = np.zeros(stored.words(d), np.uint64)
    K.mark_stored_columns(X.indices, bits)
    empty = K.first_unmarked(bits, d)  # the first column nothing is stored in
    if empty < 0:
        return None
    bits[empty >> 6] |= np.uint64(1) << np.uint64(empty & 63)
    rank = np.empty(bits.size, X.indices.dtype)
    used = K.word_ranks(bits, rank)
    if (d - (used - 1)) * VALUES_PER_EMPTY < X.nnz:  # the empty columns, and the values
        return None
    keep = np.empty(used, np.intp)
    K.marked_columns(bits, keep)
    indices = np.empty_like(X.indices)
    K.remap_indices(X.indices, bits, rank, indices, CHUNKS)
    # increasing positions: the rows' indices stay sorted, the matrix canonical
    Xc = sp.csr_matrix((X.data, indices, X.indptr), shape=(n, used), copy=False)
    Xc.has_sorted_indices = True
    Xc.has_canonical_format = True
    return StoredColumns(X=Xc, keep=keep, empty=int(np.searchsorted(keep, empty)),
                         n_features=d)
