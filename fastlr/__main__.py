"""``python -m fastlr``: the ``fastlr`` command line (see :mod:`fastlr.cli`).

Without a command it runs the demo (train on scikit-learn's bundled datasets,
print reports and timings), as it always did; ``python -m fastlr --help``
lists the commands: train, predict, evaluate, warmup, demo.
"""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
