"""Dask arrays: exact solvers over row chunks reach the in-memory model; lazy predictions."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification

import fastlr

da = pytest.importorskip("dask.array")


def est_for(n_classes):
    """The alpha-style estimator for the number of classes."""
    return fastlr.SoftmaxRegression if n_classes > 2 else fastlr.SigmoidRegression


def data(n_classes=3, n=400, dtype=np.float64, seed=0):
    X, y = make_classification(n, 10, n_informative=6, n_classes=n_classes, random_state=seed)
    X = (X * np.linspace(1, 5, 10) + 3).astype(dtype)      # columns on different scales
    w = np.random.default_rng(seed).uniform(0.2, 3, n)
    return X, y, w


def objective_of(model, X, y, w, l1, l2):
    from fastlr import reference as R
    from sklearn.utils.class_weight import compute_class_weight

    classes = np.unique(y)
    sw = w * compute_class_weight("balanced", classes=classes, y=y)[np.searchsorted(classes, y)]
    fam = "softmax" if len(classes) > 2 else "sigmoid"
    T = y if fam == "softmax" else (y == classes[1]).astype(float)[:, None]
    return R.objective(fam, X, T, sw, model.coef_, model.intercept_, l1, l2)[0]


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("standardize", [True, False])
def test_dask_objective_equals_the_in_memory_objective(n_classes, standardize):
    from fastlr._solvers.objective import full_batch_objective

    X, y, w = data(n_classes)
    kw = dict(solver="lbfgs", alpha=1e-2, standardize=standardize, max_iter=1, tol=0.0)
    captured = {}
    import importlib

    L = importlib.import_module("fastlr._solvers.lbfgs")

    real = L.full_batch_objective

    def spy(problem):
        captured.setdefault("problems", []).append(problem)
        return real(problem)

    L.full_batch_objective = spy
    try:
        with pytest.warns(Warning):
            est_for(n_classes)(**kw).fit(X, y, sample_weight=w)
            est_for(n_classes)(**kw).fit(da.from_array(X, chunks=(97, 10)),
                                         da.from_array(y, chunks=97),
                                         sample_weight=da.from_array(w, chunks=50))
    finally:
        L.full_batch_objective = real
    mem, dsk = (full_batch_objective(p) for p in captured["problems"])
    assert type(mem).__name__ == "FullBatchObjective" and type(dsk).__name__ == "DaskObjective"
    rng = np.random.default_rng(1)
    K = 1 if n_classes == 2 else n_classes
    W, b = rng.normal(0, 0.3, (K, X.shape[1])), rng.normal(0, 0.3, K)
    f1, G1, gb1 = mem.smooth(W, b)
    f2, G2, gb2 = dsk.smooth(W, b)
    assert f2 == pytest.approx(f1, rel=1e-12)
    np.testing.assert_allclose(G2, G1, rtol=1e-10, atol=1e-12 * np.abs(G1).max())
    np.testing.assert_allclose(gb2, gb1, rtol=1e-10, atol=1e-12 * np.abs(gb1).max())


CASES = [(2, "lbfgs", "l2", True), (3, "lbfgs", "l2", True), (2, "lbfgs", "l2", False),
         (3, "lbfgs", "l2", False), (2, "fista", "l1", True), (3, "fista", "l1", True),
         (3, "fista", "elasticnet", True)]


@pytest.mark.parametrize("n_classes,solver,penalty,standardize", CASES)
def test_dask_fit_reaches_the_in_memory_optimum(n_classes, solver, penalty, standardize):
    # the chunked sums round differently, so the solver paths part at the last
    # digits; both stop at the same optimum within the solver's precision
    X, y, w = data(n_classes)
    alpha, l1_ratio = 1e-2, 0.5
    kw = dict(solver=solver, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio, tol=1e-8,
              max_iter=20_000, standardize=standardize, class_weight="balanced")
    mem = est_for(n_classes)(**kw).fit(X, y, sample_weight=w)
    dsk = est_for(n_classes)(**kw).fit(da.from_array(X, chunks=(97, 10)),
                                       da.from_array(y, chunks=97),
                                       sample_weight=da.from_array(w, chunks=50))
    ratio = {"l1": 1.0, "l2": 0.0}.get(penalty, l1_ratio)
    f_mem = objective_of(mem, X, y, w, alpha * ratio, alpha * (1 - ratio))
    f_dsk = objective_of(dsk, X, y, w, alpha * ratio, alpha * (1 - ratio))
    assert f_dsk == pytest.approx(f_mem, rel=1e-9)
    scale = np.abs(mem.coef_).max()
    np.testing.assert_allclose(dsk.coef_, mem.coef_, atol=1e-4 * scale)
    np.testing.assert_array_equal(dsk.classes_, mem.classes_)
    assert dsk.n_features_in_ == X.shape[1]


def test_dask_float32_and_multilabel():
    X, Y = make_multilabel_classification(300, 8, n_classes=3, random_state=0)
    X = X.astype(np.float32)
    kw = dict(solver="lbfgs", alpha=1e-2, tol=1e-7)
    mem = fastlr.SigmoidRegression(**kw).fit(X, Y)
    dsk = fastlr.SigmoidRegression(**kw).fit(da.from_array(X, chunks=(64, 8)),
                                             da.from_array(Y, chunks=(64, 3)))
    assert dsk.coef_.dtype == np.float32 and dsk.coef_.shape == (3, 8)
    np.testing.assert_allclose(dsk.coef_, mem.coef_, rtol=1e-3, atol=1e-3)


def test_lazy_predictions_on_dask_arrays():
    X, y, _ = data(3)
    model = fastlr.LogisticRegression(C=0.5).fit(X, y)
    Xd = da.from_array(X, chunks=(100, 10))
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        lazy = getattr(model, method)(Xd)
        assert isinstance(lazy, da.Array)
        np.testing.assert_allclose(lazy.compute(), getattr(model, method)(X))
    Xb, yb, _ = data(2)
    binary = fastlr.LogisticRegression(solver="lbfgs").fit(Xb, yb)
    Xbd = da.from_array(Xb, chunks=(100, 10))
    for method in ("predict", "predict_proba", "decision_function"):
        np.testing.assert_allclose(getattr(binary, method)(Xbd).compute(),
                                   getattr(binary, method)(Xb))


def test_dask_on_a_distributed_cluster():
    distributed = pytest.importorskip("distributed")
    X, y, _ = data(3, n=300)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        Xd = client.persist(da.from_array(X, chunks=(75, 10)))
        model = fastlr.SoftmaxRegression(solver="lbfgs", alpha=1e-2, tol=1e-8).fit(
            Xd, da.from_array(y, chunks=75))
    mem = fastlr.SoftmaxRegression(solver="lbfgs", alpha=1e-2, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(model.coef_, mem.coef_, atol=1e-6 * np.abs(mem.coef_).max())


def test_dask_input_errors():
    X, y, _ = data(3)
    Xd, yd = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    with pytest.raises(ValueError, match="exact solvers"):
        fastlr.LogisticRegression(solver="mbgd").fit(Xd, yd)
    bad = X.copy()
    bad[5, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fastlr.LogisticRegression(solver="lbfgs").fit(da.from_array(bad, chunks=100), yd)
    with pytest.raises(ValueError, match="one class"):
        fastlr.LogisticRegression(solver="lbfgs").fit(Xd, da.zeros(len(y), chunks=100))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fastlr.LogisticRegression(solver="lbfgs").fit(Xd, da.from_array(y[:-1], chunks=100))
