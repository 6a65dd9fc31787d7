"""Synthetic polysomnography: night structure, per-stage physiology, corruption ground truth, EDF round trip."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from fusionlab.data import STAGES, SleepSequenceDataset
from fusionlab.data.synthetic import (
    Corruption,
    make_cohort,
    make_event_table,
    make_night,
    read_synthetic_night,
    synthetic_event_dataset,
    write_sleep_edf,
)

W, N1, N2, N3, REM = range(5)


@pytest.fixture(scope="module")
def night():
    return make_night(seed=3, hours=8)


def band_power(x: np.ndarray, fs: float, lo: float, hi: float) -> np.ndarray:
    """Mean power in [lo, hi] Hz of each row of x, shape (n,)."""
    f, p = welch(x, fs=fs, nperseg=512, axis=-1)
    return p[..., (f >= lo) & (f <= hi)].mean(axis=-1)


def epochs_of(night, modality):
    x = night.channel(modality)
    return x[: night.n_epochs * 3000].reshape(night.n_epochs, 3000)


def test_shapes_and_metadata(night):
    assert night.signals.shape == (4, 8 * 3600 * 100)
    assert night.ch_names == ["EEG Fpz-Cz", "EOG horizontal", "EMG submental", "ECG"]
    assert night.hypnogram.shape == (960,) and set(np.unique(night.hypnogram)) == set(range(5))
    assert np.isfinite(night.signals).all()
    assert night.corruptions.empty


def test_night_architecture_is_plausible():
    fractions, first_third_n3, last_third_rem = [], [], []
    for seed in range(6):
        hyp = make_night(seed, hours=8, modalities=("eeg",)).latent_hypnogram  # the latent truth
        asleep = np.flatnonzero(hyp != W)
        sleep = hyp[asleep[0]: asleep[-1] + 1]
        fractions.append(np.bincount(sleep, minlength=5) / len(sleep))
        thirds = np.array_split(hyp, 3)
        first_third_n3.append((thirds[0] == N3).sum() > (thirds[2] == N3).sum())
        last_third_rem.append((thirds[2] == REM).sum() > (thirds[0] == REM).sum())
        assert 8 * 2 <= asleep[0] <= 25 * 2  # sleep onset latency 8-25 min
    mean = np.mean(fractions, axis=0)
    assert 0.02 < mean[N1] < 0.10 and 0.40 < mean[N2] < 0.65 and 0.08 < mean[N3] < 0.25
    assert 0.15 < mean[REM] < 0.30
    assert all(first_third_n3) and all(last_third_rem)


def test_stages_are_persistent(night):
    assert (np.diff(night.latent_hypnogram) != 0).mean() < 0.12
    # The scorer's disagreements come in runs, not isolated flips: few extra stage changes.
    assert (np.diff(night.hypnogram) != 0).mean() < 0.2


def test_eeg_features_follow_the_stage(night):
    eeg = epochs_of(night, "eeg")
    hyp = night.hypnogram
    delta = band_power(eeg, 100, 0.5, 2)
    sigma = band_power(eeg, 100, 12, 15)
    theta = band_power(eeg, 100, 4, 7)
    mean = {name: np.array([v[hyp == s].mean() for s in range(5)]) for name, v in
            {"delta": delta, "sigma": sigma, "theta": theta}.items()}
    assert mean["delta"].argmax() == N3
    assert mean["sigma"][N2] > mean["sigma"][[W, N1, REM]].max()
    assert mean["theta"][N1] > mean["theta"][W]
    # Alpha: relaxed wake with eyes closed beats every sleep stage.
    alpha = band_power(eeg, 100, night.traits.alpha_freq - 1, night.traits.alpha_freq + 1)
    assert np.percentile(alpha[hyp == W], 75) > alpha[hyp == N2].mean()


def test_emg_eog_and_heart_rate_follow_the_stage(night):
    hyp = night.hypnogram
    emg_std = epochs_of(night, "emg").std(axis=1)
    emg = [np.median(emg_std[hyp == s]) for s in range(5)]
    assert emg[W] > emg[N2] > emg[REM] and np.argmin(emg) == REM
    eog = epochs_of(night, "eog")
    rem_events = night.events.query("type == 'rapid_eye_movement'")
    assert (rem_events["stage"] == "REM").mean() > 0.95 and len(rem_events) > 100  # bursts may spill over
    slow_eye = band_power(eog, 100, 0.1, 0.5)
    assert np.median(slow_eye[hyp == N1]) > np.median(slow_eye[hyp == N2])
    beats_per_epoch = np.bincount((night.r_peaks // 30).astype(int), minlength=night.n_epochs)[: night.n_epochs]
    hr = beats_per_epoch * 2.0
    assert hr[hyp == W].mean() > hr[hyp == N3].mean() + 3


def test_event_table_matches_stages(night):
    events = night.events
    assert set(events.columns) == {"type", "onset", "duration", "channel", "stage", "amplitude"}
    spindles = events.query("type == 'spindle'")
    assert (spindles["stage"].isin(["N1", "N2", "N3"])).all()
    assert spindles["duration"].between(0.5, 2.0).all()
    per_min_n2 = (spindles["stage"] == "N2").sum() / ((night.hypnogram == N2).sum() / 2)
    assert 2 < per_min_n2 < 8
    stage_at_onset = np.asarray(STAGES)[night.latent_stages[events["onset"].astype(int)]]
    assert (stage_at_onset == events["stage"]).all()


def test_seeded_and_subject_traits_shared():
    a = make_night(1, hours=0.5, modalities=("eeg", "emg"))
    b = make_night(1, hours=0.5, modalities=("eeg", "emg"))
    c = make_night(2, hours=0.5, modalities=("eeg", "emg"))
    np.testing.assert_array_equal(a.signals, b.signals)
    assert not np.array_equal(a.signals, c.signals)
    cohort = make_cohort(2, 2, seed=5, hours=0.5, modalities=("eeg",))
    assert [(n.subject, n.night) for n in cohort] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert cohort[0].traits == cohort[1].traits != cohort[2].traits
    assert not np.array_equal(cohort[0].hypnogram, cohort[1].hypnogram)


def test_noisy_segment_ground_truth():
    clean = make_night(4, hours=2, modalities=("eeg", "eog"))
    bad = make_night(4, hours=2, modalities=("eeg", "eog"),
                     corruptions=[Corruption("noisy", "eeg", 3600, 5400, 8.0)])
    row = bad.corruptions.iloc[0]
    assert (row["kind"], row["channel"], row["start"], row["stop"]) == ("noisy", "EEG Fpz-Cz", 3600, 5400)
    inside = slice(3700 * 100, 5300 * 100)
    ratio = bad.channel("eeg")[inside].std() / clean.channel("eeg").std()
    assert 5 < ratio < 12
    np.testing.assert_array_equal(bad.channel("eeg")[: 3500 * 100], clean.channel("eeg")[: 3500 * 100])
    np.testing.assert_array_equal(bad.channel("eog"), clean.channel("eog"))
    frac = bad.corrupted_fraction()
    assert frac["EEG Fpz-Cz"].sum() == pytest.approx(60) and frac["EOG horizontal"].sum() == 0
    chunks = bad.corrupted_fraction(600)
    assert (chunks["EEG Fpz-Cz"] > 0.5).sum() == 3


def test_random_corruptions_and_missing_channel():
    night = make_night(6, hours=4, modalities=("eeg", "eog", "emg"), n_noisy=2, n_missing_segments=1,
                       missing_channels=["emg"])
    kinds = night.corruptions["kind"].tolist()
    assert kinds.count("noisy") == 2 and kinds.count("missing_segment") == 1 and kinds.count("missing_channel") == 1
    assert "EMG submental" not in night.ch_names and night.signals.shape[0] == 2
    noisy = night.corruptions.query("kind == 'noisy'")
    assert (noisy["start"] >= 0.35 * 4 * 3600 - 1).all() and (noisy["factor"].between(4, 10)).all()
    lost = night.corruptions.query("kind == 'missing_segment'").iloc[0]
    x = night.channel(lost["channel"])
    assert not x[int(lost["start"] * 100) + 1: int(lost["stop"] * 100) - 1].any()
    epochs = night.to_epochs()
    assert epochs.modalities == ("eeg", "eog", "emg")
    assert not epochs.available[:, 2].any()


def test_edf_round_trip_through_the_real_loader(tmp_path):
    night = make_night(7, hours=1, n_missing_segments=1, missing_channels=["ecg"])
    psg, hyp = write_sleep_edf(night, tmp_path)
    assert psg.name == "SN4001E0-PSG.edf" and hyp.name == "SN4001EH-Hypnogram.edf"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([hyp.name, psg.name])  # no temporary left behind
    loaded = read_synthetic_night(psg, hyp)
    np.testing.assert_array_equal(loaded.labels, night.hypnogram)
    assert loaded.modalities == ("eeg", "eog", "emg", "ecg")
    for modality in ("eeg", "eog", "emg"):
        original = night.channel(modality)
        back = loaded.signals[modality][:, 0].ravel()
        resolution = (original.max() - original.min()) / 65535
        assert np.abs(back - original).max() <= resolution
    np.testing.assert_array_equal(loaded.available, night.to_epochs().available)
    assert not loaded.available[:, 3].any()
    dataset = SleepSequenceDataset(loaded, seq_len=5, modalities=("eeg", "eog"))
    item = dataset[0]
    assert item["inputs"]["eeg"].shape == (5, 1, 3000)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="modalities"):
        make_night(0, hours=0.5, modalities=("eeg", "pulse"))
    with pytest.raises(ValueError, match="not in this night's channels"):
        make_night(0, hours=0.5, modalities=("eeg",), corruptions=[Corruption("noisy", "emg", 0, 10, 3)])
    with pytest.raises(ValueError, match="corruption kind"):
        make_night(0, hours=0.5, modalities=("eeg",), corruptions=[Corruption("popping", "eeg", 0, 10, 3)])


def test_cap_like_event_tables():
    table = make_event_table(2000, seed=1)
    assert set(table.columns) >= {"type", "stage", "duration", "channel", "onset", "subject"}
    assert set(table["type"]) == {"MCAP-A1", "MCAP-A2", "MCAP-A3"}
    assert table["stage"].isin(["N1", "N2", "N3"]).all()
    shares = table["type"].value_counts(normalize=True)
    assert shares.idxmax() == "MCAP-A1"
    med = table.groupby("type")["duration"].median()
    assert med["MCAP-A1"] < med["MCAP-A3"]
    n3_share = table.groupby("type")["stage"].apply(lambda s: (s == "N3").mean())
    assert n3_share["MCAP-A1"] > n3_share["MCAP-A3"]
    for _, rows in table.groupby("subject"):
        assert rows["onset"].is_monotonic_increasing


def test_event_windows_carry_the_class_pattern():
    events = synthetic_event_dataset(300, seed=2, window=20.0)
    assert events.eeg.shape == (300, 2000) and events.emg.shape == (300, 2000)
    label = events.labels
    centre = slice(900, 1100)  # the middle 2 s are inside every phase
    delta = band_power(events.eeg[:, centre.start - 200: centre.stop + 200], 100, 0.5, 2.5)
    fast = band_power(events.eeg[:, centre], 100, 8, 25)
    emg = events.emg[:, centre].std(axis=1)
    assert np.median(delta[label == 0]) > np.median(delta[label == 2])
    assert np.median(fast[label == 2]) > np.median(fast[label == 0])
    assert np.median(emg[label == 2]) > np.median(emg[label == 0])
