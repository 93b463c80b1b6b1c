"""Vectorised proximal operator for the full-batch solvers (arrays of O(K·d))."""
from __future__ import annotations

import numpy as np


def soft_threshold(V, t):
    """sign(v) · max(|v| - t, 0), elementwise: exact zeros below the threshold."""
    return np.sign(V) * np.maximum(np.abs(V) - t, 0.0)
