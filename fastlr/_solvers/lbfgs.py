"""Full-batch L-BFGS (scipy.optimize, L-BFGS-B) for smooth penalties (none, L2).

Every evaluation is one threaded fused pass over X (:class:`FullBatchObjective`)
on the preconditioned problem. Stops when the largest component of the
gradient *with respect to coef_ and intercept_* (the user's units, as
scikit-learn's lbfgs states its ``tol``) is at most ``tol``, or when the
objective stalls at machine precision.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from .objective import full_batch_objective
from .result import DivergenceError, SolverResult, data_overflow


def lbfgs(problem, W, b, *, max_iter, tol, verbose=0, warn=True):
    p = problem
    if p.l1 > 0:
        raise ValueError("solver='lbfgs' handles smooth penalties only (L2 or none); "
                         "use solver='fista' (or 'auto') when l1_ratio > 0")
    obj = full_batch_objective(p)
    K, d = W.shape
    curve = []
    last = {}

    def fun(x):
        value, G, gb = obj.smooth(x[:K * d].reshape(K, d), x[K * d:])
        if not np.isfinite(value):
            raise DivergenceError(
                "the objective became non-finite in L-BFGS: " + (data_overflow(p.X) or
                "the data overflow the chosen dtype; scale the features"))
        last.update(x=x.copy(), G=G, gb=gb)
        return value, np.concatenate([G.ravel(), gb])

    def gradient_norm(x):
        """Largest |gradient| component in coef_/intercept_ units at x."""
        if "x" not in last or not np.array_equal(last["x"], x):
            fun(x)
        G, gb = p.original_gradient(last["G"], last["gb"])
        return float(max(np.abs(G).max(initial=0.0),
                         np.abs(gb).max(initial=0.0) if p.fit_intercept else 0.0))

    state = {"converged": False, "gnorm": np.inf}

    def callback(intermediate_result):
        curve.append(float(intermediate_result.fun))
        state["gnorm"] = gradient_norm(intermediate_result.x)
        if verbose:
            print(f"-- L-BFGS iteration {len(curve)}: objective {curve[-1]:.10g}, "
                  f"gradient {state['gnorm']:.3g}")
        if state["gnorm"] <= tol:
            state["converged"] = True
            raise StopIteration

    x0 = np.concatenate([W.ravel(), b]).astype(np.float64)
    if gradient_norm(x0) <= tol:  # already optimal (a warm start)
        return SolverResult(W=W.copy(), b=b.copy(), n_iter=0, converged=True,
                            optimality=gradient_norm(x0))
    # scipy's own gtol acts on the preconditioned gradient: leave stopping to the callback
    res = minimize(fun, x0, jac=True, method="L-BFGS-B", callback=callback,
                   options={"maxiter": max_iter, "gtol": 0.0,
                            "ftol": 64 * np.finfo(float).eps, "maxcor": 10, "maxls": 50})
    x = res.x
    gnorm = gradient_norm(x)
    converged = state["converged"] or gnorm <= tol or (
        res.status == 0 and len(curve) < max_iter)  # stalled at machine precision
    if warn and not converged:
        warnings.warn(
            f"L-BFGS did not converge in {res.nit} iterations; final gradient max-norm "
            f"{gnorm:.3g} > tol={tol}. Increase max_iter.", ConvergenceWarning)
    return SolverResult(W=x[:K * d].reshape(K, d).astype(p.dtype),
                        b=x[K * d:].astype(p.dtype), n_iter=int(res.nit),
                        loss_curve=curve, converged=converged, optimality=gnorm)
