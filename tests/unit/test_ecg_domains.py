"""ECG feature domains: views, protocols, balancing, dependence estimators, and learning on real DS1 beats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import fusionlab as fl
from fusionlab.data.mitdb import BeatSet
from fusionlab.stats import dependence
from fusionlab.studies import ecg_domains as ecg


def _beats(records_labels, n_times=90, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.concatenate([lab for _, lab in records_labels])
    records = np.concatenate([[r] * len(lab) for r, lab in records_labels])
    n = len(labels)
    rr = pd.DataFrame({"pre_rr": np.full(n, 0.8), "post_rr": np.full(n, 0.8), "local_rr": np.full(n, 0.8),
                       "record_rr": np.full(n, 0.8)})
    return BeatSet(rng.standard_normal((n, 1, n_times)).astype(np.float32), labels, np.array(["N"] * n), records,
                   np.arange(n), rr, 128.0, ["MLII"], ecg.CLASSES)


def test_views_shapes_and_specs_fit_the_models():
    x = np.random.default_rng(0).standard_normal((5, 1, 90)).astype(np.float32)
    views = ecg.beat_views(x, 128.0)
    assert views["time"].shape == (5, 90) and views["tf"].shape == (5, 24, 45) and views["freq"].shape == (5, 65)
    specs = ecg.view_specs(views)
    model = fl.models.ecg_domains.ecg_domain_net(specs, 4)
    out = model({d: torch.from_numpy(v) for d, v in views.items()})
    assert out.shape == (5, 4) and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="one lead"):
        ecg.beat_views(np.zeros((2, 2, 90), np.float32), 128.0)


def test_hybrid_factories_check_their_domains():
    specs = fl.get_entry("ecg_hybrid2").example_spec
    with pytest.raises(ValueError, match="ecg_hybrid1 fuses one modality of each kind"):
        fl.create_model("ecg_hybrid1", specs, 4)
    with pytest.raises(ValueError, match="kind"):
        fl.models.ecg_domains.ecg_domain_net({"x": fl.models.ModalitySpec("x", (5, 2))}, 4)


def test_record_cv_folds_keep_records_apart_and_bad_protocols_fail():
    lab = np.array([0] * 20 + [1, 1, 2, 2, 3, 3])
    beats = _beats([(str(r), lab) for r in (101, 106, 108, 109, 112, 114)])
    folds = ecg.make_folds(beats, "record-cv", n_folds=3)
    for fold in folds:
        assert not set(fold.train_records) & set(fold.test_records)
    assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(len(beats)))
    with pytest.raises(ValueError, match="unknown protocol 'leave-one-out'"):
        ecg.make_folds(beats, "leave-one-out")
    with pytest.raises(ValueError, match="needs every DS1 and DS2 record"):
        ecg.make_folds(beats, "inter-patient")
    assert ecg.resolve_protocol("auto", ["101", "106"]) == "record-cv"


def test_a_training_fold_without_a_class_is_a_clear_error():
    beats = _beats([("101", np.array([0] * 10 + [3])), ("106", np.array([0] * 10 + [1, 2])),
                    ("108", np.array([0] * 10 + [1, 2]))])
    with pytest.raises(ValueError, match=r"hold no beats of class\(es\) \['F'\]"):
        ecg.make_folds(beats, "record-cv", n_folds=3)


def test_adasyn_balances_only_what_it_is_given():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (400, 8)), rng.normal(2, 1, (30, 8)), rng.normal(-2, 1, (20, 8))])
    y = np.array([0] * 400 + [1] * 30 + [2] * 20)
    _xb, yb, synthetic = ecg.balance_beats(x, y, method="adasyn", max_majority=200)
    counts = np.bincount(yb)
    assert counts[0] == 200 and np.all(np.abs(counts - 200) <= 0.2 * 200)
    assert synthetic.sum() == len(yb) - 250 and not synthetic[:250].any()
    _, yw, _ = ecg.balance_beats(x, y, method="class_weight", max_majority=200)
    w = ecg.class_weights(yw, 4)
    assert w[3] == 0 and w[2] > w[1] > w[0]
    with pytest.raises(ValueError, match="balancing method"):
        ecg.balance_beats(x, y, method="smote-ish")


def test_mi_estimator_on_known_cases_and_cka_invariance():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2000, 1))
    independent = rng.standard_normal((2000, 1))
    assert dependence.mutual_information_between(a, independent, k=1) < 0.05
    nonlinear = a**2  # deterministic, uncorrelated with a
    assert abs(dependence.pearson_between(a, nonlinear, k=1)["first"]) < 0.1
    assert dependence.mutual_information_between(a, nonlinear, k=1) > 1.0
    x = rng.standard_normal((500, 6))
    rotation, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    assert dependence.linear_cka(x, 3 * x @ rotation) == pytest.approx(1.0)
    assert dependence.linear_cka(x, rng.standard_normal((500, 6))) < 0.1


@pytest.mark.realdata
def test_unknown_lead_is_a_clear_error(shared_data):
    with pytest.raises(Exception, match="V9"):
        fl.data.load_mitdb_beats(shared_data / "mitdb", ["101"], leads=("V9",))


@pytest.mark.realdata
@pytest.mark.slow
def test_learning_on_real_ds1_records_beats_the_majority_class(shared_data):
    # All DS1 records present, two folds of whole records, a small balanced training set per fold.
    settings = ecg.EcgSettings(n_folds=2, num_epochs=8, max_majority=500, models=("1D-CNN",))
    result = ecg.run_ecg_domains(shared_data / "mitdb", settings, device="cpu", cache=False, log=lambda *_: None)
    table = ecg.metrics_table(result.y_true, result.predictions, groups=result.records, n_boot=50)
    majority = table.loc["majority class", "macro_f1"]
    assert table.loc[ecg.GBM, "macro_f1"] > majority + 0.1
    assert table.loc["1D-CNN", "macro_f1"] > majority + 0.05
