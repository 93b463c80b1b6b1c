"""Mini-batch gradient descent: the epoch loop around the compiled epoch kernel.

Per epoch: draw the row order (seeded), pick the step size from the schedule,
run :func:`fastlr._kernels.mbgd_epoch`, check that the objective stayed
finite, record it, and decide whether to stop (docs/math.md §6).
"""
from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._config import n_threads
from .._layout import BLOCK, ROWS
from .._progress import Progress
from .problem import Problem
from .result import DivergenceError, SolverResult, data_overflow
from .schedules import Schedule
from .sparse_epochs import LazyEpochRunner, lazy_epochs_apply, trains_in_original_units
from .thread_choice import ThreadChoice, run_segments, segment_batches


#: minibatches of at least this many rows are split over threads (a fork/join
#: per minibatch costs more than it saves on smaller ones)
THREADED_MIN_BATCH = 256


def _load_kernels():
    """Numba and the epoch kernels, imported when MBGD first runs (not with fastlr)."""
    global numba, all_finite, mbgd_epoch, mbgd_epoch_threaded, sgd_epoch
    import numba

    from .._kernels import all_finite, mbgd_epoch, mbgd_epoch_threaded, sgd_epoch


class EpochRunner:
    """One epoch over a given row order with preallocated buffers; picks the kernel.

    - ``batch_size == 1``: :func:`sgd_epoch` (updates W in place per row);
    - ``batch_size >= THREADED_MIN_BATCH`` with several Numba threads:
      :func:`mbgd_epoch_threaded` (each minibatch split over the threads), in
      segments that each run on all threads or on one, whichever measured faster
      (:mod:`.thread_choice`; the same result either way);
    - otherwise :func:`mbgd_epoch`.
    """

    def __init__(self, problem: Problem, batch_size: int):
        _load_kernels()
        p = self.p = problem
        self.batch_size = batch_size
        self.fam, self.Y, self.y = p.kernel_args
        self.X = p.kernel_X
        K, d, dt = p.n_outputs, p.n_features, p.dtype
        # two chunks per thread, handed out dynamically (~5% faster than one per thread
        # on this shared machine); results depend only on the chunk count
        C = 2 * n_threads() if batch_size >= THREADED_MIN_BATCH and n_threads() > 1 else 1
        self.chunks = C = max(1, min(C, batch_size // (4 * BLOCK)))
        if C > 1:
            self.G, self.gb = np.zeros((C, K, d), dt), np.zeros((C, K), dt)
            self.Z, self.We = np.zeros((C, ROWS, K), dt), np.zeros((K, d), dt)
            # all threads or one, segment by segment, by measured time (same bits)
            self.choice = ThreadChoice(n_threads())
            width = p.X.nnz / max(1, p.n_samples) if hasattr(p.X, "nnz") else d
            self.segment = segment_batches(batch_size, width, K)
        else:
            self.G, self.gb, self.Z, self.We = p.buffers()

    def weights(self, W):
        """The array the last epoch wrote its weights into: ``W`` itself."""
        return W

    def all_finite(self, W):
        """Whether the weights ``W`` the last epoch wrote are all finite."""
        return all_finite(W)

    def __call__(self, order, W, b, eta):
        """Run the epoch in place on (W, b); returns (objective_sum, n_batches, finite)."""
        p = self.p
        if self.batch_size == 1:
            return sgd_epoch(self.fam, self.X, self.Y, self.y, p.sw, order, W, b, self.Z,
                             self.We[0], eta, p.l1, p.l2, p.fit_intercept, p.precondition,
                             p.mean, p.inv_scale, p.pen)
        if self.chunks == 1:
            return mbgd_epoch(self.fam, self.X, self.Y, self.y, p.sw, order, self.batch_size,
                              W, b, self.G, self.gb, self.Z, self.We, eta, p.l1, p.l2,
                              p.fit_intercept, p.precondition, p.mean, p.inv_scale, p.pen,
                              p.fold_mean)
        def segment(start, stop, total):
            return mbgd_epoch_threaded(self.fam, self.X, self.Y, self.y, p.sw,
                                       order[start:stop], self.batch_size, W, b, self.G,
                                       self.gb, self.Z, self.We, eta, p.l1, p.l2,
                                       p.fit_intercept, p.precondition, p.mean, p.inv_scale,
                                       p.pen, total)

        old = numba.set_parallel_chunksize(1)
        try:
            return run_segments(segment, self.choice, len(order), self.batch_size,
                                self.segment, _set_threads)
        finally:
            numba.set_parallel_chunksize(old)


def _set_threads(t):
    """Set Numba's thread count to ``t``; return the count before."""
    old = numba.get_num_threads()
    if t != old:
        numba.set_num_threads(t)
    return old


#: a dense X of at least this many bytes (beyond the caches) is shuffled by blocks
#: (:func:`shuffled`): a random gather per row cost 4 passes over X an epoch on 2M x 100
#: float32 (1.51 s an epoch and fit, 1.03 s unshuffled, 1.20 s by blocks of 8)
SHUFFLE_BY_BLOCKS_FROM = 1 << 26
#: bytes of X per shuffled block, in whole runs of SHUFFLE_RUN rows (20 rows of 100
#: float32). 2M x 100 float32, one epoch, side by side: blocks of 8 rows one after the
#: other 250 ms; in lockstep, blocks of 16 rows 220, 20 rows 212, 40 rows 204; rows in
#: order 187. Larger blocks read faster, but keep the same places of X in more
#: consecutive minibatches (block / run of them)
SHUFFLE_BLOCK_BYTES = 8192
#: blocks read in lockstep, SHUFFLE_RUN rows of each in turn: a minibatch of 32 rows
#: takes 4 rows from each of 8 random places
SHUFFLE_STREAMS = 8
SHUFFLE_RUN = BLOCK


def shuffle_block(X) -> int:
    """Rows per shuffled block for X: 1 (a full permutation) unless X is dense and
    large; then SHUFFLE_BLOCK_BYTES of rows, in whole runs of SHUFFLE_RUN."""
    if not (isinstance(X, np.ndarray) and X.nbytes >= SHUFFLE_BY_BLOCKS_FROM):
        return 1
    row = max(1, X.shape[1] * X.itemsize)
    return max(SHUFFLE_RUN, SHUFFLE_BLOCK_BYTES // row // SHUFFLE_RUN * SHUFFLE_RUN)


def shuffled(idx, rng, block=1, identity=False, streams=SHUFFLE_STREAMS, run=SHUFFLE_RUN):
    """A random order of the rows ``idx`` for one epoch (docs/math.md §6).

    ``block == 1``: a uniform permutation. Otherwise the rows are cut into
    blocks of ``block`` consecutive entries of ``idx`` (the grid shifted by a
    random offset each epoch), the blocks are permuted, and each ``streams``
    consecutive blocks of that permutation are read in lockstep, ``run`` rows
    of each in turn: a minibatch of ``streams * run`` rows takes ``run``
    neighbouring rows from each of ``streams`` random places of X, and the
    next ``block / run - 1`` minibatches take the following rows of the same places.
    Every row is visited once an epoch; memory is read as ``streams`` sequential
    streams, which the hardware prefetcher follows (2M x 100 float32, a bare read
    of X in such an order: 88 ms with blocks of 16 rows, 80 with 32; blocks of 8
    rows one after the other 114 ms; rows in order 68 ms).
    ``identity``: ``idx`` is 0 ... n-1 (it is then not read).
    """
    if block <= 1 or len(idx) <= block:
        return rng.permutation(idx)
    n = len(idx)
    offset = int(rng.randint(block))
    nb = -(-n // block)
    # positions in idx rolled by offset, blocks in permuted order (the last block may
    # be short), written in one compiled pass (NumPy's five passes over the positions
    # took 40-80 ms of a 2M-row epoch, the kernel ~5)
    from .._kernels.order import block_order

    order = np.empty_like(idx)
    block_order(idx, rng.permutation(nb).astype(np.intp), block, max(1, streams),
                max(1, run), offset, identity, order)
    return order


def mbgd(problem: Problem, W, b, *, batch_size, schedule: Schedule, max_iter,
         tol, n_iter_no_change, shuffle, rng, train_idx=None,
         validation_score=None, verbose=0, epoch_offset=0, warn=True,
         original_units=False):
    """Run up to ``max_iter`` epochs of MBGD on ``problem`` from ``(W, b)``.

    ``W``/``b`` are updated in place (pass copies). ``validation_score``, if
    given, is called as ``score(W, b)`` after every epoch and drives early
    stopping (higher is better) and the choice of the returned weights (the
    best seen); otherwise the training objective drives stopping.
    ``tol=None`` runs all ``max_iter`` epochs. Raises :class:`DivergenceError`
    when the objective becomes non-finite; ``W``/``b`` are then garbage, the
    caller's fitted state is not touched.

    ``original_units`` (only where :func:`.sparse_epochs.trains_in_original_units`
    holds): ``W`` is in the user's units and only read; the result's ``W`` is a new
    array in those units (``res.original_units``), and ``validation_score`` reads
    such weights.
    """
    _load_kernels()
    p = problem
    idx = np.arange(p.n_samples, dtype=np.intp) if train_idx is None else train_idx
    block = shuffle_block(p.X)
    bs = max(1, min(batch_size, len(idx)))
    if original_units:
        if not trains_in_original_units(p, "mbgd"):
            raise ValueError("original_units: this problem's MBGD trains in the "
                             "preconditioned units")
        run_epoch = LazyEpochRunner(p, bs, original_units=True)
    else:
        run_epoch = (LazyEpochRunner if lazy_epochs_apply(p) else EpochRunner)(p, bs)
    res = SolverResult(W=W, b=b, n_iter=0, eta0=schedule.eta0,
                       original_units=bool(original_units))
    best, no_improve = np.inf, 0
    # adaptive schedule: a cut of η that brings no improvement within n_iter_no_change
    # epochs ends the run (smaller steps did not help: the plateau is the optimum's)
    cut, improved_since_cut = False, False
    best_W = best_b = None
    details = f", batch_size={run_epoch.batch_size}" + (
        f", n_iter_no_change={n_iter_no_change}" if tol is not None else "") + (
        f", early stopping on {len(p.sw) - len(idx)} validation rows"
        if validation_score is not None else "")
    progress = Progress("MBGD", p, verbose=verbose, max_iter=max_iter, tol=tol, unit="epoch",
                        first=epoch_offset + 1, details=details,
                        formats={"objective": ".6g"})  # a stochastic mean: 6 digits
    with progress:
        for epoch in range(max_iter):
            order = shuffled(idx, rng, block, train_idx is None) if shuffle else idx
            eta = schedule.eta(epoch_offset + epoch)
            total, nb, finite = run_epoch(order, W, b, eta)
            W = res.W = run_epoch.weights(W)
            if not (finite and np.isfinite(total) and run_epoch.all_finite(W)
                    and np.all(np.isfinite(b))):
                where = f"the objective became non-finite in epoch {epoch_offset + epoch + 1}"
                overflow = data_overflow(p.X)
                raise DivergenceError(
                    f"{where}: {overflow}" if overflow else
                    f"{where} (learning rate {eta:g}): the step size is too large for this "
                    "data; use a smaller learning_rate (or the default eta0='auto')")
            obj = total / nb
            res.loss_curve.append(obj)
            res.n_iter = epoch + 1
            if validation_score is not None:
                score = validation_score(W, b)
                res.validation_scores.append(score)
                monitored = -score
                if best_W is None or score > res.best_validation_score:
                    res.best_validation_score = score
                    best_W, best_b = W.copy(), b.copy()
            else:
                monitored = obj
            if progress:
                if validation_score is None:
                    progress.step(epoch_offset + epoch + 1, objective=obj, eta=eta)
                else:
                    progress.step(epoch_offset + epoch + 1, objective=obj, eta=eta,
                                  validation=res.validation_scores[-1])
            if tol is not None:
                if monitored > best - tol:
                    no_improve += 1
                else:
                    no_improve, improved_since_cut = 0, True
                best = min(best, monitored)
                if no_improve >= n_iter_no_change:
                    if (improved_since_cut or not cut) and schedule.on_plateau():
                        no_improve, cut, improved_since_cut = 0, True, False
                        continue
                    res.converged = True
                    break
        if res.converged:
            stop = (f"converged: no improvement of the "
                    f"{'validation score' if validation_score is not None else 'objective'} "
                    f"by tol={tol:g} in {n_iter_no_change} epochs")
        elif tol is None:
            stop = "ran the epochs asked for (tol=None)"
        else:
            stop = f"not converged in max_iter={max_iter} epochs"
        if best_W is not None:
            stop += ("; kept the weights of the best validation score, "
                     f"{res.best_validation_score:.6g}")
        progress.finish(res.n_iter, stop)
    if best_W is not None:
        res.W, res.b = best_W, best_b
    if original_units and res.n_iter == 0:  # no epoch ran: a new array all the same
        res.W = np.array(W, dtype=p.dtype)
    if warn and tol is not None and not res.converged and res.n_iter == max_iter:
        warnings.warn(
            f"Maximum number of epochs ({max_iter}) reached before convergence "
            f"(tol={tol}); increase max_iter or loosen tol.", ConvergenceWarning)
    return res
