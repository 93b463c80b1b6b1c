"""Solvers: loops that call kernels. ``solve`` picks one from the estimator's settings."""
from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedShuffleSplit

from .._config import single_threaded_blas, threads
from .fista import fista
from .lbfgs import lbfgs
from .mbgd import mbgd
from .problem import Problem
from .result import DivergenceError, SolverResult
from .schedules import Schedule

__all__ = ["DivergenceError", "Problem", "Schedule", "SolverResult", "fista", "lbfgs",
           "mbgd", "resolve_solver", "resolve_tol", "solve"]


def resolve_solver(solver, penalty):
    """'auto' is the exact solver for the penalty: L-BFGS for None/'l2', FISTA otherwise."""
    if solver != "auto":
        return solver
    return "lbfgs" if penalty in (None, "l2") else "fista"


#: tol="auto": MBGD stops when the epoch objective stalls at this level; the exact
#: solvers when the largest gradient (or minimum-norm subgradient) entry is below it
AUTO_TOL = {"mbgd": 1e-3, "lbfgs": 1e-6, "fista": 1e-6}


def resolve_tol(tol, solver):
    """The stopping tolerance of ``solver`` ('auto' picks AUTO_TOL)."""
    return AUTO_TOL[solver] if isinstance(tol, str) else tol


def make_schedule(est) -> Schedule:
    """A float ``learning_rate`` is a constant step; a name picks a schedule with ``eta0``."""
    if isinstance(est.learning_rate, str):
        return Schedule(est.learning_rate, est.eta0, est.decay)
    return Schedule("constant", est.learning_rate)


def validation_split(problem: Problem, fraction, rng):
    """Split row indices into (train, validation), stratified for class targets.

    Multilabel targets, and class targets where some class has a single row,
    get a plain random split.
    """
    n = problem.n_samples
    n_val = int(np.ceil(fraction * n))
    if n_val < 1 or n - n_val < 1:
        raise ValueError(f"validation_fraction={fraction} leaves no rows to train or to "
                         f"validate on with {n} samples")
    labels = problem.T if problem.family == "softmax" else (
        problem.T[:, 0] if problem.T.shape[1] == 1 else None)
    seed = int(rng.randint(np.iinfo(np.int32).max)) if hasattr(rng, "randint") \
        else int(rng.integers(np.iinfo(np.int32).max))
    if labels is not None and np.unique(labels, return_counts=True)[1].min() >= 2:
        try:
            split = StratifiedShuffleSplit(n_splits=1, test_size=n_val, random_state=seed)
            train, val = next(split.split(np.zeros((n, 1)), labels))
            return np.sort(train), np.sort(val)
        except ValueError:  # too few rows per class for the validation size
            pass
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def accuracy_scorer(problem: Problem, val_idx, threshold):
    """score(W, b): weighted accuracy on the validation rows (subset accuracy for multilabel)."""
    Xv = problem.X[val_idx]
    Tv = problem.T[val_idx]
    wv = problem.sw[val_idx].astype(np.float64)
    if not wv.sum() > 0:
        raise ValueError("every validation row has sample weight 0: early stopping has "
                         "nothing to score; change validation_fraction or random_state")
    cut = np.log(threshold / (1.0 - threshold))

    def score(W, b):
        coef, intercept = problem.to_original_units(W, b)
        Z = Xv @ coef.T + intercept
        if problem.family == "softmax":
            ok = np.argmax(Z, axis=1) == Tv
        else:
            ok = np.all((Z >= cut) == (Tv > 0.5), axis=1)
        return float(np.dot(wv, ok) / wv.sum())

    return score


def solve(est, problem: Problem, W, b, *, rng, max_iter, warn=True, partial=False,
          epoch_offset=0):
    """Train ``problem`` from ``(W, b)`` with the estimator's solver and settings."""
    solver = "mbgd" if partial else resolve_solver(est.solver, est.penalty)
    tol = None if partial else resolve_tol(est.tol, solver)
    # BLAS stays single-threaded while the kernels run: OpenBLAS workers spin
    # after each call (scipy's L-BFGS-B, the small matrix products between
    # epochs) and took the cores from Numba's threads, making every pass 2-3x slower
    with threads(getattr(est, "n_jobs", None)), single_threaded_blas():
        if solver == "lbfgs":
            return lbfgs(problem, W, b, max_iter=max_iter, tol=tol or 0.0,
                         verbose=est.verbose, warn=warn)
        if solver == "fista":
            return fista(problem, W, b, max_iter=max_iter, tol=tol or 0.0,
                         verbose=est.verbose, warn=warn)
        train_idx = scorer = None
        if est.early_stopping and not partial:
            train_idx, val_idx = validation_split(problem, est.validation_fraction, rng)
            scorer = accuracy_scorer(problem, val_idx, getattr(est, "threshold", 0.5))
        return mbgd(problem, W, b, batch_size=int(est.batch_size),
                    schedule=make_schedule(est), max_iter=max_iter, tol=tol,
                    n_iter_no_change=est.n_iter_no_change, shuffle=est.shuffle, rng=rng,
                    train_idx=train_idx, validation_score=scorer, verbose=est.verbose,
                    epoch_offset=epoch_offset, warn=warn)
