"""Parameter updates of mini-batch gradient descent (docs/math.md §5-6).

With ``standardize`` the model is trained on x̃ = (x - mean) · inv_scale
without ever materialising x̃: the loss kernels centre rows on the fly
(x - mean), ``scaled_weights`` folds the scale into the weights
(W̃ = W · inv_scale, so x̃ · W = (x - mean) · W̃), and ``proximal_step`` maps
the centred gradient back (∇_W = G · inv_scale).
"""
from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from .._config import jit_options, kernel, prange


@kernel
def scaled_weights(W, inv_scale, We):
    """We = W · inv_scale (per feature)."""
    K, d = W.shape
    for k in range(K):
        for j in range(d):
            We[k, j] = W[k, j] * inv_scale[j]


#: columns per task of the weights' unit changes
UNIT_BLOCK = 1 << 15


@kernel(parallel=True, exact=True)  # NumPy's rounding: no product by a reciprocal
def columns_scaled(A, v, divide, out):
    """out[k, j] = A[k, j] · v[j] (A[k, j] / v[j] with ``divide``) in the arithmetic
    NumPy's ``A * v`` (``A / v``) takes (float32 with float64 in float64), rounded
    once into out's dtype: ``(A * v).astype(...)`` without its temporary (20 x 2^20
    weights: a 160 MB float64 array a call of partial_fit; 72 -> 20 ms), in blocks of
    UNIT_BLOCK columns side by side on the threads (each entry on its own: the same
    bits on any thread count)."""
    K, d = A.shape
    nb = (d + UNIT_BLOCK - 1) // UNIT_BLOCK
    for t in prange(K * nb):
        k = t // nb
        j0 = (t % nb) * UNIT_BLOCK
        for j in range(j0, min(j0 + UNIT_BLOCK, d)):
            out[k, j] = A[k, j] / v[j] if divide else A[k, j] * v[j]


@kernel(internal=True, inline=True)
def proximal_step(W, b, G, gb, scale_grad, eta, l1, l2, fit_intercept,
                  standardize, inv_scale, pen, We):
    """One proximal gradient step on (W, b) from the accumulated gradient.

    With ``standardize`` it also writes ``We`` = the new W · inv_scale, the
    weights the next minibatch's fused pass reads (:func:`scaled_weights` in the
    same loop, not a pass of its own). Inlined into the minibatch loops: a
    compiled call reference-counts its arrays with atomics at every minibatch.

    ``G``/``gb`` hold Σ s_i r_i x_i and Σ s_i r_i over the minibatch (x centred
    when ``standardize``, which also multiplies G by ``inv_scale``);
    ``scale_grad`` (1/|mb|) turns them into the mean. The smooth step is
    v = W - eta (g + l2 W), then W = soft_threshold(v, eta l1) (written
    branch-free as v - clip(v, -t, t), which is exactly 0 when |v| <= t, so
    the loop vectorises); the intercept takes the plain step. ``G`` and
    ``gb`` are zeroed for the next minibatch.

    ``pen`` (d,) scales the penalty per feature: feature j is penalised by
    l1·pen_j |w_j| + l2/2·pen_j² w_j². A preconditioned problem whose penalty
    is measured on the original coefficients (w_j · inv_scale_j) has
    pen = inv_scale; one measured on the trained weights has pen = 1.
    Returns the penalty Σ_j (l1 pen_j |w_j| + l2/2 pen_j² w_j²) of W *before*
    the step (where the minibatch loss was computed). All arithmetic on W
    runs in W's dtype.
    """
    K, d = W.shape
    step = W.dtype.type(eta * scale_grad)
    te = W.dtype.type(eta * l1)
    se = W.dtype.type(eta * l2)
    one = W.dtype.type(1)
    pen1 = 0.0
    pen2 = 0.0
    for k in range(K):
        p1 = W.dtype.type(0)
        p2 = W.dtype.type(0)
        gbk = gb[k]
        if standardize:
            for j in range(d):
                w = W[k, j]
                q = pen[j]
                p1 += q * abs(w)
                p2 += (q * w) * (q * w)
                t = te * q
                v = (one - se * q * q) * w - step * (G[k, j] * inv_scale[j])
                w = v - min(max(v, -t), t)
                W[k, j] = w
                We[k, j] = w * inv_scale[j]
                G[k, j] = 0
        else:
            for j in range(d):
                w = W[k, j]
                q = pen[j]
                p1 += q * abs(w)
                p2 += (q * w) * (q * w)
                t = te * q
                v = (one - se * q * q) * w - step * G[k, j]
                W[k, j] = v - min(max(v, -t), t)
                G[k, j] = 0
        pen1 += p1
        pen2 += p2
        if fit_intercept:
            b[k] -= step * gbk
        gb[k] = 0
    return l1 * pen1 + 0.5 * l2 * pen2


def _all_finite_rows(A):
    """Compiled code only: see :func:`all_finite`."""
    raise NotImplementedError("_all_finite_rows is for compiled code")


@overload(_all_finite_rows, jit_options=jit_options(internal=True))
def _all_finite_rows_impl(A):
    float_bits = {types.float32: (np.uint32, 0x7F800000),
                  types.float64: (np.uint64, 0x7FF0000000000000)}
    if A.layout == "C" and A.dtype in float_bits:
        utype, ones = float_bits[A.dtype]
        mask = utype(ones)

        def rows(A):  # the exponent bits of each entry, their largest per row: all ones
            n, m = A.shape  # only for an infinite or NaN entry (integers: a loop LLVM
            bits = A.view(utype)  # vectorises, with no floating point to fold)
            for i in range(n):
                top = utype(0)
                for j in range(m):
                    top = max(top, bits[i, j] & mask)
                if top == mask:
                    return False
            return True
        return rows

    def entries(A):
        n, m = A.shape
        for i in range(n):
            for j in range(m):
                if not np.isfinite(A[i, j]):
                    return False
        return True
    return entries


@kernel
def all_finite(A):
    """True when every entry of the 2-D array A is finite. For a C-contiguous float
    array, a row at a time from the exponent bits (all ones only for inf and NaN) in
    a loop LLVM vectorises; a test and exit per entry did not (20 x 2^20 float32
    weights: 33 -> 5.3 ms). The solvers call it on the weights after every epoch."""
    return _all_finite_rows(A)
