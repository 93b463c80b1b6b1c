"""Dask collections: recognising them, turning them into row-chunked arrays,
and laying in-memory per-row arrays out along the same chunks.

Only metadata is touched here; the checks on the data are those of
:mod:`.inputs`, run chunk by chunk.
"""
from __future__ import annotations

import sys

import numpy as np


def is_dask(obj) -> bool:
    """True for dask arrays, dataframes and series (False when dask is not installed,
    or not imported: no dask collection can exist then, and importing it costs 0.2 s)."""
    if "dask" not in sys.modules:
        return False
    try:
        from dask.base import is_dask_collection
    except ImportError:  # pragma: no cover - dask is optional
        return False
    return is_dask_collection(obj)


def as_row_chunked(X):
    """A dask collection as a dask array with known row chunks and one column chunk."""
    import dask.array as da

    if hasattr(X, "to_dask_array"):  # dask dataframe / series
        X = X.to_dask_array(lengths=True)
    X = da.asarray(X)
    if X.ndim and any(np.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    if X.ndim > 1:
        X = X.rechunk({i: -1 for i in range(1, X.ndim)})
    return X


def materialize(a):
    """A dask collection computed into memory (NumPy / pandas); anything else as is."""
    return a.compute() if is_dask(a) else a


def along_rows(a, like):
    """In-memory per-row array ``a`` as a dask array chunked along the rows of ``like``."""
    import dask.array as da

    return da.from_array(a, chunks=(like.chunks[0],) + tuple((s,) for s in a.shape[1:]))


def map_row_chunks(fn, X, n_cols, dtype):
    """Lazy ``fn(chunk)`` over the row chunks of the validated dask array X.

    ``n_cols=None``: fn returns a 1-D array per chunk; otherwise (rows, n_cols).
    """
    if n_cols is None:
        return X.map_blocks(fn, drop_axis=1, dtype=dtype, meta=np.empty((0,), dtype))
    return X.map_blocks(fn, chunks=(X.chunks[0], (n_cols,)), dtype=dtype,
                        meta=np.empty((0, 0), dtype))
