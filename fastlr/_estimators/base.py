"""Shared scikit-learn machinery of the three estimators: validate, encode, dispatch.

No math lives here: the estimator checks its input, builds a
:class:`~fastlr._solvers.problem.Problem` and hands it to a solver; it turns
weights into predictions with the kernels of :mod:`fastlr._kernels`.
"""
from __future__ import annotations

import contextlib
import copy
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, check_random_state

from .. import _kernels as K
from .._solvers import Schedule, SolverSettings, resolve_solver, resolve_tol, solve
from .._solvers.problem import Problem
from .dask_io import along_rows, is_dask, map_row_chunks
from .inputs import row_chunks, validate_X, validate_Xy
from .scaling import standardization
from .targets import (check_sample_weight, check_two_classes, combined_sample_weight,
                      encode_targets, target_type)


@contextlib.contextmanager
def unchanged_on_error(est):
    """Restore the estimator's state if the block raises: no half-done fits."""
    saved = {k: copy.deepcopy(v) if k == "_fastlr_rng" else v for k, v in est.__dict__.items()}
    try:
        yield
    except BaseException:
        est.__dict__.clear()
        est.__dict__.update(saved)
        raise


class BaseLogistic(ClassifierMixin, BaseEstimator):
    """Parameters and methods common to the sigmoid and softmax estimators."""

    _parameter_constraints = {
        "penalty": [StrOptions({"l1", "l2", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"mbgd", "lbfgs", "fista", "auto"})],
        "n_jobs": [Integral, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither"),
                          StrOptions({"constant", "invscaling", "adaptive"})],
        "eta0": [Interval(Real, 0, None, closed="neither")],
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

    #: target types the estimator accepts (set by subclasses)
    _target_types: tuple = ()

    def __init__(self, *, penalty="l2", alpha=1e-4, l1_ratio=0.15, fit_intercept=True,
                 solver="mbgd", batch_size=32, learning_rate=0.05, eta0=0.05, decay=0.1,
                 max_iter=100, tol="auto", n_iter_no_change=5, shuffle=True,
                 random_state=None, class_weight=None, standardize=True, threshold=0.5,
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

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = "multilabel-indicator" in self._target_types
        tags.classifier_tags.multi_class = "multiclass" in self._target_types
        return tags

    # ------------------------------------------------------------ hooks
    def _family(self, y_type):
        """'sigmoid' or 'softmax' for a target type (subclasses may override)."""
        if y_type not in self._target_types:
            if y_type == "multiclass":  # scikit-learn's wording for binary-only models
                raise ValueError(
                    "Only binary classification is supported. The type of the target "
                    f"is {y_type}. {type(self).__name__} fits binary and multilabel "
                    "targets; use fastlr.SoftmaxRegression or fastlr.LogisticRegression "
                    "for multiclass targets.")
            raise ValueError(
                f"{type(self).__name__} does not handle {y_type} targets; it takes "
                f"{' or '.join(self._target_types)} targets. Use fastlr.LogisticRegression, "
                "which picks the model for the target.")
        return "softmax" if y_type == "multiclass" else self._binary_family

    _binary_family = "sigmoid"

    # ------------------------------------------------------------ penalty
    def _penalty_split(self):
        """(l1, l2) strengths from penalty, alpha and l1_ratio (docs/math.md §5)."""
        if self.penalty is None:
            return 0.0, 0.0
        ratio = {"l1": 1.0, "l2": 0.0}.get(self.penalty, self.l1_ratio)
        return self.alpha * ratio, self.alpha * (1.0 - ratio)

    # ------------------------------------------------------------ fitting
    def _solver_settings(self, n_samples, partial=False):
        """The solver, its stopping rule and the MBGD controls, from the parameters."""
        solver = "mbgd" if partial else resolve_solver(self.solver, self.penalty)
        lr = self.learning_rate
        schedule = (Schedule(lr, self.eta0, self.decay) if isinstance(lr, str)
                    else Schedule("constant", lr))
        return SolverSettings(
            solver=solver, max_iter=1 if partial else int(self.max_iter),
            tol=None if partial else resolve_tol(self.tol, solver),
            verbose=self.verbose, n_jobs=self.n_jobs, warn=not partial,
            batch_size=int(min(self.batch_size, max(n_samples, 1))), schedule=schedule,
            n_iter_no_change=self.n_iter_no_change, shuffle=self.shuffle,
            early_stopping=bool(self.early_stopping) and not partial,
            validation_fraction=self.validation_fraction, threshold=self.threshold,
            epoch_offset=getattr(self, "n_iter_", 0) if partial else 0)

    def _problem(self, X, y, sample_weight, family, classes, stats=None,
                 require_two_classes=True):
        """The training problem of validated (X, y): targets, weights, scaling, penalty."""
        n, dtype = X.shape[0], X.dtype
        T = encode_targets(family, y, classes, dtype)
        sw = combined_sample_weight(sample_weight, self.class_weight, y, classes, n)
        if require_two_classes:
            check_two_classes(T, family, sw, classes)
        if is_dask(X):
            X = X.persist()  # chunks read and checked once, kept where they are
        if stats is None:
            stats = standardization(X, sw, standardize=bool(self.standardize),
                                    fit_intercept=bool(self.fit_intercept), dtype=dtype)
        sw = sw.astype(dtype)
        if is_dask(X):
            T, sw = along_rows(T, X), along_rows(sw, X)
        l1, l2 = self._penalty_split()
        n_out = T.shape[1] if family == "sigmoid" else len(classes)
        return Problem(family=family, X=X, T=T, sw=sw, n_outputs=n_out, l1=l1, l2=l2,
                       fit_intercept=bool(self.fit_intercept),
                       standardize=bool(self.standardize), mean=stats[0],
                       inv_scale=stats[1])

    def _classes_for(self, family, y, y_type):
        if y_type == "multilabel-indicator":
            return np.arange(y.shape[1])
        return np.unique(y)

    def _store(self, problem, res, classes, family, extend=False):
        self.coef_, self.intercept_ = problem.to_original_units(res.W, res.b)
        if not self.fit_intercept:
            self.intercept_[:] = 0
        self.classes_ = classes
        self._fastlr_family = family
        self._fastlr_stats = (problem.mean, problem.inv_scale)
        curve = list(res.loss_curve)
        if extend:
            self.loss_curve_ = list(getattr(self, "loss_curve_", [])) + curve
            self.n_iter_ = getattr(self, "n_iter_", 0) + res.n_iter
        else:
            self.loss_curve_ = curve
            self.n_iter_ = res.n_iter
        if res.validation_scores:
            self.validation_scores_ = list(res.validation_scores)
            self.best_validation_score_ = res.best_validation_score
        else:  # no early stopping in this fit: no scores from an earlier one
            self.__dict__.pop("validation_scores_", None)
            self.__dict__.pop("best_validation_score_", None)

    def _initial_weights(self, problem, family, classes):
        K_, d, dt = problem.n_outputs, problem.n_features, problem.dtype
        prev = getattr(self, "coef_", None)
        if (self.warm_start and prev is not None and prev.shape == (K_, d)
                and getattr(self, "_fastlr_family", None) == family
                and np.array_equal(getattr(self, "classes_", None), classes)):
            W, b = problem.to_standardized_units(self.coef_, self.intercept_)
            if not self.fit_intercept:
                b[:] = 0  # a stale intercept would stay frozen in training
            return W, b
        return np.zeros((K_, d), dt), np.zeros(K_, dt)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to X (n, d) and y (labels, or an (n, L) 0/1 indicator matrix).

        X may be a NumPy array, a pandas DataFrame, a scipy.sparse matrix or a
        dask array / dataframe (exact solvers only; see the user guide).
        """
        with unchanged_on_error(self):
            X, y = validate_Xy(self, X, y, reset=True)
            if is_dask(X) and resolve_solver(self.solver, self.penalty) == "mbgd":
                raise ValueError(
                    "dask arrays train with the exact solvers: use solver='lbfgs', "
                    "'fista' or 'auto' (or partial_fit, which streams the chunks)")
            y_type = target_type(y)
            family = self._family(y_type)
            classes = self._classes_for(family, y, y_type)
            problem = self._problem(X, y, sample_weight, family, classes)
            W, b = self._initial_weights(problem, family, classes)
            rng = check_random_state(self.random_state)
            res = solve(problem, W, b, self._solver_settings(problem.n_samples), rng=rng)
            self._store(problem, res, classes, family)
            self._fastlr_rng = rng
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of MBGD over (X, y), continuing from the current weights.

        ``classes`` (all labels that will ever appear) is required on the first
        call for binary and multiclass targets. With ``standardize=True`` the
        column statistics of the first call's data are kept for later calls.
        A dask X is streamed: one epoch step per row chunk, in order, each
        chunk read into memory when its turn comes.
        """
        with unchanged_on_error(self):
            self._validate_params()
            if isinstance(self.class_weight, str):
                raise ValueError(
                    "class_weight='balanced' is not supported by partial_fit: the class "
                    "frequencies of the whole stream are unknown. Pass a dict, e.g. from "
                    "sklearn.utils.class_weight.compute_class_weight on all labels.")
            first = not hasattr(self, "classes_")
            X, y = validate_Xy(self, X, y, reset=first)
            if not is_dask(X):
                self._partial_fit_checked(X, y, classes, sample_weight)
                return self
            check_sample_weight(sample_weight, X.shape[0])  # before any chunk trains
            for Xb, yb, swb in row_chunks(X, y, sample_weight):
                if Xb.shape[0]:
                    self._partial_fit_checked(Xb, yb, classes, swb)
        return self

    def _partial_fit_checked(self, X, y, classes, sample_weight):
        """partial_fit on validated in-memory (X, y)."""
        first = not hasattr(self, "classes_")
        y_type = target_type(y)
        if not first:
            family, cls, stats = self._fastlr_family, self.classes_, self._fastlr_stats
            self._check_same_target(y, y_type)
            if classes is not None and not np.array_equal(np.unique(classes), cls):
                raise ValueError(f"classes={list(classes)} differs from the classes "
                                 f"of the first call to partial_fit: {np.asarray(cls).tolist()}")
        elif y_type == "multilabel-indicator":
            family, cls, stats = self._family(y_type), np.arange(y.shape[1]), None
        else:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            cls = np.unique(np.asarray(classes))
            if len(cls) < 2:
                raise ValueError("classes must hold at least 2 classes")
            family = self._family("multiclass" if len(cls) > 2 else "binary")
            stats = None
        problem = self._problem(X, y, sample_weight, family, cls, stats=stats,
                                require_two_classes=False)
        if first:
            K_, d = problem.n_outputs, problem.n_features
            W, b = np.zeros((K_, d), X.dtype), np.zeros(K_, X.dtype)
            self._fastlr_rng = check_random_state(self.random_state)
        else:
            W, b = problem.to_standardized_units(self.coef_, self.intercept_)
            if not self.fit_intercept:
                b[:] = 0
        res = solve(problem, W, b, self._solver_settings(problem.n_samples, partial=True),
                    rng=self._fastlr_rng)
        self._store(problem, res, cls, family, extend=not first)

    def _check_same_target(self, y, y_type):
        """A later partial_fit must bring the same kind of target as the first one."""
        multilabel = self._multilabel
        if multilabel != (y_type == "multilabel-indicator"):
            raise ValueError(
                f"partial_fit got {y_type} targets, but the model was started on "
                f"{'multilabel-indicator' if multilabel else 'class label'} targets")
        if multilabel and y.shape[1] != self.coef_.shape[0]:
            raise ValueError(f"partial_fit got {y.shape[1]} labels, but the model was started "
                             f"with {self.coef_.shape[0]} labels")

    # ------------------------------------------------------------ predicting
    def _predict_with(self, compute, X, n_cols, dtype=None):
        """``compute(X)`` on validated X; lazily, chunk by chunk, for a dask X.

        ``dtype``: that of the result (None: X's validated float dtype)."""
        check_is_fitted(self)
        X = validate_X(self, X, reset=False)
        if is_dask(X):
            return map_row_chunks(compute, X, n_cols, X.dtype if dtype is None else dtype)
        return compute(X)

    def _logits(self, X):
        Z = safe_sparse_dot(X, self.coef_.T.astype(X.dtype, copy=False))
        Z += self.intercept_.astype(X.dtype, copy=False)
        return np.ascontiguousarray(Z)

    def _decision(self, X):
        Z = self._logits(X)
        if self._fastlr_family == "sigmoid":
            return Z[:, 0] if Z.shape[1] == 1 and not self._multilabel else Z
        if Z.shape[1] == 2:
            return Z[:, 1] - Z[:, 0]
        return Z

    def decision_function(self, X):
        """Net inputs z = X·coefᵀ + intercept: (n,) for binary, (n, K) or (n, L) otherwise."""
        return self._predict_with(self._decision, X, self._n_scores())

    def _n_proba(self):
        check_is_fitted(self)
        return self.coef_.shape[0] if self._multilabel or self._fastlr_family == "softmax" else 2

    def _n_scores(self):
        check_is_fitted(self)
        if self._fastlr_family == "sigmoid":
            return self.coef_.shape[0] if self._multilabel else None
        return None if self.coef_.shape[0] == 2 else self.coef_.shape[0]

    @property
    def _multilabel(self):
        return self._fastlr_family == "sigmoid" and self.coef_.shape[0] > 1

    def _proba(self, X):
        Z = self._logits(X)
        if self._fastlr_family == "softmax":
            K.softmax_inplace(Z)
            return Z
        K.sigmoid_inplace(Z)
        if self._multilabel:
            return Z
        return np.hstack([1 - Z, Z])

    def predict_proba(self, X):
        """Class probabilities: (n, 2) binary, (n, K) multiclass, (n, L) per label."""
        return self._predict_with(self._proba, X, self._n_proba())

    def _log_proba(self, X):
        Z = self._logits(X)
        if self._fastlr_family == "softmax":
            K.log_softmax_inplace(Z)
            return Z
        if self._multilabel:
            K.log_sigmoid_inplace(Z)
            return Z
        neg = -Z
        K.log_sigmoid_inplace(neg)
        K.log_sigmoid_inplace(Z)
        return np.hstack([neg, Z])

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably from the net inputs."""
        return self._predict_with(self._log_proba, X, self._n_proba())

    def _labels(self, X):
        if self._fastlr_family == "softmax":
            return self.classes_[np.argmax(self._logits(X), axis=1)]
        P = self._proba(X)
        if self._multilabel:
            return (P >= self.threshold).astype(int)
        return self.classes_[(P[:, 1] >= self.threshold).astype(int)]

    def predict(self, X):
        """Predicted labels (sigmoid family: positive when p >= threshold)."""
        check_is_fitted(self)
        if self._multilabel:
            return self._predict_with(self._labels, X, self.coef_.shape[0], np.dtype(int))
        return self._predict_with(self._labels, X, None, self.classes_.dtype)
