"""Parameter and attribute texts that several estimators' docstrings share."""

MBGD_PARAMETERS = """\
batch_size : int{batch_default}
    Rows per minibatch of mini-batch gradient descent (1 = plain SGD; a value
    of at least the number of rows = full-batch gradient descent).
learning_rate : float or {{"constant", "inverse_time", "adaptive"}}{lr_default}
    A float is a constant step size. A name picks a schedule that starts at
    ``eta0``: ``"constant"``; ``"inverse_time"``, eta0 / (1 + decay · epoch);
    ``"adaptive"``, eta0 until the epoch objective stalls (``tol``,
    ``n_iter_no_change``), then divided by 5 each time it stalls again; a
    stall right after a division (no improvement since) ends the fit.
eta0 : float or "auto"{eta0_default}
    First step size of a named schedule. ``"auto"`` takes it from the data:
    1 / (c (max(λ_max, 1) + R² (1/B - 1/n)) + l2_max) on the preconditioned
    features, with c = 1/4 (sigmoid) or 1/2 (softmax), λ_max the largest
    eigenvalue of their weighted covariance, R² the largest squared row norm
    (both estimated on a subsample of at most 4,096 rows), B the batch size
    and n the rows, so that raw, unscaled data never diverge.
decay : float{decay_default}
    Decay of the ``"inverse_time"`` schedule.
n_iter_no_change : int{nic_default}
    Epochs without an improvement of at least ``tol`` before MBGD stops (or,
    with ``"adaptive"``, divides the step size by 5, and stops if the smaller
    step brings no improvement in as many epochs).
shuffle : bool{shuffle_default}
    Shuffle the rows (seeded by ``random_state``) before every epoch.
early_stopping : bool{es_default}
    Hold out ``validation_fraction`` of the rows (stratified) and stop when
    their accuracy stops improving; the best weights are kept.
validation_fraction : float{vf_default}
    Fraction of the rows held out for ``early_stopping``."""

MODEL_EXTENSIONS = """\
standardize : bool, default=False
    Where the penalty is measured. ``False``: on ``coef_`` itself, in the
    units of the features (scikit-learn's model). ``True``: on the
    coefficients of the standardized features (x - mean) / std, the model of
    a ``StandardScaler`` pipeline; rare sparse features then get a weak
    penalty and can overfit. Either way every solver trains on internally
    preconditioned (centred and scaled) features without copying X, so
    convergence does not depend on the features' units, and ``coef_`` is
    reported in the original units.
threshold : float in (0, 1), default=0.5
    Binary and multilabel (sigmoid) models predict the positive class when
    its probability is at least ``threshold``. Softmax models ignore it (a
    value other than 0.5 warns)."""

RUN_CONTROLS = """\
warm_start : bool, default=False
    Start ``fit`` from the previous solution (same classes and features).
n_jobs : int, default=None
    Numba threads while fitting (None: Numba's setting; -1: all cores). The
    result is the same for a given thread count.
verbose : int, default=0
    Progress on stdout. 0: nothing. >= 1: a header, the time spent compiling
    kernels (if any), one line per epoch / iteration (objective, gradient
    max-norm or step size, elapsed time) and a summary; plain lines when
    stdout is not a terminal (never a ``\\r``). On a terminal with tqdm
    installed, a progress bar replaces the per-iteration lines at 1 and
    accompanies them at >= 2 (user guide, "verbose: progress")."""

ATTRIBUTES = """\
classes_ : ndarray of shape (n_classes,)
    The class labels (label indices 0..L-1 for multilabel targets).
coef_ : ndarray of shape (1, n_features), (n_classes, n_features) or (n_labels, n_features)
    Coefficients in the units of X (float32 for float32 X).
intercept_ : ndarray of shape (1,), (n_classes,) or (n_labels,)
    Intercepts (zeros without ``fit_intercept``).
n_features_in_ : int
    Number of features seen in ``fit``.
feature_names_in_ : ndarray of shape (n_features_in_,)
    Column names, when X had string column names.
solver_ : str
    The solver that ran: ``"lbfgs"``, ``"fista"`` or ``"mbgd"`` (what
    ``"auto"`` chose).
loss_curve_ : list of float
    Objective per epoch (MBGD: the mean over the epoch's minibatches) or per
    iteration (exact solvers).
validation_scores_ : list of float
    Validation accuracy per epoch (only with ``early_stopping``).
best_validation_score_ : float
    Best of ``validation_scores_`` (only with ``early_stopping``)."""
