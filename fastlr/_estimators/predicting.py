"""Predictions from a fitted model: net inputs, probabilities, labels.

In-memory X is validated and computed at once; a dask X gives lazy dask
arrays, computed chunk by chunk (each chunk checked as an in-memory X is).

The activations run in place through NumPy and SciPy's ufuncs (``expit``,
``log_expit``, max-shifted exponentials): as fast as a compiled loop for this
elementwise work, and a first ``predict`` compiles nothing.
"""
from __future__ import annotations

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted

from scipy.special import expit, log_expit

from .dask_io import is_dask, map_row_chunks
from .inputs import validate_X


def _softmax_inplace(Z):
    """Row-wise softmax of the 2-D float array Z, in place (max-shifted: no overflow)."""
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)


def _log_softmax_inplace(Z):
    """Row-wise z - logsumexp(z) of Z, in place (max-shifted)."""
    Z -= Z.max(axis=1, keepdims=True)
    Z -= np.log(np.exp(Z).sum(axis=1, keepdims=True))


class PredictMixin:
    """decision_function, predict_proba, predict_log_proba and predict of the estimators."""

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
            _softmax_inplace(Z)
            return Z
        expit(Z, out=Z)
        if self._multilabel:
            return Z
        return np.hstack([1 - Z, Z])

    def predict_proba(self, X):
        """Class probabilities: (n, 2) binary, (n, K) multiclass, (n, L) per label."""
        return self._predict_with(self._proba, X, self._n_proba())

    def _log_proba(self, X):
        Z = self._logits(X)
        if self._fastlr_family == "softmax":
            _log_softmax_inplace(Z)
            return Z
        if self._multilabel:
            log_expit(Z, out=Z)
            return Z
        neg = -Z
        log_expit(neg, out=neg)
        log_expit(Z, out=Z)
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
