"""One input pipeline: what X, y and sample_weight become for every kind of input.

NumPy arrays, pandas frames, scipy.sparse matrices and dask collections all
pass through the same functions, so each kind raises where and how the
others do:

- X: :func:`check_X_block` is *the* check of feature data (float32/float64
  kept, anything else numeric made float64, NaN/inf, complex and strings
  rejected, sparse made canonical CSR). In-memory X goes through it whole; a
  dask X has its metadata (dimensions, dtype) checked at once on an empty
  probe of the same kind and every row chunk checked lazily by the same
  function, when the chunks are first computed (inside ``fit``, before any
  weight changes).
- y and sample_weight are one value per row: a dask y or sample_weight is
  computed into memory (it is 1/d of X's size) and then takes the in-memory
  path, so target checks, label encoding, class weights and sample-weight
  checks have a single implementation.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import (_check_feature_names, _check_n_features, _check_y,
                                      check_array, check_consistent_length, column_or_1d)

from .._readonly import writable_view
from .dask_io import as_row_chunked, is_dask, materialize

FLOAT_DTYPES = (np.float64, np.float32)


def canonical(X):
    """CSR with summed duplicates and sorted indices (a copy only when X is not already)."""
    if sp.issparse(X) and not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def _plain_ready(A, ndim, finite=True):
    """True when ``A`` is an ndarray that scikit-learn's checks would return unchanged:
    float32/float64 (or, for 1-D targets, integer or bool), C-contiguous, non-empty
    and finite. Only a shortcut past their per-call overhead (~0.2 ms each, which
    is a fit on small data); anything else takes the full checks and their errors.
    ``finite=False``: finiteness is not checked here (the caller's next pass over A
    checks it, see :func:`check_X_block`)."""
    if type(A) is not np.ndarray or A.ndim != ndim or A.size == 0 \
            or not A.flags.c_contiguous:
        return False
    kind = A.dtype.kind
    if kind in "iub" and ndim == 1:
        return True
    # a finite sum means finite entries (an overflowing sum takes the full check)
    return A.dtype in FLOAT_DTYPES and (not finite or bool(np.isfinite(A.sum())))


def check_X_block(X, estimator=None, min_samples=1, finite=True):
    """The check of in-memory feature data (a whole X, or one row chunk of a dask X).

    ``finite=False`` leaves out the NaN/inf check of an array that needs no
    conversion: only for a fit whose column statistics check it in the same pass
    (:func:`fastlr._estimators.scaling.fused_finite_check`), before any weight
    is trained; a non-finite X then gets this function's error from there.
    """
    if _plain_ready(X, 2, finite) and X.shape[0] >= min_samples:
        return writable_view(X)
    X = check_array(X, accept_sparse="csr", dtype=FLOAT_DTYPES, order="C", input_name="X",
                    estimator=estimator, ensure_min_samples=min_samples)
    # read-only X (a memory map, setflags(write=False)): a writable-typed view of the
    # same memory, so every kernel shares the writable array's compiled code
    return writable_view(canonical(X))


def _check_dask_X(X, estimator):
    """Metadata checks now (on an empty probe), data checks per chunk, lazily."""
    X = as_row_chunked(X)
    n = X.shape[0]
    # the probe has X's kind, dtype and dimensions, and at most one row (all
    # of them when there are no features: that error message names the shape)
    shape = (n, 0) if X.ndim == 2 and X.shape[1] == 0 else (min(n, 1),) + X.shape[1:]
    meta = getattr(X, "_meta", None)
    probe = (sp.csr_matrix(shape, dtype=X.dtype) if sp.issparse(meta) and X.ndim == 2
             else np.zeros(shape, dtype=X.dtype))
    dtype = check_X_block(probe, estimator).dtype
    out_meta = sp.csr_matrix((0, X.shape[1]), dtype=dtype) if sp.issparse(probe) \
        else np.empty((0, X.shape[1]), dtype)
    return X.map_blocks(check_X_block, estimator=None, min_samples=0, dtype=dtype,
                        meta=out_meta)


def check_X(X, estimator=None, finite=True):
    """Feature data as the solvers take it: in memory, or a dask array of checked chunks."""
    if is_dask(X):
        return _check_dask_X(X, estimator)
    return check_X_block(X, estimator, finite=finite)


def validate_X(est, X, *, reset, check_names=True):
    """X for fit, partial_fit and the predict methods, with scikit-learn's
    feature-name and feature-count bookkeeping on ``est``."""
    if check_names:
        _check_feature_names(est, X, reset=reset)
    X = check_X(X, est)
    _check_n_features(est, X, reset=reset)
    return X


def validate_Xy(est, X, y, *, reset, check_names=True, finite=True):
    """(X, y) for fit and partial_fit: y in memory, 1-D labels or a 2-D indicator.
    ``finite=False``: see :func:`check_X_block`."""
    if check_names:
        _check_feature_names(est, X, reset=reset)
    X = check_X(X, est, finite=finite)
    if y is None:
        raise ValueError(f"{type(est).__name__} requires y to be passed, but the target "
                         "y is None.")
    if not (_plain_ready(y, 1) and y.shape[0] == X.shape[0]):  # else: y as they return it
        y = _check_y(materialize(y), multi_output=True, estimator=est)
        check_consistent_length(X, y)
    _check_n_features(est, X, reset=reset)
    if sp.issparse(y):
        y = y.toarray()
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    return X, y


def row_chunks(X, y, sample_weight):
    """(X_chunk, y_chunk, sw_chunk) in memory, one row chunk of a dask X at a time."""
    X = as_row_chunked(X)
    offsets = np.cumsum((0,) + tuple(X.chunks[0]))
    y = np.asarray(materialize(y)) if y is not None else None
    sw = materialize(sample_weight)
    sw = np.asarray(sw) if sw is not None and np.ndim(sw) else sw
    for block, a, b in zip(X.to_delayed().ravel(), offsets[:-1], offsets[1:]):
        yield (block.compute(), None if y is None else y[a:b],
               sw[a:b] if sw is not None and np.ndim(sw) else sw)
