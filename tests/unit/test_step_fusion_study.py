"""The Step Fusion study behind notebook 09: modalities, the NLinear normalisation, an end-to-end ETT run, tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from fusionlab.data.ett import ETT_COLUMNS, make_ett_windows
from fusionlab.studies.step_fusion import study as qin
from fusionlab.studies.step_fusion import tables as qin_tables
from fusionlab.studies.step_fusion.forecast_baselines import relative_to_last


def synthetic_ett(n_rows: int = 14400, seed: int = 0) -> pd.DataFrame:
    """An ETT-format frame: a daily cycle plus a slow random walk in every series, OT following the loads."""
    rng = np.random.default_rng(seed)
    hours = np.arange(n_rows)
    loads = [np.sin(2 * np.pi * hours / 24 + k) + np.cumsum(rng.normal(0, 0.05, n_rows)) for k in range(6)]
    ot = 0.5 * loads[0] + 0.3 * loads[2] + np.cumsum(rng.normal(0, 0.05, n_rows))
    frame = pd.DataFrame(dict(zip(ETT_COLUMNS[1:], [*loads, ot])))
    frame.insert(0, "date", pd.date_range("2016-07-01", periods=n_rows, freq="h"))
    return frame


def test_beat_modalities_shapes_and_training_scale():
    settings = qin.QinSettings()
    rng = np.random.default_rng(0)
    train, test = rng.normal(0, 0.3, (40, 90)), rng.normal(0, 0.3, (10, 90))
    views, scale = qin.beat_modalities(train, settings)
    assert views["series"].shape == (40, 18, 5) and views["image"].shape == (40, 1, 32, 90)
    assert views["series"].dtype == np.float32 and views["image"].dtype == np.float32
    assert abs(views["series"].mean()) < 1e-5 and views["series"].std() == pytest.approx(1, abs=1e-4)
    test_views, test_scale = qin.beat_modalities(test, settings, scale)
    assert test_scale == scale  # the test beats reuse the training statistics
    np.testing.assert_allclose(test_views["series"].reshape(10, 90) * scale[1] + scale[0],
                               test - np.median(test, axis=1, keepdims=True), atol=1e-5)
    specs = qin.beat_specs(views)
    assert specs["series"].shape == (18, 5) and specs["image"].kind == "image"
    with pytest.raises(ValueError, match="series_step must divide the beat length 90"):
        qin.beat_modalities(train, dataclasses.replace(settings, series_step=7))


def test_relative_to_last_is_nlinear_normalisation():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 8, 3)), rng.normal(size=5)
    x_rel, y_rel, last = relative_to_last(x, 2, y)
    assert np.all(x_rel[:, -1] == 0)
    np.testing.assert_allclose(last, x[:, -1, 2])
    np.testing.assert_allclose(y_rel + last, y, atol=1e-6)
    np.testing.assert_allclose(x_rel - x, -x[:, -1:, :] * np.ones_like(x), atol=1e-6)
    with pytest.raises(ValueError, match="y must have shape"):
        relative_to_last(x, 2, y[:3])


def test_ett_modalities_relative_targets_add_back_and_images_ignore_levels():
    frame = synthetic_ett()
    windows = make_ett_windows(frame, window=48, split="test", stride=240)
    settings = qin.QinSettings(window=48, image_size=12)
    data, offset = qin.ett_modalities(windows, settings)
    plain, zero = qin.ett_modalities(windows, dataclasses.replace(settings, relative=False))
    assert data.task == "regression" and data.inputs["image"].shape == (len(windows), 7, 12, 12)
    np.testing.assert_allclose(data.labels.numpy() + offset, windows.y, atol=1e-5)
    assert np.all(zero == 0) and np.allclose(plain.labels.numpy(), windows.y)
    # GAF rescales each window, so removing the last values does not change the image.
    np.testing.assert_allclose(data.inputs["image"].numpy(), plain.inputs["image"].numpy())


def test_run_ett_end_to_end_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONLAB_BUILD", str(tmp_path / "build"))
    synthetic_ett().assign(date=lambda f: f["date"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(
        tmp_path / "ETTh1.csv", index=False)
    settings = qin.QinSettings(variants=("SF", "Series only"), d_model=16, resnet_depth=2, resnet_width=4,
                               lstm_layers=1, num_epochs=2, window=48, image_size=12, train_stride=48)
    result = qin.run_ett(tmp_path, "ETTh1", settings, device="cpu", log=lambda *a: None)
    assert set(result["predictions"]) == {*qin.ETT_BASELINES, "SF", "Series only"}
    assert len(result["y_true"]) == 2880 and all(len(p) == 2880 for p in result["predictions"].values())
    mae = {k: np.mean(np.abs(p - result["y_true"])) for k, p in result["predictions"].items()}
    assert mae["last value"] < mae["train mean"]
    # Relative targets: even barely trained models forecast around the last value, far from the mean's error.
    assert mae["SF"] < mae["train mean"] / 2 and mae["Series only"] < mae["train mean"] / 2
    again = qin.run_ett(tmp_path, "ETTh1", settings, device="cpu", log=lambda *a: None)  # read from the cache
    np.testing.assert_array_equal(again["predictions"]["SF"], result["predictions"]["SF"])
    table = qin_tables.ett_table([result], n_boot=100)
    assert table.loc[("ETTh1", "SF"), "mae_paper"] == 0.058 and np.isnan(table.loc[("ETTh1", "last value"), "mae_paper"])


def test_mitdb_table_and_settings():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 4, 400)
    result = {"y_true": y, "records": np.repeat([f"r{k}" for k in range(8)], 50), "protocol": "record-cv",
              "predictions": {"SF": np.where(rng.random(400) < 0.8, y, 0), "Image only": rng.integers(0, 4, 400)},
              "parameters": {"SF": 10, "Image only": 5}}
    table = qin_tables.mitdb_table(result, n_boot=100)
    assert list(table.index) == ["majority class", "SF", "Image only"]
    assert table.loc["SF", "accuracy_paper"] == 0.989 and table.loc["Image only", "f1_paper"] == 0.479
    assert table.loc["SF", "accuracy"] > table.loc["Image only", "accuracy"]
    tests = qin_tables.mitdb_comparisons(result, [("SF", "Image only")], n_boot=100)
    assert (tests["unit"] == "record").all() and tests.loc[0, "estimate"] > 0
    with pytest.raises(ValueError, match="unknown variants"):
        qin.QinSettings(variants=("SF", "Transformer"))
    for profile in ("smoke", "standard", "full"):
        assert set(qin.study_settings(profile).variants) == set(qin.VARIANTS)
