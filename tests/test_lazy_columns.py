"""Lazy epochs on the columns the rows store (fastlr._kernels.lazy_columns).

When a call's rows store values in few of the columns (a chunk of a wide bag of
words), :class:`fastlr._solvers.sparse_epochs.LazyEpochRunner` runs the lazy
epoch on those columns, renumbered, and catches every other column up in one
pass: ``nb`` penalty-only steps in closed form. These tests check the pass
against the steps taken one by one in NumPy, and whole fits, warm starts and
streams of ``partial_fit`` against the same calls on all columns.
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest
import scipy.sparse as sp

import fastlr
from fastlr._kernels.lazy_columns import catch_up_columns, take_columns
from fastlr._kernels.lazy_penalty import take_weights

epochs_module = importlib.import_module("fastlr._solvers.sparse_epochs")
base_module = importlib.import_module("fastlr._estimators.base")


def _steps_one_by_one(W, pen, unit, nb, el1, el2, dtype):
    """nb steps w <- soft(a w, t), a = 1 - el2 q², t = el1 q, in float64 NumPy, on the
    trained weights W / unit (q rounded to ``dtype``, as the tables hold it)."""
    q = pen.astype(dtype).astype(np.float64)
    S = W.astype(np.float64) / (unit if unit.size else 1.0)
    a, t = 1.0 - el2 * q * q, el1 * q
    for _ in range(nb):
        v = a * S
        S = v - np.clip(v, -t, t)
    return S


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("el1,el2", [(0.0, 0.0), (0.0, 1e-5), (0.0, 3e-3), (0.0, 0.02),
                                     (0.0, 0.7), (2e-3, 0.0), (1e-3, 2e-3), (2e-3, 0.7)],
                         ids=["none", "l2-series", "l2-atanh", "l2-mixed", "l2-not-positive",
                              "l1", "elasticnet", "elasticnet-not-positive"])
@pytest.mark.parametrize("scaled", [True, False], ids=["user-units", "trained-units"])
def test_catch_up_is_the_steps_taken_one_by_one(dtype, K, el1, el2, scaled):
    """Every column not kept: nb penalty-only steps (a decay from the series of
    log(1 - ε), its atanh form, or, where a decay is not positive, the steps one by
    one; an L1 shrink; an elastic net's closed form); kept columns: the epoch's
    weights, bit for bit; the penalty sums over the caught-up columns only. ``d``
    is not a multiple of the block, and both chunks hold kept columns."""
    rng = np.random.default_rng(3)
    d, nb = 1000, 9
    W = rng.normal(0, 1, (K, d)).astype(dtype)
    W[:, rng.random(d) < 0.1] = 0  # zero weights stay zero
    pen = rng.uniform(0.2, 2.0, d).astype(dtype)
    unit = rng.uniform(0.5, 2.0, d).astype(dtype) if scaled else np.zeros(0, dtype)
    keep = np.sort(rng.choice(d, 150, replace=False))
    fitted = rng.normal(0, 1, (K, keep.size)).astype(dtype)
    out = np.full_like(W, np.nan)
    pen1, pen2, finite = catch_up_columns(W, fitted, keep, pen, unit, nb, el1, el2,
                                          np.empty(0, dtype), out, 2)
    assert finite
    expected = _steps_one_by_one(W, pen, unit, nb, el1, el2, dtype)
    free = np.ones(d, bool)
    free[keep] = False
    got = out.astype(np.float64) / (unit if unit.size else 1.0)
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got[:, free], expected[:, free], rtol=rtol, atol=rtol * scale)
    np.testing.assert_array_equal(out[:, keep], fitted)
    if el1:  # the soft-threshold's exact zeros
        assert np.array_equal(got[:, free] == 0, expected[:, free] == 0)
    q = pen.astype(dtype).astype(np.float64)[free]
    S = got[:, free]
    assert pen1 == pytest.approx(float((q * np.abs(S)).sum()), rel=rtol)
    assert pen2 == pytest.approx(float(((q * S) ** 2).sum()), rel=rtol)


def test_catch_up_in_place_and_on_one_chunk():
    """``out`` may be W itself; one chunk or several give the same bits."""
    rng = np.random.default_rng(4)
    W = rng.normal(0, 1, (2, 700))
    pen, unit = rng.uniform(0.5, 1.5, 700), rng.uniform(0.5, 2.0, 700)
    keep = np.array([0, 255, 256, 511, 699])
    fitted = rng.normal(0, 1, (2, 5))
    runs = []
    for chunks in (1, 2, 5):
        out = np.empty_like(W)
        runs.append((out, catch_up_columns(W, fitted, keep, pen, unit, 4, 1e-3, 1e-2,
                                           np.empty(0), out, chunks)[:2]))
    Wi = W.copy()
    catch_up_columns(Wi, fitted, keep, pen, unit, 4, 1e-3, 1e-2, np.empty(0), Wi, 2)
    np.testing.assert_array_equal(Wi, runs[0][0])
    for out, sums in runs[1:]:
        np.testing.assert_array_equal(out, runs[0][0])
        assert sums == pytest.approx(runs[0][1], rel=1e-14)


@pytest.mark.parametrize("where", ["caught-up", "kept"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_catch_up_reports_a_weight_that_is_not_finite(where, bad):
    """The pass says whether every weight it wrote is finite (the solver's check
    after the epoch), a NaN kept as NaN by the soft-threshold."""
    W, fitted = np.ones((2, 600)), np.ones((2, 3))
    keep = np.array([3, 300, 599])
    if where == "kept":
        fitted[1, 2] = bad
    else:
        W[0, 17] = bad
    out = np.empty_like(W)
    pen = np.ones(600)
    for el1, el2 in ((0.0, 0.0), (1e-3, 0.0), (0.0, 1e-3), (1e-3, 1e-3)):
        assert not catch_up_columns(W, fitted, keep, pen, pen, 3, el1, el2, np.empty(0),
                                    out, 2)[2]
        assert np.isnan(out[0, 17]) == (where == "caught-up" and np.isnan(bad))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_block_with_a_strong_decay_leaves_the_next_blocks_alone(dtype):
    """A block where some decay is too strong for the series (ε > 0.5) takes the
    general closed form; the blocks after it, in the same chunk, keep their own
    (the same bits as without that column)."""
    rng = np.random.default_rng(9)
    d, nb, el2 = 2000, 7, 1e-3
    W = rng.normal(0, 1, (2, d)).astype(dtype)
    pen = rng.uniform(0.5, 1.5, d).astype(dtype)
    strong = pen.copy()
    strong[3] = 30.0  # ε = 0.9 in the first block
    keep, fitted = np.array([5, 700]), np.zeros((2, 2), dtype)
    outs = []
    for p in (pen, strong):
        out = np.empty_like(W)
        assert catch_up_columns(W, fitted, keep, p, np.zeros(0, dtype), nb, 0.0, el2,
                                np.empty(0, dtype), out, 1)[2]
        outs.append(out)
    np.testing.assert_array_equal(outs[1][:, 256:], outs[0][:, 256:])
    expected = _steps_one_by_one(W, strong, np.zeros(0), nb, 0.0, el2, dtype)
    np.testing.assert_allclose(outs[1][:, 3], expected[:, 3], rtol=1e-12 if dtype == np.float64
                               else 2e-5)


@pytest.mark.parametrize("scaled", [True, False], ids=["user-units", "trained-units"])
def test_catch_up_writes_in_the_dtype_of_out(scaled):
    """float64 weights in (coef_ of a float64 fit) and float32 out: each weight rounded
    as take_weights rounds it; one beyond float32's range is an inf the pass reports."""
    rng = np.random.default_rng(10)
    d = 600
    W = rng.normal(0, 1, (2, d))
    pen = rng.uniform(0.5, 1.5, d).astype(np.float32)
    unit = rng.uniform(0.5, 2.0, d) if scaled else np.zeros(0)  # float64, like a
    #                                 float64 stream's scaling kept for a float32 call
    keep, fitted = np.array([1, 400]), np.ones((2, 2), np.float32)
    out, ref = np.empty((2, d), np.float32), np.empty((2, d), np.float32)
    S = np.empty((d, 2), np.float32)
    take_weights(W, S, unit)  # W into the float32 trained units, as the epochs take it
    W32 = np.ascontiguousarray((S * (unit[:, None] if scaled else 1)).T)
    args = (keep, pen, unit, 5, 1e-4, 1e-3, np.empty(0, np.float32))
    assert catch_up_columns(W, fitted, *args, out, 2)[2]
    assert catch_up_columns(W32, fitted, *args, ref, 2)[2]
    np.testing.assert_allclose(out, ref, rtol=2e-6)
    W[1, 77] = 1e39
    if scaled:  # 1e37 in the trained units: within float32 until multiplied back
        unit[77] = 100.0
    assert not catch_up_columns(W, fitted, *args, out, 2)[2]
    assert np.isinf(out[1, 77])


@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scaled", [True, False])
def test_take_columns_is_take_weights_on_the_columns(K, dtype, scaled):
    rng = np.random.default_rng(5)
    W = rng.normal(0, 1, (K, 900)).astype(dtype)
    unit = rng.uniform(0.3, 3.0, 900).astype(dtype) if scaled else np.zeros(0, dtype)
    keep = np.sort(rng.choice(900, 333, replace=False))
    S, expected = np.empty((333, K), dtype), np.empty((333, K), dtype)
    take_columns(W, keep, S, unit, 2)
    take_weights(np.ascontiguousarray(W[:, keep]), expected, unit[keep] if scaled else unit)
    np.testing.assert_array_equal(S, expected)


def _wide(n, d, per_row, dtype, seed):
    """Rows storing ~per_row of d columns: each chunk of rows leaves most columns empty."""
    rng = np.random.default_rng(seed)
    cols = rng.integers(0, d, (n, per_row))
    X = sp.csr_matrix((rng.uniform(0.5, 3.0, n * per_row), cols.ravel(),
                       np.arange(0, n * per_row + 1, per_row)), shape=(n, d), dtype=dtype)
    X.sum_duplicates()
    return X


def _spy_columns(monkeypatch):
    """Record, for every runner made, whether it trains on the stored columns only."""
    seen = []
    real = epochs_module.LazyEpochRunner.__init__

    def spy(self, *args, **kwargs):
        real(self, *args, **kwargs)
        seen.append(self.columns is not None)

    monkeypatch.setattr(epochs_module.LazyEpochRunner, "__init__", spy)
    return seen


def _stream_and_warm_fits(cls, kw, X, y, classes):
    """A stream of partial_fit calls, then warm-started fits of several epochs."""
    m = cls(random_state=0, **kw)
    for s in range(0, X.shape[0], 100):
        m.partial_fit(X[s:s + 100], y[s:s + 100], classes=classes)
    stream = (m.coef_.copy(), m.intercept_.copy(), list(m.loss_curve_))
    m.set_params(warm_start=True, max_iter=3, tol=None)
    m.fit(X[:150], y[:150])
    return stream, (m.coef_, m.intercept_, list(m.loss_curve_))


@pytest.mark.parametrize("classes", [2, 4, "multilabel"])
@pytest.mark.parametrize("kw", [{}, {"penalty": "l1", "alpha": 1e-3},
                                {"penalty": "elasticnet", "alpha": 1e-3,
                                 "fit_intercept": False},
                                {"penalty": None}, {"standardize": False, "alpha": 1e-3},
                                {"learning_rate": "inverse_time"}],
                         ids=["defaults", "l1", "elasticnet", "none", "unscaled",
                              "inverse-time"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stream_on_stored_columns_is_the_stream_on_all_columns(monkeypatch, classes, kw,
                                                               dtype):
    """partial_fit over chunks that each store a few of the columns, then a warm
    start of several epochs on fewer rows: the runner on the stored columns (and
    the others caught up) gives the model the runner on all columns gives, to
    rounding, and the same objectives."""
    X = _wide(600, 3000, 6, dtype, seed=1)
    rng = np.random.default_rng(2)
    if classes == "multilabel":
        y, labels, cls = (rng.random((600, 3)) < 0.4).astype(int), None, fastlr.SigmoidRegression
    else:
        y = rng.integers(0, classes, 600)
        labels = np.arange(classes)
        cls = fastlr.SigmoidRegression if classes == 2 else fastlr.SoftmaxRegression
    seen = _spy_columns(monkeypatch)
    monkeypatch.setattr(epochs_module, "MIN_COLUMNS", 1)
    compact = _stream_and_warm_fits(cls, kw, X, y, labels)
    assert seen and all(seen)  # every call trained on its stored columns
    seen.clear()
    monkeypatch.setattr(epochs_module, "MIN_COLUMNS", 1 << 40)
    full = _stream_and_warm_fits(cls, kw, X, y, labels)
    assert seen and not any(seen)
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    for (Wa, ba, ca), (Wb, bb, cb) in zip(compact, full):
        assert Wa.dtype == Wb.dtype == dtype
        scale = np.abs(Wb).max()
        assert scale > 0
        np.testing.assert_allclose(Wa, Wb, rtol=0, atol=rtol * scale)
        np.testing.assert_allclose(ba, bb, rtol=0, atol=rtol * max(1.0, np.abs(bb).max()))
        np.testing.assert_allclose(ca, cb, rtol=rtol)
        if kw.get("penalty") == "l1":
            assert (Wb == 0).any()


@pytest.mark.parametrize("original", [True, False], ids=["user-units", "trained-units"])
def test_stream_on_stored_columns_in_either_units(monkeypatch, original):
    """The weights taken in and written out in coef_'s units or in the trained
    ones: the same stream, compacted or not."""
    X = _wide(400, 3000, 5, np.float64, seed=3)
    y = np.random.default_rng(3).integers(0, 3, 400)
    if not original:
        monkeypatch.setattr(base_module, "trains_in_original_units", lambda p, s: False)
    runs = []
    for min_columns in (1, 1 << 40):
        monkeypatch.setattr(epochs_module, "MIN_COLUMNS", min_columns)
        m = fastlr.SoftmaxRegression(random_state=0)
        for s in range(0, 400, 100):
            m.partial_fit(X[s:s + 100], y[s:s + 100], classes=[0, 1, 2])
        runs.append(m)
    np.testing.assert_allclose(runs[0].coef_, runs[1].coef_, rtol=0,
                               atol=1e-10 * np.abs(runs[1].coef_).max())


def test_stored_columns_rule():
    """Compacted when the empty columns, times VALUES_PER_FREE, reach the stored
    values (and there are at least MIN_COLUMNS columns); rows storing nothing
    compact to no column at all, and a call on them still trains the intercept
    and decays every weight."""
    d = epochs_module.MIN_COLUMNS
    X = _wide(50, d, 4, np.float64, seed=5)
    cols = epochs_module.stored_columns(X.indices, d)
    assert cols is not None
    np.testing.assert_array_equal(cols.keep, np.unique(X.indices))
    np.testing.assert_array_equal(cols.keep[cols.indices], X.indices)
    assert epochs_module.stored_columns(X.indices[X.indices < d - 1], d - 1) is None
    dense_rows = sp.csr_matrix(np.ones((20, 64)))
    assert epochs_module.stored_columns(dense_rows.indices, 64) is None
    # at least MIN_COLUMNS columns: more than 16 stored values a column, or too few
    # empty columns for the values the rows store
    many = np.tile(np.arange(d, dtype=np.int32), epochs_module.VALUES_PER_FREE + 1)
    assert epochs_module.stored_columns(many, d) is None
    few_empty = np.tile(np.arange(d - d // 8, dtype=np.int32), 10)  # d/8 empty, 8.75 d values
    assert few_empty.size <= d * epochs_module.VALUES_PER_FREE
    assert epochs_module.stored_columns(few_empty, d) is None
    cols = epochs_module.stored_columns(few_empty[:d], d)  # d values: the rule holds
    assert cols is not None and cols.keep.size == d - d // 8
    empty = sp.csr_matrix((30, d))
    cols = epochs_module.stored_columns(empty.indices, d)
    assert cols is not None and cols.keep.size == 0
    m = fastlr.SigmoidRegression(random_state=0, learning_rate="constant", eta0=0.1)
    Xw = _wide(200, d, 4, np.float64, seed=6)
    y = np.arange(200) % 2
    m.partial_fit(Xw, y, classes=[0, 1])
    before, b0 = m.coef_.copy(), m.intercept_.copy()
    m.partial_fit(empty, np.ones(30, int))
    assert np.all(np.abs(m.coef_) <= np.abs(before)) and (m.coef_ != before).any()
    assert m.intercept_[0] > b0[0]


def test_a_diverging_call_on_stored_columns_leaves_the_model(monkeypatch):
    """A call whose epoch diverges raises and leaves coef_ and intercept_ as they were."""
    monkeypatch.setattr(epochs_module, "MIN_COLUMNS", 1)
    seen = _spy_columns(monkeypatch)
    X = _wide(300, 3000, 5, np.float32, seed=8)
    y = np.random.default_rng(4).integers(0, 3, 300)
    m = fastlr.SoftmaxRegression(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    old, snap, icpt = m.coef_, m.coef_.copy(), m.intercept_.copy()
    m.set_params(learning_rate="constant", eta0=1e30)
    with pytest.raises(fastlr.DivergenceError):
        m.partial_fit(X * np.float32(1e15), y)
    assert seen == [True, True]
    assert m.coef_ is old
    np.testing.assert_array_equal(old, snap)
    np.testing.assert_array_equal(m.intercept_, icpt)


@pytest.mark.parametrize("min_columns", [1, 1 << 40], ids=["stored-columns", "all-columns"])
def test_a_weight_beyond_float32_in_a_column_the_chunk_skips_raises(monkeypatch,
                                                                     min_columns):
    """coef_ of a float64 stream holding weights beyond float32's range, then a
    float32 chunk that stores no value in their columns: the call raises and leaves
    the model, on either path, instead of writing inf into coef_."""
    monkeypatch.setattr(epochs_module, "MIN_COLUMNS", min_columns)
    X = _wide(300, 3000, 5, np.float64, seed=11)
    y = np.random.default_rng(5).integers(0, 2, 300)
    m = fastlr.SigmoidRegression(random_state=0).partial_fit(X[:150], y[:150],
                                                             classes=[0, 1])
    chunk = X[150:].astype(np.float32)
    free = np.setdiff1d(np.arange(3000), chunk.indices)[:3]
    m.coef_[0, free] = 1e39
    snap = m.coef_.copy()
    with pytest.raises(fastlr.DivergenceError):
        m.partial_fit(chunk, y[150:])
    np.testing.assert_array_equal(m.coef_, snap)
