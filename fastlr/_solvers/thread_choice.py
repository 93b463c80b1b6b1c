"""Threads that lose little: run a parallel kernel on all threads or on one, by measurement.

A threaded MBGD epoch forks and joins once per minibatch. On a quiet machine
that pays from a few hundred rows per minibatch (MNIST-shaped, batch 256, 2
cores: 1.5x faster than one thread), but when another process holds a core,
every join waits for a descheduled thread, and the same fit took 2.6x one
thread's time (median; up to 3.5x; docs/threads.md). No rule on the problem's shape can see that, so
the epoch is run in segments of a few minibatches (:func:`segment_batches`) and
:class:`ThreadChoice` picks the thread count of each segment from the time per
row it measured on the recent segments run each way. It cannot know the
future: under a neighbour's load that comes and goes it costs some time
against the better fixed count, and guards against the worst case of threads
(docs/threads.md has the medians and the tails).

The choice changes the time only, never the result: the threaded kernels
split a minibatch into a fixed number of chunks and add the chunks' sums in
chunk order, so one thread computes the same bits, and each segment continues
the epoch's objective sum where the last one left it, so where the segments
end does not matter either.
"""
from __future__ import annotations

import time

#: a segment holds SEGMENT to MAX_SEGMENT minibatches, and SEGMENT_WORK multiply-adds
#: (rows x values per row x outputs) when that fits: each segment is one kernel call
#: (~15 µs) and the clock must see more than its own noise, but every minibatch also
#: pays a fork/join, so narrow data get no more than MAX_SEGMENT; a probe runs a
#: fraction of a segment (PROBE_FRACTION)
SEGMENT, MAX_SEGMENT, SEGMENT_WORK = 8, 64, 1 << 22
#: segments between two probes of the other thread count: starts at FIRST_GAP and
#: doubles after each probe, up to MAX_GAP
FIRST_GAP, MAX_GAP = 8, 256
#: a probe runs this fraction of a segment (at least one minibatch)
PROBE_FRACTION = 8


def segment_batches(batch_size: int, values_per_row: float, outputs: int) -> int:
    """Minibatches per segment for this problem."""
    work = max(1.0, batch_size * values_per_row * outputs)
    return min(MAX_SEGMENT, max(SEGMENT, int(-(-SEGMENT_WORK // work))))


#: the thread count each ThreadChoice (by its number of threads) ended on, and its gap
#: between probes: the next fit starts there (the load on a machine outlasts one fit;
#: probes correct it)
_LAST_CHOICE: dict[int, int] = {}
_LAST_GAP: dict[int, int] = {}


class ThreadChoice:
    """Chooses, segment after segment, between ``threads`` threads and one.

    The first segment runs on ``start`` threads (default: the count the last
    fit ended on, all threads at first), the next on the other count (a probe),
    or, when an earlier fit has measured both counts, the FIRST_GAP-th (that
    fit's gap between probes carries on: under a neighbour's lasting load, a
    series of short fits each probed all threads at once, and a fit of 29
    segments took 1.7x one thread's time); after that each segment runs on the
    count with the smaller time per row,
    taken as the worse of its last two measurements (a core shared
    with a busy neighbour gives fast and very slow segments in turn: one fast
    probe must not win), except that every ``gap`` segments the other count is
    measured again. ``gap`` doubles after each probe, so the cost of probing a
    worse count falls away, also when a neighbour's load comes and goes faster
    than the choice could follow. A segment of the chosen count slower than the
    other count's estimate brings the next probe forward (load arrived)."""

    def __init__(self, threads: int, start: int | None = None):
        self.threads = threads
        self.recent = {}             # thread count -> its last two seconds per row
        self.choice = _LAST_CHOICE.get(threads, threads) if start is None else start
        known = start is None and threads in _LAST_GAP
        self.gap = _LAST_GAP[threads] if known else FIRST_GAP
        self.first_probe = FIRST_GAP if known else 0  # segments before the first probe
        self.since_probe = 0
        self.probing = False

    def estimate(self, threads: int) -> float:
        """Seconds per row on ``threads``: the worse of the last two measured."""
        return max(self.recent[threads])

    def next(self) -> int:
        """The thread count for the next segment."""
        if self.threads <= 1:
            return 1
        other = 1 if self.choice != 1 else self.threads
        due = self.gap if other in self.recent else self.first_probe
        self.probing = self.choice in self.recent and self.since_probe >= due
        return other if self.probing else self.choice

    def record(self, threads: int, seconds: float, rows: int) -> None:
        """The segment just run on ``threads`` took ``seconds`` for ``rows`` rows (per row:
        an epoch's last minibatch may be short)."""
        if self.threads <= 1 or rows <= 0:
            return
        self.recent[threads] = (self.recent.get(threads, ())[-1:]) + (seconds / rows,)
        other = 1 if self.choice != 1 else self.threads
        if not self.probing:
            self.since_probe += 1
            if other in self.recent and seconds / rows > self.estimate(other):
                self.since_probe = self.gap  # the choice got slower than the other: probe
            return
        self.since_probe = 0
        self.gap = _LAST_GAP[self.threads] = min(2 * self.gap, MAX_GAP)
        if self.estimate(other) < self.estimate(self.choice):
            self.choice = _LAST_CHOICE[self.threads] = other


def run_segments(kernel, choice: ThreadChoice, n: int, batch_size: int, batches: int,
                 set_threads):
    """Run ``kernel(start, stop, total)`` over rows [0, n) in segments of ``batches``
    minibatches (a probe: an eighth of that), each on the thread count ``choice``
    picks (``set_threads(t)`` sets it and returns the count before). ``kernel``
    continues the objective sum ``total`` and returns (total, n_batches, finite), so
    the result does not depend on where the segments end; a non-finite segment
    ends the run."""
    total, nb = 0.0, 0
    start = 0
    # the first call of a kernel in a process loads it (and the first parallel one
    # starts the thread pool): 0.13 s here, which made the first measurement of all
    # threads lose to one thread (MNIST-shaped full batch: 23 ms an epoch on 2 threads,
    # 45 ms on the one chosen), so a choice without measurements first calls the kernel
    # on no rows, untimed
    warm = not choice.recent
    while start < n:
        t = choice.next()
        size = max(1, batches // PROBE_FRACTION) if choice.probing else batches
        stop = min(start + size * batch_size, n)
        old = set_threads(t)
        try:
            if warm:
                kernel(start, start, total)
                warm = False
            t0 = time.perf_counter()
            total, seg_nb, finite = kernel(start, stop, total)
            choice.record(t, time.perf_counter() - t0, stop - start)
        finally:
            set_threads(old)
        nb += seg_nb
        start = stop
        if not finite:
            return total, nb, False
    return total, nb, True
