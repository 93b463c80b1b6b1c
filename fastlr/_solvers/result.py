"""What every solver returns."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class DivergenceError(FloatingPointError, ValueError):
    """The objective became non-finite (a too large learning rate, or overflowing data)."""


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
