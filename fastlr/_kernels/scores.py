"""Accuracy of the rows an index picks, read in place (early stopping's score).

The validation rows of a training set are scored where they are, through the
row index, instead of being copied out: one pass over them with the same
data-access layer (dense or CSR, centred as in training) as the loss kernels.
"""
from __future__ import annotations

from .._config import kernel
from .dense import BLOCK
from .losses import SIGMOID, centred_intercept
from .rows import block_logits, centre_folded


@kernel
def weighted_accuracy(family, X, Y, y, sw, idx, W, b, Z, mean, center, cut):
    """(Σ s_i [row i right], Σ s_i) over rows ``idx``.

    Softmax family: right when argmax_k z_ik is y_i. Sigmoid family: right
    when every label's decision (z >= ``cut``, the logit of the threshold)
    matches Y (subset accuracy for multilabel targets).
    """
    fold = center and centre_folded(X)
    bo = centred_intercept(W, b, mean) if fold else b
    centre_rows = center and not fold
    n = idx.shape[0]
    K = W.shape[0]
    hit = 0.0
    tot = 0.0
    for s0 in range(0, n, BLOCK):
        s1 = min(s0 + BLOCK, n)
        block_logits(X, idx, s0, s1, W, bo, Z, mean, centre_rows)
        for r in range(s1 - s0):
            i = idx[s0 + r]
            w = sw[i]
            tot += w
            if family == SIGMOID:
                ok = True
                for k in range(K):
                    if (Z[r, k] >= cut) != (Y[i, k] > 0.5):
                        ok = False
            else:
                best = 0
                for k in range(1, K):
                    if Z[r, k] > Z[r, best]:
                        best = k
                ok = best == y[i]
            if ok:
                hit += w
    return hit, tot
