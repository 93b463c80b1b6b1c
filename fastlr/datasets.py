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


def make_scaled_table(n_samples=100_000, n_features=50, n_classes=5, *, random_state=0):
    """A dense table whose columns have scales from 1e-2 to 1e3 and offsets.

    Latent standard-normal features drive a softmax model with noise; column
    j is then multiplied by a scale spread log-uniformly over [1e-2, 1e3] and
    shifted by an offset of a few times that scale: raw, unscaled data as
    users export it from a database.
    """
    rng = np.random.default_rng(random_state)
    Z = rng.standard_normal((n_samples, n_features))
    W = rng.normal(0, 0.6, (n_features, n_classes)) * (rng.random((n_features, 1)) < 0.5)
    logits = Z @ W + rng.gumbel(size=(n_samples, n_classes)) * 1.2
    y = logits.argmax(axis=1)
    scale = np.logspace(-2, 3, n_features)
    rng.shuffle(scale)
    offset = rng.uniform(-5, 5, n_features) * scale
    return Z * scale + offset, y


def make_imbalanced_table(n_samples=50_000, n_features=20, minority=0.08, *, random_state=0):
    """A binary table where ``minority`` of the rows are positive, on raw scales."""
    rng = np.random.default_rng(random_state)
    y = (rng.random(n_samples) < minority).astype(int)
    Z = rng.standard_normal((n_samples, n_features))
    shift = rng.normal(0, 0.5, n_features) * (np.arange(n_features) < n_features // 2)
    Z += np.outer(y, shift)
    scale = np.logspace(-1, 2, n_features)
    return Z * scale + 10 * scale, y


def make_bag_of_words(n_samples=100_000, n_features=2**18, n_classes=2, *, per_row=50,
                      topic_share=0.03,
                      dtype=np.float64, random_state=0):
    """Word counts as a CSR matrix: Zipf-distributed vocabulary, ~``per_row`` words a
    document; each class favours its own few hundred topic words among the
    frequent and middle-rank ones, so rare words carry little signal."""
    import scipy.sparse as sp

    rng = np.random.default_rng(random_state)
    y = rng.integers(0, n_classes, n_samples)
    ranks = np.arange(1, n_features + 1)
    p = 1.0 / ranks
    p /= p.sum()
    n_topic = 300
    topics = np.stack([rng.choice(min(n_features, 20_000), n_topic, replace=False)
                       for _ in range(n_classes)])
    n_topic_words = rng.binomial(per_row, topic_share, n_samples)
    n_common = per_row - n_topic_words
    rows = np.repeat(np.arange(n_samples), per_row)
    common = rng.choice(n_features, n_samples * per_row, p=p)
    topic = topics[np.repeat(y, per_row), rng.integers(0, n_topic, n_samples * per_row)]
    slot = np.tile(np.arange(per_row), n_samples)
    is_topic = slot < np.repeat(n_topic_words, per_row)
    cols = np.where(is_topic, topic, common)
    X = sp.csr_matrix((np.ones(len(rows), dtype=dtype), (rows, cols)),
                      shape=(n_samples, n_features))
    X.sum_duplicates()
    return X, y


def make_mixed_table(n_samples=50_000, *, random_state=0):
    """Raw income and age next to one-hot categories, as a CSR matrix.

    Columns: income (currency units, log-normal, ~1e4-1e6), age (years), then
    one-hot encodings of three categorical variables with 8, 50 and 500
    levels (the last has many rare levels). The binary target depends on all
    of them.
    """
    import scipy.sparse as sp

    rng = np.random.default_rng(random_state)
    income = rng.lognormal(10.5, 0.8, n_samples)
    age = rng.integers(18, 90, n_samples).astype(float)
    levels = (8, 50, 500)
    cats = [rng.zipf(1.3, n_samples) % k for k in levels]
    effects = [rng.normal(0, 1.0, k) for k in levels]
    z = (0.8 * (np.log(income) - 10.5) - 0.03 * (age - 50)
         + sum(e[c] for e, c in zip(effects, cats)) + rng.logistic(size=n_samples))
    y = (z > 0).astype(int)
    blocks = [sp.csr_matrix(np.c_[income, age])]
    for c, k in zip(cats, levels):
        blocks.append(sp.csr_matrix((np.ones(n_samples), (np.arange(n_samples), c)),
                                    shape=(n_samples, k)))
    return sp.hstack(blocks, format="csr"), y
