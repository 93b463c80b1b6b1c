"""Classification reports on a labelled set: scikit-learn-style text, or one JSON object.

The JSON object is :func:`fastlr.metrics.classification_report` with
``output_dict=True`` (``"accuracy"``, one key per class, the averages) plus the
command's counts and timings (``n_train``, ``n_test``, ``fit_seconds``, ...).
"""
from __future__ import annotations

import json

from .errors import CLIError, warnings_as_lines


def scores(y_true, y_pred) -> dict:
    """``classification_report(..., output_dict=True)``; CLIError for labels it rejects."""
    from ..metrics import classification_report

    try:
        with warnings_as_lines():
            return classification_report(y_true, y_pred, output_dict=True)
    except ValueError as e:
        raise CLIError(f"cannot score the predictions: {e}") from None


def text(y_true, y_pred) -> str:
    from ..metrics import classification_report

    try:
        with warnings_as_lines():
            return classification_report(y_true, y_pred)
    except ValueError as e:
        raise CLIError(f"cannot score the predictions: {e}") from None


def as_json(report: dict, **extra) -> str:
    """One JSON object: the report's keys, then ``extra`` (which must not clash with them)."""
    clash = sorted(set(report) & set(extra))
    if clash:
        raise CLIError(f"class label(s) {', '.join(clash)} clash with the JSON report's "
                       "own keys; rename those classes or drop --json")
    return json.dumps({**report, **extra}, indent=2, default=_plain)


def _plain(value):
    """NumPy scalars and arrays as JSON numbers and lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
