"""Precision, recall and F1: per class, micro / macro / weighted averages and
the two macro-F1 definitions (:func:`f1_macro`, :func:`f1_macro_harmonic`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._confusion import _counts
from ._zero_division import _divide, _warn_undefined

AVERAGES = ("micro", "macro", "weighted")


class ClassScores(NamedTuple):
    """Per-class scores, one entry per label (in the order of ``labels``).

    Unpacks like scikit-learn's ``precision_recall_fscore_support``:
    ``precision, recall, f1, support = precision_recall_f1(...)``.
    ``support`` is the (weighted) number of samples whose true class is the
    label: int64 without ``sample_weight``, float64 otherwise.
    """

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray


class AverageScores(NamedTuple):
    """Averaged scores (Python floats) plus the total support over the labels.

    For ``average="macro"``, ``f1`` is the mean of the per-class F1 scores
    (scikit-learn's definition); see :func:`f1_macro_harmonic` for the other.
    """

    precision: float
    recall: float
    f1: float
    support: float


def _scores(tp, pred_sum, true_sum) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    precision = _divide(tp, pred_sum, "Precision", "predicted")
    recall = _divide(tp, true_sum, "Recall", "true")
    # 2PR/(P+R) == 2TP/(2TP+FP+FN) == 2TP/(true_sum+pred_sum); undefined only
    # when the label has neither true nor predicted samples.
    f1 = _divide(2 * np.asarray(tp, np.float64), true_sum + pred_sum, "F-score",
                 "true nor predicted")
    return precision, recall, f1


def _average(tp, pred_sum, true_sum, average: str, per_class=None) -> AverageScores:
    """Average the scores; ``per_class`` = precomputed ``_scores`` output
    (avoids repeating its warnings) for the macro / weighted averages."""
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}.")
    support = true_sum.sum()
    support = int(support) if support.dtype.kind in "iu" else float(support)
    if average == "micro":
        p, r, f = _scores(tp.sum(keepdims=True), pred_sum.sum(keepdims=True),
                          true_sum.sum(keepdims=True))
        return AverageScores(float(p[0]), float(r[0]), float(f[0]), support)
    p, r, f = _scores(tp, pred_sum, true_sum) if per_class is None else per_class
    if average == "weighted" and support > 0:
        weights = true_sum.astype(np.float64)
        return AverageScores(float(np.average(p, weights=weights)),
                             float(np.average(r, weights=weights)),
                             float(np.average(f, weights=weights)), support)
    # "macro" (and "weighted" with zero total support, where every score is 0)
    return AverageScores(float(p.mean()), float(r.mean()), float(f.mean()), support)


def _harmonic(precision: float, recall: float) -> float:
    if precision + recall == 0:
        _warn_undefined(
            "Harmonic macro F-score is ill-defined and being set to 0.0 because "
            "macro precision and macro recall are both 0."
        )
        return 0.0
    return 2.0 * precision * recall / (precision + recall)


# --------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------


def precision_recall_f1(y_true, y_pred, labels=None, sample_weight=None) -> ClassScores:
    """Class-specific precision, recall, F1 and support.

    ``precision[k] = TP_k / (TP_k + FP_k)``, ``recall[k] = TP_k / (TP_k + FN_k)``,
    ``f1[k] = 2 P_k R_k / (P_k + R_k)``, ``support[k]`` = (weighted) number of
    samples whose true label is ``labels[k]``. A zero denominator gives 0 and
    an :class:`~sklearn.exceptions.UndefinedMetricWarning` (e.g. precision of
    a class that is never predicted). Same numbers as scikit-learn's
    ``precision_recall_fscore_support(average=None)``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like of shape (K,), optional
        Labels to report, in this order (default: sorted union of the labels
        in ``y_true`` and ``y_pred``). Unlisted labels still count as false
        positives / negatives of the listed ones.
    sample_weight : array-like of shape (n_samples,), optional

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
    """
    _, tp, pred_sum, true_sum = _counts(y_true, y_pred, labels, sample_weight)
    precision, recall, f1 = _scores(tp, pred_sum, true_sum)
    return ClassScores(precision, recall, f1, true_sum)


def precision_recall_f1_average(
    y_true, y_pred, average="macro", labels=None, sample_weight=None
) -> AverageScores:
    """Precision, recall and F1 averaged over the classes.

    * ``"micro"``: pool TP, FP and FN over the classes, then compute the
      scores; for single-label data with all labels this equals accuracy.
    * ``"macro"``: unweighted mean of the per-class scores; ``f1`` is the mean
      of the per-class F1 (= :func:`f1_macro`, scikit-learn's macro F1).
    * ``"weighted"``: mean of the per-class scores weighted by their support.

    Same numbers as scikit-learn's ``precision_recall_fscore_support`` with
    the same ``average``; ``support`` is the total (weighted) support over
    ``labels`` rather than ``None``.

    Examples
    --------
    >>> y_true, y_pred = [0, 0, 0, 1], [0, 0, 1, 1]
    >>> precision_recall_f1_average(y_true, y_pred, average="micro")
    AverageScores(precision=0.75, recall=0.75, f1=0.75, support=4)
    >>> precision_recall_f1_average(y_true, y_pred, average="macro")
    AverageScores(precision=0.75, recall=0.8333333333333333, f1=0.7333333333333334, support=4)
    """
    _, tp, pred_sum, true_sum = _counts(y_true, y_pred, labels, sample_weight)
    return _average(tp, pred_sum, true_sum, average)


def f1_macro(y_true, y_pred, labels=None, sample_weight=None) -> float:
    """Macro F1 as the unweighted **mean of the per-class F1 scores**.

    This is scikit-learn's ``f1_score(average="macro")``. Compare
    :func:`f1_macro_harmonic`, which is never smaller.

    Examples
    --------
    >>> f1_macro([0, 0, 0, 1], [0, 0, 1, 1])  # mean of 0.8 and 0.667
    0.7333333333333334
    """
    return precision_recall_f1_average(
        y_true, y_pred, average="macro", labels=labels, sample_weight=sample_weight
    ).f1


def f1_macro_harmonic(y_true, y_pred, labels=None, sample_weight=None) -> float:
    """Macro F1 as the **harmonic mean of macro precision and macro recall**,
    ``2 P_macro R_macro / (P_macro + R_macro)`` (eq. 88 of the lecture notes).

    By concavity of the harmonic mean it is always >= :func:`f1_macro`
    (the mean of the per-class F1). If macro precision and macro recall are
    both 0 it is 0, with an :class:`~sklearn.exceptions.UndefinedMetricWarning`.

    Examples
    --------
    >>> f1_macro_harmonic([0, 0, 0, 1], [0, 0, 1, 1])  # HM of 0.75 and 0.833
    0.7894736842105263
    """
    avg = precision_recall_f1_average(
        y_true, y_pred, average="macro", labels=labels, sample_weight=sample_weight
    )
    return _harmonic(avg.precision, avg.recall)
