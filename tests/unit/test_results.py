"""The lesson results recorder: plain JSON, atomic, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import fusionlab as fl


def test_results_round_trip_tables_and_scalars(tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONLAB_BUILD", str(tmp_path))
    table = pd.DataFrame({"accuracy": [0.91, np.nan]}, index=["early", "late"])
    path = fl.results.save_results("05_demo", {"table": table, "seeds": np.arange(2), "bayes": np.float32(0.5)},
                                   profile="smoke")
    assert path == tmp_path / "results" / "smoke" / "05_demo.results.json"
    stored = fl.results.load_results(path)
    assert stored["table"]["early"]["accuracy"] == pytest.approx(0.91)
    assert stored["table"]["late"]["accuracy"] == "nan"  # JSON has no NaN: kept readable, not dropped
    assert stored["seeds"] == [0, 1] and stored["bayes"] == 0.5
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")], "no temporary file left behind"
    json.loads(path.read_text())  # strict JSON


def test_results_reject_bad_input(tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONLAB_BUILD", str(tmp_path))
    with pytest.raises(ValueError, match="bare name"):
        fl.results.save_results("a/b", {"x": 1}, profile="smoke")
    with pytest.raises(ValueError, match="non-empty mapping"):
        fl.results.save_results("05_demo", {}, profile="smoke")
    with pytest.raises(TypeError, match=r"results\['model'\]: cannot store a object"):
        fl.results.save_results("05_demo", {"model": object()}, profile="smoke")
    assert not (tmp_path / "results" / "smoke" / "05_demo.results.json").exists()


def test_savefig_outside_a_kernel_writes_without_showing(tmp_path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1])
    path = fl.viz.savefig(fig, "demo", directory=tmp_path)
    assert path.is_file() and path.stat().st_size > 0
    assert plt.fignum_exists(fig.number), "outside a kernel the figure is left open for the caller"
    plt.close(fig)
