"""The data-access layer: one name per row operation, dense or CSR by X's type.

Kernels above this module call ``block_logits``, ``block_grad`` and
``row_into`` on ``X`` and never look at its layout; Numba picks the dense
implementation (:mod:`.dense`) for a 2-D array and the CSR one (:mod:`.csr`)
for a ``(data, indices, indptr)`` tuple when it compiles the caller.

``block_logits`` and ``block_grad`` run once per block of rows inside the
minibatch loops, so their overloads hand Numba the implementation itself
(``py_func``, compiled with the kernels' options) rather than a wrapper that
calls it: a compiled call to a function that calls another cannot drop the
reference counts of its array arguments (an atomic increment and decrement
each, per call), and Numba's inlining (``inline="always"``) copies every
argument into a variable of the caller that is counted the same way. Called
directly with the caller's own variables, the leaf implementation's counts
are removed by Numba's pass and the call costs none (a 2M x 100 epoch:
-20% with the minibatch loop of :func:`.epoch.mbgd_epoch` written the same way).
"""
from __future__ import annotations

from numba import types
from numba.extending import overload

from .._config import CACHE, jit_options
from .csr import csr_block_grad, csr_block_logits, csr_row_into
from .dense import dense_block_grad, dense_block_logits, dense_row_into

_JIT = {"cache": CACHE, "nogil": True}


def block_logits(X, idx, start, stop, W, b, Z, mean, center):
    """Z[r, k] = (x_{idx[start+r]} - center·mean) · W[k] + b[k]."""
    raise NotImplementedError("compiled only")


def block_grad(X, idx, start, stop, R, G, gb, mean, center):
    """G[k] += Σ_r R[r, k] (x_{idx[start+r]} - center·mean);  gb[k] += Σ_r R[r, k]."""
    raise NotImplementedError("compiled only")


def centre_folded(X):
    """True where centring goes through the intercept (CSR) rather than the rows (dense)."""
    raise NotImplementedError("compiled only")


def row_into(X, i, xt, standardize, mean, inv_scale):
    """xt = row i of X (standardized if asked), as a dense vector."""
    raise NotImplementedError("compiled only")


_LEAF = jit_options(internal=True)


@overload(block_logits, jit_options=_LEAF)
def _block_logits(X, idx, start, stop, W, b, Z, mean, center):
    return (dense_block_logits if isinstance(X, types.Array) else csr_block_logits).py_func


@overload(block_grad, jit_options=_LEAF)
def _block_grad(X, idx, start, stop, R, G, gb, mean, center):
    return (dense_block_grad if isinstance(X, types.Array) else csr_block_grad).py_func


@overload(centre_folded, jit_options=_JIT)
def _centre_folded(X):
    if isinstance(X, types.Array):
        return lambda X: False
    return lambda X: True


@overload(row_into, jit_options=_JIT)
def _row_into(X, i, xt, standardize, mean, inv_scale):
    if isinstance(X, types.Array):
        return lambda X, i, xt, standardize, mean, inv_scale: dense_row_into(
            X, i, xt, standardize, mean, inv_scale)
    return lambda X, i, xt, standardize, mean, inv_scale: csr_row_into(
        X, i, xt, standardize, mean, inv_scale)
