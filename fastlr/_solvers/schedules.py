"""Learning-rate schedules for mini-batch gradient descent (per epoch k = 0, 1, ...).

- ``constant``:     η_k = η₀
- ``inverse_time``: η_k = η₀ / (1 + decay · k)
- ``adaptive``:     η_k = η₀ while the monitored quantity improves; each time it
  fails to improve by ``tol`` for ``n_iter_no_change`` epochs in a row, η is
  divided by 5. Training stops once η < 1e-6 · η₀, or (the MBGD loop's rule)
  when the epochs after a division bring no improvement either.
"""
from __future__ import annotations

KINDS = ("constant", "inverse_time", "adaptive")


class Schedule:
    def __init__(self, kind: str, eta0: float, decay: float = 0.0):
        if kind not in KINDS:
            raise ValueError(f"unknown learning-rate schedule {kind!r}")
        self.kind, self.eta0, self.decay = kind, float(eta0), float(decay)
        self._adaptive_eta = float(eta0)

    def eta(self, epoch: int) -> float:
        if self.kind == "inverse_time":
            return self.eta0 / (1.0 + self.decay * epoch)
        if self.kind == "adaptive":
            return self._adaptive_eta
        return self.eta0

    def on_plateau(self) -> bool:
        """Called when progress stalls. Returns True when training should go on."""
        if self.kind != "adaptive":
            return False
        self._adaptive_eta /= 5.0
        return self._adaptive_eta >= 1e-6 * self.eta0
