"""Input validation for :mod:`fastlr.metrics`: :func:`_check_targets`
validates ``y_true``, ``y_pred`` and ``sample_weight`` and tells single-label
targets (1-D arrays of class labels) from multilabel indicator matrices
(label encoding is in :mod:`._encode`, indicator matrices in
:mod:`._multilabel`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ._multilabel import _as_indicator


class Targets(NamedTuple):
    """Validated targets.

    ``multilabel`` is False for 1-D arrays of class labels (``y_true`` and
    ``y_pred`` are ndarrays of shape (n_samples,)) and True for multilabel
    indicator matrices (CSR arrays of shape (n_samples, n_labels) holding
    only ones).
    """

    multilabel: bool
    y_true: object
    y_pred: object
    sample_weight: np.ndarray | None


def _as_1d(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.ndim != 1:
        hint = ""
        if arr.ndim == 2 and arr.shape[1] == 1:
            hint = " Use y.ravel() to pass a column vector as a 1-D array."
        raise ValueError(
            f"{name} must be a 1-D array of class labels or a 2-D multilabel "
            f"indicator matrix, got an array with shape {arr.shape}.{hint}"
        )
    if arr.dtype.kind == "c":
        raise ValueError(f"{name} must not contain complex values.")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return arr


def _as_target(y, name: str):
    """``(multilabel, array)``: a 2-D input with several columns (or a sparse
    one) is a multilabel indicator matrix, anything else 1-D labels."""
    if sp.issparse(y):
        return True, _as_indicator(y, name)
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] > 1:
        return True, _as_indicator(arr, name)
    return False, _as_1d(arr, name)


def _check_sample_weight(sample_weight, n_samples: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    sample_weight = np.asarray(sample_weight)
    if sample_weight.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D, got shape {sample_weight.shape}.")
    if sample_weight.shape[0] != n_samples:
        raise ValueError(
            "sample_weight and y_true have inconsistent numbers of samples: "
            f"{sample_weight.shape[0]} != {n_samples}."
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
    return sample_weight


def _check_targets(y_true, y_pred, sample_weight=None) -> Targets:
    """Validate ``y_true``, ``y_pred`` (and ``sample_weight``).

    Both must be 1-D arrays of class labels or both multilabel indicator
    matrices (dense or scipy.sparse, 0/1 values) with the same number of
    columns.

    Returns
    -------
    Targets
    """
    ml_true, y_true = _as_target(y_true, "y_true")
    ml_pred, y_pred = _as_target(y_pred, "y_pred")
    if ml_true != ml_pred:
        kinds = {True: "a multilabel indicator matrix", False: "1-D class labels"}
        raise ValueError(
            "Mix of multilabel indicator and 1-D label targets: y_true is "
            f"{kinds[ml_true]} and y_pred is {kinds[ml_pred]}."
        )
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            "y_true and y_pred have inconsistent numbers of samples: "
            f"{y_true.shape[0]} != {y_pred.shape[0]}."
        )
    if y_true.shape[0] == 0:
        raise ValueError("y_true and y_pred are empty; at least one sample is needed.")
    if ml_true and y_true.shape[1] != y_pred.shape[1]:
        raise ValueError(
            "y_true and y_pred have different numbers of labels (columns): "
            f"{y_true.shape[1]} != {y_pred.shape[1]}."
        )
    sample_weight = _check_sample_weight(sample_weight, y_true.shape[0])
    return Targets(ml_true, y_true, y_pred, sample_weight)
