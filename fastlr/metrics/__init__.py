"""Classification metrics: confusion matrix, accuracy, precision / recall / F1.

Pure, vectorised NumPy (no Python loop over samples). Conventions follow
``MATH.md`` section 6 and agree with :mod:`sklearn.metrics`:

* the confusion matrix ``C[a, p]`` counts samples of **actual** class ``a``
  (row) **predicted** as class ``p`` (column);
* per class ``k``: ``TP_k = C[k, k]``, ``FP_k = sum_a C[a, k] - TP_k``,
  ``FN_k = sum_p C[k, p] - TP_k``; precision ``TP / (TP + FP)``, recall
  ``TP / (TP + FN)`` and F1 ``2PR / (P + R)`` (computed as the equivalent
  ``2TP / (2TP + FP + FN)``);
* a zero denominator gives 0 and emits
  :class:`sklearn.exceptions.UndefinedMetricWarning`, as scikit-learn does
  with its default ``zero_division="warn"``;
* averages: ``"micro"`` pools TP / FP / FN over the classes (for single-label
  data micro precision = micro recall = micro F1 = accuracy), ``"macro"`` is the
  unweighted mean over the classes and ``"weighted"`` the support-weighted mean.

Two macro-F1 definitions are in use and both are offered under explicit names:

* :func:`f1_macro` -- the mean of the per-class F1 scores (scikit-learn's
  ``f1_score(average="macro")``);
* :func:`f1_macro_harmonic` -- the harmonic mean of macro precision and macro
  recall (eq. 88 of the lecture notes).

Following the lecture notes' advice, :func:`classification_report` lists the
class-specific precision / recall / F1 first and the summaries after them;
on imbalanced data prefer the class-specific and macro numbers to accuracy
and micro averages (which are dominated by the majority class).

Public API
----------
confusion_matrix, accuracy, precision_recall_f1, precision_recall_f1_average,
f1_macro, f1_macro_harmonic, classification_report, ClassScores, AverageScores
"""

# Layout (private modules, one idea each):
#   _validation     input checks
#   _encode         exact label encoding (labels -> positions) for 1-D targets
#   _confusion      confusion matrix, accuracy, per-label TP / predicted / true sums
#   _zero_division  0 for a zero denominator + UndefinedMetricWarning at the user's line
#   _scores         per-class precision / recall / F1, averages, the two macro F1s
#   _report         classification_report

from ._confusion import accuracy, confusion_matrix
from ._report import classification_report
from ._scores import (  # AVERAGES: still importable from here, not in __all__
    AVERAGES,
    AverageScores,
    ClassScores,
    f1_macro,
    f1_macro_harmonic,
    precision_recall_f1,
    precision_recall_f1_average,
)

__all__ = [
    "AverageScores",
    "ClassScores",
    "accuracy",
    "classification_report",
    "confusion_matrix",
    "f1_macro",
    "f1_macro_harmonic",
    "precision_recall_f1",
    "precision_recall_f1_average",
]

# The public functions report this package as their module, as when the
# package was a single file: ``doctest.testmod(fastlr.metrics)`` and
# ``pytest --doctest-modules`` find each docstring example once, under
# ``fastlr.metrics.<name>``, and help() / pickle show the public path. (The two
# NamedTuples keep their defining module so that inspect.getsource works for
# them; they have no examples.)
for _function in (
    accuracy,
    classification_report,
    confusion_matrix,
    f1_macro,
    f1_macro_harmonic,
    precision_recall_f1,
    precision_recall_f1_average,
):
    _function.__module__ = __name__
del _function
