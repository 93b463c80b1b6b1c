"""Data, sizes and timing helpers for bench/test_bench_shapes.py (issue 9's shapes).

Environment variables (all optional):

- ``FASTLR_SHAPES_SCALE`` (default 1.0): multiplies every row count (bag-of-words 100,000,
  tall dense 2,000,000, MNIST-shaped 60,000 and its 10,000 test rows); feature counts stay.
  ``0.02`` is a smoke run of a few minutes.
- ``FASTLR_SHAPES_BUDGET`` (default 15): seconds of timed rounds a case aims at; the rounds
  (1 to 5) follow from an estimate of one call made on two small row slices.
- ``FASTLR_SHAPES_MAX_SECONDS`` (default 900): a case whose estimated call takes longer is
  skipped (with the estimate in the skip reason) instead of holding the run for an hour.
- ``FASTLR_SHAPES_BW_MB`` (default 1000): size of the array whose ``sum()`` measures the
  machine's read bandwidth.
"""
from __future__ import annotations

import os
import time
import timeit

import numpy as np

SCALE = float(os.environ.get("FASTLR_SHAPES_SCALE", "1.0"))
BUDGET = float(os.environ.get("FASTLR_SHAPES_BUDGET", "15"))
MAX_SECONDS = float(os.environ.get("FASTLR_SHAPES_MAX_SECONDS", "900"))
BW_MB = float(os.environ.get("FASTLR_SHAPES_BW_MB", "1000"))

BOW_ROWS, BOW_PER_ROW, BOW_ALPHA = 100_000, 50, 1e-4
LOG2_DIMS = (14, 16, 18, 20, 22)
HEADLINE_LOG2D = 18                     # issue 9's "100k x 2^18" case
TALL_ROWS, TALL_FEATURES = 2_000_000, 100
MNIST_ROWS, MNIST_TEST_ROWS, MNIST_FEATURES, MNIST_CLASSES = 60_000, 10_000, 784, 10


def rows(n):
    """``n`` rows at FASTLR_SHAPES_SCALE (at least 200)."""
    return max(200, int(round(n * SCALE)))


def cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (or platform.processor())."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown CPU"


def cpu_flags():
    """The vector extensions of note (avx2, avx512f) listed in /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return " ".join(f for f in ("avx2", "fma", "avx512f") if f in flags)
    except OSError:
        pass
    return ""


def read_bandwidth(mb=BW_MB, repeat=5):
    """Bytes per second of ``X.sum()`` over an ``mb`` MB float32 array (best of ``repeat``;
    NumPy's sum runs on one thread)."""
    X = np.ones(int(mb * 1e6) // 4, np.float32)
    best = min(timeit.repeat(X.sum, number=1, repeat=repeat))
    return X.nbytes / best


# ---------------------------------------------------------------- data

def bag_of_words(log2d, n_classes, n=None):
    """Bag-of-words CSR float32: ``rows(100,000)`` documents of ~50 Zipf-distributed words
    (duplicates summed into counts, so ~44 stored values a row) over 2^log2d columns;
    labels 0/1 or 0..19 (fastlr.datasets.make_bag_of_words)."""
    from fastlr.datasets import make_bag_of_words

    X, y = make_bag_of_words(rows(BOW_ROWS) if n is None else n, 2 ** log2d, n_classes,
                             per_row=BOW_PER_ROW, dtype=np.float32, random_state=0)
    X.sort_indices()
    return X, np.asarray(y)


def tall_dense(n=None, d=TALL_FEATURES, seed=0):
    """A tall dense float32 table, C-contiguous, binary labels: standard normal features
    (generated in chunks, no float64 copy of the whole table) and a noisy linear rule."""
    n = rows(TALL_ROWS) if n is None else n
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 1 / np.sqrt(d), d).astype(np.float32)
    X = np.empty((n, d), np.float32)
    y = np.empty(n, np.int64)
    step = 1 << 17
    for s in range(0, n, step):
        e = min(n, s + step)
        X[s:e] = rng.standard_normal((e - s, d), dtype=np.float32)
        y[s:e] = (X[s:e] @ w + rng.logistic(size=e - s) > 0)
    return X, y


def mnist_like(test=False):
    """MNIST-shaped pixels (784 features, 10 classes, float32): the training set, or a
    held-out set of the same task (another sample seed)."""
    from fastlr.datasets import make_mnist_like

    if test:
        return make_mnist_like(rows(MNIST_TEST_ROWS), MNIST_FEATURES, MNIST_CLASSES,
                               dtype=np.float32, random_state=1)
    return make_mnist_like(rows(MNIST_ROWS), MNIST_FEATURES, MNIST_CLASSES, dtype=np.float32)


def nbytes(X):
    """Bytes of X a pass reads: the array, or a CSR matrix's data, indices and indptr."""
    if isinstance(X, np.ndarray):
        return X.nbytes
    return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes


def write_vw(path, X, y, multiclass):
    """X, y in Vowpal Wabbit's text format (integer feature names, default namespace):
    labels -1/1 (binary) or 1..K (``--oaa K``)."""
    labels = (y + 1) if multiclass else np.where(y > 0, 1, -1)
    ind, ptr, dat = X.indices, X.indptr, X.data
    with open(path, "w") as f:
        for i in range(X.shape[0]):
            s, e = ptr[i], ptr[i + 1]
            feats = " ".join(f"{j}:{v:g}" for j, v in zip(ind[s:e].tolist(), dat[s:e].tolist()))
            f.write(f"{labels[i]} | {feats}\n")


# ---------------------------------------------------------------- timing

def estimate(call, n, small=(512, 2048), warm=True):
    """Seconds ``call(n)`` would take, from timed calls on the first ``small`` rows
    (linear in rows through the two points; a first call compiles when ``warm``)."""
    n1, n2 = (min(n, k) for k in small)
    if warm:
        call(n1)
    t = []
    for k in (n1, n2):
        t0 = time.perf_counter()
        call(k)
        t.append(time.perf_counter() - t0)
    if n2 <= n1:
        return t[-1]
    return max(t[1], t[1] + (t[1] - t[0]) / (n2 - n1) * (n - n2))


def rounds_for(seconds, budget=BUDGET, most=5):
    """(rounds, warm-up rounds) for a call of about ``seconds``: up to ``budget`` seconds
    of rounds, and a full-size warm-up round only when the call is short."""
    r = int(max(1, min(most, budget // max(seconds, 1e-6))))
    return r, 1 if seconds * (r + 1) <= budget else 0
