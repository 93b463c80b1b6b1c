"""Compiled kernels: pure ``@njit`` functions over arrays and scalars.

- :mod:`.activations`: stable sigmoid, softplus, log-sum-exp, softmax;
- :mod:`.dense`: the data-access layer (block logits, block gradient) for dense X;
- :mod:`.losses`: fused loss-and-gradient passes (sigmoid and softmax families);
- :mod:`.update`: the proximal gradient step and standardization mapping;
- :mod:`.epoch`: a whole mini-batch gradient-descent epoch;
- :mod:`.stats`: column statistics for standardization;
- :mod:`.scores`: accuracy of rows picked by an index (early stopping), in place;
- :mod:`.labels`: one pass each over large integer labels (range, classes, encoding);
- :mod:`.curvature`: the power iterations of the automatic step size on CSR subsamples.

Kernels never validate their input: the estimators do.

Importing this package imports Numba; the solvers import it only when a fit
needs a kernel (small fits run in NumPy), and it registers the progress
reporter's compile clock with Numba.
"""
from .._progress import listen_to_numba

listen_to_numba()

from .activations import (log1pexp, log_sigmoid_inplace, log_softmax_inplace,
                          logsumexp_rows, sigmoid, sigmoid_inplace,
                          softmax_inplace)
from .epoch import mbgd_epoch, mbgd_epoch_threaded, sgd_epoch
from .losses import SIGMOID, SOFTMAX, loss_grad, sigmoid_loss_grad, softmax_loss_grad
from .stats import (AMAX, SUM, SUMSQ, WNZ, csr_col_deviations, csr_col_sums, dense_col_deviations,
                    dense_col_deviations_chunks, dense_col_moments_chunks, dense_col_sums,
                    dense_col_sums_chunks, moments_from_squares, column_scaling)
from .stored_columns import (first_unmarked, mark_stored_columns, marked_columns,
                             remap_indices, widen_rows, word_ranks)
from .scores import weighted_accuracy
from .update import all_finite, proximal_step, scaled_weights

__all__ = [
    "SIGMOID", "SOFTMAX", "all_finite", "loss_grad", "log1pexp", "log_sigmoid_inplace",
    "log_softmax_inplace", "logsumexp_rows", "mbgd_epoch", "mbgd_epoch_threaded",
    "proximal_step", "scaled_weights", "sgd_epoch", "sigmoid", "sigmoid_inplace", "sigmoid_loss_grad",
    "softmax_inplace", "softmax_loss_grad", "csr_col_deviations", "csr_col_sums",
    "dense_col_moments_chunks", "mark_stored_columns", "first_unmarked", "word_ranks",
    "marked_columns", "remap_indices", "widen_rows",
    "moments_from_squares", "column_scaling",
    "dense_col_deviations", "dense_col_deviations_chunks", "dense_col_sums",
    "dense_col_sums_chunks", "weighted_accuracy",
]
