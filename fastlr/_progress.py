"""Progress of a fit: one reporter for MBGD epochs, L-BFGS and FISTA iterations,
and for the compile of the Numba kernels.

What ``verbose`` prints (docs/user-guide.md, "Progress"), always on
``sys.stdout`` (as scikit-learn's verbose output; looked up when the fit starts,
so ``contextlib.redirect_stdout`` and pytest's capture see it):

- ``verbose=0``: nothing.
- ``verbose>=1``: a header line (solver, data, stopping rule), a line when
  kernels were compiled (``compiling kernels for float64 dense binary ...
  4.1 s (5 kernels)``), one line per epoch / iteration, and a summary line
  (iterations, time, converged or not). Each line is whole, ends in a newline
  and contains no ``\\r``.
- When stdout is a terminal and tqdm is installed, a tqdm bar (on stdout too)
  stands in for the per-iteration lines at ``verbose=1``; its postfix shows the
  latest numbers. ``verbose>=2`` adds the per-iteration lines above the bar.
  Every line is written through ``tqdm.write``, which lifts the bar, writes
  the line and redraws the bar below it, so bar and lines never share a line.
  Without a terminal (a log file, a pipe, a notebook, pytest) or without
  tqdm, there is no bar and no ``\\r``: plain lines only.

The compile is measured with Numba's ``"numba:compile"`` event, broadcast only
when a dispatcher really compiles (a kernel loaded from the on-disk cache is
not a compilation): :data:`CLOCK` records the wall time of every top-level
compilation in this process. A fit reports the compiles that happened while
its solver ran plus those of the column-statistics kernels
(:mod:`fastlr._kernels.stats`) run just before it.
"""
from __future__ import annotations

import collections
import sys
import threading
import time

import numpy as np

#: kernels a fit runs before its solver (the preconditioner's column statistics)
PRE_SOLVE_MODULES = ("fastlr._kernels.stats",)

Compile = collections.namedtuple("Compile", "seq module name seconds")

_local = threading.local()  # .reporter: the Progress running in this thread


class CompileClock:
    """Wall time of every top-level Numba compilation in this process.

    Nested compilations (a kernel compiling the kernels it calls) count once, in
    the outermost. Consumers take a :meth:`mark` and read :meth:`since` it.
    """

    def __init__(self, keep=1024):
        self._local = threading.local()
        self._lock = threading.Lock()
        self._log = collections.deque(maxlen=keep)
        self._seq = 0

    def on_start(self, ev):
        loc = self._local
        depth = getattr(loc, "depth", 0)
        loc.depth = depth + 1
        if depth == 0:
            loc.t0 = time.perf_counter()
            reporter = getattr(_local, "reporter", None)
            if reporter is not None:
                reporter._compiling()

    def on_end(self, ev):
        loc = self._local
        loc.depth = max(getattr(loc, "depth", 1) - 1, 0)
        if loc.depth:
            return
        seconds = time.perf_counter() - getattr(loc, "t0", time.perf_counter())
        data = ev.data if isinstance(ev.data, dict) else {}
        fn = getattr(data.get("dispatcher"), "py_func", None)
        with self._lock:
            self._seq += 1
            self._log.append(Compile(self._seq, getattr(fn, "__module__", "") or "",
                                     getattr(fn, "__qualname__", "?"), seconds))

    def mark(self) -> int:
        with self._lock:
            return self._seq

    def since(self, mark) -> list:
        """The compilations recorded after ``mark``."""
        with self._lock:
            return [c for c in self._log if c.seq > mark]


CLOCK = CompileClock()


def listen_to_numba():
    """Register :data:`CLOCK` for Numba's compile events (called by
    :mod:`fastlr._kernels` when it is imported: numba itself is imported only
    when a kernel is about to be needed, which saves 0.3 s in every process whose
    fits run without one)."""
    from numba.core import event

    class _Forward(event.Listener):
        def on_start(self, ev):
            CLOCK.on_start(ev)

        def on_end(self, ev):
            CLOCK.on_end(ev)

    event.register("numba:compile", _Forward())
_last_solve_mark = 0


def describe(problem) -> str:
    """'float64 dense binary': dtype, layout and target of a training problem."""
    X = problem.X
    layout = ("csr" if hasattr(X, "indptr") else
              "dense" if isinstance(X, np.ndarray) else "dask")
    target = ("multiclass" if problem.family == "softmax" else
              "binary" if problem.n_outputs == 1 else "multilabel")
    return f"{np.dtype(problem.dtype).name} {layout} {target}"


def compile_summary(compiles) -> str:
    """'4.1 s (5 kernels)' for a list of :class:`Compile` records."""
    n = len(compiles)
    return f"{sum(c.seconds for c in compiles):.1f} s ({n} kernel{'s' * (n != 1)})"


#: how each number is printed
FORMATS = {"objective": ".10g", "gradient": ".3g", "optimality": ".3g", "eta": ".3g",
           "validation": ".6g"}


#: seconds between two redraws of the bar
BAR_MININTERVAL = 0.1


def _tqdm():
    try:
        from tqdm import tqdm
    except ImportError:  # optional: plain lines without it
        return None
    return tqdm


class Progress:
    """The reporter of one solver run; a context manager, falsy when silent.

    ``step(n, **numbers)`` after each epoch / iteration (``n`` counts from
    ``first``), ``finish(n_iter, reason)`` once at the end (before warnings);
    leaving the ``with`` block closes the bar even when the solver raises.
    """

    def __init__(self, solver, problem, *, verbose, max_iter, tol=None, unit="iteration",
                 first=1, details="", formats=None):
        global _last_solve_mark
        previous, _last_solve_mark = _last_solve_mark, CLOCK.mark()
        self.verbose = int(verbose or 0)
        self.active = self.verbose > 0
        self._bar = None
        if not self.active:
            return
        self.solver, self.unit = solver, unit
        self.formats = {**FORMATS, **(formats or {})}
        self.what = describe(problem)
        self._stream = sys.stdout
        self._mark = _last_solve_mark
        # the column statistics computed for this fit just before the solver
        self._pending = [c for c in CLOCK.since(previous)
                         if c.module.startswith(PRE_SOLVE_MODULES)]
        self._width = len(str(first + max_iter - 1))
        self._start = time.perf_counter()
        try:
            tty = bool(self._stream.isatty())
        except Exception:  # a stream without isatty is no terminal
            tty = False
        tqdm = _tqdm() if tty else None
        self._write_line = self._plain_write
        self.lines = self.verbose >= 2 or tqdm is None
        n, d = problem.X.shape
        stop = "no stopping rule (tol=None)" if tol is None else f"tol={tol:g}"
        self._write(f"{solver}: {n} samples x {d} features, {self.what}; "
                    f"max_iter={max_iter}, {stop}{details}")
        if tqdm is not None:
            self._tqdm = tqdm
            self._bar = tqdm(total=max_iter, desc=solver,
                             unit="epoch" if unit == "epoch" else "it", file=self._stream,
                             leave=False, miniters=1, mininterval=BAR_MININTERVAL,
                             dynamic_ncols=True)

    def __bool__(self):
        return self.active

    def __enter__(self):
        self._outer = getattr(_local, "reporter", None)
        if self.active:
            _local.reporter = self
        return self

    def __exit__(self, *exc):
        _local.reporter = self._outer
        self.close()
        return False

    # ---------------------------------------------------------------- output
    def _plain_write(self, line):
        self._stream.write(line + "\n")
        self._stream.flush()

    def _write(self, line):
        if self._bar is not None:
            self._tqdm.write(line, file=self._stream)  # lifts the bar, redraws it below
        else:
            self._plain_write(line)

    def _compiling(self):
        """A compilation starts: say so on the bar (lines report it once done)."""
        if self._bar is not None:
            self._bar.set_postfix_str("compiling kernels ...", refresh=True)

    def _report_compiles(self):
        mark = CLOCK.mark()
        new = CLOCK.since(self._mark) if mark != self._mark else []
        self._mark = mark
        pending, self._pending = self._pending + new, []
        if pending:
            self._write(f"{self.solver}: compiling kernels for {self.what} ... "
                        f"{compile_summary(pending)}")

    def elapsed(self) -> float:
        return time.perf_counter() - self._start

    def step(self, n, **numbers):
        """One epoch / iteration done: its number and the numbers to show."""
        if not self.active:
            return
        shown = ", ".join(f"{k} {format(v, self.formats.get(k, '.6g'))}"
                          for k, v in numbers.items())
        if self._bar is not None:  # first, so that the bar redrawn below a line is current
            self._bar.set_postfix_str(shown, refresh=False)
            self._bar.update(1)
        self._report_compiles()
        if self.lines:
            self._write(f"{self.solver} {self.unit.capitalize()} {n:>{self._width}}: {shown}, "
                        f"{self.elapsed():.2f} s")

    def finish(self, n_iter, reason):
        """The summary line: iterations, time and how the run ended."""
        if not self.active:
            return
        self._report_compiles()
        elapsed = self.elapsed()
        self.close()
        self._plain_write(f"{self.solver}: {n_iter} {self.unit}{'s' * (n_iter != 1)} in "
                          f"{elapsed:.2f} s, {reason}")
        self.active = False

    def close(self):
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.close()
