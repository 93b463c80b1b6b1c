"""Input validation and label encoding for :mod:`fastlr.metrics`.

:func:`_check_targets` validates ``y_true``, ``y_pred`` and ``sample_weight``;
:func:`_encode` maps the labels to integer positions so that every metric can
be computed with ``np.bincount`` (no Python loop over samples).
"""

from __future__ import annotations

import numpy as np


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
