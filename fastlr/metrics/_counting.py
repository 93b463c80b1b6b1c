"""Counting: per-label true positives, predicted and true sums (over all
samples), per-sample sums for the multilabel ``"samples"`` average, and the
correctly predicted samples. Counts are exact: int64 without weights or
with integer weights, float64 sums for float weights."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._encode import _encode
from ._multilabel import _columns, _entry_rows, _intersection, _row_lengths, _rows_equal
from ._validation import Targets


def _count_dtype(sample_weight) -> np.dtype:
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


def _total(sample_weight, n_samples: int):
    """(Weighted) number of samples, in the count dtype."""
    if sample_weight is None:
        return np.int64(n_samples)
    return sample_weight.sum(dtype=_count_dtype(sample_weight))


def _fraction(num, den) -> float:
    """``num / den`` as a float, correctly rounded for integer counts."""
    if isinstance(num, (int, np.integer)) and isinstance(den, (int, np.integer)):
        return int(num) / int(den)
    return float(num) / float(den)


class LabelCounts(NamedTuple):
    """Per-label counts over all samples.

    ``labels`` are the reported labels (class labels, or column indices for
    multilabel targets); ``tp``, ``pred_sum`` and ``true_sum`` their
    (weighted) true positives, predicted and true samples; ``total`` the
    (weighted) number of samples; ``covered`` (single-label targets) whether
    every true and predicted label is one of ``labels``.
    """

    labels: np.ndarray
    tp: np.ndarray
    pred_sum: np.ndarray
    true_sum: np.ndarray
    total: object
    covered: bool


class SampleCounts(NamedTuple):
    """Per-sample label counts of multilabel targets (over the selected labels)."""

    tp: np.ndarray
    pred_sum: np.ndarray
    true_sum: np.ndarray
    n_labels: int


def _label_counts(targets: Targets, labels=None) -> LabelCounts:
    """Per-label counts of validated targets.

    Parameters
    ----------
    targets : Targets
    labels : array-like of shape (K,), optional
        Class labels (1-D targets) or column indices (multilabel targets).

    Returns
    -------
    LabelCounts
    """
    w = targets.sample_weight
    dtype = _count_dtype(w)
    n = targets.y_true.shape[0]
    if targets.multilabel:
        cols = _columns(targets.y_true.shape[1], labels)
        y_true, y_pred = targets.y_true[:, cols], targets.y_pred[:, cols]
        k = cols.shape[0]

        def column_sums(m):
            return _bincount(m.indices, None if w is None else w[_entry_rows(m)], k, dtype)

        tp = column_sums(_intersection(y_true, y_pred))
        return LabelCounts(cols, tp, column_sums(y_pred), column_sums(y_true),
                           _total(w, n), False)
    labels, t, p = _encode(targets.y_true, targets.y_pred, labels)
    k = labels.shape[0]
    in_t, in_p = t >= 0, p >= 0
    hit = (t == p) & in_t

    def sums(idx, mask):
        return _bincount(idx[mask], None if w is None else w[mask], k, dtype)

    return LabelCounts(labels, sums(t, hit), sums(p, in_p), sums(t, in_t),
                       _total(w, n), bool(in_t.all() and in_p.all()))


def _sample_counts(targets: Targets, labels=None) -> SampleCounts:
    """Per-sample true positives, predicted and true labels (multilabel only)."""
    cols = _columns(targets.y_true.shape[1], labels)
    y_true, y_pred = targets.y_true[:, cols], targets.y_pred[:, cols]
    return SampleCounts(_row_lengths(_intersection(y_true, y_pred)), _row_lengths(y_pred),
                        _row_lengths(y_true), cols.shape[0])


def _correct(targets: Targets) -> np.ndarray:
    """Boolean mask of the samples predicted exactly (the whole label set for
    multilabel targets)."""
    if targets.multilabel:
        return _rows_equal(targets.y_true, targets.y_pred)
    _, t, p = _encode(targets.y_true, targets.y_pred)
    return t == p
