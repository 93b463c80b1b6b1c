"""The training problem a solver sees: data, targets, weights and penalty.

Estimators build a :class:`Problem`; solvers only read it. Targets ``T`` are
either an (n, L) float indicator matrix (sigmoid family) or an (n,) int class
index vector (softmax family); ``kernel_args`` gives the family code and both
target slots the compiled kernels take.

Solvers train weights W on preconditioned features x̃ = (x - mean) · inv_scale
(``precondition``), so that convergence never depends on the features' units;
the model the user asked for is in the penalty: feature j is penalised by
l1 · pen_j |W_j| + l2/2 · pen_j² W_j². A penalty on the original coefficients
(coef_j = W_j · inv_scale_j) has pen = inv_scale; a penalty on standardized
coefficients (``standardize=True``, coef_j · std_j) has pen = std · inv_scale
(docs/math.md §7).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
import numpy as np

from .._layout import ROWS, SIGMOID, SOFTMAX
from .._readonly import kernel_view


#: weight arrays of at least this many entries move between units in a compiled loop
#: (any size once the kernels are loaded); smaller ones in NumPy
COMPILED_WEIGHTS = 1 << 16


def _compiled(W) -> bool:
    from .._config import kernels_loaded

    return W.ndim == 2 and (W.size >= COMPILED_WEIGHTS or kernels_loaded())


@dataclass
class Problem:
    family: str                 # "sigmoid" or "softmax"
    X: object                   # (n, d): C-contiguous ndarray, canonical CSR, or a dask
                                #   array of those row chunks; float32/64
    T: np.ndarray               # targets, see module docstring
    sw: np.ndarray              # (n,) sample weights scaled to mean 1 (dtype of X)
    n_outputs: int              # L labels or K classes: rows of W
    l1: float                   # alpha * l1_ratio
    l2: float                   # alpha * (1 - l1_ratio)
    fit_intercept: bool
    precondition: bool          # train on (x - mean) · inv_scale (never copied)
    mean: np.ndarray            # (d,) column means (zeros: no centring)
    inv_scale: np.ndarray       # (d,) column scales (ones: no scaling)
    pen: np.ndarray             # (d,) per-feature penalty factor, see below
    fold_mean: bool = False     # dense rows may be centred through the intercept
                                #   (every |mean_j| <= std_j; scaling.Scaling.fold)

    @property
    def kernel_X(self):
        """X as the kernels take it: the array, or (data, indices, indptr) for CSR.

        Read-only arrays come as writable-typed views of the same memory
        (:func:`fastlr._readonly.kernel_view`): the kernels only read X, and
        read-only and writable X then share one compiled specialization."""
        if isinstance(self.X, np.ndarray):
            return kernel_view(self.X)
        return tuple(kernel_view(a) for a in (self.X.data, self.X.indices, self.X.indptr))

    @property
    def kernel_args(self):
        """(family code, Y, y) for the kernels; the unused target slot is empty."""
        if self.family == "sigmoid":
            return SIGMOID, self.T, np.zeros(0, np.intp)
        return SOFTMAX, np.zeros((0, 0), self.dtype), self.T

    @cached_property
    def centred(self) -> bool:
        """True when some column mean is not zero (rows are centred in training).
        Computed once: the solvers and the unit changes all ask (a pass over d)."""
        return bool(np.any(np.asarray(self.mean)))

    @cached_property
    def l2_weights(self):
        """l2 · pen², float64: the smooth penalty's per-feature strength."""
        return self.l2 * np.asarray(self.pen, np.float64) ** 2

    @property
    def dtype(self):
        return self.X.dtype

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    def buffers(self):
        """Preallocated work arrays: G, gb, Z, We."""
        K, d, dt = self.n_outputs, self.n_features, self.dtype
        return (np.zeros((K, d), dt), np.zeros(K, dt), np.zeros((ROWS, K), dt),
                np.zeros((K, d), dt))

    def to_original_units(self, W, b):
        """coef_ and intercept_ for raw X from weights on preconditioned X."""
        if not self.precondition:
            return W.copy(), b.copy()
        if not self.centred:
            # uncentred rows (lazy sparse epochs): nothing to move into the intercept, and
            # W · inv_scale in their dtype is the float64 product rounded once, as below
            if _compiled(W):
                from .._kernels.update import columns_scaled

                coef = np.empty(W.shape, self.dtype)
                columns_scaled(W, self.inv_scale, False, coef)
                return coef, b.astype(self.dtype, copy=True)
            return ((W * self.inv_scale).astype(self.dtype, copy=False),
                    b.astype(self.dtype, copy=True))
        coef = np.multiply(W, self.inv_scale, dtype=np.float64)
        intercept = b - coef @ self.mean.astype(np.float64)
        return coef.astype(self.dtype), intercept.astype(self.dtype)

    def original_gradient(self, G, gb):
        """The gradient with respect to (coef_, intercept_) from the one with respect
        to the trained (W, b): stopping rules are stated in the user's units."""
        if not self.precondition:
            return G, gb
        inv = np.asarray(self.inv_scale, np.float64)
        return G / inv + np.outer(gb, np.asarray(self.mean, np.float64)), gb

    def original_l1(self):
        """Per-feature l1 strength on coef_ (the trained l1 · pen, moved to coef_ units)."""
        pen = np.asarray(self.pen, np.float64)
        return self.l1 * (pen / np.asarray(self.inv_scale, np.float64)
                          if self.precondition else pen)

    def to_trained_units(self, coef, intercept):
        """Inverse of :meth:`to_original_units` (for warm starts, partial_fit)."""
        if not self.precondition:
            return coef.astype(self.dtype, copy=True), intercept.astype(self.dtype, copy=True)
        if _compiled(coef) and not self.centred:  # uncentred: b moves by 0
            from .._kernels.update import columns_scaled

            W = np.empty(coef.shape, self.dtype)
            columns_scaled(coef, self.inv_scale, True, W)
            return W, np.asarray(intercept + 0.0, dtype=self.dtype)
        W = coef / self.inv_scale  # inv_scale > 0 and finite: constant features get 1
        b = intercept + coef @ self.mean
        return np.ascontiguousarray(W, dtype=self.dtype), np.asarray(b, dtype=self.dtype)
