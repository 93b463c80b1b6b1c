"""What every fit and partial_fit call guarantees around its work.

- :func:`unchanged_on_error`: an error leaves the estimator as it was (no
  half-done fit: a diverging epoch, bad input found late).
- :func:`with_n_jobs`: ``n_jobs`` bounds the threads of every parallel kernel
  the call runs (the column statistics, the stored-column mapping, the weights'
  layouts), not only the solver's.
"""
from __future__ import annotations

import contextlib
import copy
import functools

from .._config import threads


@contextlib.contextmanager
def unchanged_on_error(est):
    """Restore the estimator's state if the block raises: no half-done fits."""
    saved = {k: copy.deepcopy(v) if k == "_fastlr_rng" else v for k, v in est.__dict__.items()}
    try:
        yield
    except BaseException:
        est.__dict__.clear()
        est.__dict__.update(saved)
        raise


def with_n_jobs(method):
    """Run ``method`` with ``self.n_jobs`` Numba threads (None: as they are)."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with threads(self.n_jobs):
            return method(self, *args, **kwargs)
    return run
