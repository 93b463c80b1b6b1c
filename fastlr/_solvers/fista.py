"""Accelerated proximal gradient (FISTA) with backtracking and gradient restart
(O'Donoghue & Candès 2015).

For penalty "l1" and "elasticnet" (the l2 part is in the smooth term; the
prox is the soft-threshold). The intercept takes plain gradient steps.
Stops when the optimality measure — the largest entry of the minimum-norm
subgradient of the objective with respect to coef_ and intercept_ (the
user's units) — is below ``tol`` (for smooth coordinates the gradient itself,
so the rule matches L-BFGS's).
"""
from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._progress import Progress
from .objective import full_batch_objective
from .prox import soft_threshold
from .result import DivergenceError, SolverResult, data_overflow


def optimality(W, G, gb, l1, fit_intercept):
    """max |minimum-norm subgradient| of smooth + Σ l1_j |W_j| at W (l1 a scalar or (d,))."""
    sub = np.where(W != 0, np.abs(G + l1 * np.sign(W)), np.maximum(np.abs(G) - l1, 0.0))
    m = float(sub.max()) if sub.size else 0.0
    if fit_intercept and gb.size:
        m = max(m, float(np.abs(gb).max()))
    return m


def fista(problem, W, b, *, max_iter, tol, verbose=0, warn=True):
    p = problem
    obj = full_batch_objective(p)
    l1 = p.l1 * np.asarray(p.pen, np.float64)  # per-feature strength
    l1_orig = p.original_l1()
    with Progress("FISTA", p, verbose=verbose, max_iter=max_iter, tol=tol) as progress:
        x_W, x_b = W.astype(np.float64), b.astype(np.float64)
        f_x, G, gb = obj.smooth(x_W, x_b)
        y_W, y_b, f_y, Gy, gby = x_W, x_b, f_x, G, gb
        t, L = 1.0, 1.0
        curve, opt, converged, it = [], np.inf, False, 0
        for it in range(1, max_iter + 1):
            while True:  # backtracking on the Lipschitz estimate L
                n_W = soft_threshold(y_W - Gy / L, l1 / L)
                n_b = y_b - gby / L
                f_n, Gn, gbn = obj.smooth(n_W, n_b)
                dW, db = n_W - y_W, n_b - y_b
                # sufficient decrease f(n) <= f(y) + <g_y, d> + L/2 |d|², tested through
                # the gradients (for convex f, f(n) - f(y) - <g_y, d> <= <g_n - g_y, d>):
                # no cancellation of nearly equal objective values near the optimum
                curv = np.sum((Gn - Gy) * dW) + np.sum((gbn - gby) * db)
                if curv <= 0.5 * L * (np.sum(dW * dW) + np.sum(db * db)) or L > 1e16:
                    break
                L *= 2.0
            F_n = f_n + float(np.sum(l1 * np.abs(n_W)))
            if not (np.isfinite(F_n) and np.all(np.isfinite(n_W)) and np.all(np.isfinite(n_b))):
                raise DivergenceError(
                    "the objective became non-finite in FISTA: " + (data_overflow(p.X) or
                    "the data overflow the chosen dtype; scale the features"))
            curve.append(F_n)
            # stated in coef_/intercept_ units, as the L-BFGS rule (the zero pattern of W
            # is that of coef_)
            G_orig, gb_orig = p.original_gradient(Gn, gbn)
            opt = optimality(n_W, G_orig, gb_orig, l1_orig, p.fit_intercept)
            if progress:
                progress.step(it, objective=F_n, optimality=opt)
            if opt <= tol:
                x_W, x_b, converged = n_W, n_b, True
                break
            # adaptive (gradient) restart: drop the momentum when it points uphill
            restart = (np.sum((y_W - n_W) * (n_W - x_W)) + np.sum((y_b - n_b) * (n_b - x_b))) > 0
            t_n = 1.0 if restart else 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            beta = 0.0 if restart else (t - 1.0) / t_n
            y_W, y_b = n_W + beta * (n_W - x_W), n_b + beta * (n_b - x_b)
            x_W, x_b, t = n_W, n_b, t_n
            if beta == 0.0:
                f_y, Gy, gby = f_n, Gn, gbn
            else:
                f_y, Gy, gby = obj.smooth(y_W, y_b)
            L *= 0.9  # let the step grow again where the curvature allows
        stop = "converged" if converged else f"not converged in max_iter={max_iter} iterations"
        progress.finish(it, f"{stop} (optimality {opt:.3g}, tol={tol:g})")
    if warn and not converged:
        warnings.warn(
            f"FISTA did not converge in {max_iter} iterations; final optimality "
            f"(max minimum-norm subgradient) {opt:.3g} > tol={tol}. Increase max_iter.",
            ConvergenceWarning)
    return SolverResult(W=x_W.astype(p.dtype), b=x_b.astype(p.dtype), n_iter=it,
                        loss_curve=curve, converged=converged, optimality=opt)
