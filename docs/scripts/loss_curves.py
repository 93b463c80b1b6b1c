"""Loss curves of fastlr's three solvers on one problem: docs/img/loss_curves.png.

    python docs/scripts/loss_curves.py [--out docs/img/loss_curves.png] [--small]

The problem is softmax regression on scikit-learn's digits (1797 x 64, raw
0-16 pixel values, 10 classes; ``SoftmaxRegression``, penalty on ``coef_``),
in two variants, one panel each:

- L2 penalty (``alpha=1e-4``, the default): MBGD with its default settings
  (``max_iter=300`` so that its own stopping test ends the fit), L-BFGS, and
  FISTA run on the same smooth objective;
- L1 penalty (``alpha=1e-3``): FISTA, the solver built for it, and MBGD with
  its proximal L1 step.

Every curve is the *same* objective, the mean-form training objective
``Σ ℓ_i / n + alpha · penalty(coef_)`` computed from ``coef_`` and
``intercept_`` with :func:`fastlr.reference.objective`, minus the best value
any run reached (a tightly converged exact solve), on a log scale.

What ``loss_curve_`` holds differs by solver, hence the recomputation:

- L-BFGS and FISTA record the full objective after every iteration; the
  script checks that their last entry equals the reference objective of the
  fitted ``coef_``/``intercept_`` and plots ``loss_curve_`` itself;
- MBGD records, per epoch, the mean of the minibatch objectives computed
  *during* the epoch while the weights move (what its stopping test reads),
  not the objective at the end of the epoch. The script refits MBGD with
  ``max_iter=k`` for a geometric grid of k (the same seed gives the same first
  k epochs; checked) and evaluates the objective of each model. MBGD's own
  ``loss_curve_`` is drawn dotted for comparison.

The legend gives each solver's epoch/iteration count and the wall time of
its fit (warm: kernels compiled beforehand; one run, so read it as a rough
figure). ``--small`` uses 300 rows and short runs (for the test suite).
"""
from __future__ import annotations

import argparse
import pathlib
import time
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from fastlr import SoftmaxRegression  # noqa: E402
from fastlr import reference  # noqa: E402

DEFAULT_OUT = pathlib.Path(__file__).resolve().parents[1] / "img" / "loss_curves.png"

#: (title, estimator parameters shared by every solver of the panel, (l1, l2) strengths)
PROBLEMS = {
    "l2": ("L2 penalty, alpha=1e-4", dict(penalty="l2", alpha=1e-4)),
    "l1": ("L1 penalty, alpha=1e-3", dict(penalty="l1", alpha=1e-3)),
}
COLORS = {"MBGD": "C0", "L-BFGS": "C1", "FISTA": "C2"}


def strengths(params):
    """(l1, l2) of the mean-form objective for SoftmaxRegression's penalty params."""
    a = params["alpha"]
    return (a, 0.0) if params["penalty"] == "l1" else (0.0, a)


def objective(model, X, y, params):
    """The mean-form training objective of a fitted model, from coef_ and intercept_."""
    l1, l2 = strengths(params)
    value, _, _ = reference.objective("softmax", X, y, np.ones(len(y)),
                                      model.coef_.astype(np.float64),
                                      model.intercept_.astype(np.float64), l1=l1, l2=l2)
    return value


def timed_fit(X, y, **params):
    """Fit once to compile (max_iter=1), then again and time it."""
    SoftmaxRegression(**{**params, "max_iter": 1}).fit(X, y)
    model = SoftmaxRegression(**params)
    t0 = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - t0


def exact_curve(model, X, y, params):
    """loss_curve_ of L-BFGS/FISTA, checked against the reference objective."""
    curve = np.asarray(model.loss_curve_, dtype=np.float64)
    final = objective(model, X, y, params)
    if not np.isclose(curve[-1], final, rtol=1e-8, atol=1e-12):
        raise AssertionError(f"{model.solver_}: loss_curve_[-1] = {curve[-1]!r} is not the "
                             f"objective of the fitted model ({final!r})")
    return np.arange(1, len(curve) + 1), curve


def mbgd_curve(model, X, y, params, n_points):
    """Objective at the end of epoch k of ``model``'s run, for a geometric grid of k."""
    n = model.n_iter_
    ks = np.unique(np.geomspace(1, n, min(n, n_points)).round().astype(int))
    values = []
    for k in ks:
        mk = SoftmaxRegression(**{**params, "max_iter": int(k)}).fit(X, y)
        if not np.allclose(mk.loss_curve_, model.loss_curve_[:k], rtol=1e-12, atol=0):
            raise AssertionError(f"the refit with max_iter={k} did not retrace the first "
                                 "epochs of the full run")
        values.append(objective(mk, X, y, params))
    return ks, np.asarray(values)


def run_problem(X, y, params, small):
    """Curves of one panel: {label: (x, objective, fit time, n_iter, own loss_curve_)}."""
    # MBGD: every default except max_iter (the digits need ~110 epochs before the
    # stopping test holds; the user guide uses max_iter=300 as well)
    mbgd_iter = 30 if small else 300
    exact_iter = 100 if small else 1000
    solvers = {"MBGD": dict(solver="mbgd", max_iter=mbgd_iter, random_state=0),
               "FISTA": dict(solver="fista", max_iter=exact_iter)}
    if params["penalty"] != "l1":
        solvers = {"MBGD": solvers["MBGD"], "L-BFGS": dict(solver="lbfgs", max_iter=exact_iter),
                   "FISTA": solvers["FISTA"]}
    curves = {}
    for name, extra in solvers.items():
        p = {**params, **extra}
        model, seconds = timed_fit(X, y, **p)
        if name == "MBGD":
            x, v = mbgd_curve(model, X, y, p, n_points=12 if small else 40)
        else:
            x, v = exact_curve(model, X, y, p)
        curves[name] = dict(x=x, objective=v, seconds=seconds, n_iter=int(model.n_iter_),
                            max_iter=p["max_iter"],
                            loss_curve=np.asarray(model.loss_curve_, np.float64),
                            zeros=float(np.mean(model.coef_ == 0)))
    # the best objective reached: a tightly converged exact solve (and every curve)
    tight = dict(solver="lbfgs" if params["penalty"] != "l1" else "fista",
                 tol=1e-10, max_iter=300 if small else 5000)
    best_model = SoftmaxRegression(**params, **tight).fit(X, y)
    best = min([objective(best_model, X, y, params)]
               + [float(c["objective"].min()) for c in curves.values()])
    return curves, best


def plot(panels, out, n_samples):
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 4.6),
                             constrained_layout=True)
    for ax, (title, (curves, best)) in zip(np.atleast_1d(axes), panels.items()):
        for name, c in curves.items():
            unit = "epochs" if name == "MBGD" else "iterations"
            label = f"{name}: {c['n_iter']} {unit}, {c['seconds']:.2f} s"
            if c["n_iter"] >= c["max_iter"]:
                label += " (max_iter)"
            if "L1" in title:
                label += f", {c['zeros']:.0%} of coef_ = 0"
            gap = c["objective"] - best
            ax.plot(c["x"], np.where(gap > 0, gap, np.nan), color=COLORS[name], lw=1.8,
                    marker="o" if name == "MBGD" else None, ms=3, label=label)
            if name == "MBGD":
                own = c["loss_curve"] - best
                ax.plot(np.arange(1, len(own) + 1), np.where(own > 0, own, np.nan),
                        color=COLORS[name], lw=1, ls=":",
                        label="MBGD loss_curve_ (mean of the epoch's minibatch objectives)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("epoch (MBGD) / iteration (L-BFGS, FISTA)")
        ax.set_ylabel("objective − best objective reached")
        ax.set_title(f"{title} (best {best:.6g})", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
    fig.suptitle(f"SoftmaxRegression on digits ({n_samples} × 64, raw pixels, 10 classes): "
                 "training objective from coef_ (fastlr.reference.objective)", fontsize=11)
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv=None):
    """Run the fits, write the figure, print the numbers; returns the curves by panel."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="PNG to write")
    parser.add_argument("--small", action="store_true",
                        help="300 rows and short runs (a quick check, for the tests)")
    args = parser.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    if args.small:
        X, y = X[:300], y[:300]
    panels = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for key, (title, params) in PROBLEMS.items():
            panels[title] = run_problem(X, y, params, args.small)
    out = plot(panels, args.out, len(y))
    for title, (curves, best) in panels.items():
        print(f"{title}: best objective {best:.10g}")
        for name, c in curves.items():
            gap = c["objective"] - best
            print(f"  {name:6s} {c['n_iter']:5d} {'epochs' if name == 'MBGD' else 'iterations'}"
                  f" {c['seconds']:7.3f} s  objective first {c['objective'][0]:.6g} "
                  f"last {c['objective'][-1]:.10g}  gap last {gap[-1]:.3g}  "
                  f"coef_ zeros {c['zeros']:.1%}")
    print(f"wrote {out}")
    return panels


if __name__ == "__main__":
    main()
