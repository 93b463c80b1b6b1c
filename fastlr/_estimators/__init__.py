"""scikit-learn estimators: validate input, build a Problem, call a solver."""
from .logistic import LogisticRegression
from .models import SigmoidRegression, SoftmaxRegression

__all__ = ["LogisticRegression", "SigmoidRegression", "SoftmaxRegression"]
