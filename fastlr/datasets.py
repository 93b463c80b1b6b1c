"""Synthetic data shaped like real workloads (for benchmarks, docs and tests)."""
from __future__ import annotations

import numpy as np


def make_mnist_like(n_samples=60_000, n_features=784, n_classes=10, *, dtype=np.float32,
                    binary=False, random_state=0, task_seed=0):
    """Pixel-like data: values in [0, 1], ~85% zeros, learnable but not separable.

    Each class has a prototype "image"; a sample keeps a random 15% of its
    class prototype's pixels, blended with a random share (up to 0.9) of a
    random 15% of another class's prototype, plus noise on the lit pixels,
    clipped to [0, 1]. A converged linear model reaches about 0.88 test
    accuracy, like a linear model on MNIST (~0.92). ``task_seed`` fixes the
    prototypes (so a test set drawn with another ``random_state`` is the same
    task). With ``binary=True`` the labels are ``y % 2``. Rows are generated
    in chunks, so memory stays at the size of the output.
    """
    d, K = n_features, n_classes
    task = np.random.default_rng(task_seed)  # the same prototypes for every sample seed
    protos = (task.random((K, d)) < 0.6) * task.uniform(0.4, 1.0, (K, d))
    rng = np.random.default_rng(random_state)
    y = rng.integers(0, K, n_samples)
    X = np.empty((n_samples, d), dtype=dtype)
    step = 8192
    for s in range(0, n_samples, step):
        e = min(s + step, n_samples)
        m = e - s
        other = (y[s:e] + rng.integers(1, K, m)) % K
        mix = rng.uniform(0.0, 0.9, (m, 1))
        chunk = (protos[y[s:e]] * (rng.random((m, d)) < 0.15)
                 + mix * protos[other] * (rng.random((m, d)) < 0.15))
        chunk += rng.normal(0.0, 0.4, (m, d)) * (chunk > 0)
        np.clip(chunk, 0.0, 1.0, out=chunk)
        X[s:e] = chunk
    return X, (y % 2 if binary else y)
