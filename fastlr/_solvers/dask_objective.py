"""The full objective over row chunks of a dask array, computed where the chunks live.

Each evaluation sends (W, b) to every chunk, runs the fused kernel on it (the
kernels release the GIL, so a threaded scheduler runs chunks in parallel; a
distributed one runs them on the workers holding the data) and sums the
(loss, gradient) pieces on the client. The exact solvers take it in place of
:class:`~fastlr._solvers.objective.FullBatchObjective`.
"""
from __future__ import annotations

import dask
import numpy as np
import scipy.sparse as sp

from .._kernels import SIGMOID, loss_grad, scaled_weights
from .._kernels.dense import ROWS
from .objective import smooth_objective
from .problem import Problem


def chunk_loss_grad(family, X, T, sw, W, b, mean, center):
    """(Σ s_i ℓ_i, Σ s_i r_i x_i, Σ s_i r_i) over one chunk of rows (NumPy in, NumPy out)."""
    K, d = W.shape
    n = X.shape[0]
    X = (X.data, X.indices, X.indptr) if sp.issparse(X) else np.ascontiguousarray(X)
    if family == SIGMOID:
        Y, y = np.ascontiguousarray(T), np.zeros(0, np.intp)
    else:
        Y, y = np.zeros((0, 0), W.dtype), np.ascontiguousarray(T, dtype=np.intp)
    G, gb, Z = np.zeros((K, d), W.dtype), np.zeros(K, W.dtype), np.zeros((ROWS, K), W.dtype)
    idx = np.arange(n, dtype=np.intp)
    loss = loss_grad(family, X, Y, y, np.ascontiguousarray(sw), idx, 0, n, W, b,
                     G, gb, Z, mean, center)
    return loss, G, gb


class DaskObjective:
    """Same interface as FullBatchObjective; ``problem.X``, ``.T``, ``.sw`` are dask arrays
    chunked along rows only (and persisted by the caller)."""

    def __init__(self, problem: Problem):
        p = self.p = problem
        self.fam = p.kernel_args[0]
        xs = p.X.to_delayed().ravel()
        ts = p.T.to_delayed().ravel()
        ws = p.sw.to_delayed().ravel()
        self.blocks = list(zip(xs, ts, ws))
        self.total_weight = float(p.sw.sum(dtype=np.float64).compute())
        self.We = np.zeros((p.n_outputs, p.n_features), p.dtype)

    def smooth(self, W, b):
        p = self.p
        W = np.ascontiguousarray(W, dtype=p.dtype)
        b = np.ascontiguousarray(b, dtype=p.dtype)
        Wk = W
        if p.precondition:
            scaled_weights(W, p.inv_scale, self.We)
            Wk = self.We.copy()
        task = dask.delayed(chunk_loss_grad, pure=True)
        parts = dask.compute(*[task(self.fam, xb, tb, wb, Wk, b, p.mean, p.precondition)
                               for xb, tb, wb in self.blocks])
        loss = sum(float(part[0]) for part in parts)
        G = np.sum([part[1].astype(np.float64) for part in parts], axis=0)
        gb = np.sum([part[2].astype(np.float64) for part in parts], axis=0)
        return smooth_objective(p, W, loss, G, gb, self.total_weight)
