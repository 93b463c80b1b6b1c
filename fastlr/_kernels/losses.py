"""Fused loss-and-gradient passes (docs/math.md §3-4).

Each function walks the rows ``idx[start:stop]`` once, in blocks, computing
net inputs, the weighted loss and the residuals, and accumulating the
gradient while the rows are still in cache. With ``center`` the rows are
taken as x - mean (see :mod:`.dense`). They return the *sum*
``Σ s_i ℓ_i`` (float64) and *add* ``Σ s_i (p_i - y_i) x_i`` to ``G`` (and the
intercept part to ``gb``); normalising and the penalty are the caller's.

- sigmoid family: ``Y`` is (n, L) 0/1 (L = 1 for binary, L labels for
  multilabel), ``W`` is (L, d); ℓ_i = Σ_l softplus(z_il) - y_il z_il.
- softmax family: ``y`` is (n,) class indices, ``W`` is (K, d);
  ℓ_i = logsumexp(z_i) - z_{i, y_i}.
"""
from __future__ import annotations

import numpy as np

from .._config import kernel
from .dense import rows_per_block
from .elementary import exp_nonpos, log1p_unit
from .rows import block_grad, block_logits, centre_folded

#: below this (log-)probability a residual is flushed to 0. exp(-60) ≈ 9e-27 is
#: invisible next to 1 in float64 and float32 alike, and keeping such values
#: would make denormal numbers downstream (residual · x underflows float32),
#: which ran the gradient pass up to 2x slower on confident models.
LOG_TINY = -60.0


@kernel(internal=True, inline=True)
def residual_scratch(Z):
    """The scratch :func:`sigmoid_residual_loss` needs for blocks of Z's rows."""
    return np.empty((2, Z.shape[0] * Z.shape[1]), Z.dtype)


@kernel(internal=True, inline=True)
def sigmoid_residual_loss(Z, Y, sw, idx, start, stop, st):
    """Turn logits Z into weighted residuals s_i (σ(z) - y); return Σ s_i ℓ_i.

    The rows' weights and targets are gathered first, so that the loop over the
    m·L logits reads contiguous arrays only and LLVM vectorises it (float32: 37 ->
    12 ns a row; a gather inside the loop keeps it scalar). The formula is written
    in that loop, not called: as a function it was either a compiled call (its
    array argument reference-counted per block, or, with scalar arguments, the
    loop no longer vectorised: the 2M x 100 epoch 50 -> 82 ns a row) or inlined
    together with the inlined float32 exp (a cascade of Numba's
    NumbaIRAssumptionWarning at every first compile). ``st`` is the caller's
    scratch, (2, at least m·L) in Z's dtype (:func:`residual_scratch`): allocated
    here it was a malloc and a free per block of rows, a tenth of a narrow table's
    epoch.
    """
    L = Z.shape[1]
    m = stop - start
    q = m * L
    for r in range(m):
        i = idx[start + r]
        s = sw[i]
        for k in range(L):
            st[0, r * L + k] = s
            st[1, r * L + k] = Y[i, k]
    Zf = Z.reshape(-1)  # Z is C-contiguous: its first m rows are Zf[:m·L]
    zero = Z.dtype.type(0)
    one = Z.dtype.type(1)
    loss = 0.0
    for t in range(q):
        z = Zf[t]
        s = st[0, t]
        y = st[1, t]
        # softplus(z) = max(z, 0) + log1p(e) and σ(z) from one e = exp(-|z|): the
        # formulas of log1pexp and sigmoid with their two exp calls shared (a NaN z
        # gives e = NaN, so a NaN loss and residual)
        e = exp_nonpos(-abs(z))
        # max(z, 0) - y z first (exact for 0/1 targets: z - z is 0), then log1p(e): in
        # the order z + log1p(e) - z a confident row's loss, log1p(e) < ulp(z), was
        # lost in float32
        lin = (z if z > 0 else zero) - y * z
        loss += np.float64(s * (lin + log1p_unit(e)))
        inv = one / (one + e)
        p = inv if z >= 0 else e * inv
        p = zero if z <= LOG_TINY else p
        Zf[t] = s * (p - y)
    return loss


@kernel(internal=True, inline=True)
def softmax_residual_loss(Z, y, sw, idx, start, stop):
    """Turn logits Z into weighted residuals s_i (p_i - e_{y_i}); return Σ s_i ℓ_i."""
    loss = 0.0
    K = Z.shape[1]
    for r in range(stop - start):
        i = idx[start + r]
        s = sw[i]
        c = y[i]
        zc = Z[r, c]
        mx = Z[r, 0]
        for k in range(1, K):
            if Z[r, k] > mx:
                mx = Z[r, k]
        tot = 0.0
        zero = Z.dtype.type(0)
        for k in range(K):
            t = Z[r, k] - mx
            e = zero if t <= LOG_TINY else np.exp(t)  # NaN stays NaN
            Z[r, k] = e
            tot += e
        loss += s * (np.log(tot) + mx - zc)
        inv = s / tot
        for k in range(K):
            Z[r, k] *= inv
        Z[r, c] -= s
    return loss


from .._layout import SIGMOID, SOFTMAX  # noqa: E402,F401


@kernel(internal=True)
def centred_intercept(W, b, mean):
    """b - W·mean (accumulated in float64): the intercept that centres uncentred rows."""
    bo = np.empty_like(b)
    centred_intercept_into(W, b, mean, True, bo)
    return bo


@kernel(internal=True, inline=True)
def centred_intercept_into(W, b, mean, centre, out):
    """out = b - W·mean (:func:`centred_intercept`) if ``centre``, else a copy of b."""
    K, d = W.shape
    for k in range(K):
        acc = 0.0
        if centre:
            for j in range(d):
                acc += np.float64(W[k, j]) * np.float64(mean[j])
        out[k] = b[k] - acc


@kernel(internal=True, inline=True)
def _blocks_loss_grad(family, X, Y, y, sw, idx, start, stop, W, b, G, gb, Z, mean, center):
    loss = 0.0
    step = rows_per_block(W.shape[1], W.itemsize, Z.shape[0])
    st = residual_scratch(Z)
    for s0 in range(start, stop, step):
        s1 = min(s0 + step, stop)
        block_logits(X, idx, s0, s1, W, b, Z, mean, center)
        if family == SIGMOID:
            loss += sigmoid_residual_loss(Z, Y, sw, idx, s0, s1, st)
        else:
            loss += softmax_residual_loss(Z, y, sw, idx, s0, s1)
        block_grad(X, idx, s0, s1, Z, G, gb, mean, center)
    return loss


@kernel
def loss_grad(family, X, Y, y, sw, idx, start, stop, W, b, G, gb, Z, mean, center):
    """The fused pass over rows idx[start:stop], block by block
    (:func:`fused_pass`, compiled on its own: for Python and the full passes)."""
    return fused_pass(family, X, Y, y, sw, idx, start, stop, W, b, G, gb, Z, mean, center)


@kernel(internal=True, inline=True)
def fused_pass(family, X, Y, y, sw, idx, start, stop, W, b, G, gb, Z, mean, center):
    """The fused pass over rows idx[start:stop], block by block.

    The body of :func:`loss_grad` (a full pass, or one thread's chunk of a
    minibatch). The serial minibatch loop (:func:`.epoch.mbgd_epoch`) writes the
    same steps out itself: inlined there, this function's array arguments became
    new variables, reference-counted with atomics at every minibatch.

    ``family`` picks the residual (SIGMOID: targets Y (n, L); SOFTMAX: y (n,)).
    Both target arrays are passed so that one compiled caller serves both
    families (compiled functions passed as arguments defeat Numba's on-disk
    cache); the unused one may be empty.

    With ``center`` the rows are x - mean. Dense rows are centred inside the
    block loops; sparse rows cannot be (that would densify them), so for CSR
    the centring goes through the intercept, (x - m)·w + b = x·w + (b - m·w),
    and the gradient, Σ r (x - m) = Σ r x - (Σ r) m: the same model and
    gradient for either storage, at an O(K·d) cost per call.
    """
    folded = center and centre_folded(X)
    K, d = W.shape
    if folded:
        bk = centred_intercept(W, b, mean)
        g0 = gb.copy()
    else:
        bk = b
        g0 = gb[:0]
    # one call site with a run-time flag: a literal True/False here would compile the
    # whole pass twice (once per literal) for every caller
    loss = _blocks_loss_grad(family, X, Y, y, sw, idx, start, stop, W, bk, G, gb, Z, mean,
                             center and not folded)
    if folded:
        for k in range(K):
            rs = gb[k] - g0[k]
            for j in range(d):
                G[k, j] -= rs * mean[j]
    return loss


@kernel
def sigmoid_loss_grad(X, Y, sw, idx, start, stop, W, b, G, gb, Z, mean, center):
    """:func:`loss_grad` of the sigmoid family (binary / multilabel targets Y)."""
    return loss_grad(SIGMOID, X, Y, np.empty(0, np.intp), sw, idx, start, stop, W, b, G, gb,
                     Z, mean, center)


@kernel
def softmax_loss_grad(X, y, sw, idx, start, stop, W, b, G, gb, Z, mean, center):
    """:func:`loss_grad` of the softmax family (class indices y)."""
    return loss_grad(SOFTMAX, X, np.empty((0, 0), W.dtype), y, sw, idx, start, stop, W, b, G,
                     gb, Z, mean, center)
