"""One place for the JIT settings every kernel uses.

``FASTMATH`` lets LLVM reassociate and contract floating point operations
(that is what vectorises dot products and reductions) but keeps IEEE NaN and
inf semantics (``nnan`` and ``ninf`` are *off*): the solvers rely on
``np.isfinite`` to detect a diverging learning rate, and with ``nnan`` LLVM
would be free to fold those checks to ``True``.

``error_model="numpy"``: a division by zero gives inf/NaN as in NumPy (which
the divergence checks then see) instead of raising ZeroDivisionError, and
divisions in the loops need no zero test.
"""
from __future__ import annotations

import contextlib
import os


FASTMATH = {"nsz", "arcp", "contract", "reassoc"}

#: Kernels are cached on disk so a new process does not pay the compile again.
CACHE = os.environ.get("FASTLR_NO_CACHE", "0") != "1"


def kernel(fn=None, *, parallel=False, internal=False, inline=False, exact=False):
    """Decorate a pure array function as a fastlr kernel (njit, cached, nogil).

    ``internal=True``: a helper that only other kernels call. Numba then builds
    no Python (or C) entry point for it: every separately compiled function is
    linked into, and compiled again inside, each kernel that calls it, entry
    points included, so a deep chain of helpers paid for theirs at every level
    of a first compile. An internal kernel cannot be called from Python.

    ``inline=True``: a small internal helper that Numba inlines into its callers
    (``inline="always"``). A compiled call reference-counts each array it is
    passed (an atomic increment and decrement per array), which on a narrow
    table's 32-row minibatch took a quarter of the epoch.

    ``exact=True``: no fastmath, for elementwise formulas that must give NumPy's
    bits (no contraction into FMAs, no reciprocal for a division).
    """

    from numba import njit

    def wrap(f):
        return njit(**jit_options(parallel=parallel, internal=internal, inline=inline,
                                  exact=exact))(f)

    if fn is None:
        return wrap
    return wrap(fn)


def jit_options(*, parallel=False, internal=False, inline=False, exact=False) -> dict:
    """The ``njit`` options of :func:`kernel` (also for ``numba.extending.overload``'s
    ``jit_options``, so that an implementation chosen by an overload compiles like a
    kernel)."""
    opts = dict(cache=CACHE, nogil=True, fastmath=False if exact else set(FASTMATH),
                parallel=parallel, error_model="numpy")
    if internal:
        opts.update(no_cpython_wrapper=True, no_cfunc_wrapper=True)
    if inline:
        opts["inline"] = "always"
    return opts


def kernels_loaded() -> bool:
    """True once this process has imported the kernels (a fit needed one): Numba's
    import and set-up (~0.8 s) are paid, and small problems, which otherwise run in
    NumPy to spare a process that cost, take the faster compiled passes. Both
    compute the same sums; results agree to rounding."""
    import sys

    return "fastlr._kernels" in sys.modules


def n_threads() -> int:
    """Threads the parallel kernels use now (numba.get_num_threads)."""
    import numba

    return numba.get_num_threads()


@contextlib.contextmanager
def threads(n_jobs):
    """Run the block with ``n_jobs`` Numba threads (None: leave as is; -1: all),
    restoring the previous count afterwards."""
    if n_jobs is None:
        yield
        return
    import numba

    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning: use None, a positive count, or -1 for all")
    top = numba.config.NUMBA_NUM_THREADS
    n = top + 1 + n_jobs if n_jobs < 0 else n_jobs
    n = max(1, min(top, n))
    old = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(old)


_BLAS = None


@contextlib.contextmanager
def single_threaded_blas():
    """BLAS limited to one thread inside the block (the library scan is done once)."""
    global _BLAS
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    with _BLAS.limit(limits=1, user_api="blas"):
        yield


def __getattr__(name):
    """``prange`` for the kernels, without importing Numba with this module."""
    if name == "prange":
        from numba import prange

        return prange
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
