"""Confusion matrices and accuracy: :func:`confusion_matrix` (single-label),
:func:`multilabel_confusion_matrix` (one 2x2 matrix per label, or per
sample) and :func:`accuracy` (subset accuracy for multilabel targets)."""

from __future__ import annotations

import numpy as np

from ._counting import (_bincount, _count_dtype, _correct, _fraction, _label_counts,
                        _sample_counts, _total)
from ._encode import _encode
from ._validation import _check_targets


def confusion_matrix(y_true, y_pred, labels=None, sample_weight=None) -> np.ndarray:
    """Confusion matrix ``C`` with ``C[a, p]`` = samples of actual class ``a``
    (row) predicted as class ``p`` (column).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted class labels (numbers, str or bytes). Multilabel
        indicator matrices are rejected: use
        :func:`multilabel_confusion_matrix` for them.
    labels : array-like of shape (K,), optional
        Labels indexing the rows / columns, in this order. Defaults to the
        sorted union of the labels in ``y_true`` and ``y_pred``. Samples whose
        true or predicted label is not listed are ignored.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weight of each sample (not all zero).

    Returns
    -------
    ndarray of shape (K, K)
        Exact int64 counts without weights or with integer weights; float64
        sums of weights with float weights (scikit-learn's dtypes).

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
    targets = _check_targets(y_true, y_pred, sample_weight)
    if targets.multilabel:
        raise ValueError(
            "confusion_matrix needs 1-D class labels, got multilabel indicator "
            "matrices; use multilabel_confusion_matrix for one 2x2 confusion "
            "matrix per label."
        )
    labels, t, p = _encode(targets.y_true, targets.y_pred, labels)
    k = labels.shape[0]
    keep = (t >= 0) & (p >= 0)
    w = targets.sample_weight
    flat = _bincount(t[keep] * k + p[keep], None if w is None else w[keep], k * k,
                     _count_dtype(w))
    return flat.reshape(k, k)


def multilabel_confusion_matrix(y_true, y_pred, labels=None, sample_weight=None,
                                samplewise=False) -> np.ndarray:
    """One-vs-rest 2x2 confusion matrix of every label (or of every sample).

    ``M[k] = [[TN_k, FP_k], [FN_k, TP_k]]`` for ``labels[k]``: label present
    (1) or absent (0), actual in rows and predicted in columns, as
    scikit-learn's ``multilabel_confusion_matrix``. For 1-D class labels,
    label ``k`` is "present" in the samples of class ``labels[k]``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        Class labels or multilabel indicator matrices (0/1, dense or
        scipy.sparse).
    labels : array-like of shape (K,), optional
        Labels (class labels, or column indices for multilabel targets) in
        this order; default all, sorted.
    sample_weight : array-like of shape (n_samples,), optional
    samplewise : bool, default=False
        For multilabel targets: one matrix per sample, counting its labels.

    Returns
    -------
    ndarray of shape (K, 2, 2) or (n_samples, 2, 2)
        Exact int64 counts without weights or with integer weights (where
        scikit-learn gives float64 sums), float64 with float weights.

    Examples
    --------
    >>> multilabel_confusion_matrix([[1, 0], [1, 1]], [[1, 0], [0, 1]])
    array([[[0, 0],
            [1, 1]],
    <BLANKLINE>
           [[1, 0],
            [0, 1]]])
    >>> multilabel_confusion_matrix(["a", "b", "b"], ["a", "a", "b"])[1]  # label "b"
    array([[1, 0],
           [1, 1]])
    """
    targets = _check_targets(y_true, y_pred, sample_weight)
    w = targets.sample_weight
    if samplewise:
        if not targets.multilabel:
            raise ValueError(
                "samplewise=True needs multilabel indicator targets; 1-D class "
                "labels have one label per sample."
            )
        s = _sample_counts(targets, labels)
        tp, pred_sum, true_sum, total = s.tp, s.pred_sum, s.true_sum, s.n_labels
    else:
        c = _label_counts(targets, labels)
        tp, pred_sum, true_sum, total = c.tp, c.pred_sum, c.true_sum, c.total
    fp, fn = pred_sum - tp, true_sum - tp
    out = np.stack([total - tp - fp - fn, fp, fn, tp], axis=1).reshape(-1, 2, 2)
    if samplewise and w is not None:
        out = out * w.astype(_count_dtype(w), copy=False)[:, None, None]
    return out


def accuracy(y_true, y_pred, sample_weight=None) -> float:
    """Fraction of (weighted) samples whose prediction equals the true label,
    i.e. ``trace(C) / n``; for multilabel targets, whose predicted label set
    equals the true one (subset accuracy, as scikit-learn's ``accuracy_score``).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        Class labels or multilabel indicator matrices (0/1, dense or
        scipy.sparse).
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float

    Examples
    --------
    >>> accuracy([0, 1, 2, 2], [0, 2, 2, 2])
    0.75
    >>> accuracy(["a", "b"], ["a", "a"], sample_weight=[3, 1])
    0.75
    >>> accuracy([[1, 0, 1], [0, 1, 0]], [[1, 0, 1], [0, 1, 1]])  # multilabel
    0.5
    """
    targets = _check_targets(y_true, y_pred, sample_weight)
    correct = _correct(targets)
    w = targets.sample_weight
    if w is None:
        return _fraction(np.count_nonzero(correct), correct.shape[0])
    return _fraction(w[correct].sum(dtype=_count_dtype(w)), _total(w, correct.shape[0]))
