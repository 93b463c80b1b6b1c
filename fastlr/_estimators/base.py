"""Shared scikit-learn machinery of the three estimators: validate, encode, dispatch.

No math lives here: the estimator checks its input, builds a
:class:`~fastlr._solvers.problem.Problem` and hands it to a solver; it turns
weights into predictions with the kernels of :mod:`fastlr._kernels`.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils.validation import check_random_state

from .._solvers import SolverSettings, resolve_tol, solve, trains_in_original_units
from .._solvers.problem import Problem
from .._solvers.sparse_epochs import lazy_epochs_pay
from .call_guards import unchanged_on_error, with_n_jobs
from .columns import stored_columns
from .dask_io import along_rows, is_dask
from .inputs import check_X_block, row_chunks, validate_Xy
from .predicting import PredictMixin
from .scaling import NonFinite, Scaling, fused_finite_check, preconditioner
from .targets import (check_sample_weight, check_two_classes, combined_sample_weight,
                      encode_targets, target_type, unique_labels)


@functools.lru_cache(maxsize=None)
def _init_defaults(cls):
    """{parameter: default} of an estimator class (read once per class)."""
    return {k: v.default for k, v in inspect.signature(cls.__init__).parameters.items()}


#: per estimator class, the parameter values its last validation passed
_VALIDATED: dict = {}
_SCALARS = (int, float, str, bool, type(None), np.float64, np.float32, np.int64)


def _same_for_validation(a, b):
    return a is b or (type(a) is type(b) and type(a) in _SCALARS and a == b)


class BaseLogistic(PredictMixin, ClassifierMixin, BaseEstimator):
    """Machinery of the three estimators: validate, encode, train, predict.

    Subclasses hold the parameters and say, through the hooks below, what the
    penalty is (:meth:`_penalty_strengths`, :meth:`_standardized_penalty`),
    which solver runs (:meth:`_solver_name`) and how MBGD is set up
    (:meth:`_mbgd_options`).
    """

    #: target types the estimator accepts (set by subclasses)
    _target_types: tuple = ()
    _binary_family = "sigmoid"
    #: parameters that only mini-batch gradient descent reads
    _MBGD_ONLY = ("batch_size", "learning_rate", "eta0", "decay", "n_iter_no_change",
                  "shuffle", "early_stopping", "validation_fraction")

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = "multilabel-indicator" in self._target_types
        tags.classifier_tags.multi_class = "multiclass" in self._target_types
        return tags

    def _validate_params(self):
        """scikit-learn's parameter validation, skipped when every parameter is the
        object validated last time for this class, or an equal immutable scalar of
        the same type: it costs ~0.4 ms per call, a fifth of a fit on small data.
        The last validated values are held here, so no object id is reused, and
        every constraint is on a value's type or range, which these keep."""
        cls = type(self)
        values = tuple(getattr(self, k) for k in _init_defaults(cls) if k != "self")
        last = _VALIDATED.get(cls)
        if last is not None and len(last) == len(values) \
                and all(map(_same_for_validation, last, values)):
            return
        super()._validate_params()
        _VALIDATED[cls] = values

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

    def _penalty_strengths(self, weight_total):
        """(l1, l2) of the mean-form objective, given Σ s_i of the training rows."""
        raise NotImplementedError

    def _standardized_penalty(self):
        """True: the penalty is on standardized coefficients; False: on coef_."""
        return bool(self.standardize)

    def _solver_name(self):
        """The solver that runs ('mbgd', 'lbfgs' or 'fista')."""
        raise NotImplementedError

    def _mbgd_options(self):
        """MBGD's controls as a dict of SolverSettings fields (defaults resolved)."""
        raise NotImplementedError

    def _stopping_tol(self, solver):
        return resolve_tol(self.tol, solver)

    def _n_iter_value(self, n_iter):
        return n_iter

    # ------------------------------------------------------------ warnings
    def _warn_ignored(self, solver, family):
        """A parameter that this fit will not read, set to a value of the user's, warns."""
        defaults = _init_defaults(type(self))
        ignored = []
        if solver != "mbgd":
            ignored += [k for k in self._MBGD_ONLY
                        if k in defaults and getattr(self, k) is not defaults[k]
                        and getattr(self, k) != defaults[k]]
        elif self.learning_rate is not None and not isinstance(self.learning_rate, str) \
                and "eta0" in defaults and self.eta0 != defaults["eta0"]:
            ignored.append("eta0")  # a float learning_rate (None: the default schedule)
        if family == "softmax" and self.threshold != 0.5:
            ignored.append("threshold")
        if ignored:
            why = {"eta0": "a float learning_rate is the step itself",
                   "threshold": "a softmax model predicts the most probable class"}
            detail = "; ".join(f"{k} ({why.get(k, f'only solver=mbgd reads it, this fit runs {solver}')})"
                               for k in ignored)
            warnings.warn(f"{type(self).__name__}: parameters ignored by this fit: {detail}",
                          UserWarning, stacklevel=3)

    # ------------------------------------------------------------ fitting
    def _solver_settings(self, n_samples, partial=False):
        """The solver, its stopping rule and the MBGD controls, from the parameters."""
        solver = "mbgd" if partial else self._solver_name()
        mbgd = self._mbgd_options()
        if partial and mbgd["eta0"] == "auto" and getattr(self, "_fastlr_eta0", None):
            mbgd["eta0"] = self._fastlr_eta0  # the stream keeps its first step size
        return SolverSettings(
            solver=solver, max_iter=1 if partial else int(self.max_iter),
            tol=None if partial else self._stopping_tol(solver),
            verbose=self.verbose, n_jobs=self.n_jobs, warn=not partial,
            batch_size=int(mbgd.pop("batch_size")),
            early_stopping=bool(mbgd.pop("early_stopping")) and not partial,
            threshold=self.threshold,
            epoch_offset=int(np.sum(getattr(self, "n_iter_", 0))) if partial else 0,
            **mbgd)

    @staticmethod
    def _settings_for(problem, settings):
        """``settings`` with the units the solver trains ``problem`` in."""
        return dataclasses.replace(settings, original_units=trains_in_original_units(
            problem, settings.solver))

    def _lazy_epochs(self, X, partial):
        """True when MBGD will train X with lazy sparse epochs (uncentred rows)."""
        if not partial and self._solver_name() != "mbgd":
            return False
        return lazy_epochs_pay(X, int(self._mbgd_options()["batch_size"]))

    def _problem(self, X, y, sample_weight, family, classes, stats=None,
                 require_two_classes=True, partial=False, lazy=None):
        """The training problem of validated (X, y): targets, weights, scaling, penalty.
        ``lazy``: whether MBGD trains lazy sparse epochs (uncentred rows); None: as
        :meth:`_lazy_epochs` says for X."""
        n, dtype = X.shape[0], X.dtype
        T = encode_targets(family, y, classes, dtype)
        sw, total = combined_sample_weight(sample_weight, self.class_weight, y, classes, n)
        if require_two_classes:
            check_two_classes(T, family, sw, classes)
        if is_dask(X):
            X = X.persist()  # chunks read and checked once, kept where they are
        l1, l2 = self._penalty_strengths(total)
        if stats is None:
            try:
                stats = preconditioner(X, sw, fit_intercept=bool(self.fit_intercept), l2=l2,
                                       standardized_penalty=self._standardized_penalty(),
                                       dtype=dtype, centre=not (
                                           self._lazy_epochs(X, partial) if lazy is None
                                           else lazy))
            except NonFinite:  # X's finiteness was left to this pass (see fit)
                stats = None
            if stats is None:
                check_X_block(X, self)  # raises scikit-learn's error naming NaN or inf
                raise NonFinite("X contains NaN or infinity")
        mean, inv_scale, pen = tuple(stats)[:3]
        sw = sw.astype(dtype)
        if is_dask(X):
            T, sw = along_rows(T, X), along_rows(sw, X)
        n_out = T.shape[1] if family == "sigmoid" else len(classes)
        return Problem(family=family, X=X, T=T, sw=sw, n_outputs=n_out, l1=l1, l2=l2,
                       fit_intercept=bool(self.fit_intercept), precondition=True,
                       mean=mean, inv_scale=inv_scale, pen=pen,
                       fold_mean=bool(getattr(stats, "fold", False)))

    def _classes_for(self, family, y, y_type):
        if y_type == "multilabel-indicator":
            return np.arange(y.shape[1])
        return unique_labels(y)

    def _store(self, problem, res, classes, family, solver, extend=False):
        if res.original_units:  # a new array of the solver's, in coef_'s units already
            self.coef_, self.intercept_ = res.W, res.b.astype(problem.dtype, copy=True)
        else:
            self.coef_, self.intercept_ = problem.to_original_units(res.W, res.b)
        if not self.fit_intercept:
            self.intercept_[:] = 0
        self.classes_ = classes
        self._fastlr_family = family
        self._fastlr_stats = Scaling(problem.mean, problem.inv_scale, problem.pen,
                                     problem.fold_mean)
        curve = list(res.loss_curve)
        if extend:
            self.loss_curve_ = list(getattr(self, "loss_curve_", [])) + curve
            self.n_iter_ = self._n_iter_value(int(np.sum(self.n_iter_)) + res.n_iter)
        else:
            self.loss_curve_ = curve
            self.n_iter_ = self._n_iter_value(res.n_iter)
        self.solver_ = solver
        if solver == "mbgd" and (not extend or getattr(self, "_fastlr_eta0", None) is None):
            self._fastlr_eta0 = res.eta0
        if res.validation_scores:
            self.validation_scores_ = list(res.validation_scores)
            self.best_validation_score_ = res.best_validation_score
        else:  # no early stopping in this fit: no scores from an earlier one
            self.__dict__.pop("validation_scores_", None)
            self.__dict__.pop("best_validation_score_", None)

    def _initial_weights(self, problem, family, classes, original_units=False):
        """(W, b) to start from; with ``original_units`` (the solver trains in coef_'s
        units, see ``trains_in_original_units``) W may be ``coef_`` itself, which
        such a solver only reads."""
        K_, d, dt = problem.n_outputs, problem.n_features, problem.dtype
        prev = getattr(self, "coef_", None)
        if (self.warm_start and prev is not None and prev.shape == (K_, d)
                and getattr(self, "_fastlr_family", None) == family
                and np.array_equal(getattr(self, "classes_", None), classes)):
            return self._previous_weights(problem, original_units)
        return np.zeros((K_, d), dt), np.zeros(K_, dt)

    def _previous_weights(self, problem, original_units):
        """(W, b) from the fitted coef_ and intercept_ (warm start, partial_fit)."""
        if original_units:
            W, b = self.coef_, np.array(self.intercept_, dtype=problem.dtype)
        else:
            W, b = problem.to_trained_units(self.coef_, self.intercept_)
        if not self.fit_intercept:
            b[:] = 0  # a stale intercept would stay frozen in training
        return W, b

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to X (n, d) and y (labels, or an (n, L) 0/1 indicator matrix).

        X may be a NumPy array, a pandas DataFrame, a scipy.sparse matrix or a
        dask array / dataframe (exact solvers only; see the user guide).
        """
        with unchanged_on_error(self):
            # large dense X: its NaN/inf check rides on the column statistics' pass
            # (every fit computes them, before any weight is trained)
            deferred = fused_finite_check(X)
            X, y = validate_Xy(self, X, y, reset=True, finite=not deferred)
            failed = None
            try:
                self._fit_checked(X, y, sample_weight)
            except ValueError as error:
                if not deferred:
                    raise
                failed = error
            if failed is not None:
                check_X_block(X, self)  # scikit-learn names a NaN or inf in X first
                raise failed
        return self

    @with_n_jobs
    def _fit_checked(self, X, y, sample_weight):
        """fit on validated X (whose finiteness may be left to the statistics) and y."""
        solver = self._solver_name()
        if is_dask(X) and solver == "mbgd":
            raise ValueError(
                "dask arrays train with the exact solvers: use solver='lbfgs', "
                "'fista' or 'auto' (or partial_fit, which streams the chunks)")
        y_type = target_type(y)
        family = self._family(y_type)
        self._warn_ignored(solver, family)
        classes = self._classes_for(family, y, y_type)
        # wide CSR storing few of its columns: fit those (the same model, see
        # columns.py), unless a warm start brings weights for the others
        warm = self.warm_start and getattr(self, "coef_", None) is not None
        stored = None if warm else stored_columns(X)
        problem = self._problem(X if stored is None else stored.X, y, sample_weight,
                                family, classes, lazy=self._lazy_epochs(X, False))
        settings = self._settings_for(problem, self._solver_settings(problem.n_samples))
        W, b = self._initial_weights(problem, family, classes, settings.original_units)
        rng = check_random_state(self.random_state)
        self.__dict__.pop("_fastlr_eta0", None)
        res = solve(problem, W, b, settings, rng=rng)
        self._store(problem, res, classes, family, solver)
        if stored is not None:
            stored.widen(self)
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

    @with_n_jobs
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
                                require_two_classes=False, partial=True)
        settings = self._settings_for(
            problem, self._solver_settings(problem.n_samples, partial=True))
        if first:
            K_, d = problem.n_outputs, problem.n_features
            W, b = np.zeros((K_, d), X.dtype), np.zeros(K_, X.dtype)
            self._fastlr_rng = check_random_state(self.random_state)
        else:
            W, b = self._previous_weights(problem, settings.original_units)
        if first:
            self._warn_ignored("mbgd", family)
        res = solve(problem, W, b, settings, rng=self._fastlr_rng)
        self._store(problem, res, cls, family, "mbgd", extend=not first)

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
