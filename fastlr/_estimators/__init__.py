"""scikit-learn estimators: validate input, build a Problem, call a solver."""
from .models import LogisticRegression, SigmoidRegression, SoftmaxRegression

__all__ = ["LogisticRegression", "SigmoidRegression", "SoftmaxRegression"]
