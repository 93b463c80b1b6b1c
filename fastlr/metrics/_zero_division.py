"""Zero denominators: the score is set to 0 and an
:class:`sklearn.exceptions.UndefinedMetricWarning` is emitted, as scikit-learn
does with its default ``zero_division="warn"``.

The warnings point at the user's line: :func:`_user_stacklevel` skips every
frame that belongs to the :mod:`fastlr.metrics` package (whichever of its
private modules the frame is in).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

_PACKAGE = __name__.rpartition(".")[0]  # "fastlr.metrics"


def _in_package(module_name) -> bool:
    return isinstance(module_name, str) and (
        module_name == _PACKAGE or module_name.startswith(_PACKAGE + ".")
    )


def _user_stacklevel() -> int:
    """``stacklevel`` making a warning point at the first caller outside the
    ``fastlr.metrics`` package (counted from the function that calls
    ``warnings.warn``)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and _in_package(frame.f_globals.get("__name__")):
        frame, level = frame.f_back, level + 1
    return level


def _warn_undefined(message: str) -> None:
    """Emit ``message`` as an ``UndefinedMetricWarning`` at the user's line."""
    warnings.warn(message, UndefinedMetricWarning, stacklevel=_user_stacklevel())


def _warn(metric: str, modifier: str, size: int) -> None:
    where = "due to" if size == 1 else "in labels with"
    _warn_undefined(
        f"{metric} is ill-defined and being set to 0.0 {where} no {modifier} "
        "samples."
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
