"""The full objective L(W, b) = Σ s_i ℓ_i / Σ s_i + penalty, and its gradient.

Exact solvers see a flat float64 vector; this adapter maps it to (W, b) in
the data's dtype, runs the threaded fused kernel (one pass over X per call)
and maps the gradient back; with ``precondition`` rows are centred inside the
kernel and the scale folded into the weights (:mod:`fastlr._kernels.update`),
so X is never copied.

Small in-memory problems (rows x features x outputs at most :data:`SMALL_WORK`)
skip the kernels while this process has not loaded them: the same sums come
from NumPy and BLAS on a float64 copy of the centred rows, so a process that
only fits small models never imports Numba (its import and set-up cost ~0.8 s,
a cold compile of the fused pass seconds; see docs/user-guide.md,
"Start-up"). Once the kernels are loaded, small problems take them too: they
are 2-4x faster per pass at that size. Both give the same sums to rounding.
"""
from __future__ import annotations

import sys

import numpy as np
from scipy.special import expit

from .._config import kernels_loaded, n_threads
from .._layout import ROWS
from .problem import Problem

#: in-memory problems with rows x features x outputs at most this train through NumPy
#: (breast cancer, 569 x 30 x 1, does; digits, 1797 x 64 x 10, where the compiled
#: softmax pass is ~1.4x faster than NumPy's, does not)
SMALL_WORK = 1 << 17


def _load_kernels():
    """Import Numba and the kernels into this module (on the first objective that
    runs them: a fit whose passes run in NumPy never imports Numba)."""
    global numba, loss_grad, scaled_weights, csr_t_full_loss_grad, full_loss_grad
    global flat_gradient, scaled_weights_by_feature
    import numba

    from .._kernels import loss_grad, scaled_weights
    from .._kernels.csr_full import csr_t_full_loss_grad
    from .._kernels.full import full_loss_grad
    from .._kernels.gradient import flat_gradient, scaled_weights_by_feature


class FullBatchObjective:
    """Smooth part (data term + l2/2 |W|²) with gradient; l1 is the solver's."""

    def __init__(self, problem: Problem, n_chunks: int | None = None):
        p = self.p = problem
        K, d, dt = p.n_outputs, p.n_features, p.dtype
        self.total_weight = float(p.sw.sum(dtype=np.float64))
        self.small = n_chunks is None and is_small(p)
        if self.small:
            self._numpy_setup()
            return
        _load_kernels()
        # a few chunks per thread, handed out dynamically: measured ~5-10% faster than
        # one chunk per thread on this shared machine; results depend only on C
        C = n_chunks or max(1, min(4 * n_threads(), p.n_samples // 1024 or 1))
        # CSR: weights and gradient by feature, (d, K), so a stored value reads and
        # adds one contiguous K-vector (20 classes, 2^18 words: 3.5 -> 0.5 s a pass)
        self.by_feature = hasattr(p.X, "indptr")
        if self.by_feature and n_chunks is None:
            C = min(C, sparse_chunks(p.X.nnz, d, n_threads()))
        self.Gs = np.zeros((C, d, K) if self.by_feature else (C, K, d), dt)
        self.gbs = np.zeros((C, K), dt)
        self.Zs = np.zeros((C, ROWS, K), dt)
        self.We = np.zeros((K, d), dt)
        self.Wt = np.zeros((d, K), dt) if self.by_feature else None
        self.centred = p.centred
        self.idx = np.arange(p.n_samples, dtype=np.intp)
        self.fam, self.Y, self.y = p.kernel_args
        self.X = p.kernel_X

    def _numpy_setup(self):
        p = self.p
        X = p.X.toarray() if hasattr(p.X, "toarray") else p.X
        Xc = np.array(X, dtype=np.float64)
        if p.precondition:
            Xc -= np.asarray(p.mean, np.float64)
        self.Xc = Xc
        self.sw64 = np.asarray(p.sw, np.float64)
        if p.family == "sigmoid":
            self.T64 = np.asarray(p.T, np.float64)
        else:
            self.rows = np.arange(p.n_samples)

    def _numpy_pass(self, We, b):
        """(Σ s_i ℓ_i, Σ s_i r_i (x_i - mean), Σ s_i r_i) as the fused kernel computes
        them, in float64 NumPy (the residual formulas of :mod:`fastlr._kernels.losses`)."""
        Z = self.Xc @ We.T
        Z += b
        s = self.sw64
        if self.p.family == "sigmoid":
            Y = self.T64
            loss = float(np.sum(s[:, None] * (np.logaddexp(0.0, Z) - Y * Z)))
            R = expit(Z)
            R -= Y
        else:
            y, rows = self.p.T, self.rows
            m = Z.max(axis=1, keepdims=True)
            E = np.exp(Z - m)
            tot = E.sum(axis=1)
            loss = float(np.sum(s * (np.log(tot) + m[:, 0] - Z[rows, y])))
            R = E / tot[:, None]
            R[rows, y] -= 1.0
        R *= s[:, None]
        return loss, R.T @ self.Xc, R.sum(axis=0)

    def smooth(self, W, b):
        """(value, grad_W, grad_b) of the data term + smooth penalty, float64 outputs."""
        p = self.p
        if self.small:
            W = np.asarray(W, dtype=np.float64)
            b = np.asarray(b, dtype=np.float64)
            We = W * np.asarray(p.inv_scale, np.float64) if p.precondition else W
            with np.errstate(all="ignore"):  # non-finite values are the solver's to report
                loss, G, gb = self._numpy_pass(We, b)
            return smooth_objective(p, W, loss, G, gb, self.total_weight)
        W = np.ascontiguousarray(W, dtype=p.dtype)
        b = np.ascontiguousarray(b, dtype=p.dtype)
        loss, centre = self._pass(W, b)
        G, gb = (self.Gs[0].T if self.by_feature else self.Gs[0]), self.gbs[0]
        if centre:
            G = G.astype(np.float64) - np.outer(gb, np.asarray(p.mean, np.float64))
        return smooth_objective(p, W, loss, G, gb, self.total_weight)

    def flat(self, x):
        """(value, flat float64 gradient, max |gradient| in coef_/intercept_ units) at
        the flat float64 point x = (W.ravel(), b): what L-BFGS needs, with the
        gradient finished in one compiled loop (:mod:`fastlr._kernels.gradient`)."""
        p = self.p
        K, d = p.n_outputs, p.n_features
        W64 = x[:K * d].reshape(K, d)
        if self.small:
            return flat_from_smooth(p, self.smooth(W64, x[K * d:]))
        # the by-feature pass reads the float64 weights itself (no converted copy)
        W = W64 if self.by_feature else np.ascontiguousarray(W64, dtype=p.dtype)
        b = np.ascontiguousarray(x[K * d:], dtype=p.dtype)
        loss, centre = self._pass(W, b)
        out = self._free_gradient(K * d + K)
        pen, gmax = flat_gradient(self.Gs[0], self.by_feature, self.gbs[0], p.inv_scale,
                                  bool(p.precondition), p.mean, centre, W64, p.l2_weights,
                                  1.0 / self.total_weight, bool(p.fit_intercept), out)
        return loss / self.total_weight + pen, out, gmax

    def _free_gradient(self, size):
        """An array for a flat gradient: one of those this objective handed out before
        that nobody holds any more (its only references: the pool, this loop, the
        call), or a new one. L-BFGS keeps two or three alive at once; a new array
        of K·d values per evaluation cost its first touch, a page fault every 4 KB
        (20 x 2^18: ~45 ms an evaluation, as long as the arithmetic)."""
        pool = self.__dict__.setdefault("_gradients", [])
        for out in pool:
            if sys.getrefcount(out) <= 3:
                return out
        out = np.empty(size)
        pool.append(out)
        return out

    def _pass(self, W, b):
        """One pass over X at (W, b) (the data's dtype) into Gs[0], gbs[0]: Σ s_i r_i x_i
        and Σ s_i r_i. Returns (Σ s_i ℓ_i, centre); ``centre`` means rows centred
        through the intercept, (x - m)·w + b = x·w + (b - m·w), whose gradient still
        lacks the rank-one term -(Σ r) m, as :func:`fastlr._kernels.loss_grad` adds it
        (CSR rows by feature; dense rows when ``Problem.fold_mean``)."""
        p = self.p
        centre = bool(p.precondition and self.by_feature and self.centred)
        # chunks handed out one at a time: a core slowed by a neighbour takes fewer
        old = numba.set_parallel_chunksize(1)
        try:
            if self.by_feature:
                bo = np.empty_like(b)
                scaled_weights_by_feature(W, p.inv_scale, bool(p.precondition), b, p.mean,
                                          centre, self.Wt, bo)
                data, indices, indptr = self.X
                loss = csr_t_full_loss_grad(self.fam, data, indices, indptr, self.Y, self.y,
                                            p.sw, self.idx, self.Wt, bo, self.Gs, self.gbs,
                                            self.Zs)
                return loss, centre
            Wk = W
            if p.precondition:
                scaled_weights(W, p.inv_scale, self.We)
                Wk = self.We
            # dense rows whose means are all within a standard deviation are centred
            # through the intercept too (scaling.Scaling.fold: no subtraction per value;
            # 2M x 100 float32 LogisticRegression() fit 0.69 -> 0.62 s side by side)
            fold = bool(p.precondition and p.fold_mean and isinstance(self.X, np.ndarray))
            bk = (b - Wk @ np.asarray(p.mean, np.float64)).astype(p.dtype) if fold else b
            center = bool(p.precondition) and not fold
            if self.Gs.shape[0] == 1:  # small data: no parallel region to launch
                self.Gs[0] = 0
                self.gbs[0] = 0
                loss = loss_grad(self.fam, self.X, self.Y, self.y, p.sw, self.idx, 0,
                                 p.n_samples, Wk, bk, self.Gs[0], self.gbs[0], self.Zs[0],
                                 p.mean, center)
            else:
                loss = full_loss_grad(self.fam, self.X, self.Y, self.y, p.sw, self.idx, Wk,
                                      bk, self.Gs, self.gbs, self.Zs, p.mean, center)
            return loss, fold
        finally:
            numba.set_parallel_chunksize(old)


def smooth_objective(p: Problem, W, loss, G, gb, total_weight):
    """(value, grad_W, grad_b), float64, from the data sums of one pass:
    the weighted mean loss plus the smooth penalty Σ_j l2/2 pen_j² W_j²."""
    G = G.astype(np.float64)
    gb = gb.astype(np.float64)
    if p.precondition:
        G = G * p.inv_scale
    W64 = W.astype(np.float64)
    l2w = p.l2_weights
    value = loss / total_weight + 0.5 * float(np.sum(l2w * W64 * W64))
    G = G / total_weight + l2w * W64
    gb = gb / total_weight if p.fit_intercept else np.zeros_like(gb)
    return value, G, gb


def sparse_chunks(nnz, d, threads):
    """Row chunks of the by-feature CSR pass. Each chunk zeroes and reduces a
    (d, K) buffer, as much work as a pass over d stored values, so: one chunk
    when the columns outnumber half the stored values (threads would lose),
    else between one per thread and 4 per thread, as many as nnz / (4 d) (20
    classes, 2^18 words, 2 threads: 1 chunk 0.23 s, 2-4 chunks 0.13 s, 8 0.17 s)."""
    if threads <= 1 or 2 * d > nnz:
        return 1
    return int(min(4 * threads, max(threads, nnz // (4 * d))))


def flat_from_smooth(p: Problem, smooth):
    """:meth:`FullBatchObjective.flat`'s triple from a ``smooth`` (value, G, gb)."""
    value, G, gb = smooth
    Gu, gbu = p.original_gradient(G, gb)
    gmax = float(np.abs(Gu).max(initial=0.0))
    if p.fit_intercept and gbu.size:
        gmax = max(gmax, float(np.abs(gbu).max()))
    return value, np.concatenate([G.ravel(), gb]), gmax


def is_small(problem: Problem) -> bool:
    """True for in-memory X with rows x features x outputs at most :data:`SMALL_WORK`
    (the NumPy pass)."""
    X = problem.X
    in_memory = isinstance(X, np.ndarray) or hasattr(X, "indptr")
    return (in_memory and X.shape[0] * X.shape[1] * problem.n_outputs <= SMALL_WORK
            and not kernels_loaded())


def full_batch_objective(problem: Problem):
    """The objective of ``problem``: threaded kernels in memory, chunked for dask arrays."""
    if isinstance(problem.X, (np.ndarray,)) or hasattr(problem.X, "indptr"):
        return FullBatchObjective(problem)
    from .dask_objective import DaskObjective

    return DaskObjective(problem)
