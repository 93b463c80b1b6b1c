"""LogisticRegression with default arguments: fastlr against scikit-learn, side by side.

The seven cases of ``tests/test_sklearn_parity.py`` (where the two reach the
same optimum and fastlr's default fit is at least as converged), each fitted
with identical arguments by both; the summary prints the ratios of this run.
Then the "good defaults" table: every estimator with only ``random_state``
set, on raw data of the shapes users bring (``bench/defaults.py``), test
accuracy and fit time next to scikit-learn's ``LogisticRegression()``.
"""
from __future__ import annotations

import importlib
import os
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import fastlr
from benchutil import run
from defaults import DATASETS, compare

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from test_sklearn_parity import CASES, IDS  # noqa: E402  (the same cases as the tests)


@pytest.mark.parametrize("impl", ["fastlr", "fastlr-numpy", "sklearn"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_default_fit(benchmark, case, impl, monkeypatch):
    name, X, y, kw, sw, _, _ = case
    Est = SkLogisticRegression if impl == "sklearn" else fastlr.LogisticRegression
    if impl == "fastlr-numpy":
        # a process that has not loaded the kernels: small problems run in NumPy
        from fastlr._solvers.objective import SMALL_WORK

        k = len(np.unique(y))
        if X.shape[0] * X.shape[1] * (1 if k == 2 else k) > SMALL_WORK:
            pytest.skip("not a small problem: the kernels run in any process")
        for module in ("fastlr._solvers.objective", "fastlr._estimators.scaling"):
            monkeypatch.setattr(importlib.import_module(module), "kernels_loaded",
                                lambda: False)
    if impl == "fastlr":
        # a process with the kernels loaded (after `fastlr warmup`'s cache and any fit
        # above the small-problem size): small problems then run compiled too; a
        # process that only ever fits small models keeps them in NumPy (docs/defaults.md)
        importlib.import_module("fastlr._kernels")
        Est(**kw).fit(X[:50], y[:50])

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            Est(**kw).fit(X, y, sample_weight=sw)

    run(benchmark, fit, impl, f"LogisticRegression defaults: {name}",
        rounds=1 if impl == "sklearn" else 3, warmup=0, kind="parity")



#: the synthetic sets at this fraction of their full size (100k rows, 2^18 words): the
#: full size takes scikit-learn minutes per fit on this 2-core machine
DEFAULTS_SCALE = float(os.environ.get("FASTLR_DEFAULTS_SCALE", "0.2"))


@pytest.mark.parametrize("dataset", DATASETS, ids=[d[0] for d in DATASETS])
def test_good_defaults(benchmark, dataset):
    name, loader = dataset
    rows = {}

    def once():
        rows.update(compare(name, loader, DEFAULTS_SCALE, warm=True))

    benchmark.group = f"defaults: {name}"
    benchmark.pedantic(once, rounds=1, warmup_rounds=0, iterations=1)
    benchmark.extra_info.update(impl="table", kind="defaults", scale=DEFAULTS_SCALE,
                                results={k: {"accuracy": a, "seconds": s}
                                         for k, (a, s) in rows.items()})
    peer = rows["scikit-learn LogisticRegression()"][0]
    for est, (acc, _) in rows.items():
        assert acc >= peer - 0.005, (est, acc, peer)
