"""Sleep-EDF format: PSG + Hypnogram EDF+ pairs written in the database's exact layout, read back."""

from __future__ import annotations

import datetime as dt

import edfio
import numpy as np
import pytest

from fusionlab.data import (
    STAGES,
    DataFormatError,
    MissingChannelError,
    find_sleep_edf_pairs,
    load_sleep_edf,
    read_sleep_edf_hypnogram,
    sequence_index,
    trim_wake,
)

SCORING = [("Sleep stage W", 60), ("Sleep stage 1", 30), ("Sleep stage 2", 90), ("Sleep stage 3", 30),
           ("Sleep stage 4", 60), ("Movement time", 30), ("Sleep stage R", 60), ("Sleep stage 2", 30),
           ("Sleep stage W", 60), ("Sleep stage ?", 150)]
START = dt.datetime(1989, 4, 24, 16, 13, 0)


def write_pair(folder, scoring=SCORING, seconds=600, hyp_delay=0, emg_rate=1.0, labels=None):
    """SC-style files: EEG/EOG at 100 Hz, EMG submental at 1 Hz (as in sleep-cassette)."""
    rng = np.random.default_rng(0)
    labels = labels or ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal", "EMG submental"]
    rates = {"EMG submental": emg_rate}
    signals = [edfio.EdfSignal(20 * rng.standard_normal(int(seconds * rates.get(name, 100.0))),
                               rates.get(name, 100.0), label=name, physical_dimension="uV") for name in labels]
    psg = edfio.Edf(signals, starttime=START.time())
    psg.startdate = START.date()
    psg_path = folder / "SC4001E0-PSG.edf"
    psg.write(psg_path)
    onset, annotations = 0.0, []
    for text, duration in scoring:
        annotations.append(edfio.EdfAnnotation(onset, float(duration), text))
        onset += duration
    hyp_start = START + dt.timedelta(seconds=hyp_delay)
    hyp = edfio.Edf([], annotations=annotations, starttime=hyp_start.time())
    hyp.startdate = hyp_start.date()
    hyp_path = folder / "SC4001EC-Hypnogram.edf"
    hyp.write(hyp_path)
    return psg_path, hyp_path


def test_hypnogram_maps_rk_to_aasm(tmp_path):
    _, hyp = write_pair(tmp_path)
    table = read_sleep_edf_hypnogram(hyp)
    assert table["stage"].tolist() == ["W", "N1", "N2", "N3", "N3", None, "REM", "N2", "W", None]
    assert table["onset"].tolist() == [0, 60, 90, 180, 210, 270, 300, 360, 390, 450]


def test_epochs_labels_onsets_and_counts(tmp_path):
    psg, hyp = write_pair(tmp_path)
    night = load_sleep_edf(psg, hyp)
    expected = ["W", "W", "N1", "N2", "N2", "N2", "N3", "N3", "N3", "REM", "REM", "N2", "W", "W"]
    assert [STAGES[i] for i in night.labels] == expected
    # The movement epoch (270-300 s) and the unknown tail are dropped.
    assert 270 not in night.onsets and night.onsets[-1] == 420
    assert night.signals["eeg"].shape == (14, 1, 3000)
    assert night.signals["emg"].shape == (14, 1, 3000)  # 1-Hz EMG resampled to the EEG rate
    assert night.ch_names == {"eeg": ["EEG Fpz-Cz"], "eog": ["EOG horizontal"], "emg": ["EMG submental"]}
    assert night.available.all()
    assert night.stage_counts().to_dict() == {"W": 4, "N1": 1, "N2": 4, "N3": 3, "REM": 2}


def test_epochs_match_the_signal(tmp_path):
    psg, hyp = write_pair(tmp_path)
    night = load_sleep_edf(psg, hyp, {"eeg": "EEG Fpz-Cz"})
    from fusionlab.data import read_edf

    eeg = read_edf(psg, ["EEG Fpz-Cz"]).data[0]
    for k in (0, 5, 9):
        start = int(night.onsets[k] * 100)
        np.testing.assert_array_equal(night.signals["eeg"][k, 0], eeg[start:start + 3000])


def test_sequences_do_not_cross_the_dropped_epoch(tmp_path):
    psg, hyp = write_pair(tmp_path)
    night = load_sleep_edf(psg, hyp)
    seqs = sequence_index(night.onsets, 3)
    gaps = np.diff(night.onsets[seqs], axis=1)
    assert (gaps == 30).all()
    assert len(seqs) == (9 - 2) + (5 - 2)  # runs of 9 and 5 neighbouring epochs


def test_hypnogram_starting_later_is_aligned(tmp_path):
    psg, hyp = write_pair(tmp_path, scoring=SCORING[:-1] + [("Sleep stage ?", 120)], hyp_delay=30)
    night = load_sleep_edf(psg, hyp)
    assert night.onsets[0] == 30.0


def test_trimming_keeps_wake_around_sleep():
    labels = np.array([0] * 100 + [2] * 10 + [0] * 100)
    keep = trim_wake(labels, mode="deepsleepnet", keep_minutes=30)
    assert keep[0] == 40 and keep[-1] == 169
    keep = trim_wake(labels, mode="core-sleep")
    counts_after = np.bincount(labels[keep], minlength=5)
    assert counts_after[0] < 200 and (labels[keep] == 2).sum() == 10


def test_trim_option_of_the_loader(tmp_path):
    scoring = [("Sleep stage W", 3000), ("Sleep stage 2", 300), ("Sleep stage W", 3000)]
    psg, hyp = write_pair(tmp_path, scoring=scoring, seconds=6300)
    night = load_sleep_edf(psg, hyp, {"eeg": "EEG Fpz-Cz"}, trim="deepsleepnet", trim_keep_minutes=10)
    assert len(night) == 20 + 10 + 20


def test_hypnogram_longer_than_signal(tmp_path):
    psg, hyp = write_pair(tmp_path, scoring=SCORING[:-1] + [("Sleep stage 2", 300)])
    with pytest.raises(DataFormatError, match="hypnogram longer than the signal") as info:
        load_sleep_edf(psg, hyp)
    assert "SC4001EC-Hypnogram.edf" in str(info.value)
    assert len(load_sleep_edf(psg, hyp, on_length_mismatch="crop")) == 14 + 5


def test_hypnogram_shorter_than_signal(tmp_path):
    psg, hyp = write_pair(tmp_path, scoring=SCORING[:-1])
    with pytest.raises(DataFormatError, match="hypnogram shorter than the signal"):
        load_sleep_edf(psg, hyp)
    assert len(load_sleep_edf(psg, hyp, on_length_mismatch="crop")) == 14


def test_unknown_stage_label(tmp_path):
    psg, hyp = write_pair(tmp_path, scoring=[("Sleep stage 5", 300), ("Sleep stage W", 300)])
    with pytest.raises(DataFormatError, match=r"unknown sleep stage annotation.*Sleep stage 5"):
        load_sleep_edf(psg, hyp)


def test_missing_channel_error_and_mask(tmp_path):
    psg, hyp = write_pair(tmp_path, labels=["EEG Fpz-Cz", "EOG horizontal"])
    with pytest.raises(MissingChannelError, match="EMG submental.*available channels: 'EEG Fpz-Cz', 'EOG horizontal'"):
        load_sleep_edf(psg, hyp)
    night = load_sleep_edf(psg, hyp, on_missing="mask")
    assert night.available[:, night.modalities.index("emg")].sum() == 0
    assert not night.signals["emg"].any()


def test_find_pairs(tmp_path):
    write_pair(tmp_path)
    (tmp_path / "SC4011E0-PSG.edf").write_bytes(b"")  # no hypnogram: not paired
    pairs = find_sleep_edf_pairs(tmp_path)
    assert [(p.name, h.name) for p, h in pairs] == [("SC4001E0-PSG.edf", "SC4001EC-Hypnogram.edf")]
