"""The data path: one input pipeline for arrays, sparse matrices and dask arrays.

Each numbered test reproduces a failure found by an adversarial run over
~2,200 inputs (the numbers follow that list; the metrics ones are in
test_metrics.py); the last tests say that the storage format of the same
data never changes the model.
"""
from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

import fastlr
from fastlr import DivergenceError, LogisticRegression, SigmoidRegression, SoftmaxRegression

da = pytest.importorskip("dask.array")
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SR, LR = SigmoidRegression, LogisticRegression


@pytest.fixture
def Xy():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    y = (X[:, 0] + rng.standard_normal(60) > 0).astype(int)
    return X, y


def dask_of(a, rows=20):
    a = np.asarray(a)
    return da.from_array(a, chunks=(rows,) + a.shape[1:])


def assert_same_model(a, b, rtol=1e-9, atol=1e-12):
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=rtol, atol=atol)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=rtol, atol=atol)


def duplicated(A):
    """The same matrix as CSR A with every entry stored twice, as two halves."""
    return sp.csr_matrix((np.repeat(A.data, 2) * 0.5, np.repeat(A.indices, 2), A.indptr * 2),
                         shape=A.shape)


# ----------------------------------------------------------------- 1
@pytest.mark.parametrize("kw", [{}, {"solver": "lbfgs"},
                                {"batch_size": 1, "standardize": False}],
                         ids=["mbgd", "lbfgs", "sgd-raw"])
def test_01_csr_with_duplicate_entries_is_the_same_matrix(Xy, kw):
    X, y = Xy
    A = sp.csr_matrix(X)
    D = duplicated(A)
    assert np.array_equal(D.toarray(), X) and not D.has_canonical_format
    data_before = D.data.copy()
    a = SR(random_state=0, **kw).fit(A, y)
    d = SR(random_state=0, **kw).fit(D, y)
    assert_same_model(d, a)
    np.testing.assert_array_equal(D.data, data_before)  # the caller's matrix is untouched
    from fastlr._estimators.inputs import canonical

    assert canonical(A) is A                             # a canonical matrix is never copied


# ----------------------------------------------------------------- 2
@pytest.mark.parametrize("first", ["dense", "fit-dense"])
def test_02_partial_fit_does_not_depend_on_the_storage_format(Xy, first):
    X, y = Xy
    X = X + 5

    def run(second):
        m = SR(random_state=0)
        if first == "dense":
            m.partial_fit(X, y, classes=[0, 1])
        else:
            m.fit(X, y)
        return m.partial_fit(second, y)

    assert_same_model(run(sp.csr_matrix(X)), run(X))


# ----------------------------------------------------------------- 3
def _y_with_nan(y):
    return np.where(np.arange(len(y)) == 3, np.nan, y)


@pytest.mark.parametrize("case", ["nan_y", "continuous_y", "multilabel_2", "multilabel_-1",
                                  "complex_X", "one_class_weights"])
def test_03_dask_rejects_what_numpy_rejects(Xy, case):
    X, y = Xy
    sw = None
    Est = SR
    if case == "nan_y":
        y = _y_with_nan(y)
    elif case == "continuous_y":
        y, Est = np.random.default_rng(1).random(60), LR
    elif case.startswith("multilabel"):
        y = np.c_[y, 1 - y]
        y[0, 0] = int(case.split("_")[1])
    elif case == "complex_X":
        X = X.astype(complex)
    else:
        sw = (y == 1).astype(float)
    with pytest.raises(ValueError) as numpy_error:
        Est(solver="lbfgs").fit(X, y, sample_weight=sw)
    with pytest.raises(ValueError) as dask_error:
        Est(solver="lbfgs").fit(dask_of(X), dask_of(y),
                                sample_weight=None if sw is None else dask_of(sw))
    assert type(dask_error.value) is type(numpy_error.value)
    assert str(dask_error.value).split("\n")[0] == str(numpy_error.value).split("\n")[0]


# ----------------------------------------------------------------- 4
@pytest.mark.parametrize("case", ["zero_weights", "2d_weights", "first_chunk_weights",
                                  "class_weight_unknown_key"])
def test_04_dask_fails_with_the_numpy_error(Xy, case):
    X, y = Xy
    kw, sw = {}, None
    if case == "zero_weights":
        sw = np.zeros(60)
    elif case == "2d_weights":
        sw = np.ones((60, 2))
    elif case == "first_chunk_weights":
        sw = np.ones(20)
    else:
        kw = {"class_weight": {0: 1.0, 5: 2.0}}
    with pytest.raises(ValueError) as numpy_error:
        SR(solver="lbfgs", **kw).fit(X, y, sample_weight=sw)
    with pytest.raises(ValueError) as dask_error:
        SR(solver="lbfgs", **kw).fit(dask_of(X), dask_of(y),
                                     sample_weight=None if sw is None else dask_of(sw))
    assert not isinstance(dask_error.value, DivergenceError)
    assert str(dask_error.value) == str(numpy_error.value)


@pytest.mark.parametrize("case", ["scalar_weight", "bool_X", "csr_chunks"])
def test_04_dask_accepts_what_numpy_accepts(Xy, case):
    X, y = Xy
    sw, Xd = None, dask_of(X)
    if case == "scalar_weight":
        sw = 2.0
    elif case == "bool_X":
        X = X > 0
        Xd = dask_of(X)
    else:
        Xd = Xd.map_blocks(sp.csr_matrix)
    mem = SR(solver="lbfgs", tol=1e-10).fit(X, y, sample_weight=sw)
    lazy = SR(solver="lbfgs", tol=1e-10).fit(Xd, dask_of(y), sample_weight=sw)
    assert_same_model(lazy, mem, rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------- 5
def test_05_fit_on_a_dask_array_forgets_old_feature_names(Xy):
    pd = pytest.importorskip("pandas")
    X, y = Xy
    m = SR(solver="lbfgs").fit(pd.DataFrame(X, columns=list("abcd")), y)
    assert list(m.feature_names_in_) == list("abcd")
    m.fit(dask_of(X), dask_of(y))
    assert not hasattr(m, "feature_names_in_")
    m.fit(pd.DataFrame(X, columns=list("abcd")), y)
    m.fit(X, y)
    assert not hasattr(m, "feature_names_in_")


# ----------------------------------------------------------------- 6
@pytest.mark.parametrize("kw", [{}, {"solver": "lbfgs"}], ids=["mbgd", "lbfgs"])
def test_06_warm_start_with_a_huge_column(Xy, kw):
    X, y = Xy
    Xb = np.c_[X, np.random.default_rng(1).standard_normal(60) * 1e200]
    m = SR(warm_start=True, random_state=0, **kw).fit(Xb, y)
    m.fit(Xb, y)
    assert np.all(np.isfinite(m.coef_)) and np.all(np.isfinite(m.intercept_))
    assert m.coef_[0, -1] != 0  # the column is used, not dropped by a zero scale
    p = SR(random_state=0)
    p.partial_fit(Xb, y, classes=[0, 1])
    p.partial_fit(Xb, y)
    assert np.all(np.isfinite(p.coef_))


# ----------------------------------------------------------------- 7, 8
@pytest.mark.parametrize("dtype,w", [(np.float64, 1e307), (np.float32, 1e-50),
                                     (np.float64, 1e-320)])
def test_07_08_weights_are_scale_free(Xy, dtype, w):
    X, y = Xy
    X = X.astype(dtype)
    ref = SR(random_state=0).fit(X, y)
    m = SR(random_state=0).fit(X, y, sample_weight=np.full(60, w))
    assert_same_model(m, ref, rtol=1e-6 if dtype == np.float32 else 1e-9)


# ----------------------------------------------------------------- 9
def test_09_batch_size_beyond_the_data_is_full_batch(Xy):
    X, y = Xy
    huge = SR(batch_size=2**63, random_state=0, max_iter=5).fit(X, y)
    full = SR(batch_size=60, random_state=0, max_iter=5).fit(X, y)
    assert_same_model(huge, full, rtol=0, atol=0)


# ----------------------------------------------------------------- 10
def test_10_sparse_multilabel_targets(Xy):
    X, _ = Xy
    Y = (np.random.default_rng(2).random((60, 3)) < 0.5).astype(int)
    dense = SR(random_state=0).fit(X, Y)
    sparse = SR(random_state=0).fit(X, sp.csr_matrix(Y))
    assert_same_model(sparse, dense, rtol=0, atol=0)


# ----------------------------------------------------------------- 11
@pytest.mark.parametrize("kw", [{}, {"standardize": False}, {"solver": "lbfgs"}])
def test_11_overflowing_data_are_blamed_not_the_learning_rate(Xy, kw):
    X, y = Xy
    X = X.copy()
    X[:, 1] = np.where(np.arange(60) % 2, 1.7e308, -1.7e308)
    with pytest.raises(DivergenceError, match="data overflow") as info:
        SR(random_state=0, **kw).fit(X, y)
    assert "learning_rate" not in str(info.value)


# ----------------------------------------------------------------- 13
@pytest.mark.parametrize("model_dtype,X_dtype", [(np.float32, np.float64),
                                                 (np.float64, np.float32)])
@pytest.mark.parametrize("method", ["predict_proba", "predict_log_proba",
                                    "decision_function", "predict"])
def test_13_lazy_predictions_announce_the_dtype_they_compute(Xy, model_dtype, X_dtype,
                                                            method):
    X, y = Xy
    m = SoftmaxRegression(solver="lbfgs").fit(X.astype(model_dtype), y)
    lazy = getattr(m, method)(dask_of(X.astype(X_dtype)))
    now = getattr(m, method)(X.astype(X_dtype))
    assert lazy.dtype == lazy.compute().dtype == now.dtype
    np.testing.assert_array_equal(lazy.compute(), now)


# ----------------------------------------------------------------- 14
def test_14_early_stopping_scores_validation_rows_in_place():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 500))  # 80 MB
    y = (X[:, 0] > 0).astype(int)
    model = SR(early_stopping=True, validation_fraction=0.5, max_iter=2, random_state=0)
    # compile first, on rows enough to take the measured fit's paths (the chunked column
    # statistics of large X): the measured fit then allocates only data
    model.fit(X[:10_000], y[:10_000])
    tracemalloc.start()
    try:
        model.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.1 * X.nbytes, f"fit allocated {peak / 1e6:.1f} MB next to an 80 MB X"
    assert len(model.validation_scores_) == model.n_iter_


def test_14_in_place_score_equals_the_copied_score():
    from fastlr._solvers.early_stopping import accuracy_scorer

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6)) * [1, 10, 100, 1, 1, 1] + 3
    y = rng.integers(0, 3, 300)
    X[:, 0] += y
    for Xk in (X, sp.csr_matrix(np.where(np.abs(X) > 3.5, X, 0))):
        for fam_model, target in ((SoftmaxRegression, y), (SigmoidRegression, (y == 1) * 1)):
            m = fam_model(max_iter=3, random_state=0).fit(Xk, target)
            problem = _problem_of(m, Xk, target)
            val = np.sort(rng.choice(300, 90, replace=False))
            W, b = problem.to_trained_units(m.coef_, m.intercept_)
            score = accuracy_scorer(problem, val, 0.5)(W, b)
            Xv = Xk[val]
            assert score == pytest.approx(np.mean(m.predict(Xv) == target[val]), abs=1e-12)


def _problem_of(model, X, y):
    from fastlr._estimators.inputs import validate_Xy

    X, y = validate_Xy(model, X, y, reset=False)
    family = model._fastlr_family
    return model._problem(X, y, None, family, model.classes_, stats=model._fastlr_stats)


# ------------------------------------------------- the storage format never matters
def storages(X):
    A = sp.csr_matrix(X)
    return {"dense": X, "csr": A, "csr-duplicates": duplicated(A), "csc": A.tocsc(),
            "coo": A.tocoo(), "dask": dask_of(X, 50), "dask-csr": dask_of(X, 50).map_blocks(
                sp.csr_matrix)}


def sparse_data(kind):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((150, 8)) * np.linspace(1, 20, 8) + 4
    X[rng.random(X.shape) < 0.5] = 0.0
    if kind == "multilabel":
        y = (rng.random((150, 3)) < 0.4).astype(int)
    else:
        y = rng.integers(0, 2 if kind == "binary" else 3, 150)
    X[:, 0] += 3 * (y if y.ndim == 1 else y[:, 0])
    return X, y


def est_for(kind):
    """The alpha-style estimator of a target kind (MBGD parameters, tol=None)."""
    return SoftmaxRegression if kind == "multiclass" else SigmoidRegression


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("kw", [dict(solver="lbfgs", tol=1e-10),
                                dict(solver="fista", penalty="elasticnet", alpha=1e-2,
                                     tol=1e-10, max_iter=5000),
                                dict(max_iter=4, tol=None),
                                dict(max_iter=3, tol=None, batch_size=1),
                                dict(max_iter=3, tol=None, standardize=True),
                                dict(max_iter=3, tol=None, early_stopping=True,
                                     validation_fraction=0.2)],
                         ids=["lbfgs", "fista", "mbgd", "sgd", "mbgd-standardized",
                              "early-stopping"])
def test_storage_format_never_changes_the_model(kind, kw):
    X, y = sparse_data(kind)
    Est = est_for(kind)
    ref = Est(random_state=0, **kw).fit(X, y)
    exact = kw.get("solver") in ("lbfgs", "fista")
    for name, Xs in storages(X).items():
        if name.startswith("dask") and not exact:
            continue  # dask arrays train with the exact solvers (partial_fit streams them)
        m = Est(random_state=0, **kw).fit(Xs, y if not name.startswith("dask") else dask_of(y, 50))
        scale = np.abs(ref.coef_).max()
        tol = 1e-6 * max(scale, 1) if exact else 1e-9 * max(scale, 1)
        np.testing.assert_allclose(m.coef_, ref.coef_, atol=tol, err_msg=name)
        np.testing.assert_allclose(m.intercept_, ref.intercept_, atol=tol, err_msg=name)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("standardize", [True, False])
def test_storage_format_never_changes_partial_fit(kind, standardize):
    X, y = sparse_data(kind)
    classes = None if kind == "multilabel" else np.unique(y)
    halves = (slice(0, 75), slice(75, 150))

    def stream(fmt_first, fmt_second):
        m = est_for(kind)(random_state=0, standardize=standardize)
        for fmt, rows in zip((fmt_first, fmt_second), halves):
            m.partial_fit(storages(X[rows])[fmt], y[rows], classes=classes)
        return m

    ref = stream("dense", "dense")
    for pair in [("csr", "csr"), ("dense", "csr"), ("csr", "dense"), ("csr-duplicates", "coo"),
                 ("csc", "dense")]:
        assert_same_model(stream(*pair), ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("standardize", [True, False])
def test_partial_fit_streams_a_dask_array_chunk_by_chunk(standardize):
    X, y = sparse_data("multiclass")
    classes = np.unique(y)
    ref = LR(random_state=0, standardize=standardize)
    for rows in (slice(0, 50), slice(50, 100), slice(100, 150)):
        ref.partial_fit(X[rows], y[rows], classes=classes)
    m = LR(random_state=0, standardize=standardize).partial_fit(
        dask_of(X, 50), dask_of(y, 50), classes=classes)
    assert_same_model(m, ref, rtol=0, atol=0)
    assert m.n_iter_ == ref.n_iter_ == 3
