"""The "good defaults" comparison: every estimator with only ``random_state`` set
against scikit-learn's ``LogisticRegression()`` with its defaults, on raw data
of the shapes users bring. Used by ``bench/test_bench_defaults.py`` (full
sizes, timed) and ``tests/test_defaults.py`` (small sizes, accuracy only).
"""
from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.model_selection import train_test_split

import fastlr
from fastlr.datasets import (make_bag_of_words, make_imbalanced_table, make_mixed_table,
                             make_scaled_table)

#: (name, loader(scale) -> (X, y)); ``scale`` in (0, 1] shrinks the synthetic sets
DATASETS = [
    ("breast cancer (raw)", lambda s: load_breast_cancer(return_X_y=True)),
    ("digits (raw pixels)", lambda s: load_digits(return_X_y=True)),
    ("100k x 50, 5 classes, scales 1e-2..1e3 + offsets",
     lambda s: make_scaled_table(int(100_000 * s))),
    ("imbalanced, 8% minority", lambda s: make_imbalanced_table(int(50_000 * s))),
    ("bag of words CSR, binary", lambda s: make_bag_of_words(int(100_000 * s), int(2**18 * s))),
    ("bag of words CSR, 20 classes",
     lambda s: make_bag_of_words(int(100_000 * s), int(2**18 * s), n_classes=20)),
    ("income/age + one-hot (CSR)", lambda s: make_mixed_table(int(50_000 * s))),
]


def estimators_for(y):
    """The estimators that take this target, each with only random_state set."""
    ests = {"LogisticRegression": fastlr.LogisticRegression(random_state=0),
            "SoftmaxRegression": fastlr.SoftmaxRegression(random_state=0)}
    if len(np.unique(y)) == 2:
        ests["SigmoidRegression"] = fastlr.SigmoidRegression(random_state=0)
    return ests


def _fit_score(model, Xtr, ytr, Xte, yte, warm=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if warm:  # untimed: the first fit of a kernel in a process loads it from the cache
            clone(model).fit(Xtr, ytr)
        t0 = time.perf_counter()
        model.fit(Xtr, ytr)
        seconds = time.perf_counter() - t0
    return float(model.score(Xte, yte)), seconds


def compare(name, loader, scale=1.0, warm=False):
    """{estimator: (test accuracy, fit seconds)} including scikit-learn's, for one set;
    with ``warm``, each time is that of a second fit (the first, untimed, loads the
    kernels a problem of this kind needs: in a fresh process, see the user guide's
    "Start-up")."""
    X, y = loader(scale)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    rows = {"scikit-learn LogisticRegression()": _fit_score(SkLogisticRegression(), Xtr, ytr,
                                                            Xte, yte, warm)}
    for est_name, est in estimators_for(y).items():
        rows[est_name] = _fit_score(est, Xtr, ytr, Xte, yte, warm)
    return rows


if __name__ == "__main__":  # python bench/defaults.py [scale]
    import sys

    s = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    for name, loader in DATASETS:
        for est, (acc, sec) in compare(name, loader, s).items():
            print(f"{name:50s} {est:36s} {acc:.4f} {sec:8.2f} s", flush=True)
