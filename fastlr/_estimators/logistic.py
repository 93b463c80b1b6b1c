"""LogisticRegression: scikit-learn's LogisticRegression, arguments and model alike."""
from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._solvers.schedules import KINDS
from .._solvers.settings import SKLEARN_SOLVERS, resolve_solver
from .base import BaseLogistic
from .docstrings import ATTRIBUTES, MBGD_PARAMETERS, MODEL_EXTENSIONS

#: MBGD's controls when solver="mbgd" and the parameter is left at None
MBGD_DEFAULTS = dict(batch_size=32, learning_rate="adaptive", eta0="auto", decay=0.1,
                     n_iter_no_change=5, shuffle=True, early_stopping=False,
                     validation_fraction=0.1)


class LogisticRegression(BaseLogistic):
    _target_types = ("binary", "multiclass", "multilabel-indicator")
    _binary_family = "sigmoid"

    _parameter_constraints = {
        "penalty": [StrOptions({"l1", "l2", "elasticnet", "deprecated"}), None],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "dual": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "intercept_scaling": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "random_state": ["random_state"],
        "solver": [StrOptions({"auto", "lbfgs", "fista", "mbgd", *SKLEARN_SOLVERS})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "n_jobs": [Integral, None],
        "standardize": ["boolean"],
        "threshold": [Interval(Real, 0, 1, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), StrOptions(set(KINDS)),
                          None],
        "eta0": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"}), None],
        "decay": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
        "shuffle": ["boolean", None],
        "early_stopping": ["boolean", None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
    }

    def __init__(self, penalty="deprecated", *, C=1.0, l1_ratio=0.0, dual=False, tol=1e-4,
                 fit_intercept=True, intercept_scaling=1, class_weight=None,
                 random_state=None, solver="auto", max_iter=100, verbose=0,
                 warm_start=False, n_jobs=None, standardize=False, threshold=0.5,
                 batch_size=None, learning_rate=None, eta0=None, decay=None,
                 n_iter_no_change=None, shuffle=None, early_stopping=None,
                 validation_fraction=None):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.standardize = standardize
        self.threshold = threshold
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.decay = decay
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction

    # ------------------------------------------------------------ hooks
    def _ratio_and_C(self):
        """(l1_ratio, C) with the deprecated ``penalty`` read as scikit-learn 1.8 reads it."""
        ratio = 0.0 if self.l1_ratio is None else float(self.l1_ratio)
        if self.penalty == "deprecated":
            return ratio, self.C
        if self.penalty is None:
            return 0.0, np.inf
        return {"l1": 1.0, "l2": 0.0}.get(self.penalty, ratio), self.C

    def _penalty_strengths(self, weight_total):
        """alpha = 1 / (C · Σ s_i) in the mean form: scikit-learn's objective
        C Σ s_i ℓ_i + (1 - l1_ratio)/2 ‖W‖² + l1_ratio ‖W‖₁ divided by C Σ s_i."""
        ratio, C = self._ratio_and_C()
        if np.isinf(C):
            return 0.0, 0.0
        alpha = (1.0 / C) / weight_total
        return alpha * ratio, alpha * (1.0 - ratio)

    def _solver_name(self):
        ratio, C = self._ratio_and_C()
        return resolve_solver(self.solver, ratio > 0 and not np.isinf(C))

    def _mbgd_options(self):
        opts = {k: MBGD_DEFAULTS[k] if getattr(self, k) is None else getattr(self, k)
                for k in MBGD_DEFAULTS}
        lr = opts.pop("learning_rate")
        if not isinstance(lr, str):
            opts["eta0"], lr = float(lr), "constant"
        opts["schedule"] = lr
        return opts

    #: the exact solvers stop at tol / STOP_MARGIN[solver]: scikit-learn's lbfgs rule, with a
    #: tenfold margin for L-BFGS (scikit-learn's lbfgs often ends well below its tol, so a
    #: default fit, whatever path it took, is at least as converged as scikit-learn's). An
    #: L1 part runs saga or liblinear in scikit-learn, which stop on the change of the
    #: weights and end far from the optimum: the rule itself, on the minimum-norm
    #: subgradient, already gives a lower objective (tests/test_sklearn_parity.py; on the
    #: elastic-net and lasso cases 42.72 vs 43.33 and 48.97 vs 49.13, with 23-40% fewer
    #: iterations than at tol / 10)
    STOP_MARGIN = {"lbfgs": 10.0, "fista": 1.0}

    def _stopping_tol(self, solver):
        return self.tol if solver == "mbgd" else self.tol / self.STOP_MARGIN[solver]

    def _n_iter_value(self, n_iter):
        return np.array([n_iter], dtype=np.int32)

    def _warn_ignored(self, solver, family):
        if self.penalty != "deprecated":
            warnings.warn("'penalty' was deprecated in scikit-learn 1.8: use l1_ratio (0: "
                          "L2, 1: L1, between: elastic net) and C=np.inf for no penalty. "
                          "fastlr reads it as scikit-learn does.", FutureWarning,
                          stacklevel=3)
        if self.dual:
            raise ValueError("dual=True is liblinear's dual formulation; fastlr solves the "
                             "primal problem: use dual=False")
        if self.intercept_scaling != 1:
            warnings.warn("intercept_scaling is read only by scikit-learn's liblinear "
                          "solver; fastlr never penalises the intercept and ignores it",
                          UserWarning, stacklevel=3)
        super()._warn_ignored(solver, family)


LogisticRegression.__doc__ = """Logistic regression with scikit-learn's arguments, model and stopping rule.

    ``fastlr.LogisticRegression`` is ``sklearn.linear_model.LogisticRegression``
    with the same arguments and defaults, fitted faster: binary targets get
    one sigmoid, multiclass targets a multinomial (softmax) model, and, as an
    extension, 2-D 0/1 indicator targets one sigmoid per label. It minimises
    scikit-learn's objective::

        C · Σ_i s_i ℓ_i + (1 - l1_ratio) / 2 · ‖W‖² + l1_ratio · ‖W‖₁

    (ℓ_i the cross-entropy, s_i the sample weight times the class weight, the
    intercept never penalised), which is fastlr's mean form with
    ``alpha = 1 / (C · Σ_i s_i)``.

    Parameters
    ----------
    penalty : {{"l2", "l1", "elasticnet"}} or None, default="deprecated"
        Deprecated in scikit-learn 1.8 and read as it reads it: ``"l2"`` is
        l1_ratio = 0, ``"l1"`` l1_ratio = 1, ``"elasticnet"`` the given
        ``l1_ratio``, None is ``C=np.inf``. Setting it warns (FutureWarning).
    C : float, default=1.0
        Inverse penalty strength; ``np.inf``: no penalty.
    l1_ratio : float in [0, 1], default=0.0
        Elastic-net mixing: 0 is ridge (L2), 1 is lasso (L1).
    dual : bool, default=False
        Only False (fastlr solves the primal problem); True raises.
    tol : float, default=1e-4
        The exact solvers stop when the largest component of the gradient (or
        of the minimum-norm subgradient, with an L1 part) of the mean-form
        objective with respect to ``coef_`` and ``intercept_`` is at most
        ``tol / 10`` for L-BFGS (scikit-learn's lbfgs rule with a tenfold
        margin) and ``tol`` for FISTA (an L1 part; scikit-learn's saga and
        liblinear stop further from the optimum), so that a fit is at least as
        converged as scikit-learn's with the same ``tol``.
        MBGD stops when the epoch objective fails to improve by ``tol`` for
        ``n_iter_no_change`` epochs.
    fit_intercept : bool, default=True
        Fit an (unpenalised) intercept.
    intercept_scaling : float, default=1
        liblinear's; ignored (a value other than 1 warns).
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplying ``sample_weight``; ``"balanced"`` is
        n / (n_classes · n_k), with n_k counted with the sample weights (as
        scikit-learn >= 1.9).
    random_state : int, RandomState instance or None, default=None
        Seeds MBGD's shuffling and early-stopping split (the exact solvers are
        deterministic).
    solver : {{"auto", "lbfgs", "fista", "mbgd", "liblinear", "newton-cg", \
"newton-cholesky", "sag", "saga"}}, default="auto"
        ``"auto"`` (and every scikit-learn solver name) runs L-BFGS when the
        penalty is smooth (l1_ratio = 0 or C = inf) and FISTA (accelerated
        proximal gradient) when it has an L1 part. ``"mbgd"``: mini-batch
        gradient descent (the parameters below).
    max_iter : int, default=100
        Iterations of the exact solver (epochs of MBGD).
    verbose : int, default=0
        Progress on stdout. 0: nothing. >= 1: a header, the time spent compiling
        kernels (if any), one line per iteration or epoch (objective, gradient
        max-norm or step size, elapsed time) and a summary; plain lines when
        stdout is not a terminal (never a ``\\r``). On a terminal with tqdm
        installed, a progress bar replaces the per-iteration lines at 1 and
        accompanies them at >= 2 (user guide, "verbose: progress").
    warm_start : bool, default=False
        Start from the previous solution.
    n_jobs : int, default=None
        Numba threads while fitting (None: Numba's setting; -1: all cores).
{tail}
{mbgd}

    Attributes
    ----------
{attributes}
    n_iter_ : ndarray of shape (1,)
        Iterations (epochs) run, as scikit-learn's.

    See Also
    --------
    SigmoidRegression, SoftmaxRegression : the same models with an ``alpha``
        penalty and mini-batch gradient descent by default.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from fastlr import LogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = LogisticRegression().fit(X, y)
    >>> model.solver_, model.coef_.shape
    ('lbfgs', (1, 30))
    >>> bool(model.score(X, y) > 0.95)
    True
    """.format(
    tail="\n".join("    " + line if line else line for line in MODEL_EXTENSIONS.splitlines()),
    mbgd="\n".join("    " + line if line else line for line in MBGD_PARAMETERS.format(
        **{k: ", default=None (" + v + ")" for k, v in dict(
            batch_default="32", lr_default='"adaptive"', eta0_default='"auto"',
            decay_default="0.1", nic_default="5", shuffle_default="True",
            es_default="False", vf_default="0.1").items()}).splitlines()),
    attributes="\n".join("    " + line if line else line for line in ATTRIBUTES.splitlines()))
