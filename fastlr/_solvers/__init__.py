"""Solvers: loops that call kernels. ``solve`` runs the one the settings name."""
from __future__ import annotations

from .._config import single_threaded_blas, threads
from .early_stopping import accuracy_scorer, validation_split
from .fista import fista
from .lbfgs import lbfgs
from .mbgd import mbgd
from .problem import Problem
from .result import DivergenceError, SolverResult
from .schedules import Schedule
from .settings import SolverSettings, resolve_solver, resolve_tol
from .sparse_epochs import trains_in_original_units
from .step_size import auto_step

__all__ = ["DivergenceError", "Problem", "Schedule", "SolverResult", "SolverSettings",
           "fista", "lbfgs", "mbgd", "resolve_solver", "resolve_tol", "solve",
           "trains_in_original_units"]


def solve(problem: Problem, W, b, settings: SolverSettings, *, rng):
    """Train ``problem`` from ``(W, b)`` as ``settings`` say."""
    s = settings
    # BLAS stays single-threaded while the kernels run: OpenBLAS workers spin
    # after each call (scipy's L-BFGS-B, the small matrix products between
    # epochs) and took the cores from Numba's threads, making every pass 2-3x slower
    with threads(s.n_jobs), single_threaded_blas():
        if s.solver == "lbfgs":
            return lbfgs(problem, W, b, max_iter=s.max_iter, tol=s.tol or 0.0,
                         verbose=s.verbose, warn=s.warn)
        if s.solver == "fista":
            return fista(problem, W, b, max_iter=s.max_iter, tol=s.tol or 0.0,
                         verbose=s.verbose, warn=s.warn)
        train_idx = scorer = None
        if s.early_stopping:
            train_idx, val_idx = validation_split(problem, s.validation_fraction, rng)
            scorer = accuracy_scorer(problem, val_idx, s.threshold, s.original_units)
        eta0 = auto_step(problem, s.batch_size) if s.eta0 == "auto" else float(s.eta0)
        schedule = Schedule(s.schedule, eta0, s.decay)
        return mbgd(problem, W, b, batch_size=s.batch_size, schedule=schedule,
                    max_iter=s.max_iter, tol=s.tol, n_iter_no_change=s.n_iter_no_change,
                    shuffle=s.shuffle, rng=rng, train_idx=train_idx,
                    validation_score=scorer, verbose=s.verbose,
                    epoch_offset=s.epoch_offset, warn=s.warn,
                    original_units=s.original_units)
