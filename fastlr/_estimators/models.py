"""The three public estimators. Each is the shared machinery plus the targets it takes."""
from __future__ import annotations

from .base import BaseLogistic


class SigmoidRegression(BaseLogistic):
    """Logistic (sigmoid) regression for binary and multilabel targets.

    Binary ``y`` (any two labels) fits one sigmoid, ``coef_`` of shape (1, d);
    a 2-D 0/1 indicator ``y`` of L labels fits L independent sigmoids,
    ``coef_`` of shape (L, d). The loss is the mean (weighted) binary
    cross-entropy plus ``alpha * (l1_ratio |w|_1 + (1 - l1_ratio)/2 |w|²)``.
    See the user guide for every parameter.
    """

    _target_types = ("binary", "multilabel-indicator")
    _binary_family = "sigmoid"


class SoftmaxRegression(BaseLogistic):
    """Softmax (multinomial logistic) regression for K >= 2 classes.

    ``coef_`` has shape (K, d) for every K, including K = 2 (where
    ``decision_function`` returns z₁ - z₀). The loss is the mean (weighted)
    multinomial cross-entropy plus the elastic-net penalty.
    """

    _target_types = ("binary", "multiclass")
    _binary_family = "softmax"


class LogisticRegression(BaseLogistic):
    """Logistic regression that picks its model from the target.

    Binary and multilabel targets get :class:`SigmoidRegression`'s model,
    multiclass targets :class:`SoftmaxRegression`'s.
    """

    _target_types = ("binary", "multiclass", "multilabel-indicator")
    _binary_family = "sigmoid"
