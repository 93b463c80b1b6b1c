"""Precision, recall and F1 from counts (per label, per sample or pooled)."""

from __future__ import annotations

import numpy as np

from ._zero_division import WARN_ALL, _divide


def _scores(tp, pred_sum, true_sum, zero_division="warn", warn_for=WARN_ALL,
            over="labels") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision ``tp / pred_sum``, recall ``tp / true_sum`` and F1
    ``2 tp / (true_sum + pred_sum)`` (= ``2PR / (P + R)``) elementwise.

    A zero denominator gives the ``zero_division`` value; F1 is undefined
    only when there are neither true nor predicted samples. ``warn_for``
    lists the metrics that warn about it (with ``zero_division="warn"``).
    """
    precision = _divide(tp, pred_sum, "Precision", "predicted", zero_division,
                        "precision" in warn_for, over)
    recall = _divide(tp, true_sum, "Recall", "true", zero_division,
                     "recall" in warn_for, over)
    f1 = _divide(2 * np.asarray(tp, np.float64), true_sum + pred_sum, "F-score",
                 "true nor predicted", zero_division, "f-score" in warn_for, over)
    return precision, recall, f1
