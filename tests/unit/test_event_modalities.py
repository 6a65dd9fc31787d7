"""Sleep-event modalities (notes, metadata, images), DREAMS spindle events and the event study."""

from __future__ import annotations

import numpy as np
import pytest

import fusionlab as fl
from fusionlab.data.events import (
    check_fields,
    clinical_notes,
    dreams_spindle_events,
    encode_metadata,
    leaky_notes,
    render_events,
    serialize_metadata,
)
from fusionlab.studies.hayes_sun import sleep_events as se


@pytest.fixture(scope="module")
def table():
    return fl.data.synthetic.make_event_table(60, seed=3)


def test_notes_never_read_the_label(table):
    shuffled = table.copy()
    shuffled["label"] = np.random.default_rng(0).permutation(shuffled["label"].to_numpy())
    shuffled["type"] = np.asarray(fl.data.synthetic.events.EVENT_CLASSES)[shuffled["label"]]
    assert clinical_notes(table, seed=1) == clinical_notes(shuffled, seed=1)
    notes = clinical_notes(table, seed=1)
    assert len(set(notes)) > len(notes) // 2  # varied wording, not one template
    assert not any(word in n for n in notes for word in ("phase", "MCAP", "arousal", "K-complex"))


def test_leaky_notes_contain_the_class(table):
    for note, kind in zip(leaky_notes(table), table["type"]):
        assert f"{kind.removeprefix('MCAP-')} phase" in note


def test_metadata_serialisation_and_codes(table):
    texts = serialize_metadata(table, ("stage", "duration"))
    assert texts[0] == f"stage: {table['stage'][0]}; duration: {table['duration'][0]:g} s"
    codes, coding = encode_metadata(table)
    stage = slice(*coding.slices["stage"])
    np.testing.assert_array_equal(codes[:, stage].sum(1), 1)  # one-hot


def test_metadata_bad_fields(table):
    with pytest.raises(ValueError, match="unknown metadata field 'bmi'.*known fields"):
        serialize_metadata(table, ("stage", "bmi"))
    with pytest.raises(ValueError, match="leaks the answer"):
        check_fields(table, ("type",))
    bad = table.copy()
    bad.loc[0, "stage"] = "S4"
    with pytest.raises(ValueError, match=r"unknown values \['S4'\]"):
        encode_metadata(bad)


def test_event_images():
    sfreq, t = 100.0, np.arange(2000) / 100.0
    eeg = np.stack([20 * np.sin(2 * np.pi * 3 * t), 20 * np.sin(2 * np.pi * 20 * t)]).astype(np.float32)
    images = render_events(eeg, sfreq, size=32)
    assert images.shape == (2, 3, 32, 32) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1
    rows = images[:, 0].mean(axis=2).argmax(axis=1)  # row of peak power; low frequencies at the bottom
    assert rows[0] > rows[1]
    flat = render_events(np.zeros((1, 2000), np.float32), sfreq, kind="trace", size=32)
    assert flat[0, 0].sum(axis=0).tolist() == [1.0] * 32  # a zero trace is one horizontal line
    with pytest.raises(ValueError, match="unknown rendering"):
        render_events(eeg, sfreq, kind="photo")
    with pytest.raises(ValueError, match=r"shape \(n_events, n_samples\)"):
        render_events(eeg[0], sfreq)


def test_subject_folds_never_share_subjects():
    subjects = np.repeat(np.arange(6), 5)
    for mode in ("holdout", "loso"):
        folds = se.subject_folds(subjects, seed=2, mode=mode)
        for train, val, test in folds:
            sets = [set(subjects[i]) for i in (train, val, test)]
            assert not (sets[0] & sets[2]) and not (sets[0] & sets[1]) and not (sets[1] & sets[2])
            assert len(train) + len(val) + len(test) == len(subjects)
    tested = np.concatenate([test for *_, test in se.subject_folds(subjects, seed=0, mode="loso")])
    assert sorted(tested) == list(range(len(subjects)))


def test_event_study_learns_above_chance():
    events = fl.data.synthetic.synthetic_event_dataset(320, seed=0, n_subjects=8)
    backbones = {"eeg": fl.models.encoders.backbones.ast_backbone(n_frames=16).freeze(),
                 "text": fl.models.encoders.backbones.clip_text_backbone().freeze(),
                 "image": fl.models.encoders.backbones.vit_backbone(img_size=32, depth=1).freeze()}
    features = se.event_features(events, backbones, fl.models.encoders.cache.EmbeddingCache(), metadata="embedding")
    assert set(features.inputs) == set(se.EVENT_MODALITIES)
    settings = se.EventStudySettings(d_model=16, train=fl.train.TrainConfig(num_epochs=20, batch_size=32, lr=1e-3,
                                                                            patience=None, progress=False))
    run = se.run_variant(features, "basic_early", seed=0, settings=settings, modalities=["eeg", "image"])
    baseline = se.majority_baseline(features, seed=0)
    assert run["macro_f1"] > baseline["macro_f1"] + 0.2


def test_dreams_spindle_events(shared_data):
    events = dreams_spindle_events(shared_data / "dreams-spindles", excerpts=[1, 2], window=4.0)
    assert events.eeg.shape == (len(events), 400)
    assert set(events.table["subject"]) == {1, 2}
    counts = events.table.groupby(["subject", "label"]).size().unstack()
    assert (counts[0] == counts[1]).all()  # one background window per spindle
