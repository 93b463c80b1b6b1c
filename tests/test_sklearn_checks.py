"""scikit-learn's own estimator checks for the three estimators."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastlr import LogisticRegression, SigmoidRegression, SoftmaxRegression

ESTIMATORS = [SigmoidRegression(random_state=0), SoftmaxRegression(random_state=0),
              LogisticRegression(random_state=0)]


def expected_failures(estimator):
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
