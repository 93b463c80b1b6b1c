"""The scripts that draw the documentation's figures run (on a small problem)."""
import importlib.util
import pathlib

import numpy as np
import pytest

pytest.importorskip("matplotlib")

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load_script(name):
    path = ROOT / "docs" / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"docs_scripts_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loss_curves_script(tmp_path, capsys):
    out = tmp_path / "loss_curves.png"
    panels = load_script("loss_curves").main(["--small", "--out", str(out)])
    assert out.exists() and out.stat().st_size > 10_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "wrote" in capsys.readouterr().out
    assert len(panels) == 2
    for title, (curves, best) in panels.items():
        expected = {"MBGD", "FISTA"} if "L1" in title else {"MBGD", "L-BFGS", "FISTA"}
        assert set(curves) == expected
        for name, c in curves.items():
            gap = c["objective"] - best
            assert np.all(np.isfinite(gap)) and np.all(gap >= 0), (title, name)
            # decreasing overall: well below where it started
            assert gap[-1] < 0.5 * gap[0], (title, name, gap[0], gap[-1])
            if name != "MBGD":  # the exact solvers get close to the optimum
                assert gap[-1] < 1e-2 * gap[0], (title, name, gap[0], gap[-1])
                assert np.all(np.diff(c["x"]) == 1)
