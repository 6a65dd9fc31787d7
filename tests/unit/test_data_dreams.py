"""DREAMS spindles: the real excerpts (when present) and small files in the same layout for bad input."""

from __future__ import annotations

import numpy as np
import pytest

from fusionlab.data import (
    DataFormatError,
    load_dreams_edf,
    load_dreams_excerpt,
    read_dreams_hypnogram,
    read_dreams_spindles,
    spindle_windows,
)

README_COUNTS = {1: (100, 52, 115, 159), 2: (200, 60, 52, 94), 3: (50, 5, 44, 39), 4: (200, 44, 25, 52),
                 5: (200, 56, 86, 84)}


def write_excerpt(folder, n=9, fs=50, seconds=1800, hyp_epochs=360, codes=None, eeg=None):
    rng = np.random.default_rng(n)
    values = eeg if eeg is not None else 20 * rng.standard_normal(seconds * fs)
    (folder / f"excerpt{n}.txt").write_text("[C3-A1]\n" + "\n".join(f"{v:10.4f}" for v in values) + "\n")
    codes = codes if codes is not None else rng.choice([0, 1, 2, 3, 4, 5], hyp_epochs)
    (folder / f"Hypnogram_excerpt{n}.txt").write_text("[Hypnogram]\n" + "\n".join(str(c) for c in codes) + "\n")
    (folder / f"Visual_scoring1_excerpt{n}.txt").write_text(
        "[vis1_Spindles/C3-A1]\n  282.2400\t    0.7200\n  311.7200\t    1.5400\n")
    return codes


def test_layout_round_trip(tmp_path):
    codes = write_excerpt(tmp_path)
    excerpt = load_dreams_excerpt(tmp_path, 9)
    assert excerpt.sfreq == 50 and excerpt.channel == "C3-A1" and excerpt.eeg.shape == (90000,)
    mapping = {5: 0, 4: 4, 3: 1, 2: 2, 1: 3, 0: 3}
    assert excerpt.stages.tolist() == [mapping[c] for c in codes]
    spindles = excerpt.spindles["expert1"]
    assert spindles["onset"].tolist() == [282.24, 311.72] and spindles["duration"].tolist() == [0.72, 1.54]
    assert set(excerpt.spindles) == {"expert1"}
    mask = excerpt.spindle_mask("expert1")
    assert mask.sum() == pytest.approx((0.72 + 1.54) * 50, abs=2)
    with pytest.raises(KeyError, match="has no scoring 'expert2'"):
        excerpt.spindle_mask("expert2")


def test_hypnogram_shorter_than_signal(tmp_path):
    write_excerpt(tmp_path, hyp_epochs=300)
    with pytest.raises(DataFormatError, match="hypnogram shorter than the signal") as info:
        load_dreams_excerpt(tmp_path, 9)
    assert "Hypnogram_excerpt9.txt" in str(info.value)


def test_unknown_hypnogram_code(tmp_path):
    write_excerpt(tmp_path, codes=[5] * 359 + [7])
    with pytest.raises(DataFormatError, match=r"unknown hypnogram code\(s\) \[7\]"):
        read_dreams_hypnogram(tmp_path / "Hypnogram_excerpt9.txt")


def test_nan_signal(tmp_path):
    eeg = np.ones(90000)
    eeg[10] = np.nan
    write_excerpt(tmp_path, eeg=eeg)
    with pytest.raises(DataFormatError, match="NaN"):
        load_dreams_excerpt(tmp_path, 9)


def test_bad_spindle_line(tmp_path):
    path = tmp_path / "Visual_scoring1_excerpt1.txt"
    path.write_text("[vis1_Spindles/C3-A1]\n 1.0 0.5\n 2.0\n")
    with pytest.raises(DataFormatError, match="line 3: expected 'onset duration'"):
        read_dreams_spindles(path)


@pytest.mark.realdata
@pytest.mark.parametrize("n", sorted(README_COUNTS))
def test_real_excerpts(shared_data, n):
    excerpt = load_dreams_excerpt(shared_data / "dreams-spindles", n)
    fs, e1, e2, auto = README_COUNTS[n]
    assert excerpt.sfreq == fs and excerpt.duration == pytest.approx(1800)
    assert (len(excerpt.spindles["expert1"]), len(excerpt.spindles["expert2"]),
            len(excerpt.spindles["automatic"])) == (e1, e2, auto)
    assert len(excerpt.stages) == 360 and 4 not in excerpt.stages  # no REM in excerpts 1-5
    windows, labels = spindle_windows(excerpt, scorer="expert2", window=2.0)
    assert windows.shape[1] == 2 * fs and labels.sum() > 0


@pytest.mark.realdata
def test_real_excerpt3_edf_equals_text(shared_data):
    folder = shared_data / "dreams-spindles"
    recording = load_dreams_edf(folder, 3)
    assert recording.ch_names == ["C3-A1", "EOG1-A1", "EMG1", "ECG"] and recording.sfreq == 50
    text = load_dreams_excerpt(folder, 3).eeg
    np.testing.assert_allclose(recording.channel("C3-A1"), text, atol=1e-3)
