"""Turn a pytest-benchmark JSON into docs/benchmarks.md and plots in docs/img/.

``python bench/report.py [bench/results.json] [--out docs/benchmarks.md]``; any ``-k`` subset of
the suite works. It also times this machine's float32 matmul peak and read bandwidth (see
bench/README.md), so run it on an otherwise idle machine, right after the suite.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata as md
import json
import os
import platform
import shlex
import sys
import timeit
from collections import defaultdict
from pathlib import Path

import matplotlib
import numba
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from targets import target_section  # noqa: E402  (bench/ is the script's folder)

KIND_TITLES = {"epoch": "One epoch of mini-batch gradient descent",
               "fullbatch": "Full-batch loss + gradient", "predict": "Prediction",
               "scaling": "Scaling with the number of rows", "solver": "Solvers: time to target"}
FLOP_KINDS = ("epoch", "fullbatch", "scaling")  # 4·n·d·K FLOPs per epoch / pass
PACKAGES = ("fastlr", "numpy", "numba", "scikit-learn", "torch", "pytest-benchmark")
STANDARD_KEYS = set("impl kind rows features outputs dtype family batch_size threads".split())
SOLVER_FIRST = ("iterations", "objective", "accuracy")


def load(path):
    """The JSON and one record per finished benchmark: group, impl, info, times in ms."""
    data = json.loads(Path(path).read_text())
    records, seen = [], set()
    for b in data.get("benchmarks", []):
        s, info = b.get("stats") or {}, dict(b.get("extra_info") or {})
        if "median" not in s:
            continue
        group, impl = b.get("group") or b["name"], str(info.get("impl", b["name"]))
        if (group, impl) in seen:
            impl = f"{impl} [{b['name']}]"
        seen.add((group, impl))
        records.append(dict(group=group, impl=impl, info=info, median=s["median"] * 1e3,
                            min=s["min"] * 1e3, rounds=s.get("rounds", "")))
    return data, records


def group_info(rs):
    """extra_info merged over a group's records (fastlr's values win)."""
    return {k: v for r in reversed(rs) for k, v in r["info"].items() if v is not None}


def by_group(records):
    """group -> records (fastlr first, then fastest first); groups ordered by kind and size."""
    groups = defaultdict(list)
    for r in records:
        groups[r["group"]].append(r)
    for rs in groups.values():
        rs.sort(key=lambda r: (r["impl"] != "fastlr", r["median"]))
    kinds = list(KIND_TITLES)

    def key(g):
        i = group_info(groups[g])
        return (kinds.index(i["kind"]) if i.get("kind") in kinds else len(kinds),
                str(i.get("family", "")), str(i.get("dtype", "")), i.get("batch_size") or 0,
                i.get("rows") or 0, g)
    return {g: groups[g] for g in sorted(groups, key=key)}


def fastlr_of(rs):
    return next((r for r in rs if r["impl"] == "fastlr"), None)


def fmt(v):
    return f"{v:.7g}" if isinstance(v, float) else "—" if v is None else str(v)


def times(x):
    return f"{x:.1f}x" if x < 10 else f"{x:.0f}x"


def ms(x):
    return ("—" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10
            else f"{x:.2f}")


def vs_fastlr(r, ref):
    if r is ref or ref is None:
        return "reference" if r is ref else "—"
    q = r["median"] / ref["median"]
    return f"{times(q)} slower" if q >= 1.05 else f"{times(1 / q)} faster" if q <= 0.95 else "same"


def table(headers, rows):
    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers),
            *("| " + " | ".join(str(c) for c in row) + " |" for row in rows), ""]


def measure_hardware(n, mb):
    """float32 n×n matmul GFLOP/s (best of 3) with BLAS on 1 and all cores; X.sum() bytes/s."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    A, B = (np.random.default_rng(i).standard_normal((n, n), dtype=np.float32) for i in (0, 1))
    peak = {}
    for threads in (1, cores):
        with threadpool_limits(limits=threads, user_api="blas"):
            peak[threads] = 2 * n ** 3 / min(timeit.repeat(lambda: A @ B, number=1, repeat=3)) / 1e9
    del A, B
    X = np.ones(int(mb * 1e6) // 4, np.float32)
    bw = X.nbytes / min(timeit.repeat(X.sum, number=1, repeat=5))
    blas = ", ".join(f"{i['internal_api']} {i.get('version') or ''}".strip()
                     for i in threadpool_info() if i["user_api"] == "blas") or "unknown"
    return dict(n=n, mb=mb, cores=cores, peak1=peak[1], peak_all=peak[cores], bw=bw, blas=blas)


def header(data, records, args, cmd, hw):
    mi, ci = data.get("machine_info", {}), data.get("commit_info", {})
    cpu = mi.get("cpu", {})
    have = {(d.metadata["Name"] or "").lower().replace("_", "-"): d.version
            for d in md.distributions()}
    threads = sorted({str(r["info"]["threads"]) for r in records if "threads" in r["info"]})
    produced = (data.get("command")
                or f"python -m pytest --benchmark-only --benchmark-json={args.json}")
    lines = ["# fastlr benchmarks", "",
             f"Generated {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} from `{args.json}`; "
             "do not edit by hand.", "",
             f"- **Run:** {data.get('datetime', '?')[:19].replace('T', ' ')} UTC, commit "
             f"{ci.get('id', '?')[:12]} ({ci.get('branch', '?')}"
             f"{', dirty' if ci.get('dirty') else ''})",
             f"- **Machine:** {cpu.get('brand_raw', '?')} "
             f"({cpu.get('hz_advertised_friendly', '?')}), {cpu.get('count', '?')} cores, "
             f"{mi.get('system', '')} {mi.get('release', '')}, node `{mi.get('node', '?')}`",
             f"- **Software:** Python {mi.get('python_version', '?')}; "
             + ", ".join(f"{p} {have[p]}" for p in PACKAGES if p in have)
             + " (installed at report time)",
             f"- **Threads:** NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS} at report time; "
             + (f"extra_info['threads']: {', '.join(threads)}" if threads
                else "not recorded in the JSON"),
             f"- **Produced by:** `{produced}` ({len(records)} benchmarks, "
             f"{len({r['group'] for r in records})} groups"
             + ("" if data.get("command") else "; the JSON does not record the command line, "
                "so a `-k` subset would not show here") + ")",
             f"- **Regenerate this page:** `{cmd}`", ""]
    if hw and mi.get("node") and mi["node"] != platform.node():
        lines += [f"> Hardware limits were measured on `{platform.node()}`, "
                  f"not on `{mi['node']}`.", ""]
    return lines


def group_tables(groups, kind):
    lines = []
    for g, rs in groups.items():
        if group_info(rs).get("kind", "other") == kind:
            ref = fastlr_of(rs)
            lines += [f"### {g}", ""] + table(
                ["implementation", "median (ms)", "min (ms)", "rounds", "vs fastlr"],
                [[r["impl"], ms(r["median"]), ms(r["min"]), r["rounds"], vs_fastlr(r, ref)]
                 for r in rs])
    return lines


def save(fig, ax, path, out, alt):
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [f"![{alt}]({os.path.relpath(path, out.parent)})", ""]


def series(records, x_key, **match):
    """impl -> sorted [(extra_info[x_key], median ms)] over records matching ``match``."""
    out = defaultdict(list)
    for r in records:
        i = r["info"]
        if i.get(x_key) and all(i.get(k) == v for k, v in match.items()):
            out[r["impl"]].append((i[x_key], r["median"]))
    return {k: sorted(v) for k, v in sorted(out.items(), key=lambda kv: kv[0] != "fastlr")}


def line_plot(records, kind, img_dir, out):
    """Epoch time by batch size (softmax float32), or the rows sweep with a linear reference."""
    if kind == "epoch":
        s = series(records, "batch_size", kind="epoch", family="softmax", dtype="float32")
        xlabel, name = "batch size", "softmax epoch time by batch size (float32)"
    else:
        s = series(records, "rows", kind="scaling")
        xlabel, name = "rows", "epoch time vs rows (scaling sweep)"
    if not s:
        return []
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for impl, pts in s.items():
        color = next((f"C{i}" for i, p in enumerate(("fastlr", "numpy", "pytorch", "sklearn"))
                      if impl.startswith(p)), None)
        ax.plot(*zip(*pts), "o-", label=impl, color=color)
    if kind == "scaling" and "fastlr" in s:
        (x0, t0), xs = s["fastlr"][0], sorted({x for pts in s.values() for x, _ in pts})
        ax.plot(xs, [t0 * x / x0 for x in xs], "k--", lw=1,
                label="linear in rows (through fastlr's first point)")
    ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="ms per epoch", title=name)
    ax.grid(True, which="both", alpha=0.3)
    stem = "epoch_by_batch_size" if kind == "epoch" else "scaling"
    return save(fig, ax, img_dir / f"{stem}.png", out, name)


def limits_text(hw):
    if not hw:
        return ["Hardware limits not measured (`--no-hardware`).", ""]
    busy = " (below 1 core: the machine was busy)" if hw["peak_all"] < hw["peak1"] else ""
    n = hw["n"]
    return [f"- Peak float32 matmul ({n}×{n} @ {n}×{n}, best of 3, BLAS {hw['blas']}): "
            f"**{hw['peak1']:.1f} GFLOP/s on 1 core**, **{hw['peak_all']:.1f} GFLOP/s on "
            f"{hw['cores']} cores**{busy}; the float64 peak is about half",
            f"- Read bandwidth (`X.sum()` on a {hw['mb']:g} MB float32 array, best of 5, one "
            f"thread): **{hw['bw'] / 1e9:.1f} GB/s**", ""]


def throughput(groups, hw, img_dir, out):
    """fastlr's achieved GFLOP/s vs the matmul peak, and its time vs the read-bandwidth bound."""
    rows = []
    for g, rs in groups.items():
        r, i = fastlr_of(rs), group_info(rs)
        n, d, k = (r["info"].get(key) for key in ("rows", "features", "outputs")) if r else [0] * 3
        if i.get("kind") in FLOP_KINDS and n and d and k:
            gflop, size = 4 * n * d * k / 1e9, n * d * np.dtype(i.get("dtype", "float32")).itemsize
            bound = size / hw["bw"] * 1e3 if hw else None
            rows.append((g, n, d, k, gflop, r["median"], gflop / (r["median"] / 1e3), bound))
    if not rows:
        return []
    lines = ["## Achieved throughput vs this machine's limits", "",
             "FLOPs per epoch/pass = 4·rows·features·outputs (forward 2·n·d·K + gradient 2·n·d·K); "
             "hardware bound = time to read X once (rows·features·itemsize bytes) at the read "
             "bandwidth. Both limits are measured when the report is made.", ""]
    lines += limits_text(hw)
    pct = lambda a, key: f"{100 * a / hw[key]:.0f}%" if hw else "—"  # noqa: E731
    lines += table(["case", "rows×features×outputs", "GFLOP", "fastlr (ms)", "GFLOP/s",
                    "% peak 1 core", "% peak all cores", "hardware bound (ms)", "fastlr / bound"],
                   [[g, f"{n:,}×{d}×{k}", f"{gf:.2f}", ms(t), f"{a:.1f}", pct(a, "peak1"),
                     pct(a, "peak_all"), ms(b), times(t / b) if b else "—"]
                    for g, n, d, k, gf, t, a, b in rows])
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(rows) + 3), 4.5))
    ax.bar(range(len(rows)), [row[6] for row in rows], color="C0", label="fastlr achieved")
    for key, ls, where in (("peak1", "--", "1 core"), ("peak_all", "-", "all cores")) if hw else ():
        ax.axhline(hw[key], color="C3", ls=ls, label=f"matmul peak, {where} ({hw[key]:.0f})")
    ax.set_xticks(range(len(rows)), [row[0] for row in rows], rotation=35, ha="right", fontsize=7)
    ax.set(yscale="log", ylabel="GFLOP/s", title="fastlr achieved GFLOP/s vs float32 matmul peak")
    return lines + save(fig, ax, img_dir / "gflops.png", out, "achieved vs peak GFLOP/s")


def solver_section(groups):
    """One table of time-to-target per problem with every extra_info field recorded."""
    solver = {g: rs for g, rs in groups.items() if group_info(rs).get("kind") == "solver"}
    extra = {k for rs in solver.values() for r in rs for k in r["info"]} - STANDARD_KEYS
    cols = [k for k in SOLVER_FIRST if k in extra] + sorted(extra - set(SOLVER_FIRST))
    rows = [[g, r["impl"], ms(r["median"]), vs_fastlr(r, fastlr_of(rs)),
             *(fmt(r["info"].get(c)) for c in cols)] for g, rs in solver.items() for r in rs]
    return [f"## {KIND_TITLES['solver']}", ""] + table(
        ["problem", "implementation", "time (ms)", "vs fastlr", *cols], rows) if rows else []


def shapes_lines(records, img_dir, out):
    """The Shapes section (bench/shapes_report.py) for the JSON's shapes cases; without
    any, a link to the page shapes_report.py writes (docs/shapes.md) when it exists."""
    if records:
        from shapes_report import section

        return section(records, img_dir, out)
    page = out.parent / "shapes.md"
    if not page.exists():
        return []
    lines = ["## Shapes (issue 9)", "",
             "Bag-of-words CSR (d = 2^14 ... 2^22), tall dense and MNIST-shaped data against "
             "SGDClassifier, LogisticRegression, the lean NumPy loop and the optional peers, "
             f"with GB/s next to the measured read bandwidth: [{page.name}]({page.name}) "
             "(bench/test_bench_shapes.py, run on its own; see bench/README.md).", ""]
    threads = out.parent / "threads.md"
    if threads.exists():
        lines += ["A threaded MBGD fit on a quiet machine and with a busy neighbour, with "
                  "fastlr's per-segment choice of thread count against all threads always "
                  f"and one thread: [{threads.name}]({threads.name}) "
                  "(bench/test_bench_threads.py, `python bench/threads_report.py`).", ""]
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", nargs="?", default="bench/results.json")
    ap.add_argument("--out", default="docs/benchmarks.md")
    ap.add_argument("--img-dir", help="where the PNGs go (default: img/ next to --out)")
    ap.add_argument("--peak-size", type=int, default=4000, help="matrix size for the matmul peak")
    ap.add_argument("--bandwidth-mb", type=float, default=200, help="array size for the bandwidth")
    ap.add_argument("--no-hardware", action="store_true", help="skip the peak/bandwidth timings")
    args = ap.parse_args(argv)
    cmd = shlex.join(["python", "bench/report.py", *(sys.argv[1:] if argv is None else argv)])
    out = Path(args.out)
    img_dir = Path(args.img_dir) if args.img_dir else out.parent / "img"
    data, records = load(args.json)
    shape_records = [r for r in records if r["info"].get("kind") == "shapes"]
    records_all, records = records, [r for r in records if r["info"].get("kind") != "shapes"]
    groups = by_group(records)
    hw = None if args.no_hardware else measure_hardware(args.peak_size, args.bandwidth_mb)
    lines = header(data, records_all, args, cmd, hw) + target_section(groups)
    kinds = [k for k in KIND_TITLES if k != "solver"]
    kinds += sorted({group_info(rs).get("kind", "other") for rs in groups.values()}
                    - set(KIND_TITLES))
    for kind in kinds:
        body = group_tables(groups, kind)
        if body:
            lines += [f"## {KIND_TITLES.get(kind, kind.capitalize())}", ""] + body
            lines += line_plot(records, kind, img_dir, out) if kind in ("epoch", "scaling") else []
    lines += throughput(groups, hw, img_dir, out) + solver_section(groups)
    lines += shapes_lines(shape_records, img_dir, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines).rstrip() + "\n")
    print(f"wrote {out} ({len(records_all)} benchmarks in {len(groups)} groups"
          + (f", {len(shape_records)} of them shapes cases" if shape_records else "")
          + f"); plots in {img_dir}")


if __name__ == "__main__":
    main()
