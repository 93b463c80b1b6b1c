"""``main()``: parse the command line, run the command, turn a user's mistake into exit code 2.

Exit codes: 0 success; 1 ``warmup`` where every step failed; 2 bad input (a
missing file, an unknown column, an unreadable or unsupported format, a file
that is not a fastlr model, a bad option or ``--param``), reported as exactly
one line on stderr, ``fastlr: error: ...``, without a traceback.
"""
from __future__ import annotations

import argparse
import os
import sys

from . import demo, evaluate, predict, train, warmup
from .errors import CLIError

COMMANDS = {"train": train, "predict": predict, "evaluate": evaluate, "warmup": warmup,
            "demo": demo}

DESCRIPTION = "fastlr: fast logistic regression on your own data files."

EPILOG = """\
Without a command, 'fastlr' (and 'python -m fastlr') runs the demo, and
options before any command go to the demo: 'python -m fastlr --dataset digits'.
'fastlr COMMAND --help' describes a command. Errors in the input exit with
code 2 and one line on stderr. See docs/cli.md."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are CLIErrors (one line, exit code 2)."""

    def error(self, message):
        raise CLIError(f"{message} (see '{self.prog} --help')")


def build_parser(command=None) -> Parser:
    """The whole parser. The estimator's flags of ``train`` are generated (which
    imports the estimators) only when ``command`` is ``"train"``."""
    from .. import __version__

    parser = Parser(prog="fastlr", description=DESCRIPTION, epilog=EPILOG,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"fastlr {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
        module.add_parser(commands, estimator_flags=(command == name))
    return parser


def main(argv=None) -> int:
    """Run ``fastlr`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    ``--help`` and ``--version`` raise SystemExit(0), as argparse does.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "demo")  # 'python -m fastlr [--dataset NAME]': the demo, as before
    try:
        args = build_parser(argv[0]).parse_args(argv)
        return int(args.run(args) or 0)
    except CLIError as e:
        print(f"fastlr: error: {e.one_line()}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # 'fastlr predict ... -o - | head': the reader left
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # no real stdout (e.g. captured)
            pass
        return 1
    except KeyboardInterrupt:
        print("fastlr: interrupted", file=sys.stderr)
        return 130
