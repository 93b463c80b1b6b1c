"""Column scales for ``standardize=True`` from column statistics."""
from __future__ import annotations

import numpy as np


def inverse_std(mean, var, dtype):
    """(mean, 1/std) in ``dtype``; constant columns (std ~ 0) get scale 1."""
    std = np.sqrt(var)
    tiny = 1e-12 * np.maximum(1.0, np.abs(mean))
    inv = np.where(std > tiny, 1.0 / np.where(std > 0, std, 1.0), 1.0)
    return np.asarray(mean, dtype=dtype), inv.astype(dtype)
