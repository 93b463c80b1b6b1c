"""``fastlr evaluate MODEL DATA [--target COLUMN] [--json]``: a report on labelled data."""
from __future__ import annotations

import argparse
import time

HELP = "print a classification report of a saved model on labelled DATA"

DESCRIPTION = """\
Predict labelled DATA with a model saved by 'fastlr train' and print a
classification report (class rows first, then accuracy and the averages), or
with --json one JSON object with "accuracy", the report's rows, "n_samples"
and "predict_seconds". The feature columns are read as for 'fastlr predict'."""


def add_parser(commands, **_):
    p = commands.add_parser("evaluate", help=HELP, description=DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", metavar="MODEL", help="model file written by 'fastlr train'")
    p.add_argument("data", metavar="DATA", help="labelled data file")
    p.add_argument("--target", metavar="COLUMN",
                   help="the label column (default: the model's target column)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object instead of the text report")
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    from . import report
    from .errors import CLIError
    from .modelfile import load_model, read_for

    model = load_model(args.model)
    data = read_for(model, args.data, target=args.target, need_target=True)
    t0 = time.perf_counter()
    try:
        y_pred = model.estimator.predict(data.X)
    except ValueError as e:
        raise CLIError(f"cannot predict {args.data}: {e}") from None
    seconds = time.perf_counter() - t0
    if args.json:
        print(report.as_json(report.scores(data.y, y_pred), n_samples=data.n_samples,
                             predict_seconds=round(seconds, 4), model=str(args.model)))
        return 0
    print(f"{type(model.estimator).__name__} from {args.model} on {data.n_samples} rows "
          f"of {args.data} (target {data.target!r})\n")
    print(report.text(data.y, y_pred))
    return 0
