"""fastlr.LogisticRegression is scikit-learn's LogisticRegression: same arguments, same model.

Each case runs scikit-learn and fastlr with identical arguments. Run to
tol=1e-10 both reach the same optimum (objective to 1e-8; coefficients to
1e-4 of the largest where the optimum is unique enough to compare: raw data
leave flat directions where only the objective is determined). With default
arguments fastlr's fit is at least as converged: its objective, in
scikit-learn's formula, is no worse than scikit-learn's.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

import fastlr


def sklearn_objective(model, X, y, C, l1_ratio=0.0, sample_weight=None, class_weight=None):
    """C Σ s_i ℓ_i + (1 - l1_ratio)/2 |W|² + l1_ratio |W|_1, scikit-learn's formula."""
    classes = model.classes_
    Z = np.asarray(X @ model.coef_.astype(np.float64).T) + model.intercept_
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    if class_weight is not None:
        cw = compute_class_weight(class_weight, classes=classes, y=y, sample_weight=sample_weight)
        s = s * cw[np.searchsorted(classes, y)]
    if Z.shape[1] == 1:
        t = (y == classes[1]).astype(float)
        loss = np.logaddexp(0, Z[:, 0]) - t * Z[:, 0]
    else:
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), np.searchsorted(classes, y)]
    data = float(np.dot(s, loss))
    if np.isinf(C):
        return data
    W = model.coef_.astype(np.float64)
    return C * data + 0.5 * (1 - l1_ratio) * float((W * W).sum()) + l1_ratio * float(
        np.abs(W).sum())


def bag_of_words(n=1500, d=2**11, per_row=25, seed=0):
    """Counts of Zipf-distributed words; the label depends on 40 of them."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, d + 1)
    p /= p.sum()
    rows = np.repeat(np.arange(n), per_row)
    cols = rng.choice(d, n * per_row, p=p)
    X = sp.csr_matrix((np.ones(n * per_row), (rows, cols)), shape=(n, d))
    X.sum_duplicates()
    w = np.zeros(d)
    w[rng.choice(200, 40, replace=False)] = rng.normal(0, 1.5, 40)
    y = (X @ w + rng.normal(0, 0.5, n) > 0).astype(int)
    return X, y


def _cases():
    Xc, yc = load_breast_cancer(return_X_y=True)
    Xd, yd = load_digits(return_X_y=True)
    Xcs, Xds = StandardScaler().fit_transform(Xc), StandardScaler().fit_transform(Xd)
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.2, 3.0, len(yd))
    Xo = rng.standard_normal((500, 5))
    yo = (Xo[:, 0] + 2 * rng.standard_normal(500) > 0).astype(int)
    Xb, yb = bag_of_words()
    # (id, X, y, arguments, sample_weight, compare coef_, scikit-learn solver for tol=1e-10)
    return [
        ("cancer-raw-C1", Xc, yc, dict(C=1.0), None, False, "newton-cholesky"),
        ("digits-raw-C0.1", Xd, yd, dict(C=0.1), None, False, "newton-cholesky"),
        # saga needs ~10 s for tol=1e-10 on 500 rows, minutes on all 1,797
        ("digits-std-lasso", Xds[:500], yd[:500], dict(C=0.1, l1_ratio=1.0, solver="saga"),
         None, True, "saga"),
        ("cancer-std-enet", Xcs, yc, dict(C=1.0, l1_ratio=0.5, solver="saga"), None, True,
         "saga"),
        ("digits-std-weighted-balanced", Xds, yd, dict(C=1.0, class_weight="balanced"), sw,
         True, "newton-cholesky"),
        ("bag-of-words-csr", Xb, yb, dict(C=1.0), None, True, "lbfgs"),
        ("overlap-unpenalised", Xo, yo, dict(C=np.inf), None, True, "lbfgs"),
    ]


CASES = _cases()
IDS = [c[0] for c in CASES]


def _objective(model, case):
    _, X, y, kw, sw, _, _ = case
    return sklearn_objective(model, X, y, kw["C"], kw.get("l1_ratio", 0.0), sw,
                             kw.get("class_weight"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_same_optimum_as_sklearn(case):
    name, X, y, kw, sw, compare_coef, sk_solver = case
    args = {**kw, "tol": 1e-10, "max_iter": 100_000}
    sk = SkLogisticRegression(**{**args, "solver": sk_solver}).fit(X, y, sample_weight=sw)
    ours = fastlr.LogisticRegression(**args).fit(X, y, sample_weight=sw)
    f_sk, f_us = _objective(sk, case), _objective(ours, case)
    assert abs(f_us - f_sk) <= 1e-8 * abs(f_sk), (f_us, f_sk)
    if compare_coef:
        scale = np.abs(sk.coef_).max()
        np.testing.assert_allclose(ours.coef_, sk.coef_, rtol=0, atol=1e-4 * scale)
        # softmax intercepts are defined up to a common shift (the model is not)
        shift = (lambda b: b - b.mean()) if len(sk.intercept_) > 2 else (lambda b: b)
        np.testing.assert_allclose(shift(ours.intercept_), shift(sk.intercept_), rtol=0,
                                   atol=1e-4 * max(scale, 1.0))
    assert ours.n_iter_.shape == sk.n_iter_.shape == (1,)
    assert ours.coef_.shape == sk.coef_.shape
    np.testing.assert_array_equal(ours.classes_, sk.classes_)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_defaults_are_at_least_as_converged_as_sklearn(case):
    name, X, y, kw, sw, _, _ = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkLogisticRegression(**kw).fit(X, y, sample_weight=sw)
        ours = fastlr.LogisticRegression(**kw).fit(X, y, sample_weight=sw)
    f_sk, f_us = _objective(sk, case), _objective(ours, case)
    assert f_us <= f_sk, (f_us, f_sk)


def test_sklearn_arguments_and_attributes():
    X, y = load_breast_cancer(return_X_y=True)
    ours = fastlr.LogisticRegression()
    theirs = SkLogisticRegression()
    shared = set(theirs.get_params())
    assert shared <= set(ours.get_params())
    for name in shared - {"solver"}:
        assert ours.get_params()[name] == theirs.get_params()[name], name
    assert ours.solver == "auto"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
    assert ours.solver_ == "lbfgs" and ours.n_iter_.shape == (1,)
    for solver in ("liblinear", "newton-cg", "newton-cholesky", "sag", "saga"):
        assert fastlr.LogisticRegression(solver=solver, l1_ratio=1.0).fit(X, y).solver_ == "fista"


def test_deprecated_penalty_keeps_sklearns_meaning():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with pytest.warns(FutureWarning, match="penalty"):
        none = fastlr.LogisticRegression(penalty=None, tol=1e-8).fit(X[:100], y[:100])
    inf = fastlr.LogisticRegression(C=np.inf, tol=1e-8).fit(X[:100], y[:100])
    np.testing.assert_allclose(none.coef_, inf.coef_)
    with pytest.warns(FutureWarning):
        l1 = fastlr.LogisticRegression(penalty="l1", tol=1e-8).fit(X, y)
    lasso = fastlr.LogisticRegression(l1_ratio=1.0, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(l1.coef_, lasso.coef_)


@pytest.mark.parametrize("params,word", [
    (dict(batch_size=64), "batch_size"),
    (dict(learning_rate="constant"), "learning_rate"),
    (dict(early_stopping=True), "early_stopping"),
])
def test_parameters_an_exact_solver_ignores_warn(params, word):
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.warns(UserWarning, match=word):
        fastlr.LogisticRegression(max_iter=5, **params).fit(X, y)


def test_threshold_with_softmax_and_eta0_with_a_float_rate_warn():
    X, y = load_digits(return_X_y=True)
    with pytest.warns(UserWarning, match="threshold"):
        fastlr.SoftmaxRegression(threshold=0.3, max_iter=2, tol=None).fit(X, y)
    with pytest.warns(UserWarning, match="eta0"):
        fastlr.SoftmaxRegression(learning_rate=0.01, eta0=0.5, max_iter=2, tol=None).fit(X, y)
    with pytest.warns(UserWarning, match="batch_size"):
        fastlr.SoftmaxRegression(solver="lbfgs", batch_size=64).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the defaults never warn
        warnings.simplefilter("ignore", ConvergenceWarning)
        fastlr.SoftmaxRegression(solver="lbfgs", max_iter=500).fit(X, y)
        fastlr.LogisticRegression(max_iter=500).fit(X, y)


def test_dual_is_rejected():
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="dual"):
        fastlr.LogisticRegression(dual=True).fit(X, y)


@pytest.mark.parametrize("Est", [fastlr.LogisticRegression, fastlr.SigmoidRegression,
                                 fastlr.SoftmaxRegression])
def test_help_documents_every_parameter_and_attribute(Est):
    doc = Est.__doc__
    for name in Est().get_params():
        assert f"\n    {name} :" in doc, name
    for attr in ("classes_", "coef_", "intercept_", "n_iter_", "n_features_in_", "solver_",
                 "loss_curve_"):
        assert f"\n    {attr} :" in doc, attr
    assert "Examples" in doc and ">>>" in doc
