"""Proximal operators of the penalties (MATH.md §3-4)."""
from __future__ import annotations

from .._config import kernel


@kernel
def soft_threshold(v, t):
    """prox of t·|w| at v: sign(v)·max(|v| - t, 0). Gives exact zeros."""
    if v > t:
        return v - t
    if v < -t:
        return v + t
    return 0.0 * v


@kernel
def prox_elastic_net(v, step, l1, l2):
    """prox of step·(l1·|w| + l2/2·w²) at v: soft-threshold, then shrink."""
    return soft_threshold(v, step * l1) / (1.0 + step * l2)
