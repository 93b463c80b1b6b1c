"""Tests for fastlr.metrics: parity with sklearn.metrics, properties, report, errors."""

import doctest
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from fastlr import metrics as fm

ignore_undefined = pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")


def _random_data(seed, n=200, k=5, kind="int", weighted=False, drop_pred=None):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, size=n)
    # predictions that are right ~60% of the time
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, size=n))
    if drop_pred is not None:  # a class that is never predicted
        y_pred = np.where(y_pred == drop_pred, (drop_pred + 1) % k, y_pred)
    if kind == "str":
        names = np.array(["ant", "bee", "cat", "dog", "eel", "fox", "gnu"])[:k]
        y_true, y_pred = names[y_true], names[y_pred]
    w = rng.uniform(0.1, 3.0, size=n) if weighted else None
    return y_true, y_pred, w


def _assert_prf_equal(ours, theirs):
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------
# parity with scikit-learn on random data
# --------------------------------------------------------------------------

CASES = [
    pytest.param(seed, kind, weighted, id=f"seed{seed}-{kind}-{'w' if weighted else 'unw'}")
    for seed in (0, 1)
    for kind in ("int", "str")
    for weighted in (False, True)
]


@ignore_undefined
@pytest.mark.parametrize("seed, kind, weighted", CASES)
def test_parity_with_sklearn_multiclass(seed, kind, weighted):
    y_true, y_pred, w = _random_data(seed, kind=kind, weighted=weighted)

    np.testing.assert_allclose(
        fm.confusion_matrix(y_true, y_pred, sample_weight=w),
        skm.confusion_matrix(y_true, y_pred, sample_weight=w),
    )
    assert fm.accuracy(y_true, y_pred, sample_weight=w) == pytest.approx(
        skm.accuracy_score(y_true, y_pred, sample_weight=w), abs=1e-12
    )

    ours = fm.precision_recall_f1(y_true, y_pred, sample_weight=w)
    theirs = skm.precision_recall_fscore_support(y_true, y_pred, sample_weight=w)
    _assert_prf_equal(ours, theirs)
    np.testing.assert_allclose(ours.support, theirs[3])

    for average in ("micro", "macro", "weighted"):
        ours = fm.precision_recall_f1_average(y_true, y_pred, average=average, sample_weight=w)
        theirs = skm.precision_recall_fscore_support(
            y_true, y_pred, average=average, sample_weight=w
        )
        assert ours[:3] == pytest.approx(theirs[:3], abs=1e-12), average
        assert ours.f1 == pytest.approx(
            skm.f1_score(y_true, y_pred, average=average, sample_weight=w), abs=1e-12
        )

    assert fm.f1_macro(y_true, y_pred, sample_weight=w) == pytest.approx(
        skm.f1_score(y_true, y_pred, average="macro", sample_weight=w), abs=1e-12
    )


@ignore_undefined
@pytest.mark.parametrize("labels", [[3, 1], [4, 0, 2, 1, 3], [1, 7], [2, 9, 0]])
def test_parity_with_sklearn_explicit_labels(labels):
    """Subsets, reorderings and labels absent from the data."""
    y_true, y_pred, w = _random_data(3, k=5, weighted=True)
    np.testing.assert_allclose(
        fm.confusion_matrix(y_true, y_pred, labels=labels, sample_weight=w),
        skm.confusion_matrix(y_true, y_pred, labels=labels, sample_weight=w),
    )
    _assert_prf_equal(
        fm.precision_recall_f1(y_true, y_pred, labels=labels, sample_weight=w),
        skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, sample_weight=w),
    )
    for average in ("micro", "macro", "weighted"):
        ours = fm.precision_recall_f1_average(
            y_true, y_pred, average=average, labels=labels, sample_weight=w
        )
        theirs = skm.precision_recall_fscore_support(
            y_true, y_pred, average=average, labels=labels, sample_weight=w
        )
        assert ours[:3] == pytest.approx(theirs[:3], abs=1e-12), average


def test_binary_parity_and_seed_formulas():
    y_true, y_pred, _ = _random_data(4, n=150, k=2)
    np.testing.assert_array_equal(
        fm.confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred)
    )
    scores = fm.precision_recall_f1(y_true, y_pred)
    assert scores.precision[1] == pytest.approx(skm.precision_score(y_true, y_pred))
    assert scores.recall[1] == pytest.approx(skm.recall_score(y_true, y_pred))
    assert scores.f1[1] == pytest.approx(skm.f1_score(y_true, y_pred))  # average="binary"

    # Lecture notes eqs. (79)-(88), written with TP/TN/FP/FN of the positive class.
    (tn, fp), (fn, tp) = fm.confusion_matrix(y_true, y_pred)
    n = tp + tn + fp + fn
    p_macro = 0.5 * (tp / (tp + fp) + tn / (tn + fn))
    r_macro = 0.5 * (tp / (tp + fn) + tn / (tn + fp))
    micro = fm.precision_recall_f1_average(y_true, y_pred, average="micro")
    macro = fm.precision_recall_f1_average(y_true, y_pred, average="macro")
    assert micro.precision == micro.recall == pytest.approx((tp + tn) / n)
    assert macro.precision == pytest.approx(p_macro)
    assert macro.recall == pytest.approx(r_macro)
    assert fm.f1_macro_harmonic(y_true, y_pred) == pytest.approx(
        2 * p_macro * r_macro / (p_macro + r_macro)
    )
    assert fm.f1_macro(y_true, y_pred) == pytest.approx(scores.f1.mean())


def test_never_predicted_class_warns_and_gives_zero():
    y_true, y_pred, _ = _random_data(5, k=4, kind="str", drop_pred=2)
    assert "cat" in set(y_true) and "cat" not in set(y_pred)
    with pytest.warns(UndefinedMetricWarning, match="Precision is ill-defined"):
        scores = fm.precision_recall_f1(y_true, y_pred)
    assert scores.precision[2] == 0.0
    assert scores.recall[2] == 0.0 and scores.f1[2] == 0.0
    with pytest.warns(UndefinedMetricWarning):
        theirs = skm.precision_recall_fscore_support(y_true, y_pred)
    _assert_prf_equal(scores, theirs)
    # like sklearn's f1_score, f1_macro warns only about an undefined F-score
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fm.f1_macro(y_true, y_pred) == pytest.approx(
            skm.f1_score(y_true, y_pred, average="macro")
        )


def test_label_only_in_labels_warns_for_recall_and_f1():
    with pytest.warns(UndefinedMetricWarning) as record:
        scores = fm.precision_recall_f1([0, 1, 1], [0, 1, 0], labels=[0, 1, 2])
    messages = " ".join(str(r.message) for r in record)
    assert "Recall" in messages and "F-score" in messages
    assert scores.precision[2] == scores.recall[2] == scores.f1[2] == 0.0
    assert scores.support[2] == 0
    # the warning points at the caller, not at fastlr internals
    assert all(r.filename == __file__ for r in record)


def test_no_warning_when_everything_is_defined():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fm.precision_recall_f1([0, 1, 2, 2], [0, 1, 2, 1])
        fm.classification_report([0, 1, 2, 2], [0, 1, 2, 1])


def test_harmonic_macro_f1_zero_denominator_warns():
    with pytest.warns(UndefinedMetricWarning) as record:
        assert fm.f1_macro_harmonic([0, 0], [1, 1]) == 0.0
    assert any("Harmonic macro F-score" in str(r.message) for r in record)


def test_count_dtypes():
    y_true, y_pred = [0, 1, 1, 2], [0, 1, 2, 2]
    assert fm.confusion_matrix(y_true, y_pred).dtype == np.int64
    assert fm.confusion_matrix(y_true, y_pred, sample_weight=[1, 2, 1, 1]).dtype == np.int64
    cm = fm.confusion_matrix(y_true, y_pred, sample_weight=[0.5, 2, 1, 1])
    assert cm.dtype == np.float64
    np.testing.assert_allclose(cm, [[0.5, 0, 0], [0, 2, 1], [0, 0, 1]])
    assert fm.precision_recall_f1(y_true, y_pred).support.dtype == np.int64


def test_large_input_is_vectorised():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, size=200_000)
    y_pred = rng.integers(0, 10, size=200_000)
    cm = fm.confusion_matrix(y_true, y_pred)
    assert cm.sum() == 200_000
    np.testing.assert_array_equal(cm, skm.confusion_matrix(y_true, y_pred))


# --------------------------------------------------------------------------
# property-based tests
# --------------------------------------------------------------------------

label_pairs = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
        st.lists(st.integers(0, 5), min_size=n, max_size=n),
    )
)
SETTINGS = settings(max_examples=60, deadline=None)


@ignore_undefined
@SETTINGS
@given(label_pairs)
def test_micro_scores_equal_accuracy(data):
    y_true, y_pred, _ = data
    acc = fm.accuracy(y_true, y_pred)
    micro = fm.precision_recall_f1_average(y_true, y_pred, average="micro")
    assert micro.precision == pytest.approx(acc)
    assert micro.recall == pytest.approx(acc)
    assert micro.f1 == pytest.approx(acc)
    assert micro.support == len(y_true)


@SETTINGS
@given(label_pairs, st.booleans())
def test_confusion_matrix_sums(data, weighted):
    y_true, y_pred, w = data
    w = np.asarray(w) if weighted else None
    assume(w is None or w.any())  # all-zero weights raise
    cm = fm.confusion_matrix(y_true, y_pred, sample_weight=w)
    total = len(y_true) if w is None else w.sum()
    assert cm.sum() == total
    labels = np.unique(np.r_[y_true, y_pred])
    assert cm.shape == (labels.size, labels.size)
    # rows = actual class: row sums are the per-class true counts
    true_counts = [np.sum(np.where(np.asarray(y_true) == lab, 1 if w is None else w, 0))
                   for lab in labels]
    np.testing.assert_allclose(cm.sum(axis=1), true_counts)
    assert np.trace(cm) / total == pytest.approx(fm.accuracy(y_true, y_pred, sample_weight=w))


@ignore_undefined
@SETTINGS
@given(label_pairs)
def test_score_ranges_and_macro_f1_ordering(data):
    y_true, y_pred, _ = data
    p, r, f, s = fm.precision_recall_f1(y_true, y_pred)
    for arr in (p, r, f):
        assert np.all((arr >= 0) & (arr <= 1))
    assert np.all(f <= np.maximum(p, r) + 1e-12)
    assert np.all(f >= np.minimum(p, r) - 1e-12)
    assert s.sum() == len(y_true)
    # harmonic mean is concave: HM(mean P, mean R) >= mean HM(P_k, R_k)
    assert fm.f1_macro_harmonic(y_true, y_pred) >= fm.f1_macro(y_true, y_pred) - 1e-12


@ignore_undefined
@settings(max_examples=40, deadline=None)
@given(label_pairs, st.sampled_from([None, "micro", "macro", "weighted"]), st.booleans())
def test_property_parity_with_sklearn(data, average, weighted):
    y_true, y_pred, w = data
    w = np.asarray(w, dtype=float) + 0.5 if weighted else None
    theirs = skm.precision_recall_fscore_support(
        y_true, y_pred, average=average, sample_weight=w, zero_division=0
    )
    if average is None:
        ours = fm.precision_recall_f1(y_true, y_pred, sample_weight=w)
        _assert_prf_equal(ours, theirs)
    else:
        ours = fm.precision_recall_f1_average(y_true, y_pred, average=average, sample_weight=w)
        assert ours[:3] == pytest.approx(theirs[:3], abs=1e-12)


@ignore_undefined
@SETTINGS
@given(label_pairs)
def test_relabelling_invariance(data):
    """Renaming classes to strings (order preserving) changes nothing."""
    y_true, y_pred, _ = data
    names = np.array(["a", "b", "c", "d", "e"])
    ours = fm.precision_recall_f1(y_true, y_pred)
    renamed = fm.precision_recall_f1(names[y_true], names[y_pred])
    for a, b in zip(ours, renamed):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------
# classification report
# --------------------------------------------------------------------------


@ignore_undefined
def test_report_puts_class_rows_before_summaries():
    y_true, y_pred, _ = _random_data(6, n=100, k=4, kind="str", drop_pred=1)
    report = fm.classification_report(y_true, y_pred)
    lines = [line.strip() for line in report.splitlines()]
    assert lines[0].split() == ["precision", "recall", "f1-score", "support"]

    def row(name):
        return next(i for i, line in enumerate(lines) if line.startswith(name))

    class_rows = [row(name) for name in ["ant", "bee", "cat", "dog"]]
    summary_rows = [row(name) for name in ["accuracy", "macro avg", "macro avg (harmonic F1)",
                                           "weighted avg"]]
    assert not any(line.startswith("micro avg") for line in lines)  # = accuracy here
    assert class_rows == sorted(class_rows)
    assert summary_rows == sorted(summary_rows)
    assert max(class_rows) < min(summary_rows)

    # numbers in the text agree with the functions
    scores = fm.precision_recall_f1(y_true, y_pred)
    ant = lines[row("ant")].split()
    assert [float(x) for x in ant[1:4]] == pytest.approx(
        [scores.precision[0], scores.recall[0], scores.f1[0]], abs=5e-4
    )
    assert int(ant[4]) == scores.support[0]
    assert float(lines[row("macro avg (harmonic F1)")].split()[-2]) == pytest.approx(
        fm.f1_macro_harmonic(y_true, y_pred), abs=5e-4
    )


@ignore_undefined
def test_report_dict_matches_functions_and_sklearn():
    y_true, y_pred, _ = _random_data(7, n=120, k=3)
    rep = fm.classification_report(y_true, y_pred, target_names=["x", "y", "z"],
                                   output_dict=True)
    sk = skm.classification_report(y_true, y_pred, target_names=["x", "y", "z"],
                                   output_dict=True)
    assert list(rep)[:3] == ["x", "y", "z"]
    assert set(rep) == {*sk, "macro avg (harmonic F1)"}
    for name in ["x", "y", "z", "macro avg", "weighted avg"]:
        for key in ["precision", "recall", "f1-score", "support"]:
            assert rep[name][key] == pytest.approx(sk[name][key])
    assert rep["accuracy"] == pytest.approx(sk["accuracy"])
    assert rep["macro avg"]["f1-score"] == pytest.approx(fm.f1_macro(y_true, y_pred))
    assert rep["macro avg (harmonic F1)"]["f1-score"] == pytest.approx(
        fm.f1_macro_harmonic(y_true, y_pred)
    )


def test_report_digits_labels_and_weights():
    report = fm.classification_report([0, 1, 1], [0, 1, 0], labels=[1, 0], digits=2,
                                      sample_weight=[1.0, 0.5, 0.5])
    lines = report.splitlines()
    assert lines[2].split()[0] == "1" and lines[3].split()[0] == "0"
    scores = [tok for line in lines[2:] for tok in line.split() if "." in tok]
    assert scores and all(len(tok.split(".")[1]) == 2 for tok in scores)
    assert lines[2].split()[1:4] == ["1.00", "0.50", "0.67"]
    assert lines[2].split()[-1] == "1"  # weighted support 0.5 + 0.5


def test_report_errors():
    with pytest.raises(ValueError, match="target_names"):
        fm.classification_report([0, 1], [0, 1], target_names=["only one"])
    with pytest.raises(ValueError, match="digits"):
        fm.classification_report([0, 1], [0, 1], digits=-1)
    with pytest.raises(ValueError, match="clash"):
        fm.classification_report(["accuracy", "b"], ["accuracy", "b"], output_dict=True)


# --------------------------------------------------------------------------
# input validation
# --------------------------------------------------------------------------

ALL_FUNCS = [fm.confusion_matrix, fm.accuracy, fm.precision_recall_f1,
             fm.precision_recall_f1_average, fm.f1_macro, fm.f1_macro_harmonic,
             fm.classification_report]


@pytest.mark.parametrize("func", ALL_FUNCS, ids=lambda f: f.__name__)
def test_bad_inputs_raise(func):
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        func([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="empty"):
        func([], [])
    with pytest.raises(ValueError, match="not a multilabel indicator"):
        func(np.full((3, 2), 2), np.full((3, 2), 2))  # multiclass-multioutput
    with pytest.raises(ValueError, match="1-D"):
        func(np.zeros((3, 2, 2)), np.zeros((3, 2, 2)))
    with pytest.raises(ValueError, match="ravel"):
        func(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="1-D"):
        func(1, 1)
    with pytest.raises(ValueError, match="Mix of label types"):
        func([0, 1], ["0", "1"])
    with pytest.raises(ValueError, match="NaN"):
        func([0.0, np.nan], [0.0, 1.0])


def test_bad_weights_labels_and_average_raise():
    with pytest.raises(ValueError, match="sample_weight"):
        fm.confusion_matrix([0, 1], [0, 1], sample_weight=[1.0])
    with pytest.raises(ValueError, match="non-negative"):
        fm.accuracy([0, 1], [0, 1], sample_weight=[1.0, -1.0])
    with pytest.raises(ValueError, match="duplicate"):
        fm.confusion_matrix([0, 1], [0, 1], labels=[0, 1, 0])
    with pytest.raises(ValueError, match="at least one label"):
        fm.precision_recall_f1([0, 1], [0, 1], labels=[])
    with pytest.raises(ValueError, match="Mix of label types"):
        fm.precision_recall_f1([0, 1], [0, 1], labels=["0", "1"])
    with pytest.raises(ValueError, match="cannot be compared"):
        fm.confusion_matrix(np.array([0, "a"], dtype=object), np.array([0, "a"], dtype=object))
    with pytest.raises(ValueError, match="average must be one of"):
        fm.precision_recall_f1_average([0, 1], [0, 1], average="binary")


# --------------------------------------------------------------------------
# doctests (so that CI runs the examples in the docstrings)
# --------------------------------------------------------------------------


def test_docstring_examples():
    result = doctest.testmod(fm, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------
# regressions found by comparing with sklearn.metrics
# --------------------------------------------------------------------------


@ignore_undefined
def test_mixed_integer_dtypes_are_compared_exactly():
    """int64 and uint64 labels are not mixed through float64 (2**53 + 1 != 2**53)."""
    big = np.array([2**53], dtype=np.uint64)
    assert fm.accuracy([2**53 + 1], big) == skm.accuracy_score([2**53 + 1], big) == 0.0
    np.testing.assert_array_equal(fm.confusion_matrix([2**53 + 1], big), [[0, 0], [1, 0]])
    # labels of a third dtype, and uint64 values beyond the int64 range
    huge = np.array([2**64 - 1, 2**63], dtype=np.uint64)
    assert fm.accuracy(huge, np.array([2**64 - 2, 2**63], dtype=np.uint64)) == 0.5
    np.testing.assert_array_equal(
        fm.confusion_matrix(huge, huge[::-1], labels=np.array([2**63, 2**64 - 1], np.uint64)),
        [[0, 1], [1, 0]],
    )
    # negative int64 together with uint64 >= 2**63: exact as well
    mixed = fm.precision_recall_f1(np.array([-1, 5]), np.array([2**63, 5], dtype=np.uint64))
    np.testing.assert_array_equal(mixed.support, [1, 1, 0])
    assert mixed.recall.tolist() == [0.0, 1.0, 0.0]
    assert fm.accuracy(np.array([-1, 2**53 + 1]), np.array([2**63, 2**53], np.uint64)) == 0.0


@pytest.mark.parametrize(
    "weights", [[2**53, 1], np.array([2**53, 1], np.uint64), np.array([3, 1], np.int32),
                np.array([True, True]), [2.5, 1.0], np.array([2, 1], np.float32)],
    ids=["int64", "uint64", "int32", "bool", "float64", "float32"],
)
def test_confusion_matrix_counts_are_exact_with_sklearn_dtype(weights):
    """Integer (and no) weights give exact int64 counts, float weights float64: sklearn's rule."""
    w = np.asarray(weights)
    w3 = np.concatenate([w, w[-1:]])  # same dtype, weight 1 for the third sample
    ours = fm.confusion_matrix([0, 0, 1], [0, 0, 1], sample_weight=w3)
    theirs = skm.confusion_matrix([0, 0, 1], [0, 0, 1], sample_weight=w3)
    assert ours.dtype == theirs.dtype == (np.float64 if w.dtype.kind == "f" else np.int64)
    np.testing.assert_array_equal(ours, theirs)
    if w.dtype.kind != "f":
        assert ours[0, 0] == sum(int(x) for x in weights)  # 2**53 + 1 is not lost
        support = fm.precision_recall_f1([0, 0], [0, 0], sample_weight=weights).support
        assert support[0] == ours[0, 0]
    assert fm.confusion_matrix([0, 0], [0, 0], sample_weight=weights)[0, 0] == ours[0, 0]


@pytest.mark.parametrize("func", [fm.confusion_matrix, fm.accuracy, fm.precision_recall_f1,
                                  fm.classification_report], ids=lambda f: f.__name__)
def test_bytes_and_str_labels_do_not_mix(func):
    """b"a" is not "a": like sklearn (which rejects both), a mix raises instead of matching."""
    with pytest.raises(TypeError):
        skm.accuracy_score([b"a"], ["a"])
    with pytest.raises(ValueError, match="Mix of label types"):
        func([b"a"], ["a"])
    with pytest.raises(ValueError, match="Mix of label types"):
        func(np.array([b"a", b"b"], dtype=object), np.array(["a", "b"], dtype=object))
    with pytest.raises(ValueError, match="Mix of label types"):
        func(["a"], np.array([b"a"], dtype=object))
    if func is not fm.accuracy:  # the functions with labels
        with pytest.raises(ValueError, match="Mix of label types"):
            func(["a", "b"], ["a", "b"], labels=[b"a", b"b"])


SKLEARN_TWINS = {
    "confusion_matrix": skm.confusion_matrix,
    "accuracy": skm.accuracy_score,
    "precision_recall_f1": skm.precision_recall_fscore_support,
    "precision_recall_f1_average": lambda *a, **k: skm.precision_recall_fscore_support(
        *a, average="macro", **k),
    "f1_macro": lambda *a, **k: skm.f1_score(*a, average="macro", **k),
    "f1_macro_harmonic": lambda *a, **k: skm.f1_score(*a, average="macro", **k),
    "classification_report": skm.classification_report,
}


@pytest.mark.parametrize("func", ALL_FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("weights", [[0, 0, 0], [0.0, 0.0, 0.0]], ids=["int", "float"])
def test_all_zero_sample_weight_raises_everywhere(func, weights):
    """sklearn 1.9 raises a ValueError in every metric; so does every fastlr function."""
    with pytest.raises(ValueError, match="non-zero"):
        SKLEARN_TWINS[func.__name__]([0, 1, 1], [0, 1, 0], sample_weight=weights)
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        func([0, 1, 1], [0, 1, 0], sample_weight=weights)


# --------------------------------------------------------------------------
# multilabel targets, zero_division, the report's keys: parity with sklearn
# --------------------------------------------------------------------------

ZERO_DIVISIONS = [pytest.param(0, id="zd0"), pytest.param(1, id="zd1"),
                  pytest.param(np.nan, id="zdnan")]


def _multilabel_data(seed, n=60, n_labels=5, weighted=False):
    """0/1 matrices where label 3 is never predicted, label 4 never true, and
    sample 0 has neither true nor predicted labels (so zero_division matters
    for every average)."""
    rng = np.random.default_rng(seed)
    y_true = (rng.random((n, n_labels)) < 0.4).astype(int)
    noise = (rng.random((n, n_labels)) < 0.3).astype(int)
    y_pred = np.where(rng.random((n, n_labels)) < 0.7, y_true, noise)
    y_pred[:, 3] = 0
    y_true[:, 4] = 0
    y_pred[0] = y_true[0] = 0
    y_true[1], y_pred[1] = [1, 0, 0, 0, 0], 0  # no predicted labels
    y_true[2], y_pred[2] = 0, [0, 1, 0, 0, 1]  # no true labels
    w = rng.uniform(0.1, 3.0, size=n) if weighted else None
    return y_true, y_pred, w


def _multiclass_data(seed, weighted=False):
    """Class 2 is never predicted; class 4 is predicted but never true."""
    y_true, y_pred, w = _random_data(seed, n=150, k=5, weighted=weighted, drop_pred=2)
    return np.where(y_true == 4, 0, y_true), y_pred, w


REPORT_CASES = {
    "multiclass": lambda w: (*_multiclass_data(10, w), None),
    "multiclass-labels-superset": lambda w: (*_multiclass_data(11, w), [4, 3, 2, 1, 0, 7]),
    "multiclass-labels-subset": lambda w: (*_multiclass_data(12, w), [2, 0, 4]),
    "binary-str": lambda w: (*_random_data(13, n=40, k=2, kind="str", weighted=w), None),
    "multilabel": lambda w: (*_multilabel_data(14, weighted=w), None),
    "multilabel-sparse": lambda w: (*map(_sparse_or_none, _multilabel_data(15, weighted=w)),
                                    None),
    "multilabel-labels": lambda w: (*_multilabel_data(16, weighted=w), [4, 0, 3]),
}


def _sparse_or_none(a):
    """CSR for the 2-D targets, the weights unchanged."""
    import scipy.sparse as sp

    return sp.csr_matrix(a) if a is not None and a.ndim == 2 else a


def _assert_report_matches_sklearn(ours, theirs):
    """Every sklearn key with sklearn's value; only fastlr's harmonic row on top."""
    assert set(ours) - set(theirs) == {"macro avg (harmonic F1)"}
    assert set(theirs) <= set(ours)
    for key, row in theirs.items():
        if key == "accuracy":
            assert ours[key] == pytest.approx(row, rel=0, abs=1e-12)
            continue
        assert set(ours[key]) == set(row), key
        for metric, value in row.items():
            np.testing.assert_allclose(ours[key][metric], value, rtol=0, atol=1e-12,
                                       err_msg=f"{key} / {metric}")


@pytest.mark.parametrize("weighted", [False, True], ids=["unw", "w"])
@pytest.mark.parametrize("zero_division", ZERO_DIVISIONS)
@pytest.mark.parametrize("case", list(REPORT_CASES))
def test_report_dict_equals_sklearn(case, zero_division, weighted):
    y_true, y_pred, w, labels = REPORT_CASES[case](weighted)
    kwargs = dict(labels=labels, sample_weight=w, output_dict=True, zero_division=zero_division)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # zero_division given: no warning
        ours = fm.classification_report(y_true, y_pred, **kwargs)
    theirs = skm.classification_report(y_true, y_pred, **kwargs)
    _assert_report_matches_sklearn(ours, theirs)
    # fastlr's extra row: sklearn's macro precision / recall, their harmonic mean
    harmonic = ours["macro avg (harmonic F1)"]
    assert harmonic["precision"] == ours["macro avg"]["precision"]
    assert harmonic["f1-score"] == pytest.approx(fm.f1_macro_harmonic(
        y_true, y_pred, labels=labels, sample_weight=w, zero_division=zero_division),
        nan_ok=True)


@pytest.mark.parametrize("case", list(REPORT_CASES))
def test_report_dict_warn_equals_sklearn(case):
    """zero_division="warn": sklearn's numbers (0 where undefined) and its warnings."""
    y_true, y_pred, w, labels = REPORT_CASES[case](True)
    with warnings.catch_warnings(record=True) as ours_record:
        warnings.simplefilter("always")
        ours = fm.classification_report(y_true, y_pred, labels=labels, sample_weight=w,
                                        output_dict=True)
    with warnings.catch_warnings(record=True) as sk_record:
        warnings.simplefilter("always")
        theirs = skm.classification_report(y_true, y_pred, labels=labels, sample_weight=w,
                                           output_dict=True)
    assert all(r.category is UndefinedMetricWarning for r in [*ours_record, *sk_record])
    assert bool(ours_record) == bool(sk_record) == (case != "binary-str")
    _assert_report_matches_sklearn(ours, theirs)
    _assert_report_matches_sklearn(
        fm.classification_report(y_true, y_pred, labels=labels, sample_weight=w,
                                 output_dict=True, zero_division=0), theirs)

    def kinds(record):
        return {str(r.message).split(" is ill-defined")[0] for r in record}

    assert kinds(sk_record) <= kinds(ours_record)
    assert all(r.filename == __file__ for r in ours_record)


def test_report_text_rows_match_sklearn_names():
    y_true, y_pred, _ = _multilabel_data(17)
    ours = fm.classification_report(y_true, y_pred, zero_division=0, digits=2)
    theirs = skm.classification_report(y_true, y_pred, zero_division=0, digits=2)

    def rows(text):
        return {line.rsplit(maxsplit=4)[0].strip(): line.split()[-4:]
                for line in text.splitlines()[2:] if line.strip()}

    ours_rows, their_rows = rows(ours), rows(theirs)
    assert set(ours_rows) == {*their_rows, "macro avg (harmonic F1)"}
    for name, numbers in their_rows.items():
        assert [float(x) for x in ours_rows[name]] == [float(x) for x in numbers], name
    lines = [line.strip() for line in ours.splitlines()]
    # class rows first, then the summaries in sklearn's order with fastlr's row after macro
    assert [line.split("  ")[0] for line in lines[2:] if line][5:] == [
        "micro avg", "macro avg", "macro avg (harmonic F1)", "weighted avg", "samples avg"]
    single = fm.classification_report([0, 1, 1], [0, 1, 0], labels=[1])
    assert "micro avg" in single and "accuracy" not in single  # sklearn's rule


AVERAGE_NAMES = ["micro", "macro", "weighted", "samples"]


@pytest.mark.parametrize("weighted", [False, True], ids=["unw", "w"])
@pytest.mark.parametrize("zero_division", ZERO_DIVISIONS)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_multilabel_scores_equal_sklearn(sparse, zero_division, weighted):
    y_true, y_pred, w = _multilabel_data(20, weighted=weighted)
    if sparse:
        y_true, y_pred = _sparse_or_none(y_true), _sparse_or_none(y_pred)
    zd = dict(zero_division=zero_division)

    assert fm.accuracy(y_true, y_pred, sample_weight=w) == pytest.approx(
        skm.accuracy_score(y_true, y_pred, sample_weight=w), abs=1e-12)
    ours = fm.precision_recall_f1(y_true, y_pred, sample_weight=w, **zd)
    theirs = skm.precision_recall_fscore_support(y_true, y_pred, sample_weight=w, **zd)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    for labels in (None, [4, 1, 3]):
        for average in AVERAGE_NAMES:
            ours = fm.precision_recall_f1_average(y_true, y_pred, average=average, labels=labels,
                                                  sample_weight=w, **zd)
            theirs = skm.precision_recall_fscore_support(
                y_true, y_pred, average=average, labels=labels, sample_weight=w, **zd)
            np.testing.assert_allclose(ours[:3], theirs[:3], rtol=0, atol=1e-12,
                                       err_msg=f"{average} {labels}")
        assert fm.f1_macro(y_true, y_pred, labels=labels, sample_weight=w, **zd) == \
            pytest.approx(skm.f1_score(y_true, y_pred, average="macro", labels=labels,
                                       sample_weight=w, **zd), abs=1e-12, nan_ok=True)
        for samplewise in (False, True):
            np.testing.assert_allclose(
                fm.multilabel_confusion_matrix(y_true, y_pred, labels=labels, sample_weight=w,
                                               samplewise=samplewise),
                skm.multilabel_confusion_matrix(y_true, y_pred, labels=labels, sample_weight=w,
                                                samplewise=samplewise), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("zero_division", ZERO_DIVISIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unw", "w"])
def test_multiclass_zero_division_equals_sklearn(zero_division, weighted):
    y_true, y_pred, w = _multiclass_data(21, weighted)
    for labels in (None, [0, 2, 4, 9], [9, 8]):
        kwargs = dict(labels=labels, sample_weight=w, zero_division=zero_division)
        ours = fm.precision_recall_f1(y_true, y_pred, **kwargs)
        theirs = skm.precision_recall_fscore_support(y_true, y_pred, **kwargs)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
        for average in ["micro", "macro", "weighted"]:
            np.testing.assert_allclose(
                fm.precision_recall_f1_average(y_true, y_pred, average=average, **kwargs)[:3],
                skm.precision_recall_fscore_support(y_true, y_pred, average=average,
                                                    **kwargs)[:3],
                rtol=0, atol=1e-12, err_msg=f"{average} {labels}")
        np.testing.assert_allclose(
            fm.multilabel_confusion_matrix(y_true, y_pred, labels=labels, sample_weight=w),
            skm.multilabel_confusion_matrix(y_true, y_pred, labels=labels, sample_weight=w))


def test_f1_functions_warn_like_sklearn():
    """f1_macro warns only about an undefined F-score (as sklearn's f1_score)."""
    y_true, y_pred = [0, 1, 1], [0, 0, 0]  # class 1 never predicted: F is still defined
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fm.f1_macro(y_true, y_pred) == skm.f1_score(y_true, y_pred, average="macro")
    with pytest.warns(UndefinedMetricWarning, match="F-score is ill-defined"):
        fm.f1_macro(y_true, y_pred, labels=[0, 1, 2])
    with pytest.warns(UndefinedMetricWarning, match="Precision is ill-defined"):
        fm.precision_recall_f1_average(y_true, y_pred)
    with pytest.warns(UndefinedMetricWarning, match="in samples with no predicted labels"):
        fm.precision_recall_f1_average([[1, 0], [0, 1]], [[0, 0], [0, 1]], average="samples")


def test_harmonic_macro_f1_zero_division():
    # macro precision = macro recall = 0: the harmonic mean is 0 / 0
    assert fm.f1_macro_harmonic([0, 1], [1, 0], zero_division=1) == 1.0
    assert fm.f1_macro_harmonic([0, 1], [1, 0], zero_division=0) == 0.0
    assert np.isnan(fm.f1_macro_harmonic([0, 1], [1, 0], zero_division=np.nan))
    with pytest.warns(UndefinedMetricWarning, match="Harmonic"):
        assert fm.f1_macro_harmonic([0, 1], [1, 0]) == 0.0
    # nothing defined at all: NaN stays NaN
    assert np.isnan(fm.f1_macro_harmonic([0, 0], [1, 1], labels=[5], zero_division=np.nan))


def test_multilabel_input_errors():
    y = np.array([[1, 0, 1], [0, 1, 0]])
    with pytest.raises(ValueError, match="multilabel_confusion_matrix"):
        fm.confusion_matrix(y, y)
    with pytest.raises(ValueError, match="Mix of multilabel indicator and 1-D"):
        fm.accuracy(y, [0, 1])
    with pytest.raises(ValueError, match="numbers of labels"):
        fm.accuracy(y, y[:, :2])
    with pytest.raises(ValueError, match=r"column indices in \[0, 3\)"):
        fm.precision_recall_f1(y, y, labels=[0, 3])
    with pytest.raises(ValueError, match="integer column indices"):
        fm.precision_recall_f1(y, y, labels=["a"])
    with pytest.raises(ValueError, match="samples"):
        fm.precision_recall_f1_average([0, 1], [0, 1], average="samples")
    with pytest.raises(ValueError, match="samplewise"):
        fm.multilabel_confusion_matrix([0, 1], [0, 1], samplewise=True)
    with pytest.raises(ValueError, match="not a multilabel indicator"):
        fm.accuracy(np.array([[0.5, 1.0]]), np.array([[0.5, 1.0]]))
    for func in (fm.precision_recall_f1, fm.precision_recall_f1_average, fm.f1_macro,
                 fm.f1_macro_harmonic, fm.classification_report):
        with pytest.raises(ValueError, match="zero_division"):
            func([0, 1], [0, 1], zero_division=0.5)


def test_sparse_input_is_not_modified():
    import scipy.sparse as sp

    y_true = sp.csr_matrix(np.array([[1, 0], [0, 1]]))
    y_true.data[0] = 0  # an explicit zero
    y_pred = sp.coo_matrix(np.array([[1, 0], [1, 1]]))
    before = y_true.data.copy(), y_true.nnz
    assert fm.accuracy(y_true, y_pred) == skm.accuracy_score(y_true.toarray(), y_pred.toarray())
    assert y_true.nnz == before[1] and np.array_equal(y_true.data, before[0])


@ignore_undefined
@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 12).flatmap(lambda n: st.tuples(
        st.lists(st.lists(st.integers(0, 1), min_size=3, max_size=3), min_size=n, max_size=n),
        st.lists(st.lists(st.integers(0, 1), min_size=3, max_size=3), min_size=n, max_size=n),
        st.lists(st.integers(1, 4), min_size=n, max_size=n))),
    st.sampled_from([None, *AVERAGE_NAMES]),
    st.sampled_from([0, 1, np.nan]),
    st.booleans(),
)
def test_property_multilabel_parity_with_sklearn(data, average, zero_division, weighted):
    y_true, y_pred, w = (np.array(a) for a in data)
    w = w if weighted else None
    kwargs = dict(sample_weight=w, zero_division=zero_division)
    theirs = skm.precision_recall_fscore_support(y_true, y_pred, average=average, **kwargs)
    if average is None:
        ours = fm.precision_recall_f1(y_true, y_pred, **kwargs)
    else:
        ours = fm.precision_recall_f1_average(y_true, y_pred, average=average, **kwargs)
    np.testing.assert_allclose(np.asarray(ours[:3], float), np.asarray(theirs[:3], float),
                               rtol=0, atol=1e-12)
    _assert_report_matches_sklearn(
        fm.classification_report(y_true, y_pred, output_dict=True, **kwargs),
        skm.classification_report(y_true, y_pred, output_dict=True, **kwargs))


@ignore_undefined
@settings(max_examples=40, deadline=None)
@given(label_pairs, st.sampled_from([0, 1, np.nan]), st.booleans())
def test_property_report_parity_with_sklearn(data, zero_division, weighted):
    y_true, y_pred, w = data
    w = np.asarray(w, dtype=float) + 0.5 if weighted else None
    kwargs = dict(sample_weight=w, zero_division=zero_division, output_dict=True)
    _assert_report_matches_sklearn(fm.classification_report(y_true, y_pred, **kwargs),
                                   skm.classification_report(y_true, y_pred, **kwargs))
