"""Start-up behaviour that can be checked without a clock (timings: bench/test_bench_startup.py).

- read-only X (``setflags(write=False)``, ``np.load(..., mmap_mode="r")``) trains the
  same model as the writable array and compiles nothing new: the kernels get a
  writable-typed view of the same memory (:mod:`fastlr._readonly`);
- a small fit runs its passes through NumPy (no compiled pass, no parallel kernel),
  with the kernels' sums;
- ``import fastlr`` leaves dask, the command line and the metrics unimported.
"""
from __future__ import annotations

import gc
import os
import importlib
import pkgutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numba import types
from numba.core.registry import CPUDispatcher

import fastlr
import fastlr._kernels
from fastlr._readonly import kernel_view, writable_view
from fastlr._solvers.objective import SMALL_WORK, FullBatchObjective
from fastlr._solvers.problem import Problem


def kernels():
    """{module.name: dispatcher} of every kernel in fastlr._kernels."""
    out = {}
    for info in pkgutil.iter_modules(fastlr._kernels.__path__):
        mod = importlib.import_module(f"fastlr._kernels.{info.name}")
        for name, obj in vars(mod).items():
            if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == mod.__name__:
                out[f"{info.name}.{name}"] = obj
    return out


def n_signatures():
    return {name: len(d.signatures) for name, d in kernels().items()}


def _read_only(t):
    """True when the Numba type ``t`` is (or holds) a read-only array type."""
    if isinstance(t, types.Buffer):
        return not t.mutable
    return any(_read_only(e) for e in getattr(t, "types", ()))


def read_only_signatures(prefix=""):
    """{kernel: signature} of compiled signatures that take a read-only array."""
    return {name: sig for name, d in kernels().items() if name.startswith(prefix)
            for sig in d.signatures if any(_read_only(t) for t in sig)}


def new_signatures(before):
    after = n_signatures()
    return {k: (before.get(k, 0), v) for k, v in after.items() if v != before.get(k, 0)}


def data(n, d=30, seed=0):
    """A float64 binary problem; with n large, n·d above SMALL_WORK: the kernels run."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 20, d) + rng.normal(0, 5, d)
    y = (X[:, :3] @ np.array([1.0, -0.5, 0.2]) + rng.normal(0, 3, n) > 0).astype(int)
    return np.ascontiguousarray(X), y


def read_only_copies(X, tmp_path):
    Xr = X.copy()
    Xr.setflags(write=False)
    path = tmp_path / "X.npy"
    np.save(path, X)
    Xm = np.load(path, mmap_mode="r")
    assert not Xr.flags.writeable and not Xm.flags.writeable
    return {"setflags": Xr, "mmap": Xm}


def fitted(make, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = make().fit(X, y)
    return m, m.predict_proba(X)


MODELS = {
    "lbfgs": lambda: fastlr.LogisticRegression(),
    "fista": lambda: fastlr.LogisticRegression(l1_ratio=0.5, C=0.1, max_iter=20),
    "mbgd": lambda: fastlr.SigmoidRegression(random_state=0, max_iter=3),
}


@pytest.mark.parametrize("solver", list(MODELS))
def test_read_only_X_same_model_and_no_new_solver_kernel(solver, tmp_path):
    X, y = data(6000)
    assert X.size > SMALL_WORK  # the compiled passes run, not the NumPy one (1 output)
    ref, P = fitted(MODELS[solver], X, y)
    before = n_signatures()
    for kind, Xro in read_only_copies(X, tmp_path).items():
        m, Pro = fitted(MODELS[solver], Xro, y)
        np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-12, atol=1e-14, err_msg=kind)
        np.testing.assert_allclose(m.intercept_, ref.intercept_, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(Pro, P, rtol=1e-12, atol=1e-14)
        assert not Xro.flags.writeable  # the user's array is left as it was
    added = {k: v for k, v in new_signatures(before).items() if not k.startswith("stats.")}
    assert added == {}, f"read-only X compiled new specializations: {added}"
    ro = {k: v for k, v in read_only_signatures().items() if not k.startswith("stats.")}
    assert ro == {}, f"kernels compiled for read-only arrays: {ro}"


def test_read_only_X_no_new_stats_kernel(tmp_path):
    X, y = data(6000)
    for Xro in read_only_copies(X, tmp_path).values():
        fitted(MODELS["lbfgs"], Xro, y)
    assert read_only_signatures("stats.") == {}


def test_kernel_view_shares_memory_and_keeps_it_alive(tmp_path):
    X = np.arange(12.0).reshape(3, 4)
    X.setflags(write=False)
    v = kernel_view(X)
    assert v.flags.writeable and v.flags.c_contiguous and v.dtype == X.dtype
    assert v.__array_interface__["data"][0] == X.__array_interface__["data"][0]
    assert kernel_view(v) is v  # writable arrays are passed through
    path = tmp_path / "m.npy"
    np.save(path, np.full((50, 3), 2.0))
    m = np.load(path, mmap_mode="r")
    v = kernel_view(m)
    del m
    gc.collect()
    assert v.sum() == 300.0  # the map is still there: the view holds the original
    C = sp.random(20, 5, density=0.3, format="csr", random_state=0)
    for a in (C.data, C.indices, C.indptr):
        a.setflags(write=False)
    W = writable_view(C)
    assert all(a.flags.writeable for a in (W.data, W.indices, W.indptr))
    assert np.shares_memory(W.data, C.data) and (W != C).nnz == 0


def small_problem(family, dtype, sparse, seed=0):
    rng = np.random.default_rng(seed)
    n, d = 300, 7
    X = (rng.normal(size=(n, d)) * 3 + 5).astype(dtype)
    if sparse:
        X[rng.random((n, d)) < 0.5] = 0
        X = sp.csr_matrix(X)
    if family == "sigmoid":
        T, k = (rng.random((n, 2)) < 0.5).astype(dtype), 2
    else:
        T, k = rng.integers(0, 3, n).astype(np.intp), 3
    dense = X.toarray() if sparse else X
    return Problem(family=family, X=X, T=T, sw=rng.uniform(0.5, 2, n).astype(dtype),
                   n_outputs=k, l1=0.0, l2=0.01, fit_intercept=True, precondition=True,
                   mean=dense.mean(0).astype(dtype),
                   inv_scale=(1 / dense.std(0)).astype(dtype), pen=np.ones(d, dtype))


@pytest.fixture
def fresh_process(monkeypatch):
    """As in a process that has not loaded the kernels yet (this one has): small
    problems then take the NumPy passes and statistics."""
    import importlib

    for name in ("fastlr._solvers.objective", "fastlr._estimators.scaling"):
        monkeypatch.setattr(importlib.import_module(name), "kernels_loaded", lambda: False)


def test_small_problems_take_the_kernels_once_they_are_loaded():
    import fastlr._kernels  # noqa: F401  (loaded, as after any fit that needed them)

    p = small_problem("sigmoid", np.float64, False)
    assert not FullBatchObjective(p).small


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("family", ["sigmoid", "softmax"])
def test_small_numpy_pass_has_the_kernel_sums(family, dtype, sparse, fresh_process):
    p = small_problem(family, dtype, sparse)
    small, compiled = FullBatchObjective(p), FullBatchObjective(p, n_chunks=1)
    assert small.small and not compiled.small
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(p.n_outputs, p.n_features)), rng.normal(size=p.n_outputs)
    rtol = 1e-10 if dtype == np.float64 else 2e-5
    for got, want in zip(small.smooth(W, b), compiled.smooth(W, b)):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.max(np.abs(want)))


def test_small_fit_compiles_no_pass(fresh_process):
    X, y = data(500, 8, seed=3)
    X32 = X.astype(np.float32)
    before = n_signatures()
    for Xi in (X, X32):
        fitted(MODELS["lbfgs"], Xi, y)
        fitted(MODELS["fista"], Xi, y)
    added = new_signatures(before)
    for name in ("losses.loss_grad", "full.full_loss_grad", "epoch.mbgd_epoch",
                 "epoch.mbgd_epoch_threaded", "activations.sigmoid_inplace"):
        assert name not in added, f"a small fit compiled {name}"


def test_import_fastlr_leaves_optional_modules_unimported():
    code = ("import sys, fastlr; print(' '.join(m for m in ('dask', 'fastlr.cli', "
            "'fastlr.metrics', 'tqdm') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""


def test_import_and_a_small_fit_never_import_numba():
    """Numba costs ~0.3 s to import and ~0.5 s to set up its first (cached) kernel:
    a process that fits and predicts a small LogisticRegression pays neither, and a
    fit that needs a kernel imports it then."""
    code = ("import sys, warnings, fastlr\n"
            "from sklearn.datasets import load_breast_cancer\n"
            "X, y = load_breast_cancer(return_X_y=True)\n"
            "warnings.simplefilter('ignore')\n"
            "a = 'numba' in sys.modules\n"
            "fastlr.LogisticRegression().fit(X, y).predict_proba(X)\n"
            "b = 'numba' in sys.modules\n"
            "fastlr.SigmoidRegression(max_iter=2).fit(X, y)\n"
            "print(a, b, 'numba' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False", "True"]


def test_a_first_compile_warns_nothing(tmp_path):
    """Compiling the epoch kernels from an empty cache (what a user's first fit does)
    shows no Numba warning: inlining the float32 exp inside another inlined
    function once printed a cascade of NumbaIRAssumptionWarning."""
    code = ("import warnings, numpy as np, scipy.sparse as sp, fastlr\n"
            "from sklearn.exceptions import ConvergenceWarning\n"
            "rng = np.random.default_rng(0)\n"
            "X = rng.random((20000, 8), dtype=np.float32); y = (X[:, 0] > .5).astype(int)\n"
            "Y = np.c_[y, X[:, 1] > .5].astype(int)\n"
            "with warnings.catch_warnings():\n"
            "    warnings.simplefilter('ignore', ConvergenceWarning)\n"
            "    fastlr.SigmoidRegression(max_iter=1).fit(X, y)\n"
            "    fastlr.SigmoidRegression(max_iter=1).fit(X, Y)\n"
            "    fastlr.SigmoidRegression(max_iter=1).fit(sp.csr_matrix(X), y)\n"
            "import sys; assert 'fastlr._kernels.epoch' in sys.modules\n")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), FASTLR_NO_CACHE="0")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "Warning" not in res.stderr, res.stderr[:2000]
