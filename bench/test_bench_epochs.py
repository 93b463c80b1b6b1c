"""One epoch of mini-batch gradient descent: fastlr's kernel against the NumPy reference
(same algorithm, same row order, same dtype), and the fused full-batch pass."""
from __future__ import annotations

import numpy as np
import pytest

from benchutil import N_CLASSES, mnist, run
from fastlr import reference as R
from fastlr._solvers.mbgd import EpochRunner
from fastlr._solvers.objective import FullBatchObjective
from fastlr._solvers.problem import Problem


def problem(family, dtype, binary=False):
    X, y = mnist(dtype, binary=binary)
    n, d = X.shape
    if family == "sigmoid":
        T, k = y.astype(dtype)[:, None], 1
    else:
        T, k = y.astype(np.intp), N_CLASSES
    return Problem(family=family, X=X, T=np.ascontiguousarray(T), sw=np.ones(n, dtype),
                   n_outputs=k, l1=0.0, l2=1e-4, fit_intercept=True, precondition=False,
                   mean=np.zeros(d, dtype), inv_scale=np.ones(d, dtype), pen=np.ones(d, dtype))


def fastlr_epoch(p, batch_size, eta=0.01):
    """The epoch the MBGD solver runs (kernel picked as in training, all threads)."""
    run_epoch = EpochRunner(p, batch_size)
    W = np.zeros((p.n_outputs, p.n_features), p.dtype)
    b = np.zeros(p.n_outputs, p.dtype)
    idx = np.random.default_rng(0).permutation(p.n_samples)
    return lambda: run_epoch(idx, W, b, eta)


def numpy_epoch(p, batch_size, eta=0.01):
    W = np.zeros((p.n_outputs, p.n_features), p.dtype)
    b = np.zeros(p.n_outputs, p.dtype)
    idx = np.random.default_rng(0).permutation(p.n_samples)
    return lambda: R.mbgd_epoch(p.family, p.X, p.T, p.sw, idx, batch_size, W, b, eta,
                                p.l1, p.l2)


CASES = [("softmax", bs, np.float32) for bs in (1, 32, 256, 60_000)] + \
        [("softmax", bs, np.float64) for bs in (32, 256)] + \
        [("sigmoid", bs, np.float32) for bs in (32, 256)]


@pytest.mark.parametrize("impl", ["fastlr", "numpy"])
@pytest.mark.parametrize("family,batch_size,dtype", CASES,
                         ids=[f"{f}-bs{b}-{np.dtype(t).name}" for f, b, t in CASES])
def test_epoch(benchmark, impl, family, batch_size, dtype):
    p = problem(family, dtype, binary=family == "sigmoid")
    fn = (fastlr_epoch if impl == "fastlr" else numpy_epoch)(p, batch_size)
    slow = impl == "numpy" and batch_size == 1
    run(benchmark, fn, impl, f"{family} epoch bs={batch_size} {np.dtype(dtype).name}",
        rounds=1 if slow else 5, warmup=0 if slow else 1,
        rows=p.n_samples, features=p.n_features, outputs=p.n_outputs,
        batch_size=batch_size, dtype=np.dtype(dtype).name, kind="epoch", family=family)


@pytest.mark.parametrize("impl", ["fastlr", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_full_batch_loss_grad(benchmark, impl, dtype):
    p = problem("softmax", dtype)
    W = np.random.default_rng(0).normal(0, 0.01, (p.n_outputs, p.n_features)).astype(dtype)
    b = np.zeros(p.n_outputs, dtype)
    if impl == "fastlr":
        obj = FullBatchObjective(p)
        fn = lambda: obj.smooth(W, b)  # noqa: E731
    else:
        fn = lambda: R.objective("softmax", p.X, p.T, p.sw, W, b, 0.0, p.l2)  # noqa: E731
    run(benchmark, fn, impl, f"full-batch loss+grad softmax {np.dtype(dtype).name}",
        rows=p.n_samples, features=p.n_features, outputs=p.n_outputs,
        dtype=np.dtype(dtype).name, kind="fullbatch")


@pytest.mark.parametrize("impl", ["fastlr", "numpy"])
def test_predict_proba(benchmark, impl):
    from fastlr import SoftmaxRegression

    X, y = mnist(np.float32)
    model = SoftmaxRegression(max_iter=1, tol=None, standardize=False).fit(X[:10_000], y[:10_000])
    Xt = np.ascontiguousarray(X[-10_000:])
    if impl == "fastlr":
        fn = lambda: model.predict_proba(Xt)  # noqa: E731
    else:
        fn = lambda: R.predict_proba("softmax", Xt, model.coef_, model.intercept_)  # noqa: E731
    # predict_proba is a BLAS product plus a kernel: both get all their threads
    run(benchmark, fn, impl, "predict_proba 10000 rows float32", kind="predict",
        limit_blas=False)


@pytest.mark.parametrize("impl", ["fastlr", "numpy"])
@pytest.mark.parametrize("rows", [10_000, 100_000, 1_000_000])
def test_scaling(benchmark, impl, rows):
    X, y = mnist(np.float32, n=rows)
    p = Problem(family="softmax", X=X, T=y.astype(np.intp), sw=np.ones(rows, np.float32),
                n_outputs=N_CLASSES, l1=0.0, l2=1e-4, fit_intercept=True, precondition=False,
                mean=np.zeros(X.shape[1], np.float32), inv_scale=np.ones(X.shape[1], np.float32),
                pen=np.ones(X.shape[1], np.float32))
    fn = (fastlr_epoch if impl == "fastlr" else numpy_epoch)(p, 256)
    run(benchmark, fn, impl, f"scaling softmax epoch bs=256 rows={rows}",
        rounds=3 if rows < 1_000_000 else 1, rows=rows, kind="scaling", batch_size=256,
        features=X.shape[1], outputs=N_CLASSES, dtype="float32", family="softmax")
