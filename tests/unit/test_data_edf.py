"""Generic EDF reading: header validation, channels, units, bad files."""

from __future__ import annotations

import datetime as dt

import edfio
import mne
import numpy as np
import pytest

from fusionlab.data import (
    DataFormatError,
    MissingChannelError,
    SamplingRateError,
    read_edf,
    read_edf_header,
)
from fusionlab.data.edf import channel_type, check_signal


def write_edf(path, signals: dict[str, tuple[np.ndarray, float]], unit: str = "uV", annotations=()):
    """Write an EDF+ file with edfio: ``signals`` maps label -> (samples in µV, rate)."""
    edf = edfio.Edf(
        [edfio.EdfSignal(x.astype(float), fs, label=name, physical_dimension=unit) for name, (x, fs) in signals.items()],
        starttime=dt.time(23, 0, 0), annotations=[edfio.EdfAnnotation(*a) for a in annotations])
    edf.startdate = dt.date(2021, 3, 4)
    edf.write(path)
    return path


@pytest.fixture
def small_edf(tmp_path):
    rng = np.random.default_rng(0)
    return write_edf(tmp_path / "small.edf", {
        "EEG Fpz-Cz": (20 * rng.standard_normal(6000), 100.0),
        "EOG horizontal": (30 * rng.standard_normal(6000), 100.0),
        "EMG submental": (5 * rng.standard_normal(60), 1.0),
    }, annotations=[(10.0, 2.0, "marker")])


def test_header_reports_layout_and_native_rates(small_edf):
    header = read_edf_header(small_edf)
    assert header.variant == "EDF+C"
    assert header.start == dt.datetime(2021, 3, 4, 23, 0, 0)
    assert header.signal_labels == ["EEG Fpz-Cz", "EOG horizontal", "EMG submental"]
    assert header.native_sfreq == {"EEG Fpz-Cz": 100.0, "EOG horizontal": 100.0, "EMG submental": 1.0}
    assert header.duration == pytest.approx(60.0)


def test_read_matches_mne_and_converts_to_microvolts(small_edf):
    rec = read_edf(small_edf, ["EEG Fpz-Cz", "EOG horizontal"])
    raw = mne.io.read_raw_edf(small_edf, include=["EEG Fpz-Cz", "EOG horizontal"], preload=True, verbose="error")
    np.testing.assert_allclose(rec.data, raw.get_data() * 1e6, rtol=1e-4, atol=1e-3)
    assert rec.data.shape == (2, 6000) and rec.data.dtype == np.float32
    assert rec.units == ["uV", "uV"] and rec.ch_types == ["eeg", "eog"]
    assert rec.annotations["description"].tolist() == ["marker"]


def test_channel_matching_ignores_case_and_spaces(small_edf):
    assert read_edf(small_edf, ["eeg fpz-cz"]).ch_names == ["EEG Fpz-Cz"]


def test_missing_channel_lists_available(small_edf):
    with pytest.raises(MissingChannelError) as info:
        read_edf(small_edf, ["EEG C3-A2"])
    message = str(info.value)
    assert "EEG C3-A2" in message and "EEG Fpz-Cz" in message and "EOG horizontal" in message
    assert str(small_edf) in message


def test_sampling_rate_mismatch_needs_sfreq(small_edf):
    with pytest.raises(SamplingRateError, match="EMG submental: 1 Hz"):
        read_edf(small_edf, ["EEG Fpz-Cz", "EMG submental"])
    rec = read_edf(small_edf, ["EEG Fpz-Cz", "EMG submental"], sfreq=100.0)
    assert rec.data.shape == (2, 6000) and rec.native_sfreq["EMG submental"] == 1.0


def test_truncated_file_is_named(small_edf, tmp_path):
    cut = tmp_path / "cut.edf"
    data = small_edf.read_bytes()
    cut.write_bytes(data[: len(data) - 5000])
    with pytest.raises(DataFormatError, match="truncated EDF file") as info:
        read_edf(cut)
    assert str(cut) in str(info.value)


@pytest.mark.parametrize("content", [b"", b"hello world" * 40, b"\xffBIOSEMI" + b" " * 300])
def test_not_an_edf_file(tmp_path, content):
    path = tmp_path / "bad.edf"
    path.write_bytes(content)
    with pytest.raises(DataFormatError) as info:
        read_edf_header(path)
    assert str(path) in str(info.value)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nowhere.edf"):
        read_edf("nowhere.edf")


def test_flat_channel_is_rejected_unless_allowed(tmp_path):
    path = write_edf(tmp_path / "flat.edf", {"EEG": (np.zeros(3000), 100.0),
                                             "EOG": (np.random.default_rng(1).standard_normal(3000), 100.0)})
    with pytest.raises(DataFormatError, match="flat signal in channel"):
        read_edf(path)
    assert read_edf(path, allow_flat=True).data.shape == (2, 3000)


def test_nan_is_rejected():
    data = np.ones((2, 10))
    data[1, 3] = np.nan
    with pytest.raises(DataFormatError, match="NaN or infinite values in channel.*b"):
        check_signal(data, ["a", "b"], "array")


@pytest.mark.parametrize(("label", "kind"), [("EEG Fpz-Cz", "eeg"), ("C3-A2", "eeg"), ("EOG(L)", "eog"),
                                             ("ROC-LOC", "eog"), ("EMG1-EMG2", "emg"), ("ECG", "ecg"),
                                             ("SaO2", "misc")])
def test_channel_type(label, kind):
    assert channel_type(label) == kind
