"""The L-BFGS two-loop recursion (docs/math.md §6) over a ring of stored pairs."""
from __future__ import annotations

from .._config import kernel


@kernel
def lbfgs_direction(g, S, Y, rho, newest, count, alpha, out):
    """out = -H g, H the L-BFGS inverse-Hessian approximation of the ``count`` most
    recent pairs (rows of S and Y, newest at row ``newest``, older ones before it,
    wrapping around), scaled initially by sᵀy / yᵀy of the newest pair.
    ``rho[i] = 1 / sᵢᵀyᵢ``; ``alpha`` is workspace of length ``S.shape[0]``."""
    m, n = S.shape
    for j in range(n):
        out[j] = g[j]
    for c in range(count):
        i = (newest - c) % m
        a = 0.0
        for j in range(n):
            a += S[i, j] * out[j]
        a *= rho[i]
        alpha[i] = a
        for j in range(n):
            out[j] -= a * Y[i, j]
    if count > 0:
        yy = 0.0
        for j in range(n):
            yy += Y[newest, j] * Y[newest, j]
        gamma = 1.0 / (rho[newest] * yy)
        for j in range(n):
            out[j] *= gamma
    for c in range(count - 1, -1, -1):
        i = (newest - c) % m
        beta = 0.0
        for j in range(n):
            beta += Y[i, j] * out[j]
        beta *= rho[i]
        coef = alpha[i] - beta
        for j in range(n):
            out[j] += coef * S[i, j]
    for j in range(n):
        out[j] = -out[j]
