"""Target encoding and sample weights: what y and sample_weight become for a solver."""
from __future__ import annotations

import numpy as np
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import type_of_target

from .._config import kernels_loaded


#: integer labels at least this many (or 4096 once the kernels are loaded) are read
#: by the compiled passes of :mod:`fastlr._kernels.labels` (one pass per question,
#: no temporaries): on 2M labels the type, the classes and the encoding took 35 ms
#: in NumPy, 6 compiled
_COMPILED_LABELS = 1 << 20


def _compiled(y) -> bool:
    """True when y's labels are read by the compiled passes: a large 1-D signed or
    unsigned integer ndarray whose values all fit int64 (not uint64)."""
    if type(y) is not np.ndarray or y.ndim != 1 or y.dtype.kind not in "iu" \
            or (y.dtype.kind == "u" and y.dtype.itemsize == 8):
        return False
    return y.size >= _COMPILED_LABELS or (y.size >= 1 << 12 and kernels_loaded())


def _span(y):
    """(min, max) of a non-empty integer or bool y as Python ints."""
    if _compiled(y):
        from .._kernels.labels import label_span

        lo, hi = label_span(y)
        return int(lo), int(hi)
    return int(y.min()), int(y.max())


def _plain_labels_type(y):
    """type_of_target's answer for a 1-D integer, bool or integral-float ndarray
    ("binary" for at most two distinct values, else "multiclass"), None for anything
    else: sklearn's function spends ~0.4 ms per call on checks these arrays pass."""
    if type(y) is not np.ndarray or y.ndim != 1 or y.size == 0:
        return None
    if y.dtype.kind == "f":
        if not (np.isfinite(y).all() and (y == np.round(y)).all()):
            return None
    elif y.dtype.kind not in "iub":
        return None
    if _compiled(y):
        from .._kernels.labels import only_two_values

        lo, hi = _span(y)
        return "binary" if only_two_values(y, lo, hi) else "multiclass"
    lo, hi = y.min(), y.max()
    if lo == hi or (y.dtype.kind == "b"):
        return "binary"
    return "binary" if np.count_nonzero((y != lo) & (y != hi)) == 0 else "multiclass"


#: integer labels spanning at most this many values (and no more than the rows) are
#: counted with np.bincount instead of sorted or hashed (np.unique, searchsorted): on
#: 2M labels that took ~0.14 s of a fit, more than a pass over a 2M x 100 float32 X
_SPAN = 1 << 16


def _int_span(y):
    """(smallest, largest) label of a 1-D integer or bool ndarray whose labels span at
    most _SPAN values, else None (the general sorted path)."""
    if type(y) is not np.ndarray or y.ndim != 1 or y.size == 0 or y.dtype.kind not in "iub":
        return None
    lo, hi = _span(y)
    if hi > np.iinfo(np.int64).max:  # uint64 beyond int64: the sorted path
        return None
    return (lo, hi) if hi - lo < min(_SPAN, max(y.size, 2)) else None


def _offsets(y, lo):
    """y - lo as intp (in a wide type: int8 labels 100 - (-100) would wrap)."""
    return np.subtract(y, lo, dtype=np.intp)


def unique_labels(y):
    """np.unique(y), counted rather than sorted for integer labels in a small range."""
    span = _int_span(y)
    if span is None:
        return np.unique(y)
    lo, hi = span
    if _compiled(y):
        from .._kernels.labels import mark_labels

        seen = np.zeros(hi - lo + 1, np.bool_)
        mark_labels(y, lo, seen)
        return (np.flatnonzero(seen) + lo).astype(y.dtype)
    seen = np.flatnonzero(np.bincount(_offsets(y, lo)))
    return (seen + lo).astype(y.dtype)


def target_type(y) -> str:
    """sklearn's type_of_target, with a clear error for what no model here fits."""
    y_type = _plain_labels_type(y) or type_of_target(y, input_name="y")
    if y_type not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(
            f"Unknown label type: {y_type!r}. fastlr classifiers take class labels "
            "(binary or multiclass) or a 2-D 0/1 multilabel indicator matrix; "
            "continuous or multi-output targets are not classification targets.")
    return y_type


def encode_targets(family, y, classes, dtype):
    """Return T for the solver: (n, L) float indicators, or (n,) int class indices.

    ``classes`` are the known classes (``classes_``); a label not among them
    raises. For the sigmoid family with 1-D y the positive class is classes[1].
    """
    if family == "sigmoid" and np.ndim(y) == 2:
        Y = np.asarray(y)
        if not np.isin(Y, (0, 1)).all():
            raise ValueError("multilabel targets must be a 0/1 indicator matrix")
        return np.ascontiguousarray(Y, dtype=dtype)
    cls = np.asarray(classes)
    int64_classes = cls.dtype.kind in "iub" and (
        cls.size == 0 or int(cls.max()) <= np.iinfo(np.int64).max)
    span = _int_span(y) if int64_classes else None
    if span is not None:  # a lookup table over the labels' range: no search per label
        lo, hi = span
        table = np.full(hi - lo + 1, -1, np.intp)
        cls64 = cls.astype(np.int64)
        inside = (cls64 >= lo) & (cls64 <= hi)  # compared, not subtracted: no overflow
        table[_offsets(cls64[inside], lo)] = np.flatnonzero(inside)
        if _compiled(y):  # one pass to the solver's targets (an unknown label: below)
            from .._kernels import labels as KL

            if family == "sigmoid" and len(classes) == 2:
                out = np.empty((len(y), 1), dtype)
                if KL.positive_indicator(y, lo, table, out) == 0:
                    return out
            elif family != "sigmoid":
                pos = np.empty(len(y), np.intp)
                if KL.lookup_labels(y, lo, table, pos) == 0:
                    return pos
        pos = table[_offsets(y, lo)]
        unknown = pos < 0
    else:
        pos = np.searchsorted(classes, y)
        pos = np.clip(pos, 0, len(classes) - 1)
        unknown = classes[pos] != y
    if np.any(unknown):
        bad = np.unique(np.asarray(y)[unknown])[:5]
        raise ValueError(f"y contains labels not in classes {np.asarray(classes).tolist()}: "
                         f"{bad.tolist()}")
    if family == "sigmoid":
        return np.ascontiguousarray((pos == 1).astype(dtype)[:, None])
    return pos.astype(np.intp)


def check_sample_weight(sample_weight, n):
    """sample_weight as a float64 (n,) array (None: ones; a scalar: n copies), validated."""
    if sample_weight is None:
        return np.ones(n, dtype=np.float64)
    sw = np.asarray(sample_weight)
    if not (np.issubdtype(sw.dtype, np.number) or sw.dtype == bool) \
            or np.issubdtype(sw.dtype, np.complexfloating):
        raise ValueError(f"sample_weight must be real numbers, got dtype {sw.dtype}")
    sw = sw.astype(np.float64)  # a copy: the caller's array is never modified
    if sw.ndim == 0:
        sw = np.full(n, float(sw))
    if sw.shape != (n,):
        raise ValueError(
            f"sample_weight.shape == {sw.shape}, expected ({n},): one weight per row of X")
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight contains NaN or infinity")
    if np.any(sw < 0):
        raise ValueError("sample_weight has negative values; weights must be >= 0")
    return sw


def combined_sample_weight(sample_weight, class_weight, y, classes, n):
    """(s, Σ s_raw): sample_weight × class_weight[y], validated and scaled to mean 1,
    in float64, and the total of the unscaled weights (what C multiplies).

    ``class_weight="balanced"`` counts the classes with the sample weights
    (n_k is Σ s_i over class k), as scikit-learn >= 1.9 does.

    Weights are scale-free: they are divided by their largest value before
    they are summed, so neither 1e307 (whose sum overflows) nor 1e-50 (which
    a float32 cast would make 0) changes the model.
    """
    if sample_weight is None and class_weight is None and n > 0:
        return np.ones(n), float(n)  # what the steps below make of unit weights
    sw = check_sample_weight(sample_weight, n)
    if class_weight is not None:
        if np.ndim(y) == 2:
            raise ValueError("class_weight is not supported for multilabel targets; "
                             "use sample_weight")
        cw = compute_class_weight(class_weight, classes=classes, y=y,
                                  sample_weight=None if sample_weight is None else sw)
        if not (np.all(np.isfinite(cw)) and np.all(cw >= 0)):
            raise ValueError(f"class_weight must be finite and >= 0, got {class_weight!r}")
        sw *= cw[np.searchsorted(classes, y)]
    top = sw.max() if n else 0.0
    if not top > 0:
        raise ValueError("the sample weights sum to zero: nothing to fit")
    sw /= top
    scaled_total = sw.sum()
    sw *= n / scaled_total
    return sw, top * scaled_total


def check_two_classes(T, family, sw, classes):
    """A classifier can't train when only one class has positive weight."""
    if family != "softmax" and T.shape[1] != 1:
        return
    t = T if family == "softmax" else T[:, 0]
    if not sw.min() > 0:
        t = t[sw > 0]
    if family == "softmax":  # class indices: counted (np.unique sorted 2M rows in 30 ms)
        present = np.flatnonzero(np.bincount(t, minlength=len(classes)))
    else:  # 0/1 targets: the smallest and the largest say which are present
        present = np.unique([t.min(), t.max()]) if t.size else np.zeros(0)
    if len(present) < 2:
        raise ValueError(
            "the training data contain only one class (with positive weight): "
            f"classes seen {np.asarray(classes)[present.astype(int)].tolist()}; "
            "a classifier needs samples of at least 2 classes")
