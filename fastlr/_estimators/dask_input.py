"""Dask arrays as training data: checks, targets, weights and column statistics,
computed chunk-wise so that X never has to fit on one machine.

Only the exact solvers train on dask arrays (each evaluation is one pass over
the chunks, see :mod:`fastlr._solvers.dask_objective`); mini-batch training
of data that does not fit in memory is ``partial_fit`` over its chunks.
"""
from __future__ import annotations

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from .._solvers import resolve_solver
from .._solvers.problem import Problem
from .scaling import inverse_std


def is_dask(obj) -> bool:
    try:
        from dask.base import is_dask_collection
    except ImportError:  # pragma: no cover - dask is optional
        return False
    return is_dask_collection(obj)


def _as_dask_array(a, chunks, name):
    import dask.array as da

    if hasattr(a, "to_dask_array"):  # dask dataframe / series
        a = a.to_dask_array(lengths=True)
    a = da.asarray(a)
    if a.shape[0] != chunks[0] and np.sum(chunks) != a.shape[0]:
        raise ValueError(f"{name} has {a.shape[0]} rows, X has {int(np.sum(chunks))}")
    return a.rechunk({0: chunks})


def dask_problem(est, X, y, sample_weight, family_of):
    """Validate dask X / y / sample_weight and build the Problem (dask arrays, persisted)."""
    import dask
    import dask.array as da

    solver = resolve_solver(est.solver, est.penalty)
    if solver == "mbgd":
        raise ValueError("dask arrays train with the exact solvers: use solver='lbfgs', "
                         "'fista' or 'auto' (or partial_fit over the chunks for mini-batch "
                         "training)")
    if hasattr(X, "to_dask_array"):
        X = X.to_dask_array(lengths=True)
    X = da.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2D array, got a {X.ndim}D dask array")
    if np.isnan(X.shape[0]):
        X = X.compute_chunk_sizes()
    n, d = X.shape
    if n == 0 or d == 0:
        raise ValueError(f"Found array with shape {X.shape}: at least one sample and one "
                         "feature are required")
    if X.dtype not in (np.float32, np.float64):
        if not np.issubdtype(X.dtype, np.number):
            raise ValueError(f"dask X has a non-numeric dtype {X.dtype}")
        X = X.astype(np.float64)
    X = X.rechunk({1: -1})
    rows = X.chunks[0]
    y = _as_dask_array(y, rows, "y")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    est.n_features_in_ = d
    multilabel = y.ndim == 2
    finite, labels = dask.compute(da.isfinite(X).all(),
                                  None if multilabel else da.unique(y))
    if not finite:
        raise ValueError("Input X contains NaN or infinity.")
    if multilabel:
        family = family_of("multilabel-indicator")
        classes = np.arange(y.shape[1])
        T = y.astype(X.dtype)
    else:
        classes = np.asarray(labels)
        if len(classes) < 2:
            raise ValueError(f"the training data contain only one class: {list(classes)}; "
                             "a classifier needs samples of at least 2 classes")
        family = family_of("multiclass" if len(classes) > 2 else "binary")
        pos = y.map_blocks(lambda b: np.searchsorted(classes, b), dtype=np.intp)
        T = pos.astype(X.dtype)[:, None] if family == "sigmoid" else pos
    sw = (da.ones(n, chunks=(rows,), dtype=np.float64) if sample_weight is None
          else _as_dask_array(sample_weight, rows, "sample_weight").astype(np.float64))
    if est.class_weight is not None:
        if multilabel:
            raise ValueError("class_weight is not supported for multilabel targets")
        idx = pos.compute()
        cw = compute_class_weight(est.class_weight, classes=np.arange(len(classes)), y=idx) \
            if est.class_weight == "balanced" else \
            np.array([est.class_weight.get(c, 1.0) for c in classes], dtype=np.float64)
        sw = sw * da.from_array(cw, chunks=-1)[pos]
    w_ok = dask.compute(da.isfinite(sw).all() & (sw >= 0).all())[0]
    if not w_ok:
        raise ValueError("sample_weight contains NaN, infinity or negative values")
    X, T, sw = dask.persist(X, T, sw)
    mean, inv_scale = _column_stats(est, X, sw)
    sw = (sw * (n / sw.sum())).astype(X.dtype).persist()
    l1, l2 = est._penalty_split()
    n_out = T.shape[1] if family == "sigmoid" else len(classes)
    problem = Problem(family=family, X=X, T=T, sw=sw, n_outputs=n_out, l1=l1, l2=l2,
                      fit_intercept=bool(est.fit_intercept),
                      standardize=bool(est.standardize), mean=mean, inv_scale=inv_scale)
    return problem, classes, family


def _column_stats(est, X, sw):
    """Weighted column mean and 1/std (two chunk-wise passes), as for in-memory X."""
    d = X.shape[1]
    if not est.standardize:
        return np.zeros(d, X.dtype), np.ones(d, X.dtype)
    w = sw[:, None]
    tot = sw.sum()
    mean = ((w * X).sum(axis=0, dtype=np.float64) / tot).compute()
    if est.fit_intercept:
        var = ((w * (X - mean) ** 2).sum(axis=0, dtype=np.float64) / tot).compute()
    else:  # no centring without an intercept: scale by the root mean square
        var = ((w * X ** 2).sum(axis=0, dtype=np.float64) / tot).compute()
        mean = np.zeros(d)
    return inverse_std(mean, var, X.dtype)


def map_rows(est, method, X, n_cols, dtype):
    """``est.method`` over the row chunks of dask X: a lazy dask array, chunks stay put.

    ``n_cols=None`` gives a 1-D result (labels, binary scores).
    """
    import dask.array as da

    X = da.asarray(X.to_dask_array(lengths=True) if hasattr(X, "to_dask_array") else X)
    X = X.rechunk({1: -1})
    fn = getattr(type(est), method)
    if n_cols is None:
        return X.map_blocks(lambda b: fn(est, b), drop_axis=1, dtype=dtype)
    return X.map_blocks(lambda b: fn(est, b), chunks=(X.chunks[0], (n_cols,)), dtype=dtype)
