"""Wide CSR matrices storing few of their columns are fitted on those columns
(fastlr/_estimators/columns.py): the same model as a fit on every column."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from fastlr import LogisticRegression, SigmoidRegression, SoftmaxRegression
from fastlr._estimators import columns

D = 1 << 13


def wide(n=400, per_row=6, used=700, seed=0, classes=2, multilabel=False):
    rng = np.random.default_rng(seed)
    cols = rng.choice(D, used, replace=False)
    rows = np.repeat(np.arange(n), per_row)
    X = sp.csr_matrix((rng.uniform(0.5, 3, n * per_row), (rows, rng.choice(cols, n * per_row))),
                      shape=(n, D), dtype=np.float64)
    X.sum_duplicates()
    w = rng.normal(size=(D, max(classes, 3)))
    Z = X @ w
    if multilabel:
        y = (Z[:, :3] > np.median(Z[:, :3], axis=0)).astype(int)
    else:
        y = np.argmax(Z[:, :classes], axis=1)
    return X, y


def fit_both(monkeypatch, make, X, y, **kw):
    """(model on the stored columns, model on all columns)."""
    monkeypatch.setattr(columns, "MIN_FEATURES", 1024)
    assert columns.stored_columns(X) is not None
    a = make().fit(X, y, **kw)
    monkeypatch.setattr(columns, "MIN_FEATURES", 1 << 40)
    b = make().fit(X, y, **kw)
    return a, b


def same_model(a, b, rtol=1e-10):
    assert a.coef_.shape == b.coef_.shape == (a.coef_.shape[0], D)
    scale = np.abs(b.coef_).max()
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=rtol, atol=rtol * scale)
    assert np.all(np.asarray(a.n_iter_) == np.asarray(b.n_iter_))
    for u, v in zip(a._fastlr_stats, b._fastlr_stats):
        np.testing.assert_allclose(u, v, rtol=1e-12)


CASES = {
    "mbgd binary l2": lambda: SigmoidRegression(max_iter=4, tol=None, random_state=0),
    "mbgd binary elasticnet": lambda: SigmoidRegression(penalty="elasticnet", l1_ratio=0.5,
                                                        alpha=1e-3, max_iter=3, tol=None,
                                                        random_state=0),
    "mbgd softmax l1": lambda: SoftmaxRegression(penalty="l1", alpha=1e-3, max_iter=3,
                                                 tol=None, random_state=0),
    "lbfgs": lambda: LogisticRegression(C=10.0),
    "fista": lambda: LogisticRegression(l1_ratio=1.0, C=10.0),
    "mbgd unstandardized": lambda: SoftmaxRegression(standardize=False, max_iter=3, tol=None,
                                                     random_state=0),
}


# SigmoidRegression fits binary targets only: its cases run with 2 classes
RUNS = [(case, k) for case in CASES for k in (2, 4)
        if k == 2 or not isinstance(CASES[case](), SigmoidRegression)]


@pytest.mark.parametrize("case,classes", RUNS, ids=[f"{c}-{k}" for c, k in RUNS])
def test_fit_on_stored_columns_is_the_full_fit(monkeypatch, case, classes):
    X, y = wide(classes=classes, seed=classes)
    make = CASES[case]
    a, b = fit_both(monkeypatch, make, X, y)
    same_model(a, b)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9, atol=1e-12)


def test_multilabel_and_zero_weights(monkeypatch):
    X, Y = wide(multilabel=True, seed=7)
    sw = np.random.default_rng(1).uniform(0, 2, X.shape[0])
    sw[::5] = 0
    a, b = fit_both(monkeypatch, lambda: SigmoidRegression(max_iter=3, tol=None,
                                                           random_state=0), X, Y,
                    sample_weight=sw)
    same_model(a, b)


def test_partial_fit_after_a_compacted_fit_continues_the_full_model(monkeypatch):
    X, y = wide(seed=3)
    a, b = fit_both(monkeypatch, lambda: SigmoidRegression(max_iter=2, tol=None,
                                                           random_state=0), X, y)
    X2, y2 = wide(seed=4)  # other columns stored: their weights start from the widened zeros
    a.partial_fit(X2, y2)
    b.partial_fit(X2, y2)
    same_model(a, b)


def test_warm_start_with_weights_fits_every_column(monkeypatch):
    """A warm start brings weights for columns this X may not store: no compaction."""
    X, y = wide(seed=5)
    monkeypatch.setattr(columns, "MIN_FEATURES", 1024)
    calls = []
    real = columns.stored_columns
    monkeypatch.setattr("fastlr._estimators.base.stored_columns",
                        lambda X: calls.append(1) or real(X))
    m = SigmoidRegression(max_iter=2, tol=None, warm_start=True, random_state=0).fit(X, y)
    assert calls == [1]
    m.fit(X, y)
    assert calls == [1]


def test_dense_or_mostly_used_columns_are_left_alone(monkeypatch):
    monkeypatch.setattr(columns, "MIN_FEATURES", 16)
    rng = np.random.default_rng(0)
    assert columns.stored_columns(rng.normal(size=(20, 40))) is None
    assert columns.stored_columns(sp.csr_matrix(rng.normal(size=(20, 40)))) is None


def test_compacts_when_the_empty_columns_pay_for_the_stored_values(monkeypatch):
    """An empty column saves the fit more than the mapping of a stored value costs:
    the same 6000 of D columns stored (73%: more than half, which the rule before
    refused) are worth a mapping for one value a column, not for twenty."""
    monkeypatch.setattr(columns, "MIN_FEATURES", 1024)
    cols = np.random.default_rng(0).choice(D, 6000, replace=False)

    def matrix(per_column):
        idx = np.repeat(cols, per_column)
        rows = np.arange(idx.size) % 500
        X = sp.csr_matrix((np.ones(idx.size), (rows, idx)), shape=(500, D))
        X.sum_duplicates()
        assert np.unique(X.indices).size == 6000
        return X

    few, many = matrix(1), matrix(20)
    empty = D - 6000
    assert empty * columns.VALUES_PER_EMPTY >= few.nnz
    assert empty * columns.VALUES_PER_EMPTY < many.nnz
    assert columns.stored_columns(few) is not None
    assert columns.stored_columns(many) is None


@pytest.mark.parametrize("chunks", [1, 2, 5])
@pytest.mark.parametrize("d", [64, 5000, 5003])
def test_column_mapping_kernels_match_numpy(chunks, d):
    from fastlr import _kernels as K
    from fastlr._kernels.stored_columns import words

    rng = np.random.default_rng(chunks + d)
    # columns 0, 63, 64 and the last column stored: the edges of the words
    used = np.unique(np.r_[rng.choice(d, min(300, d // 3), replace=False), 0, 63, d - 1])
    indices = rng.choice(used, 4000).astype(np.int32)
    indices[:used.size] = used
    bits = np.zeros(words(d), np.uint64)
    K.mark_stored_columns(indices, bits)
    expected = np.zeros(d, np.bool_)
    expected[indices] = True
    as_bools = np.unpackbits(bits.view(np.uint8), bitorder="little")
    np.testing.assert_array_equal(as_bools[:d], expected)
    assert not as_bools[d:].any()
    assert K.first_unmarked(bits, d) == np.argmin(expected)
    rank = np.empty(bits.size, np.int32)
    m = K.word_ranks(bits, rank)
    assert m == expected.sum()
    np.testing.assert_array_equal(rank, np.r_[0, np.cumsum(as_bools.reshape(-1, 64).sum(1))[:-1]])
    keep = np.full(m, -7, np.intp)
    K.marked_columns(bits, keep)
    np.testing.assert_array_equal(keep, np.flatnonzero(expected))
    out = np.empty_like(indices)
    K.remap_indices(indices, bits, rank, out, chunks)
    np.testing.assert_array_equal(out, np.searchsorted(keep, indices))
    full = np.zeros(words(d), np.uint64)  # every column stored: none unmarked
    K.mark_stored_columns(np.arange(d, dtype=np.int32), full)
    assert K.first_unmarked(full, d) == -1


@pytest.mark.parametrize("K,chunks", [(1, 1), (1, 4), (3, 2), (20, 1)])
def test_widen_rows_matches_numpy(K, chunks):
    from fastlr import _kernels as K_

    rng = np.random.default_rng(K + chunks)
    keep = np.sort(rng.choice(5000, 777, replace=False))
    fitted = rng.normal(size=(K, keep.size)).astype(np.float32)
    out = np.zeros((K, 5000), np.float32)
    K_.widen_rows(fitted, keep, out, chunks)
    expected = np.zeros_like(out)
    expected[:, keep] = fitted
    np.testing.assert_array_equal(out, expected)


def test_widened_statistics_read_later_and_survive_pickling(monkeypatch):
    import pickle

    X, y = wide()
    a, b = fit_both(monkeypatch, lambda: SigmoidRegression(max_iter=2, tol=None,
                                                           random_state=0), X, y)
    assert isinstance(a._fastlr_stats, columns.WideStats)
    a = pickle.loads(pickle.dumps(a))
    for u, v in zip(a._fastlr_stats, b._fastlr_stats):
        assert u.shape == (D,)
        np.testing.assert_allclose(u, v, rtol=1e-12)
