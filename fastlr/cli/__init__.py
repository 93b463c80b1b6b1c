"""The ``fastlr`` command line: train, predict and evaluate on your own data files.

``fastlr train DATA --target COLUMN --output MODEL``, ``fastlr predict``,
``fastlr evaluate``, ``fastlr warmup`` and ``fastlr demo`` (what
``python -m fastlr`` runs without a command). See ``docs/cli.md``.

Layout (one idea per module):
  app        the parser, the dispatch to a command, user errors -> exit code 2
  errors     CLIError, the one exception type for a user's mistake
  data       reading DATA files (CSV, Parquet, NPZ, svmlight) by extension
  modelfile  saving and loading a fitted model with what it needs to read new data
  estimator  choosing the estimator, --param and the flags generated from its parameters
  report     classification reports as text or JSON
  train, predict, evaluate, warmup, demo: the commands

Only ``app`` and the command modules' parsers are imported to parse the command
line; NumPy-heavy work (pandas, scikit-learn, the estimators) is imported inside
the command that needs it.
"""
from .app import main
from .errors import CLIError

__all__ = ["CLIError", "main"]
