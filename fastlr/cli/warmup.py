"""``fastlr warmup``: compile the common kernels ahead of time (container images, CI).

Fits tiny models through the public API for every combination of input dtype
(float64, float32), layout (dense, CSR), target (binary, multiclass,
multilabel) and solver (mbgd, lbfgs, fista), and predicts with each, so the
kernels are compiled and written to Numba's on-disk cache; a later process
loads them instead of compiling. MBGD runs with batch sizes 1, 32 and 256
(the per-row, the single-threaded and the threaded epoch kernels); FISTA with
an L1 penalty. The data are above the small-problem limit (rows x features x
outputs > :data:`fastlr._solvers.objective.SMALL_WORK`: smaller fits run their
passes in NumPy and compile nothing), so the compiled passes are the ones
warmed. One progress line per step with its seconds, then the total. A step
that fails is reported and the others go on; the exit code is 1 only if every
step failed.
"""
from __future__ import annotations

import argparse
import itertools
import os
import time

HELP = "compile the common kernels ahead of time (for container images and CI)"

DTYPES = ("float64", "float32")
LAYOUTS = ("dense", "csr")
TARGETS = ("binary", "multiclass", "multilabel")
SOLVERS = ("mbgd", "lbfgs", "fista")
FAMILY = {"binary": "sigmoid", "multiclass": "softmax", "multilabel": "sigmoid"}
MBGD_BATCH_SIZES = (1, 32, 256)


def add_parser(commands, **_):
    p = commands.add_parser("warmup", help=HELP, description=__doc__.split("\n\n")[1],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, choices in (("dtype", DTYPES), ("layout", LAYOUTS), ("target", TARGETS),
                          ("solver", SOLVERS)):
        p.add_argument(f"--{name}", choices=choices, action="append",
                       help=f"only this {name} (repeatable; default: all of "
                            f"{', '.join(choices)})")
    p.set_defaults(run=run)
    return p


def _data(dtype, layout, target, n=None, d=6):
    import numpy as np
    import scipy.sparse as sp

    from .._solvers.objective import SMALL_WORK

    if n is None:  # just above the small-problem limit: the compiled passes run
        n = SMALL_WORK // d + 1024
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    X[rng.random((n, d)) < 0.5] = 0.0  # some zeros, so the CSR input is sparse
    X = X.astype(dtype)
    if target == "binary":
        y = np.arange(n) % 2
    elif target == "multiclass":
        y = np.arange(n) % 3
    else:
        y = np.stack([np.arange(n) % 2, (np.arange(n) // 2) % 2, (np.arange(n) // 4) % 2], 1)
    return (sp.csr_matrix(X) if layout == "csr" else X), y


def _fit_once(dtype, layout, target, solver):
    """Fit and predict tiny models for one combination (raises what the estimator raises)."""
    import warnings

    from .. import LogisticRegression

    X, y = _data(dtype, layout, target)
    settings = ([{"batch_size": b} for b in MBGD_BATCH_SIZES] if solver == "mbgd"
                else [{"penalty": "l1" if solver == "fista" else "l2"}])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 iterations do not converge; that is the point
        for extra in settings:
            model = LogisticRegression(solver=solver, max_iter=3, random_state=0, **extra)
            model.fit(X, y)
            model.predict_proba(X)
            model.predict_log_proba(X)
            model.predict(X)


def run(args) -> int:
    steps = list(itertools.product(args.dtype or DTYPES, args.layout or LAYOUTS,
                                   args.target or TARGETS, args.solver or SOLVERS))
    steps = list(dict.fromkeys(steps))  # a repeated option does not repeat a step
    if os.environ.get("FASTLR_NO_CACHE", "0") == "1":
        print("note: FASTLR_NO_CACHE=1, so the compiled kernels are not cached for "
              "later processes")
    width = len(str(len(steps)))
    failed = 0
    start = time.perf_counter()
    for i, (dtype, layout, target, solver) in enumerate(steps, 1):
        print(f"[{i:>{width}}/{len(steps)}] compiling {dtype} {layout} {target} "
              f"({FAMILY[target]}) {solver} ... ", end="", flush=True)
        t0 = time.perf_counter()
        try:
            _fit_once(dtype, layout, target, solver)
        except Exception as e:  # report and go on: a combination may be unsupported
            failed += 1
            message = " ".join(str(e).split())
            print(f"failed after {time.perf_counter() - t0:.1f} s: "
                  f"{type(e).__name__}: {message}", flush=True)
        else:
            print(f"{time.perf_counter() - t0:.1f} s", flush=True)
    where = ("not cached: FASTLR_NO_CACHE=1" if os.environ.get("FASTLR_NO_CACHE", "0") == "1"
             else "cached in " + (os.environ.get("NUMBA_CACHE_DIR")
                                  or "__pycache__ next to fastlr's kernels"))
    print(f"total {time.perf_counter() - start:.1f} s: {len(steps) - failed} of "
          f"{len(steps)} steps compiled, {failed} failed ({where})")
    return 1 if failed == len(steps) else 0
