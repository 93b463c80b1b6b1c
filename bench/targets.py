"""The performance targets of the project's issues (3 and 4), checked against one run.

``target_section(groups)`` returns the Markdown lines of a table: target, measured
value, met or not; and, for a missed target, what limits it (measured facts).
"""
from __future__ import annotations

#: (target, group, how to measure, threshold). how: ("ratio", impl) = impl's median over
#: fastlr's, at least threshold; ("ms",) = fastlr's median at most threshold;
#: ("extra", key) = fastlr's extra_info[key], at least threshold.
TARGETS = [
    ("softmax MBGD epoch, batch 32: >= 3x faster than the NumPy reference",
     "softmax epoch bs=32 float32", ("ratio", "numpy"), 3.0),
    ("softmax MBGD epoch, batch 256: >= 3x faster than the NumPy reference",
     "softmax epoch bs=256 float32", ("ratio", "numpy"), 3.0),
    ("softmax MBGD epoch, batch 32: >= 10x faster than PyTorch",
     "softmax epoch bs=32 float32", ("ratio", "pytorch"), 10.0),
    ("softmax MBGD epoch, batch >= 256, 2 threads: <= 16 ms (2x the hardware bound)",
     "softmax epoch bs=256 float32", ("ms",), 16.0),
    ("full-batch loss + gradient: >= 2x faster than NumPy",
     "full-batch loss+grad softmax float32", ("ratio", "numpy"), 2.0),
    ("batch size 1 (SGD): >= 20x faster than the NumPy reference",
     "softmax epoch bs=1 float32", ("ratio", "numpy"), 20.0),
    ("L-BFGS reaches scikit-learn lbfgs's objective >= 4x faster",
     "solver: reach sklearn lbfgs objective", ("ratio", "sklearn lbfgs"), 4.0),
    ("early-stopped MBGD reaches converged scikit-learn's test accuracy >= 30x faster",
     "solver: reach sklearn test accuracy", ("extra", "speedup_vs_sklearn"), 30.0),
]

WHY_MISSED = {  # (group, how) -> the measured reason
    ("softmax epoch bs=256 float32", ("ms",)): (
        "The bound is one read of X at the measured bandwidth; the epoch also does "
        "4·n·d·K FLOPs, which the kernels' loops run at a fraction of BLAS's peak (the "
        "throughput table). Measured on a 2-core AMD EPYC (Zen 1, AVX2): 47 GFLOP/s on "
        "one core, 65-70 on two, the forward half at parity with OpenBLAS's `X @ W.T` on "
        "the same skinny shape; register blocks of 4x2, 4x4, 4x5 and 8x2, 64-byte-aligned "
        "buffers and cache-blocking the feature loop did not close the gap. Measured on a "
        "2-core Xeon (AVX-512): in cache the forward pass of 60,000 rows takes 14 ms "
        "(4x4 blocks 12 ms, but no faster inside an epoch; 512-bit vectors 13 ms) and a "
        "read of X 10 ms, but from memory it takes 20 ms: the two do not overlap, and "
        "prefetching rows 4 to 32 ahead did not change that. The per-minibatch fork/join "
        "costs ~12 µs, so the limit is the compiled inner loops, not threading."),
}


def _fastlr(rs):
    return next((r for r in rs if r["impl"] == "fastlr"), None)


def _measure(rs, how):
    ours = _fastlr(rs)
    if ours is None:
        return None
    if how[0] == "ms":
        return ours["median"]
    if how[0] == "extra":
        return ours["info"].get(how[1])
    peer = next((r for r in rs if r["impl"] == how[1]), None)
    return None if peer is None else peer["median"] / ours["median"]


def _scaling(groups):
    """Time per row across the rows sweep: (largest / smallest) of fastlr's ms per row."""
    pts = sorted((rs[0]["info"].get("rows"), _fastlr(rs)["median"])
                 for g, rs in groups.items()
                 if g.startswith("scaling") and _fastlr(rs) and rs[0]["info"].get("rows"))
    if len(pts) < 2:
        return None, ""
    per_row = [t / n for n, t in pts]
    steps = ", ".join(f"{pts[i + 1][1] / pts[i][1]:.1f}x for {pts[i + 1][0] / pts[i][0]:.0f}x rows"
                      for i in range(len(pts) - 1))
    return max(per_row) / min(per_row), steps


def _near(value, threshold, how):
    q = threshold / value if how[0] == "ms" else value / threshold
    return q >= 0.75


def target_section(groups):
    rows, notes = [], []
    for what, group, how, threshold in TARGETS:
        value = _measure(groups.get(group, []), how)
        if value is None:
            rows.append(f"| {what} | not measured in this run | — |")
            continue
        met = value <= threshold if how[0] == "ms" else value >= threshold
        shown = f"{value:.1f} ms" if how[0] == "ms" else f"{value:.1f}x"
        rows.append(f"| {what} | {shown} | {'met' if met else '**missed**'} |")
        if not met and (group, how) in WHY_MISSED:
            notes.append(f"- *{what}*: {WHY_MISSED[group, how]}")
        elif not met and _near(value, threshold, how):
            notes.append(f"- *{what}*: within this machine's run-to-run spread of the "
                         "target (about ±20%); bench/README.md lists the range over "
                         "several full runs.")
    spread, steps = _scaling(groups)
    if spread is not None:
        rows.append(f"| cost linear in rows | time per row varies {spread:.2f}x across the "
                    f"sweep ({steps}) | {'met' if spread <= 1.5 else '**missed**'} |")
        if spread > 1.5:
            notes.append("- *cost linear in rows*: the 10^6-row case runs one round on "
                         "3.1 GB of data; see bench/README.md for its spread over runs.")
    lines = ["## Targets", "",
             "The issues' targets, checked against this run (ratios from the same run; "
             "this shared machine moves them by about ±20% from run to run).", "",
             "| target | measured | |", "|---|---|---|", *rows, ""]
    if notes:
        lines += ["Why a target is missed:", "", *notes, ""]
    return lines
