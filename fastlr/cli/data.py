"""Reading DATA files, by extension: CSV, Parquet, NPZ, svmlight/libsvm.

Every reader returns a :class:`Data`: the feature matrix (float, or float32
when an NPZ stores float32; CSR for svmlight), the labels (or ``None`` when
they are not needed and not there), the feature names and the target's name.

- ``.csv``: pandas, header row. The target is the column ``--target``; the
  features are the other columns (training) or the model's saved feature
  columns, selected by name and put in the saved order (predicting; extra
  columns are ignored, a missing one is an error). Feature columns must be
  numeric and complete: fastlr does not encode categories or fill gaps.
- ``.parquet`` / ``.pq``: as CSV, read with pyarrow (which must be installed).
- ``.npz``: arrays ``X`` (n, d) and the labels (``y``, or the array named by
  ``--target``); the features are named ``x0`` .. ``x{d-1}``.
- ``.svm`` / ``.libsvm`` / ``.svmlight``: scikit-learn's svmlight reader; X
  stays sparse (CSR), the label is the first field of each line. Whether the
  feature indices start at 0 or 1 is decided on the training file (1-based
  unless some line uses index 0) and saved with the model, so that a small file
  to predict is read the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import CLIError, names

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".npz": "npz",
           ".svm": "svmlight", ".libsvm": "svmlight", ".svmlight": "svmlight"}

#: the label array of an NPZ file and the target name of svmlight data
DEFAULT_TARGET = "y"


@dataclass
class Data:
    X: object                      # ndarray (n, d) or scipy.sparse CSR
    y: np.ndarray | None           # labels (n,), or None when absent and not needed
    feature_names: list
    target: str | None
    format: str
    #: what the model file must remember to read later files the same way
    reader_options: dict = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]


def data_format(path) -> str:
    """The reader for ``path``'s extension, or a CLIError listing the known ones."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise CLIError(f"unsupported data format {ext or '(no extension)'!r} for {path}: "
                       f"use one of {names(sorted(FORMATS))}")
    return FORMATS[ext]


def read_data(path, *, target=None, features=None, n_features=None, reader_options=None,
              need_target=True) -> Data:
    """Read ``path``.

    target : the label column (CSV, Parquet: required when ``need_target``;
        NPZ: the label array, default ``y``; svmlight: only a name for it).
    features : the feature columns to select, in this order (default: all but
        the target; CSV and Parquet). For NPZ, only their number is checked.
    n_features : the model's number of features (svmlight: pads or rejects).
    reader_options : what :attr:`Data.reader_options` returned for the training file.
    need_target : whether the labels must be there (train, evaluate) or not (predict).
    """
    path = Path(path)
    fmt = data_format(path)
    if not path.is_file():
        raise CLIError(f"no such file: {path}")
    if fmt in ("csv", "parquet"):
        frame = _read_csv(path) if fmt == "csv" else _read_parquet(path)
        return _from_frame(frame, path, fmt, target, features, need_target)
    if fmt == "npz":
        return _read_npz(path, target, features, need_target)
    return _read_svmlight(path, target, n_features, reader_options or {})


# ---------------------------------------------------------------- tables
def _read_csv(path):
    import pandas as pd

    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise CLIError(f"{path} is empty: a CSV file needs a header row and data rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise CLIError(f"cannot read CSV file {path}: {e}") from None


def _read_parquet(path):
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise CLIError("reading Parquet needs pyarrow: pip install pyarrow") from None
    import pandas as pd

    try:
        return pd.read_parquet(path, engine="pyarrow")
    except Exception as e:  # pyarrow raises its own types for a file that is not Parquet
        raise CLIError(f"cannot read Parquet file {path}: {e}") from None


def _from_frame(frame, path, fmt, target, features, need_target) -> Data:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    frame.columns = [str(c) for c in frame.columns]
    columns = list(frame.columns)
    if need_target and target is None:
        raise CLIError(f"--target is required for {fmt.upper()} data: name the label "
                       f"column of {path} (columns: {names(columns)})")
    if target is not None and target not in frame.columns:
        if need_target:
            raise CLIError(f"no target column {target!r} in {path} (columns: {names(columns)})")
        target_present = False
    else:
        target_present = target is not None
    if features is None:
        features = [c for c in columns if c != target]
        if not features:
            raise CLIError(f"{path} has no feature columns besides the target {target!r}")
    else:
        features = [str(f) for f in features]
        missing = [f for f in features if f not in frame.columns]
        if missing:
            raise CLIError(f"missing feature column(s) in {path}: {names(missing)} "
                           f"(the model was trained on {names(features)})")
    if len(frame) == 0:
        raise CLIError(f"{path} has a header but no data rows")
    table = frame[features]
    non_numeric = [c for c in features
                   if not (is_numeric_dtype(table[c]) or is_bool_dtype(table[c]))]
    if non_numeric:
        raise CLIError(f"non-numeric feature column(s) in {path}: {names(non_numeric)}; "
                       "encode them as numbers first (fastlr does not encode categories)")
    gaps = [c for c in features if table[c].isna().any()]
    if gaps:
        raise CLIError(f"missing values in feature column(s) of {path}: {names(gaps)}; "
                       "fill or drop those rows first")
    X = table.to_numpy(dtype=np.float64)
    y = None
    if target_present:
        labels = frame[target]
        if labels.isna().any():
            raise CLIError(f"target column {target!r} of {path} has "
                           f"{int(labels.isna().sum())} missing label(s)")
        y = _labels(labels.to_numpy())
    return Data(X, y, features, target, fmt)


def _labels(y):
    """Labels as a plain array: strings stay strings, whole-number floats become ints."""
    y = np.asarray(y)
    if y.dtype.kind == "O" and all(isinstance(v, str) for v in y.tolist()):
        return y.astype(str)
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        return y.astype(np.int64)
    return y


# ---------------------------------------------------------------- arrays
def _read_npz(path, target, features, need_target) -> Data:
    import zipfile

    target = target or DEFAULT_TARGET
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise CLIError(f"cannot read NPZ file {path}: {e}") from None
    if "X" not in arrays:
        raise CLIError(f"no array 'X' in {path} (arrays: {names(arrays) or 'none'})")
    X = arrays["X"]
    if X.ndim != 2 or X.dtype.kind not in "biuf":
        raise CLIError(f"X in {path} must be a 2-D numeric array, got shape {X.shape} "
                       f"of dtype {X.dtype}")
    if X.dtype != np.float32:
        X = X.astype(np.float64)
    if not np.all(np.isfinite(X)):
        raise CLIError(f"X in {path} has NaN or infinite values")
    d = X.shape[1]
    if features is not None and len(features) != d:
        raise CLIError(f"X in {path} has {d} columns, the model expects {len(features)}")
    y = None
    if target in arrays:
        y = arrays[target]
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1:
            raise CLIError(f"{target} in {path} has shape {y.shape}: the command line takes "
                           "one label per row (multilabel targets: use the Python API)")
        if len(y) != len(X):
            raise CLIError(f"{path}: X has {len(X)} rows but {target} has {len(y)}")
        y = _labels(y)
    elif need_target:
        raise CLIError(f"no label array {target!r} in {path} (arrays: {names(arrays)})")
    return Data(X, y, [f"x{j}" for j in range(d)], target, "npz")


def _read_svmlight(path, target, n_features, options) -> Data:
    import scipy.sparse as sp
    from sklearn.datasets import load_svmlight_file

    try:
        X, y = load_svmlight_file(str(path), zero_based=True)
    except (ValueError, UnicodeDecodeError) as e:
        raise CLIError(f"cannot read svmlight file {path}: {e}") from None
    zero_based = options.get("svmlight_zero_based")
    if zero_based is None:  # decide on this file, as scikit-learn's zero_based="auto"
        zero_based = X.shape[1] == 0 or bool(np.any(X.indices == 0))
    if not zero_based:
        if X.shape[1] > 0 and np.any(X.indices == 0):
            raise CLIError(f"{path} uses feature index 0, but the model was trained on "
                           "1-based svmlight data")
        X = X[:, 1:]
    X = sp.csr_matrix(X, dtype=np.float64)
    if n_features is not None:
        if X.shape[1] > n_features:
            raise CLIError(f"{path} has features up to index {X.shape[1] - 1 + (not zero_based)}"
                           f", but the model has {n_features} features")
        X = sp.csr_matrix((X.data, X.indices, X.indptr), shape=(X.shape[0], n_features))
    if X.shape[0] == 0:
        raise CLIError(f"{path} has no data lines")
    return Data(X, _labels(y), [f"x{j}" for j in range(X.shape[1])],
                target or DEFAULT_TARGET, "svmlight",
                reader_options={"svmlight_zero_based": bool(zero_based)})
