"""fastlr: fast logistic regression with Numba kernels and a scikit-learn API.

Estimators: :class:`SigmoidRegression` (binary, multilabel),
:class:`SoftmaxRegression` (multiclass), :class:`LogisticRegression` (picks
one). Metrics in :mod:`fastlr.metrics`; the NumPy reference implementation in
:mod:`fastlr.reference`.
"""
from ._estimators import LogisticRegression, SigmoidRegression, SoftmaxRegression
from ._solvers.result import DivergenceError

__version__ = "0.1.0"
__all__ = ["DivergenceError", "LogisticRegression", "SigmoidRegression",
           "SoftmaxRegression", "__version__"]
