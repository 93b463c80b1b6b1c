"""Model files: a fitted estimator saved with joblib, with what it needs to read new data.

The file holds one dict: the format marker, the estimator, the feature column
names (in the order the model takes them), the target column's name, the data
format it was trained on and that reader's options, the fastlr version and
the training time. A model file is a pickle: load only files you trust.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CLIError

FORMAT = "fastlr-cli-model"
FORMAT_VERSION = 1


@dataclass
class ModelFile:
    estimator: object
    feature_names: list
    target: str
    data_format: str
    reader_options: dict = field(default_factory=dict)
    fastlr_version: str = ""

    @property
    def n_features(self) -> int:
        return len(self.feature_names)


def save_model(path, model: ModelFile) -> None:
    import datetime

    import joblib

    from .. import __version__

    record = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "fastlr_version": __version__,
        "saved_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "estimator": model.estimator,
        "feature_names": list(model.feature_names),
        "target": model.target,
        "data_format": model.data_format,
        "reader_options": dict(model.reader_options),
    }
    try:
        joblib.dump(record, path)
    except OSError as e:
        raise CLIError(f"cannot write model file {path}: {e.strerror or e}") from None


def load_model(path) -> ModelFile:
    """Read a model file; anything that is not one is a CLIError naming the file."""
    import joblib

    from .. import __version__

    path = Path(path)
    if not path.is_file():
        raise CLIError(f"no such model file: {path}")
    try:
        record = joblib.load(path)
    except Exception as e:  # unpickling garbage raises anything from KeyError to EOFError
        raise CLIError(f"{path} is not a fastlr model file (cannot load it: "
                       f"{type(e).__name__})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise CLIError(f"{path} is not a fastlr model file (no {FORMAT!r} marker; "
                       "model files are written by 'fastlr train')")
    if record.get("format_version", 0) > FORMAT_VERSION:
        raise CLIError(f"{path} was written by a newer fastlr ({record.get('fastlr_version')}, "
                       f"model file format {record['format_version']}); this fastlr "
                       f"{__version__} reads format {FORMAT_VERSION}: upgrade fastlr")
    version = record.get("fastlr_version", "")
    if version != __version__:
        print(f"fastlr: warning: {path} was saved by fastlr {version}, this is "
              f"fastlr {__version__}", file=sys.stderr)
    return ModelFile(estimator=record["estimator"], feature_names=record["feature_names"],
                     target=record["target"], data_format=record["data_format"],
                     reader_options=record.get("reader_options", {}),
                     fastlr_version=version)


def read_for(model: ModelFile, path, *, target=None, need_target=False):
    """Read ``path`` the way ``model`` was trained: its feature columns in its order.

    ``target`` defaults to the model's target column. The svmlight reader gets
    the training file's index base when the model was trained on svmlight data.
    """
    from .data import read_data

    options = model.reader_options if model.data_format == "svmlight" else {}
    return read_data(path, target=target or model.target, features=model.feature_names,
                     n_features=model.n_features, reader_options=options,
                     need_target=need_target)
