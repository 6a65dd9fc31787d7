"""Realism of the synthetic nights: latent process, scorer-like labels, per-stage physiology, a real stager's verdict."""

from __future__ import annotations

import numpy as np
import pytest

from fusionlab.data.synthetic import make_night
from fusionlab.data.synthetic.scoring import (
    SCORER_CONFUSION,
    latent_stage_seconds,
    majority_stages,
    score_epochs,
    stage_fractions,
)
from fusionlab.data.synthetic.validation import agreement, physiology_checks, stage_statistics

W, N1, N2, N3, REM = range(5)


@pytest.fixture(scope="module")
def night():
    return make_night(seed=11, hours=8, modalities=("eeg", "eog", "emg"))


def test_latent_process_moves_stage_changes_off_the_epoch_grid():
    rng = np.random.default_rng(0)
    hyp = np.repeat([W, N1, N2, N3, N2, REM], 6)
    seconds = latent_stage_seconds(rng, hyp, 30.0)
    assert seconds.shape == (len(hyp) * 30,)
    changes = np.flatnonzero(np.diff(seconds) != 0) + 1
    assert len(changes) == 5  # the same sequence of stages, no stage lost
    assert (changes % 30 != 0).any()  # at least one change falls inside an epoch
    runs = np.diff(np.concatenate([[0], changes, [len(seconds)]]))
    assert runs.min() >= 5
    # Without shift the latent process is the hypnogram repeated, and the majority rule returns it.
    exact = latent_stage_seconds(rng, hyp, 30.0, max_shift=0.0)
    np.testing.assert_array_equal(majority_stages(stage_fractions(exact)), hyp)


def test_majority_rule_and_mixed_epochs():
    seconds = np.array([W] * 20 + [N1] * 10 + [N1] * 16 + [N2] * 14)
    fractions = stage_fractions(seconds, 30.0)
    np.testing.assert_allclose(fractions.sum(axis=1), 1.0)
    np.testing.assert_array_equal(majority_stages(fractions), [W, N1])
    np.testing.assert_allclose(fractions[0, [W, N1]], [20 / 30, 10 / 30])


def test_scorer_confusions_concentrate_on_n1_and_transitions():
    rng = np.random.default_rng(1)
    n = 20_000
    stages = rng.integers(0, 5, n)
    clear = np.eye(5)[stages]
    scored = score_epochs(rng, clear, persistence=0.0)
    agree = np.array([(scored[stages == s] == s).mean() for s in range(5)])
    # Agreement per stage follows the confusion's diagonal; N1 is the least reliable stage.
    np.testing.assert_allclose(agree, np.diag(SCORER_CONFUSION), atol=0.02)
    assert agree.argmin() == N1
    # A half-and-half epoch is scored as its minority stage far more often than a clear one.
    mixed = np.zeros((n, 5))
    mixed[:, N2], mixed[:, N3] = 0.55, 0.45
    scored_mixed = score_epochs(rng, mixed, persistence=0.0)
    assert (scored_mixed == N3).mean() > 5 * SCORER_CONFUSION[N2, N3]
    # Shallow N3 (few slow waves) is scored N2 more often than deep N3.
    n3 = np.eye(5)[np.full(n, N3)]
    shallow = score_epochs(rng, n3, slow_wave_depth=np.full(n, 0.6), persistence=0.0)
    deep = score_epochs(rng, n3, slow_wave_depth=np.full(n, 1.4), persistence=0.0)
    assert (shallow == N2).mean() > 2 * (deep == N2).mean()


def test_scorer_disagreements_come_in_runs():
    rng = np.random.default_rng(2)
    clear = np.eye(5)[np.full(30_000, N1)]
    flips = {rho: score_epochs(np.random.default_rng(3), clear, persistence=rho) != N1 for rho in (0.0, 0.8)}
    runs = {rho: f.sum() / max(1, (np.diff(f.astype(int)) == 1).sum()) for rho, f in flips.items()}
    assert runs[0.8] > 1.5 * runs[0.0]  # longer runs of disagreement
    assert abs(flips[0.8].mean() - flips[0.0].mean()) < 0.03  # at the same overall rate
    with pytest.raises(ValueError, match="persistence"):
        score_epochs(rng, clear[:10], persistence=1.0)
    with pytest.raises(ValueError, match="fractions must have shape"):
        score_epochs(rng, clear[:, :3])


def test_night_keeps_latent_truth_and_scored_labels(night):
    assert night.latent_hypnogram.shape == night.hypnogram.shape
    assert night.latent_stages.shape == (night.n_epochs * 30,)
    agree = (night.hypnogram == night.latent_hypnogram).mean()
    assert 0.85 < agree < 0.98  # a scorer is good, not perfect
    latent = make_night(seed=11, hours=8, modalities=("eeg", "eog", "emg"), labels="latent")
    np.testing.assert_array_equal(latent.hypnogram, latent.latent_hypnogram)
    np.testing.assert_array_equal(latent.signals, night.signals)  # labels do not change the signals
    with pytest.raises(ValueError, match="labels must be"):
        make_night(seed=11, hours=1, labels="expert")


def test_per_stage_statistics_follow_the_physiology_guide(night):
    stats = stage_statistics(night)
    assert list(stats.index) == ["W", "N1", "N2", "N3", "REM"]
    assert stats["epochs"].sum() == night.n_epochs
    checks = physiology_checks(stats)
    failed = checks.loc[~checks["ok"], ["check", "value", "expected"]]
    assert failed.empty, failed.to_string()
    # Sleep EEG has little fast activity: relative beta falls from W to N3.
    assert stats.loc["W", "eeg_rel_beta"] > 5 * stats.loc["N3", "eeg_rel_beta"]


def test_subjects_differ_in_alpha_and_slow_waves():
    a, b = (make_night(seed=0, subject=s, hours=1, modalities=("eeg",)).traits for s in (0, 1))
    assert a.alpha_gain != b.alpha_gain and a.slow_wave_gain != b.slow_wave_gain and a.eog_gain != b.eog_gain


def test_agreement_matches_sklearn():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(4)
    truth = rng.integers(0, 5, 500)
    pred = np.where(rng.random(500) < 0.7, truth, rng.integers(0, 5, 500))
    result = agreement(truth, pred)
    assert result["accuracy"] == pytest.approx((truth == pred).mean())
    assert result["kappa"] == pytest.approx(cohen_kappa_score(truth, pred))
    assert result["confusion"].to_numpy().sum() == 500
    with pytest.raises(ValueError, match="one shape"):
        agreement(truth, pred[:-1])


@pytest.mark.slow
def test_a_real_stager_recognises_every_stage(night):
    yasa = pytest.importorskip("yasa")  # noqa: F841
    from fusionlab.data.synthetic.validation import yasa_stages

    pred = yasa_stages(night.channel("eeg"), night.sfreq, eog=night.channel("eog"), emg=night.channel("emg"))
    result = agreement(night.latent_hypnogram[: len(pred)], pred)
    assert result["kappa"] > 0.7, result
    assert result["rem_as_wake"] < 0.15 and result["n3_as_wake"] < 0.15
    assert min(r for s, r in result["recall"].items() if s != "N1") > 0.6


@pytest.mark.slow
def test_yasa_in_a_child_process_gives_the_same_stages():
    pytest.importorskip("yasa")
    from fusionlab.data.synthetic.validation import yasa_stages, yasa_stages_in_child

    short = make_night(seed=7, hours=1.0, modalities=("eeg", "eog"))
    recording = {"eeg": short.channel("eeg"), "sfreq": short.sfreq, "eog": short.channel("eog")}
    (in_child,) = yasa_stages_in_child([recording])
    np.testing.assert_array_equal(in_child, yasa_stages(**recording))
    with pytest.raises(ValueError, match="shorter than one 30-s epoch"):  # the child's own error, re-raised
        yasa_stages_in_child([{"eeg": short.channel("eeg")[:10], "sfreq": short.sfreq}])  # shorter than an epoch
