"""What every solver returns."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class DivergenceError(FloatingPointError, ValueError):
    """The objective became non-finite (a too large learning rate, or overflowing data)."""


def data_overflow(X):
    """A sentence blaming the data when their magnitudes overflow the arithmetic of
    training (|x| beyond the square root of the dtype's largest value), else None."""
    data = X.data if hasattr(X, "indptr") else X
    if not isinstance(data, np.ndarray) or data.size == 0:
        return None
    big = float(np.abs(data).max())
    limit = float(np.sqrt(np.finfo(data.dtype).max))
    if big <= limit:
        return None
    return (f"the data overflow {data.dtype}: |X| reaches {big:.3g}, beyond what products "
            f"and sums of features can hold (about {limit:.2g}); rescale those features "
            "(e.g. divide them by a power of ten)")


@dataclass
class SolverResult:
    W: np.ndarray
    b: np.ndarray
    n_iter: int
    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    best_validation_score: float | None = None
    converged: bool = False
    optimality: float | None = None   # exact solvers: final gradient / optimality norm
    eta0: float | None = None         # MBGD: the first step size it used
    original_units: bool = False      # W in the user's units (coef_), not the trained ones
