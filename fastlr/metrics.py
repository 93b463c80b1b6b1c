"""Classification metrics: confusion matrix, accuracy, precision / recall / F1.

Pure, vectorised NumPy (no Python loop over samples). Conventions follow
``MATH.md`` section 6 and agree with :mod:`sklearn.metrics`:

* the confusion matrix ``C[a, p]`` counts samples of **actual** class ``a``
  (row) **predicted** as class ``p`` (column);
* per class ``k``: ``TP_k = C[k, k]``, ``FP_k = sum_a C[a, k] - TP_k``,
  ``FN_k = sum_p C[k, p] - TP_k``; precision ``TP / (TP + FP)``, recall
  ``TP / (TP + FN)`` and F1 ``2PR / (P + R)`` (computed as the equivalent
  ``2TP / (2TP + FP + FN)``);
* a zero denominator gives 0 and emits
  :class:`sklearn.exceptions.UndefinedMetricWarning`, as scikit-learn does
  with its default ``zero_division="warn"``;
* averages: ``"micro"`` pools TP / FP / FN over the classes (for single-label
  data micro precision = micro recall = micro F1 = accuracy), ``"macro"`` is the
  unweighted mean over the classes and ``"weighted"`` the support-weighted mean.

Two macro-F1 definitions are in use and both are offered under explicit names:

* :func:`f1_macro` -- the mean of the per-class F1 scores (scikit-learn's
  ``f1_score(average="macro")``);
* :func:`f1_macro_harmonic` -- the harmonic mean of macro precision and macro
  recall (eq. 88 of the lecture notes).

Following the lecture notes' advice, :func:`classification_report` lists the
class-specific precision / recall / F1 first and the summaries after them;
on imbalanced data prefer the class-specific and macro numbers to accuracy
and micro averages (which are dominated by the majority class).

Public API
----------
confusion_matrix, accuracy, precision_recall_f1, precision_recall_f1_average,
f1_macro, f1_macro_harmonic, classification_report, ClassScores, AverageScores
"""

from __future__ import annotations

import sys
import warnings
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

__all__ = [
    "AverageScores",
    "ClassScores",
    "accuracy",
    "classification_report",
    "confusion_matrix",
    "f1_macro",
    "f1_macro_harmonic",
    "precision_recall_f1",
    "precision_recall_f1_average",
]

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


# --------------------------------------------------------------------------
# input validation and label encoding
# --------------------------------------------------------------------------


def _kind_group(arr: np.ndarray) -> str:
    kind = arr.dtype.kind
    if kind in "biuf":
        return "number"
    if kind in "US":
        return "string"
    if kind == "O":
        return "object"
    return kind


def _as_1d(y, name: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1:
        hint = ""
        if arr.ndim == 2 and arr.shape[1] == 1:
            hint = " Use y.ravel() to pass a column vector as a 1-D array."
        elif arr.ndim == 2:
            hint = " Multilabel / multi-output targets are not supported."
        raise ValueError(
            f"{name} must be a 1-D array of class labels, got an array with "
            f"shape {arr.shape}.{hint}"
        )
    if arr.dtype.kind == "c":
        raise ValueError(f"{name} must not contain complex values.")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return arr


def _check_targets(y_true, y_pred, sample_weight=None):
    """Validate ``y_true``, ``y_pred`` (and ``sample_weight``).

    Returns the two 1-D arrays and the weights (``None`` or float/int array).
    """
    y_true = _as_1d(y_true, "y_true")
    y_pred = _as_1d(y_pred, "y_pred")
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            "y_true and y_pred have inconsistent numbers of samples: "
            f"{y_true.shape[0]} != {y_pred.shape[0]}."
        )
    if y_true.shape[0] == 0:
        raise ValueError("y_true and y_pred are empty; at least one sample is needed.")
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
        if sample_weight.ndim != 1:
            raise ValueError(
                f"sample_weight must be 1-D, got shape {sample_weight.shape}."
            )
        if sample_weight.shape[0] != y_true.shape[0]:
            raise ValueError(
                "sample_weight and y_true have inconsistent numbers of samples: "
                f"{sample_weight.shape[0]} != {y_true.shape[0]}."
            )
        if sample_weight.dtype.kind not in "biuf":
            raise ValueError("sample_weight must be numeric.")
        if sample_weight.dtype.kind == "f" and not np.all(np.isfinite(sample_weight)):
            raise ValueError("sample_weight contains NaN or infinity.")
        if np.any(sample_weight < 0):
            raise ValueError("sample_weight must be non-negative.")
    return y_true, y_pred, sample_weight


def _encode(y_true, y_pred, labels=None):
    """Encode labels as integers.

    Returns ``(labels, t, p)`` where ``labels`` is the 1-D array of the K
    reported labels and ``t`` / ``p`` give, for every sample, the position of
    its true / predicted label in ``labels`` or -1 if it is not one of them.
    Without ``labels`` the labels are the sorted union of both arrays.
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
            f"numbers or all hold strings, got {sorted(groups)}."
        )
    try:
        uniq, inverse = np.unique(np.concatenate(arrays), return_inverse=True)
    except TypeError as exc:  # e.g. an object array mixing str and int
        raise ValueError(f"Labels cannot be compared / sorted: {exc}") from exc
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


def _count_dtype(sample_weight):
    if sample_weight is None or sample_weight.dtype.kind in "biu":
        return np.int64
    return np.float64


def _bincount(idx, weights, minlength, dtype):
    out = np.bincount(idx, weights=weights, minlength=minlength)
    return out.astype(dtype, copy=False)


def _counts(y_true, y_pred, labels, sample_weight):
    """Per-label TP, predicted and true sums (over *all* samples)."""
    y_true, y_pred, sample_weight = _check_targets(y_true, y_pred, sample_weight)
    labels, t, p = _encode(y_true, y_pred, labels)
    k = labels.shape[0]
    dtype = _count_dtype(sample_weight)
    w = None if sample_weight is None else sample_weight.astype(np.float64)
    hit = (t == p) & (t >= 0)
    in_t, in_p = t >= 0, p >= 0
    tp = _bincount(t[hit], None if w is None else w[hit], k, dtype)
    true_sum = _bincount(t[in_t], None if w is None else w[in_t], k, dtype)
    pred_sum = _bincount(p[in_p], None if w is None else w[in_p], k, dtype)
    return labels, tp, pred_sum, true_sum


def _user_stacklevel() -> int:
    """``stacklevel`` making a warning point at the first caller outside this
    module (counted from the function that calls ``warnings.warn``)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame, level = frame.f_back, level + 1
    return level


def _warn(metric: str, modifier: str, size: int) -> None:
    where = "due to" if size == 1 else "in labels with"
    warnings.warn(
        f"{metric} is ill-defined and being set to 0.0 {where} no {modifier} "
        "samples.",
        UndefinedMetricWarning,
        stacklevel=_user_stacklevel(),
    )


def _divide(num, den, metric: str, modifier: str) -> np.ndarray:
    """``num / den`` elementwise; 0 (with a warning) where ``den == 0``."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    zero = den == 0
    out = num / np.where(zero, 1.0, den)
    out[zero] = 0.0
    if np.any(zero):
        _warn(metric, modifier, out.shape[0])
    return out


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
        warnings.warn(
            "Harmonic macro F-score is ill-defined and being set to 0.0 because "
            "macro precision and macro recall are both 0.",
            UndefinedMetricWarning,
            stacklevel=_user_stacklevel(),
        )
        return 0.0
    return 2.0 * precision * recall / (precision + recall)


# --------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------


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
    w = None if sample_weight is None else sample_weight[keep].astype(np.float64)
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
    if total == 0:
        raise ValueError("sample_weight sums to zero; accuracy is undefined.")
    return float(np.sum(sample_weight[correct], dtype=np.float64)) / total


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


def classification_report(
    y_true,
    y_pred,
    labels=None,
    target_names=None,
    digits=3,
    output_dict=False,
    sample_weight=None,
):
    """Text (or dict) report: class-specific scores first, then summaries.

    Rows, in order: one per class (precision, recall, F1, support), then
    ``accuracy`` (over all samples), ``micro avg``, ``macro avg (mean F1)``
    (F1 = mean of the per-class F1, as :func:`f1_macro`),
    ``macro avg (harmonic F1)`` (F1 = harmonic mean of macro precision and
    recall, as :func:`f1_macro_harmonic`) and ``weighted avg``. Averages are
    taken over ``labels``; their support is the total support over ``labels``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like of shape (K,), optional
        Labels to report, in this order (default: sorted union).
    target_names : list of str, optional
        Display names for ``labels`` (same length); default ``str(label)``.
    digits : int, default=3
        Decimal places of the scores in the text report.
    output_dict : bool, default=False
        Return a dict ``{row name: {"precision", "recall", "f1-score",
        "support"}}`` (with ``"accuracy"`` mapped to a float) instead of text.
    sample_weight : array-like of shape (n_samples,), optional

    Examples
    --------
    >>> print(classification_report([0, 0, 0, 1], [0, 0, 1, 1], target_names=["neg", "pos"]))
                            precision    recall  f1-score   support
    <BLANKLINE>
                        neg     1.000     0.667     0.800         3
                        pos     0.500     1.000     0.667         1
    <BLANKLINE>
                   accuracy                         0.750         4
                  micro avg     0.750     0.750     0.750         4
        macro avg (mean F1)     0.750     0.833     0.733         4
    macro avg (harmonic F1)     0.750     0.833     0.789         4
               weighted avg     0.875     0.750     0.767         4
    >>> classification_report([0, 1], [0, 1], output_dict=True)["macro avg (harmonic F1)"]
    {'precision': 1.0, 'recall': 1.0, 'f1-score': 1.0, 'support': 2}
    """
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}.")
    labels, tp, pred_sum, true_sum = _counts(y_true, y_pred, labels, sample_weight)
    acc = accuracy(y_true, y_pred, sample_weight)
    if target_names is None:
        names = [str(label) for label in labels.tolist()]
    else:
        names = [str(name) for name in target_names]
        if len(names) != labels.shape[0]:
            raise ValueError(
                f"target_names has {len(names)} entries but there are "
                f"{labels.shape[0]} labels."
            )
    precision, recall, f1 = per_class = _scores(tp, pred_sum, true_sum)
    micro = _average(tp, pred_sum, true_sum, "micro")
    macro = _average(tp, pred_sum, true_sum, "macro", per_class)
    weighted = _average(tp, pred_sum, true_sum, "weighted", per_class)
    harmonic = _harmonic(macro.precision, macro.recall)
    n_total = float(np.sum(sample_weight)) if sample_weight is not None else len(y_true)
    if isinstance(n_total, float) and n_total.is_integer():
        n_total = int(n_total)

    def support_value(s):
        s = s.item() if isinstance(s, np.generic) else s
        return int(s) if float(s).is_integer() else float(s)

    rows = {}
    for name, p_k, r_k, f_k, s_k in zip(names, precision, recall, f1, true_sum):
        rows[name] = (float(p_k), float(r_k), float(f_k), support_value(s_k))
    summary = {
        "micro avg": (micro.precision, micro.recall, micro.f1, micro.support),
        "macro avg (mean F1)": (macro.precision, macro.recall, macro.f1, macro.support),
        "macro avg (harmonic F1)": (macro.precision, macro.recall, harmonic,
                                    macro.support),
        "weighted avg": (weighted.precision, weighted.recall, weighted.f1,
                         weighted.support),
    }
    keys = ("precision", "recall", "f1-score", "support")
    if output_dict:
        clash = set(rows) & {"accuracy", *summary}
        if clash:
            raise ValueError(
                f"Class name(s) {sorted(clash)} clash with summary rows; pass "
                "target_names to rename them."
            )
        out = {name: dict(zip(keys, values)) for name, values in rows.items()}
        out["accuracy"] = acc
        for name, (p, r, f, s) in summary.items():
            out[name] = dict(zip(keys, (p, r, f, support_value(s))))
        return out

    name_width = max(len(name) for name in [*names, *summary, "accuracy"])
    col = max(len("precision"), digits + 2) + 1

    def fmt_support(s):
        s = support_value(s)
        return f"{s:>{col}}" if isinstance(s, int) else f"{s:>{col}.{digits}f}"

    def line(name, p, r, f, s):
        return (f"{name:>{name_width}}" + f"{p:>{col}.{digits}f}" + f"{r:>{col}.{digits}f}"
                + f"{f:>{col}.{digits}f}" + fmt_support(s))

    header = " " * name_width + "".join(f"{h:>{col}}" for h in keys)
    lines = [header, ""]
    lines += [line(name, *values) for name, values in rows.items()]
    lines.append("")
    lines.append(f"{'accuracy':>{name_width}}" + " " * (2 * col)
                 + f"{acc:>{col}.{digits}f}" + fmt_support(n_total))
    lines += [line(name, *values) for name, values in summary.items()]
    return "\n".join(lines)
