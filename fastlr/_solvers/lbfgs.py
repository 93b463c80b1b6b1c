"""Full-batch L-BFGS (scipy.optimize, L-BFGS-B) for penalty None and "l2".

Every evaluation is one threaded fused pass over X (:class:`FullBatchObjective`).
Stops when the largest gradient component is below ``tol`` (scipy's ``gtol``,
as scikit-learn's lbfgs does) or the objective stalls at machine precision.
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
        raise ValueError("solver='lbfgs' handles penalty None and 'l2' only; "
                         "use solver='fista' (or 'auto') for 'l1' and 'elasticnet'")
    obj = full_batch_objective(p)
    K, d = W.shape
    curve = []

    def fun(x):
        Wx = x[:K * d].reshape(K, d)
        value, G, gb = obj.smooth(Wx, x[K * d:])
        if not np.isfinite(value):
            raise DivergenceError(
                "the objective became non-finite in L-BFGS: " + (data_overflow(p.X) or
                "the data overflow the chosen dtype; scale the features "
                "(standardize=True)"))
        return value, np.concatenate([G.ravel(), gb])

    def callback(intermediate_result):
        curve.append(float(intermediate_result.fun))
        if verbose:
            print(f"-- L-BFGS iteration {len(curve)}: objective {curve[-1]:.10g}")

    x0 = np.concatenate([W.ravel(), b]).astype(np.float64)
    res = minimize(fun, x0, jac=True, method="L-BFGS-B", callback=callback,
                   options={"maxiter": max_iter, "gtol": tol, "ftol": 64 * np.finfo(float).eps,
                            "maxcor": 10, "maxls": 50})
    x = res.x
    _, G, gb = obj.smooth(x[:K * d].reshape(K, d), x[K * d:])
    gnorm = float(max(np.abs(G).max(), np.abs(gb).max() if p.fit_intercept else 0.0))
    converged = res.status == 0
    if warn and not converged:
        warnings.warn(
            f"L-BFGS did not converge in {res.nit} iterations ({res.message}); final "
            f"gradient max-norm {gnorm:.3g} (tol={tol}). Increase max_iter, or "
            "standardize the data.", ConvergenceWarning)
    return SolverResult(W=x[:K * d].reshape(K, d).astype(p.dtype),
                        b=x[K * d:].astype(p.dtype), n_iter=int(res.nit),
                        loss_curve=curve, converged=converged, optimality=gnorm)
