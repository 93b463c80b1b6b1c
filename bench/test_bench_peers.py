"""Peers users would pick instead, per epoch on the same data, same dtype and threads."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from benchutil import N_CLASSES, mnist, run

THREADS = 2


@pytest.mark.parametrize("batch_size", [1, 32, 256, 60_000])
def test_torch_epoch(benchmark, batch_size):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(THREADS)
    X, y = mnist(np.float32)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    model = torch.nn.Linear(X.shape[1], N_CLASSES)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)

    def epoch():
        perm = torch.randperm(Xt.shape[0], generator=gen)
        for s in range(0, Xt.shape[0], batch_size):
            rows = perm[s:s + batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xt[rows]), yt[rows])
            loss.backward()
            opt.step()

    run(benchmark, epoch, "pytorch", f"softmax epoch bs={batch_size} float32",
        rounds=1 if batch_size == 1 else 3, warmup=0 if batch_size == 1 else 1,
        batch_size=batch_size, kind="epoch", family="softmax", dtype="float32",
        threads=THREADS, rows=X.shape[0], features=X.shape[1], outputs=N_CLASSES)


def test_sklearn_sgd_epoch(benchmark):
    from sklearn.linear_model import SGDClassifier

    X, y = mnist(np.float32)

    def epoch():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            SGDClassifier(loss="log_loss", max_iter=1, tol=None, learning_rate="constant",
                          eta0=0.01, alpha=1e-4, random_state=0).fit(X, y)

    run(benchmark, epoch, "sklearn SGDClassifier (bs=1, one-vs-rest)",
        "softmax epoch bs=1 float32", rounds=1, warmup=0, batch_size=1, kind="epoch",
        family="softmax", dtype="float32", rows=X.shape[0], features=X.shape[1],
        outputs=N_CLASSES)
