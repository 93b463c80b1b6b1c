"""Threads that never lose (fastlr._solvers.thread_choice).

The threaded MBGD epoch runs in segments, each on all threads or on one,
whichever measured faster. These tests check the rule on made-up timings,
and that the choice and the segment boundaries never change a result: the
epoch run in segments on alternating thread counts gives the bits of one
call on all threads.
"""
from __future__ import annotations

import numba
import numpy as np
import pytest

from fastlr._kernels import mbgd_epoch_threaded
from fastlr._kernels.dense import ROWS
from fastlr._layout import SIGMOID, SOFTMAX
from fastlr._solvers import thread_choice as tc
from fastlr._solvers.thread_choice import ThreadChoice, run_segments, segment_batches


def _replay(choice, seconds_per_batch, segments):
    """Run ``segments`` segments against a clock that charges seconds_per_batch(t, i)
    per minibatch on t threads in segment i; returns the thread counts used."""
    used = []
    for i in range(segments):
        t = choice.next()
        used.append(t)
        choice.record(t, 4 * seconds_per_batch(t, i), 4)
    return used


def test_threads_kept_when_faster_with_probes_backing_off():
    used = _replay(ThreadChoice(2, start=2), lambda t, i: 1.0 if t == 2 else 1.6, 200)
    assert used[0] == 2 and used[1] == 1           # the start, then a probe of one thread
    probes = [i for i, t in enumerate(used) if t == 1]
    gaps = np.diff(probes)
    assert len(probes) < 8 and np.all(np.diff(gaps) > 0)  # each confirmed probe waits longer
    assert gaps[0] == 2 * tc.FIRST_GAP + 1  # the first probe confirmed: the gap doubled


def test_one_thread_taken_when_threads_lose_and_threads_back_when_load_leaves():
    # a neighbour takes a core for segments 0..99: threads then cost 2.5x one thread
    slow = lambda t, i: (2.5 if i < 100 else 0.6) if t == 2 else 1.0  # noqa: E731
    used = _replay(ThreadChoice(2, start=2), slow, 400)
    assert sum(t == 2 for t in used[2:100]) <= 8           # probes only
    assert used[-50:].count(2) >= 45
    # back on all threads within a few probe gaps of the load leaving
    first_back = next(i for i in range(100, 400) if used[i] == 2 and used[i + 1] == 2)
    assert first_back < 100 + 2 * tc.MAX_GAP


def test_a_slowdown_of_the_choice_triggers_a_probe_at_once():
    # threads fast until segment 50, then 3x slower than one thread
    slow = lambda t, i: (0.5 if i < 50 else 3.0) if t == 2 else 1.0  # noqa: E731
    used = _replay(ThreadChoice(2, start=2), slow, 60)
    assert used[51] == 1 and all(t == 1 for t in used[52:])


@pytest.mark.parametrize("slow", [3.0, 8.0])
def test_a_neighbour_that_preempts_every_few_segments_leaves_one_thread_running(slow):
    """Threads twice as fast as one three segments in four and ``slow`` times one
    thread's time in the fourth (a core shared with a busy process, as measured:
    0.24 and 1.05 ms a minibatch against 0.42): on average worse than one thread.
    The choice costs at most a little more than one thread all along, and less
    than threads all along."""
    cost = lambda t, i: (0.5 if i % 4 else slow) if t == 2 else 1.0  # noqa: E731
    used = _replay(ThreadChoice(2, start=2), cost, 400)
    spent = sum(cost(t, i) for i, t in enumerate(used))
    threads_all_along = sum(cost(2, i) for i in range(400))
    assert spent <= 1.1 * 400 * 1.0
    assert spent < threads_all_along


def test_the_next_fit_starts_on_the_count_the_last_one_chose(monkeypatch):
    monkeypatch.setattr(tc, "_LAST_CHOICE", {})
    monkeypatch.setattr(tc, "_LAST_GAP", {})
    _replay(ThreadChoice(2), lambda t, i: 3.0 if t == 2 else 1.0, 10)
    assert ThreadChoice(2).next() == 1
    assert ThreadChoice(4).next() == 4


def test_later_fits_carry_the_gap_between_probes_on(monkeypatch):
    """A fit in a process where an earlier fit measured both counts probes first after
    FIRST_GAP segments, then at that fit's gap, not at once: under a lasting load a
    series of short fits no longer probes all threads in each. When the load has
    left, the next fit's first probe finds threads faster again."""
    monkeypatch.setattr(tc, "_LAST_CHOICE", {})
    monkeypatch.setattr(tc, "_LAST_GAP", {})
    busy = lambda t, i: 3.0 if t == 2 else 1.0  # noqa: E731
    first = _replay(ThreadChoice(2), busy, 30)
    assert first[:2] == [2, 1] and first.count(2) >= 2  # fresh: probes at once
    gap = tc._LAST_GAP[2]
    assert gap > tc.FIRST_GAP
    for _ in range(3):  # later short fits under the same load: one probe each at most
        used = _replay(ThreadChoice(2), busy, 30)
        assert used[:tc.FIRST_GAP] == [1] * tc.FIRST_GAP
        assert used.count(2) <= 1
    assert tc._LAST_GAP[2] >= gap
    quiet = lambda t, i: 0.6 if t == 2 else 1.0  # noqa: E731
    used = _replay(ThreadChoice(2), quiet, 30)
    assert used[tc.FIRST_GAP] == 2 and used[-5:] == [2] * 5


def test_one_thread_available_never_probes():
    assert _replay(ThreadChoice(1, start=1), lambda t, i: 1.0, 20) == [1] * 20


def test_segments_are_a_few_milliseconds_of_work():
    assert segment_batches(256, 784, 10) == tc.SEGMENT
    between = segment_batches(256, 784, 1)
    assert between * 256 * 784 >= tc.SEGMENT_WORK and tc.SEGMENT < between < tc.MAX_SEGMENT
    assert segment_batches(256, 10, 1) == tc.MAX_SEGMENT  # narrow: capped, not one epoch


def test_a_non_finite_segment_ends_the_epoch_and_threads_are_restored():
    counts = []

    def set_threads(t):
        counts.append(t)
        return 7

    def kernel(start, stop, total):
        return total + 1.0, 1, start < 3

    out = run_segments(kernel, ThreadChoice(2, start=2), 10, 1, 1, set_threads)
    assert out == (4.0, 4, False)               # segments at rows 0..3: the fourth is not finite
    assert counts[1::2] == [7] * 4              # every segment put the count back

    def failing(start, stop, total):
        raise RuntimeError("kernel failed")

    counts.clear()
    with pytest.raises(RuntimeError):
        run_segments(failing, ThreadChoice(2, start=2), 10, 1, 1, set_threads)
    assert counts == [2, 7]


def test_a_choice_without_measurements_first_calls_the_kernel_on_no_rows_untimed():
    """The first call of a kernel in a process loads it: that call runs on no rows and
    no measurement sees it (else all threads could lose their first comparison)."""
    import time

    calls = []

    def kernel(start, stop, total):
        calls.append((start, stop))
        if len(calls) == 1:
            time.sleep(0.05)  # loading the compiled kernel
        return total + (stop - start), int(stop > start), True

    choice = ThreadChoice(2, start=2)
    out = run_segments(kernel, choice, 10, 1, 2, lambda t: 2)
    assert out == (10.0, len(calls) - 1, True)
    assert calls[0] == (0, 0) and all(a < b for a, b in calls[1:])
    assert max(max(v) for v in choice.recent.values()) < 0.01  # seconds per row
    calls.clear()
    run_segments(kernel, choice, 10, 1, 2, lambda t: 2)  # measured before: no extra call
    assert all(a < b for a, b in calls)


@pytest.mark.parametrize("family,K", [(SIGMOID, 1), (SOFTMAX, 4)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_segmented_epoch_on_alternating_threads_equals_one_threaded_call(family, K, dtype):
    """Same W, b and objective sum, bit for bit, however the epoch is cut into segments
    and whichever thread count runs each."""
    rng = np.random.default_rng(3)
    n, d, C, bs = 997, 13, 4, 64  # 16 rows a chunk: the gathered residual path
    X = (rng.normal(size=(n, d)) * rng.uniform(0.5, 3, d)).astype(dtype)
    if family == SIGMOID:
        Y, y = (rng.random((n, K)) < 0.4).astype(dtype), np.empty(0, np.intp)
    else:
        Y, y = np.empty((0, 0), dtype), rng.integers(0, K, n).astype(np.intp)
    sw = rng.uniform(0.5, 2.0, n).astype(dtype)
    mean, inv = X.mean(0), (1 / X.std(0)).astype(dtype)
    pen = rng.uniform(0.5, 1.5, d).astype(dtype)
    idx = rng.permutation(n).astype(np.intp)
    W0, b0 = rng.normal(0, 0.1, (K, d)).astype(dtype), np.zeros(K, dtype)

    def buffers():
        return (np.zeros((C, K, d), dtype), np.zeros((C, K), dtype),
                np.zeros((C, ROWS, K), dtype), np.zeros((K, d), dtype))

    def epoch(order, W, b, bufs, total=0.0):
        return mbgd_epoch_threaded(family, X, Y, y, sw, order, bs, W, b, *bufs, 0.05, 1e-3,
                                   1e-2, True, True, mean, inv, pen, total)

    W1, b1 = W0.copy(), b0.copy()
    whole = epoch(idx, W1, b1, buffers())

    class Alternate(ThreadChoice):  # every other segment on one thread, every third short
        def next(self):
            self.since_probe += 1
            self.probing = self.since_probe % 3 == 0
            return 1 if self.since_probe % 2 else self.threads

        def record(self, threads, seconds, batches):
            pass

    top = min(2, numba.config.NUMBA_NUM_THREADS)
    used = []

    def set_threads(t):
        used.append(t)
        old = numba.get_num_threads()
        numba.set_num_threads(t)
        return old

    W2, b2, bufs = W0.copy(), b0.copy(), buffers()
    seg = run_segments(lambda a, z, total: epoch(idx[a:z], W2, b2, bufs, total),
                       Alternate(top), n, bs, 4, set_threads)
    assert seg[1:] == whole[1:] and seg[0] == whole[0]
    np.testing.assert_array_equal(W2, W1)
    np.testing.assert_array_equal(b2, b1)
    assert 1 in used and (top == 1 or top in used)
