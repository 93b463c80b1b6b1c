"""Averages of precision, recall and F1 over labels (micro, macro, weighted)
or over samples (multilabel ``"samples"``), and the harmonic macro F1."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._counting import LabelCounts, _sample_counts
from ._prf import _scores
from ._validation import Targets
from ._zero_division import WARN_ALL, _warn_undefined, _zero_value

AVERAGES = ("micro", "macro", "weighted", "samples")


class AverageScores(NamedTuple):
    """Averaged scores (Python floats) plus the total support over the labels.

    For ``average="macro"``, ``f1`` is the mean of the per-class F1 scores
    (scikit-learn's definition); see :func:`f1_macro_harmonic` for the other.
    """

    precision: float
    recall: float
    f1: float
    support: float


def _check_average(average, multilabel: bool) -> None:
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}.")
    if average == "samples" and not multilabel:
        raise ValueError(
            'average="samples" is defined for multilabel indicator targets only; '
            'use "micro", "macro" or "weighted" for 1-D class labels.'
        )


def _nanaverage(values: np.ndarray, weights=None) -> float:
    """Weighted mean of the non-NaN ``values`` (NaN if there are none); the
    plain mean if their weights sum to zero."""
    keep = ~np.isnan(values)
    if not keep.any():
        return float("nan")
    values = values[keep]
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)[keep]
        total = weights.sum()
        if total > 0:
            return float((values * weights).sum() / total)
    return float(values.mean())


def _support(counts: LabelCounts):
    support = counts.true_sum.sum()
    return int(support) if support.dtype.kind in "iu" else float(support)


def _average(average: str, counts: LabelCounts, targets: Targets, zero_division="warn",
             warn_for=WARN_ALL, per_class=None) -> AverageScores:
    """Average the scores.

    ``per_class``: the per-label ``_scores`` already computed (avoids
    repeating their warnings) for the macro and weighted averages.
    """
    support = _support(counts)
    if average == "micro":
        p, r, f = _scores(counts.tp.sum(keepdims=True), counts.pred_sum.sum(keepdims=True),
                          counts.true_sum.sum(keepdims=True), zero_division, warn_for)
        return AverageScores(float(p[0]), float(r[0]), float(f[0]), support)
    if average == "samples":
        s = _sample_counts(targets, counts.labels)
        weights = targets.sample_weight
        # A zero-weight sample counts no labels at all (as with scikit-learn's
        # weighted per-sample counts): its scores are the zero_division value.
        counted = 1 if weights is None else weights != 0
        p, r, f = _scores(s.tp * counted, s.pred_sum * counted, s.true_sum * counted,
                          zero_division, warn_for, over="samples")
    else:
        if per_class is None:
            per_class = _scores(counts.tp, counts.pred_sum, counts.true_sum, zero_division,
                                warn_for)
        p, r, f = per_class
        weights = counts.true_sum if average == "weighted" else None
    return AverageScores(_nanaverage(p, weights), _nanaverage(r, weights),
                         _nanaverage(f, weights), support)


def _harmonic(precision: float, recall: float, zero_division="warn") -> float:
    """``2 P R / (P + R)``; NaN if either is NaN, the ``zero_division`` value
    if both are 0."""
    if np.isnan(precision) or np.isnan(recall):
        return float("nan")
    if precision + recall == 0:
        if zero_division == "warn":
            _warn_undefined(
                "Harmonic macro F-score is ill-defined and being set to 0.0 "
                "because macro precision and macro recall are both 0. Use "
                "`zero_division` parameter to control this behavior."
            )
        return _zero_value(zero_division)
    return 2.0 * precision * recall / (precision + recall)
