"""Lazy sparse MBGD (fastlr._kernels.lazy): the same iterates as the eager epoch.

The lazy kernel applies the penalty-only steps a feature skipped in closed
form when the feature next appears and at the end of the epoch; these tests
run it next to the eager kernel (:func:`fastlr._kernels.mbgd_epoch`) on the
same uncentred problem, epoch after epoch with a decaying step, and ask for
the same weights to 1e-10 (float64) and 1e-5 (float32).
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest
import scipy.sparse as sp

import fastlr
from fastlr._kernels import mbgd_epoch
from fastlr._kernels.dense import ROWS
from fastlr._kernels.lazy import lazy_csr_epoch
from fastlr._kernels.lazy_penalty import feature_columns, feature_table
from fastlr._solvers.sparse_epochs import lazy_epochs_pay, lazy_workspace

PENALTIES = {"none": (0.0, 0.0), "l2": (0.0, 1e-2), "l1": (1e-2, 0.0),
             # η l2 q² below 2^-10: the decays' logs from their series, not log1p
             "weak l2": (0.0, 1e-4),
             "elasticnet": (5e-3, 5e-3),
             # η l2 q² from 0.2 to 1.7 in the first epoch: some decays are not positive,
             # which have no closed form (the feature-by-feature path, and its steps
             # taken one at a time)
             "strong l2": (0.0, 2.5)}


def _sparse(n=300, d=200, density=0.03, dtype=np.float64, seed=1):
    X = sp.random(n, d, density=density, random_state=seed, format="csr", dtype=dtype) * 3
    X.sum_duplicates()
    return X


def _run_both(family, K, penalty, precondition, batch_size, *, fit_intercept=True,
              dtype=np.float64, epochs=4, seed=0, X=None, lean_table=False,
              q_is_scale=False):
    rng = np.random.default_rng(seed)
    X = _sparse(dtype=dtype) if X is None else X
    n, d = X.shape
    l1, l2 = PENALTIES[penalty]
    if family == 0:
        Y, y = (rng.random((n, K)) < 0.4).astype(dtype), np.empty(0, np.intp)
    else:
        Y, y = np.empty((0, 0), dtype), rng.integers(0, K, n).astype(np.intp)
    sw = rng.uniform(0.5, 2.0, n).astype(dtype)
    inv = rng.uniform(0.5, 2.0, d).astype(dtype)
    pen = inv.copy() if q_is_scale else rng.uniform(0.5, 1.5, d).astype(dtype)
    W_eager = rng.normal(0, 0.3, (K, d)).astype(dtype)
    b_eager = rng.normal(0, 0.1, K).astype(dtype)
    b_lazy = b_eager.copy()
    S = W_eager.T.copy()
    work, table = lazy_workspace(X.indptr, d, K, batch_size, dtype)
    assert table == dtype  # the runner keeps it in the weights' dtype
    F = np.zeros((d, feature_columns(K, l2 if lean_table else 1.0, q_is_scale)), table)
    feature_table(inv, pen, precondition, F)
    G, gb, Z, We = (np.zeros((K, d), dtype), np.zeros(K, dtype), np.zeros((ROWS, K), dtype),
                    np.zeros((K, d), dtype))
    gb_lazy, Z_lazy = np.zeros(K, dtype), np.zeros((min(batch_size, 7), K), dtype)
    W_lazy = np.full((K, d), np.nan, dtype)
    mean = np.zeros(d, dtype)
    curves = []
    for e in range(epochs):
        eta = 0.3 / (1 + e)
        idx = rng.permutation(n).astype(np.intp)
        eager = mbgd_epoch(family, (X.data, X.indices, X.indptr), Y, y, sw, idx, batch_size,
                           W_eager, b_eager, G, gb, Z, We, eta, l1, l2, fit_intercept,
                           precondition, mean, inv, pen, True)
        lazy = lazy_csr_epoch(family, X.data, X.indices, X.indptr, Y, y, sw, idx, batch_size,
                              S, b_lazy, gb_lazy, Z_lazy, eta, l1, l2, fit_intercept, F,
                              *work, W_lazy, np.zeros(0, dtype))
        if lazy[2]:  # the kernel hands the weights back in the solver's layout too
            np.testing.assert_array_equal(W_lazy, S.T)
        curves.append((eager, lazy))
    assert np.all(work[1] == 0) and np.all(F[:, 0] == 0)  # workspace left clean
    return W_eager, b_eager, S.T.copy(), b_lazy, curves


@pytest.mark.parametrize("family,K", [(0, 1), (0, 3), (1, 4)],
                         ids=["binary", "multilabel", "multinomial"])
@pytest.mark.parametrize("penalty", [p for p in PENALTIES if p != "strong l2"])
@pytest.mark.parametrize("precondition", [True, False])
@pytest.mark.parametrize("batch_size", [1, 16, 300])
def test_lazy_epochs_equal_the_eager_ones(family, K, penalty, precondition, batch_size):
    We, be, Wl, bl, _ = _run_both(family, K, penalty, precondition, batch_size)
    scale = np.abs(We).max()
    np.testing.assert_allclose(Wl, We, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(bl, be, rtol=0, atol=1e-10 * max(1.0, np.abs(be).max()))
    if penalty in ("l1", "elasticnet"):  # the soft-threshold's exact zeros, lazily too
        assert penalty != "l1" or (We == 0).sum() > 0
        assert np.all(np.abs(Wl[We == 0]) <= 1e-12 * scale)
        assert np.all(np.abs(We[Wl == 0]) <= 1e-12 * scale)


@pytest.mark.parametrize("family,K", [(0, 1), (1, 3)], ids=["binary", "multinomial"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lazy_epochs_on_minibatches_storing_every_column_many_times(family, K, dtype):
    """Few columns, all stored in every row: a minibatch's first row fills every
    compact row, every later value repeats a feature (the one-output gather writes
    each of them into the free row after the last feature's)."""
    X = sp.csr_matrix(np.random.default_rng(3).uniform(0.5, 2.0, (60, 5)).astype(dtype))
    We, be, Wl, bl, _ = _run_both(family, K, "elasticnet", True, 8, dtype=dtype, X=X)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(Wl, We, rtol=0, atol=tol * np.abs(We).max())
    np.testing.assert_allclose(bl, be, rtol=0, atol=tol * max(1.0, np.abs(be).max()))


@pytest.mark.parametrize("penalty", ["none", "l1"])
def test_one_output_without_l2_keeps_its_weights_in_the_decay_column(penalty):
    """Without L2 a binary problem's table has four columns, the weight in the one of
    log a: the same epochs as the eager ones (and as with five columns)."""
    We, be, Wl, bl, _ = _run_both(0, 1, penalty, True, 16, lean_table=True)
    scale = np.abs(We).max()
    np.testing.assert_allclose(Wl, We, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(bl, be, rtol=0, atol=1e-10 * max(1.0, np.abs(be).max()))
    assert feature_columns(1, 0.0) == 4 and feature_columns(1, 1e-4) == 5
    assert feature_columns(3, 0.0) == 4


@pytest.mark.parametrize("penalty", ["l2", "weak l2", "elasticnet", "strong l2"])
def test_one_output_whose_q_is_the_data_scale_keeps_its_weights_in_the_scale_column(
        penalty):
    """When every q equals the data scale (the default penalty, preconditioned), a
    binary problem's table has four columns, the weight in the scale's: the same
    epochs as the eager ones."""
    We, be, Wl, bl, _ = _run_both(0, 1, penalty, True, 16, q_is_scale=True)
    scale = np.abs(We).max()
    np.testing.assert_allclose(Wl, We, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(bl, be, rtol=0, atol=1e-10 * max(1.0, np.abs(be).max()))
    assert feature_columns(1, 1e-4, True) == 4 and feature_columns(2, 1e-4, True) == 4


def test_lazy_epochs_without_intercept_and_in_float32():
    We, be, Wl, bl, _ = _run_both(1, 3, "elasticnet", True, 16, fit_intercept=False)
    np.testing.assert_allclose(Wl, We, atol=1e-10 * np.abs(We).max())
    assert np.all(bl == be)
    We, be, Wl, bl, _ = _run_both(0, 2, "l2", True, 16, dtype=np.float32)
    assert Wl.dtype == np.float32
    np.testing.assert_allclose(Wl, We, atol=1e-5 * np.abs(We).max())


def test_lazy_objective_is_the_minibatch_losses_plus_the_final_penalty():
    # without a penalty both kernels report the same sum of minibatch losses
    *_, curves = _run_both(1, 4, "none", True, 16)
    for (eager, lazy) in curves:
        assert lazy[1] == eager[1] and lazy[2] and eager[2]
        assert lazy[0] == pytest.approx(eager[0], rel=1e-10)


def test_wide_sparse_data_train_lazily_with_the_eager_model(monkeypatch):
    """An estimator on a wide CSR matrix takes the lazy path; forcing the eager
    kernel on the same (uncentred) problem gives the same model."""
    X = _sparse(n=400, d=3000, density=0.004, seed=3)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, X.shape[0])
    assert lazy_epochs_pay(X, 32)
    mbgd_module = importlib.import_module("fastlr._solvers.mbgd")
    epochs_module = importlib.import_module("fastlr._solvers.sparse_epochs")
    used = []
    real = epochs_module.LazyEpochRunner.__init__

    def spy(self, *args, **kwargs):
        used.append(kwargs.get("original_units", False))
        real(self, *args, **kwargs)

    kw = dict(alpha=1e-3, penalty="elasticnet", max_iter=5, tol=None, random_state=0)
    monkeypatch.setattr(epochs_module.LazyEpochRunner, "__init__", spy)
    lazy = fastlr.SoftmaxRegression(**kw).fit(X, y)
    assert used == [True]  # lazy, its weights taken in and written out in coef_'s units
    for module in (mbgd_module, epochs_module):  # the eager kernel, in the trained units
        monkeypatch.setattr(module, "lazy_epochs_apply", lambda p: False)
    eager = fastlr.SoftmaxRegression(**kw).fit(X, y)
    assert used == [True]
    np.testing.assert_allclose(lazy.coef_, eager.coef_, atol=1e-10 * np.abs(eager.coef_).max())
    np.testing.assert_allclose(lazy.intercept_, eager.intercept_, atol=1e-10)


def test_narrow_sparse_and_dense_data_keep_the_eager_centred_path():
    X = _sparse(n=300, d=20, density=0.3)
    assert not lazy_epochs_pay(X, 32)
    assert not lazy_epochs_pay(X.toarray(), 32)
    assert lazy_epochs_pay(_sparse(n=300, d=5000, density=0.002), 32)


# -----------------------------------------------------------------------------
# the full-batch CSR pass on (d, K) weights (fastlr._kernels.csr_full)
# -----------------------------------------------------------------------------
@pytest.mark.parametrize("family,K", [(0, 1), (0, 3), (1, 5)],
                         ids=["binary", "multilabel", "multinomial"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("chunks", [1, 3, 8])
def test_by_feature_csr_pass_matches_reference_and_repeats(family, K, dtype, chunks):
    import numba

    from fastlr import reference as ref
    from fastlr._kernels.csr_full import csr_t_full_loss_grad

    rng = np.random.default_rng(chunks + K)
    X = _sparse(n=157, d=40, density=0.1, dtype=dtype, seed=K)
    n, d = X.shape
    if family == 0:
        Y, y = (rng.random((n, K)) < 0.4).astype(dtype), np.empty(0, np.intp)
    else:
        Y, y = np.empty((0, 0), dtype), rng.integers(0, K, n).astype(np.intp)
    sw = rng.uniform(0.5, 2.0, n).astype(dtype)
    W = rng.normal(0, 0.5, (K, d)).astype(dtype)
    b = rng.normal(0, 0.3, K).astype(dtype)

    def run():
        Gs = np.full((chunks, d, K), np.nan, dtype)  # the kernel zeroes its buffers
        gbs = np.full((chunks, K), np.nan, dtype)
        Zs = np.full((chunks, 7, K), np.nan, dtype)
        loss = csr_t_full_loss_grad(family, X.data, X.indices, X.indptr, Y, y, sw,
                                    np.arange(n, dtype=np.intp), np.ascontiguousarray(W.T),
                                    b, Gs, gbs, Zs)
        return loss, Gs[0].T.copy(), gbs[0].copy()

    loss, G, gb = run()
    X64 = X.astype(np.float64).toarray()
    T = Y.astype(np.float64) if family == 0 else y
    loss_ref, G_ref, gb_ref = ref.LOSS_GRAD["sigmoid" if family == 0 else "softmax"](
        X64, T, sw.astype(np.float64), W.astype(np.float64), b.astype(np.float64))
    rtol = 1e-10 if dtype == np.float64 else 1e-5
    assert loss == pytest.approx(loss_ref, rel=rtol)
    scale = max(np.abs(G_ref).max(), np.abs(gb_ref).max())
    np.testing.assert_allclose(G, G_ref, rtol=0, atol=rtol * scale)
    np.testing.assert_allclose(gb, gb_ref, rtol=0, atol=rtol * scale)
    old = numba.get_num_threads()
    try:  # fixed chunks reduced in chunk order: the same bits on any thread count
        for t in {1, min(2, numba.config.NUMBA_NUM_THREADS), old}:
            numba.set_num_threads(t)
            loss2, G2, gb2 = run()
            assert loss2 == loss
            np.testing.assert_array_equal(G2, G)
            np.testing.assert_array_equal(gb2, gb)
    finally:
        numba.set_num_threads(old)


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_a_diverging_lazy_epoch_stops_and_leaves_its_tables_consistent(penalty):
    """A minibatch with a non-finite loss ends the epoch (finite False) before its
    weights change: the features it gathered get their last step back, the
    compact gradient is zeroed, and the weights of the touched features are
    the ones the previous minibatches left."""
    X = _sparse(n=200, d=400, density=0.01, seed=4)
    X.data *= 1e150
    n, d = X.shape
    Y, y = (np.arange(n)[:, None] % 2).astype(np.float64), np.empty(0, np.intp)
    sw = np.ones(n)
    S = np.zeros((d, 1))
    work, table = lazy_workspace(X.indptr, d, 1, 8, np.float64)
    F = np.zeros((d, feature_columns(1)), table)
    feature_table(np.ones(d), np.ones(d), False, F)
    l1, l2 = PENALTIES[penalty]
    out = lazy_csr_epoch(0, X.data, X.indices, X.indptr, Y, y, sw, np.arange(n, dtype=np.intp),
                         8, S, np.zeros(1), np.zeros(1), np.zeros((8, 1)), 1e10, l1, l2, True,
                         F, *work, np.zeros((1, d)), np.zeros(0))
    assert out[2] is False and 0 < out[1] < -(-n // 8)
    last = F[:, 0]
    assert np.all((last >= 0) & (last <= out[1]) & (last == np.round(last)))
    assert np.all(work[1] == 0) and np.all(np.isfinite(S))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("el2", [1e-7, 2.0 ** -10 / 2.25, 1e-2, 0.5, 2.0])
def test_decay_logs_are_log1p_whichever_formula_computes_them(dtype, el2):
    """Below ε = 2^-10 for every column the logs come from their series, up to ε = 1/2
    from the series of atanh, above it (for any column) from log1p; all give
    log(1 - ε) to rounding, NaN where ε >= 1."""
    from numba import njit

    from fastlr._kernels.lazy_penalty import ATANH_EPS, LOGA, Q, SERIES_EPS, _start_epoch

    # internal: no Python entry; no weights to copy in
    decay_logs = njit(lambda F, el2: _start_epoch(F, np.zeros(0, F.dtype), -1, el2, True))
    q = np.linspace(0.0, 1.5, 1001)
    F = np.zeros((q.size, 4), dtype)
    F[:, Q] = q
    closed = decay_logs(F, el2)
    eps = el2 * (F[:, Q] * F[:, Q]).astype(np.float64)  # q² in the table's dtype
    assert closed == bool(np.all(eps < 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(eps < 1.0, np.log1p(-eps), np.nan).astype(dtype)
    # every formula is exercised
    assert (eps.max() <= SERIES_EPS) == (el2 < 1e-3)
    assert (eps.max() <= ATANH_EPS) == (el2 < 0.5)
    # float64: rounding; float32: the float64 log rounded once (1 ulp either way)
    rtol = 1e-15 if dtype == np.float64 else 2 * np.finfo(np.float32).eps
    np.testing.assert_allclose(F[:, LOGA], expected, rtol=rtol, atol=0)


@pytest.mark.parametrize("family,K", [(0, 1), (1, 3)], ids=["binary", "multinomial"])
def test_decays_that_are_not_positive_take_the_steps_one_by_one(family, K):
    We, be, Wl, bl, _ = _run_both(family, K, "strong l2", True, 16, epochs=2)
    scale = np.abs(We).max()
    assert np.isfinite(scale) and scale > 0
    np.testing.assert_allclose(Wl, We, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(bl, be, rtol=0, atol=1e-10 * max(1.0, np.abs(be).max()))


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_lazy_binary_epochs_in_float32(penalty):
    """One output in float32: the scalar logit sum, the inline float32 exp of the
    decay and the float32 table."""
    We, be, Wl, bl, _ = _run_both(0, 1, penalty, True, 16, dtype=np.float32)
    assert Wl.dtype == np.float32
    np.testing.assert_allclose(Wl, We, rtol=0, atol=1e-5 * np.abs(We).max())
    np.testing.assert_allclose(bl, be, rtol=0, atol=1e-5 * max(1.0, np.abs(be).max()))


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_a_nan_weight_stays_nan_through_the_catch_up(penalty):
    """The soft-threshold of the lazy catch-up keeps a NaN (a NaN compared with 0 is
    not 'at most 0'): a weight that went NaN is not quietly zeroed, and the
    solver's finiteness check still sees it."""
    X = _sparse(n=60, d=50, density=0.05, seed=5)
    n, d = X.shape
    stored = np.zeros(d, bool)
    stored[X.indices] = True
    j = int(np.flatnonzero(~stored)[0])  # a column no row stores: only the catch-up
    Y, y = (np.arange(n)[:, None] % 2).astype(np.float64), np.empty(0, np.intp)
    S = np.zeros((d, 1))
    S[j, 0] = np.nan
    work, table = lazy_workspace(X.indptr, d, 1, 8, np.float64)
    F = np.zeros((d, feature_columns(1)), table)
    feature_table(np.ones(d), np.ones(d), False, F)
    l1, l2 = PENALTIES[penalty]
    W = np.zeros((1, d))
    out = lazy_csr_epoch(0, X.data, X.indices, X.indptr, Y, y, np.ones(n),
                         np.arange(n, dtype=np.intp), 8, S, np.zeros(1), np.zeros(1),
                         np.zeros((8, 1)), 0.1, l1, l2, True, F, *work, W, np.zeros(0))
    assert out[2]
    assert np.isnan(W[0, j]) and np.isfinite(np.delete(W[0], j)).all()


@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_lazy_workspace_holds_any_minibatch(batch_size):
    """Sized for the most values a minibatch of distinct rows can store, whatever
    the order: batches larger than n, empty rows and one long row included."""
    rng = np.random.default_rng(2)
    n, d = 40, 300
    rows = [rng.choice(d, k, replace=False) for k in rng.integers(0, 6, n)]
    rows[5] = np.arange(200)  # one long row
    rows[6] = rows[7] = np.array([], int)
    X = sp.csr_matrix((np.ones(sum(map(len, rows))), np.concatenate(rows),
                       np.cumsum([0] + [len(r) for r in rows])), shape=(n, d))
    (Wc, Gc, C, pos, touched), table = lazy_workspace(X.indptr, d, 2, batch_size,
                                                      np.float64)
    longest = max(X.indptr[i + 1] - X.indptr[i] for i in range(n))
    need = min(X.nnz, min(batch_size, n) * longest)
    assert len(pos) >= need and len(touched) == Wc.shape[0] >= min(d, need)
    Y, y = np.empty((0, 0)), rng.integers(0, 2, n).astype(np.intp)
    S = rng.normal(0, 0.1, (d, 2))
    F = np.zeros((d, feature_columns(2)), table)
    feature_table(np.ones(d), np.ones(d), False, F)
    for seed in range(3):
        idx = np.random.default_rng(seed).permutation(n).astype(np.intp)
        out = lazy_csr_epoch(1, X.data, X.indices, X.indptr, Y, y, np.ones(n), idx,
                             batch_size, S, np.zeros(2), np.zeros(2),
                             np.zeros((min(batch_size, 8), 2)), 0.1, 1e-3, 1e-3, True, F,
                             Wc, Gc, C, pos, touched, np.zeros((2, d)), np.zeros(0))
        assert out[2] and np.isfinite(S).all()
    empty = sp.csr_matrix((0, d))
    (Wc, Gc, C, pos, touched), _ = lazy_workspace(empty.indptr, d, 2, 32, np.float64)
    assert len(pos) >= 1 and len(touched) >= 1


@pytest.mark.parametrize("K", [1, 3, 20])
@pytest.mark.parametrize("d", [1, 255, 256, 1000])
def test_take_weights_is_the_transpose(K, d):
    """The solver's (K, d) weights in the lazy layout (d, K), any d around the block."""
    from fastlr._kernels.lazy_penalty import take_weights

    rng = np.random.default_rng(K * d)
    W = rng.normal(size=(K, d)).astype(np.float32)
    S = np.full((d, K), np.nan, np.float32)
    take_weights(W, S, np.zeros(0, np.float32))
    np.testing.assert_array_equal(S, W.T)
    # in the user's units: the bits of a unit change (update.columns_scaled), then a
    # copy; in float64 too, where a division turned into a product by the reciprocal
    # (fastmath's arcp) would be off by a unit of rounding in half the entries
    unit = rng.uniform(1e-3, 1e3, d)  # in the weights' dtype, as the runner passes it
    take_weights(W, S, unit.astype(np.float32))
    np.testing.assert_array_equal(S, (W / unit.astype(np.float32)).T)
    W64, S64 = W.astype(np.float64) * np.pi, np.empty((d, K))
    take_weights(W64, S64, unit)
    np.testing.assert_array_equal(S64, (W64 / unit).T)


@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_epoch_writes_the_weights_in_the_users_units(K, dtype, penalty):
    """With ``unit``, the epoch's weights come out as W · unit per column, rounded as
    the unit change of ``update.columns_scaled`` rounds them: the same bits as the
    trained weights moved afterwards."""
    from fastlr._kernels.update import columns_scaled

    X = _sparse(n=120, d=700, density=0.01, dtype=dtype, seed=4)
    n, d = X.shape
    rng = np.random.default_rng(K)
    Y = (rng.random((n, K)) < 0.4).astype(dtype) if K == 1 else np.empty((0, 0), dtype)
    y = np.empty(0, np.intp) if K == 1 else rng.integers(0, K, n).astype(np.intp)
    unit = rng.uniform(1e-2, 1e2, d).astype(dtype)  # inv_scale: the training dtype
    l1, l2 = PENALTIES[penalty]
    out = {}
    for scaled in (False, True):
        work, table = lazy_workspace(X.indptr, d, K, 8, dtype)
        F = np.empty((d, feature_columns(K, l2)), table)
        feature_table(unit.astype(dtype), np.ones(d, dtype), True, F)
        S = np.random.default_rng(0).normal(0, 0.3, (d, K)).astype(dtype)
        W = np.full((K, d), np.nan, dtype)
        res = lazy_csr_epoch(0 if K == 1 else 1, X.data, X.indices, X.indptr, Y, y,
                             np.ones(n, dtype), np.arange(n, dtype=np.intp), 8, S,
                             np.zeros(K, dtype), np.zeros(K, dtype), np.zeros((8, K), dtype),
                             0.1, l1, l2, True, F, *work, W,
                             unit if scaled else np.zeros(0, dtype))
        assert res[2]
        out[scaled] = (S, W)
    np.testing.assert_array_equal(out[True][0], out[False][0])  # the same training
    moved = np.empty((K, d), dtype)
    columns_scaled(out[False][1], unit, False, moved)
    np.testing.assert_array_equal(out[True][1], moved)


def _bits(a):
    """The bits of a float array (-0.0 and 0.0 differ)."""
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


@pytest.mark.parametrize("classes", [2, 4])
@pytest.mark.parametrize("kw", [{}, {"fit_intercept": False, "penalty": "l1", "alpha": 1e-3},
                                {"early_stopping": True, "max_iter": 4}],
                         ids=["defaults", "l1-no-intercept", "early-stopping"])
@pytest.mark.parametrize("dtype,stream_dtype", [(np.float32, np.float32),
                                                (np.float64, np.float64),
                                                (np.float64, np.float32)],
                         ids=["float32", "float64", "float64-then-float32"])
def test_weights_kept_in_the_users_units_give_the_same_model(monkeypatch, classes, kw,
                                                             dtype, stream_dtype):
    """fit, warm start and partial_fit with the lazy epochs taking coef_ in and writing
    it out (no unit changes around them) equal the same calls with the unit changes,
    bit for bit; the later partial_fit calls bring data of ``stream_dtype``."""
    base = importlib.import_module("fastlr._estimators.base")
    epochs_module = importlib.import_module("fastlr._solvers.sparse_epochs")
    X = _sparse(n=600, d=4000, density=0.003, dtype=dtype, seed=6)
    X2 = X.astype(stream_dtype)
    y = np.random.default_rng(1).integers(0, classes, X.shape[0])
    cls = fastlr.SigmoidRegression if classes == 2 else fastlr.SoftmaxRegression
    used = []
    real = epochs_module.LazyEpochRunner.__init__

    def spy(self, *args, **kwargs):
        used.append(kwargs.get("original_units", False))
        real(self, *args, **kwargs)

    monkeypatch.setattr(epochs_module.LazyEpochRunner, "__init__", spy)
    runs = []
    for original in (True, False):
        if not original:
            monkeypatch.setattr(base, "trains_in_original_units", lambda p, s: False)
        m = cls(random_state=0, **{"max_iter": 3, "tol": None, **kw}).fit(X, y)
        first = m.coef_.copy()
        m.set_params(warm_start=True).fit(X, y)
        s = cls(random_state=0, **{k: v for k, v in kw.items() if k != "early_stopping"})
        s.partial_fit(X[:150], y[:150], classes=np.arange(classes))
        for start in range(150, 600, 150):
            s.partial_fit(X2[start:start + 150], y[start:start + 150])
        runs.append((first, m.coef_, m.intercept_, s.coef_, s.intercept_))
        assert set(used) == {original}  # every runner took the path asked for
        used.clear()
    for a, b in zip(*runs):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(_bits(a), _bits(b))


def test_the_users_coef_is_only_read(monkeypatch):
    """The lazy epochs read coef_ in place: a later partial_fit or warm start leaves
    the array the model had untouched, and so does a diverging call."""
    X = _sparse(n=600, d=4000, density=0.003, dtype=np.float32, seed=7)
    y = np.random.default_rng(2).integers(0, 3, X.shape[0])
    m = fastlr.SoftmaxRegression(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    for step in ("partial_fit", "warm start"):
        old, snap = m.coef_, m.coef_.copy()
        if step == "partial_fit":
            m.partial_fit(X, y)
        else:
            m.set_params(warm_start=True, max_iter=2, tol=None).fit(X, y)
        assert m.coef_ is not old
        np.testing.assert_array_equal(old, snap)
    old, snap, icpt = m.coef_, m.coef_.copy(), m.intercept_.copy()
    m.set_params(learning_rate="constant", eta0=1e30)
    with pytest.raises(fastlr.DivergenceError):
        m.partial_fit(X * np.float32(1e15), y)
    assert m.coef_ is old
    np.testing.assert_array_equal(old, snap)
    np.testing.assert_array_equal(m.intercept_, icpt)
