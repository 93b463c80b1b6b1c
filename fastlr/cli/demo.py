"""``fastlr demo`` (and ``python -m fastlr`` without a command): train on bundled data.

Trains :class:`fastlr.LogisticRegression` with default settings on scikit-learn's
bundled Breast Cancer Wisconsin (raw features) and digits (raw 0-16 pixels)
data, stratified 75/25 splits, prints the classification reports (class rows
first), and times the training next to scikit-learn's LogisticRegression with
its defaults (the same arguments, the same model).
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


def run_dataset(name, seed=0, out=print):
    import warnings

    import sklearn.datasets
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression
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
    with warnings.catch_warnings():  # scikit-learn stops at max_iter on raw data
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        peer = SkLogisticRegression().fit(Xtr, ytr)
        t_peer = time.perf_counter() - t0
    pred = model.predict(Xte)
    out(f"== {name}: {Xtr.shape[0]} training rows x {Xtr.shape[1]} features, "
        f"{len(model.classes_)} classes, {model.solver_}, {int(model.n_iter_[0])} iterations ==")
    target_names = [str(n) for n in names] if len(names) == len(model.classes_) else None
    out(classification_report(yte, pred, target_names=target_names))
    out(f"test accuracy: fastlr {model.score(Xte, yte):.4f}, "
        f"scikit-learn {peer.score(Xte, yte):.4f}")
    out(f"training time: fastlr {t_fit * 1e3:.1f} ms, scikit-learn "
        f"{t_peer * 1e3:.1f} ms (LogisticRegression() in both) -> {t_peer / t_fit:.1f}x\n")
    return model


def warm_up() -> float:
    """Load the compiled kernels the demo's fits use; returns the seconds it took.

    The first compiled fit of a process compiles (or loads cached) kernels: the demo
    times that once, apart, on binary and multiclass float64 data above the
    small-problem limit (tinier data run in NumPy and load nothing: the digits fit then
    paid the start-up, 0.39 s against scikit-learn's 0.04 s), then on small data, which
    a process with the kernels loaded passes through their one-thread form (9 ms to
    load)."""
    import warnings

    from .. import LogisticRegression
    from .warmup import _data, _fit_once

    t0 = time.perf_counter()
    for target in ("binary", "multiclass"):
        _fit_once("float64", "dense", target, "lbfgs")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 3 iterations do not converge
            LogisticRegression(max_iter=3).fit(*_data("float64", "dense", target, n=200))
    return time.perf_counter() - t0


def run(args) -> int:
    print(f"kernel start-up (compile or load from cache): {warm_up():.2f} s\n")
    for name in DATASETS if args.dataset == "all" else [args.dataset]:
        run_dataset(name)
    return 0
