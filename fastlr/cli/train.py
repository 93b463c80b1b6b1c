"""``fastlr train DATA --target COLUMN --output MODEL``: fit, report on a held-out split, save."""
from __future__ import annotations

import argparse
import time

HELP = "fit an estimator on DATA, report on a held-out split, save the model"

DESCRIPTION = """\
Fit a fastlr estimator on DATA, print a classification report on a stratified
held-out split (--test-size of the rows, default 0.2), and save the model to
MODEL with the feature column names, the target column name and the fastlr
version, for 'fastlr predict' and 'fastlr evaluate'.

The saved model is the one trained on the training split only (it is not
refitted on all rows), so the report describes exactly the saved model. To
train on every row, pass --test-size 0 (no report then).

DATA: .csv (header row; string labels allowed), .parquet (needs pyarrow),
.npz (arrays X and y; --target not needed) or .svm/.libsvm (svmlight; the
label is in the file; --target not needed). Feature columns are all other
columns and must be numeric."""


def test_size(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text!r}")
    return value


def add_parser(commands, *, estimator_flags=True):
    from . import estimator

    p = commands.add_parser("train", help=HELP, description=DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", metavar="DATA", help="training data file")
    p.add_argument("--target", metavar="COLUMN",
                   help="the label column (required for CSV and Parquet; for NPZ the label "
                        "array, default y)")
    p.add_argument("--output", "-o", required=True, metavar="MODEL",
                   help="where to save the fitted model (joblib)")
    p.add_argument("--test-size", type=test_size, default=0.2, metavar="FRACTION",
                   help="share of rows held out for the report, stratified by label "
                        "(default 0.2; 0: train on all rows, no report)")
    p.add_argument("--random-state", type=int, default=0, metavar="SEED",
                   help="seeds the split and, unless --param random_state=... is given, "
                        "the estimator (default 0)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (accuracy, the report's rows, n_train, "
                        "n_test, fit_seconds, ...) instead of the text report")
    estimator.add_options(p, flags=estimator_flags)
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    import numpy as np

    from . import estimator, report
    from .data import read_data
    from .errors import CLIError
    from .modelfile import ModelFile, save_model

    est = estimator.build(args.estimator, estimator.params_from_args(args),
                          random_state=args.random_state)  # bad parameters before reading
    data = read_data(args.data, target=args.target)
    X, y = data.X, data.y
    if args.test_size > 0:
        from sklearn.model_selection import train_test_split

        try:
            X, X_test, y, y_test = train_test_split(
                X, y, test_size=args.test_size, stratify=y, random_state=args.random_state)
        except ValueError as e:
            raise CLIError(f"cannot hold out a stratified --test-size {args.test_size} of "
                           f"{data.n_samples} rows: {e}") from None
    t0 = time.perf_counter()
    estimator.fit(est, X, y)
    fit_seconds = time.perf_counter() - t0
    save_model(args.output, ModelFile(est, data.feature_names, data.target, data.format,
                                      data.reader_options))
    n_test = data.n_samples - X.shape[0]
    counts = {"n_train": X.shape[0], "n_test": n_test, "n_features": X.shape[1],
              "n_iter": int(sum(np.atleast_1d(est.n_iter_))), "fit_seconds": round(fit_seconds, 4),
              "estimator": type(est).__name__, "model": str(args.output)}
    if args.json:
        scores = report.scores(y_test, est.predict(X_test)) if n_test else {}
        print(report.as_json(scores, **counts))
        return 0
    print(f"trained {estimator.describe(est)} on {X.shape[0]} rows x {X.shape[1]} features "
          f"of {args.data} in {fit_seconds:.2f} s")
    if n_test:
        print(f"\nheld-out split: {n_test} rows (--test-size {args.test_size})\n")
        print(report.text(y_test, est.predict(X_test)))
        print(f"\nsaved the model trained on the {X.shape[0]} training rows to {args.output} "
              "(--test-size 0 trains on all rows)")
    else:
        print(f"saved the model trained on all {X.shape[0]} rows to {args.output} "
              "(no held-out report with --test-size 0)")
    return 0
