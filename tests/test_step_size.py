"""The automatic step size: the compiled curvature estimate on CSR subsamples is the
SciPy one (same columns, same start vector, same rows), and the step does not
depend on how X is stored or on columns nothing is stored in."""
import numpy as np
import pytest
import scipy.sparse as sp

from fastlr._solvers import step_size
from fastlr._solvers.problem import Problem


def _problem(X, rng, *, centred, precondition=True, zero_weights=False, family="sigmoid"):
    n, d = X.shape
    dtype = X.dtype
    sw = rng.uniform(0.5, 2, n).astype(dtype)
    if zero_weights:
        sw[rng.random(n) < 0.3] = 0
    mean = np.zeros(d, dtype)
    if centred:
        mean[: d // 3] = rng.normal(0, 3, d // 3).astype(dtype)
    T = (rng.random((n, 1)) < 0.4).astype(dtype)
    return Problem(family=family, X=X, T=T, sw=sw, n_outputs=1, l1=0.0, l2=1e-3,
                   fit_intercept=True, precondition=precondition, mean=mean,
                   inv_scale=rng.uniform(0.2, 5, d).astype(dtype),
                   pen=rng.uniform(0.5, 1.5, d).astype(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("centred,precondition,zero_weights",
                         [(False, True, False), (True, True, False), (True, True, True),
                          (False, False, True)])
@pytest.mark.parametrize("n", [500, 9000])  # all rows, and a subsample of 4096
def test_compiled_curvature_is_the_scipy_one(monkeypatch, dtype, centred, precondition,
                                             zero_weights, n):
    rng = np.random.default_rng(3)
    X = sp.random(n, 3000, density=0.01, random_state=4, format="csr", dtype=dtype) * 7
    X.sum_duplicates()
    p = _problem(X, rng, centred=centred, precondition=precondition,
                 zero_weights=zero_weights)
    steps = {}
    for compiled in (False, True):
        monkeypatch.setattr(step_size, "_compiled", lambda values, c=compiled: c)
        steps[compiled] = step_size.auto_step(p, 32)
    assert np.isfinite(steps[True]) and steps[True] > 0
    assert steps[True] == pytest.approx(steps[False], rel=1e-12)


def test_the_step_ignores_empty_columns_and_storage(monkeypatch):
    """Every column stored in the subsample: dense, CSR and CSR with empty columns added
    (the compiled and the SciPy path) give one step."""
    rng = np.random.default_rng(5)
    n, d = 600, 40
    A = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d)
    A[rng.random((n, d)) < 0.5] = 0
    p = _problem(np.ascontiguousarray(A), rng, centred=True)
    wide = sp.hstack([sp.csr_matrix(A), sp.csr_matrix((n, 500))], format="csr")
    extra = dict(mean=np.r_[p.mean, np.zeros(500)], inv_scale=np.r_[p.inv_scale, np.ones(500)],
                 pen=np.r_[p.pen, np.ones(500)])
    cases = {"dense": p,
             "csr": Problem(**{**p.__dict__, "X": sp.csr_matrix(A)}),
             "csr with empty columns": Problem(**{**p.__dict__, "X": wide, **extra})}
    steps = {}
    for name, q in cases.items():
        for compiled in (False, True):
            monkeypatch.setattr(step_size, "_compiled", lambda values, c=compiled: c)
            steps[name, compiled] = step_size.auto_step(q, 16)
    ref = steps["dense", False]
    for key, value in steps.items():
        assert value == pytest.approx(ref, rel=1e-12), key


def test_the_compiled_step_is_the_same_on_any_thread_count(monkeypatch):
    """The power iterations run in fixed row chunks whose sums are added in order: one
    thread and all threads give the same step, bit for bit."""
    import numba

    rng = np.random.default_rng(7)
    X = sp.random(6000, 2000, density=0.02, random_state=8, format="csr") * 5
    X.sum_duplicates()
    p = _problem(X, rng, centred=True)
    monkeypatch.setattr(step_size, "_compiled", lambda values: True)
    old = numba.get_num_threads()
    try:
        steps = []
        for t in {1, min(2, numba.config.NUMBA_NUM_THREADS), old}:
            numba.set_num_threads(t)
            steps.append(step_size.auto_step(p, 32))
    finally:
        numba.set_num_threads(old)
    assert all(s == steps[0] for s in steps) and np.isfinite(steps[0])
