"""Counting: the confusion matrix, accuracy and the per-label TP / predicted /
true sums that precision, recall and F1 are computed from."""

from __future__ import annotations

import numpy as np

from ._encode import _encode
from ._validation import _check_targets


def _count_dtype(sample_weight):
    """int64 for no or integer / bool weights, float64 for float weights (as
    scikit-learn's confusion matrix)."""
    if sample_weight is None or sample_weight.dtype.kind in "biu":
        return np.dtype(np.int64)
    return np.dtype(np.float64)


def _bincount(idx, weights, minlength, dtype):
    """``np.bincount`` that is exact for integer weights.

    ``np.bincount`` sums weights in float64, which loses units above 2**53;
    integer weights are summed in int64 instead (``np.add.at``).
    """
    if weights is None or dtype.kind == "f":
        out = np.bincount(idx, weights=weights, minlength=minlength)
        return out.astype(dtype, copy=False)
    out = np.zeros(minlength, dtype=dtype)
    np.add.at(out, idx, weights.astype(dtype, copy=False))
    return out


def _counts(y_true, y_pred, labels, sample_weight):
    """Per-label TP, predicted and true sums (over *all* samples)."""
    y_true, y_pred, sample_weight = _check_targets(y_true, y_pred, sample_weight)
    labels, t, p = _encode(y_true, y_pred, labels)
    k = labels.shape[0]
    dtype = _count_dtype(sample_weight)
    w = sample_weight
    hit = (t == p) & (t >= 0)
    in_t, in_p = t >= 0, p >= 0
    tp = _bincount(t[hit], None if w is None else w[hit], k, dtype)
    true_sum = _bincount(t[in_t], None if w is None else w[in_t], k, dtype)
    pred_sum = _bincount(p[in_p], None if w is None else w[in_p], k, dtype)
    return labels, tp, pred_sum, true_sum


def confusion_matrix(y_true, y_pred, labels=None, sample_weight=None) -> np.ndarray:
    """Confusion matrix ``C`` with ``C[a, p]`` = samples of actual class ``a``
    (row) predicted as class ``p`` (column).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted class labels (numbers or strings).
    labels : array-like of shape (K,), optional
        Labels indexing the rows / columns, in this order. Defaults to the
        sorted union of the labels in ``y_true`` and ``y_pred``. Samples whose
        true or predicted label is not listed are ignored.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weight of each sample.

    Returns
    -------
    ndarray of shape (K, K)
        int64 counts, or float64 sums of weights for non-integer weights.

    Examples
    --------
    >>> confusion_matrix(["cat", "dog", "dog", "pig"], ["cat", "dog", "cat", "pig"])
    array([[1, 0, 0],
           [1, 1, 0],
           [0, 0, 1]])
    >>> confusion_matrix([0, 1, 1], [0, 1, 0], labels=[1, 0])
    array([[1, 1],
           [0, 1]])
    """
    y_true, y_pred, sample_weight = _check_targets(y_true, y_pred, sample_weight)
    labels, t, p = _encode(y_true, y_pred, labels)
    k = labels.shape[0]
    keep = (t >= 0) & (p >= 0)
    w = None if sample_weight is None else sample_weight[keep]
    flat = _bincount(t[keep] * k + p[keep], w, k * k, _count_dtype(sample_weight))
    return flat.reshape(k, k)


def accuracy(y_true, y_pred, sample_weight=None) -> float:
    """Fraction of (weighted) samples whose prediction equals the true label,
    i.e. ``trace(C) / n``.

    Examples
    --------
    >>> accuracy([0, 1, 2, 2], [0, 2, 2, 2])
    0.75
    >>> accuracy(["a", "b"], ["a", "a"], sample_weight=[3, 1])
    0.75
    """
    y_true, y_pred, sample_weight = _check_targets(y_true, y_pred, sample_weight)
    _, t, p = _encode(y_true, y_pred)
    correct = t == p
    if sample_weight is None:
        return float(np.mean(correct))
    total = float(np.sum(sample_weight, dtype=np.float64))
    return float(np.sum(sample_weight[correct], dtype=np.float64)) / total
