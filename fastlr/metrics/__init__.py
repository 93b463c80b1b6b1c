"""Classification metrics: confusion matrices, accuracy, precision / recall / F1.

Pure, vectorised NumPy (no Python loop over samples). Conventions follow
``MATH.md`` section 6 and agree with :mod:`sklearn.metrics`:

* targets are 1-D arrays of class labels (numbers, str or bytes; labels are
  compared exactly, whatever their dtypes) or multilabel indicator matrices
  (2-D 0/1 arrays, dense or scipy.sparse, one column per label);
* the confusion matrix ``C[a, p]`` counts samples of **actual** class ``a``
  (row) **predicted** as class ``p`` (column); :func:`multilabel_confusion_matrix`
  gives one 2x2 matrix per label (for multilabel targets too);
* per label ``k``: ``TP_k = C[k, k]``, ``FP_k = sum_a C[a, k] - TP_k``,
  ``FN_k = sum_p C[k, p] - TP_k``; precision ``TP / (TP + FP)``, recall
  ``TP / (TP + FN)`` and F1 ``2PR / (P + R)`` (computed as the equivalent
  ``2TP / (2TP + FP + FN)``);
* counts are exact (int64) without weights or with integer weights, float64
  sums with float weights; an all-zero ``sample_weight`` is an error;
* a zero denominator gives the ``zero_division`` value: with the default
  ``"warn"`` 0 and a :class:`sklearn.exceptions.UndefinedMetricWarning`,
  otherwise 0, 1 or NaN silently (NaN scores are left out of averages);
* averages: ``"micro"`` pools TP / FP / FN over the labels (for single-label
  data micro precision = micro recall = micro F1 = accuracy), ``"macro"`` is
  the unweighted mean over the labels, ``"weighted"`` the support-weighted
  mean and, for multilabel targets, ``"samples"`` the mean of the per-sample
  scores; :func:`accuracy` of multilabel targets is subset accuracy.

Two macro-F1 definitions are in use and both are offered under explicit names:

* :func:`f1_macro` -- the mean of the per-class F1 scores (scikit-learn's
  ``f1_score(average="macro")``);
* :func:`f1_macro_harmonic` -- the harmonic mean of macro precision and macro
  recall (a common textbook definition).

Following good practice, :func:`classification_report` lists the
class-specific precision / recall / F1 first and the summaries after them,
under scikit-learn's row names (plus ``"macro avg (harmonic F1)"``); on
imbalanced data prefer the class-specific and macro numbers to accuracy and
micro averages (which are dominated by the majority class).

Public API
----------
confusion_matrix, multilabel_confusion_matrix, accuracy, precision_recall_f1,
precision_recall_f1_average, f1_macro, f1_macro_harmonic,
classification_report, ClassScores, AverageScores
"""

# Layout (private modules, one idea each):
#   _validation     input checks; 1-D labels vs multilabel indicator targets
#   _encode         exact label encoding (labels -> positions) for 1-D targets
#   _multilabel     indicator matrices (CSR of ones), label columns, set operations
#   _counting       per-label / per-sample TP, predicted and true sums (exact)
#   _zero_division  zero_division ("warn" / 0 / 1 / nan) + UndefinedMetricWarning
#   _prf            precision / recall / F1 from counts
#   _averages       micro / macro / weighted / samples averages, harmonic macro F1
#   _confusion      confusion matrices, accuracy
#   _scores         public precision / recall / F1 functions
#   _report         classification_report

from ._averages import AVERAGES, AverageScores  # AVERAGES: importable, not in __all__
from ._confusion import accuracy, confusion_matrix, multilabel_confusion_matrix
from ._report import classification_report
from ._scores import (
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
    "multilabel_confusion_matrix",
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
    multilabel_confusion_matrix,
    precision_recall_f1,
    precision_recall_f1_average,
):
    _function.__module__ = __name__
del _function
