"""exp and log1p on the ranges the sigmoid residual needs, inline for float32.

The sigmoid residual takes e = exp(t) with t = -|z| <= 0 and log1p(e) with e in
[0, 1]. For float32, libm's ``expf`` and ``log1pf`` are calls, and a loop that
makes calls is not vectorised: the binary residual took 37 ns a row, a third of
a fused pass over 100 features. For float32 arguments :func:`exp_nonpos` and
:func:`log1p_unit` are polynomials that compile into the caller's loop (which
LLVM then vectorises where nothing else stops it; the binary residual: 12 ns a
row). The softmax residual keeps libm's exp: inline there, it measured no faster.

- exp: t = n ln 2 + r with n = round(t / ln 2) and r = t - n ln 2 taken in two
  parts (Cody and Waite), so |r| <= ln(2)/2; e^r by its Taylor polynomial of
  degree 7 (truncation below 5e-9 relative); 2^n (n in [-126, 0]) exactly, as the
  float32 whose exponent bits are 127 + n. Below t = -126 ln 2 (e < 1.2e-38)
  the result is 0.
- log1p: log(1 + e) = 2 atanh(s) with s = e / (2 + e) in [0, 1/3], the odd series
  to s^15 (truncation below 2e-8 relative); relative accuracy holds for tiny e.

log1p is within 3e-7 relative of float64 libm. exp is within 1 float32 unit
(2^-24) of max(1, |t|) relative on this CPU (FMA), 1.3 on CPUs without FMA, where
fastmath may fold the two-part reduction into one (tests/test_kernels.py checks
4): the error a float32 t carries already, as exp's relative error is the error
of its argument. (The reduction in float64 is exact everywhere but kept the loop
from vectorising: 12 -> 44 ns a row.) float64 arguments call libm
(the float64 kernels are checked against the reference to 1e-10). NaN gives NaN,
so a diverging fit still shows a NaN loss.
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

_LOG2E = 1.4426950408889634
_LN2_HI = 0.693359375           # ln 2 = _LN2_HI + _LN2_LO; _LN2_HI has few bits (n·_LN2_HI exact)
_LN2_LO = -2.12194440e-4


def exp_nonpos(t):
    """exp(t) for t <= 0 (NaN: NaN)."""
    return np.exp(t)


def log1p_unit(e):
    """log(1 + e) for e in [0, 1] (NaN: NaN)."""
    return np.log1p(e)


def _is_float32(x):
    return isinstance(x, types.Float) and x.bitwidth == 32


@intrinsic
def _float32_from_bits(typingctx, bits):
    """The float32 whose IEEE bits are the low 32 bits of the integer ``bits`` (a
    bitcast, no conversion)."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        low = args[0] if bits.bitwidth == 32 else builder.trunc(args[0], ir.IntType(32))
        return builder.bitcast(low, ir.FloatType())
    return types.float32(bits), codegen


@overload(exp_nonpos, inline="always")
def _exp_nonpos(t):
    if not _is_float32(t):
        return lambda t: np.exp(t)
    one = np.float32(1.0)

    def impl(t):
        u = t * np.float32(_LOG2E)
        uc = u if u > np.float32(-126.0) else np.float32(-126.0)  # NaN: -126 (for n only)
        n = np.floor(uc + np.float32(0.5))
        r = (t - n * np.float32(_LN2_HI)) - n * np.float32(_LN2_LO)   # NaN stays in r
        p = np.float32(1 / 5040)
        p = p * r + np.float32(1 / 720)
        p = p * r + np.float32(1 / 120)
        p = p * r + np.float32(1 / 24)
        p = p * r + np.float32(1 / 6)
        p = p * r + np.float32(0.5)
        p = p * r + one
        p = p * r + one
        # 2^n, n in [-126, 0]: the normal float32 of biased exponent 127 + n, built
        # from its bits (seven selected multiplications before: the residual loop of
        # 2M rows 26 -> 23 ms)
        p *= _float32_from_bits((np.int32(n) + 127) << 23)
        return np.float32(0.0) if u < np.float32(-126.0) else p
    return impl


@overload(log1p_unit, inline="always")
def _log1p_unit(e):
    if not _is_float32(e):
        return lambda e: np.log1p(e)

    def impl(e):
        s = e / (np.float32(2.0) + e)
        s2 = s * s
        q = np.float32(1 / 15)
        q = q * s2 + np.float32(1 / 13)
        q = q * s2 + np.float32(1 / 11)
        q = q * s2 + np.float32(1 / 9)
        q = q * s2 + np.float32(1 / 7)
        q = q * s2 + np.float32(1 / 5)
        q = q * s2 + np.float32(1 / 3)
        q = q * s2 + np.float32(1.0)
        return np.float32(2.0) * s * q
    return impl
