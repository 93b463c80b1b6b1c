"""Precision, recall and F1: per class, averaged, and the two macro-F1
definitions (:func:`f1_macro`, :func:`f1_macro_harmonic`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._averages import AverageScores, _average, _check_average, _harmonic
from ._counting import _label_counts
from ._prf import _scores
from ._validation import _check_targets
from ._zero_division import _check_zero_division


class ClassScores(NamedTuple):
    """Per-class scores, one entry per label (in the order of ``labels``).

    Unpacks like scikit-learn's ``precision_recall_fscore_support``:
    ``precision, recall, f1, support = precision_recall_f1(...)``.
    ``support`` is the (weighted) number of samples whose true labels include
    the label: int64 without ``sample_weight`` or with integer weights,
    float64 with float weights.
    """

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray


def precision_recall_f1(y_true, y_pred, labels=None, sample_weight=None,
                        zero_division="warn") -> ClassScores:
    """Class-specific precision, recall, F1 and support.

    ``precision[k] = TP_k / (TP_k + FP_k)``, ``recall[k] = TP_k / (TP_k + FN_k)``,
    ``f1[k] = 2 P_k R_k / (P_k + R_k)``, ``support[k]`` = (weighted) number of
    samples whose true label is (or, for multilabel targets, whose true labels
    include) ``labels[k]``. Same numbers as scikit-learn's
    ``precision_recall_fscore_support(average=None)``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        True and predicted class labels, or multilabel indicator matrices
        (0/1, dense or scipy.sparse).
    labels : array-like of shape (K,), optional
        Labels to report, in this order (default: sorted union of the labels
        in ``y_true`` and ``y_pred``; for multilabel targets, column indices,
        default all columns). Unlisted labels still count as false positives /
        negatives of the listed ones.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative weight of each sample (not all zero).
    zero_division : {"warn", 0, 1, np.nan}, default="warn"
        Value of a score whose denominator is zero (e.g. the precision of a
        label that is never predicted); ``"warn"`` gives 0 and an
        :class:`~sklearn.exceptions.UndefinedMetricWarning`.

    Returns
    -------
    ClassScores
        NamedTuple ``(precision, recall, f1, support)`` of arrays of shape (K,).

    Examples
    --------
    >>> s = precision_recall_f1(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    >>> s.precision.round(3), s.recall, s.support
    (array([1.   , 0.667]), array([0.5, 1. ]), array([2, 2]))
    >>> s.f1.round(3)
    array([0.667, 0.8  ])
    >>> import numpy as np
    >>> s = precision_recall_f1([[1, 0], [1, 1]], [[1, 0], [0, 0]], zero_division=np.nan)
    >>> s.precision, s.recall, s.support  # multilabel; label 1 is never predicted
    (array([ 1., nan]), array([0.5, 0. ]), array([2, 1]))
    """
    _check_zero_division(zero_division)
    targets = _check_targets(y_true, y_pred, sample_weight)
    counts = _label_counts(targets, labels)
    precision, recall, f1 = _scores(counts.tp, counts.pred_sum, counts.true_sum,
                                    zero_division)
    return ClassScores(precision, recall, f1, counts.true_sum)


def _averaged(y_true, y_pred, average, labels, sample_weight, zero_division, warn_for):
    _check_zero_division(zero_division)
    targets = _check_targets(y_true, y_pred, sample_weight)
    _check_average(average, targets.multilabel)
    counts = _label_counts(targets, labels)
    return _average(average, counts, targets, zero_division, warn_for)


def precision_recall_f1_average(y_true, y_pred, average="macro", labels=None,
                                sample_weight=None, zero_division="warn") -> AverageScores:
    """Precision, recall and F1 averaged over the labels (or samples).

    * ``"micro"``: pool TP, FP and FN over the labels, then compute the
      scores; for single-label data with all labels this equals accuracy.
    * ``"macro"``: unweighted mean of the per-label scores; ``f1`` is the mean
      of the per-label F1 (= :func:`f1_macro`, scikit-learn's macro F1).
    * ``"weighted"``: mean of the per-label scores weighted by their support.
    * ``"samples"`` (multilabel targets only): the scores of each sample's
      predicted label set against its true label set, averaged over the
      samples (weighted by ``sample_weight``).

    With ``zero_division=np.nan`` the undefined scores are left out of the
    means. Same numbers as scikit-learn's ``precision_recall_fscore_support``
    with the same ``average``; ``support`` is the total (weighted) support
    over ``labels`` rather than ``None``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        Class labels or multilabel indicator matrices, as in
        :func:`precision_recall_f1`.
    average : {"micro", "macro", "weighted", "samples"}, default="macro"
    labels : array-like of shape (K,), optional
        Labels to average over (see :func:`precision_recall_f1`).
    sample_weight : array-like of shape (n_samples,), optional
    zero_division : {"warn", 0, 1, np.nan}, default="warn"
        Value of a score with a zero denominator (see :func:`precision_recall_f1`).

    Returns
    -------
    AverageScores
        NamedTuple ``(precision, recall, f1, support)``.

    Examples
    --------
    >>> y_true, y_pred = [0, 0, 0, 1], [0, 0, 1, 1]
    >>> precision_recall_f1_average(y_true, y_pred, average="micro")
    AverageScores(precision=0.75, recall=0.75, f1=0.75, support=4)
    >>> precision_recall_f1_average(y_true, y_pred, average="macro")
    AverageScores(precision=0.75, recall=0.8333333333333333, f1=0.7333333333333334, support=4)
    >>> precision_recall_f1_average([[1, 1, 0], [0, 1, 0]], [[1, 0, 0], [0, 1, 1]],
    ...                             average="samples")
    AverageScores(precision=0.75, recall=0.75, f1=0.6666666666666666, support=3)
    """
    return _averaged(y_true, y_pred, average, labels, sample_weight, zero_division,
                     ("precision", "recall", "f-score"))


def f1_macro(y_true, y_pred, labels=None, sample_weight=None, zero_division="warn") -> float:
    """Macro F1 as the unweighted **mean of the per-class F1 scores**.

    This is scikit-learn's ``f1_score(average="macro")`` (it warns, with
    ``zero_division="warn"``, only about labels with neither true nor
    predicted samples). Compare :func:`f1_macro_harmonic`, which is never
    smaller.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
    labels : array-like of shape (K,), optional
    sample_weight : array-like of shape (n_samples,), optional
    zero_division : {"warn", 0, 1, np.nan}, default="warn"

    Returns
    -------
    float

    Examples
    --------
    >>> f1_macro([0, 0, 0, 1], [0, 0, 1, 1])  # mean of 0.8 and 0.667
    0.7333333333333334
    """
    return _averaged(y_true, y_pred, "macro", labels, sample_weight, zero_division,
                     ("f-score",)).f1


def f1_macro_harmonic(y_true, y_pred, labels=None, sample_weight=None,
                      zero_division="warn") -> float:
    """Macro F1 as the **harmonic mean of macro precision and macro recall**,
    ``2 P_macro R_macro / (P_macro + R_macro)`` (a common textbook definition).

    By concavity of the harmonic mean it is always >= :func:`f1_macro`
    (the mean of the per-class F1). If macro precision and macro recall are
    both 0 it is the ``zero_division`` value (0 with an
    :class:`~sklearn.exceptions.UndefinedMetricWarning` by default); if
    either is NaN (``zero_division=np.nan`` and no defined score) it is NaN.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
    labels : array-like of shape (K,), optional
    sample_weight : array-like of shape (n_samples,), optional
    zero_division : {"warn", 0, 1, np.nan}, default="warn"

    Returns
    -------
    float

    Examples
    --------
    >>> f1_macro_harmonic([0, 0, 0, 1], [0, 0, 1, 1])  # HM of 0.75 and 0.833
    0.7894736842105263
    """
    avg = _averaged(y_true, y_pred, "macro", labels, sample_weight, zero_division,
                    ("precision", "recall", "f-score"))
    return _harmonic(avg.precision, avg.recall, zero_division)
