"""Column statistics for ``standardize=True``, in one pass and without a copy."""
from __future__ import annotations

import numpy as np

from .._config import kernel


@kernel
def weighted_mean_var(X, sw, mean, var):
    """Weighted column mean and (biased) variance of X, accumulated in float64.

    Uses a shifted two-moment pass (shift = first row) so that features with a
    large offset and a small spread keep their precision.
    """
    n, d = X.shape
    shift = np.empty(d)
    s1 = np.zeros(d)
    s2 = np.zeros(d)
    for j in range(d):
        shift[j] = X[0, j]
    tot = 0.0
    for i in range(n):
        w = float(sw[i])
        tot += w
        for j in range(d):
            v = X[i, j] - shift[j]
            s1[j] += w * v
            s2[j] += w * v * v
    for j in range(d):
        m = s1[j] / tot
        mean[j] = shift[j] + m
        v = s2[j] / tot - m * m
        var[j] = v if v > 0 else 0.0
