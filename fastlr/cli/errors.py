"""The one exception type for a user's mistake (bad file, column, option or model file)."""
from __future__ import annotations

import contextlib
import sys
import warnings


class CLIError(Exception):
    """A problem with the user's input: ``main()`` prints it as one line and exits with 2.

    The message names the problem (the file, the column, the option) and, where
    there is one, the fix. Anything else that goes wrong is a bug and keeps its
    traceback.
    """

    def one_line(self) -> str:
        return " ".join(str(self).split())


def names(items, limit=10) -> str:
    """``a, b, c`` (or the first ``limit`` and how many more) for an error message."""
    items = [str(i) for i in items]
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown}, ... ({len(items) - limit} more)"


@contextlib.contextmanager
def warnings_as_lines():
    """Collect the warnings of the block; if it succeeds, print each once as one line
    on stderr (``fastlr: warning: ConvergenceWarning: ...``) instead of Python's
    two-line form with a source line. Deprecation warnings are dropped."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    shown = [w for w in caught
             if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))]
    for message in dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in shown):
        print("fastlr: warning: " + " ".join(message.split()), file=sys.stderr)
