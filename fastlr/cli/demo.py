"""``fastlr demo`` (and ``python -m fastlr`` without a command): train on bundled data.

Trains :class:`fastlr.LogisticRegression` with default settings on scikit-learn's
bundled Breast Cancer Wisconsin (raw features) and digits (raw 0-16 pixels)
data, stratified 75/25 splits, prints the classification reports (class rows
first), and times the training next to the NumPy reference implementation
running the same algorithm for the same number of epochs.
"""
from __future__ import annotations

import argparse
import time

HELP = "train on scikit-learn's bundled datasets, print reports and timings"

#: dataset name -> the name of its sklearn.datasets loader
DATASETS = {"breast_cancer": "load_breast_cancer", "digits": "load_digits"}


def add_parser(commands, **_):
    p = commands.add_parser("demo", help=HELP, description=__doc__.split("\n\n")[1],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=[*DATASETS, "all"], default="all",
                   help="which bundled dataset (default: all)")
    p.set_defaults(run=run)
    return p


def _reference_fit(model, X, y):
    """The NumPy reference trained like ``model`` for ``model.n_iter_`` epochs."""
    import numpy as np

    from .. import reference

    family = model._fastlr_family
    pos = np.searchsorted(model.classes_, y)
    T = pos[:, None].astype(X.dtype) if family == "sigmoid" else pos
    l1, l2 = model._penalty_split()
    W, b, _ = reference.fit_mbgd(
        family, X, T, np.ones(len(y), X.dtype), n_outputs=model.coef_.shape[0],
        batch_size=model.batch_size, eta=model.learning_rate, epochs=model.n_iter_,
        rng=np.random.default_rng(0), l1=l1, l2=l2)
    Z = X @ W.T + b
    return W, b, Z


def run_dataset(name, seed=0, out=print):
    import sklearn.datasets
    from sklearn.model_selection import train_test_split

    from .. import LogisticRegression
    from ..metrics import classification_report

    loader = getattr(sklearn.datasets, DATASETS[name])
    bunch = loader()
    X, y = bunch.data, bunch.target
    names = list(getattr(bunch, "target_names", []))
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    t0 = time.perf_counter()
    model = LogisticRegression(random_state=seed).fit(Xtr, ytr)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    _reference_fit(model, Xtr, ytr)
    t_ref = time.perf_counter() - t0
    pred = model.predict(Xte)
    out(f"== {name}: {Xtr.shape[0]} training rows x {Xtr.shape[1]} features, "
        f"{len(model.classes_)} classes, {model.n_iter_} epochs ==")
    target_names = [str(n) for n in names] if len(names) == len(model.classes_) else None
    out(classification_report(yte, pred, target_names=target_names))
    out(f"test accuracy {model.score(Xte, yte):.4f}")
    out(f"training time: fastlr {t_fit * 1e3:.1f} ms, NumPy reference "
        f"{t_ref * 1e3:.1f} ms (same algorithm, {model.n_iter_} epochs) -> "
        f"{t_ref / t_fit:.1f}x\n")
    return model


def run(args) -> int:
    import numpy as np

    from .. import LogisticRegression

    # first call compiles (or loads cached) kernels: time it once, apart
    t0 = time.perf_counter()
    LogisticRegression(max_iter=1, tol=None).fit(np.random.rand(20, 3), np.arange(20) % 2)
    LogisticRegression(max_iter=1, tol=None).fit(np.random.rand(20, 3), np.arange(20) % 3)
    print(f"kernel start-up (compile or load from cache): {time.perf_counter() - t0:.2f} s\n")
    for name in DATASETS if args.dataset == "all" else [args.dataset]:
        run_dataset(name)
    return 0
