"""Early stopping's validation split and score, on the training data in place."""
from __future__ import annotations

import numpy as np

from .._layout import BLOCK
from .problem import Problem


def validation_split(problem: Problem, fraction, rng):
    """Split row indices into (train, validation), stratified for class targets.

    Multilabel targets, and class targets where some class has a single row,
    get a plain random split.
    """
    n = problem.n_samples
    n_val = int(np.ceil(fraction * n))
    if n_val < 1 or n - n_val < 1:
        raise ValueError(f"validation_fraction={fraction} leaves no rows to train or to "
                         f"validate on with {n} samples")
    labels = problem.T if problem.family == "softmax" else (
        problem.T[:, 0] if problem.T.shape[1] == 1 else None)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    if labels is not None and np.unique(labels, return_counts=True)[1].min() >= 2:
        from sklearn.model_selection import StratifiedShuffleSplit  # 0.27 s to import

        try:
            split = StratifiedShuffleSplit(n_splits=1, test_size=n_val, random_state=seed)
            train, val = next(split.split(np.zeros((n, 1)), labels))
            return np.sort(train), np.sort(val)
        except ValueError:  # too few rows per class for the validation size
            pass
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def accuracy_scorer(problem: Problem, val_idx, threshold, original_units=False):
    """score(W, b): weighted accuracy on the validation rows (subset accuracy for
    multilabel), read in place through the row index: no copy of X. W in the
    trained units, or with ``original_units`` in the user's (uncentred rows only)."""
    from .._kernels import scaled_weights, weighted_accuracy

    p = problem
    val_idx = np.ascontiguousarray(val_idx, dtype=np.intp)
    if not p.sw[val_idx].sum(dtype=np.float64) > 0:
        raise ValueError("every validation row has sample weight 0: early stopping has "
                         "nothing to score; change validation_fraction or random_state")
    fam, Y, y = p.kernel_args
    X = p.kernel_X
    Z = np.zeros((BLOCK, p.n_outputs), p.dtype)
    We = np.zeros((p.n_outputs, p.n_features), p.dtype)
    cut = float(np.log(threshold / (1.0 - threshold)))

    def score(W, b):
        if p.precondition and not original_units:
            scaled_weights(W, p.inv_scale, We)
            Wk = We
        else:
            Wk = W
        hit, tot = weighted_accuracy(fam, X, Y, y, p.sw, val_idx, Wk, b, Z, p.mean,
                                     p.precondition, cut)
        return hit / tot

    return score
