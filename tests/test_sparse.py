"""scipy.sparse CSR input: the same models as on dense data, without densifying X."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_multilabel_classification

import fastlr


def sparse_data(kind, dtype=np.float64):
    if kind == "multilabel":
        X, y = make_multilabel_classification(200, 15, n_classes=3, random_state=0)
        X = X * (np.random.default_rng(0).random(X.shape) < 0.5)
    else:
        X, y = make_classification(240, 15, n_informative=6, n_classes=2 if kind == "binary" else 3,
                                   random_state=0)
        X[np.abs(X) < 0.7] = 0.0
    X = X.astype(dtype)
    return X, sp.csr_matrix(X), y


KINDS = ["binary", "multiclass", "multilabel"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_size", [1, 7, 32, 256])
def test_mbgd_on_csr_equals_dense(kind, batch_size):
    X, Xs, y = sparse_data(kind)
    kw = dict(batch_size=batch_size, max_iter=4, tol=None, random_state=0,
              penalty="elasticnet", alpha=1e-3, l1_ratio=0.5)
    Est = fastlr.SoftmaxRegression if kind == "multiclass" else fastlr.SigmoidRegression
    dense = Est(**kw).fit(X, y)
    csr = Est(**kw).fit(Xs, y)
    np.testing.assert_allclose(csr.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(csr.intercept_, dense.intercept_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(csr.loss_curve_, dense.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(csr.predict_proba(Xs), dense.predict_proba(X), rtol=1e-10)
    np.testing.assert_array_equal(csr.predict(Xs), dense.predict(X))


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
@pytest.mark.parametrize("solver,penalty", [("lbfgs", "l2"), ("fista", "l1")])
def test_exact_solvers_reach_the_dense_optimum(kind, solver, penalty):
    X, Xs, y = sparse_data(kind)
    kw = dict(solver=solver, penalty=penalty, alpha=1e-2, tol=1e-10, max_iter=20_000)
    Est = fastlr.SoftmaxRegression if kind == "multiclass" else fastlr.SigmoidRegression
    dense = Est(**kw).fit(X, y)
    csr = Est(**kw).fit(Xs, y)
    scale = np.abs(dense.coef_).max()
    np.testing.assert_allclose(csr.coef_, dense.coef_, atol=1e-6 * scale)
    # softmax intercepts are defined up to a common shift (the probabilities are not)
    shift = (lambda b: b - b.mean()) if kind == "multiclass" else (lambda b: b)
    np.testing.assert_allclose(shift(csr.intercept_), shift(dense.intercept_),
                               atol=1e-6 * max(scale, 1))
    np.testing.assert_allclose(csr.predict_proba(Xs), dense.predict_proba(X), atol=1e-6)


def test_csr_keeps_float32_and_int64_indices():
    X, Xs, y = sparse_data("multiclass", np.float32)
    Xs64 = Xs.copy()
    Xs64.indices = Xs64.indices.astype(np.int64)
    Xs64.indptr = Xs64.indptr.astype(np.int64)
    a = fastlr.SoftmaxRegression(max_iter=3, tol=None, random_state=0).fit(Xs, y)
    b = fastlr.SoftmaxRegression(max_iter=3, tol=None, random_state=0).fit(Xs64, y)
    assert a.coef_.dtype == np.float32 and a.predict_proba(Xs).dtype == np.float32
    assert b.coef_.dtype == np.float32
    # int32 and int64 indices compile to two specialisations whose float32 sums
    # may be reassociated differently (fastmath): equal to float32 rounding, not bits
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-5, atol=1e-6)


def test_other_sparse_formats_are_converted():
    X, Xs, y = sparse_data("binary")
    a = fastlr.SigmoidRegression(max_iter=3, tol=None, random_state=0).fit(Xs, y)
    b = fastlr.SigmoidRegression(max_iter=3, tol=None, random_state=0).fit(Xs.tocsc(), y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.predict(Xs.tocoo()), a.predict(Xs))


def test_sparse_nan_is_rejected():
    X, Xs, y = sparse_data("binary")
    Xs = Xs.copy()
    Xs.data[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fastlr.SigmoidRegression().fit(Xs, y)


def test_sparse_early_stopping_and_partial_fit():
    X, Xs, y = sparse_data("multiclass")
    m = fastlr.SoftmaxRegression(early_stopping=True, max_iter=50, random_state=0).fit(Xs, y)
    assert len(m.validation_scores_) == m.n_iter_
    p = fastlr.SoftmaxRegression(random_state=0, standardize=False, shuffle=False)
    p.partial_fit(Xs, y, classes=np.unique(y))
    q = fastlr.SoftmaxRegression(random_state=0, standardize=False, shuffle=False)
    q.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_allclose(p.coef_, q.coef_, rtol=1e-10, atol=1e-12)
