"""Large dense X takes shortcuts past the per-fit passes (issue 9): its NaN/inf
check rides on the one-pass column statistics, and integer labels are counted
instead of sorted. These tests pin that the shortcuts give the checked,
general path's results and errors."""
from __future__ import annotations

import numpy as np
import pytest

from fastlr import LogisticRegression, SigmoidRegression, SoftmaxRegression
from fastlr._estimators import scaling
from fastlr._estimators import targets
from fastlr._estimators.targets import (check_two_classes, encode_targets, target_type,
                                        unique_labels)

N, D = 1 << 16, 64  # N * D == scaling.CHUNKED_ENTRIES: the one-pass statistics


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((N, D)).astype(np.float32)
    y = (X[:, 0] + 0.5 * rng.standard_normal(N) > 0).astype(np.int64)
    assert scaling.fused_finite_check(X)
    return X, y


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("Est", [SigmoidRegression, LogisticRegression])
@pytest.mark.parametrize("zero_weight", [False, True])
def test_non_finite_large_X_gets_sklearns_error(big, bad, Est, zero_weight):
    """A NaN or inf anywhere, in a row of zero weight too, raises the error of the
    checked path (scikit-learn's wording) and leaves the estimator unfitted."""
    X, y = big
    Xb = X.copy()
    row = N - 1 if zero_weight else 4321
    Xb[row, 7] = bad
    sw = np.ones(N)
    if zero_weight:
        sw[row] = 0
    est = Est(max_iter=1)
    word = "NaN" if np.isnan(bad) else "infinity"
    with pytest.raises(ValueError, match=f"Input X contains {word}"):
        est.fit(Xb, y, sample_weight=sw)
    assert not hasattr(est, "coef_")


def test_one_pass_moments_match_the_two_passes_with_weights_and_offsets():
    """Blocks merged with Chan's update give the corrected two-pass moments, with
    zero weights, large offsets and a constant column."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(N, D)) * rng.uniform(0.01, 100, D) + rng.normal(0, 1e6, D)
    X[:, 3] = 7.25  # constant: mean exactly, variance 0 (to rounding)
    sw = rng.uniform(0, 2, N)
    sw[rng.random(N) < 0.2] = 0
    m, v, a = scaling._one_pass_moments(X, sw)
    assert np.all(a == 1)
    keep = sw > 0
    w = sw[keep] / sw[keep].sum()
    m_ref = w @ X[keep]
    v_ref = w @ (X[keep] - m_ref) ** 2
    np.testing.assert_allclose(m, m_ref, rtol=1e-12)
    np.testing.assert_allclose(v, v_ref, rtol=1e-8, atol=1e-9 * np.abs(m_ref).max())
    assert abs(m[3] - 7.25) <= 1e-12 and v[3] <= 1e-20


@pytest.mark.parametrize("where", ["first blocks", "later block"])
@pytest.mark.parametrize("bad", [None, np.nan, np.inf])
def test_one_pass_moments_of_blocks_of_zero_weight(where, bad):
    """Whole blocks of weight 0, before any weighted row (no shift yet) or after
    (the running mean as shift): they do not move the moments, an outlier in them
    neither, and a NaN or an inf in them is still found."""
    rng = np.random.default_rng(12)
    X = rng.normal(size=(N, D)) * 3.0 + 50.0
    sw = np.ones(N)
    lo = 0 if where == "first blocks" else N // 2
    sw[lo:lo + 3000] = 0
    X[lo + 5, 2] = 1e12  # an outlier the zero weight drops
    if bad is not None:
        X[lo + 2500, 9] = bad
        with pytest.raises(scaling.NonFinite):
            scaling._one_pass_moments(X, sw)
        return
    m, v, a = scaling._one_pass_moments(X, sw)
    keep = sw > 0
    np.testing.assert_allclose(m, X[keep].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(v, X[keep].var(axis=0), rtol=1e-9)


def test_one_pass_moments_of_sorted_drifting_columns():
    """Rows sorted so that each block's mean lies far from the running mean before
    it (a trend, a step): the shifted sums keep the variance to 1e-9."""
    rng = np.random.default_rng(13)
    X = rng.normal(size=(N, D))
    X[:, 0] += np.arange(N) * 1e-2            # a trend, thousands of spreads long
    X[:, 1] = np.where(np.arange(N) < N // 2, 0.0, 1e4) + 1e-3 * X[:, 1]  # a step
    m, v, a = scaling._one_pass_moments(X, np.ones(N))
    np.testing.assert_allclose(m, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(v, X.var(axis=0), rtol=1e-9)


def test_columns_needing_other_units_fall_back_to_the_two_passes():
    """A column of 1e200 (its squares overflow) or 1e-200 (they underflow) is
    summed in its own units by the two-pass path: finite, correct statistics."""
    rng = np.random.default_rng(6)
    X = rng.standard_normal((N, D))
    X[:, 1] *= 1e200
    X[:, 2] *= 1e-200
    assert scaling._one_pass_moments(X, np.ones(N)) is None
    m_s, var_s, a = scaling.weighted_moments(X, np.ones(N))
    sd = np.sqrt(var_s) * a
    ref = [(X[:, 1] * 1e-200).std() * 1e200, (X[:, 2] * 1e200).std() * 1e-200]
    np.testing.assert_allclose(sd[[1, 2]], ref, rtol=1e-10)
    model = SigmoidRegression(max_iter=2, tol=None).fit(X, (X[:, 0] > 0).astype(int))
    assert np.isfinite(model.coef_).all()


@pytest.fixture(params=["numpy", "compiled"])
def label_path(request, monkeypatch):
    """Integer labels read by NumPy, or by the compiled passes of _kernels.labels
    (which large arrays take), whatever the size of the test's labels."""
    compiled = request.param == "compiled"
    monkeypatch.setattr(targets, "_COMPILED_LABELS", 1 if compiled else 1 << 62)
    monkeypatch.setattr(targets, "kernels_loaded", lambda: False)
    return request.param


@pytest.mark.parametrize("y", [
    np.array([3, 1, 3, 7]), np.array([True, False, True]), np.array([-5, 2, 2], np.int8),
    np.array([0, 10 ** 9, 5]), np.array([1.0, 0.0, 1.0]), np.array(["b", "a", "b"]),
    np.arange(200000) % 3 + 10 ** 12,
    np.tile(np.array([-100, 45, 100], np.int8), 100),         # y - lo would wrap in int8
    np.tile(np.array([-30000, 0, 30000], np.int16), 30000),
    np.tile(np.array([2 ** 64 - 1, 2 ** 63, 5], np.uint64), 4),  # beyond int64: sorted
    np.tile(np.array([3, 250], np.uint8), 300),
])
def test_counted_labels_are_np_unique(y, label_path):
    u = unique_labels(y)
    ref = np.unique(y)
    assert u.dtype == ref.dtype
    np.testing.assert_array_equal(u, ref)
    T = encode_targets("softmax", y, ref, np.float64)
    np.testing.assert_array_equal(ref[T], y)
    assert target_type(y) == ("binary" if len(ref) <= 2 else "multiclass")
    if len(ref) == 2 and y.dtype.kind in "iub":
        Ts = encode_targets("sigmoid", y, ref, np.float32)
        assert Ts.shape == (len(y), 1) and Ts.dtype == np.float32
        np.testing.assert_array_equal(Ts[:, 0], y == ref[1])


def test_counted_encoding_of_a_partial_fit_batch_with_fewer_labels(label_path):
    """A batch (int8, range over 127) that stores two of three known classes."""
    classes = np.array([-100, 45, 100], np.int8)
    y = np.tile(np.array([-100, 100], np.int8), 200)
    np.testing.assert_array_equal(encode_targets("softmax", y, classes, np.float64),
                                  np.tile([0, 2], 200))
    with pytest.raises(ValueError, match=r"not in classes \[-100, 45, 100\]: \[7\]"):
        encode_targets("softmax", np.tile(np.array([7, 45], np.int8), 50), classes, np.float64)


def test_counted_encoding_rejects_unknown_labels_and_single_classes(label_path):
    classes = np.array([1, 3, 7])
    with pytest.raises(ValueError, match=r"not in classes \[1, 3, 7\]: \[2, 9\]"):
        encode_targets("softmax", np.array([3, 2, 9, 1]), classes, np.float64)
    T = encode_targets("softmax", np.array([3, 3, 1]), classes, np.float64)
    with pytest.raises(ValueError, match=r"only one class .*classes seen \[3\]"):
        check_two_classes(T, "softmax", np.array([1.0, 1.0, 0.0]), classes)
    with pytest.raises(ValueError, match=r"not in classes \[3, 7\]: \[5\]"):
        encode_targets("sigmoid", np.array([3, 7, 5, 3]), np.array([3, 7]), np.float32)
    Ts = encode_targets("sigmoid", np.array([3, 7, 3]), np.array([3, 7]), np.float32)
    with pytest.raises(ValueError, match=r"classes seen \[3\]"):
        check_two_classes(Ts, "sigmoid", np.array([1.0, 0.0, 1.0]), np.array([3, 7]))


def test_large_fit_equals_the_checked_path(big):
    """The same model whether X's checks ran up front (a Fortran-ordered copy takes
    scikit-learn's full check) or rode on the statistics' pass."""
    X, y = big
    a = SoftmaxRegression(max_iter=2, tol=None, random_state=0).fit(X, y % 2)
    b = SoftmaxRegression(max_iter=2, tol=None, random_state=0).fit(np.asfortranarray(X), y % 2)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-5, atol=1e-6)


def test_a_nan_in_large_X_is_named_before_other_errors(big):
    """scikit-learn checks X first: with a NaN in X and a single class in y, the
    error is X's, as when the check runs up front."""
    X, _ = big
    Xb = X.copy()
    Xb[10, 3] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        SigmoidRegression().fit(Xb, np.zeros(N, int))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        SigmoidRegression().fit(Xb, np.r_[np.zeros(N - 1), 1], sample_weight=np.r_[np.ones(N - 1), 0])
    with pytest.raises(ValueError, match="only one class"):  # finite X: y's own error
        SigmoidRegression().fit(X, np.zeros(N, int))


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("standardized", [True, False])
@pytest.mark.parametrize("centre", [True, False])
def test_compiled_column_formulas_equal_the_numpy_ones(monkeypatch, fit_intercept,
                                                       standardized, centre):
    """Wide problems (scaling.COMPILED_COLUMNS columns and more) take the per-column
    formulas after the sums as compiled loops: the same (mean, inv_scale, pen) as the
    NumPy expressions, on columns of every kind (constant, all-zero, huge, offset)."""
    import scipy.sparse as sp

    rng = np.random.default_rng(7)
    n, d = 300, 40
    X = rng.standard_normal((n, d)) * rng.uniform(0.1, 10, d) + rng.normal(0, 5, d)
    X[:, 0] = 3.0                   # constant
    X[:, 1] = 0.0                   # all zero
    X[:, 2] *= 1e150                # needs other units (two passes, a != 1)
    X[:, 3] = 1e6 + 1e-3 * X[:, 3]  # large offset, small spread
    X[rng.random((n, d)) < 0.5] = 0.0
    sw = rng.uniform(0.5, 2.0, n)
    for A in (X, sp.csr_matrix(X), sp.csr_matrix(np.abs(X[:, 4:]) + 1.0)):
        kw = dict(fit_intercept=fit_intercept, l2=0.3, standardized_penalty=standardized,
                  dtype=np.float64, centre=centre)
        monkeypatch.setattr(scaling, "COMPILED_COLUMNS", 1 << 40)
        expected = scaling.preconditioner(A, sw, **kw)
        moments = scaling.weighted_moments(A, sw)
        monkeypatch.setattr(scaling, "COMPILED_COLUMNS", 1)
        got = scaling.preconditioner(A, sw, **kw)
        for u, v in zip(got, expected):
            np.testing.assert_allclose(u, v, rtol=1e-13, atol=1e-300)
        for u, v in zip(scaling.weighted_moments(A, sw), moments):
            np.testing.assert_allclose(u, v, rtol=1e-13, atol=1e-300)


def test_the_mean_goes_through_the_intercept_only_within_a_standard_deviation():
    """Scaling.fold: dense MBGD epochs centre through the intercept only when no
    column's mean is further from 0 than its spread (a constant column: only 0); the
    fits with and without it give the same model."""
    from fastlr import SigmoidRegression
    from fastlr._estimators import scaling

    rng = np.random.default_rng(3)
    n, d = 400, 6
    X = rng.standard_normal((n, d)) + rng.uniform(-0.9, 0.9, d)
    sw = np.ones(n)
    kw = dict(fit_intercept=True, l2=0.1, standardized_penalty=False, dtype=np.float64)
    assert scaling.preconditioner(X, sw, **kw).fold
    offset = X.copy()
    offset[:, 2] += 3.0                         # 3 standard deviations off 0
    constant = X.copy()
    constant[:, 4] = 0.5                        # constant, not 0
    zero = X.copy()
    zero[:, 4] = 0.0                            # constant 0: nothing to cancel
    assert not scaling.preconditioner(offset, sw, **kw).fold
    assert not scaling.preconditioner(constant, sw, **kw).fold
    assert scaling.preconditioner(zero, sw, **kw).fold
    # no centring at all: nothing to fold either way
    assert scaling.preconditioner(offset, sw, **dict(kw, fit_intercept=False)).fold
    assert scaling.preconditioner(offset, sw, **dict(kw, centre=False)).fold

    y = (X @ rng.standard_normal(d) + rng.logistic(size=n) > 0).astype(int)
    est = SigmoidRegression(random_state=0, max_iter=5, tol=None).fit(X, y)
    assert est._fastlr_stats.fold
    # the same epochs centring every row: the model equals the folded one to rounding
    from fastlr._estimators import base

    real = base.preconditioner

    def rows_centred(*a, **k):
        return real(*a, **k)._replace(fold=False)

    from fastlr import LogisticRegression
    from fastlr._config import kernels_loaded

    assert kernels_loaded()  # the exact solver runs the compiled passes, not NumPy's
    exact = LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    exact32 = LogisticRegression(C=0.5).fit(X.astype(np.float32), y)
    try:
        base.preconditioner = rows_centred
        est2 = SigmoidRegression(random_state=0, max_iter=5, tol=None).fit(X, y)
        exact2 = LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
        exact32_2 = LogisticRegression(C=0.5).fit(X.astype(np.float32), y)
    finally:
        base.preconditioner = real
    assert not est2._fastlr_stats.fold
    np.testing.assert_allclose(est.coef_, est2.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(est.intercept_, est2.intercept_, rtol=1e-9, atol=1e-12)
    # the exact solver's passes fold too: the same optimum, float64 and float32
    assert exact._fastlr_stats.fold and not exact2._fastlr_stats.fold
    np.testing.assert_allclose(exact.coef_, exact2.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(exact.intercept_, exact2.intercept_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(exact32.coef_, exact32_2.coef_, rtol=1e-4, atol=1e-5)
    # and the constant column keeps a zero weight
    est3 = SigmoidRegression(random_state=0, max_iter=5, tol=None).fit(constant, y)
    assert not est3._fastlr_stats.fold and abs(est3.coef_[0, 4]) < 1e-10
