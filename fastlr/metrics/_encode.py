"""Label encoding for single-label targets: every label is mapped to its
position in the list of reported labels, so that each metric is a
``np.bincount`` (no Python loop over samples).

Labels are compared exactly: integer arrays of different dtypes (say int64
and uint64, which NumPy would promote to float64 and so round above 2**53)
are brought to a common exact integer type first.
"""

from __future__ import annotations

import numpy as np

_INT64_MAX = np.iinfo(np.int64).max


def _kind_group(arr: np.ndarray) -> str:
    kind = arr.dtype.kind
    if kind in "biuf":
        return "number"
    if kind == "U":
        return "string"
    if kind == "S":  # b"a" != "a": bytes and str labels never match
        return "bytes"
    if kind == "O":
        return "object"
    return kind


def _exact_integer_dtype(arrays):
    """Common dtype for integer arrays whose NumPy promotion is inexact.

    int64 with uint64 promotes to float64. Without uint64 values above the
    int64 range, int64 holds everything; without negative values, uint64
    does; otherwise (both present) only Python integers do.
    """
    unsigned = [a for a in arrays if a.dtype.kind == "u" and a.size]
    signed = [a for a in arrays if a.dtype.kind == "i" and a.size]
    if all(a.max() <= _INT64_MAX for a in unsigned):
        return np.dtype(np.int64)
    if all(a.min() >= 0 for a in signed):
        return np.dtype(np.uint64)
    return np.dtype(object)


def _concatenate(arrays) -> np.ndarray:
    """``np.concatenate`` that keeps integer labels exact."""
    if all(a.dtype.kind in "biu" for a in arrays):
        dtype = np.result_type(*arrays)
        if dtype.kind not in "biu":
            dtype = _exact_integer_dtype(arrays)
            arrays = [a.astype(dtype) for a in arrays]
    return np.concatenate(arrays)


def _encode(y_true, y_pred, labels=None):
    """Encode labels as integers.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n_samples,)
        Validated 1-D label arrays.
    labels : array-like of shape (K,), optional
        The labels to report, in this order.

    Returns
    -------
    labels : ndarray of shape (K,)
        The reported labels; without ``labels``, the sorted union of the labels
        of both arrays.
    t, p : ndarray of shape (n_samples,)
        For every sample, the position of its true / predicted label in
        ``labels``, or -1 if it is not one of them.
    """
    arrays = [y_true, y_pred]
    if labels is not None:
        labels = np.asarray(labels)
        if labels.ndim != 1:
            raise ValueError(f"labels must be 1-D, got shape {labels.shape}.")
        if labels.shape[0] == 0:
            raise ValueError("labels must contain at least one label.")
        if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
            raise ValueError("labels contains NaN or infinity.")
        arrays.append(labels)
    groups = {_kind_group(a) for a in arrays} - {"object"}
    if len(groups) > 1:
        raise ValueError(
            "Mix of label types: y_true, y_pred (and labels) must all hold "
            f"numbers, all hold str or all hold bytes, got {sorted(groups)}."
        )
    try:
        uniq, inverse = np.unique(_concatenate(arrays), return_inverse=True)
    except TypeError as exc:  # an object array mixing str and int, or str and bytes
        raise ValueError(
            f"Mix of label types: the labels cannot be compared / sorted ({exc})."
        ) from exc
    inverse = inverse.reshape(-1)
    n = y_true.shape[0]
    inv_true, inv_pred = inverse[:n], inverse[n : 2 * n]
    if labels is None:
        return uniq, inv_true, inv_pred
    inv_labels = inverse[2 * n :]
    k = inv_labels.shape[0]
    if np.unique(inv_labels).shape[0] != k:
        raise ValueError("labels contains duplicate values.")
    position = np.full(uniq.shape[0], -1, dtype=np.intp)
    position[inv_labels] = np.arange(k)
    return labels, position[inv_true], position[inv_pred]
