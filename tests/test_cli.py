"""The ``fastlr`` command line: train / predict / evaluate round trips, errors, warmup, demo.

Commands run in-process through ``fastlr.cli.main`` (fast); one test runs
``python -m fastlr --help`` in a subprocess. ``test_docs_examples_run`` runs
every ``python`` and ``bash`` block of docs/cli.md in order.
"""
import json
import pathlib
import re
import shlex
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file, load_iris

import fastlr
from fastlr.cli import demo, main, warmup
from fastlr.cli.data import read_data

ROOT = pathlib.Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# --------------------------------------------------------------------- helpers
def run(capsys, *argv):
    """main(argv) -> (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def accuracy_of(predictions_csv, y_true):
    column = pd.read_csv(predictions_csv).iloc[:, 0].to_numpy()
    return float(np.mean(column.astype(str) == np.asarray(y_true).astype(str)))


def write_iris_csv(path):
    iris = load_iris(as_frame=True)
    frame = iris.data.rename(columns=lambda c: c.removesuffix(" (cm)").replace(" ", "_"))
    frame["species"] = iris.target_names[iris.target]
    frame.to_csv(path, index=False)
    return frame


def binary_data(n=120, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[rng.random((n, d)) < 0.4] = 0.0
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory):
    """(csv path, model path, frame): iris with string labels, a model trained on it."""
    tmp = tmp_path_factory.mktemp("iris")
    csv, model = tmp / "iris.csv", tmp / "iris.joblib"
    frame = write_iris_csv(csv)
    assert main(["train", str(csv), "--target", "species", "--output", str(model),
                 "--solver", "lbfgs"]) == 0
    return csv, model, frame


# --------------------------------------------------------------------- help
def test_help_in_a_subprocess():
    res = subprocess.run([sys.executable, "-m", "fastlr", "--help"], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    for command in ("train", "predict", "evaluate", "warmup", "demo"):
        assert command in res.stdout


def test_train_help_lists_flags_generated_from_get_params(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--param NAME=VALUE" in out and "not" in out and "refitted" in out
    for name in fastlr.LogisticRegression().get_params():
        if name not in ("random_state", "warm_start"):
            assert "--" + name.replace("_", "-") in out, name


# --------------------------------------------------------------------- round trips
def test_csv_round_trip_with_string_labels(iris_model, tmp_path, capsys):
    csv, model, frame = iris_model
    code, out, _ = run(capsys, "train", csv, "--target", "species", "--output",
                       tmp_path / "m.joblib")
    assert code == 0
    assert "setosa" in out and "accuracy" in out and "training rows" in out
    assert (tmp_path / "m.joblib").is_file()

    preds = tmp_path / "predictions.csv"
    code, _, _ = run(capsys, "predict", model, csv, "--output", preds)
    assert code == 0
    table = pd.read_csv(preds)
    assert list(table.columns) == ["species"] and len(table) == len(frame)
    assert set(table["species"]) <= {"setosa", "versicolor", "virginica"}

    code, out, _ = run(capsys, "evaluate", model, csv, "--json")
    assert code == 0
    report = json.loads(out)
    assert report["accuracy"] == pytest.approx(accuracy_of(preds, frame["species"]))
    assert report["n_samples"] == 150 and report["setosa"]["support"] == 50

    code, out, _ = run(capsys, "evaluate", model, csv)
    assert code == 0 and "virginica" in out and "macro avg" in out


def test_train_json_is_one_object_with_report_and_counts(iris_model, tmp_path, capsys):
    csv, _, _ = iris_model
    code, out, err = run(capsys, "train", csv, "--target", "species", "--output",
                         tmp_path / "m.joblib", "--json", "--test-size", "0.3",
                         "--solver", "lbfgs")
    assert code == 0
    report = json.loads(out)  # the whole stdout is one JSON object
    assert 0 <= report["accuracy"] <= 1
    assert {"setosa", "versicolor", "virginica", "weighted avg"} <= set(report)
    assert any(key.startswith("macro avg") for key in report)
    assert report["n_train"] == 105 and report["n_test"] == 45
    assert report["fit_seconds"] > 0 and report["n_features"] == 4


def test_test_size_zero_trains_on_all_rows(iris_model, tmp_path, capsys):
    csv, _, _ = iris_model
    code, out, _ = run(capsys, "train", csv, "--target", "species", "--output",
                       tmp_path / "m.joblib", "--test-size", "0", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["n_train"] == 150 and report["n_test"] == 0 and "accuracy" not in report


def test_predict_selects_and_orders_the_saved_columns(iris_model, tmp_path, capsys):
    csv, model, frame = iris_model
    shuffled = frame.drop(columns="species")[["petal_width", "sepal_length",
                                              "petal_length", "sepal_width"]]
    shuffled.insert(1, "notes", "x")  # an extra (even non-numeric) column is ignored
    shuffled.to_csv(tmp_path / "new.csv", index=False)
    assert run(capsys, "predict", model, csv, "-o", tmp_path / "a.csv")[0] == 0
    assert run(capsys, "predict", model, tmp_path / "new.csv", "-o", tmp_path / "b.csv")[0] == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a.csv"),
                                  pd.read_csv(tmp_path / "b.csv"))


def test_predict_proba_has_one_column_per_class(iris_model, tmp_path, capsys):
    csv, model, _ = iris_model
    code, _, _ = run(capsys, "predict", model, csv, "-o", tmp_path / "p.csv", "--proba")
    assert code == 0
    table = pd.read_csv(tmp_path / "p.csv")
    assert list(table.columns) == ["proba_setosa", "proba_versicolor", "proba_virginica"]
    np.testing.assert_allclose(table.sum(axis=1), 1.0)


def test_predict_to_stdout(iris_model, capsys):
    csv, model, _ = iris_model
    code, out, _ = run(capsys, "predict", model, csv, "-o", "-")
    assert code == 0 and out.splitlines()[0] == "species" and len(out.splitlines()) == 151


def test_svmlight_round_trip_keeps_x_sparse(tmp_path, capsys):
    X, y = binary_data()
    path = tmp_path / "train.svm"
    dump_svmlight_file(X, np.where(y == 1, 1, -1), str(path), zero_based=False)
    data = read_data(path)
    assert sp.issparse(data.X) and data.X.format == "csr" and data.X.shape == X.shape
    np.testing.assert_allclose(data.X.toarray(), X)
    assert data.reader_options == {"svmlight_zero_based": False}

    model = tmp_path / "svm.joblib"
    assert run(capsys, "train", path, "--output", model)[0] == 0
    preds = tmp_path / "p.csv"
    assert run(capsys, "predict", model, path, "--output", preds)[0] == 0
    assert list(pd.read_csv(preds).columns) == ["y"]
    code, out, _ = run(capsys, "evaluate", model, path, "--json")
    assert code == 0
    assert json.loads(out)["accuracy"] == pytest.approx(accuracy_of(preds, data.y))

    # a file that uses fewer features is read with the model's n_features and index base
    small = tmp_path / "small.svm"
    dump_svmlight_file(X[:10, :2], np.where(y[:10] == 1, 1, -1), str(small),
                       zero_based=False)
    assert run(capsys, "predict", model, small, "-o", tmp_path / "s.csv")[0] == 0
    assert len(pd.read_csv(tmp_path / "s.csv")) == 10


def test_npz_round_trip(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 4))
    y = np.arange(150) % 3
    X[:, 0] += 2 * y
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=y)
    model = tmp_path / "npz.joblib"
    assert run(capsys, "train", path, "--output", model)[0] == 0
    record = joblib.load(model)
    assert record["feature_names"] == ["x0", "x1", "x2", "x3"] and record["target"] == "y"
    preds = tmp_path / "p.csv"
    assert run(capsys, "predict", model, path, "--output", preds)[0] == 0
    code, out, _ = run(capsys, "evaluate", model, path, "--json")
    assert code == 0
    assert json.loads(out)["accuracy"] == pytest.approx(accuracy_of(preds, y))
    np.savez(tmp_path / "unlabelled.npz", X=X[:7])  # predict needs no labels
    assert run(capsys, "predict", model, tmp_path / "unlabelled.npz", "-o", preds)[0] == 0
    assert len(pd.read_csv(preds)) == 7


def test_parquet_round_trip(iris_model, tmp_path, capsys):
    pytest.importorskip("pyarrow")
    _, _, frame = iris_model
    path = tmp_path / "iris.parquet"
    frame.to_parquet(path)
    model = tmp_path / "m.joblib"
    assert run(capsys, "train", path, "--target", "species", "--output", model)[0] == 0
    assert run(capsys, "evaluate", model, path)[0] == 0


# --------------------------------------------------------------------- estimator options
def test_param_passes_through_to_the_saved_model(iris_model, tmp_path, capsys):
    csv, _, _ = iris_model
    model = tmp_path / "m.joblib"
    code, _, _ = run(capsys, "train", csv, "--target", "species", "--output", model,
                     "--param", "max_iter=3", "--param", "class_weight={'setosa': 2.0}",
                     "--param", "tol=1e-3", "--no-fit-intercept", "--solver", "lbfgs")
    assert code == 0
    est = joblib.load(model)["estimator"]
    assert est.max_iter == 3 and est.n_iter_[0] <= 3
    assert est.class_weight == {"setosa": 2.0} and est.tol == 1e-3
    assert est.fit_intercept is False and est.solver == "lbfgs"
    assert est.random_state == 0  # --random-state's default seeds the estimator too


def test_param_wins_over_flag_and_sets_random_state(iris_model, tmp_path, capsys):
    csv, _, _ = iris_model
    model = tmp_path / "m.joblib"
    code, _, _ = run(capsys, "train", csv, "--target", "species", "--output", model,
                     "--max-iter", "7", "--param", "max_iter=5", "--random-state", "3",
                     "--param", "random_state=11", "--estimator", "softmax")
    assert code == 0
    est = joblib.load(model)["estimator"]
    assert type(est) is fastlr.SoftmaxRegression
    assert est.max_iter == 5 and est.random_state == 11


# --------------------------------------------------------------------- bad input
def _bad_inputs(tmp, csv, model):
    """(argv, text the one-line message must contain) for every kind of user error."""
    frame = pd.read_csv(csv)
    frame.assign(colour="red").to_csv(tmp / "text.csv", index=False)
    frame.drop(columns="petal_width").to_csv(tmp / "missing_column.csv", index=False)
    (tmp / "garbage.csv").write_bytes(b"\xff\xfe\x00\x81\x00\x00\x9c" * 50)
    (tmp / "empty.csv").write_text("")
    (tmp / "data.txt").write_text("a,b\n1,2\n")
    (tmp / "bad.svm").write_text("1 1:0.5 2:x\n")
    frame.to_csv(tmp / "data.parquet")  # not read: pyarrow is reported missing first
    np.savez(tmp / "noX.npz", features=np.zeros((3, 2)))
    joblib.dump({"estimator": None}, tmp / "not_ours.joblib")
    frame.iloc[[0, 1, 50, 51, 100]].to_csv(tmp / "tiny.csv", index=False)
    out = ["--output", tmp / "m.joblib"]
    return [
        (["train", tmp / "nope.csv", "--target", "species", *out], "no such file"),
        (["train", csv, "--target", "Species", *out], "no target column 'Species'"),
        (["train", csv, *out], "--target is required"),
        (["train", tmp / "data.txt", "--target", "b", *out], "unsupported data format '.txt'"),
        (["train", tmp / "garbage.csv", "--target", "species", *out], "cannot read CSV"),
        (["train", tmp / "empty.csv", "--target", "species", *out], "is empty"),
        (["train", tmp / "text.csv", "--target", "species", *out],
         "non-numeric feature column(s)"),
        (["train", tmp / "bad.svm", *out], "cannot read svmlight"),
        (["train", tmp / "noX.npz", *out], "no array 'X'"),
        (["train", tmp / "data.parquet", "--target", "species", *out],
         "reading Parquet needs pyarrow: pip install pyarrow"),
        (["train", csv, "--target", "species", *out, "--param", "max_iters=3"],
         "unknown estimator parameter 'max_iters'"),
        (["train", csv, "--target", "species", *out, "--param", "alpha=-1"], "'alpha'"),
        (["train", csv, "--target", "species", *out, "--param", "alpha"],
         "expected NAME=VALUE"),
        (["train", csv, "--target", "species", *out, "--solver", "newton"], "'solver'"),
        (["train", csv, "--target", "species", *out, "--test-size", "1.5"], "fraction"),
        (["train", tmp / "tiny.csv", "--target", "species", *out], "stratified"),
        (["train", csv, "--target", "species"], "--output"),
        (["predict", csv, csv, "-o", tmp / "p.csv"], "is not a fastlr model file"),
        (["predict", tmp / "not_ours.joblib", csv, "-o", tmp / "p.csv"],
         "no 'fastlr-cli-model' marker"),
        (["predict", tmp / "nope.joblib", csv, "-o", tmp / "p.csv"], "no such model file"),
        (["predict", model, tmp / "missing_column.csv", "-o", tmp / "p.csv"],
         "missing feature column(s)"),
        (["predict", model, csv, "-o", tmp / "no_dir" / "p.csv"], "cannot write"),
        (["evaluate", model, csv, "--target", "kind"], "no target column 'kind'"),
        (["trian", csv], "invalid choice: 'trian'"),
    ]


def test_each_bad_input_exits_2_with_one_line(iris_model, tmp_path, capsys, monkeypatch):
    csv, model, _ = iris_model
    for argv, expected in _bad_inputs(tmp_path, csv, model):
        with monkeypatch.context() as patch:
            if "pyarrow" in expected:  # as if pyarrow were not installed
                patch.setitem(sys.modules, "pyarrow", None)
            code, _, err = run(capsys, *argv)
        assert code == 2, argv
        assert err.endswith("\n") and err.count("\n") == 1, (argv, err)
        assert err.startswith("fastlr: error: ") and expected in err, (argv, err)
        assert "Traceback" not in err
    assert not (tmp_path / "m.joblib").exists()  # no model saved by a failed train


def test_error_messages_name_the_problem(iris_model, tmp_path, capsys):
    csv, _, frame = iris_model
    frame.assign(colour="red", city="Oslo").to_csv(tmp_path / "text.csv", index=False)
    _, _, err = run(capsys, "train", tmp_path / "text.csv", "--target", "species",
                    "-o", tmp_path / "m.joblib")
    assert "colour, city" in err
    frame.drop(columns=["petal_width"]).to_csv(tmp_path / "less.csv", index=False)
    _, _, err = run(capsys, "predict", iris_model[1], tmp_path / "less.csv", "-o", "-")
    assert "missing feature column(s) in" in err and ": petal_width (" in err


def test_model_from_another_version_loads_with_a_warning(iris_model, tmp_path, capsys):
    csv, model, _ = iris_model
    record = joblib.load(model)
    record["fastlr_version"] = "0.0.1"
    joblib.dump(record, tmp_path / "old.joblib")
    code, _, err = run(capsys, "predict", tmp_path / "old.joblib", csv, "-o", tmp_path / "p.csv")
    assert code == 0 and "warning" in err and "0.0.1" in err


# --------------------------------------------------------------------- warmup, demo
def test_warmup_on_a_tiny_budget(capsys):
    code, out, _ = run(capsys, "warmup", "--dtype", "float64", "--layout", "dense",
                       "--target", "binary", "--target", "multiclass", "--solver", "lbfgs")
    assert code == 0
    lines = out.splitlines()
    assert re.fullmatch(r"\[1/2\] compiling float64 dense binary \(sigmoid\) lbfgs \.\.\. "
                        r"\d+\.\d s", lines[0])
    assert "multiclass (softmax) lbfgs" in lines[1]
    assert lines[-1].startswith("total ") and "2 of 2 steps compiled, 0 failed" in lines[-1]


def test_warmup_reports_failed_steps_and_fails_only_if_all_fail(capsys, monkeypatch):
    def fail_fista(dtype, layout, target, solver):
        if solver == "fista":
            raise ValueError("not supported here")

    monkeypatch.setattr(warmup, "_fit_once", fail_fista)
    code, out, _ = run(capsys, "warmup", "--dtype", "float32", "--layout", "csr",
                       "--target", "binary")
    assert code == 0
    assert "fista ... failed after" in out and "ValueError: not supported here" in out
    assert "2 of 3 steps compiled, 1 failed" in out

    monkeypatch.setattr(warmup, "_fit_once", lambda *a: 1 / 0)
    code, out, _ = run(capsys, "warmup", "--dtype", "float32", "--layout", "csr",
                       "--target", "binary")
    assert code == 1 and "0 of 3 steps compiled, 3 failed" in out


def test_demo_breast_cancer(capsys):
    code, out, _ = run(capsys, "demo", "--dataset", "breast_cancer")
    assert code == 0
    assert "== breast_cancer:" in out and "malignant" in out and "scikit-learn" in out


def test_the_demo_loads_the_kernels_before_it_times_a_fit():
    """In a new process the warm-up imports the compiled kernels (a fit of tiny data
    runs in NumPy and would leave the start-up to the first timed fit)."""
    import subprocess
    import sys

    code = ("import sys; from fastlr.cli.demo import warm_up; warm_up(); "
            "print('fastlr._kernels' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "True"


def test_no_command_runs_the_demo(capsys, monkeypatch):
    seen = []
    monkeypatch.setattr(demo, "run_dataset", lambda name, **kw: seen.append(name))
    assert run(capsys)[0] == 0
    assert seen == ["breast_cancer", "digits"]
    assert run(capsys, "--dataset", "digits")[0] == 0
    assert seen[-1] == "digits"


# --------------------------------------------------------------------- docs
def test_docs_examples_run(tmp_path, monkeypatch, capsys):
    """Every python and bash block of docs/cli.md runs, in order, in an empty directory."""
    text = (ROOT / "docs" / "cli.md").read_text()
    blocks = re.findall(r"```(python|bash)\n(.*?)```", text, re.S)
    assert sum(lang == "bash" for lang, _ in blocks) >= 5
    monkeypatch.chdir(tmp_path)
    commands = set()
    for lang, code in blocks:
        if lang == "python":
            exec(compile(code, "docs/cli.md", "exec"), {})
            continue
        for line in code.splitlines():
            argv = shlex.split(line, comments=True)
            if not argv:
                continue
            if argv[:3] == ["python", "-m", "fastlr"]:
                argv = argv[3:]
            else:
                assert argv[0] == "fastlr", line
                argv = argv[1:]
            code_, out, err = run(capsys, *argv)
            assert code_ == 0, (line, err)
            commands.add(argv[0] if argv and not argv[0].startswith("-") else "demo")
    assert commands == {"train", "predict", "evaluate", "warmup", "demo"}
    assert (tmp_path / "predictions.csv").is_file()
