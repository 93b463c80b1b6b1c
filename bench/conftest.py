"""Shared data and helpers for the benchmark suite.

Benchmarks run only under ``python -m pytest --benchmark-only`` (plain
``pytest`` skips them). Every timed case sets ``benchmark.group`` to the case
name and ``extra_info["impl"]`` to the implementation, so fastlr and its
peers timed in the same run sit side by side; the terminal summary prints the
ratios, and ``python bench/report.py`` turns the JSON into docs/benchmarks.md.
"""
from __future__ import annotations

import collections
import shlex

import pytest


def pytest_collection_modifyitems(config, items):
    if config.getoption("benchmark_only", False):
        return
    skip = pytest.mark.skip(reason="benchmark: run with `python -m pytest --benchmark-only`")
    for item in items:
        if "benchmark" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    bs = getattr(config, "_benchmarksession", None)
    if bs is None or not getattr(bs, "benchmarks", None):
        return
    groups = collections.defaultdict(dict)
    for b in bs.benchmarks:
        if not b.stats:
            continue
        groups[b.group][b.extra_info.get("impl", b.name)] = b.stats.median
        if "sklearn_seconds" in b.extra_info:  # the peer timed once, in another case
            groups[b.group].setdefault("sklearn lbfgs fit", b.extra_info["sklearn_seconds"])
    tr = terminalreporter
    tr.write_sep("=", "fastlr vs the others (median times, ratios from this run)")
    for group in sorted(groups, key=str):
        times = groups[group]
        ours = times.get("fastlr")
        parts = []
        for impl, t in sorted(times.items(), key=lambda kv: kv[1]):
            s = f"{impl} {t * 1e3:.2f} ms"
            if ours and impl != "fastlr":
                s += f" ({t / ours:.1f}x fastlr)"
            parts.append(s)
        tr.write_line(f"{group}: " + ", ".join(parts))


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """Record the exact command line, so the report can say what produced it."""
    output_json["command"] = shlex.join(["python", "-m", "pytest",
                                         *config.invocation_params.args])
