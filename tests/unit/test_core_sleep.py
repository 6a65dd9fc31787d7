"""CoRe-Sleep family: shapes, modality masking, shared weights, losses, noisy-night detector, learning."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import fusionlab as fl
from fusionlab.data.synthetic import Corruption, make_night
from fusionlab.models.core_sleep import CORE_SLEEP_VARIANTS, core_sleep_specs, unimodal_equivalent
from fusionlab.studies.core_sleep import study as C
from fusionlab.studies.core_sleep.data import features_from_synthetic, sequence_dataset, window_starts
from fusionlab.studies.core_sleep.robustness import detect_noisy_nights, detector_agreement, true_noisy_nights
from fusionlab.train.losses import CoreSleepLoss, alignment_loss

SPECS = core_sleep_specs(seq_len=5, n_frames=6, n_freqs=10)
SMALL = {"d_model": 16, "n_heads": 2, "d_ff": 32, "inner_depth": 2, "outer_depth": 2, "dropout": 0.0}


def _inputs(batch=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {m: torch.randn(batch, *s.shape, generator=g) for m, s in SPECS.items()}


@pytest.mark.parametrize("name", CORE_SLEEP_VARIANTS)
def test_outputs_per_epoch_and_centre(name):
    model = fl.create_model(name, SPECS, 5, **SMALL).eval()
    x = _inputs()
    out = model(x, return_all=True)
    assert out.epoch_logits.shape == (4, 5, 5) and out.logits.shape == (4, 5)
    torch.testing.assert_close(out.logits, out.epoch_logits[:, 2])
    assert set(out.epoch_embeddings) == {"eeg", "eog"} and out.epoch_embeddings["eeg"].shape == (4, 5, 16)
    torch.testing.assert_close(model(x, per_epoch=True), out.epoch_logits)


@pytest.mark.parametrize("name", CORE_SLEEP_VARIANTS)
@pytest.mark.parametrize("kept", ["eeg", "eog"])
def test_masking_a_modality_equals_a_model_without_it(name, kept):
    """Masked EOG gives the same output as a model of the same weights that never had EOG."""
    torch.manual_seed(0)
    model = fl.create_model(name, SPECS, 5, **SMALL).eval()
    x = _inputs()
    mask = {m: torch.full((4,), m == kept) for m in SPECS}
    masked = model(x, mask, per_epoch=True)
    if name == "core_sleep_early":
        # Early shares one encoder: the reference is the same model fed zeros (any value) for the other.
        other = {m: (v if m == kept else torch.full_like(v, float("nan"))) for m, v in x.items()}
        torch.testing.assert_close(model(other, mask, per_epoch=True), masked)
        return
    single = fl.create_model("core_sleep_mid_late", {kept: SPECS[kept]}, 5, **SMALL).eval()
    single.encoders[kept].load_state_dict({k.split(f"encoders.{kept}.", 1)[1]: v for k, v in model.state_dict().items()
                                           if k.startswith(f"encoders.{kept}.")})
    single.head.load_state_dict(model.head.state_dict())
    torch.testing.assert_close(single({kept: x[kept]}, per_epoch=True), masked)


def test_core_shares_sa_and_ff_weights_with_unimodal_encoders():
    model = fl.create_model("core_sleep_core", SPECS, 5, **SMALL)
    n_mid = fl.count_parameters(fl.create_model("core_sleep_mid_late", SPECS, 5, **SMALL))
    n_core = fl.count_parameters(model)
    n_cross = sum(p.numel() for n, p in model.named_parameters() if n.startswith("cross_"))
    # CoRe = Mid-Late + cross-attention only: the multimodal encoders own no SA/FF weights.
    assert n_core == n_mid + n_cross
    # ...and the cross-attention matters when both modalities are present.
    model.eval()
    x = _inputs()
    with torch.no_grad():
        a = model(x)
        for p in model.cross_inner.parameters():
            p.add_(torch.randn_like(p))
        assert not torch.allclose(a, model(x))


def test_all_masked_and_short_sequences_are_clear_errors():
    model = fl.create_model("core_sleep_core", SPECS, 5, **SMALL)
    x = _inputs()
    with pytest.raises(ValueError, match="every modality is masked"):
        model(x, torch.zeros(4, 2, dtype=torch.bool))
    short = {m: v[:, :3] for m, v in x.items()}
    with pytest.raises(ValueError, match="shorter than the outer length"):
        model(short)
    with pytest.raises(ValueError, match="shorter than the outer sequence length"):
        window_starts(4, 5, 5)
    with pytest.raises(TypeError, match="one ModalitySpec"):
        unimodal_equivalent(SPECS, 5)


def test_alignment_loss_is_minimal_for_aligned_pairs():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(3, 8, 16, generator=g)
    for form in ("paper", "clip"):
        aligned = alignment_loss(z, z + 0.01 * torch.randn(z.shape, generator=g), form=form)
        shuffled = alignment_loss(z, z[:, torch.randperm(8, generator=g)], form=form)
        unrelated = alignment_loss(z, torch.randn(3, 8, 16, generator=g), form=form)
        assert aligned < shuffled and aligned < unrelated, form
    # CLIP form: lower bound 0, approached as the temperature falls.
    assert 0 <= float(alignment_loss(z, z, form="clip", temperature=0.01)) < float(
        alignment_loss(z, z, form="clip", temperature=0.1))
    with pytest.raises(ValueError, match="form must be one of"):
        alignment_loss(z, z, form="cosine")
    with pytest.raises(ValueError, match="al_form must be one of"):
        CoreSleepLoss(al_form="cosine")


def _alignment_by_hand(a: np.ndarray, b: np.ndarray) -> float:
    """Eq. 10 for one pair, written with loops: CE(a b^T, I) + CE(b a^T, I), mean over windows and rows."""
    total = 0.0
    for x, y in ((a, b), (b, a)):
        losses = []
        for row in range(x.shape[0]):
            for i in range(x.shape[1]):
                scores = [float(np.dot(x[row, i], y[row, j])) for j in range(y.shape[1])]
                log_norm = np.log(np.sum(np.exp(scores)))
                losses.append(log_norm - scores[i])
        total += float(np.mean(losses))
    return total


def test_alignment_loss_paper_form_equals_eq10_by_hand():
    # Two sequences of three windows in 2-D, numbers small enough to check on paper.
    a = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[0.5, -1.0], [2.0, 0.0], [0.0, 0.0]]])
    b = np.array([[[0.8, 0.1], [0.2, 0.9], [1.0, 0.5]], [[0.0, -1.0], [1.0, 0.5], [-0.5, 0.0]]])
    # First sequence, window 0 of a: scores against b are (0.8, 0.2, 1.0) -> loss log(e^.8 + e^.2 + e) - .8.
    assert np.isclose(np.log(np.exp(0.8) + np.exp(0.2) + np.exp(1.0)) - 0.8, 1.0189, atol=1e-4)
    got = alignment_loss(torch.tensor(a), torch.tensor(b))  # the default is the paper's form
    assert np.isclose(float(got), _alignment_by_hand(a, b), rtol=1e-10)
    # The CLIP form is a different number on the same batch (cosine / 0.1).
    unit = lambda x: x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)
    clip = alignment_loss(torch.tensor(a), torch.tensor(b), form="clip", temperature=0.1)
    assert np.isclose(float(clip), _alignment_by_hand(unit(a) / np.sqrt(0.1), unit(b) / np.sqrt(0.1)), rtol=1e-6)
    assert not np.isclose(float(clip), float(got))
    # CoRe-Sleep's objective uses it with lambda_A = 0.1 on the per-epoch unimodal representations.
    model = fl.create_model("core_sleep_mid_late", SPECS, 5, **SMALL)
    batch = {"inputs": _inputs(3), "mask": torch.ones(3, 2, dtype=torch.bool), "label": torch.randint(0, 5, (3, 5))}
    terms = CoreSleepLoss(ms=False, al=True).terms(model, batch)
    out = model(batch["inputs"], batch["mask"], return_all=True)
    z = {m: out.epoch_embeddings[m].detach().double().numpy() for m in ("eeg", "eog")}
    assert np.isclose(float(terms["al"].detach()), 0.1 * _alignment_by_hand(z["eeg"], z["eog"]), rtol=1e-4)


def test_losses_use_only_present_modalities():
    model = fl.create_model("core_sleep_mid_late", SPECS, 5, **SMALL)
    batch = {"inputs": _inputs(), "mask": torch.tensor([[1, 1], [1, 0], [0, 1], [1, 0]], dtype=torch.bool),
             "label": torch.randint(0, 5, (4, 5))}
    terms = CoreSleepLoss(ms=True, al=True).terms(model, batch)
    assert set(terms) == {"ce", "ms", "al"} and all(torch.isfinite(t) for t in terms.values())
    eeg_only = dict(batch, mask=torch.tensor([[1, 0]] * 4, dtype=torch.bool))
    assert float(CoreSleepLoss(ms=False, al=True).terms(model, eeg_only)["al"].detach()) == 0.0


def _ce_per_sample(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean CE over the epochs of each sample: logits (B, L, C), labels (B, L) -> (B,)."""
    return torch.nn.functional.cross_entropy(logits.transpose(1, 2), labels, reduction="none").mean(1)


@pytest.mark.parametrize("share_predictor", [False, True])
def test_incomplete_data_counts_a_unimodal_patients_loss_once(share_predictor):
    # Fig. 4 as the paper trains it: a patient with one modality contributes its unimodal CE once;
    # MS and AL come from the multimodal patients only.
    torch.manual_seed(0)
    model = fl.create_model("core_sleep_core", SPECS, 5, **SMALL, share_predictor=share_predictor)
    model.single_modality_head = True  # as train_model sets it for models trained with MS
    loss = CoreSleepLoss(ms=True, al=True)
    labels = torch.randint(0, 5, (3, 5), generator=torch.Generator().manual_seed(1))
    # 1. A batch with one EEG-only patient: the whole objective is exactly one CE term.
    alone = {"inputs": _inputs(1), "mask": torch.tensor([[True, False]]), "label": labels[:1]}
    out = model(alone["inputs"], alone["mask"], return_all=True)
    one_ce = _ce_per_sample(out.epoch_modality_logits["eeg"], labels[:1])[0]
    terms = loss.terms(model, alone)
    torch.testing.assert_close(loss(model, alone), one_ce)
    assert float(terms["ms"]) == 0.0 and float(terms["al"]) == 0.0
    # 2. Two multimodal patients and one EEG-only patient: the objective assembled term by term.
    mixed = {"inputs": _inputs(3), "mask": torch.tensor([[True, True], [True, True], [True, False]]), "label": labels}
    out = model(mixed["inputs"], mixed["mask"], return_all=True)
    ce = _ce_per_sample(out.epoch_logits, labels)
    torch.testing.assert_close(ce[2], _ce_per_sample(out.epoch_modality_logits["eeg"], labels)[2])
    ms = sum(_ce_per_sample(out.epoch_modality_logits[m], labels)[:2].mean() for m in ("eeg", "eog"))
    al = 0.1 * alignment_loss(out.epoch_embeddings["eeg"][:2], out.epoch_embeddings["eog"][:2])
    torch.testing.assert_close(loss(model, mixed), ce.mean() + ms + al)
    # 3. The unimodal patient's gradient is that of its one CE term (weight 1/3 in the batch mean).
    x = {m: v.clone().requires_grad_(True) for m, v in mixed["inputs"].items()}
    loss(model, dict(mixed, inputs=x)).backward()
    x1 = {m: v[2:].clone().requires_grad_(True) for m, v in mixed["inputs"].items()}
    out1 = model(x1, mixed["mask"][2:], return_all=True)
    (_ce_per_sample(out1.epoch_modality_logits["eeg"], labels[2:]).sum() / 3).backward()
    torch.testing.assert_close(x["eeg"].grad[2], x1["eeg"].grad[0])
    assert float(x["eog"].grad[2].abs().max()) == 0.0  # the absent modality gets nothing


def _night(subject, corruptions=()):
    return make_night(3, hours=4, modalities=("eeg", "eog"), subject=subject, corruptions=list(corruptions))


def test_noisy_night_detector_recovers_known_corruption():
    d = 4 * 3600
    nights = [_night(0), _night(1),
              _night(2, [Corruption("noisy", "eeg", 0.4 * d, d, 8.0)]),       # 60 % noisy EEG
              _night(3, [Corruption("noisy", "eog", 0.35 * d, d, 6.0)]),       # 65 % noisy EOG
              _night(4, [Corruption("noisy", "eeg", 0.8 * d, d, 8.0)])]        # 20 %: must not be flagged
    detected = detect_noisy_nights({n.name: {m: n.channel(m) for m in ("eeg", "eog")} for n in nights}, 100.0)
    assert list(detected["noisy_modality"]) == ["", "", "eeg", "eog", ""]
    truth = true_noisy_nights(nights)
    assert list(truth["true_noisy_modality"]) == ["", "", "eeg", "eog", ""]
    agreement = detector_agreement(detected, truth)
    assert (agreement["recall"] == 1).all() and (agreement["precision"] == 1).all()


def test_sequence_dataset_and_missing_stage_error():
    night = features_from_synthetic(_night(0))
    ds = sequence_dataset([night.with_present(eog=False)], 7)
    assert ds.inputs["eeg"].shape[1:] == (7, 29, 128) and ds.labels.shape[1] == 7
    assert not ds.mask[:, 1].any() and float(ds.inputs["eog"].abs().sum()) == 0.0
    only_wake = type(night)(night.name, night.features, np.zeros_like(night.labels), night.present, night.signals,
                            night.sfreq)
    with pytest.raises(ValueError, match="no epoch of stage"):
        C.check_stages([only_wake], "train")


def test_core_sleep_learns_above_chance():
    settings = C.with_overrides(C.settings_for("smoke"), n_train=3, hours=2.5, num_epochs=2)
    split = C.make_cohort_split(settings, 1)
    model, _, _ = C.train_model("Mid-Late", "MS+AL", split.train, [], settings, 0)
    scores, _ = fl.robustness.evaluate_modality_subsets(model, split.test[:2])
    majority = 100 * np.bincount(np.concatenate([n.labels for n in split.test[:2]])).max() / sum(
        n.n_epochs for n in split.test[:2])
    # Better than always answering the most frequent stage, with both and with EEG alone.
    assert scores.loc["EEG-EOG", "kappa"] > 0.1 and scores.loc["EEG", "kappa"] > 0.1
    assert scores.loc["EEG-EOG", "acc"] > majority - 5


@pytest.mark.parametrize("name", CORE_SLEEP_VARIANTS)
def test_single_modality_head_answers_only_for_lone_modalities(name):
    torch.manual_seed(0)
    model = fl.create_model(name, SPECS, 5, **SMALL).eval()
    x = _inputs()
    mask = torch.tensor([[1, 1], [1, 0], [0, 1], [1, 1]], dtype=torch.bool)
    before = model(x, mask, per_epoch=True)
    model.single_modality_head = True
    after = model(x, mask, per_epoch=True)
    torch.testing.assert_close(after[[0, 3]], before[[0, 3]])  # both present: the multimodal predictor
    out = model(x, mask, return_all=True)
    # EEG alone: the EEG predictor on the EEG representation.
    torch.testing.assert_close(after[1], out.epoch_modality_logits["eeg"][1])
    torch.testing.assert_close(after[2], out.epoch_modality_logits["eog"][2])


def test_device_reaches_training_and_profiles_are_sized(monkeypatch):
    """``device`` is passed to fit (not a hard-coded CPU); the class profile is smaller than extended."""
    seen = {}

    def fake_fit(model, train_ds, val_ds, config, *, device, loss_fn):
        seen["device"] = device
        return type("History", (), {"epochs": []})()

    monkeypatch.setattr(C, "fit", fake_fit)
    night = features_from_synthetic(make_night(0, hours=0.5, modalities=("eeg", "eog")))
    settings = C.with_overrides(C.settings_for("smoke"), seq_len=5)
    C.train_model("Mid-Late", "none", [night], [], settings, 0, device="meta")
    assert seen["device"] == "meta"
    standard, extended = C.settings_for("standard"), C.settings_for("extended")
    assert len(standard.seeds) >= 3
    assert standard.n_train * standard.hours < extended.n_train * extended.hours
    assert len(standard.table_rows()) < len(extended.table_rows()) == len(C.TABLE_ROWS)


def test_pooled_comparisons_resample_nights_of_every_seed():
    rng = np.random.default_rng(0)
    study = {"probabilities": {}, "groups": {}}
    for seed in (0, 1, 2):
        labels = rng.integers(0, 5, 300)
        good = np.eye(5)[labels]
        bad = np.eye(5)[np.where(rng.random(300) < 0.5, labels, rng.integers(0, 5, 300))]
        study["probabilities"][(seed, "good", "EEG")] = (labels, good)
        study["probabilities"][(seed, "bad", "EEG")] = (labels, bad)
        study["groups"][(seed, "clean")] = np.repeat(np.arange(3), 100)
    table = C.pooled_comparisons(study, [("EEG", "good", "bad")], metrics=("accuracy",), n_boot=200)
    row = table.iloc[0]
    assert row["n_units"] == 9 and row["seeds"] == 3
    assert row["ci_low"] > 0  # a perfect model beats a half-random one on every resample


def test_incomplete_plan_has_the_regime_the_paper_warns_about():
    # Fig. 4, point 3 of the paper: far more unimodal subjects of one modality than multimodal ones.
    for profile in ("smoke", "standard", "extended", "full"):
        settings = C.settings_for(profile)
        plan = C.incomplete_plan(settings)
        one_modality = [k for s in ("eeg", "eog") for k in plan.get(s, [])]
        assert max(one_modality) >= 1.5 * settings.incomplete_base, (profile, plan)
        assert all(ks[0] == 0 for ks in plan.values())
    with pytest.raises(ValueError, match="scenarios must be"):
        C.incomplete_plan(C.with_overrides(C.settings_for("smoke"), incomplete_flood=(("emg", 3),)))
    assert C.row_name("CoRe", "MS+AL-clip") == "CoRe-Sleep (MS + AL, CLIP form)"
    assert C.row_name("Mid-Late", "AL") == "Mid-Late + AL"


def test_clean_test_only_split_draws_the_same_training_and_clean_test_nights():
    """The incomplete-data study draws only what it uses (clean test nights without raw signals): the same nights."""
    settings = C.with_overrides(C.settings_for("smoke"), n_train=2, n_val=1, n_test_clean=1, n_test_noisy=1,
                                n_test_distractor=0, hours=2.5)
    full = C.make_cohort_split(settings, 3, extra_train=1)
    slim = C.make_cohort_split(settings, 3, extra_train=1, clean_test_only=True)
    clean = [n for n in full.test if full.test_kind[n.name] == "clean"]
    assert set(slim.test_kind.values()) == {"clean"} and len(full.test) > len(slim.test) == len(clean) == 1
    for a, b in zip(full.train + full.val + clean, slim.train + slim.val + slim.test):
        assert a.name == b.name and np.array_equal(a.labels, b.labels)
        assert all(np.array_equal(a.features[m], b.features[m]) for m in a.features)
    assert slim.test[0].signals == {} and slim.test[0].night is None


def test_eval_batch_size_is_checked():
    with pytest.raises(ValueError, match="eval_batch_size"):
        fl.train.TrainConfig(eval_batch_size=0)
    assert C.settings_for("standard").train_config(0).eval_batch_size == 32
