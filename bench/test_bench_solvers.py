"""Exact solvers and early-stopped MBGD against scikit-learn's LogisticRegression (lbfgs)
on the 60,000 x 784, 10-class MNIST-shaped float32 data.

- time to reach scikit-learn's final objective (rel. 1e-6) with fastlr's L-BFGS;
- time for early-stopped MBGD to reach the test accuracy of converged scikit-learn.
The scikit-learn fit is timed once (it takes seconds) and its result is the target.
"""
from __future__ import annotations

import time
import warnings

import numpy as np

from benchutil import mnist, run
from fastlr import SoftmaxRegression
from fastlr import reference as R
from fastlr.datasets import make_mnist_like

C = 1.0
_SK = {}


def held_out_set():
    return make_mnist_like(10_000, random_state=1)


def objective(X64, y, coef, intercept, alpha):
    return R.objective("softmax", X64, y, np.ones(len(y)), coef.astype(np.float64),
                       intercept.astype(np.float64), 0.0, alpha)[0]


def sklearn_model():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=1000)


def sklearn_fit(model=None):
    """scikit-learn lbfgs to its default convergence; cached (time, objective, accuracy).

    Only ``fit`` is timed; the objective and accuracy are evaluated afterwards.
    """
    if "objective" not in _SK:
        X, y = mnist(np.float32)
        model = model or sklearn_model()
        if not hasattr(model, "coef_"):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X, y)
            _SK["time"] = time.perf_counter() - t0
        _SK["model"] = model
        alpha = 1.0 / (C * len(y))
        _SK["objective"] = objective(X.astype(np.float64), y, model.coef_, model.intercept_, alpha)
        Xt, yt = held_out_set()
        _SK["accuracy"] = model.score(Xt, yt)
        _SK["n_iter"] = int(np.max(model.n_iter_))
    return _SK


def test_sklearn_lbfgs(benchmark):
    _SK.clear()
    X, y = mnist(np.float32)
    model = sklearn_model()

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)

    run(benchmark, fit, "sklearn lbfgs", "solver: reach sklearn lbfgs objective",
        rounds=1, warmup=0, kind="solver")
    _SK["time"] = benchmark.stats.stats.median
    sklearn_fit(model)
    benchmark.extra_info.update(objective=_SK["objective"], test_accuracy=_SK["accuracy"],
                                iterations=_SK["n_iter"], seconds=_SK["time"])


def test_fastlr_lbfgs_to_sklearn_objective(benchmark):
    sk = sklearn_fit()
    X, y = mnist(np.float32)
    X64 = X.astype(np.float64)
    alpha = 1.0 / (C * len(y))
    target = sk["objective"] * (1 + 1e-6)
    kw = dict(solver="lbfgs", alpha=alpha, standardize=False, tol=0.0)
    probe = SoftmaxRegression(max_iter=2000, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe.fit(X, y)
    # the first iteration whose objective (re-evaluated in float64) reaches the target
    k = next((i + 1 for i, f in enumerate(probe.loss_curve_) if f <= target), probe.n_iter_)
    while True:
        model = SoftmaxRegression(max_iter=k, **kw)

        def fit():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X, y)

        fit()
        f = objective(X64, y, model.coef_, model.intercept_, alpha)
        if f <= target or k >= probe.n_iter_:
            break
        k += 1
    run(benchmark, fit, "fastlr", "solver: reach sklearn lbfgs objective", rounds=3, warmup=0,
        kind="solver", iterations=k, objective=f, sklearn_objective=sk["objective"],
        reached=bool(f <= target))
    assert f <= target, f"fastlr L-BFGS did not reach scikit-learn's objective: {f} > {target}"


def test_fastlr_mbgd_early_stopping_to_sklearn_accuracy(benchmark):
    sk = sklearn_fit()
    X, y = mnist(np.float32)
    Xt, yt = held_out_set()
    # pixel data in [0, 1] needs no standardization; a plateau of 2 epochs without
    # a 0.1% gain in validation accuracy ends training (the best epoch is kept)
    model = SoftmaxRegression(early_stopping=True, validation_fraction=0.1, n_iter_no_change=2,
                              tol=1e-3, batch_size=512, learning_rate=0.1, standardize=False,
                              alpha=1e-5, max_iter=50, random_state=0)

    def fit():
        model.fit(X, y)

    run(benchmark, fit, "fastlr", "solver: reach sklearn test accuracy", rounds=3, warmup=1,
        kind="solver")
    acc = model.score(Xt, yt)
    benchmark.extra_info.update(test_accuracy=acc, sklearn_accuracy=sk["accuracy"],
                                sklearn_seconds=sk["time"], epochs=model.n_iter_,
                                speedup_vs_sklearn=sk["time"] / benchmark.stats.stats.median)
    assert acc >= sk["accuracy"] - 0.005, (acc, sk["accuracy"])
