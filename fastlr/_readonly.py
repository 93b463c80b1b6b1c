"""Read-only arrays as the kernels take them: one compiled specialization for both.

Numba types a read-only array (``np.load(..., mmap_mode="r")``,
``arr.setflags(write=False)``, a view of either) differently from a writable
one, so every kernel that received one compiled a second time, seconds per
kernel even with the on-disk cache filled. The kernels never write X, so
:func:`kernel_view` hands them a view of the same memory that *claims* to be
writable: no copy, and the same compiled code as for a writable array.

The view is made from an object exposing ``__array_interface__`` with the
original data pointer and ``readonly=False``; that object keeps a reference
to the original array (its ``base``), so the memory, the memory map included,
lives as long as the view. Nothing in fastlr writes through it; it is only
ever passed to kernels and never returned to the user.
"""
from __future__ import annotations

import numpy as np


class _WritableInterface:
    """The array interface of ``a`` with the read-only flag cleared."""

    __slots__ = ("__array_interface__", "base")

    def __init__(self, a):
        iface = dict(a.__array_interface__)
        iface["data"] = (iface["data"][0], False)
        self.__array_interface__ = iface
        self.base = a  # keeps the original (and whatever it maps) alive


def kernel_view(a):
    """``a`` itself when writable (or not an ndarray); else a writable-typed view of
    the same memory, never a copy. For data that kernels only read."""
    if not isinstance(a, np.ndarray) or a.flags.writeable:
        return a
    view = np.asarray(_WritableInterface(a))
    assert view.__array_interface__["data"][0] == a.__array_interface__["data"][0]
    return view


def writable_view(X):
    """X (a dense array or a CSR matrix) with every array the kernels read in a
    writable-typed view of the same memory; anything else (dask arrays) as is."""
    if isinstance(X, np.ndarray):
        return kernel_view(X)
    if hasattr(X, "indptr") and hasattr(X, "data") and getattr(X, "format", None) == "csr":
        parts = (X.data, X.indices, X.indptr)
        if all(p.flags.writeable for p in parts):
            return X
        import scipy.sparse as sp

        canonical = X.has_canonical_format
        out = sp.csr_matrix(X.shape, dtype=X.dtype)
        out.data, out.indices, out.indptr = (kernel_view(p) for p in parts)
        if canonical:
            out.has_canonical_format = True
        return out
    return X
