"""The "Shapes" section of the benchmark report (issue 9), from bench/test_bench_shapes.py.

    python bench/shapes_report.py bench/shapes_results.json --out docs/shapes.md

writes a page of its own (``docs/shapes.md``, plot in ``docs/img/shapes_d_sweep.png``);
``bench/report.py`` puts the same section into docs/benchmarks.md when its JSON holds the
shapes cases. Every ratio comes from the one run in the JSON; GB/s is bytes of X read per
second (X's bytes × epochs / median time; CSR: data + indices + indptr) next to the read
bandwidth measured in the same run (``X.sum()`` over 1 GB float32, one thread).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import load, ms, table  # noqa: E402
from shapes import cpu_model, cores  # noqa: E402

SGD = "sklearn SGDClassifier"
LEAN = "numpy lean loop"
NUMPY_PASS = "numpy X.sum(axis=0)"


def is_shape(r):
    return r["info"].get("kind") == "shapes"


def ratio(x):
    return "—" if x is None else f"{x:.2f}" if x < 10 else f"{x:.0f}"


def gbps(r):
    g = r["info"].get("gbps") if r else None
    return "—" if g is None else f"{g:.3g}"


def met(ok):
    return "—" if ok is None else "met" if ok else "**missed**"


def index(records):
    """group -> impl -> record."""
    out = defaultdict(dict)
    for r in records:
        out[r["group"]][r["impl"]] = r
    return out


def run_info(records):
    """Machine facts the run recorded (cpu, cores, read bandwidth, scale)."""
    i = next((r["info"] for r in records if "read_bw_gbps" in r["info"]), {})
    return dict(cpu=i.get("cpu"), flags=i.get("cpu_flags"), cores=i.get("cores"),
                bw=i.get("read_bw_gbps"), scale=i.get("scale", 1.0))


def bow(groups, log2d, k, pen):
    return groups.get(f"shapes: bag-of-words 2^{log2d} {k} classes {pen}", {})


def median(r):
    return r["median"] if r else None


def div(a, b):
    return a / b if a is not None and b else None


# ---------------------------------------------------------------- sections

def machine_lines(records):
    m = run_info(records)
    here = cpu_model()
    lines = [f"- **Machine of the run:** {m['cpu'] or '?'}"
             + (f" ({m['flags']})" if m["flags"] else "") + f", {m['cores'] or '?'} cores"
             + (f" (this report was made on {here}, {cores()} cores)"
                if m["cpu"] and here != m["cpu"] else ""),
             "- **Read bandwidth, same run:** "
             + (f"**{m['bw']:.1f} GB/s** (`X.sum()` over a 1 GB float32 array, best of 5, "
                "one thread)" if m["bw"] else "not recorded")]
    if m["scale"] != 1.0:
        lines.append(f"- **FASTLR_SHAPES_SCALE={m['scale']:g}**: every row count is scaled "
                     "by this factor, so these are not the issue's sizes (a smoke run).")
    return lines + [""]


def summary_table(groups, bw):
    """One row per (shape, peer): fastlr's time and GB/s, the peer's, and fastlr / peer."""
    rows = []
    for g, impls in groups.items():
        ours = impls.get("fastlr")
        peers = sorted((r for name, r in impls.items() if name != "fastlr"),
                       key=lambda r: r["median"])
        if not peers and ours and "sklearn_seconds" in ours["info"]:  # timed in another case
            peers = [dict(impl="sklearn lbfgs (converged, timed once)", info={},
                          median=ours["info"]["sklearn_seconds"] * 1e3)]
        for j, p in enumerate(peers or [None]):
            first = j == 0
            rows.append([g.removeprefix("shapes: ") if first else "",
                         ms(median(ours)) if first else "", gbps(ours) if first else "",
                         (f"{100 * ours['info']['gbps'] / bw:.2g}%"
                          if first and ours and ours["info"].get("gbps") and bw else ""),
                         p["impl"] if p else "—", ms(median(p)), gbps(p),
                         ratio(div(median(ours), median(p)))])
    return table(["shape", "fastlr (ms)", "fastlr GB/s", "of read bandwidth",
                  "peer or variant", "its time (ms)", "its GB/s", "fastlr / it (time)"], rows)


def target_rows(groups):
    rows = []
    for k, limit in ((2, 1.0), (20, 0.5)):
        for pen in ("l2", "l1"):
            g = bow(groups, 18, k, pen)
            q = div(median(g.get("fastlr")), median(g.get(SGD)))
            rows.append([f"1. bag-of-words 2^18, {k} classes, {pen}: fastlr epoch / "
                         f"SGDClassifier epoch ≤ {limit}", ratio(q),
                         met(None if q is None else q <= limit)])
    for k in (2, 20):
        for pen in ("l2", "l1"):
            q = div(median(bow(groups, 22, k, pen).get("fastlr")),
                    median(bow(groups, 14, k, pen).get("fastlr")))
            rows.append([f"2. d = 2^14 → 2^22, {k} classes, {pen}: fastlr epoch grows ≤ 1.5x",
                         ratio(q), met(None if q is None else q <= 1.5)])
    tall = next((v for g, v in groups.items() if g.startswith("shapes: tall dense")), {})
    one, three = tall.get("fastlr"), tall.get("fastlr max_iter=3")
    p1 = one["info"].get("passes") if one else None
    p3 = three["info"].get("further_epoch_passes") if three else None
    rows.append(["3. tall dense, defaults: fit(max_iter=1) ≤ 3 NumPy passes over X",
                 ratio(p1), met(None if p1 is None else p1 <= 3)])
    rows.append(["3. tall dense, defaults: each further epoch ≤ 1.5 passes",
                 ratio(p3), met(None if p3 is None else p3 <= 1.5)])
    for bs in (32, 256):
        g = groups.get(f"shapes: MNIST-shaped epoch bs={bs}", {})
        q = div(median(g.get(LEAN)), median(g.get("fastlr")))
        rows.append([f"4. MNIST-shaped epoch, batch {bs}: ≥ 3x the lean NumPy loop "
                     "(fit with max_iter=1)", ratio(q), met(None if q is None else q >= 3)])
    lb = groups.get("shapes: MNIST-shaped L-BFGS to sklearn's objective", {}).get("fastlr")
    q = lb["info"].get("speedup_vs_sklearn") if lb else None
    rows.append(["4. L-BFGS reaches scikit-learn lbfgs's objective ≥ 4x sooner", ratio(q),
                 met(None if q is None else q >= 4 and lb["info"].get("reached", False))])
    es = next((v.get("fastlr") for g, v in groups.items() if "early-stopped" in g), None)
    q = es["info"].get("speedup_vs_sklearn") if es else None
    rows.append(["4. early-stopped MBGD reaches converged scikit-learn's test accuracy "
                 "≥ 30x sooner", ratio(q) + ("" if not es or es["info"].get("reached")
                                             else " (accuracy not reached)"),
                 met(None if q is None else q >= 30 and es["info"].get("reached", False))])
    lbf = next((v.get("fastlr") for g, v in groups.items()
                if g.startswith("shapes: sparse L-BFGS") and v.get("fastlr")
                and v["fastlr"]["info"].get("steady_state")), None)
    q = lbf["info"]["speedup_per_iteration"] if lbf else None
    rows.append(["sparse exact solvers: L-BFGS per iteration ≥ 2x faster than scikit-learn's "
                 "(20-class bag of words, 2^18; 12th to 24th iteration)", ratio(q),
                 met(None if q is None else q >= 2)])
    return table(["target (issue 9)", "measured", ""], rows)


def sweep(groups, impl, k, pen):
    return sorted((r["info"]["log2_features"], r["median"])
                  for g, v in groups.items() for name, r in v.items()
                  if name == impl and r["info"].get("shape") == "bag-of-words"
                  and r["info"].get("classes") == k and r["info"].get("penalty") == pen
                  and "log2_features" in r["info"] and not r["info"].get("peer"))


def sweep_section(groups, img_dir, out):
    dims = sorted({r["info"]["log2_features"] for v in groups.values() for r in v.values()
                   if r["info"].get("shape") == "bag-of-words"})
    if not dims:
        return []
    rows, curves = [], {}
    for k in (2, 20):
        for pen in ("l2", "l1"):
            for impl in ("fastlr", SGD):
                pts = dict(sweep(groups, impl, k, pen))
                if not pts:
                    continue
                curves[k, pen, impl] = pts
                lo, hi = pts.get(min(dims)), pts.get(max(dims))
                rows.append([k, pen, impl, *(ms(pts.get(d)) for d in dims),
                             ratio(div(hi, lo))])
    lines = ["### Bag-of-words: one epoch against the number of columns d", "",
             "Same rows and ~50 words a row (Zipf vocabulary over d columns, float32 CSR); "
             "fastlr at its default batch size (32), SGDClassifier per row (20 classes: its "
             "20 one-vs-rest passes). Median ms per epoch (one `fit` with `max_iter=1`).", ""]
    lines += table(["classes", "penalty", "implementation", *(f"2^{d}" for d in dims),
                    f"t(2^{max(dims)}) / t(2^{min(dims)})"], rows)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=False)
    for ax, k in zip(axes, (2, 20)):
        for (kk, pen, impl), pts in curves.items():
            if kk != k:
                continue
            xs = sorted(pts)
            ax.plot([2 ** d for d in xs], [pts[d] for d in xs],
                    "o-" if pen == "l2" else "s--", color="C0" if impl == "fastlr" else "C3",
                    label=f"{impl}, {pen}")
        for i, (name, r) in enumerate(sorted(
                (name, r) for v in groups.values() for name, r in v.items()
                if r["info"].get("peer") and r["info"].get("classes") == k)):
            ax.plot(2 ** r["info"]["log2_features"], r["median"], "D^v<>"[i % 5], ls="none",
                    color=f"C{2 + i}", label=f"{name} (its own fit, see the tables)")
        ax.set(xscale="log", yscale="log", xlabel="columns d", ylabel="ms per epoch",
               title=f"bag-of-words, {'binary' if k == 2 else f'{k} classes'}")
        ax.set_xscale("log", base=2)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    path = img_dir / "shapes_d_sweep.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return lines + [f"![epoch time against d]({os.path.relpath(path, out.parent)})", ""]


def tall_section(groups):
    g, v = next(((g, v) for g, v in groups.items() if g.startswith("shapes: tall dense")),
                (None, None))
    if not v:
        return []
    ours = v.get("fastlr")
    rows = [[name, ms(r["median"]), r["info"].get("epochs") or "—",
             ratio(r["info"].get("passes")), gbps(r),
             ratio(div(median(ours), r["median"])) if ours and r is not ours else "—"]
            for name, r in sorted(v.items(), key=lambda kv: kv[1]["median"])]
    three = v.get("fastlr max_iter=3")
    lines = [f"### {g.removeprefix('shapes: ').capitalize()}", "",
             "`SigmoidRegression(max_iter=..., tol=None, random_state=0)` otherwise with its "
             "defaults; passes = time / the time of one `X.sum(axis=0)` (best of 5, same run); "
             "GB/s = epochs × bytes of X / time. scikit-learn's `LogisticRegression()` runs "
             "lbfgs to its default tolerance (not a fixed number of passes).", ""]
    lines += table(["implementation", "median (ms)", "epochs", "passes over X", "GB/s",
                    "fastlr / this (time)"], rows)
    if three and "further_epoch_s" in three["info"]:
        i = three["info"]
        lines += [f"Each further epoch (max_iter=3 minus max_iter=1, over 2): "
                  f"{ms(i['further_epoch_s'] * 1e3)} ms = {ratio(i['further_epoch_passes'])} "
                  "NumPy passes.", ""]
    return lines


def lbfgs_section(groups):
    rows = []
    for g, v in sorted(groups.items()):
        if not g.startswith("shapes: sparse L-BFGS"):
            continue
        for name, r in sorted(v.items()):
            i = r["info"]
            window = (f"{i['per_iteration_from']}th to {i['iterations']}th"
                      if "per_iteration_from" in i else "—")
            rows.append([g.removeprefix("shapes: sparse L-BFGS "), name, ms(r["median"]),
                         window,
                         ms(i["per_iteration_s"] * 1e3) if "per_iteration_s" in i else "—",
                         ratio(i.get("speedup_per_iteration"))])
    if not rows:
        return []
    return (["### Sparse L-BFGS, 20 classes, 2^18 columns: time per iteration", "",
             "fastlr: `SoftmaxRegression(solver=\"lbfgs\", alpha=BOW_ALPHA, max_iter=k, "
             "tol=0)` (standardized, as by default); scikit-learn: `LogisticRegression(C=1/(alpha"
             " n), max_iter=k, tol=0)`, k = 4, 12 and 24, one round each. Per iteration = the "
             "difference of two fits over their difference in iterations: from the 12th to the "
             "24th (steady state, the target's measure) and from the 4th to the 12th (which "
             "includes the first use of the memory of pairs); speed-up = scikit-learn's per "
             "iteration / fastlr's.", ""]
            + table(["case", "implementation", "median (ms)", "iterations timed",
                     "per iteration (ms)", "speed-up per iteration"], rows))


def mnist_section(groups):
    lines = []
    rows = []
    for bs in (32, 256):
        v = groups.get(f"shapes: MNIST-shaped epoch bs={bs}", {})
        lean, one, two = v.get(LEAN), v.get("fastlr"), v.get("fastlr fit max_iter=2")
        marginal = median(two) - median(one) if one and two else None
        for name, r in sorted(v.items(), key=lambda kv: kv[1]["median"]):
            rows.append([bs, name, ms(r["median"]), gbps(r),
                         ratio(div(median(lean), r["median"] / (r["info"].get("epochs") or 1)))])
        if marginal and marginal > 0:
            rows.append([bs, "fastlr epoch without fit's fixed costs (max_iter=2 - max_iter=1)",
                         ms(marginal), "—", ratio(div(median(lean), marginal))])
    if rows:
        lines += ["### MNIST-shaped (784 features, 10 classes, float32): one epoch", "",
                  "fastlr: `SoftmaxRegression(batch_size=bs, max_iter=1, tol=None, "
                  "standardize=False, learning_rate=\"constant\", eta0=0.1, random_state=0)` "
                  "(shuffled rows); the lean NumPy loop of issue 9 (rows in order, BLAS with all "
                  "its threads). Speed-up = lean loop time / time per epoch.", ""]
        lines += table(["batch", "implementation", "median (ms)", "GB/s",
                        "speed-up over the lean loop"], rows)
    srows = []
    for g, v in groups.items():
        if not g.startswith("shapes: MNIST-shaped") or "epoch bs=" in g:
            continue
        for name, r in sorted(v.items(), key=lambda kv: kv[0] != "fastlr"):
            i = r["info"]
            srows.append([g.removeprefix("shapes: MNIST-shaped "), name, ms(r["median"]),
                          i.get("iterations", i.get("epochs", "—")),
                          f"{i['objective']:.8g}" if "objective" in i else "—",
                          f"{i['test_accuracy']:.4f}" if "test_accuracy" in i else "—",
                          ("yes" if i["reached"] else "**no**") if "reached" in i else "—",
                          ratio(i.get("speedup_vs_sklearn"))])
    if srows:
        lines += ["### MNIST-shaped: time to scikit-learn's result", "",
                  "scikit-learn: `LogisticRegression(C=1, max_iter=1000)` (lbfgs) on raw "
                  "pixels, timed once; its objective in fastlr's mean form (float64). fastlr "
                  "L-BFGS: `SoftmaxRegression(solver=\"lbfgs\", alpha=1/n, standardize=False)` "
                  "with `max_iter` = the first iteration at or below that objective (+1e-6 "
                  "relative). Early stopping: `SoftmaxRegression(early_stopping=True, "
                  "random_state=0)`, reached = test accuracy within 0.005 of scikit-learn's.",
                  ""]
        lines += table(["case", "implementation", "median (ms)", "iterations / epochs",
                        "objective", "test accuracy", "reached", "speed-up vs sklearn"], srows)
    return lines


def section(records, img_dir, out, level=2):
    """Markdown lines of the Shapes section (``level``: heading depth of its title)."""
    records = [r for r in records if is_shape(r)]
    if not records:
        return []
    groups = index(records)
    bw = run_info(records)["bw"]
    h = "#" * level
    lines = [f"{h} Shapes (issue 9)", "",
             "bench/test_bench_shapes.py: bag-of-words CSR, tall dense and MNIST-shaped data, "
             "fastlr next to scikit-learn and the optional peers (Vowpal Wabbit, Snap ML) in one "
             "run. Ratios are times, fastlr / peer (below 1: fastlr is faster), unless a column "
             "says speed-up.", ""]
    lines += machine_lines(records)
    lines += [f"{h}# Targets", ""] + target_rows(groups)
    lines += [f"{h}# Shapes × (fastlr, peers)", "",
              "GB/s = bytes of X read per second (epochs × bytes of X / median; blank for "
              "fits that run to a tolerance); *of read bandwidth* = fastlr's GB/s over the "
              "bandwidth measured in the run.", ""]
    lines += summary_table(groups, bw)
    body = (sweep_section(groups, img_dir, out) + tall_section(groups)
            + lbfgs_section(groups) + mnist_section(groups))
    return lines + [line.replace("### ", h + "# ", 1) if line.startswith("### ") else line
                    for line in body]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", nargs="?", default="bench/shapes_results.json")
    ap.add_argument("--out", default="docs/shapes.md")
    ap.add_argument("--img-dir", help="where the plot goes (default: img/ next to --out)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    img_dir = Path(args.img_dir) if args.img_dir else out.parent / "img"
    data, records = load(args.json)
    body = section(records, img_dir, out, level=1)
    if not body:
        sys.exit(f"{args.json} holds no shapes cases (bench/test_bench_shapes.py)")
    ci = data.get("commit_info", {})
    cmd = shlex.join(["python", "bench/shapes_report.py", *(sys.argv[1:] if argv is None
                                                            else argv)])
    head = [body[0], "",
            f"Generated {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} from `{args.json}` "
            "by `bench/shapes_report.py`; do not edit by hand.", "",
            f"- **Run:** {data.get('datetime', '?')[:19].replace('T', ' ')} UTC, commit "
            f"{ci.get('id', '?')[:12]}{' (dirty)' if ci.get('dirty') else ''}",
            f"- **Produced by:** `{data.get('command') or 'python -m pytest --benchmark-only'}`",
            f"- **Regenerate this page:** `{cmd}`"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(head + body[1:]).rstrip() + "\n")
    print(f"wrote {out} ({sum(is_shape(r) for r in records)} shapes cases); plot in {img_dir}")


if __name__ == "__main__":
    main()
