"""One whole epoch of mini-batch gradient descent, in compiled code.

A Python loop per minibatch costs more than the math at batch size 32, so the
minibatch loop, the fused loss/gradient pass and the proximal update all run
here. ``family`` selects the fused pass (:data:`.losses.SIGMOID` with targets
``Y``, :data:`.losses.SOFTMAX` with ``y``). The caller supplies the row order ``idx`` (its shuffle), preallocated buffers and
the step size of this epoch.

Returns ``(objective_sum, n_batches, finite)``: the sum over minibatches of
their objective (weighted mean loss + penalty, at the weights the minibatch
saw) and whether every minibatch loss was finite. On the first non-finite
loss the epoch stops at once, before that minibatch's update.
"""
from __future__ import annotations

import numpy as np

from .._config import kernel
from .losses import loss_grad
from .update import effective_weights, proximal_step


@kernel
def mbgd_epoch(family, X, Y, y, sw, idx, batch_size, W, b, G, gb, Z, We, be,
               eta, l1, l2, fit_intercept, standardize, mean, inv_scale):
    """MBGD epoch over rows ``idx`` in minibatches of ``batch_size``."""
    n = idx.shape[0]
    total = 0.0
    nb = 0
    for s0 in range(0, n, batch_size):
        s1 = min(s0 + batch_size, n)
        if standardize:
            effective_weights(W, b, mean, inv_scale, We, be)
            loss = loss_grad(family, X, Y, y, sw, idx, s0, s1, We, be, G, gb, Z)
        else:
            loss = loss_grad(family, X, Y, y, sw, idx, s0, s1, W, b, G, gb, Z)
        if not np.isfinite(loss):
            return total, nb, False
        inv_m = 1.0 / (s1 - s0)
        pen = proximal_step(W, b, G, gb, inv_m, eta, l1, l2, fit_intercept,
                            standardize, mean, inv_scale)
        total += loss * inv_m + pen
        nb += 1
    return total, nb, True
