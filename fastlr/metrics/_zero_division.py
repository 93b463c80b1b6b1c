"""Zero denominators, with scikit-learn's ``zero_division`` meaning:

* ``"warn"`` (default): the score is 0 and an
  :class:`sklearn.exceptions.UndefinedMetricWarning` is emitted;
* ``0`` or ``1``: the score is that value, silently;
* ``np.nan``: the score is NaN, silently; averages then skip it.

The warnings point at the user's line: :func:`_user_stacklevel` skips every
frame that belongs to the :mod:`fastlr.metrics` package (whichever of its
private modules the frame is in).
"""

from __future__ import annotations

import numbers
import sys
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

_PACKAGE = __name__.rpartition(".")[0]  # "fastlr.metrics"

#: metrics that warn about a zero denominator (scikit-learn's ``warn_for``)
WARN_ALL = ("precision", "recall", "f-score")


def _check_zero_division(zero_division):
    """Validate ``zero_division``: ``"warn"``, 0, 1 or ``np.nan``."""
    if isinstance(zero_division, str):
        if zero_division == "warn":
            return zero_division
    elif isinstance(zero_division, numbers.Real) and not isinstance(zero_division, bool):
        if zero_division in (0, 1) or np.isnan(zero_division):
            return zero_division
    raise ValueError(
        f'zero_division must be "warn", 0, 1 or np.nan, got {zero_division!r}.'
    )


def _zero_value(zero_division) -> float:
    """The score given to an ill-defined metric."""
    return 0.0 if zero_division == "warn" else float(zero_division)


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


def _warn(metric: str, modifier: str, size: int, over: str) -> None:
    items = "labels" if over == "samples" else "samples"
    where = "due to" if size == 1 else f"in {over} with"
    _warn_undefined(
        f"{metric} is ill-defined and being set to 0.0 {where} no {modifier} "
        f"{items}. Use `zero_division` parameter to control this behavior."
    )


def _divide(num, den, metric: str, modifier: str, zero_division="warn", warn=True,
            over="labels") -> np.ndarray:
    """``num / den`` elementwise; where ``den == 0`` the ``zero_division``
    value, with a warning if ``zero_division == "warn"`` and ``warn``.

    ``over`` ("labels" or "samples") names what the entries are, for the
    warning message.
    """
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    zero = den == 0
    out = num / np.where(zero, 1.0, den)
    if np.any(zero):
        out[zero] = _zero_value(zero_division)
        if warn and zero_division == "warn":
            _warn(metric, modifier, out.shape[0], over)
    return out
