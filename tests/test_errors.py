"""Bad input gets a clear error, and a fitted model survives a failed fit/partial_fit.

Every failing call is checked twice: the exception type and message, and that
a previously fitted model has the same coef_, intercept_, classes_, n_iter_
and loss_curve_ as before the call. The data tests run for each input kind
(NumPy, scipy.sparse CSR, dask arrays): one input pipeline, the same errors.
"""
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_breast_cancer, load_digits, make_multilabel_classification
from sklearn.exceptions import NotFittedError
import scipy.sparse as sp

import fastlr
from fastlr import DivergenceError, LogisticRegression, SigmoidRegression, SoftmaxRegression

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [SigmoidRegression, SoftmaxRegression, LogisticRegression]
KINDS = ["numpy", "csr", "dask"]


def as_kind(kind, X, y=None, sw=None, rows=16):
    """The same data as another input kind.

    "csr": X as a CSR matrix where scipy can hold it (2-D and numeric; other
    X stay as they are); "dask": X, y and sample_weight as dask arrays of
    ``rows``-row chunks (sample_weight only when it is an array).
    """
    if kind == "csr":
        if np.ndim(X) == 2 and np.asarray(X).dtype.kind in "fiub":
            X = sp.csr_matrix(X)
    elif kind == "dask":
        da = pytest.importorskip("dask.array")

        def chunked(a):
            a = np.asarray(a)
            return da.from_array(a, chunks=(rows,) + a.shape[1:]) if a.ndim else a

        X = chunked(X)
        y = None if y is None else chunked(y)
        sw = None if sw is None else chunked(sw)
    return X, y, sw


def computed(result):
    """A lazy (dask) prediction computed; anything else as is."""
    return result.compute() if hasattr(result, "compute") else result


def solver_for(kind):
    """Dask arrays train with the exact solvers."""
    return {"solver": "lbfgs"} if kind == "dask" else {}


# --------------------------------------------------------------------- data
def _binary(n=40, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def _multiclass(n=60, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.arange(n) % 3
    X[:, 0] += y
    return X, y


def _multilabel():
    return make_multilabel_classification(n_samples=60, n_features=4, n_classes=3,
                                          random_state=0)


def _fitted(Est, kind="numpy"):
    X, y = _multiclass() if Est is SoftmaxRegression else _binary()
    return Est(random_state=0, max_iter=5, **solver_for(kind)).fit(X, y), X, y


def _snapshot(est):
    state = {}
    for name in ("coef_", "intercept_", "classes_", "n_iter_", "loss_curve_",
                 "n_features_in_"):
        if hasattr(est, name):
            state[name] = pickle.loads(pickle.dumps(getattr(est, name)))
    return state


def _assert_unchanged(est, state):
    for name, value in state.items():
        assert hasattr(est, name), f"{name} was removed by a failed call"
        now = getattr(est, name)
        if isinstance(value, np.ndarray):
            assert_array_equal(now, value, err_msg=name)
            assert now.dtype == value.dtype, name
        else:
            assert now == value, name
    assert np.all(np.isfinite(est.coef_))
    assert np.all(np.isfinite(est.intercept_))


# ------------------------------------------------------------- bad fit data
def _nan_X(X, y):
    X = X.copy()
    X[3, 1] = np.nan
    return X, y, None


def _inf_X(X, y):
    X = X.copy()
    X[3, 1] = np.inf
    return X, y, None


def _neg_inf_X(X, y):
    X = X.copy()
    X[0, 0] = -np.inf
    return X, y, None


def _nan_sw(X, y):
    sw = np.ones(len(y))
    sw[2] = np.nan
    return X, y, sw


def _inf_sw(X, y):
    sw = np.ones(len(y))
    sw[2] = np.inf
    return X, y, sw


def _neg_sw(X, y):
    sw = np.ones(len(y))
    sw[2] = -0.5
    return X, y, sw


def _zero_sw(X, y):
    return X, y, np.zeros(len(y))


def _X_1d(X, y):
    return X[:, 0], y, None


def _X_3d(X, y):
    return X[:, :, None], y, None


def _short_y(X, y):
    return X, y[:-1], None


def _short_sw(X, y):
    return X, y, np.ones(len(y) - 1)


def _sw_2d(X, y):
    return X, y, np.ones((len(y), 2))


def _empty(X, y):
    return X[:0], y[:0], None


def _no_features(X, y):
    return X[:, :0], y, None


def _strings_X(X, y):
    return np.array([["a", "b", "c"]] * len(y)), y, None


def _object_strings_X(X, y):
    Xo = X.astype(object)
    Xo[0, 0] = "seven"
    return Xo, y, None


def _continuous_y(X, y):
    return X, X[:, 0] + 0.123, None


BAD_DATA = [
    # (builder, expected exception, message pattern)
    (_nan_X, ValueError, "NaN"),
    (_inf_X, ValueError, "infinity"),
    (_neg_inf_X, ValueError, "infinity"),
    (_nan_sw, ValueError, "sample_weight.*(NaN|nan|finite)"),
    (_inf_sw, ValueError, "sample_weight.*(inf|finite)"),
    (_neg_sw, ValueError, "sample_weight.*negative|negative.*weight"),
    (_zero_sw, ValueError, "sum to zero|zero"),
    (_X_1d, ValueError, "Expected 2D array"),
    (_X_3d, ValueError, "dim 3"),
    (_short_y, ValueError, "inconsistent numbers of samples"),
    (_short_sw, ValueError, "sample_weight"),
    (_sw_2d, ValueError, "sample_weight"),
    (_empty, ValueError, "0 sample"),
    (_no_features, ValueError, "0 feature"),
    (_strings_X, ValueError, "convert"),
    (_object_strings_X, ValueError, "convert"),
    (_continuous_y, ValueError, "Unknown label type"),
]
BAD_IDS = [case[0].__name__.lstrip("_") for case in BAD_DATA]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("make_bad,exc,match", BAD_DATA, ids=BAD_IDS)
def test_bad_data_in_fit(Est, make_bad, exc, match, kind):
    est, X, y = _fitted(Est, kind)
    state = _snapshot(est)
    Xb, yb, sw = as_kind(kind, *make_bad(X, y))
    with pytest.raises(exc, match=match):
        est.fit(Xb, yb, sample_weight=sw)
    _assert_unchanged(est, state)
    # and on an unfitted model: it stays unfitted
    fresh = Est(random_state=0, max_iter=5, **solver_for(kind))
    with pytest.raises(exc, match=match):
        fresh.fit(Xb, yb, sample_weight=sw)
    with pytest.raises(NotFittedError):
        fresh.predict(X)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("make_bad,exc,match", BAD_DATA, ids=BAD_IDS)
def test_bad_data_in_partial_fit(Est, make_bad, exc, match, kind):
    est, X, y = _fitted(Est)
    state = _snapshot(est)
    Xb, yb, sw = as_kind(kind, *make_bad(X, y))
    with pytest.raises(exc, match=match):
        est.partial_fit(Xb, yb, sample_weight=sw)
    _assert_unchanged(est, state)
    # the first call to partial_fit validates just as well
    fresh = Est(random_state=0)
    with pytest.raises(exc, match=match):
        fresh.partial_fit(Xb, yb, classes=np.unique(y), sample_weight=sw)
    assert not hasattr(fresh, "coef_")


# ----------------------------------------------------------- single class
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_single_class_in_fit(Est, kind):
    est, X, y = _fitted(Est, kind)
    state = _snapshot(est)
    with pytest.raises(ValueError, match="one class"):
        est.fit(*as_kind(kind, X, np.zeros(len(y), dtype=int))[:2])
    _assert_unchanged(est, state)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_all_weight_on_one_class(Est, kind):
    est, X, y = _fitted(Est, kind)
    state = _snapshot(est)
    Xk, yk, sw = as_kind(kind, X, y, (y == y[0]).astype(float))
    with pytest.raises(ValueError, match="one class"):
        est.fit(Xk, yk, sample_weight=sw)
    _assert_unchanged(est, state)


def test_class_weight_zero_for_all_but_one_class():
    X, y = _binary()
    with pytest.raises(ValueError, match="one class"):
        SigmoidRegression(class_weight={0: 0.0, 1: 1.0}).fit(X, y)


@pytest.mark.parametrize("Est", [SigmoidRegression, LogisticRegression])
def test_single_class_message_names_the_class(Est):
    """The message must name the label the user passed, not an internal code."""
    X, _ = _binary()
    with pytest.raises(ValueError, match="one class") as info:
        Est().fit(X, np.array(["spam"] * len(X)))
    assert "spam" in str(info.value)
    y = np.where(_binary()[1] == 1, "ham", "eggs")
    with pytest.raises(ValueError, match="one class") as info:
        Est().fit(X, y, sample_weight=(y == "ham").astype(float))
    assert "ham" in str(info.value)


# ----------------------------------------------------------- partial_fit
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_first_call_needs_classes(Est):
    X, y = _multiclass() if Est is SoftmaxRegression else _binary()
    est = Est(random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        est.partial_fit(X, y)
    assert not hasattr(est, "coef_")
    with pytest.raises(NotFittedError):
        est.predict(X)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_first_call_classes_too_few(Est):
    X, y = _binary()
    with pytest.raises(ValueError, match="at least 2 classes"):
        Est(random_state=0).partial_fit(X, np.zeros(len(y), int), classes=[0])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_first_call_label_outside_classes(Est):
    X, y = _binary()
    with pytest.raises(ValueError, match="not in classes"):
        Est(random_state=0).partial_fit(X, np.where(y == 1, 5, 0), classes=[0, 1])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_new_label(Est, kind):
    est, X, y = _fitted(Est)
    state = _snapshot(est)
    new = y.copy()
    new[-4:] = 17  # in the last chunk of a dask stream: earlier chunks train first
    with pytest.raises(ValueError, match="not in classes"):
        est.partial_fit(*as_kind(kind, X, new)[:2])
    _assert_unchanged(est, state)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_classes_differ(Est):
    est, X, y = _fitted(Est)
    state = _snapshot(est)
    with pytest.raises(ValueError, match="differs"):
        est.partial_fit(X, y, classes=list(np.unique(y)) + [99])
    _assert_unchanged(est, state)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_wrong_feature_count(Est, kind):
    est, X, y = _fitted(Est)
    state = _snapshot(est)
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(*as_kind(kind, X[:, :2], y)[:2])
    _assert_unchanged(est, state)


def test_partial_fit_multiclass_to_binary_only_model():
    X, y = _multiclass()
    with pytest.raises(ValueError, match="binary"):
        SigmoidRegression(random_state=0).partial_fit(X, y, classes=[0, 1, 2])


# ---------------------------------------- partial_fit with a mismatched target
def _mismatch_case(case):
    X, Y = _multilabel()
    y3 = np.arange(len(X)) % 3
    if case == "multilabel_fewer_labels":
        est, bad = SigmoidRegression(random_state=0, max_iter=3).fit(X, Y), Y[:, :2]
    elif case == "multilabel_then_1d":
        est, bad = SigmoidRegression(random_state=0, max_iter=3).fit(X, Y), Y[:, 0]
    elif case == "multilabel_more_labels":
        est, bad = SigmoidRegression(random_state=0, max_iter=3).fit(X, Y), np.c_[Y, Y[:, :1]]
    elif case == "binary_then_multilabel":
        est, bad = SigmoidRegression(random_state=0, max_iter=3).fit(X, Y[:, 0]), Y
    elif case == "softmax_then_multilabel":
        est, bad = SoftmaxRegression(random_state=0, max_iter=3).fit(X, y3), Y
    elif case == "logistic_multiclass_then_multilabel":
        est, bad = LogisticRegression(random_state=0, max_iter=3).fit(X, y3), Y
    else:  # pragma: no cover
        raise AssertionError(case)
    return est, X, bad


# Cases where the affected versions write out of bounds in the kernels (the
# weights have more rows than the work buffers) and the interpreter may die
# with a segfault: they run in a child process so a crash fails one test
# instead of killing the whole session.
_CHILD = textwrap.dedent("""
    import sys, warnings
    warnings.simplefilter("ignore")
    sys.path.insert(0, sys.argv[2])
    import numpy as np
    from test_errors import _mismatch_case
    est, X, bad = _mismatch_case(sys.argv[1])
    coef = est.coef_.copy()
    try:
        est.partial_fit(X, bad)
    except ValueError as e:
        same = np.array_equal(coef, est.coef_)
        print("RAISED", type(e).__module__, type(e).__name__, "unchanged" if same else "CHANGED")
        print(str(e).replace(chr(10), " ")[:300])
    else:
        print("NOERROR", est.coef_.shape)
""")


@pytest.mark.parametrize("case", ["multilabel_fewer_labels", "multilabel_then_1d"])
def test_partial_fit_label_count_must_match_first_call(case):
    import os

    proc = subprocess.run([sys.executable, "-c", _CHILD, case, os.path.dirname(__file__)],
                          capture_output=True, text=True, timeout=120,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert proc.returncode == 0, (f"child process died with code {proc.returncode} "
                                  f"(out-of-bounds access?): {proc.stderr[-300:]}")
    lines = proc.stdout.strip().splitlines()
    assert lines and lines[0].startswith("RAISED"), lines
    assert "DivergenceError" not in lines[0], lines  # must be rejected, not trained
    assert lines[0].endswith("unchanged"), lines
    assert "label" in lines[1].lower() or "target" in lines[1].lower(), lines


@pytest.mark.parametrize("case", ["multilabel_more_labels", "binary_then_multilabel",
                                  "softmax_then_multilabel",
                                  "logistic_multiclass_then_multilabel"])
def test_partial_fit_target_type_must_match_first_call(case):
    est, X, bad = _mismatch_case(case)
    state = _snapshot(est)
    with pytest.raises(ValueError, match="(?i)label|target|multilabel") as info:
        est.partial_fit(X, bad)
    assert not isinstance(info.value, DivergenceError)
    assert "nopython" not in str(info.value)  # not a Numba typing error
    _assert_unchanged(est, state)


# ------------------------------------------------------ predict-time errors
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba",
                                    "decision_function"])
def test_wrong_feature_count_at_predict(Est, method, kind):
    est, X, y = _fitted(Est)
    with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 3"):
        computed(getattr(est, method)(as_kind(kind, X[:, :2])[0]))
    with pytest.raises(ValueError, match="X has 4 features"):
        computed(getattr(est, method)(as_kind(kind, np.c_[X, X[:, 0]])[0]))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_wrong_feature_count_in_score(Est):
    est, X, y = _fitted(Est)
    with pytest.raises(ValueError, match="features"):
        est.score(X[:, :2], y)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_nan_at_predict(Est, kind):
    est, X, y = _fitted(Est)
    Xb = X.copy()
    Xb[-1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):  # lazily for dask: when computed
        computed(est.predict_proba(as_kind(kind, Xb)[0]))


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba",
                                    "decision_function", "score"])
def test_not_fitted(Est, method):
    X, y = _binary()
    args = (X, y) if method == "score" else (X,)
    with pytest.raises(NotFittedError, match="not fitted"):
        getattr(Est(), method)(*args)


def test_feature_names_mismatch_at_predict():
    pd = pytest.importorskip("pandas")
    X, y = _binary()
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    est = SigmoidRegression(random_state=0, max_iter=3).fit(df, y)
    with pytest.raises(ValueError, match="feature names"):
        est.predict(df.rename(columns={"a": "z"}))


# -------------------------------------------------------------- parameters
BAD_PARAMS = [
    ({"alpha": -1.0}, "alpha"),
    ({"alpha": -1e-12}, "alpha"),
    ({"penalty": "elasticnet", "l1_ratio": -0.1}, "l1_ratio"),
    ({"penalty": "elasticnet", "l1_ratio": 1.5}, "l1_ratio"),
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": -3}, "batch_size"),
    ({"penalty": "l3"}, "penalty"),
    ({"penalty": "none"}, "penalty"),
    ({"solver": "sag"}, "solver"),
    ({"learning_rate": -0.1}, "learning_rate"),
    ({"learning_rate": 0.0}, "learning_rate"),
    ({"learning_rate": "optimal-ish"}, "learning_rate"),
    ({"eta0": 0.0}, "eta0"),
    ({"max_iter": 0}, "max_iter"),
    ({"tol": -1.0}, "tol"),
    ({"n_iter_no_change": 0}, "n_iter_no_change"),
    ({"class_weight": "auto"}, "class_weight"),
    ({"threshold": 1.5}, "threshold"),
    ({"threshold": 0.0}, "threshold"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
]
PARAM_IDS = ["-".join(f"{k}={v}" for k, v in p.items()) for p, _ in BAD_PARAMS]
#: LogisticRegression speaks scikit-learn's language (C, l1_ratio; sag is a solver name)
LR_BAD_PARAMS = [
    ({"C": 0.0}, "C"),
    ({"C": -1.0}, "C"),
    ({"l1_ratio": -0.1}, "l1_ratio"),
    ({"l1_ratio": 1.5}, "l1_ratio"),
    ({"penalty": "l3"}, "penalty"),
    ({"solver": "sgd"}, "solver"),
    ({"tol": -1.0}, "tol"),
    ({"tol": None}, "tol"),
    ({"max_iter": 0}, "max_iter"),
    ({"batch_size": 0}, "batch_size"),
    ({"learning_rate": "optimal-ish"}, "learning_rate"),
    ({"class_weight": "auto"}, "class_weight"),
    ({"threshold": 1.5}, "threshold"),
    ({"intercept_scaling": 0.0}, "intercept_scaling"),
]
ALL_BAD_PARAMS = ([(Est, p, n) for Est in (SigmoidRegression, SoftmaxRegression)
                   for p, n in BAD_PARAMS]
                  + [(LogisticRegression, p, n) for p, n in LR_BAD_PARAMS])


@pytest.mark.parametrize("Est,params,name", ALL_BAD_PARAMS,
                         ids=[f"{E.__name__}-" + "-".join(f"{k}={v}" for k, v in p.items())
                              for E, p, _ in ALL_BAD_PARAMS])
def test_bad_params_in_fit(Est, params, name):
    est, X, y = _fitted(Est)
    state = _snapshot(est)
    est.set_params(**params)
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        est.fit(X, y)
    _assert_unchanged(est, state)
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        Est(**params).partial_fit(X, y, classes=np.unique(y))


LATER_BAD_PARAMS = [BAD_PARAMS[i] for i in (0, 2, 4, 6, 9, 17)]


@pytest.mark.parametrize("params,name", LATER_BAD_PARAMS,
                         ids=[PARAM_IDS[i] for i in (0, 2, 4, 6, 9, 17)])
def test_bad_params_in_later_partial_fit(params, name):
    """Parameters are checked on every partial_fit call, not only the first."""
    est, X, y = _fitted(SigmoidRegression)
    state = _snapshot(est)
    est.set_params(**params)
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        est.partial_fit(X, y)
    _assert_unchanged(est, state)


# -------------------------------------------------------- target mismatch
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("Est", [SigmoidRegression, LogisticRegression, SoftmaxRegression])
def test_continuous_target(Est, kind):
    est, X, y = _fitted(Est, kind)
    state = _snapshot(est)
    with pytest.raises(ValueError, match="Unknown label type"):
        est.fit(*as_kind(kind, X, np.linspace(0, 1, len(y)))[:2])
    _assert_unchanged(est, state)


def test_multioutput_multiclass_target():
    X, _ = _multiclass()
    Y = np.c_[np.arange(len(X)) % 3, np.arange(len(X)) % 4]
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(X, Y)


def test_multiclass_to_sigmoid():
    est, X, y = _fitted(SigmoidRegression)
    state = _snapshot(est)
    Xm, ym = _multiclass()
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        est.fit(Xm, ym)
    _assert_unchanged(est, state)


def test_multilabel_to_softmax():
    est, X, y = _fitted(SoftmaxRegression)
    state = _snapshot(est)
    Xm, Ym = _multilabel()
    Xm = Xm[:, :3]
    with pytest.raises(ValueError, match="multilabel"):
        est.fit(Xm, Ym)
    _assert_unchanged(est, state)
    with pytest.raises(ValueError, match="multilabel"):
        SoftmaxRegression().partial_fit(Xm, Ym)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bad", [2, -1])
def test_multilabel_not_indicator(kind, bad):
    X, Y = _multilabel()
    Y = Y.copy()
    Y[-1, 0] = bad
    with pytest.raises(ValueError, match="Unknown label type|0/1 indicator"):
        SigmoidRegression(**solver_for(kind)).fit(*as_kind(kind, X, Y)[:2])


@pytest.mark.parametrize("kind", KINDS)
def test_class_weight_with_multilabel(kind):
    X, Y = _multilabel()
    with pytest.raises(ValueError, match="class_weight"):
        SigmoidRegression(class_weight="balanced", **solver_for(kind)).fit(
            *as_kind(kind, X, Y)[:2])


# ------------------------------------------------------------- divergence
@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


@pytest.mark.parametrize("standardize", [True, False])
def test_divergence_error(cancer, standardize):
    X, y = cancer
    est = SigmoidRegression(random_state=0, max_iter=5, standardize=standardize).fit(X, y)
    state = _snapshot(est)
    est.set_params(learning_rate=1e12)
    with pytest.raises(DivergenceError, match="smaller learning_rate") as info:
        est.fit(X, y)
    assert isinstance(info.value, FloatingPointError)
    assert isinstance(info.value, ValueError)
    assert fastlr.DivergenceError is DivergenceError
    _assert_unchanged(est, state)
    # the model is still usable for another fit
    est.set_params(learning_rate=0.05).fit(X, y)
    assert np.all(np.isfinite(est.coef_))


def test_divergence_is_caught_as_floating_point_and_value_error(cancer):
    X, y = cancer
    with pytest.raises(FloatingPointError, match="learning_rate"):
        SigmoidRegression(learning_rate=1e12, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="learning_rate"):
        SigmoidRegression(learning_rate=1e12, random_state=0).fit(X, y)


def test_divergence_softmax():
    X, y = load_digits(return_X_y=True)
    est = SoftmaxRegression(random_state=0, max_iter=3).fit(X, y)
    state = _snapshot(est)
    est.set_params(learning_rate=1e9)
    with pytest.raises(DivergenceError, match="smaller learning_rate"):
        est.fit(X, y)
    _assert_unchanged(est, state)
    fresh = SoftmaxRegression(random_state=0, max_iter=3, learning_rate=1e9)
    with pytest.raises(DivergenceError):
        fresh.fit(X, y)
    with pytest.raises(NotFittedError):
        fresh.predict(X)


def test_divergence_with_warm_start(cancer):
    X, y = cancer
    est = SigmoidRegression(random_state=0, max_iter=5, warm_start=True).fit(X, y)
    state = _snapshot(est)
    est.set_params(learning_rate=1e12)
    with pytest.raises(DivergenceError):
        est.fit(X, y)
    _assert_unchanged(est, state)


def test_divergence_in_partial_fit(cancer):
    X, y = cancer
    est = SigmoidRegression(random_state=0, max_iter=5).fit(X, y)
    state = _snapshot(est)
    est.set_params(learning_rate=1e15)
    with pytest.raises(DivergenceError, match="smaller learning_rate"):
        est.partial_fit(X, y)
    _assert_unchanged(est, state)


def test_failed_partial_fit_leaves_no_hidden_state(cancer):
    """After a failed partial_fit the model continues exactly as if it never happened."""
    X, y = cancer
    est = SigmoidRegression(random_state=0, max_iter=5).fit(X, y)
    twin = pickle.loads(pickle.dumps(est))
    est.set_params(learning_rate=1e15)
    with pytest.raises(DivergenceError):
        est.partial_fit(X, y)
    est.set_params(learning_rate=twin.learning_rate)
    est.partial_fit(X, y)
    twin.partial_fit(X, y)
    assert_array_equal(est.coef_, twin.coef_)
    assert_array_equal(est.intercept_, twin.intercept_)
    assert est.n_iter_ == twin.n_iter_
