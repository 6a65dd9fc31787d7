"""Rhythm as a modality: per-record RR features, per-record morphology, the rhythm encoder, cached inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import fusionlab as fl
from fusionlab.data import rhythm
from fusionlab.data.mitdb import BeatSet, rr_features
from fusionlab.studies import ecg_domains as ecg
from fusionlab.studies.ecg_domains.study import ADASYN_SUFFIX, MODEL_DOMAINS, without_rhythm


def _record_rr(rr_seconds, name):
    peaks = np.concatenate([[0.0], np.cumsum(rr_seconds)]) * 360
    return rr_features(peaks, 360.0), np.full(len(peaks), name)


def _regular_with_premature(base=0.8, n=40, at=20):
    rr = np.full(n, base)
    rr[at - 1], rr[at] = 0.6 * base, 1.4 * base  # a premature beat and its compensatory pause
    return rr


def test_premature_beat_stands_out_in_the_rhythm_features():
    rr, records = _record_rr(_regular_with_premature(), "A")
    feats = rhythm.rhythm_features(rr, records)
    assert feats.shape == (41, len(rhythm.RHYTHM_FEATURES))
    col = {name: feats[:, i] for i, name in enumerate(rhythm.RHYTHM_FEATURES)}
    premature = 20
    assert col["pre_local"][premature] < -0.3 and col["post_pre"][premature] > 0.5
    others = np.delete(np.arange(41), [premature - 1, premature, premature + 1])
    assert np.abs(col["pre_local"][others]).max() < np.abs(col["pre_local"][premature])


def test_rhythm_features_are_relative_to_the_patients_own_heart_rate():
    slow, rec_slow = _record_rr(_regular_with_premature(base=1.2), "slow")
    fast, rec_fast = _record_rr(_regular_with_premature(base=0.6), "fast")
    both = rhythm.rhythm_features(pd.concat([slow, fast], ignore_index=True), np.concatenate([rec_slow, rec_fast]))
    relative = [i for i, n in enumerate(rhythm.RHYTHM_FEATURES) if n != "record_rr"]
    np.testing.assert_allclose(both[:41, relative], both[41:, relative], atol=1e-5)
    # A record's features do not depend on the other records loaded with it.
    np.testing.assert_allclose(rhythm.rhythm_features(slow, rec_slow), both[:41], atol=1e-6)


def test_rhythm_features_reject_bad_input():
    rr, records = _record_rr(np.full(5, 0.8), "A")
    with pytest.raises(ValueError, match="missing columns"):
        rhythm.rhythm_features(rr.drop(columns="post_rr"), records)
    with pytest.raises(ValueError, match="6 rows but records has 3"):
        rhythm.rhythm_features(rr, records[:3])
    rr.loc[2, "pre_rr"] = 0.0
    with pytest.raises(ValueError, match="non-positive or missing RR.*record 'A'"):
        rhythm.rhythm_features(rr, records)


def test_record_normalisation_removes_the_leads_gain():
    rng = np.random.default_rng(0)
    beats = rng.standard_normal((30, 90)).astype(np.float32)
    records = np.array(["A"] * 15 + ["B"] * 15)
    scaled = beats.copy()
    scaled[15:] *= 4.0  # record B recorded with 4x the gain
    a = rhythm.record_normalised_beats(beats, records)
    b = rhythm.record_normalised_beats(scaled, records)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    dev = rhythm.deviation_from_record(beats, records)
    np.testing.assert_allclose(np.median(dev[:15], axis=0), 0, atol=1e-6)


def test_rhythm_encoder_is_registered_and_fuses_with_the_morphology():
    assert "ecg_rhythm_mlp" in fl.list_models(kind="encoder")
    spec = fl.get_entry("ecg_rhythm_mlp").example_spec
    enc = fl.create_model("ecg_rhythm_mlp", spec=spec, d_model=16)
    assert enc(torch.randn(4, spec.shape[0])).shape == (4, 1, 16)
    with pytest.raises(ValueError, match=r"expects \(batch, 9\)"):
        enc(torch.randn(4, 5))
    specs = fl.get_entry("ecg_morphology_rhythm").example_spec
    net = fl.create_model("ecg_morphology_rhythm", modalities=specs, num_classes=4, d_model=16)
    out = net({"time": torch.randn(3, 90), "rhythm": torch.randn(3, 9)})
    assert out.shape == (3, 4) and torch.isfinite(out).all()


def test_two_channel_time_view_builds_a_1d_cnn():
    spec = fl.models.ModalitySpec("time", (2, 90), kind="signal")
    net = fl.models.ecg_domains.ecg_domain_net({"time": spec, "rhythm": fl.models.ModalitySpec("rhythm", (9,), "rhythm")}, 4,
                                               d_model=16)
    assert net({"time": torch.randn(5, 2, 90), "rhythm": torch.randn(5, 9)}).shape == (5, 4)


def test_every_rhythm_model_has_its_morphology_twin():
    for name, domains in MODEL_DOMAINS.items():
        twin = without_rhythm(name)
        if "rhythm" in domains and len(domains) > 1:
            assert twin in MODEL_DOMAINS and set(MODEL_DOMAINS[twin]) == set(domains) - {"rhythm"}
        else:
            assert twin is None
    assert without_rhythm("Hybrid 1 + rhythm" + ADASYN_SUFFIX) == "Hybrid 1" + ADASYN_SUFFIX


def _beat_set(n_per_record=40, records=("A", "B"), seed=0):
    rng = np.random.default_rng(seed)
    parts, recs = [], []
    for r in records:
        rr, rec = _record_rr(0.8 + 0.05 * rng.standard_normal(n_per_record - 1), r)
        parts.append(rr)
        recs.append(rec)
    n = len(records) * n_per_record
    return BeatSet(rng.standard_normal((n, 1, 90)).astype(np.float32), rng.integers(0, 4, n), np.array(["N"] * n),
                   np.concatenate(recs), np.arange(n), pd.concat(parts, ignore_index=True), 128.0, ["MLII"],
                   ecg.CLASSES)


def test_inputs_are_cached_and_keyed_on_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONLAB_BUILD", str(tmp_path))
    beats = _beat_set()
    first = ecg.features.beat_inputs(beats)
    again = ecg.features.beat_inputs(beats)
    fresh = ecg.features.compute_inputs(beats)
    for k in ("time", "tf", "freq", "rhythm"):
        np.testing.assert_array_equal(np.asarray(first[k]), fresh[k])
        np.testing.assert_array_equal(np.asarray(again[k]), fresh[k])
    assert first["time"].shape == (len(beats), 2, 90) and first["rhythm"].shape == (len(beats), 9)
    plain = ecg.features.beat_inputs(beats, deviation=False)
    assert plain["time"].shape == (len(beats), 90)
    # A change of the data gives a new key, never the old arrays.
    other = _beat_set(seed=1)
    assert not np.array_equal(np.asarray(ecg.features.beat_inputs(other)["time"]), np.asarray(first["time"]))


def _ds2_shaped_folder(source, target):
    """Every DS1 record, plus each DS1 record again under a DS2 name (header rewritten, data linked)."""
    from fusionlab.data.mitdb import DS1, DS2

    for name in DS1:
        for ext in ("hea", "dat", "atr"):
            (target / f"{name}.{ext}").symlink_to(source / f"{name}.{ext}")
    for ds1, ds2 in zip(DS1, DS2, strict=True):
        header = (source / f"{ds1}.hea").read_text(encoding="latin-1").splitlines()
        header = [line.replace(f"{ds1}.dat", f"{ds2}.dat") for line in header]
        header[0] = header[0].replace(ds1, ds2, 1)
        (target / f"{ds2}.hea").write_text("\n".join(header) + "\n", encoding="latin-1")
        (target / f"{ds2}.dat").symlink_to(source / f"{ds1}.dat")
        (target / f"{ds2}.atr").symlink_to(source / f"{ds1}.atr")


@pytest.mark.realdata
@pytest.mark.slow
def test_inter_patient_protocol_runs_to_the_end_on_ds2_shaped_data(shared_data, tmp_path, monkeypatch):
    from fusionlab.data.mitdb import DS1, DS2

    monkeypatch.setenv("FUSIONLAB_BUILD", str(tmp_path / "build"))
    folder = tmp_path / "mitdb"
    folder.mkdir()
    _ds2_shaped_folder(shared_data / "mitdb", folder)
    settings = ecg.EcgSettings(models=("Rhythm only", "1D-CNN + rhythm"), num_epochs=1, max_majority=100,
                               gbm_max_majority=100, val_records=2, val_cap=50, patience=1)
    result = ecg.run_ecg_domains(folder, settings, device="cpu", cache=False, log=lambda *_: None)
    assert result.protocol == "inter-patient"
    (fold,) = result.folds
    assert set(result.records) == set(DS2) and set(fold["val_records"]) <= set(DS1)
    assert len(result.y_true) == fold["n_test"] < fold["n_train"] + fold["n_val"] + fold["n_test"]
    table = ecg.metrics_table(result.y_true, result.predictions, groups=result.records, n_boot=50,
                              protocol=result.protocol)
    comparisons = ecg.tables.rhythm_comparisons(result, table, n_boot=50)
    assert set(table.index) == {"majority class", *settings.row_names()}
    assert (comparisons["ci_low"] <= comparisons["ci_high"]).all()
