"""Data and timing helpers shared by the benchmark modules."""
from __future__ import annotations

import numpy as np

from fastlr.datasets import make_mnist_like

N_ROWS, N_FEATURES, N_CLASSES = 60_000, 784, 10

_DATA = {}


def mnist(dtype=np.float32, n=N_ROWS, binary=False):
    """The MNIST-shaped matrix (cached per process; float64 made from float32)."""
    key = (np.dtype(dtype).name, n, binary)
    if key not in _DATA:
        base = (np.dtype("float32").name, n, False)
        if base not in _DATA:
            _DATA[base] = make_mnist_like(n, N_FEATURES, N_CLASSES, dtype=np.float32)
        X, y = _DATA[base]
        _DATA[key] = (X.astype(dtype) if X.dtype != dtype else X, y % 2 if binary else y)
    return _DATA[key]


def threads_of(impl):
    """Threads an implementation runs with (Numba's for fastlr, BLAS's for NumPy)."""
    if impl == "fastlr":
        import numba

        return numba.get_num_threads()
    if impl == "numpy" or impl.startswith("sklearn"):
        from threadpoolctl import threadpool_info

        blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        return max(blas) if blas else 1
    return None


def run(benchmark, fn, impl, group, rounds=5, warmup=1, limit_blas=True, **info):
    """Time ``fn`` with pytest-benchmark (fixed rounds: the suite stays short)."""
    benchmark.group = group
    info.setdefault("threads", threads_of(impl))
    benchmark.extra_info.update(impl=impl, **info)
    if impl != "fastlr" or not limit_blas:
        return benchmark.pedantic(fn, rounds=rounds, warmup_rounds=warmup, iterations=1)
    # as in fastlr's solvers: BLAS single-threaded, so idle OpenBLAS workers do not
    # spin on the cores Numba's threads run on
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return benchmark.pedantic(fn, rounds=rounds, warmup_rounds=warmup, iterations=1)
