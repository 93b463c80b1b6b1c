"""``fastlr predict MODEL DATA --output PREDICTIONS [--proba]``: a CSV of predictions."""
from __future__ import annotations

import argparse
import sys

HELP = "write a CSV of predicted labels (or class probabilities) for DATA"

DESCRIPTION = """\
Predict DATA with a model saved by 'fastlr train' and write a CSV: one column
named after the model's target column with the predicted labels, or with
--proba one column per class, proba_<class>, in the order of the model's
classes. The model's feature columns are selected from DATA by name and put
in the training order; other columns (including the target) are ignored, a
missing one is an error. Rows are written in DATA's order."""


def add_parser(commands, **_):
    p = commands.add_parser("predict", help=HELP, description=DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", metavar="MODEL", help="model file written by 'fastlr train'")
    p.add_argument("data", metavar="DATA", help="data file (.csv, .parquet, .npz, .svm, .libsvm)")
    p.add_argument("--output", "-o", required=True, metavar="PREDICTIONS",
                   help="CSV file to write ('-': standard output)")
    p.add_argument("--proba", action="store_true",
                   help="write class probabilities (proba_<class> columns) instead of labels")
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    import pandas as pd

    from .errors import CLIError
    from .modelfile import load_model, read_for

    model = load_model(args.model)
    data = read_for(model, args.data)
    est = model.estimator
    try:
        if args.proba:
            P = est.predict_proba(data.X)
            table = pd.DataFrame(P, columns=[f"proba_{c}" for c in est.classes_.tolist()])
        else:
            table = pd.DataFrame({model.target: est.predict(data.X)})
    except ValueError as e:
        raise CLIError(f"cannot predict {args.data}: {e}") from None
    if args.output == "-":
        table.to_csv(sys.stdout, index=False)
        return 0
    try:
        table.to_csv(args.output, index=False)
    except OSError as e:
        raise CLIError(f"cannot write {args.output}: {e.strerror or e}") from None
    what = "class probabilities" if args.proba else "predictions"
    print(f"wrote {what} for {data.n_samples} rows of {args.data} to {args.output}")
    return 0
