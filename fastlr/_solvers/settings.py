"""How to train, apart from what to train: the settings a solver reads.

Estimators translate their parameters into a :class:`SolverSettings`; the
solvers never look at an estimator.
"""
from __future__ import annotations

from dataclasses import dataclass


#: tol="auto": MBGD stops when the epoch objective stalls at this level; the exact
#: solvers when the largest gradient (or minimum-norm subgradient) entry is below it
AUTO_TOL = {"mbgd": 1e-3, "lbfgs": 1e-6, "fista": 1e-6}


#: scikit-learn's solver names: each runs the fastlr exact solver for the penalty
SKLEARN_SOLVERS = ("liblinear", "newton-cg", "newton-cholesky", "sag", "saga")


def resolve_solver(solver, has_l1):
    """'auto' (and a scikit-learn solver name) is the exact solver for the penalty:
    L-BFGS for smooth penalties, FISTA when the penalty has an L1 part."""
    if solver == "auto" or solver in SKLEARN_SOLVERS:
        return "fista" if has_l1 else "lbfgs"
    return solver


def resolve_tol(tol, solver):
    """The stopping tolerance of ``solver`` ('auto' picks AUTO_TOL)."""
    return AUTO_TOL[solver] if isinstance(tol, str) else tol


@dataclass(frozen=True)
class SolverSettings:
    solver: str                      # "mbgd", "lbfgs" or "fista" (resolved)
    max_iter: int                    # epochs (MBGD) or iterations (exact solvers)
    tol: float | None                # None: run all max_iter epochs
    verbose: int = 0
    n_jobs: int | None = None
    warn: bool = True                # ConvergenceWarning when max_iter ends the fit
    # mini-batch gradient descent only
    batch_size: int = 32             # rows per minibatch (more than n: full batch)
    schedule: str = "adaptive"       # "constant", "inverse_time" or "adaptive"
    eta0: float | str = "auto"       # first step size; "auto": from the data (step_size.py)
    decay: float = 0.1               # inverse_time's decay
    n_iter_no_change: int = 5
    shuffle: bool = True
    early_stopping: bool = False
    validation_fraction: float = 0.1
    threshold: float = 0.5           # decision threshold of the validation score
    epoch_offset: int = 0            # epochs already run (partial_fit, schedules)
    original_units: bool = False     # W in and out in the user's units (see mbgd)
