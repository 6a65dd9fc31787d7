"""ETT-small: the real files, Informer splits, train-only scaling, window/target alignment, baselines, bad CSVs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fusionlab.data import DataFormatError, MissingChannelError
from fusionlab.data.ett import (
    ETT_COLUMNS,
    ETT_FEATURES,
    ETT_SPLITS,
    EttScaler,
    ett_path,
    ett_splits,
    load_ett,
    make_ett_windows,
)
from fusionlab.studies.step_fusion.forecast_baselines import (
    fit_linear_forecaster,
    flatten_windows,
    last_value_forecast,
    mean_forecast,
    regression_metrics,
)


@pytest.fixture(scope="module")
def etth1(shared_data):
    return load_ett(ett_path(shared_data, "ETTh1"))


def _standardised(frame, scaler, column):
    i = scaler.columns.index(column)
    return (frame[column].to_numpy() - scaler.mean[i]) / scaler.std[i]


@pytest.mark.realdata
@pytest.mark.parametrize("name, ot_mean", [("ETTh1", 13.32), ("ETTh2", 26.61)])
def test_real_files(shared_data, name, ot_mean):
    frame = load_ett(ett_path(shared_data / "ett", name))
    assert len(frame) == 17420 and tuple(frame.columns) == ETT_COLUMNS
    assert frame["date"].iloc[0] == pd.Timestamp("2016-07-01 00:00") and frame["date"].iloc[-1] == pd.Timestamp(
        "2018-06-26 19:00")
    assert frame["OT"].mean() == pytest.approx(ot_mean, abs=0.01)  # as measured in the data README


@pytest.mark.realdata
def test_splits_are_chronological_and_disjoint(etth1):
    assert ett_splits(len(etth1)) == {"train": (0, 8640), "val": (8640, 11520), "test": (11520, 14400)}
    windows = {s: make_ett_windows(etth1, split=s) for s in ETT_SPLITS}
    rows = {s: w.rows for s, w in windows.items()}
    assert rows["train"][0] == 96 and rows["train"][-1] == 8639  # the first target with a full 96-h window
    assert rows["val"][0] == 8640 and rows["test"][0] == 11520 and rows["test"][-1] == 14399
    assert rows["train"][-1] < rows["val"][0] and rows["val"][-1] < rows["test"][0]
    assert all((np.diff(r) == 1).all() for r in rows.values())
    assert [len(w) for w in windows.values()] == [8544, 2880, 2880]
    assert windows["test"].x.shape == (2880, 96, 7) and windows["test"].x.dtype == np.float32
    assert windows["test"].y.dtype == np.float32
    with pytest.raises(ValueError, match="at least 14400 hourly rows"):
        ett_splits(9000)


@pytest.mark.realdata
def test_scaler_is_fitted_on_train_rows_only(etth1):
    train = make_ett_windows(etth1, split="train")
    test = make_ett_windows(etth1, split="test")
    np.testing.assert_allclose(train.scaler.mean, etth1[list(ETT_FEATURES)].iloc[:8640].mean().to_numpy())
    np.testing.assert_allclose(test.scaler.mean, train.scaler.mean)
    assert abs(train.y.mean()) < 0.05 and abs(train.y.std() - 1) < 0.05
    assert abs(test.y.mean()) > 0.5  # the test months are colder than the training year: no leak of their mean
    whole = EttScaler().fit(etth1)
    assert not np.allclose(whole.mean, train.scaler.mean)
    np.testing.assert_allclose(train.scaler.inverse_target(train.y), etth1["OT"].to_numpy()[train.rows], atol=1e-4)


@pytest.mark.realdata
@pytest.mark.parametrize("window, horizon, stride", [(96, 1, 1), (48, 24, 5)])
def test_window_target_alignment(etth1, window, horizon, stride):
    w = make_ett_windows(etth1, window=window, horizon=horizon, split="val", stride=stride)
    assert w.x.shape == (len(w.rows), window, 7) and (np.diff(w.rows) == stride).all()
    ot = _standardised(etth1, w.scaler, "OT")
    hufl = _standardised(etth1, w.scaler, "HUFL")
    for i in (0, 7, len(w) - 1):
        row = w.rows[i]
        assert w.y[i] == pytest.approx(ot[row], abs=1e-5)
        assert w.x[i, -1, 6] == pytest.approx(ot[row - horizon], abs=1e-5)  # last input hour = target - horizon
        np.testing.assert_allclose(w.x[i, :, 0], hufl[row - horizon - window + 1 : row - horizon + 1], atol=1e-5)
    np.testing.assert_allclose(last_value_forecast(w.x, w.target_index), ot[w.rows - horizon], atol=1e-5)


@pytest.mark.realdata
def test_linear_forecaster_beats_the_train_mean(etth1):
    train = make_ett_windows(etth1, split="train")
    test = make_ett_windows(etth1, split="test", scaler=train.scaler)
    ridge = regression_metrics(test.y, fit_linear_forecaster(train.x, train.y).predict(test.x))
    mean = regression_metrics(test.y, mean_forecast(train.y, len(test)))
    assert ridge["mse"] < 0.1 * mean["mse"] and ridge["mae"] < 0.25 * mean["mae"]


def test_regression_metrics_and_baseline_errors():
    scores = regression_metrics([0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 2.0, 1.0])
    assert scores == pytest.approx({"mae": 0.75, "mse": 1.25, "rmse": np.sqrt(1.25)})
    x = np.arange(24.0).reshape(2, 4, 3)
    np.testing.assert_array_equal(last_value_forecast(x, 2), [11.0, 23.0])
    with pytest.raises(ValueError, match="target_index must index one of the 3"):
        last_value_forecast(x, 3)
    with pytest.raises(ValueError, match=r"y_train must have shape \(2,\)"):
        fit_linear_forecaster(x, np.zeros(3))
    with pytest.raises(ValueError, match=r"\(n, window, n_features\)"):
        fit_linear_forecaster(x[0], np.zeros(4))


def _write(path, frame):
    frame.to_csv(path, index=False)
    return path


def _small_frame(n=30):
    rng = np.random.default_rng(0)
    dates = pd.date_range("2016-07-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M:%S")
    return pd.DataFrame({"date": dates, **{c: rng.standard_normal(n) for c in ETT_FEATURES}})


def test_small_valid_file_loads(tmp_path):
    frame = load_ett(_write(tmp_path / "ETTh1.csv", _small_frame()))
    assert len(frame) == 30 and frame["date"].dtype.kind == "M"
    assert ett_path(tmp_path) == tmp_path / "ETTh1.csv"


def test_bad_csv_files_are_clear_errors(tmp_path):
    good = _small_frame()
    path = _write(tmp_path / "no_ot.csv", good.drop(columns="OT"))
    with pytest.raises(MissingChannelError, match=r"no_ot\.csv: channel\(s\) 'OT' not found"):
        load_ett(path)
    path = _write(tmp_path / "gap.csv", good.drop(index=5))
    with pytest.raises(DataFormatError, match=r"gap\.csv: expected strictly hourly .*row 5 is 2016-07-01 06:00:00 "
                                              r"after 2016-07-01 04:00:00 \(a step of 0 days 02:00:00\)"):
        load_ett(path)
    path = _write(tmp_path / "twice.csv", pd.concat([good.iloc[:3], good.iloc[2:]]))
    with pytest.raises(DataFormatError, match=r"twice\.csv: expected strictly hourly"):
        load_ett(path)
    nan = good.copy()
    nan.loc[7, "MULL"] = np.nan
    with pytest.raises(DataFormatError, match=r"nan\.csv: column 'MULL' has 1 missing value\(s\), the first at data row 7"):
        load_ett(_write(tmp_path / "nan.csv", nan))
    text = good.astype({"HULL": object})
    text.loc[3, "HULL"] = "n/a?"
    with pytest.raises(DataFormatError, match=r"text\.csv: column 'HULL' must be numeric; found 'n/a\?' at data row 3"):
        load_ett(_write(tmp_path / "text.csv", text))
    extra = good.assign(spare=1.0)
    with pytest.raises(DataFormatError, match=r"extra\.csv: expected exactly the columns .* extra column\(s\) \['spare'\]"):
        load_ett(_write(tmp_path / "extra.csv", extra))
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataFormatError, match=r"empty\.csv: empty file"):
        load_ett(tmp_path / "empty.csv")
    with pytest.raises(FileNotFoundError, match=r"ETT file 'ETTh2' not found: tried .*CSV files there: .*gap\.csv"):
        ett_path(tmp_path, "ETTh2")


def test_bad_window_arguments(tmp_path):
    frame = load_ett(_write(tmp_path / "short.csv", _small_frame()))
    with pytest.raises(ValueError, match="at least 14400 hourly rows"):
        make_ett_windows(frame, window=4)
    with pytest.raises(ValueError, match="split must be one of"):
        make_ett_windows(frame, split="dev")
    with pytest.raises(MissingChannelError, match="'TEMP' not found"):
        make_ett_windows(frame, target="TEMP")


def test_linear_forecaster_takes_windows_or_flat_windows():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 6, 2))
    y = x[:, -1, 0] - 0.5 * x[:, 2, 1]
    model = fit_linear_forecaster(x, y, alpha=1e-6)
    np.testing.assert_allclose(model.predict(x), y, atol=1e-4)
    np.testing.assert_array_equal(model.predict(flatten_windows(x[:5])), model.predict(x[:5]))
    with pytest.raises(ValueError, match="features"):
        model.predict(x[:, :5])
