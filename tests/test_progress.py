"""Progress output (fastlr._progress): what ``verbose`` prints, for every solver.

Non-terminal streams (pytest's capture, a StringIO) get plain whole lines and
never a carriage return; a stream that claims to be a terminal gets a tqdm bar
whose frames never share a line with the progress lines (checked by replaying
the output the way a terminal would).
"""
import contextlib
import io
import re
import sys
import types
import warnings

import numba
import numpy as np
import pytest
import scipy.sparse as sp

import fastlr._progress
from fastlr import SigmoidRegression, SoftmaxRegression
from fastlr._progress import CLOCK, Progress

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

NAMES = {"mbgd": "MBGD", "lbfgs": "L-BFGS", "fista": "FISTA"}
UNITS = {"mbgd": "epoch", "lbfgs": "iteration", "fista": "iteration"}
NUMBERS = {"mbgd": ("objective", "eta"), "lbfgs": ("objective", "gradient"),
           "fista": ("objective", "optimality")}


def data(n=120, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def model(solver, verbose, **kw):
    extra = {"mbgd": {"max_iter": 8, "tol": None},
             "lbfgs": {"max_iter": 50},
             "fista": {"max_iter": 50, "l1_ratio": 1.0, "alpha": 0.01}}[solver]
    return SigmoidRegression(solver=solver, verbose=verbose, random_state=0,
                             **{**extra, **kw})


def n_iter_of(m):
    return int(np.max(m.n_iter_))


def split(out, solver):
    """(header, compile lines, iteration lines, summary) of one fit's output."""
    name = NAMES[solver]
    lines = out.splitlines()
    it = re.compile(rf"{re.escape(name)} {UNITS[solver].capitalize()} +(\d+): (.*), "
                    r"(\d+\.\d\d) s")
    iterations = [it.fullmatch(line) for line in lines if it.fullmatch(line)]
    compiles = [line for line in lines if re.fullmatch(
        rf"{re.escape(name)}: compiling kernels for \S+ \S+ \S+ \.\.\. \d+\.\d s "
        r"\(\d+ kernels?\)", line)]
    header, summary = lines[0], lines[-1]
    assert len(lines) == 2 + len(compiles) + len(iterations), out
    return header, compiles, iterations, summary


def check_summary(summary, solver, n_iter):
    name, unit = NAMES[solver], UNITS[solver]
    assert re.fullmatch(rf"{re.escape(name)}: {n_iter} {unit}s? in \d+\.\d\d s, "
                        r"(converged|not converged|ran the epochs asked for).*", summary), summary


@pytest.mark.parametrize("solver", ["mbgd", "lbfgs", "fista"])
def test_a_piped_stream_gets_one_whole_line_per_iteration_and_no_carriage_return(
        solver, capsys):
    X, y = data()
    m = model(solver, verbose=1).fit(X, y)
    out, err = capsys.readouterr()
    assert "\r" not in out and "\r" not in err
    header, compiles, iterations, summary = split(out, solver)
    n_iter = n_iter_of(m)
    assert n_iter >= 2
    assert len(iterations) == n_iter
    assert [int(g.group(1)) for g in iterations] == list(range(1, n_iter + 1))
    assert header.startswith(f"{NAMES[solver]}: 120 samples x 4 features, float64 dense binary")
    for g in iterations:
        shown = g.group(2)
        for key in NUMBERS[solver]:
            assert f"{key} " in shown
    times = [float(g.group(3)) for g in iterations]  # elapsed wall time, cumulative
    assert times == sorted(times)
    check_summary(summary, solver, n_iter)
    # the objective printed is the one recorded (MBGD: the epoch mean, 6 digits)
    printed = [float(re.search(r"objective (\S+),", g.group(2)).group(1)) for g in iterations]
    np.testing.assert_allclose(printed, m.loss_curve_, rtol=1e-5 if solver == "mbgd" else 1e-9)


def test_summary_says_converged_and_why():
    X, y = data()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        m = SigmoidRegression(solver="lbfgs", verbose=1, max_iter=200).fit(X, y)
    summary = buf.getvalue().splitlines()[-1]
    assert re.fullmatch(rf"L-BFGS: {n_iter_of(m)} iterations in \d+\.\d\d s, converged.*"
                        r"\(gradient \S+, tol=\S+\)", summary), summary


def test_early_stopping_shows_the_validation_score(capsys):
    X, y = data(n=200)
    m = SigmoidRegression(solver="mbgd", early_stopping=True, max_iter=6, verbose=1,
                          random_state=0).fit(X, y)
    out = capsys.readouterr().out
    header, _, iterations, summary = split(out, "mbgd")
    assert len(iterations) == n_iter_of(m)
    assert "early stopping on 20 validation rows" in header
    assert all("validation " in g.group(2) for g in iterations)
    assert "best validation score" in summary


def test_sparse_multiclass_and_partial_fit_numbering(capsys):
    X, y = data(n=90)
    y3 = np.arange(90) % 3
    m = SoftmaxRegression(solver="lbfgs", verbose=1, max_iter=5).fit(sp.csr_matrix(X), y3)
    out = capsys.readouterr().out
    assert out.startswith("L-BFGS: 90 samples x 4 features, float64 csr multiclass")
    assert len(split(out, "lbfgs")[2]) == n_iter_of(m)
    m = SigmoidRegression(verbose=1, random_state=0)
    m.partial_fit(X, y, classes=[0, 1])
    m.partial_fit(X, y)
    out = capsys.readouterr().out
    numbers = [int(n) for n in re.findall(r"^MBGD Epoch (\d+):", out, re.M)]
    assert numbers == [1, 2]  # the epoch count continues across calls


@pytest.mark.parametrize("solver", ["mbgd", "lbfgs"])
def test_verbose_0_prints_nothing(solver, capsys):
    X, y = data()
    model(solver, verbose=0).fit(X, y)
    assert capsys.readouterr() == ("", "")


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal and records every write."""

    def __init__(self):
        super().__init__()
        self.writes = []

    def isatty(self):
        return True

    def write(self, s):
        self.writes.append(s)
        return super().write(s)


def screen(text):
    """The rows a terminal shows for ``text``: '\\r' returns to column 0 and the
    following characters overwrite the row; '\\n' ends the row."""
    rows, row, col = [], [], 0
    for ch in text:
        if ch == "\n":
            rows.append("".join(row).rstrip())
            row, col = [], 0
        elif ch == "\r":
            col = 0
        else:
            if col < len(row):
                row[col] = ch
            else:
                row.append(ch)
            col += 1
    return rows, "".join(row).rstrip()


def fit_on_terminal(solver, verbose):
    X, y = data()
    term = FakeTerminal()
    with contextlib.redirect_stdout(term), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = model(solver, verbose=verbose).fit(X, y)
    return m, term


@pytest.mark.parametrize("solver", ["mbgd", "lbfgs", "fista"])
def test_on_a_terminal_bar_and_lines_never_share_a_line(solver):
    pytest.importorskip("tqdm")
    m, term = fit_on_terminal(solver, verbose=2)
    text = term.getvalue()
    assert "%|" in text  # the bar was drawn
    rows, last = screen(text)
    assert last == ""  # the bar is gone at the end
    # every row left on the screen is a whole progress line: no bar remnant in it,
    # no line cut by a bar frame
    header, compiles, iterations, summary = split("\n".join(rows), solver)
    assert len(iterations) == n_iter_of(m)
    check_summary(summary, solver, n_iter_of(m))
    for row in rows:  # each line went out in a single write
        assert any(row in w for w in term.writes)
        assert "%|" not in row


def test_on_a_terminal_verbose_1_is_a_bar_with_the_latest_numbers(monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(fastlr._progress, "BAR_MININTERVAL", 0.0)  # redraw on every step
    m, term = fit_on_terminal("lbfgs", verbose=1)
    rows, last = screen(term.getvalue())
    assert last == ""
    assert rows[0].startswith("L-BFGS: 120 samples") and rows[-1].startswith("L-BFGS: ")
    assert not any(re.match(r"L-BFGS Iteration", r) for r in rows)
    check_summary(rows[-1], "lbfgs", n_iter_of(m))
    assert re.search(r"\d+/50 \[.*objective \S+, gradient \S+\]", term.getvalue())


def test_without_tqdm_a_terminal_gets_plain_lines(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm raises ImportError
    for solver in ("mbgd", "lbfgs", "fista"):
        m, term = fit_on_terminal(solver, verbose=1)
        out = term.getvalue()
        assert "\r" not in out
        assert len(split(out, solver)[2]) == n_iter_of(m)


# --------------------------------------------------------------------- the compile
def test_compile_clock_sees_a_compilation_and_not_a_second_call():
    @numba.njit
    def plus_one(x):
        return x + 1

    mark = CLOCK.mark()
    plus_one(1)
    new = CLOCK.since(mark)
    assert [c.name for c in new] == [plus_one.py_func.__qualname__]
    assert new[0].seconds > 0
    mark = CLOCK.mark()
    plus_one(2)  # compiled: nothing new
    assert CLOCK.since(mark) == []


def test_progress_reports_compiles_of_the_solver_and_of_the_column_statistics():
    def stats_kernel(x):
        return x * 2

    stats_kernel.__module__ = "fastlr._kernels.stats"  # stands for a kernel run before solve
    stats_kernel = numba.njit(stats_kernel)

    @numba.njit
    def solver_kernel(x):
        return x - 1

    @numba.njit
    def unrelated(x):  # e.g. a predict kernel compiled between two fits
        return x / 3

    problem = types.SimpleNamespace(X=np.zeros((10, 3), np.float32), family="sigmoid",
                                    n_outputs=2, dtype=np.float32)
    with contextlib.redirect_stdout(io.StringIO()):
        Progress("X", problem, verbose=0, max_iter=1)  # a previous solver run
    stats_kernel(1.0)
    unrelated(1.0)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        with Progress("X", problem, verbose=1, max_iter=3, tol=0.1) as progress:
            solver_kernel(1.0)
            progress.step(1, objective=1.0)
            progress.step(2, objective=0.5)
            progress.finish(2, "converged")
    lines = buf.getvalue().splitlines()
    assert lines[0] == "X: 10 samples x 3 features, float32 dense multilabel; max_iter=3, tol=0.1"
    assert re.fullmatch(r"X: compiling kernels for float32 dense multilabel \.\.\. "
                        r"\d+\.\d s \(2 kernels\)", lines[1])
    assert re.fullmatch(r"X Iteration 1: objective 1, \d+\.\d\d s", lines[2])
    assert re.fullmatch(r"X Iteration 2: objective 0.5, \d+\.\d\d s", lines[3])
    assert re.fullmatch(r"X: 2 iterations in \d+\.\d\d s, converged", lines[4])
    assert len(lines) == 5
