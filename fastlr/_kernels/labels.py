"""Integer class labels of many rows, each question answered in one compiled pass.

NumPy answers them in several: ``y.min()`` and ``y.max()`` (two passes), ``y - lo``
as a new array and ``np.bincount`` over it, a lookup table gathered into a new
array, compared and cast. On 2M labels the type check, the classes and the
encoding took ~35 ms of a fit (a third of a pass over a 2M x 100 float32 X);
these kernels take ~8. Labels are any integer or bool dtype; ``lo`` is the
smallest label as an int64 (the caller keeps uint64 labels beyond int64 away).
"""
from __future__ import annotations

import numpy as np

from .._config import kernel


@kernel
def label_span(y):
    """(min, max) of the 1-D integer labels y (non-empty), as int64, in one pass."""
    lo = np.int64(y[0])
    hi = lo
    for i in range(1, y.shape[0]):
        v = np.int64(y[i])
        lo = min(lo, v)
        hi = max(hi, v)
    return lo, hi


@kernel
def only_two_values(y, lo, hi):
    """True when every label is ``lo`` or ``hi`` (stops at the first other one)."""
    for i in range(y.shape[0]):
        v = np.int64(y[i])
        if v != lo and v != hi:
            return False
    return True


@kernel
def mark_labels(y, lo, seen):
    """seen[v - lo] = True for every label v (seen spans the labels' range). Every
    write stores the same True: no chain through a counter (np.bincount's count of
    two labels waits on the previous increment of the same count, 8 ms on 2M)."""
    for i in range(y.shape[0]):
        seen[np.int64(y[i]) - lo] = True


@kernel
def lookup_labels(y, lo, table, pos):
    """pos[i] = table[y[i] - lo] (the class index of each label, -1 if unknown);
    returns the number of unknown labels."""
    unknown = 0
    for i in range(y.shape[0]):
        p = table[np.int64(y[i]) - lo]
        pos[i] = p
        unknown += p < 0
    return unknown


@kernel
def positive_indicator(y, lo, table, out):
    """out[i, 0] = table[y[i] - lo] as a float, for binary labels (table values 0
    and 1: the sigmoid family's (n, 1) targets, 1 for the positive class); returns
    the number of unknown labels (table value -1; ``out`` is then garbage). The
    value is converted, not compared: a test per label was a branch the random
    labels mispredicted (17 -> 3 ms on 2M)."""
    unknown = 0
    for i in range(y.shape[0]):
        p = table[np.int64(y[i]) - lo]
        out[i, 0] = p
        unknown += p < 0
    return unknown
