"""Threads that never lose: a threaded MBGD fit (batch 256, MNIST-shaped) with fastlr's
default choice of thread count per segment, against always all threads and always one,
on a quiet machine and with a busy neighbour (a process spinning on one core).

    cd bench && python -m pytest --benchmark-only test_bench_threads.py -q \
        --benchmark-json=threads_results.json
    python threads_report.py threads_results.json

Each case records ``load`` (quiet/busy), ``mode`` (choice/threads/one) and ``cores``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

import shapes as S
from benchutil import run

ROWS = 30_000
MODES = ("choice", "threads", "one")
LOADS = ("quiet", "busy")


@pytest.fixture(scope="module")
def data():
    X, y = S.mnist_like()
    return np.ascontiguousarray(X[:ROWS]), y[:ROWS]


@pytest.fixture(params=LOADS)
def load(request):
    if request.param == "quiet":
        yield "quiet"
        return
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    time.sleep(0.3)
    try:
        yield "busy"
    finally:
        spinner.kill()
        spinner.wait()


@pytest.mark.parametrize("mode", MODES)
def test_threaded_fit(benchmark, data, load, mode, monkeypatch):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: nothing to choose")
    from fastlr import SoftmaxRegression
    from fastlr._solvers import thread_choice

    monkeypatch.setattr(thread_choice, "_LAST_CHOICE", {})  # no case starts on another's
    if mode == "threads":  # the rule before: every segment on all threads
        def always(self):
            self.probing = False
            return self.threads
        monkeypatch.setattr(thread_choice.ThreadChoice, "next", always)
    X, y = data
    model = SoftmaxRegression(batch_size=256, max_iter=2, tol=None, random_state=0,
                              n_jobs=1 if mode == "one" else None)
    model.fit(X[:2000], y[:2000])  # compile outside the timing

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)

    run(benchmark, fit, "fastlr", f"threads: MNIST-shaped {ROWS} rows, batch 256, {load}",
        rounds=5, warmup=1, kind="threads", load=load, mode=mode, cores=os.cpu_count(),
        rows=ROWS, features=X.shape[1], epochs=2)
