"""Behaviour of the three estimators: accuracy, penalties, weights, dtypes,
labels, shapes, probabilities, standardization, partial_fit, warm starts and
scikit-learn integration.

Small data and modest ``max_iter`` keep the whole file fast.
"""
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.datasets import (load_breast_cancer, load_digits, make_classification,
                              make_multilabel_classification)
from sklearn.metrics import log_loss, recall_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import fastlr
from fastlr import LogisticRegression, SigmoidRegression, SoftmaxRegression

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# --------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="module")
def cancer_split(cancer):
    X, y = cancer
    return train_test_split(X, y, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def cancer_std(cancer):
    X, y = cancer
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


@pytest.fixture(scope="module")
def digits_split(digits):
    X, y = digits
    return train_test_split(X, y, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(n_samples=200, n_features=10, n_classes=3,
                                          random_state=0)
    return X, Y


@pytest.fixture(scope="module")
def badly_scaled():
    """Three classes; feature scales from 0.01 to 1000, all offset by 50."""
    X, y = make_classification(n_samples=240, n_features=7, n_informative=5, n_redundant=0,
                               n_classes=3, flip_y=0.1, class_sep=0.8, random_state=0)
    return X * np.array([1, 10, 100, 1000, 0.01, 1, 5]) + 50, y


def _small_binary(seed=0, n=120, d=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ np.arange(1, d + 1) + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


# ----------------------------------------------------------------- defaults
@pytest.mark.parametrize("Est", [LogisticRegression, SigmoidRegression])
def test_defaults_breast_cancer_accuracy(Est, cancer_split):
    """Defaults on raw data: at least scikit-learn's default model, less half a point."""
    Xtr, Xte, ytr, yte = cancer_split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        peer = SkLogisticRegression().fit(Xtr, ytr).score(Xte, yte)
    est = Est(random_state=0).fit(Xtr, ytr)
    assert est.score(Xte, yte) >= peer - 0.005


@pytest.mark.parametrize("Est", [LogisticRegression, SoftmaxRegression])
def test_defaults_digits_accuracy(Est, digits_split):
    Xtr, Xte, ytr, yte = digits_split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        peer = SkLogisticRegression().fit(Xtr, ytr).score(Xte, yte)
    est = Est(random_state=0).fit(Xtr, ytr)
    assert est.score(Xte, yte) >= max(0.95, peer - 0.005)


# ---------------------------------------------------------------- penalties
def test_l1_gives_more_exact_zeros_as_alpha_grows(cancer_std):
    X, y = cancer_std
    zeros = []
    for alpha in (0.01, 0.05, 0.2):
        est = SigmoidRegression(penalty="l1", alpha=alpha, tol=None, max_iter=30,
                                random_state=0).fit(X, y)
        zeros.append(int(np.sum(est.coef_ == 0.0)))
    assert zeros[0] > 0
    assert zeros[0] < zeros[1] < zeros[2], zeros
    assert zeros[2] < X.shape[1]  # not everything is killed


def test_l1_zeros_softmax(digits):
    X, y = digits
    dense = SoftmaxRegression(penalty="l2", alpha=0.01, tol=None, max_iter=5,
                              random_state=0).fit(X, y)
    sparse = SoftmaxRegression(penalty="l1", alpha=0.01, tol=None, max_iter=5,
                               random_state=0).fit(X, y)
    # constant (all-zero) pixels get no gradient in both, so compare counts
    assert np.sum(sparse.coef_ == 0) > np.sum(dense.coef_ == 0)


def test_elasticnet_gives_some_zeros_l2_gives_none(cancer_std):
    X, y = cancer_std
    enet = SigmoidRegression(penalty="elasticnet", alpha=0.05, l1_ratio=0.5, tol=None,
                             max_iter=30, random_state=0).fit(X, y)
    ridge = SigmoidRegression(penalty="l2", alpha=0.05, tol=None, max_iter=30,
                              random_state=0).fit(X, y)
    assert np.sum(enet.coef_ == 0) > 0
    assert np.sum(ridge.coef_ == 0) == 0


def test_penalty_none_ignores_alpha(cancer_std):
    X, y = cancer_std
    a = SigmoidRegression(penalty=None, alpha=0.0, tol=None, max_iter=5,
                          random_state=0).fit(X, y)
    b = SigmoidRegression(penalty=None, alpha=10.0, tol=None, max_iter=5,
                          random_state=0).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)


def test_l1_ratio_only_read_by_elasticnet(cancer_std):
    X, y = cancer_std
    kw = dict(alpha=0.05, tol=None, max_iter=5, random_state=0)
    l1 = SigmoidRegression(penalty="l1", l1_ratio=0.0, **kw).fit(X, y)
    en1 = SigmoidRegression(penalty="elasticnet", l1_ratio=1.0, **kw).fit(X, y)
    l2 = SigmoidRegression(penalty="l2", l1_ratio=1.0, **kw).fit(X, y)
    en0 = SigmoidRegression(penalty="elasticnet", l1_ratio=0.0, **kw).fit(X, y)
    assert_array_equal(l1.coef_, en1.coef_)
    assert_array_equal(l2.coef_, en0.coef_)


# ------------------------------------------------------------ class weights
def test_balanced_class_weight_raises_minority_recall(cancer):
    X, y = cancer
    rng = np.random.default_rng(0)
    mal, ben = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    rng.shuffle(mal)
    rng.shuffle(ben)
    n_mal = len(mal) // 10  # keep 10% of the malignant rows for training
    n_ben = len(ben) * 3 // 4
    train = np.r_[mal[:n_mal], ben[:n_ben]]
    test = np.r_[mal[n_mal:], ben[n_ben:]]
    recalls = []
    for cw in (None, "balanced"):
        est = SigmoidRegression(class_weight=cw, random_state=0, max_iter=50)
        est.fit(X[train], y[train])
        recalls.append(recall_score(y[test], est.predict(X[test]), pos_label=0))
    assert recalls[1] > recalls[0], recalls


@pytest.mark.parametrize("Est,data", [(SigmoidRegression, "cancer"),
                                      (SoftmaxRegression, "digits")])
def test_class_weight_dict_equals_sample_weight(Est, data, request):
    X, y = request.getfixturevalue(data)
    classes = np.unique(y)
    cw = {c: 0.5 + 0.25 * i for i, c in enumerate(classes)}
    sw = np.array([cw[c] for c in y])
    a = Est(class_weight=cw, random_state=3, tol=None, max_iter=3).fit(X, y)
    b = Est(random_state=3, tol=None, max_iter=3).fit(X, y, sample_weight=sw)
    assert_array_equal(a.coef_, b.coef_)
    assert_array_equal(a.intercept_, b.intercept_)


def test_balanced_equals_sample_weight(cancer):
    X, y = cancer
    counts = np.bincount(y)
    sw = (len(y) / (2 * counts))[y]
    a = SigmoidRegression(class_weight="balanced", random_state=0, tol=None,
                          max_iter=3).fit(X, y)
    b = SigmoidRegression(random_state=0, tol=None, max_iter=3).fit(X, y, sample_weight=sw)
    assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-14)


def test_sample_weight_two_equals_repeated_row():
    """A weight of 2 equals repeating the row (docs/math.md §3), full-batch GD."""
    X, y = _small_binary(0)
    sw = np.ones(len(y))
    sw[:30] = 2.0
    Xr, yr = np.r_[X, X[:30]], np.r_[y, y[:30]]
    kw = dict(batch_size=1000, shuffle=False, tol=None, max_iter=30, learning_rate=0.5)
    a = SigmoidRegression(**kw).fit(X, y, sample_weight=sw)
    b = SigmoidRegression(**kw).fit(Xr, yr)
    assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-12)
    assert_allclose(a.intercept_, b.intercept_, rtol=1e-10, atol=1e-12)


def test_sample_weight_scale_invariant():
    X, y = _small_binary(1)
    sw = np.linspace(0.5, 2.0, len(y))
    a = SigmoidRegression(random_state=0, tol=None, max_iter=5).fit(X, y, sample_weight=sw)
    b = SigmoidRegression(random_state=0, tol=None, max_iter=5).fit(X, y,
                                                                     sample_weight=sw * 10)
    assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-12)


def test_zero_weight_rows_are_ignored_in_full_batch():
    X, y = _small_binary(2)
    sw = np.ones(len(y))
    sw[::3] = 0.0
    kw = dict(batch_size=1000, shuffle=False, tol=None, max_iter=20, learning_rate=0.5)
    a = SigmoidRegression(**kw).fit(X, y, sample_weight=sw)
    b = SigmoidRegression(**kw).fit(X[sw > 0], y[sw > 0])
    assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------- dtypes
@pytest.mark.parametrize("Est,data", [(SigmoidRegression, "cancer"),
                                      (SoftmaxRegression, "digits"),
                                      (LogisticRegression, "multilabel")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(Est, data, dtype, request):
    X, y = request.getfixturevalue(data)
    X = X[:200].astype(dtype)
    y = y[:200]
    est = Est(random_state=0, max_iter=5).fit(X, y)
    assert est.coef_.dtype == dtype
    assert est.intercept_.dtype == dtype
    assert est.predict_proba(X).dtype == dtype
    assert est.predict_log_proba(X).dtype == dtype
    assert est.decision_function(X).dtype == dtype
    assert np.all(np.isfinite(est.coef_))


def test_float32_model_close_to_float64(cancer):
    X, y = cancer
    a = SigmoidRegression(random_state=0, tol=None, max_iter=5).fit(X, y)
    b = SigmoidRegression(random_state=0, tol=None, max_iter=5).fit(X.astype(np.float32), y)
    assert_allclose(b.coef_, a.coef_, rtol=1e-3, atol=1e-5)
    assert np.mean(a.predict(X) == b.predict(X.astype(np.float32))) > 0.99


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_c_contiguous_X_is_not_copied(dtype, cancer, monkeypatch):
    import fastlr._estimators.base as base

    X, y = cancer
    X = np.ascontiguousarray(X, dtype=dtype)
    seen = []
    real_solve = base.solve

    def spy(problem, *args, **kwargs):
        seen.append(problem.X)
        return real_solve(problem, *args, **kwargs)

    monkeypatch.setattr(base, "solve", spy)
    SigmoidRegression(random_state=0, max_iter=2).fit(X, y)
    assert len(seen) == 1
    assert np.shares_memory(seen[0], X)


def test_inputs_are_not_modified(cancer):
    X, y = cancer
    X = X.copy()
    y = y.copy()
    sw = np.linspace(0.1, 3.0, len(y))
    X0, y0, sw0 = X.copy(), y.copy(), sw.copy()
    est = SigmoidRegression(class_weight="balanced", random_state=0, max_iter=3)
    est.fit(X, y, sample_weight=sw)
    # partial_fit takes explicit class weights ('balanced' needs the whole stream)
    est.set_params(class_weight={0: 2.0, 1: 1.0}).partial_fit(X, y, sample_weight=sw)
    est.predict_proba(X)
    assert_array_equal(X, X0)
    assert_array_equal(y, y0)
    assert_array_equal(sw, sw0)


def test_read_only_inputs(cancer, digits):
    for (X, y), Est in ((cancer, SigmoidRegression), (digits, SoftmaxRegression)):
        X = np.ascontiguousarray(X, dtype=np.float64).copy()
        sw = np.ones(len(y))
        X.setflags(write=False)
        sw.setflags(write=False)
        est = Est(random_state=0, max_iter=3).fit(X, y, sample_weight=sw)
        est.partial_fit(X, y, sample_weight=sw)
        assert est.predict_proba(X).shape[0] == len(y)


def test_fortran_and_int_X(cancer):
    X, y = cancer
    a = SigmoidRegression(random_state=0, tol=None, max_iter=3).fit(X, y)
    b = SigmoidRegression(random_state=0, tol=None, max_iter=3).fit(np.asfortranarray(X), y)
    assert_array_equal(a.coef_, b.coef_)
    Xi = np.round(X * 10).astype(np.int64)
    c = SigmoidRegression(random_state=0, max_iter=3).fit(Xi, y)
    assert c.coef_.dtype == np.float64


# ------------------------------------------------------------ determinism
@pytest.mark.parametrize("Est,data", [(SigmoidRegression, "cancer"),
                                      (SoftmaxRegression, "digits")])
def test_random_state_reproducible(Est, data, request):
    X, y = request.getfixturevalue(data)
    kw = dict(tol=None, max_iter=3)
    a = Est(random_state=7, **kw).fit(X, y)
    b = Est(random_state=7, **kw).fit(X, y)
    c = Est(random_state=8, **kw).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)
    assert_array_equal(a.intercept_, b.intercept_)
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.coef_, c.coef_)


def test_random_state_instance_and_refit(cancer):
    X, y = cancer
    est = SigmoidRegression(random_state=0, tol=None, max_iter=3)
    first = est.fit(X, y).coef_.copy()
    second = est.fit(X, y).coef_.copy()  # refit: same seed, same model
    assert_array_equal(first, second)


def test_shuffle_false_ignores_random_state(cancer):
    X, y = cancer
    a = SigmoidRegression(shuffle=False, random_state=0, tol=None, max_iter=3).fit(X, y)
    b = SigmoidRegression(shuffle=False, random_state=123, tol=None, max_iter=3).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)
    assert_array_equal(a.intercept_, b.intercept_)


# ------------------------------------------------------------------ labels
def test_string_labels(cancer):
    X, y = cancer
    names = np.array(["malignant", "benign"])[y]
    est = SigmoidRegression(random_state=0, max_iter=20).fit(X, names)
    assert_array_equal(est.classes_, ["benign", "malignant"])
    pred = est.predict(X)
    assert set(pred) <= {"benign", "malignant"}
    assert np.mean(pred == names) > 0.95
    # the positive column of predict_proba is classes_[1]
    P = est.predict_proba(X)
    assert_array_equal(pred, est.classes_[(P[:, 1] >= 0.5).astype(int)])


@pytest.mark.parametrize("Est", [SigmoidRegression, SoftmaxRegression, LogisticRegression])
def test_arbitrary_int_labels_binary(Est, cancer):
    X, y = cancer
    labels = np.where(y == 1, 42, -7)
    est = Est(random_state=0, max_iter=20).fit(X, labels)
    assert_array_equal(est.classes_, [-7, 42])
    pred = est.predict(X)
    assert set(np.unique(pred)) <= {-7, 42}
    assert np.mean(pred == labels) > 0.95


@pytest.mark.parametrize("Est", [SoftmaxRegression, LogisticRegression])
def test_arbitrary_labels_multiclass(Est, digits):
    X, y = digits
    mapping = np.array([100, 3, 10, -5, 7, 8, 999, 11, 12, 13])
    labels = mapping[y]
    est = Est(random_state=0, max_iter=20).fit(X, labels)
    assert_array_equal(est.classes_, np.sort(mapping))
    pred = est.predict(X)
    assert set(np.unique(pred)) <= set(mapping)
    assert np.mean(pred == labels) > 0.95
    P = est.predict_proba(X)
    assert_array_equal(pred, est.classes_[np.argmax(P, axis=1)])

    str_labels = np.array([f"c{v}" for v in mapping])[y]
    est = Est(random_state=0, max_iter=20).fit(X, str_labels)
    assert np.mean(est.predict(X) == str_labels) > 0.95


def test_label_order_does_not_matter(cancer):
    """Permuting the label *names* flips the model's sign, not its quality."""
    X, y = cancer
    a = SigmoidRegression(random_state=0, tol=None, max_iter=5).fit(X, y)
    b = SigmoidRegression(random_state=0, tol=None, max_iter=5).fit(X, 1 - y)
    assert_allclose(a.coef_, -b.coef_, rtol=1e-10, atol=1e-12)


# -------------------------------------------------------------- multilabel
@pytest.mark.parametrize("Est", [SigmoidRegression, LogisticRegression])
def test_multilabel(Est, multilabel):
    X, Y = multilabel
    n, d = X.shape
    est = Est(random_state=0, max_iter=30).fit(X, Y)
    assert est.coef_.shape == (3, d)
    assert est.intercept_.shape == (3,)
    pred = est.predict(X)
    assert pred.shape == (n, 3)
    assert set(np.unique(pred)) <= {0, 1}
    P = est.predict_proba(X)
    assert P.shape == (n, 3)
    assert np.all((P >= 0) & (P <= 1))
    assert_array_equal(pred, (P >= 0.5).astype(int))
    assert est.decision_function(X).shape == (n, 3)
    assert_allclose(np.exp(est.predict_log_proba(X)), P, rtol=1e-10, atol=1e-12)
    assert np.mean(pred == Y) > 0.75


def _same_model_as(est_a, est_b, X, y):
    """LogisticRegression(C) and the alpha estimator with alpha = 1/(C n) are one model."""
    a = est_a.fit(X, y)
    b = est_b.fit(X, y)
    assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-6 * np.abs(b.coef_).max())
    assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    return a, b


def test_logistic_regression_picks_sigmoid_for_multilabel(multilabel):
    X, Y = multilabel
    _same_model_as(LogisticRegression(C=0.5, tol=1e-10, max_iter=10_000),
                   SigmoidRegression(alpha=1 / (0.5 * len(X)), solver="lbfgs", tol=1e-10,
                                     max_iter=10_000), X, Y)


def test_multilabel_equals_independent_binary_models(multilabel):
    X, Y = multilabel
    ml = SigmoidRegression(random_state=0, tol=None, max_iter=5).fit(X, Y)
    for k in range(Y.shape[1]):
        bk = SigmoidRegression(random_state=0, tol=None, max_iter=5).fit(X, Y[:, k])
        assert_allclose(ml.coef_[k], bk.coef_[0], rtol=1e-10, atol=1e-12)
        assert_allclose(ml.intercept_[k], bk.intercept_[0], rtol=1e-10, atol=1e-12)


def test_logistic_regression_picks_softmax_for_multiclass(digits):
    X, y = digits
    a, _ = _same_model_as(LogisticRegression(C=0.1, tol=1e-9, max_iter=10_000),
                          SoftmaxRegression(alpha=1 / (0.1 * len(X)), solver="lbfgs", tol=1e-9,
                                            max_iter=10_000), X, y)
    assert a.coef_.shape == (10, X.shape[1])


def test_logistic_regression_picks_sigmoid_for_binary(cancer):
    X, y = cancer
    a, _ = _same_model_as(LogisticRegression(tol=1e-10, max_iter=10_000),
                          SigmoidRegression(alpha=1 / len(X), solver="lbfgs", tol=1e-10,
                                            max_iter=10_000), X, y)
    assert a.coef_.shape == (1, X.shape[1])


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("Est", [SigmoidRegression, LogisticRegression])
def test_binary_shapes(Est, cancer):
    X, y = cancer
    n, d = X.shape
    est = Est(random_state=0, max_iter=5).fit(X, y)
    assert est.coef_.shape == (1, d)
    assert est.intercept_.shape == (1,)
    assert est.n_features_in_ == d
    df = est.decision_function(X)
    assert df.shape == (n,)
    assert_allclose(df, X @ est.coef_[0] + est.intercept_[0], rtol=1e-10, atol=1e-10)
    assert est.predict_proba(X).shape == (n, 2)
    assert est.predict_log_proba(X).shape == (n, 2)
    assert est.predict(X).shape == (n,)
    assert_array_equal(est.predict(X), est.classes_[(df >= 0).astype(int)])


def test_softmax_binary_is_two_rows(cancer):
    X, y = cancer
    n, d = X.shape
    est = SoftmaxRegression(random_state=0, max_iter=10).fit(X, y)
    assert est.coef_.shape == (2, d)
    assert est.intercept_.shape == (2,)
    df = est.decision_function(X)
    assert df.shape == (n,)
    Z = X @ est.coef_.T + est.intercept_
    assert_allclose(df, Z[:, 1] - Z[:, 0], rtol=1e-9, atol=1e-9)
    pred = est.predict(X)
    assert_array_equal(pred, est.classes_[(df > 0).astype(int)])
    P = est.predict_proba(X)
    assert P.shape == (n, 2)
    assert_array_equal(pred, est.classes_[np.argmax(P, axis=1)])
    # equivalent to a sigmoid of z1 - z0
    assert_allclose(P[:, 1], 1 / (1 + np.exp(-df)), rtol=1e-9, atol=1e-12)
    assert est.score(X, y) > 0.95


def test_softmax_multiclass_shapes(digits):
    X, y = digits
    n, d = X.shape
    est = SoftmaxRegression(random_state=0, max_iter=5).fit(X, y)
    assert est.coef_.shape == (10, d)
    assert est.intercept_.shape == (10,)
    df = est.decision_function(X)
    assert df.shape == (n, 10)
    assert_allclose(df, X @ est.coef_.T + est.intercept_, rtol=1e-10, atol=1e-10)
    assert est.predict_proba(X).shape == (n, 10)
    assert_array_equal(est.predict(X), est.classes_[np.argmax(df, axis=1)])


def test_no_intercept(cancer):
    X, y = cancer
    for Est in (SigmoidRegression, SoftmaxRegression):
        est = Est(fit_intercept=False, standardize=False, random_state=0,
                  max_iter=3).fit(StandardScaler().fit_transform(X), y)
        assert np.all(est.intercept_ == 0)


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_reported_model_is_the_trained_model(cancer, standardize, fit_intercept):
    """The log loss of the returned coef_/intercept_ matches the training objective.

    With penalty=None and a small step, the last entry of loss_curve_ (mean
    minibatch objective of the last epoch) is close to the full-data log loss
    of the model that fit returns.
    """
    X, y = cancer
    if not standardize:
        X = StandardScaler().fit_transform(X)
    est = SigmoidRegression(penalty=None, fit_intercept=fit_intercept,
                            standardize=standardize, learning_rate=0.01, tol=None,
                            max_iter=60, random_state=0).fit(X, y)
    if not fit_intercept:
        assert np.all(est.intercept_ == 0)
    assert abs(log_loss(y, est.predict_proba(X)) - est.loss_curve_[-1]) < 0.02
    assert est.score(X, y) > 0.9


# ------------------------------------------------------------ probabilities
@pytest.mark.parametrize("Est,data", [(SigmoidRegression, "cancer"),
                                      (SoftmaxRegression, "cancer"),
                                      (SoftmaxRegression, "digits"),
                                      (SigmoidRegression, "multilabel")])
def test_predict_log_proba(Est, data, request):
    X, y = request.getfixturevalue(data)
    est = Est(random_state=0, max_iter=10).fit(X, y)
    P = est.predict_proba(X)
    logP = est.predict_log_proba(X)
    assert_allclose(logP, np.log(P), rtol=1e-10, atol=1e-12)
    if data != "multilabel":
        assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    # extreme inputs: probabilities saturate, log-probabilities stay finite
    for scale in (1e3, 1e8, -1e8):
        Xe = X * scale
        Pe = est.predict_proba(Xe)
        logPe = est.predict_log_proba(Xe)
        assert np.all(np.isfinite(Pe))
        assert np.all((Pe >= 0) & (Pe <= 1))
        assert np.all(np.isfinite(logPe)), scale
        assert np.all(logPe <= 0)
        if data != "multilabel":
            assert_allclose(Pe.sum(axis=1), 1.0, rtol=1e-12)
        assert_allclose(np.exp(logPe), Pe, rtol=1e-10, atol=1e-300)


def test_log_proba_float32_extreme(cancer):
    X, y = cancer
    X = X.astype(np.float32)
    est = SigmoidRegression(random_state=0, max_iter=5).fit(X, y)
    logP = est.predict_log_proba(X * np.float32(1e6))
    assert logP.dtype == np.float32
    assert np.all(np.isfinite(logP))


def test_threshold(cancer):
    X, y = cancer
    est = SigmoidRegression(random_state=0, max_iter=20).fit(X, y)
    P1 = est.predict_proba(X)[:, 1]
    counts = []
    for t in (0.1, 0.3, 0.5, 0.7, 0.9):
        est.set_params(threshold=t)
        pred = est.predict(X)
        assert_array_equal(pred, est.classes_[(P1 >= t).astype(int)])
        counts.append(int(np.sum(pred == est.classes_[1])))
    assert all(a >= b for a, b in zip(counts, counts[1:])), counts
    assert counts[0] > counts[-1], counts
    # the threshold only moves the decision, not the fitted weights
    other = SigmoidRegression(random_state=0, max_iter=20, threshold=0.9).fit(X, y)
    assert_array_equal(other.coef_, est.coef_)


def test_threshold_multilabel(multilabel):
    X, Y = multilabel
    est = SigmoidRegression(random_state=0, max_iter=20, threshold=0.8).fit(X, Y)
    P = est.predict_proba(X)
    assert_array_equal(est.predict(X), (P >= 0.8).astype(int))
    low = clone(est).set_params(threshold=0.2).fit(X, Y)
    assert low.predict(X).sum() > est.predict(X).sum()


# ---------------------------------------------------------- standardization
@pytest.mark.parametrize("Est,data,kw", [
    (SigmoidRegression, "cancer", {}),
    (SigmoidRegression, "cancer", {"penalty": "l1", "alpha": 0.01}),
    (SoftmaxRegression, "digits", {}),
    (SoftmaxRegression, "badly_scaled",
     {"solver": "lbfgs", "alpha": 1e-3, "tol": 1e-10, "max_iter": 5000}),
])
def test_standardize_equals_explicit_standard_scaler(Est, data, kw, request):
    X, y = request.getfixturevalue(data)
    sc = StandardScaler().fit(X)
    common = {**dict(random_state=0, tol=None, max_iter=10, shuffle=True), **kw}
    a = Est(standardize=True, **common).fit(X, y)
    b = Est(standardize=False, **common).fit(sc.transform(X), y)
    assert_allclose(a.coef_ * sc.scale_, b.coef_, rtol=1e-8, atol=1e-8)
    assert_allclose(a.intercept_ + a.coef_ @ sc.mean_, b.intercept_, rtol=1e-8, atol=1e-8)
    assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-8)
    # the reported model works in raw units
    assert_allclose(a.predict_proba(X), b.predict_proba(sc.transform(X)), atol=1e-8)


def test_standardize_handles_constant_and_offset_features():
    X, y = _small_binary(3, n=150, d=3)
    X = np.c_[X, np.full(len(y), 5.0), X[:, 0] * 1e-3 + 1e4]
    est = SigmoidRegression(random_state=0, max_iter=20).fit(X, y)
    assert np.all(np.isfinite(est.coef_))
    assert abs(est.coef_[0, 3]) < 1e-10  # a constant feature gets no weight
    assert est.score(X, y) > 0.9


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 1e-3)])
def test_standardize_with_large_offset(cancer_std, dtype, tol):
    """Features with a large offset and unit spread train like centred ones."""
    X, y = cancer_std
    kw = dict(random_state=0, tol=None, max_iter=10, learning_rate=0.05)
    a = SigmoidRegression(standardize=True, **kw).fit((X + 1e4).astype(dtype), y)
    b = SigmoidRegression(standardize=False, **kw).fit(X.astype(dtype), y)
    assert_allclose(a.coef_, b.coef_, rtol=tol, atol=tol)
    assert_allclose(a.decision_function((X + 1e4).astype(dtype)),
                    b.decision_function(X.astype(dtype)), rtol=0, atol=100 * tol)


# ------------------------------------------------------- iterations, curves
def test_loss_curve_and_n_iter(cancer):
    X, y = cancer
    est = SigmoidRegression(random_state=0, tol=None, max_iter=7).fit(X, y)
    assert est.n_iter_ == 7
    assert len(est.loss_curve_) == 7
    assert np.all(np.isfinite(est.loss_curve_))
    assert est.loss_curve_[-1] < est.loss_curve_[0]

    est = SigmoidRegression(random_state=0, tol=10.0, n_iter_no_change=2,
                            max_iter=50).fit(X, y)
    assert len(est.loss_curve_) == est.n_iter_
    assert est.n_iter_ < 50


@pytest.mark.parametrize("lr", ["constant", "inverse_time", "adaptive", 0.05])
def test_learning_rate_schedules(lr, cancer_split):
    Xtr, Xte, ytr, yte = cancer_split
    est = SigmoidRegression(learning_rate=lr, eta0=0.05, random_state=0).fit(Xtr, ytr)
    assert est.score(Xte, yte) > 0.93


def test_constant_schedule_equals_float(cancer):
    X, y = cancer
    a = SigmoidRegression(learning_rate="constant", eta0=0.02, random_state=0, tol=None,
                          max_iter=3).fit(X, y)
    b = SigmoidRegression(learning_rate=0.02, random_state=0, tol=None,
                          max_iter=3).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)


def test_batch_size_full_and_one(cancer_std):
    X, y = cancer_std
    X, y = X[:150], y[:150]
    full = SigmoidRegression(batch_size=10_000, learning_rate=0.5, random_state=0,
                             tol=None, max_iter=40).fit(X, y)
    sgd = SigmoidRegression(batch_size=1, learning_rate=0.01, random_state=0,
                            tol=None, max_iter=5).fit(X, y)
    assert full.score(X, y) > 0.95
    assert sgd.score(X, y) > 0.95
    # batch GD: shuffling cannot change anything
    other = SigmoidRegression(batch_size=10_000, learning_rate=0.5, random_state=1,
                              tol=None, max_iter=40).fit(X, y)
    assert_allclose(full.coef_, other.coef_, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------- partial_fit
def test_partial_fit_needs_classes_first(cancer):
    X, y = cancer
    est = SigmoidRegression(random_state=0)
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, y)
    est.partial_fit(X, y, classes=[0, 1])
    est.partial_fit(X, y)  # later calls don't need it
    assert est.n_iter_ == 2


def test_partial_fit_improves(cancer_split):
    Xtr, Xte, ytr, yte = cancer_split
    est = SigmoidRegression(random_state=0)
    est.partial_fit(Xtr, ytr, classes=[0, 1])
    losses = [log_loss(ytr, est.predict_proba(Xtr))]
    scores = [est.score(Xte, yte)]
    for _ in range(9):
        est.partial_fit(Xtr, ytr)
        losses.append(log_loss(ytr, est.predict_proba(Xtr)))
        scores.append(est.score(Xte, yte))
    assert losses[-1] < losses[0], losses
    assert scores[-1] >= scores[0], scores
    assert scores[-1] >= 0.93
    assert est.n_iter_ == 10
    assert len(est.loss_curve_) == 10
    assert est.loss_curve_[-1] < est.loss_curve_[0]


@pytest.mark.parametrize("Est,data", [(SigmoidRegression, "cancer"),
                                      (SoftmaxRegression, "digits")])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_partial_fit_once_equals_fit_one_epoch(Est, data, shuffle, standardize, weighted,
                                               request):
    X, y = request.getfixturevalue(data)
    sw = np.random.default_rng(1).uniform(0.2, 3.0, len(y)) if weighted else None
    kw = dict(shuffle=shuffle, standardize=standardize, random_state=0)
    a = Est(**kw).partial_fit(X, y, classes=np.unique(y), sample_weight=sw)
    b = Est(max_iter=1, tol=None, **kw).fit(X, y, sample_weight=sw)
    assert_array_equal(a.coef_, b.coef_)
    assert_array_equal(a.intercept_, b.intercept_)
    assert a.n_iter_ == b.n_iter_ == 1


@pytest.mark.parametrize("lr", [0.05, "inverse_time"])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("standardize", [True, False])
def test_partial_fit_repeated_equals_fit(lr, shuffle, standardize, digits):
    X, y = digits
    kw = dict(random_state=0, learning_rate=lr, shuffle=shuffle, standardize=standardize)
    a = SoftmaxRegression(**kw)
    for _ in range(3):
        a.partial_fit(X, y, classes=np.arange(10))
    b = SoftmaxRegression(tol=None, max_iter=3, **kw).fit(X, y)
    assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-14)
    assert_allclose(a.intercept_, b.intercept_, rtol=1e-12, atol=1e-14)
    assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-12)
    assert a.n_iter_ == 3 and len(a.loss_curve_) == 3


def test_partial_fit_classes_absent_from_first_batch(digits):
    X, y = digits
    first = y < 5
    est = SoftmaxRegression(random_state=0)
    est.partial_fit(X[first], y[first], classes=np.arange(10))
    assert est.coef_.shape == (10, X.shape[1])
    assert_array_equal(est.classes_, np.arange(10))
    est.partial_fit(X[~first], y[~first])
    assert set(np.unique(est.predict(X))) > set(range(5))


def test_partial_fit_after_fit_continues(cancer):
    X, y = cancer
    est = SigmoidRegression(random_state=0, tol=None, max_iter=3).fit(X, y)
    before = est.loss_curve_[-1]
    est.partial_fit(X, y)
    assert est.n_iter_ == 4
    assert len(est.loss_curve_) == 4
    assert est.loss_curve_[-1] <= before + 1e-3


# -------------------------------------------------------------- warm start
@pytest.mark.parametrize("Est,data", [(SigmoidRegression, "cancer"),
                                      (SoftmaxRegression, "digits")])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("standardize", [True, False])
def test_warm_start_continues(Est, data, shuffle, standardize, request):
    X, y = request.getfixturevalue(data)
    kw = dict(shuffle=shuffle, standardize=standardize, random_state=0, tol=None)
    warm = Est(warm_start=True, max_iter=5, **kw)
    first = list(warm.fit(X, y).loss_curve_)
    second = list(warm.fit(X, y).loss_curve_)
    assert second[0] < first[0]
    assert second[0] < first[-1] + 1e-2

    full = Est(max_iter=10, **kw).fit(X, y)
    cold = Est(warm_start=False, max_iter=5, **kw)
    c1 = cold.fit(X, y).coef_.copy()
    c2 = cold.fit(X, y).coef_.copy()
    assert_array_equal(c1, c2)
    assert not np.allclose(c2, full.coef_)
    if not shuffle:
        # without shuffling, 5 + 5 warm epochs are the 10 epochs of one fit
        assert_allclose(warm.coef_, full.coef_, rtol=1e-10, atol=1e-12)
        assert_allclose(warm.intercept_, full.intercept_, rtol=1e-10, atol=1e-12)


# -------------------------------------------------------------- pandas
def test_pandas_input():
    pd = pytest.importorskip("pandas")
    data = load_breast_cancer(as_frame=True)
    X = data.data
    y = pd.Series(np.array(["malignant", "benign"])[data.target], name="diagnosis")
    est = SigmoidRegression(random_state=0, max_iter=20).fit(X, y)
    assert_array_equal(est.feature_names_in_, np.asarray(X.columns, dtype=object))
    assert est.n_features_in_ == X.shape[1]
    assert_array_equal(est.classes_, ["benign", "malignant"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no feature-name warning
        pred = est.predict(X)
    assert np.mean(pred == y.to_numpy()) > 0.95
    # same model as with the numpy arrays
    ref = SigmoidRegression(random_state=0, max_iter=20).fit(X.to_numpy(), y.to_numpy())
    assert_array_equal(est.coef_, ref.coef_)


def test_pandas_multiclass_and_multilabel(digits, multilabel):
    pd = pytest.importorskip("pandas")
    X, y = digits
    Xdf = pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])])
    est = LogisticRegression(random_state=0, max_iter=5).fit(Xdf, pd.Series(y))
    assert list(est.feature_names_in_) == list(Xdf.columns)
    Xm, Ym = multilabel
    est = LogisticRegression(random_state=0, max_iter=5).fit(pd.DataFrame(Xm),
                                                             pd.DataFrame(Ym))
    assert est.coef_.shape == (3, Xm.shape[1])


# -------------------------------------------------------------- pickle
@pytest.mark.parametrize("Est,data", [(SigmoidRegression, "cancer"),
                                      (SoftmaxRegression, "digits"),
                                      (LogisticRegression, "multilabel")])
def test_pickle_round_trip(Est, data, request):
    X, y = request.getfixturevalue(data)
    est = Est(random_state=0, max_iter=5).fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    assert_array_equal(back.predict(X), est.predict(X))
    assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    assert_array_equal(back.decision_function(X), est.decision_function(X))
    assert_array_equal(back.coef_, est.coef_)
    # both continue identically
    est.partial_fit(X, y)
    back.partial_fit(X, y)
    assert_array_equal(back.coef_, est.coef_)


# ------------------------------------------------------ sklearn integration
def test_clone_get_set_params(cancer):
    X, y = cancer
    est = SigmoidRegression(alpha=0.01, penalty="elasticnet", l1_ratio=0.3,
                            random_state=0, max_iter=5)
    params = est.get_params()
    for name in ("penalty", "alpha", "l1_ratio", "fit_intercept", "solver", "batch_size",
                 "learning_rate", "eta0", "decay", "max_iter", "tol", "n_iter_no_change",
                 "shuffle", "random_state", "class_weight", "standardize", "threshold",
                 "warm_start", "early_stopping", "validation_fraction", "verbose"):
        assert name in params
    est.fit(X, y)
    c = clone(est)
    assert c.get_params() == est.get_params()
    assert not hasattr(c, "coef_")
    c.fit(X, y)
    assert_array_equal(c.coef_, est.coef_)
    # the next fit uses the new parameters
    before = est.coef_.copy()
    est.set_params(alpha=0.5, batch_size=16).fit(X, y)
    ref = SigmoidRegression(**{**params, "alpha": 0.5, "batch_size": 16}).fit(X, y)
    assert_array_equal(est.coef_, ref.coef_)
    assert not np.allclose(est.coef_, before)
    assert repr(est).startswith("SigmoidRegression(")


def test_pipeline(cancer_split):
    Xtr, Xte, ytr, yte = cancer_split
    pipe = make_pipeline(StandardScaler(),
                         LogisticRegression(standardize=False, random_state=0, max_iter=30))
    pipe.fit(Xtr, ytr)
    assert pipe.score(Xte, yte) >= 0.95
    assert pipe.predict_proba(Xte).shape == (len(yte), 2)
    # a nested parameter reaches the estimator's next fit
    before = pipe[-1].coef_.copy()
    pipe.set_params(logisticregression__C=0.01).fit(Xtr, ytr)
    ref = LogisticRegression(standardize=False, random_state=0, max_iter=30, C=0.01)
    ref.fit(StandardScaler().fit_transform(Xtr), ytr)
    assert_array_equal(pipe[-1].coef_, ref.coef_)
    assert not np.allclose(pipe[-1].coef_, before)


def test_grid_search(cancer_split):
    Xtr, Xte, ytr, yte = cancer_split
    pipe = Pipeline([("clf", SigmoidRegression(random_state=0, max_iter=15))])
    grid = GridSearchCV(pipe, {"clf__alpha": [1e-4, 1e-2], "clf__penalty": ["l2", "l1"]},
                        cv=3)
    grid.fit(Xtr, ytr)
    assert grid.best_score_ > 0.9
    assert grid.score(Xte, yte) > 0.9
    # the refitted model is the one the best parameters give on the training set
    best = {k.removeprefix("clf__"): v for k, v in grid.best_params_.items()}
    ref = SigmoidRegression(random_state=0, max_iter=15, **best).fit(Xtr, ytr)
    assert_array_equal(grid.best_estimator_[-1].coef_, ref.coef_)
    assert_array_equal(grid.best_estimator_[-1].intercept_, ref.intercept_)


def test_grid_search_multiclass(digits):
    X, y = digits
    grid = GridSearchCV(SoftmaxRegression(random_state=0, max_iter=20),
                        {"batch_size": [32, 128]}, cv=3, scoring="accuracy")
    grid.fit(X[:600], y[:600])
    assert grid.best_score_ > 0.85


def test_divergence_error_is_public():
    assert issubclass(fastlr.DivergenceError, FloatingPointError)
    assert issubclass(fastlr.DivergenceError, ValueError)

