"""The classification report: class-specific precision / recall / F1 first,
then the summaries, under scikit-learn's row names plus fastlr's
``"macro avg (harmonic F1)"``."""

from __future__ import annotations

import numpy as np

from ._averages import _average, _harmonic
from ._counting import _fraction, _label_counts
from ._prf import _scores
from ._validation import _check_targets
from ._zero_division import _check_zero_division

#: fastlr's row that scikit-learn's report does not have
HARMONIC = "macro avg (harmonic F1)"
_KEYS = ("precision", "recall", "f1-score", "support")


def _support_value(s):
    """A support as a Python int when it is integral, else a float."""
    s = s.item() if isinstance(s, np.generic) else s
    return int(s) if float(s).is_integer() else float(s)


def classification_report(
    y_true,
    y_pred,
    labels=None,
    target_names=None,
    digits=3,
    output_dict=False,
    sample_weight=None,
    zero_division="warn",
):
    """Text (or dict) report: class-specific scores first, then summaries.

    Rows, in order: one per label (precision, recall, F1, support), then the
    summaries, with scikit-learn's names and numbers:

    * ``accuracy`` for single-label targets when every true and predicted
      label is reported (micro precision = recall = F1 = accuracy then);
      otherwise (``labels`` leaves some out, or multilabel targets)
      ``micro avg``;
    * ``macro avg``: the unweighted mean of the per-label scores (F1 = the
      mean of the per-label F1, as :func:`f1_macro`);
    * ``macro avg (harmonic F1)`` (fastlr only): the same precision and
      recall, F1 = their harmonic mean, as :func:`f1_macro_harmonic`;
    * ``weighted avg``: the support-weighted mean;
    * ``samples avg`` (multilabel targets): scores per sample, averaged.

    The support of a summary is the total support over ``labels``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        Class labels or multilabel indicator matrices (0/1, dense or
        scipy.sparse).
    labels : array-like of shape (K,), optional
        Labels to report, in this order (default: sorted union; for
        multilabel targets, column indices, default all columns).
    target_names : list of str, optional
        Display names for ``labels`` (same length); default ``str(label)``.
    digits : int, default=3
        Decimal places of the scores in the text report.
    output_dict : bool, default=False
        Return a dict ``{row name: {"precision", "recall", "f1-score",
        "support"}}`` (with ``"accuracy"`` mapped to a float) instead of text.
        It has scikit-learn's keys, with its values, plus
        ``"macro avg (harmonic F1)"``.
    sample_weight : array-like of shape (n_samples,), optional
    zero_division : {"warn", 0, 1, np.nan}, default="warn"
        Value of a score with a zero denominator; ``"warn"`` gives 0 and an
        :class:`~sklearn.exceptions.UndefinedMetricWarning`.

    Returns
    -------
    str or dict

    Examples
    --------
    >>> print(classification_report([0, 0, 0, 1], [0, 0, 1, 1], target_names=["neg", "pos"]))
                            precision    recall  f1-score   support
    <BLANKLINE>
                        neg     1.000     0.667     0.800         3
                        pos     0.500     1.000     0.667         1
    <BLANKLINE>
                   accuracy                         0.750         4
                  macro avg     0.750     0.833     0.733         4
    macro avg (harmonic F1)     0.750     0.833     0.789         4
               weighted avg     0.875     0.750     0.767         4
    >>> classification_report([0, 1], [0, 1], output_dict=True)["macro avg (harmonic F1)"]
    {'precision': 1.0, 'recall': 1.0, 'f1-score': 1.0, 'support': 2}
    >>> print(classification_report([[1, 0], [1, 1]], [[1, 0], [0, 1]], digits=2))
                            precision    recall  f1-score   support
    <BLANKLINE>
                          0      1.00      0.50      0.67         2
                          1      1.00      1.00      1.00         1
    <BLANKLINE>
                  micro avg      1.00      0.67      0.80         3
                  macro avg      1.00      0.75      0.83         3
    macro avg (harmonic F1)      1.00      0.75      0.86         3
               weighted avg      1.00      0.67      0.78         3
                samples avg      1.00      0.75      0.83         3
    """
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}.")
    _check_zero_division(zero_division)
    targets = _check_targets(y_true, y_pred, sample_weight)
    counts = _label_counts(targets, labels)
    if target_names is None:
        names = [str(label) for label in counts.labels.tolist()]
    else:
        names = [str(name) for name in target_names]
        if len(names) != counts.labels.shape[0]:
            raise ValueError(
                f"target_names has {len(names)} entries but there are "
                f"{counts.labels.shape[0]} labels."
            )
    per_class = _scores(counts.tp, counts.pred_sum, counts.true_sum, zero_division)
    rows = {name: (float(p), float(r), float(f), _support_value(s))
            for name, p, r, f, s in zip(names, *per_class, counts.true_sum)}

    def average(kind):
        return _average(kind, counts, targets, zero_division, per_class=per_class)

    summary, acc = {}, None
    if not targets.multilabel and counts.covered:
        acc = _fraction(counts.tp.sum(), counts.total)
    else:
        summary["micro avg"] = average("micro")
    macro = average("macro")
    summary["macro avg"] = macro
    summary[HARMONIC] = (macro.precision, macro.recall,
                         _harmonic(macro.precision, macro.recall, zero_division),
                         macro.support)
    summary["weighted avg"] = average("weighted")
    if targets.multilabel:
        summary["samples avg"] = average("samples")
    summary = {name: (float(p), float(r), float(f), _support_value(s))
               for name, (p, r, f, s) in summary.items()}

    if output_dict:
        clash = set(rows) & {*summary, "accuracy"}
        if clash:
            raise ValueError(
                f"Class name(s) {sorted(clash)} clash with summary rows; pass "
                "target_names to rename them."
            )
        out = {name: dict(zip(_KEYS, values)) for name, values in rows.items()}
        if acc is not None:
            out["accuracy"] = acc
        out.update((name, dict(zip(_KEYS, values))) for name, values in summary.items())
        return out
    return _format(rows, summary, acc, digits)


def _format(rows, summary, acc, digits) -> str:
    """The text report: class rows, a blank line, the summary rows."""
    name_width = max(len(name) for name in [*rows, *summary, "accuracy"])
    col = max(len("precision"), digits + 2) + 1

    def fmt_support(s):
        return f"{s:>{col}}" if isinstance(s, int) else f"{s:>{col}.{digits}f}"

    def line(name, p, r, f, s):
        return (f"{name:>{name_width}}" + f"{p:>{col}.{digits}f}" + f"{r:>{col}.{digits}f}"
                + f"{f:>{col}.{digits}f}" + fmt_support(s))

    lines = [" " * name_width + "".join(f"{h:>{col}}" for h in _KEYS), ""]
    lines += [line(name, *values) for name, values in rows.items()]
    lines.append("")
    if acc is not None:
        support = next(iter(summary.values()))[3]  # every summary: the total support
        lines.append(f"{'accuracy':>{name_width}}" + " " * (2 * col)
                     + f"{acc:>{col}.{digits}f}" + fmt_support(support))
    lines += [line(name, *values) for name, values in summary.items()]
    return "\n".join(lines)
