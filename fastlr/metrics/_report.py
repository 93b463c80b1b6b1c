"""The classification report: class-specific precision / recall / F1 first,
then accuracy and the micro, macro (mean and harmonic F1) and weighted
averages."""

from __future__ import annotations

import numpy as np

from ._confusion import _counts, accuracy
from ._scores import _average, _harmonic, _scores


def classification_report(
    y_true,
    y_pred,
    labels=None,
    target_names=None,
    digits=3,
    output_dict=False,
    sample_weight=None,
):
    """Text (or dict) report: class-specific scores first, then summaries.

    Rows, in order: one per class (precision, recall, F1, support), then
    ``accuracy`` (over all samples), ``micro avg``, ``macro avg (mean F1)``
    (F1 = mean of the per-class F1, as :func:`f1_macro`),
    ``macro avg (harmonic F1)`` (F1 = harmonic mean of macro precision and
    recall, as :func:`f1_macro_harmonic`) and ``weighted avg``. Averages are
    taken over ``labels``; their support is the total support over ``labels``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like of shape (K,), optional
        Labels to report, in this order (default: sorted union).
    target_names : list of str, optional
        Display names for ``labels`` (same length); default ``str(label)``.
    digits : int, default=3
        Decimal places of the scores in the text report.
    output_dict : bool, default=False
        Return a dict ``{row name: {"precision", "recall", "f1-score",
        "support"}}`` (with ``"accuracy"`` mapped to a float) instead of text.
    sample_weight : array-like of shape (n_samples,), optional

    Examples
    --------
    >>> print(classification_report([0, 0, 0, 1], [0, 0, 1, 1], target_names=["neg", "pos"]))
                            precision    recall  f1-score   support
    <BLANKLINE>
                        neg     1.000     0.667     0.800         3
                        pos     0.500     1.000     0.667         1
    <BLANKLINE>
                   accuracy                         0.750         4
                  micro avg     0.750     0.750     0.750         4
        macro avg (mean F1)     0.750     0.833     0.733         4
    macro avg (harmonic F1)     0.750     0.833     0.789         4
               weighted avg     0.875     0.750     0.767         4
    >>> classification_report([0, 1], [0, 1], output_dict=True)["macro avg (harmonic F1)"]
    {'precision': 1.0, 'recall': 1.0, 'f1-score': 1.0, 'support': 2}
    """
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}.")
    labels, tp, pred_sum, true_sum = _counts(y_true, y_pred, labels, sample_weight)
    acc = accuracy(y_true, y_pred, sample_weight)
    if target_names is None:
        names = [str(label) for label in labels.tolist()]
    else:
        names = [str(name) for name in target_names]
        if len(names) != labels.shape[0]:
            raise ValueError(
                f"target_names has {len(names)} entries but there are "
                f"{labels.shape[0]} labels."
            )
    precision, recall, f1 = per_class = _scores(tp, pred_sum, true_sum)
    micro = _average(tp, pred_sum, true_sum, "micro")
    macro = _average(tp, pred_sum, true_sum, "macro", per_class)
    weighted = _average(tp, pred_sum, true_sum, "weighted", per_class)
    harmonic = _harmonic(macro.precision, macro.recall)
    n_total = float(np.sum(sample_weight)) if sample_weight is not None else len(y_true)
    if isinstance(n_total, float) and n_total.is_integer():
        n_total = int(n_total)

    def support_value(s):
        s = s.item() if isinstance(s, np.generic) else s
        return int(s) if float(s).is_integer() else float(s)

    rows = {}
    for name, p_k, r_k, f_k, s_k in zip(names, precision, recall, f1, true_sum):
        rows[name] = (float(p_k), float(r_k), float(f_k), support_value(s_k))
    summary = {
        "micro avg": (micro.precision, micro.recall, micro.f1, micro.support),
        "macro avg (mean F1)": (macro.precision, macro.recall, macro.f1, macro.support),
        "macro avg (harmonic F1)": (macro.precision, macro.recall, harmonic,
                                    macro.support),
        "weighted avg": (weighted.precision, weighted.recall, weighted.f1,
                         weighted.support),
    }
    keys = ("precision", "recall", "f1-score", "support")
    if output_dict:
        clash = set(rows) & {"accuracy", *summary}
        if clash:
            raise ValueError(
                f"Class name(s) {sorted(clash)} clash with summary rows; pass "
                "target_names to rename them."
            )
        out = {name: dict(zip(keys, values)) for name, values in rows.items()}
        out["accuracy"] = acc
        for name, (p, r, f, s) in summary.items():
            out[name] = dict(zip(keys, (p, r, f, support_value(s))))
        return out

    name_width = max(len(name) for name in [*names, *summary, "accuracy"])
    col = max(len("precision"), digits + 2) + 1

    def fmt_support(s):
        s = support_value(s)
        return f"{s:>{col}}" if isinstance(s, int) else f"{s:>{col}.{digits}f}"

    def line(name, p, r, f, s):
        return (f"{name:>{name_width}}" + f"{p:>{col}.{digits}f}" + f"{r:>{col}.{digits}f}"
                + f"{f:>{col}.{digits}f}" + fmt_support(s))

    header = " " * name_width + "".join(f"{h:>{col}}" for h in keys)
    lines = [header, ""]
    lines += [line(name, *values) for name, values in rows.items()]
    lines.append("")
    lines.append(f"{'accuracy':>{name_width}}" + " " * (2 * col)
                 + f"{acc:>{col}.{digits}f}" + fmt_support(n_total))
    lines += [line(name, *values) for name, values in summary.items()]
    return "\n".join(lines)
