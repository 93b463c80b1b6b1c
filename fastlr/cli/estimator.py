"""The estimator of ``fastlr train``: which class, its parameters, fitting it.

Nothing here lists the estimator's parameters: ``--param NAME=VALUE`` takes any
name that ``get_params()`` knows, and the convenience flags (``--max-iter 50``,
``--no-fit-intercept``) are generated from ``get_params()`` when the ``train``
parser is built, so a parameter added to the estimators is a flag at once.
Values are Python literals (``1e-3``, ``None``, ``{'a': 2}``); anything else is
a string (``lbfgs``); ``true``/``false``/``none`` in any case are accepted too.
Every value is checked with the estimator's own parameter validation before
any data is read.
"""
from __future__ import annotations

import argparse
import ast
import textwrap

from .errors import CLIError, names, warnings_as_lines

#: --estimator choices -> the public fastlr class
ESTIMATORS = {"logistic": "LogisticRegression", "sigmoid": "SigmoidRegression",
              "softmax": "SoftmaxRegression"}

#: estimator parameters that get no convenience flag: the command owns the name
#: (--random-state seeds the split and, by default, the estimator) or they do
#: nothing for a single fit from the command line
NO_FLAG = {"random_state", "warm_start"}


def estimator_class(kind):
    import fastlr

    return getattr(fastlr, ESTIMATORS[kind])


def parse_value(text: str):
    """A command-line value: a Python literal if it is one, else the string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def parse_param(text: str):
    """``NAME=VALUE`` -> (name, value); the argparse ``type`` of ``--param``."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), parse_value(value)


def _known_params():
    """{name: (default, named options)} of every estimator parameter, from get_params()
    of the classes (the options from scikit-learn's parameter constraints, if any)."""
    params = {}
    for kind in ESTIMATORS:
        cls = estimator_class(kind)
        constraints = getattr(cls, "_parameter_constraints", {})
        for name, default in cls().get_params().items():
            options = sorted(opt for c in constraints.get(name, [])
                             for opt in getattr(c, "options", ()) if isinstance(opt, str))
            params.setdefault(name, (default, options))
    return params


def add_options(parser, *, flags=True):
    """``--estimator``, ``--param`` and (``flags``) one flag per estimator parameter."""
    group = parser.add_argument_group("estimator", textwrap.fill(
        "The estimator and its parameters. --param NAME=VALUE (repeatable) sets any "
        "parameter of the estimator's get_params(); the flags below are generated from "
        "those parameters (defaults shown); --param wins over a flag. VALUE is a Python "
        "literal (1e-3, None, {'a': 2.0}) or else a string (lbfgs).", 78))
    group.add_argument("--estimator", choices=list(ESTIMATORS), default="logistic",
                       help="logistic: fastlr.LogisticRegression (picks sigmoid or softmax "
                            "from the target; default), sigmoid: SigmoidRegression, "
                            "softmax: SoftmaxRegression")
    group.add_argument("--param", type=parse_param, action="append", default=[],
                       metavar="NAME=VALUE", help="an estimator parameter (repeatable)")
    if not flags:
        return
    taken = set(parser._option_string_actions)
    for name, (default, options) in _known_params().items():
        flag = "--" + name.replace("_", "-")
        if name in NO_FLAG or flag in taken:
            continue
        dest = f"estimator_param:{name}"
        if isinstance(default, bool):
            group.add_argument(flag, dest=dest, action=argparse.BooleanOptionalAction,
                               default=argparse.SUPPRESS, help=f"(default: {default})")
        else:
            hint = f"; names: {', '.join(options)}" if options else ""
            group.add_argument(flag, dest=dest, type=parse_value, metavar="VALUE",
                               default=argparse.SUPPRESS,
                               help=f"(default: {default!r}{hint})".replace("%", "%%"))


def params_from_args(args) -> dict:
    """The parameters the user set: generated flags first, then --param in order."""
    params = {key.split(":", 1)[1]: value for key, value in vars(args).items()
              if key.startswith("estimator_param:")}
    params.update(dict(args.param))
    return params


def build(kind, params, random_state=None):
    """An unfitted estimator with ``params``, validated; CLIError for a bad name or value."""
    cls = estimator_class(kind)
    est = cls()
    known = est.get_params()
    unknown = [name for name in params if name not in known]
    if unknown:
        raise CLIError(f"unknown estimator parameter {unknown[0]!r} for {cls.__name__} "
                       f"(parameters: {names(sorted(known), limit=40)})")
    params = dict(params)
    if random_state is not None:
        params.setdefault("random_state", random_state)
    est.set_params(**params)
    try:
        est._validate_params()  # scikit-learn's check of _parameter_constraints
    except (ValueError, TypeError) as e:
        raise CLIError(f"bad estimator parameter: {e}") from None
    return est


def fit(est, X, y):
    """Fit; a ValueError from the estimator (bad data, divergence) is a CLIError.

    Warnings raised while fitting (e.g. ConvergenceWarning) are printed as one
    line each on stderr after a successful fit.
    """
    with warnings_as_lines():
        try:
            est.fit(X, y)
        except ValueError as e:
            raise CLIError(f"cannot fit {type(est).__name__}: {e}") from None
    return est


def describe(est) -> str:
    """``LogisticRegression (softmax, 3 classes, 41 epochs)``."""
    import numpy as np

    family = getattr(est, "_fastlr_family", "?")
    return (f"{type(est).__name__} ({family}, {len(est.classes_)} classes, "
            f"{int(sum(np.atleast_1d(est.n_iter_)))} "
            f"{'epochs' if getattr(est, 'solver_', est.solver) == 'mbgd' else 'iterations'})")
