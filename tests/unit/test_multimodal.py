"""MultimodalNet input checking and the frozen-encoder wrapper."""

from __future__ import annotations

import pytest
import torch

import fusionlab as fl
from fusionlab.models.encoders import FrozenEncoder, ModalityTransformerEncoder
from fusionlab.models.pretraining import frozen_encoders, pretrain_frozen_encoders
from fusionlab.models.spec import ModalitySpec
from fusionlab.models.zoo import example_inputs

SPECS = {"a": ModalitySpec("a", (4, 1)), "b": ModalitySpec("b", (6, 2))}


@pytest.fixture
def model():
    torch.manual_seed(0)
    return fl.create_model("enhanced_early", SPECS, 2, d_model=16)


def test_missing_modality_key_is_a_clear_error(model):
    inputs = example_inputs(SPECS)
    del inputs["b"]
    with pytest.raises(KeyError, match="no modality 'b'.*expected keys \\['a', 'b'\\]"):
        model(inputs)


def test_unknown_modality_key_is_a_clear_error(model):
    inputs = example_inputs(SPECS)
    inputs["c"] = torch.zeros(4, 1)
    with pytest.raises(KeyError, match="unknown modality 'c'"):
        model(inputs)


def test_wrong_shape_is_a_clear_error(model):
    inputs = example_inputs(SPECS)
    inputs["a"] = torch.zeros(4, 5, 1)
    with pytest.raises(ValueError, match="modality 'a': expected per-sample shape \\(4, 1\\).*got \\(4, 5, 1\\)"):
        model(inputs)


def test_batch_size_mismatch(model):
    inputs = example_inputs(SPECS)
    inputs["a"] = inputs["a"][:2]
    with pytest.raises(ValueError, match="same batch size"):
        model(inputs)


def test_bad_mask_shape_and_all_masked(model):
    inputs = example_inputs(SPECS)
    with pytest.raises(ValueError, match="mask must have shape"):
        model(inputs, torch.ones(4, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="every modality is masked for 1 sample.*index 2"):
        model(inputs, torch.tensor([[1, 1], [1, 0], [0, 0], [0, 1]], dtype=torch.bool))
    with pytest.raises(KeyError, match="unknown modality 'z'"):
        model(inputs, {"z": torch.ones(4, dtype=torch.bool)})


def test_mask_as_dict_equals_mask_as_tensor(model):
    model.eval()
    inputs = example_inputs(SPECS)
    tensor_mask = torch.tensor([[1, 0], [1, 1], [0, 1], [1, 1]], dtype=torch.bool)
    dict_mask = {"a": tensor_mask[:, 0], "b": tensor_mask[:, 1]}
    torch.testing.assert_close(model(inputs, tensor_mask), model(inputs, dict_mask))


def test_embeddings_are_zero_for_masked_modalities(model):
    inputs = example_inputs(SPECS)
    out = model(inputs, {"b": torch.tensor([True, False, True, False])}, return_all=True)
    assert torch.all(out.embeddings["b"][[1, 3]] == 0)
    assert out.modality_logits == {}


def test_frozen_encoder_stays_frozen_and_in_eval_mode():
    encoder = FrozenEncoder(ModalityTransformerEncoder(SPECS["a"], 16, dropout=0.5))
    encoder.train()
    assert not encoder.encoder.training
    assert all(not p.requires_grad for p in encoder.parameters())
    x = torch.randn(3, 4, 1)
    torch.testing.assert_close(encoder(x), encoder(x))  # no dropout


def test_label_free_pretraining_reduces_reconstruction_loss_and_refreezes():
    torch.manual_seed(0)
    model = fl.create_model("basic_late", SPECS, 2, d_model=16)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    data = example_inputs(SPECS, batch=256)
    data["a"] = data["a"][:, :1].expand(-1, 4, -1) + 0.1 * torch.randn(256, 4, 1)  # tokens share a latent
    curves = pretrain_frozen_encoders(model, data, epochs=6, batch_size=64, seed=0)
    assert set(curves) == {"a", "b"}
    assert curves["a"][-1] < curves["a"][0]
    for frozen in frozen_encoders(model).values():
        assert all(not p.requires_grad for p in frozen.parameters())
        assert "denoising" in frozen.weights_source
    changed = [k for k in before if "encoders" in k and not torch.equal(before[k], model.state_dict()[k])]
    assert changed
