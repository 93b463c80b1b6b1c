"""Multilabel indicator matrices: validation, the label (column) selection
and the set operations the metrics need.

An indicator matrix ``Y`` of shape (n_samples, n_labels) has ``Y[i, j] = 1``
when sample ``i`` has label ``j``. Dense and scipy.sparse inputs are both
held as CSR arrays that store only their ones, so that per-label sums are a
``np.bincount`` over the column indices and per-sample sums the row lengths.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def _as_indicator(y, name: str) -> sp.csr_array:
    """Validate a 0/1 matrix (dense 2-D array or scipy.sparse) and return it
    as an int8 CSR array storing only its ones (a new object: the caller's
    matrix is never modified)."""
    if sp.issparse(y):
        if y.ndim != 2:
            raise ValueError(f"{name} is a sparse array with shape {y.shape}; "
                             "a multilabel indicator matrix must be 2-D.")
        if y.shape[1] == 1:
            raise ValueError(
                f"{name} is a sparse matrix with a single column; pass the class "
                "labels as a 1-D array (y.toarray().ravel())."
            )
        y = sp.csr_array(y, copy=True)
        y.sum_duplicates()
        y.eliminate_zeros()
        values = y.data
    else:
        values = y
    if values.dtype.kind not in "biuf" or not np.all((values == 0) | (values == 1)):
        raise ValueError(
            f"{name} is 2-D but not a multilabel indicator matrix (0/1 values "
            "only); multiclass-multioutput targets are not supported. Pass 1-D "
            "class labels or a 0/1 matrix with one column per label."
        )
    if sp.issparse(y):
        ones = np.ones(y.indices.shape[0], dtype=np.int8)
        return sp.csr_array((ones, y.indices, y.indptr), shape=y.shape)
    return sp.csr_array((y != 0).astype(np.int8))


def _columns(n_labels: int, labels=None) -> np.ndarray:
    """The label (column) indices to report: ``labels`` validated, or all."""
    if labels is None:
        return np.arange(n_labels)
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}.")
    if labels.shape[0] == 0:
        raise ValueError("labels must contain at least one label.")
    if labels.dtype.kind not in "iu":
        raise ValueError(
            "labels must be integer column indices for multilabel targets, got "
            f"dtype {labels.dtype}."
        )
    bad = labels[(labels < 0) | (labels >= n_labels)]
    if bad.shape[0]:
        raise ValueError(
            f"labels must be column indices in [0, {n_labels}) for multilabel "
            f"targets, got {bad.tolist()}."
        )
    if np.unique(labels).shape[0] != labels.shape[0]:
        raise ValueError("labels contains duplicate values.")
    return labels


def _intersection(a: sp.csr_array, b: sp.csr_array) -> sp.csr_array:
    """Entries that are one in both matrices (true positives)."""
    out = sp.csr_array(a.multiply(b))
    out.eliminate_zeros()
    return out


def _row_lengths(m: sp.csr_array) -> np.ndarray:
    """Number of ones in each row (int64)."""
    return np.diff(m.indptr).astype(np.int64)


def _entry_rows(m: sp.csr_array) -> np.ndarray:
    """Row index of every stored entry."""
    return np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))


def _rows_equal(a: sp.csr_array, b: sp.csr_array) -> np.ndarray:
    """Boolean mask of the samples whose two label sets are equal."""
    diff = sp.csr_array(a - b)
    diff.eliminate_zeros()
    return _row_lengths(diff) == 0
