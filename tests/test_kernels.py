"""Tests for the compiled kernels (fastlr._kernels).

Every kernel is checked against an independent implementation:

- the fused loss/gradient passes and the MBGD epoch against the NumPy
  reference (fastlr.reference), in float64 and float32;
- the gradients against central finite differences (hypothesis);
- the activations against scipy.special;
- the proximal operators against their closed form / optimality condition;
- the column statistics against np.average.

Conventions (docs/math.md and fastlr._kernels): weights are (outputs, features),
sigmoid targets an (n, L) 0/1 float matrix, softmax targets (n,) intp class
indices; kernels return Σ s_i ℓ_i and ADD Σ s_i r_i x_i to G, Σ s_i r_i to gb.

float32 kernels are compared with the float64 reference evaluated on the very
same (float32-rounded) data, so only the kernel's own rounding is measured.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.special as sps
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fastlr import _kernels as kern
from fastlr import reference as ref
from fastlr._kernels.dense import BLOCK, ROWS
from fastlr._kernels.full import full_loss_grad

# ----------------------------------------------------------------- settings
DTYPES = [np.float64, np.float32]
DTYPE_IDS = ["f64", "f32"]

#: kind -> (family, number of outputs: L labels or K classes)
KINDS = {"binary": ("sigmoid", 1), "multilabel": ("sigmoid", 3),
         "multinomial": ("softmax", 4)}

KERNEL_LOSS_GRAD = {"sigmoid": kern.sigmoid_loss_grad, "softmax": kern.softmax_loss_grad}

#: one fused pass: relative error (to the loss, to the gradient's scale)
PASS_RTOL = {np.float64: 1e-10, np.float32: 1e-5}
#: three epochs of up to ~40 sequential minibatch updates each: float32 rounding
#: of every step (~1e-6 relative) accumulates, hence a 10x larger budget.
EPOCH_RTOL = {np.float64: 1e-10, np.float32: 1e-4}
#: activations: float64 a few hundred ulps, float32 ~8 ulps (relative to the
#: largest |input| for the log-domain outputs, which are differences of inputs)
ACT_RTOL = {np.float64: 1e-13, np.float32: 1e-6}

#: penalty name -> (l1, l2) = (alpha * l1_ratio, alpha * (1 - l1_ratio))
PENALTIES = {"none": (0.0, 0.0), "l2": (0.0, 0.1), "l1": (0.03, 0.0),
             "elasticnet": (0.03, 0.05)}

EXTREME = 1e4


def seed_for(*parts) -> int:
    """A deterministic seed per parameter combination."""
    return zlib.crc32(repr(parts).encode())


# ----------------------------------------------------------------- data
@dataclass
class Case:
    """One problem: data, targets, sample weights and a current point (W, b)."""
    family: str
    X: np.ndarray
    T: np.ndarray
    sw: np.ndarray
    W: np.ndarray
    b: np.ndarray

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def dtype(self):
        return self.X.dtype.type

    def astype(self, dtype) -> "Case":
        """The same case with every float array cast (exactly, when widening)."""
        c = np.ascontiguousarray
        T = self.T if self.family == "softmax" else c(self.T, dtype=dtype)
        return Case(self.family, c(self.X, dtype=dtype), T, c(self.sw, dtype=dtype),
                    c(self.W, dtype=dtype), c(self.b, dtype=dtype))


def make_case(kind, dtype, n, d, seed, loc=None, scale=None) -> Case:
    """Random data with targets drawn from a planted model and random weights.

    ``loc``/``scale`` (per column) shift and stretch X (for standardize tests);
    the planted model sees the standardized columns. The sample weights are
    scaled to mean 1, as the estimators do (``Problem.sw``).
    """
    family, K = KINDS[kind]
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n, d))
    X = Xs if loc is None else loc + scale * Xs
    Zt = Xs @ rng.normal(size=(K, d)).T + rng.normal(size=K)
    if family == "sigmoid":
        T = (rng.random((n, K)) < ref.sigmoid(Zt)).astype(np.float64)
    else:
        cdf = ref.softmax(Zt).cumsum(axis=1)
        T = np.minimum((cdf < rng.random((n, 1))).sum(axis=1), K - 1).astype(np.intp)
    sw = rng.uniform(0.2, 2.0, size=n)
    sw[5::11] = 0.0  # zero weights are allowed (sample_weight >= 0)
    sw *= n / sw.sum()
    W = 0.5 * rng.normal(size=(K, d))
    b = 0.5 * rng.normal(size=K)
    return Case(family, X, T, sw, W, b).astype(dtype)


# ----------------------------------------------------------------- kernel calls
def kernel_loss_grad(case, W=None, b=None, idx=None, start=0, stop=None, G=None, gb=None):
    """Run the fused kernel; returns (loss, G, gb). The scratch Z starts as NaN."""
    W = case.W if W is None else W
    b = case.b if b is None else b
    idx = np.arange(case.n, dtype=np.intp) if idx is None else idx
    stop = len(idx) if stop is None else stop
    dt = case.dtype
    G = np.zeros(W.shape, dt) if G is None else G
    gb = np.zeros(W.shape[0], dt) if gb is None else gb
    Z = np.full((BLOCK, W.shape[0]), np.nan, dt)
    loss = KERNEL_LOSS_GRAD[case.family](case.X, case.T, case.sw, idx, start, stop,
                                         W, b, G, gb, Z, *no_centring(case))
    return loss, G, gb


@dataclass
class Buffers:
    G: np.ndarray
    gb: np.ndarray
    Z: np.ndarray
    We: np.ndarray

    @classmethod
    def for_case(cls, case):
        """Zeroed gradient accumulators (the kernel's contract); NaN scratch."""
        K, d = case.W.shape
        dt = case.dtype
        return cls(np.zeros((K, d), dt), np.zeros(K, dt), np.full((ROWS, K), np.nan, dt),
                   np.full((K, d), np.nan, dt))


def no_centring(case):
    """(mean, center) arguments of the fused kernels for raw rows."""
    return np.zeros(case.X.shape[1], case.dtype), False


def kernel_targets(case):
    """(family code, Y, y) as the family-dispatching kernels take them; the unused
    target slot is empty (as ``Problem.kernel_args``)."""
    if case.family == "sigmoid":
        return kern.SIGMOID, case.T, np.zeros(0, np.intp)
    return kern.SOFTMAX, np.zeros((0, 0), case.dtype), case.T


def pen_for(d, dtype=np.float64):
    """Per-feature penalty factors for the epoch tests: uneven, so that a kernel
    that applied one strength to every feature would not match the reference."""
    return np.linspace(0.5, 2.0, d).astype(dtype)


def kernel_epoch(case, idx, batch_size, W, b, bufs, eta, l1, l2, fit_intercept,
                 mean=None, inv_scale=None, fold=False):
    """One kernel epoch; precondition when ``mean`` is given (centred through the
    intercept with ``fold``); the penalty factors of :func:`pen_for`. Updates W, b
    in place."""
    d = case.X.shape[1]
    standardize = mean is not None
    if not standardize:
        mean, inv_scale = np.zeros(d, case.dtype), np.ones(d, case.dtype)
    family, Y, y = kernel_targets(case)
    return kern.mbgd_epoch(family, case.X, Y, y, case.sw, idx, batch_size, W, b,
                           bufs.G, bufs.gb, bufs.Z, bufs.We,
                           eta, l1, l2, fit_intercept, standardize, mean, inv_scale,
                           pen_for(d, case.dtype), fold)


# ----------------------------------------------------------------- assertions
def as64(a):
    return np.asarray(a, dtype=np.float64)


def assert_scaled_close(actual, desired, rtol, scale=None, what="value"):
    """max |actual - desired| <= rtol * scale (default scale: max |desired|)."""
    actual, desired = as64(actual), as64(desired)
    assert actual.shape == desired.shape, what
    assert np.all(np.isfinite(actual)), f"{what}: non-finite entries {actual}"
    if scale is None:
        scale = np.max(np.abs(desired), initial=0.0)
    err = np.max(np.abs(actual - desired), initial=0.0)
    assert err <= rtol * scale, (
        f"{what}: max abs error {err:.3g} > {rtol:g} * scale {scale:.3g}")


def assert_rel_close(actual, desired, rtol, what="value"):
    assert np.isfinite(actual), f"{what}: {actual}"
    assert abs(actual - desired) <= rtol * abs(desired), (
        f"{what}: {actual!r} vs {desired!r} (rel. error "
        f"{abs(actual - desired) / abs(desired):.3g} > {rtol:g})")


dtype_params = pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
kind_params = pytest.mark.parametrize("kind", list(KINDS))


# =============================================================================
# 1. fused loss and gradient == reference
# =============================================================================
@pytest.mark.parametrize("rows", ["all", "permuted_subrange"])
@pytest.mark.parametrize("n", [1, 5, 103])
@kind_params
@dtype_params
def test_fused_loss_grad_matches_reference(dtype, kind, n, rows):
    case = make_case(kind, dtype, n=n, d=6, seed=seed_for("pass", kind, n, rows))
    rng = np.random.default_rng(seed_for("rows", n, rows))
    if rows == "all":
        idx, start, stop = np.arange(n, dtype=np.intp), 0, n
    else:  # a sub-range of a permutation, not a multiple of BLOCK
        idx, start, stop = rng.permutation(n).astype(np.intp), n // 5, n - n // 7
    # the kernel ADDS to G and gb: start them from non-zero values
    G0 = rng.normal(size=case.W.shape).astype(dtype)
    gb0 = rng.normal(size=case.b.shape).astype(dtype)
    loss, G, gb = kernel_loss_grad(case, idx=idx, start=start, stop=stop,
                                   G=G0.copy(), gb=gb0.copy())

    c64 = case.astype(np.float64)
    sel = idx[start:stop]
    loss_ref, G_ref, gb_ref = ref.LOSS_GRAD[case.family](
        c64.X[sel], c64.T[sel], c64.sw[sel], c64.W, c64.b)

    rtol = PASS_RTOL[dtype]
    assert isinstance(loss, float)
    assert G.dtype == dtype and gb.dtype == dtype
    assert_rel_close(loss, loss_ref, rtol, "loss")
    scale = max(np.abs(G_ref).max(), np.abs(gb_ref).max())
    assert_scaled_close(as64(G) - as64(G0), G_ref, rtol, scale, "G")
    assert_scaled_close(as64(gb) - as64(gb0), gb_ref, rtol, scale, "gb")


@kind_params
@dtype_params
def test_family_dispatcher_equals_the_family_kernel(dtype, kind):
    """kern.loss_grad(family code, X, Y, y, ...) is the family's own pass. The family
    wrapper is compiled apart (LLVM may inline and reassociate the pass differently
    under fastmath), so equal to rounding, not to the bit."""
    case = make_case(kind, dtype, n=23, d=5, seed=seed_for("dispatch", kind))
    idx = np.random.default_rng(3).permutation(case.n).astype(np.intp)
    loss, G, gb = kernel_loss_grad(case, idx=idx, start=2, stop=21)
    family, Y, y = kernel_targets(case)
    G2, gb2 = np.zeros_like(G), np.zeros_like(gb)
    Z = np.full((BLOCK, case.W.shape[0]), np.nan, dtype)  # as kernel_loss_grad: same blocks
    loss2 = kern.loss_grad(family, case.X, Y, y, case.sw, idx, 2, 21, case.W, case.b,
                           G2, gb2, Z, *no_centring(case))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert loss2 == pytest.approx(loss, rel=rtol)
    np.testing.assert_allclose(G2, G, rtol=rtol, atol=rtol * np.abs(G).max())
    np.testing.assert_allclose(gb2, gb, rtol=rtol, atol=rtol * np.abs(gb).max())


def run_full_loss_grad(case, idx, chunks):
    K, d = case.W.shape
    dt = case.dtype
    Gs = np.full((chunks, K, d), np.nan, dt)   # the kernel zeroes its chunk buffers
    gbs = np.full((chunks, K), np.nan, dt)
    Zs = np.full((chunks, ROWS, K), np.nan, dt)
    family, Y, y = kernel_targets(case)
    loss = full_loss_grad(family, case.X, Y, y, case.sw, idx, case.W, case.b, Gs, gbs, Zs,
                          *no_centring(case))
    return loss, Gs[0].copy(), gbs[0].copy()


@pytest.mark.parametrize("chunks", [1, 3, 8])
@kind_params
@dtype_params
def test_full_loss_grad_matches_reference_and_repeats(dtype, kind, chunks):
    """Threaded full-batch pass: == reference, and bit for bit the same whatever
    the number of threads (fixed chunks, reduced in chunk order)."""
    import numba

    case = make_case(kind, dtype, n=6 if chunks == 8 else 211, d=7,
                     seed=seed_for("full", kind, chunks))
    idx = np.arange(case.n, dtype=np.intp)
    loss, G, gb = run_full_loss_grad(case, idx, chunks)
    c64 = case.astype(np.float64)
    loss_ref, G_ref, gb_ref = ref.LOSS_GRAD[case.family](c64.X, c64.T, c64.sw, c64.W, c64.b)
    rtol = PASS_RTOL[dtype]
    assert_rel_close(loss, loss_ref, rtol, "loss")
    scale = max(np.abs(G_ref).max(), np.abs(gb_ref).max())
    assert_scaled_close(G, G_ref, rtol, scale, "G")
    assert_scaled_close(gb, gb_ref, rtol, scale, "gb")

    old = numba.get_num_threads()
    try:
        for n_threads in {1, min(2, numba.config.NUMBA_NUM_THREADS), old}:
            numba.set_num_threads(n_threads)
            loss2, G2, gb2 = run_full_loss_grad(case, idx, chunks)
            assert loss2 == loss
            np.testing.assert_array_equal(G2, G)
            np.testing.assert_array_equal(gb2, gb)
    finally:
        numba.set_num_threads(old)


@dtype_params
def test_softmax_with_two_classes_equals_sigmoid_on_the_difference(dtype):
    """docs/math.md §1: K = 2 softmax is sigmoid regression on z_1 - z_0."""
    soft = make_case("multinomial", dtype, n=50, d=4, seed=seed_for("k2"))
    soft = Case("softmax", soft.X, np.minimum(soft.T, 1), soft.sw, soft.W[:2].copy(),
                soft.b[:2].copy())
    sig = Case("sigmoid", soft.X, soft.T[:, None].astype(dtype), soft.sw,
               soft.W[1:2] - soft.W[0:1], soft.b[1:2] - soft.b[0:1])
    l_soft, G_soft, gb_soft = kernel_loss_grad(soft)
    l_sig, G_sig, gb_sig = kernel_loss_grad(sig)
    rtol = PASS_RTOL[dtype]
    assert_rel_close(l_soft, l_sig, rtol, "loss")
    scale = max(np.abs(as64(G_sig)).max(), np.abs(as64(gb_sig)).max())
    # the gradient of class 1 is the sigmoid gradient, class 0's its negative
    assert_scaled_close(G_soft[1], G_sig[0], rtol, scale, "G class 1")
    assert_scaled_close(G_soft[0], -as64(G_sig[0]), rtol, scale, "G class 0")
    assert_scaled_close(gb_soft, [-gb_sig[0], gb_sig[0]], rtol, scale, "gb")


@kind_params
@dtype_params
def test_fused_loss_grad_empty_range_is_a_no_op(dtype, kind):
    case = make_case(kind, dtype, n=9, d=3, seed=seed_for("empty", kind))
    G0 = np.full(case.W.shape, 0.25, dtype)
    gb0 = np.full(case.b.shape, -0.5, dtype)
    loss, G, gb = kernel_loss_grad(case, start=4, stop=4, G=G0.copy(), gb=gb0.copy())
    assert loss == 0.0
    np.testing.assert_array_equal(G, G0)
    np.testing.assert_array_equal(gb, gb0)


@kind_params
def test_fused_loss_grad_float32_and_float64_agree(kind):
    """float32 data evaluated by both kernels: agreement within float32 rounding."""
    c32 = make_case(kind, np.float32, n=64, d=5, seed=seed_for("agree", kind))
    c64 = c32.astype(np.float64)
    l32, G32, gb32 = kernel_loss_grad(c32)
    l64, G64, gb64 = kernel_loss_grad(c64)
    assert_rel_close(l32, l64, PASS_RTOL[np.float32], "loss")
    scale = max(np.abs(G64).max(), np.abs(gb64).max())
    assert_scaled_close(G32, G64, PASS_RTOL[np.float32], scale, "G")
    assert_scaled_close(gb32, gb64, PASS_RTOL[np.float32], scale, "gb")


# =============================================================================
# 2. MBGD epochs == reference.mbgd_epoch
# =============================================================================
N_EPOCH_ROWS = 37  # not a multiple of BLOCK, 7 or 32: partial minibatches
N_EPOCHS = 3


def eta_of(epoch):
    return 0.2 / (1.0 + epoch)  # a decaying schedule, like the solver's


@pytest.mark.parametrize("standardize", [False, True], ids=["raw", "standardized"])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@pytest.mark.parametrize("batch_size", [1, 7, 32, N_EPOCH_ROWS])
@pytest.mark.parametrize("penalty", list(PENALTIES))
@kind_params
@dtype_params
def test_mbgd_epochs_match_reference(dtype, kind, penalty, batch_size, fit_intercept,
                                     standardize):
    n, d = N_EPOCH_ROWS, 5
    seed = seed_for("epoch", kind, penalty, batch_size, fit_intercept, standardize)
    rng = np.random.default_rng(seed)
    if standardize:
        loc, scale = rng.uniform(-3, 3, size=d), rng.uniform(0.5, 3.0, size=d)
        case = make_case(kind, dtype, n, d, seed, loc=loc, scale=scale)
        mean = case.X.mean(axis=0, dtype=np.float64).astype(dtype)
        inv_scale = (1.0 / case.X.std(axis=0, dtype=np.float64)).astype(dtype)
        mean64, inv64 = as64(mean), as64(inv_scale)
    else:
        case = make_case(kind, dtype, n, d, seed)
        mean = inv_scale = mean64 = inv64 = None
    l1, l2 = PENALTIES[penalty]
    c64 = case.astype(np.float64)

    W, b = case.W.copy(), case.b.copy()
    W_ref, b_ref = c64.W.copy(), c64.b.copy()
    bufs = Buffers.for_case(case)
    rtol = EPOCH_RTOL[dtype]
    for epoch in range(N_EPOCHS):
        idx = rng.permutation(n).astype(np.intp)
        eta = eta_of(epoch)
        total, nb, finite = kernel_epoch(case, idx, batch_size, W, b, bufs, eta, l1, l2,
                                         fit_intercept, mean, inv_scale)
        total_ref, nb_ref = ref.mbgd_epoch(c64.family, c64.X, c64.T, c64.sw, idx,
                                           batch_size, W_ref, b_ref, eta, l1, l2,
                                           fit_intercept, mean64, inv64,
                                           pen=pen_for(c64.X.shape[1]))
        assert finite
        assert nb == nb_ref == math.ceil(n / batch_size)
        assert_rel_close(total, total_ref, rtol, f"objective sum, epoch {epoch}")
        scale = max(np.abs(W_ref).max(), np.abs(b_ref).max())
        assert_scaled_close(W, W_ref, rtol, scale, f"W after epoch {epoch}")
        assert_scaled_close(b, b_ref, rtol, scale, f"b after epoch {epoch}")
        # the gradient accumulators are left zeroed for the next epoch
        assert not bufs.G.any() and not bufs.gb.any()
    assert W.dtype == dtype and b.dtype == dtype
    if not fit_intercept:
        np.testing.assert_array_equal(b, case.b)
    if l1 > 0 and dtype == np.float64:  # proximal step: the same exact zeros
        np.testing.assert_array_equal(W == 0, W_ref == 0)


@pytest.mark.parametrize("penalty", ["l2", "l1"])
@pytest.mark.parametrize("batch_size", [7, 32])
@kind_params
@dtype_params
def test_mbgd_epochs_centred_through_the_intercept_match_reference(dtype, kind, penalty,
                                                                   batch_size):
    """``fold``: dense rows centred through the intercept and the gradient (the
    caller's choice when every |mean| is within a standard deviation), the same
    epochs as the reference's centred rows."""
    n, d = N_EPOCH_ROWS, 5
    seed = seed_for("fold", kind, penalty, batch_size)
    rng = np.random.default_rng(seed)
    loc, scale = rng.uniform(-0.8, 0.8, size=d), rng.uniform(1.0, 3.0, size=d)
    case = make_case(kind, dtype, n, d, seed, loc=loc, scale=scale)
    mean = case.X.mean(axis=0, dtype=np.float64).astype(dtype)
    inv_scale = (1.0 / case.X.std(axis=0, dtype=np.float64)).astype(dtype)
    l1, l2 = PENALTIES[penalty]
    c64 = case.astype(np.float64)
    rtol = EPOCH_RTOL[dtype]
    W, b = case.W.copy(), case.b.copy()
    W_ref, b_ref = c64.W.copy(), c64.b.copy()
    bufs = Buffers.for_case(case)
    for epoch in range(N_EPOCHS):
        idx = rng.permutation(n).astype(np.intp)
        eta = eta_of(epoch)
        total, nb, finite = kernel_epoch(case, idx, batch_size, W, b, bufs, eta, l1, l2,
                                         True, mean, inv_scale, fold=True)
        total_ref, _ = ref.mbgd_epoch(c64.family, c64.X, c64.T, c64.sw, idx, batch_size,
                                      W_ref, b_ref, eta, l1, l2, True, as64(mean),
                                      as64(inv_scale), pen=pen_for(d))
        assert finite
        assert_rel_close(total, total_ref, rtol, f"objective sum, epoch {epoch}")
        scale_ = max(np.abs(W_ref).max(), np.abs(b_ref).max())
        assert_scaled_close(W, W_ref, rtol, scale_, f"W after epoch {epoch}")
        assert_scaled_close(b, b_ref, rtol, scale_, f"b after epoch {epoch}")
        assert not bufs.G.any() and not bufs.gb.any()


#: |mean| / std of the features in the large-offset test: a calendar year
#: (mean ~2000, std ~10) in float32; a nanosecond timestamp span in float64
OFFSET_RATIO = {np.float64: 1e6, np.float32: 200.0}


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
@dtype_params
def test_standardized_step_precision_with_large_feature_offsets(dtype, kind):
    """standardize=True trains on (X - mean)·inv_scale: one full-batch step must
    match the reference on those values to the one-pass tolerance whatever the
    features' offset (the column statistics keep offsets precise too).
    """
    n, d = 256, 5
    std = np.array([10.0, 1.0, 0.5, 3.0, 20.0])
    loc = OFFSET_RATIO[dtype] * std * np.array([1, -1, 1, 1, -1])
    case = make_case(kind, dtype, n, d, seed=seed_for("offset", kind), loc=loc, scale=std)
    mean, var = mean_var(case.X, case.sw)
    mean, inv_scale = mean.astype(dtype), (1.0 / np.sqrt(var)).astype(dtype)
    c64 = case.astype(np.float64)
    idx = np.arange(n, dtype=np.intp)

    W, b = case.W.copy(), case.b.copy()
    total, nb, finite = kernel_epoch(case, idx, n, W, b, Buffers.for_case(case), 1.0,
                                     0.0, 0.0, True, mean, inv_scale)
    W_ref, b_ref = c64.W.copy(), c64.b.copy()
    total_ref, _ = ref.mbgd_epoch(case.family, c64.X, c64.T, c64.sw, idx, n, W_ref, b_ref,
                                  1.0, 0.0, 0.0, True, as64(mean), as64(inv_scale),
                                  pen=pen_for(c64.X.shape[1]))
    assert finite and nb == 1
    rtol = PASS_RTOL[dtype]
    assert_rel_close(total, total_ref, rtol, "loss")
    # the step itself: W_new - W_old = -(standardized gradient)
    step_ref = np.concatenate([(W_ref - c64.W).ravel(), b_ref - c64.b])
    step = np.concatenate([(as64(W) - c64.W).ravel(), as64(b) - c64.b])
    assert_scaled_close(step, step_ref, rtol, what="standardized gradient step")


# =============================================================================
# 3. divergence: stop with finite=False, before the non-finite minibatch's update
# =============================================================================
def reference_first_nonfinite_batch(case64, idx, batch_size, eta, l1, l2, fit_intercept):
    """Replay the reference one minibatch at a time; index of the first non-finite loss."""
    W, b = case64.W.copy(), case64.b.copy()
    lg = ref.LOSS_GRAD[case64.family]
    with np.errstate(all="ignore"):
        for k, s0 in enumerate(range(0, len(idx), batch_size)):
            rows = idx[s0:s0 + batch_size]
            loss, _, _ = lg(case64.X[rows], case64.T[rows], case64.sw[rows], W, b)
            if not np.isfinite(loss):
                return k
            ref.mbgd_epoch(case64.family, case64.X, case64.T, case64.sw, rows,
                           batch_size, W, b, eta, l1, l2, fit_intercept,
                           pen=pen_for(case64.X.shape[1]))
    return None


@pytest.mark.parametrize("batch_size", [1, 3])
@kind_params
@dtype_params
def test_mbgd_epoch_stops_on_absurd_learning_rate(dtype, kind, batch_size):
    # eta * l2 = 1e30: every step multiplies W by ~ -1e30 until it overflows
    eta, l1, l2 = 1e30, 0.0, 1.0
    case = make_case(kind, dtype, n=60, d=4, seed=seed_for("diverge", kind, batch_size))
    idx = np.random.default_rng(1).permutation(case.n).astype(np.intp)
    W, b = case.W.copy(), case.b.copy()
    total, nb, finite = kernel_epoch(case, idx, batch_size, W, b, Buffers.for_case(case),
                                     eta, l1, l2, True)
    assert not finite
    assert 0 < nb < math.ceil(case.n / batch_size)
    # (total itself may already be inf: the penalty l2/2 |W|² overflows before the
    # loss does, and only the loss decides `finite`, as documented)

    # replaying only the first nb minibatches: all finite, and exactly the same state
    W2, b2 = case.W.copy(), case.b.copy()
    total2, nb2, finite2 = kernel_epoch(case, idx[:nb * batch_size], batch_size, W2, b2,
                                        Buffers.for_case(case), eta, l1, l2, True)
    assert finite2 and nb2 == nb
    assert total == total2
    np.testing.assert_array_equal(W, W2)
    np.testing.assert_array_equal(b, b2)

    # ... and minibatch nb (the one that stopped the epoch) is non-finite there
    with np.errstate(all="ignore"):
        loss_next, _, _ = kernel_loss_grad(case, W=W.copy(), b=b.copy(), idx=idx,
                                           start=nb * batch_size,
                                           stop=(nb + 1) * batch_size)
    assert not np.isfinite(loss_next)

    if dtype == np.float64:  # the reference diverges at the same minibatch
        assert reference_first_nonfinite_batch(case, idx, batch_size, eta, l1, l2,
                                               True) == nb


@dtype_params
def test_mbgd_epoch_does_not_apply_the_nonfinite_update(dtype):
    """Row 2 overflows the logit after step 1: W, b stay exactly at step 1's result."""
    big = 1e300 if dtype == np.float64 else 1e30
    X = np.array([[1.0, 1.0], [big, big], [1.0, 1.0]])
    case = Case("sigmoid", X, np.array([[0.0], [1.0], [0.0]]), np.ones(3),
                np.zeros((1, 2)), np.zeros(1)).astype(dtype)
    eta = 1e30
    idx = np.arange(3, dtype=np.intp)
    W, b = case.W.copy(), case.b.copy()
    total, nb, finite = kernel_epoch(case, idx, 1, W, b, Buffers.for_case(case),
                                     eta, 0.0, 0.0, True)
    assert not finite and nb == 1
    # step 1 by hand: r = σ(0) - 0 = 1/2, so W = b = -eta / 2
    np.testing.assert_array_equal(W, np.full((1, 2), -eta / 2, dtype))
    np.testing.assert_array_equal(b, np.full(1, -eta / 2, dtype))
    assert total == pytest.approx(math.log(2.0), rel=PASS_RTOL[dtype])


# =============================================================================
# 4. gradients == central finite differences (hypothesis)
# =============================================================================
FD_STEP = 1e-5
#: central differences, h = 1e-5, |objective| <= ~400 with these value ranges:
#: truncation ~h²/6·|f'''| < 1e-9, cancellation ~1e-16·|f|/h < 1e-8
FD_TOL = 1e-6


@st.composite
def fd_problems(draw):
    kind = draw(st.sampled_from(list(KINDS)))
    family = KINDS[kind][0]
    n = draw(st.integers(1, 20))
    d = draw(st.integers(1, 6))
    K = 1 if kind == "binary" else draw(st.integers(2, 5))

    def floats(lo, hi):
        return st.floats(lo, hi, allow_nan=False, allow_infinity=False)

    X = draw(hnp.arrays(np.float64, (n, d), elements=floats(-3, 3)))
    W = draw(hnp.arrays(np.float64, (K, d), elements=floats(-2, 2)))
    b = draw(hnp.arrays(np.float64, (K,), elements=floats(-2, 2)))
    sw = draw(hnp.arrays(np.float64, (n,), elements=floats(0.1, 3)))
    if family == "softmax":
        T = draw(hnp.arrays(np.intp, (n,), elements=st.integers(0, K - 1)))
    else:
        T = draw(hnp.arrays(np.float64, (n, K), elements=st.sampled_from([0.0, 1.0])))
    l2 = draw(floats(0, 1))
    return Case(family, X, T, sw, W, b), l2


def kernel_objective(case, W, b, l2):
    """Kernel version of reference.objective (smooth part): value and gradient."""
    loss, G, gb = kernel_loss_grad(case, W=W, b=b)
    tot = case.sw.sum()
    return loss / tot + 0.5 * l2 * (W * W).sum(), G / tot + l2 * W, gb / tot


def central_differences(f, W, b, h=FD_STEP):
    """Central differences of the scalar f(W, b) w.r.t. every entry of W and b."""
    def partial(arr, i):
        old = arr.flat[i]
        arr.flat[i] = old + h
        up = f(W, b)
        arr.flat[i] = old - h
        down = f(W, b)
        arr.flat[i] = old
        return (up - down) / (2 * h)

    W, b = W.copy(), b.copy()
    gW = np.array([partial(W, i) for i in range(W.size)]).reshape(W.shape)
    gb = np.array([partial(b, i) for i in range(b.size)])
    return gW, gb


def assert_fd_close(grad, fd, what):
    err = np.abs(grad - fd)
    assert np.all(err <= FD_TOL * (1 + np.abs(grad))), (
        f"{what}: gradient {grad} vs finite differences {fd}")


@settings(max_examples=40, deadline=None, database=None)
@given(fd_problems())
def test_gradient_matches_finite_differences(problem):
    case, l2 = problem
    _, G, gb = kernel_objective(case, case.W, case.b, l2)

    def ref_obj(W, b):
        return ref.objective(case.family, case.X, case.T, case.sw, W, b, 0.0, l2)[0]

    def kern_obj(W, b):
        return kernel_objective(case, W, b, l2)[0]

    for name, f in [("reference.objective", ref_obj), ("kernel loss", kern_obj)]:
        fW, fb = central_differences(f, case.W, case.b)
        assert_fd_close(G, fW, f"dW vs FD of {name}")
        assert_fd_close(gb, fb, f"db vs FD of {name}")
    # and the reference's own analytic gradient agrees
    _, G_ref, gb_ref = ref.objective(case.family, case.X, case.T, case.sw,
                                     case.W, case.b, 0.0, l2)
    scale = max(np.abs(G_ref).max(), np.abs(gb_ref).max(), 1e-300)
    assert_scaled_close(G, G_ref, 1e-10, scale, "G vs reference")
    assert_scaled_close(gb, gb_ref, 1e-10, scale, "gb vs reference")


# =============================================================================
# 5. extreme logits
# =============================================================================
def per_row(case):
    """Run the kernel on each row alone: per-row losses and gradients (sw must be 1)."""
    out = [kernel_loss_grad(case, start=i, stop=i + 1) for i in range(case.n)]
    return (np.array([o[0] for o in out]), np.array([o[1] for o in out]),
            np.array([o[2] for o in out]))


def z_scale_tol(losses, expected, z_abs_sum, dtype):
    """ℓ = softplus(z) - y z is a difference of terms of size |z|: error ~ rtol·|z|."""
    err = np.abs(losses - expected)
    return np.all(err <= PASS_RTOL[dtype] * np.maximum(np.abs(expected), z_abs_sum))


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
@dtype_params
def test_sigmoid_loss_grad_extreme_logits(dtype, kind):
    # one feature x = ±1 and huge weights: z = ±1e4, each with y = 0 and y = 1
    X = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    if kind == "binary":
        W = np.array([[EXTREME]])
        Y = np.array([[0.0], [1.0], [0.0], [1.0]])
    else:
        W = np.array([[EXTREME], [-EXTREME], [3e3]])
        Y = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    case = Case("sigmoid", X, Y, np.ones(len(X)), W, np.zeros(W.shape[0])).astype(dtype)
    loss, G, gb = per_row(case)

    z = as64(case.X) @ as64(case.W).T
    expected_loss = (np.logaddexp(0.0, z) - as64(case.T) * z).sum(axis=1)
    expected_r = sps.expit(z) - as64(case.T)
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(G)) and np.all(np.isfinite(gb))
    assert np.all(loss >= 0)
    assert z_scale_tol(loss, expected_loss, np.abs(z).sum(axis=1), dtype), (loss, expected_loss)
    # a wrong-side sample costs |z|: e.g. z = +1e4 with y = 0, z = -1e4 with y = 1
    # (labels with |z| >= 3e3 on the right side cost exp(-3e3) = 0)
    wrong = (z > 0) != (as64(case.T) > 0)
    assert wrong.any()
    np.testing.assert_allclose(loss, (np.abs(z) * wrong).sum(axis=1), rtol=PASS_RTOL[dtype])
    # residuals: exactly in [-1, 1], and σ(z) - y
    assert np.all(np.abs(gb) <= 1.0)
    np.testing.assert_allclose(as64(gb), expected_r, rtol=0, atol=PASS_RTOL[dtype])
    np.testing.assert_allclose(as64(G[:, :, 0]), expected_r * as64(case.X),
                               rtol=0, atol=PASS_RTOL[dtype] * np.abs(z).max())


@dtype_params
def test_sigmoid_loss_is_computed_from_z_not_from_p(dtype):
    """Where σ(z) rounds to 0 or 1, a loss via log p would be inf; from z it is |z|."""
    zs = np.array([-EXTREME, -800.0, -120.0, -40.0, 40.0, 120.0, 800.0, EXTREME])
    Y = (zs < 0).astype(float)[:, None]  # always on the wrong side
    case = Case("sigmoid", zs[:, None], Y, np.ones(len(zs)), np.ones((1, 1)),
                np.zeros(1)).astype(dtype)
    with np.errstate(all="ignore"):
        p = ref.sigmoid(as64(case.X)[:, 0].astype(dtype))
        naive = -(Y[:, 0] * np.log(p) + (1 - Y[:, 0]) * np.log(1 - p))
    assert not np.all(np.isfinite(naive))  # the trap is real
    loss, _, _ = per_row(case)
    np.testing.assert_allclose(loss, np.abs(zs), rtol=PASS_RTOL[dtype])


@dtype_params
def test_softmax_loss_grad_extreme_logits(dtype):
    X = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    W = np.array([[EXTREME], [-EXTREME], [0.0], [EXTREME / 2]])
    y = np.array([1, 3, 0, 0], dtype=np.intp)  # wrong, wrong, right, wrong
    case = Case("softmax", X, y, np.ones(4), W, np.zeros(4)).astype(dtype)
    loss, G, gb = per_row(case)

    z = as64(case.X) @ as64(case.W).T
    onehot = np.eye(4)[y]
    expected_loss = sps.logsumexp(z, axis=1) - z[np.arange(4), y]
    expected_r = sps.softmax(z, axis=1) - onehot
    assert np.all(np.isfinite(loss)) and np.all(np.isfinite(G)) and np.all(np.isfinite(gb))
    np.testing.assert_allclose(expected_loss, [2 * EXTREME, 1.5 * EXTREME, 0.0, 2 * EXTREME])
    assert z_scale_tol(loss, expected_loss, np.abs(z).max(axis=1), dtype), (loss, expected_loss)
    assert np.all(np.abs(gb) <= 1.0)
    np.testing.assert_allclose(gb.sum(axis=1), 0.0, atol=PASS_RTOL[dtype])
    np.testing.assert_allclose(as64(gb), expected_r, rtol=0, atol=PASS_RTOL[dtype])


@dtype_params
def test_activations_finite_at_extreme_logits(dtype):
    Z = np.array([[EXTREME, -EXTREME, 0.0, 1.0],
                  [-EXTREME, -EXTREME, -EXTREME, -EXTREME],
                  [EXTREME, EXTREME, -EXTREME, 3.0],
                  [-EXTREME, 5e3, 1.0, -5e3]], dtype=dtype)
    Z64 = as64(Z)

    S = Z.copy()
    kern.sigmoid_inplace(S)
    assert np.all(np.isfinite(S)) and np.all((S >= 0) & (S <= 1))
    np.testing.assert_allclose(as64(S), sps.expit(Z64), rtol=ACT_RTOL[dtype], atol=0)

    LS = Z.copy()
    kern.log_sigmoid_inplace(LS)
    assert np.all(np.isfinite(LS)) and np.all(LS <= 0)
    np.testing.assert_allclose(as64(LS), sps.log_expit(Z64), rtol=ACT_RTOL[dtype], atol=0)

    P = Z.copy()
    kern.softmax_inplace(P)
    assert np.all(np.isfinite(P)) and np.all((P >= 0) & (P <= 1))
    np.testing.assert_allclose(as64(P).sum(axis=1), 1.0, rtol=0,
                               atol=4 * np.finfo(dtype).eps)

    LP = Z.copy()
    kern.log_softmax_inplace(LP)
    assert np.all(np.isfinite(LP)) and np.all(LP <= 0)
    np.testing.assert_allclose(as64(LP), sps.log_softmax(Z64, axis=1), rtol=0,
                               atol=ACT_RTOL[dtype] * EXTREME)

    out = np.empty(len(Z), dtype)
    kern.logsumexp_rows(Z, out)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(as64(out), sps.logsumexp(Z64, axis=1), rtol=ACT_RTOL[dtype])


def test_scalar_sigmoid_and_softplus_at_extremes():
    for z in [-EXTREME, -800.0, -40.0, 0.0, 40.0, 800.0, EXTREME]:
        s = kern.sigmoid(z)
        assert math.isfinite(s) and 0.0 <= s <= 1.0
        assert s == pytest.approx(sps.expit(z), rel=1e-13, abs=0)
        sp = kern.log1pexp(z)
        assert math.isfinite(sp) and sp >= 0.0
        assert sp == pytest.approx(np.logaddexp(0.0, z), rel=1e-13, abs=0)
    assert kern.sigmoid(-700.0) > 0  # no premature underflow: exp(-700) ~ 1e-304
    assert kern.log1pexp(-40.0) > 0  # exp(-40) ~ 4e-18 is kept, not rounded away


# =============================================================================
# 6. activations == scipy.special; proximal operators
# =============================================================================
def activation_input(dtype, seed=0):
    """Rows of logits in [-60, 60] (normal range in float32 too) with special values."""
    rng = np.random.default_rng(seed)
    Z = rng.uniform(-60, 60, size=(40, 7))
    Z[:5] = rng.normal(size=(5, 7))                  # near 0
    Z[5] = [-60, -20, -1, 0, 1, 20, 60]
    Z[6] = 0.0                                       # ties
    Z[7] = [30, 30, -5, 30, 2, 0, 30]                # tied maxima
    return Z.astype(dtype)


def check_inplace(fn, Z):
    """Run an in-place kernel: the same array, the same dtype, returns None."""
    A = Z.copy()
    buf_id, dtype = id(A), A.dtype
    assert fn(A) is None
    assert id(A) == buf_id and A.dtype == dtype
    return A


@pytest.mark.parametrize("name, kernel, scipy_fn, log_domain", [
    ("sigmoid", kern.sigmoid_inplace, sps.expit, False),
    ("log_sigmoid", kern.log_sigmoid_inplace, sps.log_expit, True),
    ("softmax", kern.softmax_inplace, lambda Z: sps.softmax(Z, axis=1), False),
    ("log_softmax", kern.log_softmax_inplace, lambda Z: sps.log_softmax(Z, axis=1), True),
], ids=lambda v: v if isinstance(v, str) else "")
@dtype_params
def test_inplace_activations_match_scipy(dtype, name, kernel, scipy_fn, log_domain):
    """Kernel vs scipy.special evaluated in the same dtype.

    (In float32 the shift z - max itself rounds, by up to eps32·|z - max|/2,
    which moves exp(z - max) by that much relatively -- up to ~4e-6 here; scipy
    in float32 makes the same rounding, the float64 truth does not.)
    """
    Z = activation_input(dtype)
    A = check_inplace(kernel, Z)
    expected = scipy_fn(Z)
    assert expected.dtype == dtype
    rtol = ACT_RTOL[dtype]
    # log-domain outputs are differences of the inputs: error relative to max |z|;
    # probabilities: relative, down to the smallest normal number of the dtype
    atol = rtol * np.abs(as64(Z)).max() if log_domain else np.finfo(dtype).tiny
    np.testing.assert_allclose(as64(A), as64(expected), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name, kernel, scipy_fn, log_domain", [
    ("sigmoid", kern.sigmoid_inplace, sps.expit, False),
    ("log_sigmoid", kern.log_sigmoid_inplace, sps.log_expit, True),
], ids=lambda v: v if isinstance(v, str) else "")
def test_elementwise_float32_activations_match_float64_truth(name, kernel, scipy_fn,
                                                             log_domain):
    """Elementwise: no input shift, so float32 is accurate to a few ulps of the truth."""
    Z = activation_input(np.float32)
    A = check_inplace(kernel, Z)
    rtol = ACT_RTOL[np.float32]
    atol = rtol * np.abs(as64(Z)).max() if log_domain else 0.0
    np.testing.assert_allclose(as64(A), scipy_fn(as64(Z)), rtol=rtol, atol=atol)


@dtype_params
def test_logsumexp_rows_matches_scipy(dtype):
    Z = activation_input(dtype, seed=1)
    Z_before = Z.copy()
    out = np.full(len(Z), np.nan, dtype)
    kern.logsumexp_rows(Z, out)
    np.testing.assert_array_equal(Z, Z_before)  # input untouched
    assert out.dtype == dtype
    rtol = ACT_RTOL[dtype]
    np.testing.assert_allclose(as64(out), sps.logsumexp(as64(Z), axis=1), rtol=rtol,
                               atol=rtol * np.abs(as64(Z)).max())
    np.testing.assert_allclose(as64(out), ref.logsumexp(as64(Z)), rtol=rtol,
                               atol=rtol * np.abs(as64(Z)).max())


def test_reference_activations_match_scipy():
    """The reference the other tests trust agrees with scipy too."""
    Z = activation_input(np.float64, seed=2)
    np.testing.assert_allclose(ref.sigmoid(Z), sps.expit(Z), rtol=1e-13)
    np.testing.assert_allclose(ref.log1pexp(Z), np.logaddexp(0.0, Z), rtol=1e-13)
    np.testing.assert_allclose(ref.softmax(Z), sps.softmax(Z, axis=1), rtol=1e-13)
    np.testing.assert_allclose(ref.logsumexp(Z), sps.logsumexp(Z, axis=1), rtol=1e-13)


def test_scalar_activations_match_scipy():
    zs = np.concatenate([np.linspace(-50, 50, 201), [-700.0, -1e-8, 1e-8, 700.0]])
    s = np.array([kern.sigmoid(z) for z in zs])
    sp = np.array([kern.log1pexp(z) for z in zs])
    np.testing.assert_allclose(s, sps.expit(zs), rtol=1e-13)
    np.testing.assert_allclose(sp, np.logaddexp(0.0, zs), rtol=1e-13)
    np.testing.assert_allclose(sp, ref.log1pexp(zs), rtol=1e-13)
    s32 = np.array([kern.sigmoid(np.float32(z)) for z in zs[zs > -80]])
    np.testing.assert_allclose(s32, sps.expit(as64(zs[zs > -80].astype(np.float32))),
                               rtol=ACT_RTOL[np.float32])


@pytest.mark.parametrize("t", [0.0, 0.3, 2.0])
@dtype_params
def test_soft_threshold_matches_reference_with_exact_zeros(dtype, t):
    """The vectorised soft-threshold of the exact solvers (FISTA's prox, whose
    iterates are float64 whatever the data's dtype)."""
    from fastlr._solvers.prox import soft_threshold

    rng = np.random.default_rng(seed_for("st", t))
    v = np.concatenate([rng.normal(scale=2, size=200), [0.0, -0.0, t, -t, 1e-300]])
    v = v.astype(dtype)
    out = soft_threshold(as64(v), t)
    expected = ref.soft_threshold(as64(v), t)
    np.testing.assert_array_equal(out, expected)
    inside = np.abs(as64(v)) <= t
    assert np.all(out[inside] == 0.0)       # exact zeros, not tiny numbers
    assert np.all(out[~inside] != 0.0)
    assert np.all(np.abs(out) <= np.abs(as64(v)))
    assert np.all(np.sign(out[~inside]) == np.sign(as64(v)[~inside]))


# =============================================================================
# 7. weighted column statistics
# =============================================================================
def reference_weighted_mean_var(X, sw):
    """np.average-based mean and biased variance, shifted by the first row (exact)."""
    X, sw = as64(X), as64(sw)
    D = X - X[0]                       # exact differences (Sterbenz) for a big offset
    m = np.average(D, axis=0, weights=sw)
    var = np.average((D - m) ** 2, axis=0, weights=sw)
    return X[0] + m, var


STORAGES = ["dense", "csr", "dask"]


def mean_var(X, sw, storage="dense", units=False):
    """Column mean and variance by the two compiled passes, through the given storage
    (``units``: as computed, (mean/a, var/a², a) with a unit a per column)."""
    from fastlr._estimators.scaling import weighted_moments

    if storage == "csr":
        X = sps_matrix(X)
    elif storage == "dask":
        da = pytest.importorskip("dask.array")
        X = da.from_array(X, chunks=(97, X.shape[1]))
    m_s, var_s, a = weighted_moments(X, as64(sw))
    return (m_s, var_s, a) if units else (m_s * a, var_s * a * a)


def sps_matrix(X):
    import scipy.sparse

    return scipy.sparse.csr_matrix(X)


@pytest.mark.parametrize("storage", STORAGES)
@dtype_params
def test_weighted_mean_var_matches_np_average(dtype, storage):
    rng = np.random.default_rng(6)
    n = 500
    offset = 1e8 if dtype == np.float64 else 1e4
    X = np.column_stack([
        rng.normal(size=n),
        5.0 + 3.0 * rng.normal(size=n),
        offset + 1e-3 * rng.normal(size=n),     # huge offset, tiny spread
        np.full(n, 7.25),                       # constant
        rng.exponential(size=n),
        np.where(rng.random(n) < 0.9, 0.0, rng.normal(size=n)),  # mostly zeros
    ]).astype(dtype)
    sw = rng.uniform(0.0, 3.0, size=n).astype(dtype)
    mean, var = mean_var(X, sw, storage)
    m_ref, v_ref = reference_weighted_mean_var(X, sw)

    np.testing.assert_allclose(mean, m_ref, rtol=1e-12)
    np.testing.assert_allclose(var, v_ref, rtol=1e-10)
    # the plain np.average two-pass formula agrees as well
    np.testing.assert_allclose(mean, np.average(as64(X), axis=0, weights=as64(sw)),
                               rtol=1e-12)
    assert mean[3] == pytest.approx(7.25, rel=1e-15) and var[3] < 1e-28
    assert np.all(var >= 0)
    if dtype == np.float64:
        # the hard column keeps its variance (a naive E[x²] - E[x]² gives noise)
        assert var[2] == pytest.approx(1e-6, rel=0.2)


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize("outlier", [1e4, 1e6])
@dtype_params
def test_weighted_mean_var_ignores_a_zero_weight_row(dtype, outlier, storage):
    """A row with weight 0 must not matter, whatever its values (sample_weight=0 is
    how users drop outliers)."""
    rng = np.random.default_rng(8)
    n = 1000
    X = rng.normal(size=(n, 2)).astype(dtype)
    X[0, 0] = outlier
    sw = np.ones(n, dtype)
    sw[0] = 0.0
    mean, var = mean_var(X, sw, storage)
    # the same statistics without row 0 (ordinary data: plain two-pass np.average)
    m_ref = np.average(as64(X[1:]), axis=0)
    v_ref = np.average((as64(X[1:]) - m_ref) ** 2, axis=0)
    np.testing.assert_allclose(var, v_ref, rtol=1e-10)
    np.testing.assert_allclose(mean, m_ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize("scale", [1e200, 1.7e308, 1e-200])
def test_weighted_mean_var_of_extreme_columns(scale, storage):
    """Columns whose squares overflow (or underflow) float64 keep a finite, exact
    spread: they are summed in units of their largest magnitude."""
    rng = np.random.default_rng(9)
    base = rng.uniform(-1, 1, size=(300, 2))
    X = base * [1.0, scale]
    m_s, var_s, a = mean_var(X, np.ones(300), storage, units=True)
    unit = a / [1, scale]  # the column's unit, measured in units of `scale`
    assert np.all(np.isfinite(m_s)) and np.all(np.isfinite(var_s))
    np.testing.assert_allclose(m_s * unit, base.mean(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.sqrt(var_s) * unit, base.std(axis=0), rtol=1e-12)


@dtype_params
def test_weighted_mean_var_unit_weights_match_numpy(dtype):
    rng = np.random.default_rng(7)
    X = rng.normal(loc=[0.0, -4.0, 100.0], scale=[1.0, 0.1, 20.0], size=(64, 3)).astype(dtype)
    mean, var = mean_var(X, np.ones(64, dtype))
    np.testing.assert_allclose(mean, as64(X).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(var, as64(X).var(axis=0), rtol=1e-10)


# =============================================================================
# 8. the batch-size-1 epoch (plain SGD) is the bs=1 minibatch epoch
# =============================================================================
@pytest.mark.parametrize("standardize", [False, True], ids=["raw", "standardized"])
@pytest.mark.parametrize("l1,l2", [(0.0, 0.0), (0.0, 0.05), (0.02, 0.0), (0.01, 0.03)],
                         ids=["none", "l2", "l1", "enet"])
@kind_params
@dtype_params
def test_sgd_epoch_equals_batch_one_epoch(dtype, kind, l1, l2, standardize):
    case = make_case(kind, dtype, n=29, d=6, seed=seed_for("sgd", kind, l1, l2))
    K, d = case.W.shape
    idx = np.random.default_rng(5).permutation(case.n).astype(np.intp)
    rng = np.random.default_rng(2)
    mean = rng.normal(size=d).astype(dtype) if standardize else np.zeros(d, dtype)
    inv_scale = rng.uniform(0.5, 2, d).astype(dtype) if standardize else np.ones(d, dtype)
    W1, b1 = case.W.copy(), case.b.copy()
    bufs = Buffers.for_case(case)
    tot1, nb1, ok1 = kernel_epoch(case, idx, 1, W1, b1, bufs, 0.05, l1, l2, True,
                                  mean if standardize else None, inv_scale if standardize else None)
    W2, b2 = case.W.copy(), case.b.copy()
    family, Y, y = kernel_targets(case)
    Z = np.zeros((BLOCK, K), dtype)
    xt = np.zeros(d, dtype)
    tot2, nb2, ok2 = kern.sgd_epoch(family, case.X, Y, y, case.sw, idx, W2, b2, Z, xt, 0.05,
                                    l1, l2, True, standardize, mean, inv_scale,
                                    pen_for(d, case.dtype))
    assert ok1 and ok2 and nb1 == nb2 == case.n
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(W2, W1, rtol=rtol, atol=rtol * np.abs(W1).max())
    np.testing.assert_allclose(b2, b1, rtol=rtol, atol=rtol * np.abs(b1).max())
    assert tot2 == pytest.approx(tot1, rel=rtol)
    if l1 > 0 and dtype == np.float64:
        np.testing.assert_array_equal(W2 == 0, W1 == 0)


# =============================================================================
# 9. the threaded epoch (minibatches split over chunks) is the serial epoch
# =============================================================================
@pytest.mark.parametrize("chunks", [1, 2, 3])
@pytest.mark.parametrize("standardize", [False, True], ids=["raw", "standardized"])
@kind_params
@dtype_params
def test_threaded_epoch_equals_reference(dtype, kind, standardize, chunks):
    case = make_case(kind, dtype, n=61, d=6, seed=seed_for("threaded", kind, chunks))
    K, d = case.W.shape
    idx = np.random.default_rng(8).permutation(case.n).astype(np.intp)
    rng = np.random.default_rng(4)
    mean = rng.normal(size=d).astype(dtype) if standardize else np.zeros(d, dtype)
    inv_scale = rng.uniform(0.5, 2, d).astype(dtype) if standardize else np.ones(d, dtype)
    family, Y, y = kernel_targets(case)
    W, b = case.W.copy(), case.b.copy()
    Gs, gbs = np.zeros((chunks, K, d), dtype), np.zeros((chunks, K), dtype)
    Zs, We = np.zeros((chunks, ROWS, K), dtype), np.zeros((K, d), dtype)
    total, nb, ok = kern.mbgd_epoch_threaded(family, case.X, Y, y, case.sw, idx, 16, W, b, Gs,
                                             gbs, Zs, We, 0.05, 0.01, 0.02, True, standardize,
                                             mean, inv_scale, pen_for(d, case.dtype))
    c64 = case.astype(np.float64)
    W_ref, b_ref = c64.W.copy(), c64.b.copy()
    total_ref, nb_ref = ref.mbgd_epoch(c64.family, c64.X, c64.T, c64.sw, idx, 16, W_ref, b_ref,
                                       0.05, 0.01, 0.02, True,
                                       as64(mean) if standardize else None,
                                       as64(inv_scale) if standardize else None,
                                       pen=pen_for(c64.X.shape[1]))
    assert ok and nb == nb_ref
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(W, W_ref, rtol=rtol, atol=rtol * np.abs(W_ref).max())
    np.testing.assert_allclose(b, b_ref, rtol=rtol, atol=rtol * np.abs(b_ref).max())
    assert total == pytest.approx(total_ref, rel=rtol)
    assert np.all(Gs == 0) and np.all(gbs == 0)


def test_chunked_column_statistics_equal_the_serial_pass_on_any_thread_count():
    """Large dense X is summed in fixed row chunks in parallel: the serial kernels'
    statistics to rounding, and the same bits with 1 or 2 threads."""
    import numba

    from fastlr._estimators import scaling

    rng = np.random.default_rng(11)
    n, d = 1 << 16, 64
    assert n * d >= scaling.CHUNKED_ENTRIES
    X = (rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d) + rng.normal(0, 1e4, d))
    sw = rng.uniform(0.0, 2.0, n)
    m_s, var_s, a = scaling.weighted_moments(X, sw)
    s1, amax = np.zeros(d), np.zeros(d)
    tot = kern.dense_col_sums(X, sw, s1, amax)
    m_ref = s1 / tot
    t1, t2 = np.zeros(d), np.zeros(d)
    kern.dense_col_deviations(X, sw, m_ref, np.ones(d), t1, t2)
    var_ref = t2 / tot - (t1 / tot) ** 2
    np.testing.assert_allclose(m_s * a, m_ref + t1 / tot, rtol=1e-12)
    np.testing.assert_allclose(var_s * a * a, var_ref, rtol=1e-9)
    old = numba.get_num_threads()
    try:
        for t in {1, min(2, numba.config.NUMBA_NUM_THREADS)}:
            numba.set_num_threads(t)
            again = scaling.weighted_moments(X, sw)
            for x, y in zip(again, (m_s, var_s, a)):
                np.testing.assert_array_equal(x, y)
    finally:
        numba.set_num_threads(old)


def test_csr_sums_of_unit_weights_equal_the_row_loop(monkeypatch):
    """Rows all of weight 1 are summed in one loop over the stored values: the sums
    of the row loop (w x = x), added in row order, bit for bit."""
    import scipy.sparse

    from fastlr._estimators import scaling

    rng = np.random.default_rng(5)
    n, d = 2000, 300
    X = scipy.sparse.random(n, d, density=0.05, format="csr", random_state=4,
                            data_rvs=lambda k: rng.normal(1.0, 2.0, k)).astype(np.float32)
    X = scipy.sparse.vstack([X, scipy.sparse.csr_matrix((1, d), dtype=np.float32)]).tocsr()
    monkeypatch.setattr(scaling, "SMALL_ENTRIES", 0)  # the compiled kernels, not NumPy
    monkeypatch.setattr(scaling, "CSR_CHUNKED_VALUES", 1 << 40)  # one chunk: row order
    tot, s1, _, _, s2 = scaling._block_sums(X, np.ones(n + 1))
    x = X.data.astype(np.float64)
    e1, e2 = np.zeros(d), np.zeros(d)
    np.add.at(e1, X.indices, x)  # in the order of the values, as the kernel adds them
    np.add.at(e2, X.indices, x * x)
    assert tot == n + 1
    np.testing.assert_array_equal(s1, e1)
    np.testing.assert_array_equal(s2, e2)
    sw = np.ones(n + 1)
    sw[-1] = 0.5  # a weight other than 1 (on the empty last row): the loop over rows
    tot_rows, r1, _, _, r2 = scaling._block_sums(X, sw)
    assert tot_rows == n + 0.5
    np.testing.assert_array_equal(r1, s1)
    np.testing.assert_array_equal(r2, s2)


@dtype_params
def test_chunked_csr_statistics_equal_one_chunk_on_any_thread_count(dtype, monkeypatch):
    """CSR X is summed in fixed row chunks in parallel (float32 without the largest
    magnitudes and entry weights, which it never needs): the moments of one serial
    chunk with every accumulator to rounding, and the same bits with 1 or 2 threads."""
    import numba
    import scipy.sparse

    from fastlr._estimators import scaling

    rng = np.random.default_rng(12)
    n, d = 3000, 400
    X = scipy.sparse.random(n, d, density=0.05, format="csr", random_state=3,
                            data_rvs=lambda k: rng.normal(2.0, 3.0, k)).astype(dtype)
    sw = rng.uniform(0.0, 2.0, n)
    sw[::7] = 0.0
    monkeypatch.setattr(scaling, "SMALL_ENTRIES", 0)  # the compiled kernels, not NumPy
    monkeypatch.setattr(scaling, "CSR_CHUNKED_VALUES", 1 << 40)
    one = scaling.weighted_moments(X, sw)
    assert scaling._block_sums(X, sw, True)[2] is not None
    lean = scaling._block_sums(X, sw)
    assert (lean[2] is None) == (dtype == np.float32)
    monkeypatch.setattr(scaling, "CSR_CHUNKED_VALUES", 1)
    chunked = scaling.weighted_moments(X, sw)
    # the chunks merged in the kernel: sums added, the largest magnitudes the largest
    tot, s1, amax, wnz, s2 = scaling._block_sums(X, sw, True)
    dense, w = X.toarray().astype(np.float64), sw[:, None]
    np.testing.assert_array_equal(amax, np.abs(dense * (w != 0)).max(axis=0))
    np.testing.assert_allclose(wnz, ((dense != 0) * w).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(s1, (dense * w).sum(axis=0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(s2, (dense * dense * w).sum(axis=0), rtol=1e-9)
    for x, y in zip(chunked, one):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)
    m_ref, var_ref = reference_weighted_mean_var(X.toarray(), sw)
    np.testing.assert_allclose(chunked[0] * chunked[2], m_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(chunked[1] * chunked[2] ** 2, var_ref, rtol=1e-9)
    old = numba.get_num_threads()
    try:
        for t in {1, min(2, numba.config.NUMBA_NUM_THREADS)}:
            numba.set_num_threads(t)
            again = scaling.weighted_moments(X, sw)
            for x, y in zip(again, chunked):
                np.testing.assert_array_equal(x, y)
    finally:
        numba.set_num_threads(old)


def test_float32_exp_and_log1p_within_a_few_rounding_units_of_libm():
    """The inline float32 exp (t <= 0) and log1p (e in [0, 1]) of the residuals,
    compiled with the kernels' fastmath flags, against float64 libm. exp's relative
    error is bounded by 4 float32 units of max(1, |t|) (exp turns an error δ in t
    into a relative error δ: a float32 t carries |t| 2^-24 already; this CPU's FMA
    gives 1 unit, CPUs without FMA, where fastmath may fold the two-part reduction,
    1.3); log1p within 3e-7 relative; exactly 0 below the smallest normal float32;
    NaN for NaN. float64 arguments go to libm: within 2 units of the last place of
    Python's math.exp/math.log1p (the same libm: equal on the CPUs seen so far; a
    vectorising build with Intel's SVML may call another implementation). The
    float64 reference is libm, not NumPy: NumPy's own AVX-512 exp and log1p differ
    from libm by one unit on ~5% of these arguments."""
    import math

    from numba import njit

    from fastlr._config import FASTMATH
    from fastlr._kernels.elementary import exp_nonpos, log1p_unit

    @njit(fastmath=set(FASTMATH), error_model="numpy")
    def both(t, e, out_exp, out_log):
        for i in range(t.shape[0]):
            out_exp[i] = exp_nonpos(t[i])
            out_log[i] = log1p_unit(e[i])

    rng = np.random.default_rng(5)
    t = np.concatenate([-np.linspace(0, 90, 200001), -rng.exponential(3, 100000),
                        -np.logspace(-30, 0, 1000), [0.0, -0.0, -np.inf, np.nan]])
    e = np.concatenate([np.linspace(0, 1, 200001), rng.random(100000),
                        np.logspace(-38, 0, 1000), [0.0, 0.0, 0.0, np.nan]])
    for dtype in (np.float32, np.float64):
        ts, es = t.astype(dtype), e.astype(dtype)
        got_e, got_l = np.empty_like(ts), np.empty_like(es)
        both(ts, es, got_e, got_l)
        ref_e = np.exp(ts.astype(np.float64))
        ref_l = np.log1p(es.astype(np.float64))
        normal = ref_e >= np.finfo(np.float32).tiny
        rel_e = np.abs(got_e[normal] / ref_e[normal] - 1)
        rel_l = np.abs(got_l[1:-1] / ref_l[1:-1] - 1)[ref_l[1:-1] > 0]
        if dtype == np.float32:
            units = np.maximum(1.0, np.abs(ts[normal].astype(np.float64))) * 2.0 ** -24
            assert np.all(rel_e <= 4 * units)
            assert rel_l.max() <= 3e-7
        else:
            libm_e = np.array([math.exp(v) for v in ts[normal].tolist()])
            libm_l = np.array([math.log1p(v) for v in es[1:-1].tolist()])
            assert np.all(np.abs(got_e[normal] - libm_e) <= 2 * np.spacing(libm_e))
            assert np.all(np.abs(got_l[1:-1] - libm_l) <= 2 * np.spacing(libm_l))
        assert np.all(got_e[~normal & ~np.isnan(ts)] <= np.finfo(np.float32).tiny)
        assert np.isnan(got_e[-1]) and np.isnan(got_l[-1])
        assert got_e[-2] == 0.0 and got_e[-4] == 1.0 and got_l[-4] == 0.0


def test_float32_sigmoid_loss_of_confident_rows():
    """A confidently right row's loss, log1p(e^-|z|), is far below ulp(z): the float32
    pass must not compute it as z + log1p(e) - z (0). Against float64, rows at |z| up
    to 30, right and wrong."""
    z = np.array([10.0, 12.0, 16.5, 25.0, 30.0, -10.0, -16.5, -25.0] * 4)
    for wrong in (False, True):
        losses = []
        for dtype in (np.float32, np.float64):
            X = z[:, None].astype(dtype)
            Y = ((z > 0) != wrong).astype(dtype)[:, None]
            n = len(z)
            out = kern.sigmoid_loss_grad(X, Y, np.ones(n, dtype), np.arange(n), 0, n,
                                         np.ones((1, 1), dtype), np.zeros(1, dtype),
                                         np.zeros((1, 1), dtype), np.zeros(1, dtype),
                                         np.zeros((ROWS, 1), dtype), np.zeros(1, dtype), False)
            losses.append(out)
        ref = np.sum(np.logaddexp(0, z) - ((z > 0) != wrong) * z)
        assert losses[1] == pytest.approx(ref, rel=1e-12)
        assert losses[0] == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_all_finite_is_numpys_isfinite_all(dtype, order):
    """The exponent-bits test (C-contiguous floats) and the per-entry loop (other
    layouts) agree with NumPy on every kind of entry, wherever it sits."""
    from fastlr._kernels import all_finite

    rng = np.random.default_rng(3)
    info = np.finfo(dtype)
    specials = [np.inf, -np.inf, np.nan, -np.nan, info.max, -info.max, info.tiny,
                info.tiny / 4, 0.0, -0.0]
    for shape in [(1, 1), (1, 37), (37, 1), (5, 300)]:
        A = np.asarray(rng.normal(size=shape), dtype=dtype, order=order)
        assert all_finite(A)
        for value in specials:
            for i, j in [(0, 0), (shape[0] - 1, shape[1] - 1), (shape[0] // 2, shape[1] // 3)]:
                B = A.copy(order=order)
                B[i, j] = value
                assert all_finite(B) == bool(np.isfinite(B).all()), (shape, value, i, j)


@pytest.mark.parametrize("wdtype", [np.float32, np.float64])
@pytest.mark.parametrize("vdtype", [np.float32, np.float64])
@pytest.mark.parametrize("odtype", [np.float32, np.float64])
def test_column_scaling_of_weights_is_numpys_bit_for_bit(wdtype, vdtype, odtype):
    """The compiled unit changes of the weights give NumPy's ``(A * v).astype(out)``
    and ``(A / v).astype(out)`` exactly, in NumPy's arithmetic for the dtypes."""
    from fastlr._kernels.update import columns_scaled

    rng = np.random.default_rng(8)
    A = rng.normal(size=(3, 257)).astype(wdtype)
    v = np.exp(rng.normal(0, 3, 257)).astype(vdtype)
    out = np.empty(A.shape, odtype)
    columns_scaled(A, v, False, out)
    np.testing.assert_array_equal(out, (A * v).astype(odtype))
    columns_scaled(A, v, True, out)
    np.testing.assert_array_equal(out, (A / v).astype(odtype))
