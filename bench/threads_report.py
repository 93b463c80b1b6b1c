"""The "threads that never lose" table, from bench/test_bench_threads.py's JSON.

    python bench/threads_report.py bench/threads_results.json --out docs/threads.md
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shapes import cores, cpu_model  # noqa: E402

MODES = {"choice": "fastlr's choice per segment (default)", "threads": "all threads always",
         "one": "one thread (`n_jobs=1`)"}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    with open(args.json) as f:
        doc = json.load(f)
    rows = {}
    for b in doc["benchmarks"]:
        info = b["extra_info"]
        if info.get("kind") != "threads":
            continue
        rows[(info["load"], info["mode"])] = (b["stats"], info)
    first = next(iter(rows.values()))[1] if rows else {}
    lines = [
        "# Threads under load",
        "",
        f"MNIST-shaped, {first.get('rows', '?')} rows x {first.get('features', '?')} "
        f"float32, 10 classes, `batch_size=256`, {first.get('epochs', '?')} epochs "
        "(`SoftmaxRegression`, `tol=None`), 5 fits per case after a warm-up. *busy*: "
        "another process spins on one core for the whole case. Times in ms; the ratio is "
        "the median over one thread's median under the same load. The choice cannot know "
        "the next segment's load: it guards against the tail of threads under a busy "
        "neighbour (compare the max column), and can lose some time against the better fixed "
        "count when the load comes and goes.",
        "",
        f"Machine: {cpu_model()}, {cores()} cores. Run: {doc.get('datetime', '?')[:19]}, "
        f"commit {doc.get('commit_info', {}).get('id', '?')[:10]}.",
        "",
        "| load | threads | median | mean | max | median / one thread |",
        "|---|---|---|---|---|---|",
    ]
    for load in ("quiet", "busy"):
        one = rows.get((load, "one"))
        for mode, label in MODES.items():
            if (load, mode) not in rows:
                continue
            st = rows[(load, mode)][0]
            r = st["median"] / one[0]["median"] if one else float("nan")
            lines.append(f"| {load} | {label} | {st['median'] * 1e3:.0f} | "
                         f"{st['mean'] * 1e3:.0f} | {st['max'] * 1e3:.0f} | {r:.2f} |")
    lines.append("")
    text = "\n".join(lines)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
