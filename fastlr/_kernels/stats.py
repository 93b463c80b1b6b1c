"""Column statistics for ``standardize=True``, without a copy of X."""
from __future__ import annotations

import numpy as np

from .._config import kernel


@kernel
def weighted_mean_var(X, sw, mean, var):
    """Weighted column mean and (biased) variance of X, accumulated in float64.

    Two passes: the mean first (of deviations from the first row of positive
    weight, so a constant column gets its exact value and variance 0), then
    the squares of the deviations from the mean, so features with a large
    offset and a small spread keep their precision and rows of weight 0
    cannot spoil the result, whatever their values.
    """
    n, d = X.shape
    ref = 0
    while ref < n - 1 and sw[ref] == 0:
        ref += 1
    s1 = np.zeros(d)
    tot = 0.0
    for i in range(n):
        w = np.float64(sw[i])
        if w == 0.0:
            continue
        tot += w
        for j in range(d):
            s1[j] += w * (np.float64(X[i, j]) - np.float64(X[ref, j]))
    for j in range(d):
        mean[j] = np.float64(X[ref, j]) + s1[j] / tot
    s2 = np.zeros(d)
    for i in range(n):
        w = np.float64(sw[i])
        if w == 0.0:
            continue
        for j in range(d):
            v = np.float64(X[i, j]) - mean[j]
            s2[j] += w * v * v
    for j in range(d):
        var[j] = s2[j] / tot
