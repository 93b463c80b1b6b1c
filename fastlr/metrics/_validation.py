"""Input validation for :mod:`fastlr.metrics`: :func:`_check_targets`
validates ``y_true``, ``y_pred`` and ``sample_weight`` (label encoding is in
:mod:`._encode`)."""

from __future__ import annotations

import numpy as np


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
        if not np.any(sample_weight):  # scikit-learn raises too, in every metric
            raise ValueError(
                "sample_weight sums to zero: at least one weight must be "
                "non-zero for the metrics to be defined."
            )
    return y_true, y_pred, sample_weight
