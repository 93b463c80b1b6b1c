"""SigmoidRegression and SoftmaxRegression: the SGDClassifier-style estimators.

Their penalty strength is ``alpha`` (mean form, as scikit-learn's
SGDClassifier) and they train by mini-batch gradient descent by default.
:class:`fastlr.LogisticRegression` (``logistic.py``) is the scikit-learn
``LogisticRegression`` drop-in.
"""
from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from .._solvers.schedules import KINDS
from .._solvers.settings import resolve_solver
from .base import BaseLogistic
from .docstrings import ATTRIBUTES, MBGD_PARAMETERS, MODEL_EXTENSIONS, RUN_CONTROLS

_MBGD_DEFAULTS_TEXT = dict(
    batch_default=", default=32", lr_default=', default="adaptive"',
    eta0_default=', default="auto"', decay_default=", default=0.1",
    nic_default=", default=5", shuffle_default=", default=True",
    es_default=", default=False", vf_default=", default=0.1")


class _AlphaEstimator(BaseLogistic):
    """The parameters and hooks SigmoidRegression and SoftmaxRegression share."""

    _parameter_constraints = {
        "penalty": [StrOptions({"l1", "l2", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"mbgd", "lbfgs", "fista", "auto"})],
        "n_jobs": [Integral, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), StrOptions(set(KINDS))],
        "eta0": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "decay": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"}), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "standardize": ["boolean"],
        "threshold": [Interval(Real, 0, 1, closed="neither")],
        "warm_start": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "verbose": ["verbose"],
    }

    def __init__(self, *, penalty="l2", alpha=1e-4, l1_ratio=0.15, fit_intercept=True,
                 solver="mbgd", batch_size=32, learning_rate="adaptive", eta0="auto",
                 decay=0.1, max_iter=100, tol="auto", n_iter_no_change=5, shuffle=True,
                 random_state=None, class_weight=None, standardize=False, threshold=0.5,
                 warm_start=False, early_stopping=False, validation_fraction=0.1,
                 n_jobs=None, verbose=0):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.decay = decay
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.class_weight = class_weight
        self.standardize = standardize
        self.threshold = threshold
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _l1_ratio(self):
        if self.penalty is None:
            return 0.0
        return {"l1": 1.0, "l2": 0.0}.get(self.penalty, self.l1_ratio)

    def _penalty_strengths(self, weight_total):
        """alpha · (l1_ratio, 1 - l1_ratio) (docs/math.md §5); None: no penalty."""
        if self.penalty is None:
            return 0.0, 0.0
        r = self._l1_ratio()
        return self.alpha * r, self.alpha * (1.0 - r)

    def _solver_name(self):
        return resolve_solver(self.solver, self.alpha * self._l1_ratio() > 0)

    def _mbgd_options(self):
        lr = self.learning_rate
        return dict(batch_size=self.batch_size,
                    schedule=lr if isinstance(lr, str) else "constant",
                    eta0=self.eta0 if isinstance(lr, str) else float(lr),
                    decay=self.decay, n_iter_no_change=self.n_iter_no_change,
                    shuffle=self.shuffle, early_stopping=self.early_stopping,
                    validation_fraction=self.validation_fraction)


_ALPHA_DOC = """{intro}

    Objective (mean form, as scikit-learn's SGDClassifier)::

        Σ_i s_i ℓ_i / Σ_i s_i + alpha · (l1_ratio · ‖W‖₁ + (1 - l1_ratio) / 2 · ‖W‖²)

    with ℓ_i {loss}, s_i the sample weight times the class weight, and the
    intercept never penalised. ``alpha = 1 / (C · Σ s_i)`` gives the model of
    scikit-learn's ``LogisticRegression(C=C)``.

    Parameters
    ----------
    penalty : {{"l2", "l1", "elasticnet"}} or None, default="l2"
        ``"l2"``: l1_ratio = 0; ``"l1"``: l1_ratio = 1; ``"elasticnet"``: the
        ``l1_ratio`` given; None: no penalty.
    alpha : float, default=1e-4
        Penalty strength in the mean-form objective above.
    l1_ratio : float in [0, 1], default=0.15
        Elastic-net mixing, read only with ``penalty="elasticnet"``.
    fit_intercept : bool, default=True
        Fit an (unpenalised) intercept.
    solver : {{"mbgd", "lbfgs", "fista", "auto"}}, default="mbgd"
        ``"mbgd"``: mini-batch gradient descent with a proximal L1 step (also
        what ``partial_fit`` runs). ``"lbfgs"`` (smooth penalties) and
        ``"fista"`` (L1 and elastic net) reach the optimum; ``"auto"`` picks
        one of the two from the penalty.
{mbgd}
    max_iter : int, default=100
        Epochs (MBGD) or iterations (exact solvers).
    tol : float, "auto" or None, default="auto"
        MBGD stops when the epoch objective fails to improve by ``tol`` for
        ``n_iter_no_change`` epochs (``"auto"``: 1e-3); the exact solvers when
        the largest gradient (or minimum-norm subgradient) component with
        respect to ``coef_`` and ``intercept_`` is at most ``tol`` (``"auto"``:
        1e-6). None: run all ``max_iter`` epochs.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling and the early-stopping split.
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplying ``sample_weight``; ``"balanced"`` is
        n / (n_classes · n_k), with n_k counted with the sample weights.
{tail}

    Attributes
    ----------
{attributes}
    n_iter_ : int
        Epochs or iterations run.

    Examples
    --------
{example}
    """


def _indent(text, n=4):
    return "\n".join((" " * n + line) if line else line for line in text.splitlines())


class SigmoidRegression(_AlphaEstimator):
    _target_types = ("binary", "multilabel-indicator")
    _binary_family = "sigmoid"


class SoftmaxRegression(_AlphaEstimator):
    _target_types = ("binary", "multiclass")
    _binary_family = "softmax"


SigmoidRegression.__doc__ = _ALPHA_DOC.format(
    intro="""Logistic (sigmoid) regression for binary and multilabel targets.

    Binary ``y`` (any two labels) fits one sigmoid, ``coef_`` of shape (1, d);
    a 2-D 0/1 indicator ``y`` of L labels fits L independent sigmoids,
    ``coef_`` of shape (L, d).""",
    loss="= Σ_l softplus(z_il) - y_il z_il (binary cross-entropy per label)",
    mbgd=_indent(MBGD_PARAMETERS.format(**_MBGD_DEFAULTS_TEXT)),
    tail=_indent(MODEL_EXTENSIONS + "\n" + RUN_CONTROLS), attributes=_indent(ATTRIBUTES),
    example=_indent(""">>> from sklearn.datasets import load_breast_cancer
>>> from fastlr import SigmoidRegression
>>> X, y = load_breast_cancer(return_X_y=True)
>>> model = SigmoidRegression(random_state=0).fit(X, y)
>>> bool(model.score(X, y) > 0.95)
True"""))

SoftmaxRegression.__doc__ = _ALPHA_DOC.format(
    intro="""Softmax (multinomial logistic) regression for K >= 2 classes.

    ``coef_`` has shape (K, d) for every K, including K = 2 (where
    ``decision_function`` returns z₁ - z₀).""",
    loss="= logsumexp(z_i) - z_{i, y_i} (multinomial cross-entropy)",
    mbgd=_indent(MBGD_PARAMETERS.format(**_MBGD_DEFAULTS_TEXT)),
    tail=_indent(MODEL_EXTENSIONS + "\n" + RUN_CONTROLS), attributes=_indent(ATTRIBUTES),
    example=_indent(""">>> from sklearn.datasets import load_digits
>>> from fastlr import SoftmaxRegression
>>> X, y = load_digits(return_X_y=True)
>>> model = SoftmaxRegression(random_state=0).fit(X, y)
>>> bool(model.score(X, y) > 0.95)
True"""))
