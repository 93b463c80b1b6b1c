"""Full-batch fused loss and gradient, split over threads.

Rows are cut into ``Gs.shape[0]`` fixed chunks, each chunk runs the fused pass
of :mod:`.losses` into its own gradient buffer, and the buffers are reduced
in chunk order: for a fixed number of chunks the result repeats bit for bit,
whatever thread ran which chunk.
"""
from __future__ import annotations

import numpy as np

from .._config import kernel, prange
from .losses import loss_grad


@kernel(parallel=True)
def full_loss_grad(family, X, Y, y, sw, idx, W, b, Gs, gbs, Zs, mean, center):
    """Σ_i s_i ℓ_i over all rows; Σ s_i r_i x_i into Gs[0] and Σ s_i r_i into gbs[0].

    ``idx`` is ``arange(n)`` (or any row subset), ``Gs``/``gbs``/``Zs`` hold
    one buffer per chunk: (C, K, d), (C, K), (C, ROWS, K).
    """
    n = idx.shape[0]
    C = Gs.shape[0]
    losses = np.zeros(C)
    for c in prange(C):
        Gs[c, :, :] = 0
        gbs[c, :] = 0
        losses[c] = loss_grad(family, X, Y, y, sw, idx, (c * n) // C, ((c + 1) * n) // C,
                              W, b, Gs[c], gbs[c], Zs[c], mean, center)
    total = losses[0]
    K, d = W.shape
    for c in range(1, C):  # explicit loops: no extra parallel regions
        total += losses[c]
        for k in range(K):
            gbs[0, k] += gbs[c, k]
            for j in range(d):
                Gs[0, k, j] += Gs[c, k, j]
    return total
