"""Start-up: a whole Python process that fits a small model, fastlr against scikit-learn.

Every measurement is a fresh ``python -c`` process, timed from outside (wall
clock, interpreter start-up and imports included), on breast cancer (569 x 30,
float64) with default arguments:

- ``sklearn``: imports scikit-learn, fits its ``LogisticRegression()`` and
  predicts: the reference every ratio is taken against (median of its runs);
- ``cold``: the same with ``fastlr.LogisticRegression()`` and an empty
  ``NUMBA_CACHE_DIR`` (a first run on a new machine or container);
- ``warm``: the same with the cache filled by an earlier process;
- ``readonly``: a warm process that fits and predicts a writable X, then the
  same data read-only (``setflags(write=False)``) and memory-mapped
  (``np.load(..., mmap_mode="r")``), with a cache that only writable fits
  have filled: read-only data must not compile anything new.

Targets (docs/user-guide.md, "Start-up"): cold <= 3x, warm <= 1.2x,
readonly <= 1.2x the scikit-learn process. This file only measures and
reports (``extra_info["ratio"]`` and the summary line); nothing here asserts
a time. ``python bench/test_bench_startup.py`` prints the same table
without pytest.
"""
from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import pytest

DATA = "from sklearn.datasets import load_breast_cancer\nX, y = load_breast_cancer(return_X_y=True)\n"
SKLEARN = ("from sklearn.linear_model import LogisticRegression\n" + DATA +
           "LogisticRegression().fit(X, y).predict(X)\n")
FASTLR = "import fastlr\n" + DATA + "fastlr.LogisticRegression().fit(X, y).predict(X)\n"
READONLY = FASTLR + """
import os, tempfile, numpy as np
Xr = X.copy()
Xr.setflags(write=False)
fastlr.LogisticRegression().fit(Xr, y).predict_proba(Xr)
path = os.path.join(tempfile.mkdtemp(), "X.npy")
np.save(path, X)
Xm = np.load(path, mmap_mode="r")
fastlr.LogisticRegression().fit(Xm, y).predict_proba(Xm)
"""
TARGETS = {"cold": 3.0, "warm": 1.2, "readonly": 1.2}


#: CPU seconds (user + system) of the processes measured, by case
CPU = {}


def _children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_process(code, cache_dir=None):
    """(wall, CPU) seconds of ``python -c code`` (NUMBA_CACHE_DIR=cache_dir when
    given); CPU time is steadier than wall time on a busy machine."""
    env = dict(os.environ)
    env.pop("FASTLR_NO_CACHE", None)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    c0 = _children_cpu()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, _children_cpu() - c0


class Caches:
    """Numba cache directories: a filled one (by writable fits only) and fresh ones."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="fastlr-startup-")
        self.filled = os.path.join(self.root, "filled")
        run_process(FASTLR, self.filled)  # compile once, writable X only
        self.n = 0

    def empty(self):
        self.n += 1
        return os.path.join(self.root, f"empty{self.n}")

    def copy_of_filled(self):
        """A copy, so that whatever one run adds does not reach the next."""
        self.n += 1
        dst = os.path.join(self.root, f"copy{self.n}")
        if os.path.isdir(self.filled):
            shutil.copytree(self.filled, dst)
        else:  # the small fits compiled nothing: no cache directory was made
            os.makedirs(dst)
        return dst

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


def measure(case, caches):
    """Wall seconds of one process of ``case``; its CPU seconds go to ``CPU[case]``."""
    if case == "sklearn":
        wall, cpu = run_process(SKLEARN)
    elif case == "cold":
        wall, cpu = run_process(FASTLR, caches.empty())
    elif case == "warm":
        wall, cpu = run_process(FASTLR, caches.filled)
    else:
        wall, cpu = run_process(READONLY, caches.copy_of_filled())
    CPU.setdefault(case, []).append(cpu)
    return wall


@pytest.fixture(scope="module")
def caches():
    c = Caches()
    yield c
    c.close()


@pytest.fixture(scope="module")
def sklearn_seconds():
    run_process(SKLEARN)  # page cache
    return statistics.median(measure("sklearn", None) for _ in range(3))


@pytest.mark.parametrize("case", ["cold", "warm", "readonly"])
def test_startup(benchmark, case, caches, sklearn_seconds):
    benchmark.group = f"start-up {case} (whole process)"
    benchmark.pedantic(lambda: measure(case, caches), rounds=3, warmup_rounds=0,
                       iterations=1)
    ratio = benchmark.stats.stats.median / sklearn_seconds
    cpu_ratio = statistics.median(CPU[case][-3:]) / statistics.median(CPU["sklearn"])
    benchmark.extra_info.update(
        impl="fastlr", kind="startup", case=case, target=TARGETS[case],
        ratio=round(ratio, 3), sklearn_process_seconds=round(sklearn_seconds, 3),
        cpu_ratio=round(cpu_ratio, 3), cpu_seconds=round(statistics.median(CPU[case][-3:]), 3),
        sklearn_cpu_seconds=round(statistics.median(CPU["sklearn"]), 3))
    print(f"\nstart-up {case}: fastlr/sklearn = {ratio:.2f} wall, {cpu_ratio:.2f} CPU "
          f"(target <= {TARGETS[case]}), sklearn process {sklearn_seconds:.2f} s")


def main(rounds=3):
    """All four measurements interleaved, ``rounds`` times; prints medians and ratios."""
    caches = Caches()
    try:
        times = {c: [] for c in ("sklearn", "cold", "warm", "readonly")}
        for _ in range(rounds):
            for case in times:
                times[case].append(measure(case, caches))
        cpu = CPU
    finally:
        caches.close()
    sk, skc = statistics.median(times["sklearn"]), statistics.median(cpu["sklearn"])
    print(f"sklearn process: {sk:.2f} s wall, {skc:.2f} s CPU (median of {rounds})")
    for case, target in TARGETS.items():
        t, c = statistics.median(times[case]), statistics.median(cpu[case])
        print(f"{case:>8}: {t:.2f} s wall ({t / sk:.2f}x), {c:.2f} s CPU ({c / skc:.2f}x)  "
              f"target <= {target}x;  wall runs {' '.join(f'{x:.2f}' for x in times[case])}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
