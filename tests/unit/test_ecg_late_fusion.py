"""Late (decision-level) fusion: the product of experts, its rows in the ECG study, and its rebuilt model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fusionlab.data.mitdb import SMOKE_RECORDS
from fusionlab.models.product_of_experts import ProductOfExperts, product_of_experts
from fusionlab.studies import ecg_domains as ecg

LATE = "1D-CNN x Rhythm only (late)"


class _Fixed(torch.nn.Module):
    """An 'expert' returning fixed logits for one modality (the row index of its input)."""

    def __init__(self, logits):
        super().__init__()
        self.logits = torch.as_tensor(logits, dtype=torch.float32)

    def forward(self, inputs):
        (x,) = inputs.values()
        return self.logits[x.long()]


def test_product_of_experts_multiplies_the_probabilities():
    a = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    b = torch.tensor([[0.0, 3.0, 0.0], [0.0, 0.0, 2.0]])
    poe = ProductOfExperts({"shape": (_Fixed(a), ("time",)), "timing": (_Fixed(b), ("rhythm",))})
    rows = {"time": torch.arange(2), "rhythm": torch.arange(2)}
    fused = torch.softmax(poe(rows), -1)
    expected = torch.softmax(a, -1) * torch.softmax(b, -1)
    torch.testing.assert_close(fused, expected / expected.sum(-1, keepdim=True))
    # One confident expert is overruled by a more confident one: 2 vs 3 nats -> class 1.
    assert fused.argmax(-1).tolist()[0] == 1
    numpy_logits = product_of_experts([torch.softmax(a, -1).numpy(), torch.softmax(b, -1).numpy()])
    np.testing.assert_array_equal(numpy_logits.argmax(1), fused.argmax(-1).numpy())
    # A shared non-uniform training prior is divided out once.
    prior = torch.log(torch.tensor([0.5, 0.25, 0.25]))
    with_prior = ProductOfExperts({"a": (_Fixed(a), ("time",)), "b": (_Fixed(b), ("rhythm",))}, log_prior=prior)
    torch.testing.assert_close(with_prior(rows), poe(rows) - prior)


def test_product_of_experts_rejects_bad_input():
    with pytest.raises(ValueError, match=">= 2 experts"):
        ProductOfExperts({"a": (_Fixed(torch.zeros(1, 2)), ("time",))})
    poe = ProductOfExperts({"a": (_Fixed(torch.zeros(1, 2)), ("time",)), "b": (_Fixed(torch.zeros(1, 2)), ("rhythm",))})
    with pytest.raises(KeyError, match="rhythm"):
        poe({"time": torch.zeros(1)})
    with pytest.raises(ValueError, match="one shape"):
        product_of_experts([np.ones((3, 4)), np.ones((2, 4))])


def test_late_rows_are_named_typed_and_paired_with_their_twin():
    assert ecg.late_fusion_name(("1D-CNN", "Rhythm only")) == LATE
    assert ecg.late_fusion_experts(LATE) == ("1D-CNN", "Rhythm only") and ecg.late_fusion_experts("1D-CNN") is None
    assert ecg.model_modalities(LATE) == ("time", "rhythm")
    assert ecg.without_rhythm(LATE) == "1D-CNN"
    # A late fusion without the rhythm model has no twin without rhythm (not itself).
    assert ecg.without_rhythm("1D-CNN x Hybrid 1 (late)") is None
    assert ecg.tables.fused_rhythm_models(["1D-CNN", LATE, ecg.GBM]) == [LATE]
    settings = ecg.EcgSettings(models=("1D-CNN", "Rhythm only"), late_fusion=[["1D-CNN", "Rhythm only"]])
    assert settings.row_names() == ["1D-CNN", "Rhythm only", LATE, ecg.GBM]
    with pytest.raises(ValueError, match="late_fusion"):
        ecg.EcgSettings(models=("1D-CNN",), late_fusion=(("1D-CNN", "Rhythm only"),))


@pytest.mark.realdata
@pytest.mark.slow
def test_late_row_is_the_product_of_its_trained_experts(shared_data):
    settings = ecg.EcgSettings(records=SMOKE_RECORDS, n_folds=2, models=("1D-CNN", "Rhythm only"),
                               late_fusion=(("1D-CNN", "Rhythm only"),), num_epochs=3, max_majority=300,
                               gbm_max_majority=150, val_records=2, val_cap=50, patience=3, seeds=2)
    folder = shared_data / "mitdb"
    result = ecg.run_ecg_domains(folder, settings, device="cpu", cache=False, log=lambda *_: None)
    assert set(result.predictions) == set(settings.row_names())
    assert set(result.seed_scores["model"]) == {"1D-CNN", "Rhythm only", LATE}
    assert result.train_seconds[LATE] == pytest.approx(result.train_seconds["1D-CNN"] + result.train_seconds["Rhythm only"])
    # The first fold's late predictions are what the rebuilt product of the two stored experts predicts.
    beats = ecg.load_ecg_beats(folder, settings)
    test0 = np.flatnonzero(np.isin(beats.records, result.folds[0]["test_records"]))
    inputs = ecg.features.beat_inputs(beats, settings.views, cache=False)
    scaled = ecg.scale_inputs(result.scaler, {m: np.asarray(inputs[m][test0]) for m in ("time", "rhythm")})
    model = ecg.rebuild_model(result, LATE)
    with torch.no_grad():
        rebuilt = model({m: torch.from_numpy(v) for m, v in scaled.items()}).argmax(1).numpy()
    first_fold = result.predictions[LATE][result.fold == 0]
    assert np.mean(rebuilt == first_fold) > 0.999
    # ... and it is neither expert alone (else the test would not see the product at all).
    for expert in ("1D-CNN", "Rhythm only"):
        assert (first_fold != result.predictions[expert][result.fold == 0]).any(), expert


def test_each_late_fusion_is_compared_with_the_intermediate_fusion_of_its_modalities():
    assert ecg.tables.intermediate_twin(LATE) == "1D-CNN + rhythm"
    assert ecg.tables.intermediate_twin("Hybrid 1 x Rhythm only (late)") == "Hybrid 1 + rhythm"
    assert ecg.tables.intermediate_twin("1D-CNN + rhythm") is None
    assert ecg.tables.intermediate_twin("1D-CNN x Hybrid 1 (late)") is None
