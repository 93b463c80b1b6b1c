"""Defaults are the product: every estimator with only ``random_state`` set scores at
least scikit-learn's ``LogisticRegression()`` with its defaults, less half a point of
test accuracy, on raw data of every shape users bring (small versions of the sets
that ``bench/test_bench_sklearn_parity.py`` times at size)."""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
from defaults import DATASETS, compare  # noqa: E402

#: the synthetic sets at a fraction of their benchmark size: the tables at 10% (5,000 to
#: 10,000 rows, so that half a point is more than a couple of test rows), the bags of
#: words at 3% (3,000 documents, 7,864 words: mini-batch training of sparse softmax
#: models still costs O(classes x words) per minibatch)
SCALE = {"bag of words": 0.03}


def scale_of(name):
    return next((s for key, s in SCALE.items() if name.startswith(key)), 0.1)


@pytest.mark.parametrize("dataset", DATASETS, ids=[d[0] for d in DATASETS])
def test_every_estimator_with_defaults_scores_like_sklearn(dataset):
    name, loader = dataset
    rows = compare(name, loader, scale_of(name))
    peer = rows.pop("scikit-learn LogisticRegression()")[0]
    assert rows, "no fastlr estimator took this target"
    for est, (accuracy, _) in rows.items():
        assert accuracy >= peer - 0.005, f"{est}: {accuracy:.4f} vs scikit-learn {peer:.4f}"
