"""The Hayes & Sun variants: encoder modes of the late variants (frozen, standardised, trainable)."""

from __future__ import annotations

import pytest
import torch

import fusionlab as fl
from fusionlab.data.synthetic.logic import make_boundary_data
from fusionlab.experiments import logic_fusion as study
from fusionlab.models.encoders.transformer import FrozenEncoder
from fusionlab.models.hayes_sun import (
    EXAMPLE_SPECS,
    TokenStandardizer,
    frozen_signal_ratio,
    set_encoder_mode,
)
from fusionlab.train import TrainConfig


def _inputs(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {"tokens": torch.randn(n, 6, 1, generator=g), "signal": torch.randn(n, 64, generator=g)}


@pytest.mark.parametrize("variant", ["basic_late", "enhanced_late"])
def test_standardized_mode_keeps_encoders_frozen_and_standardises_their_tokens(variant):
    torch.manual_seed(0)
    model = fl.create_model(variant, EXAMPLE_SPECS, 2, d_model=16)
    trainable = fl.count_parameters(model, trainable_only=True)
    inputs = _inputs()
    changed = set_encoder_mode(model, "standardized", inputs)
    assert changed == ["tokens", "signal"]
    assert fl.count_parameters(model, trainable_only=True) == trainable  # nothing new trains
    for name in changed:
        encoder = model.encoders[name]
        stage = encoder if variant == "basic_late" else encoder[0]
        assert isinstance(stage[0], FrozenEncoder) and isinstance(stage[1], TokenStandardizer)
        with torch.no_grad():
            tokens = stage(inputs[name])
        torch.testing.assert_close(tokens.mean(0), torch.zeros_like(tokens[0]), atol=1e-4, rtol=0)
        torch.testing.assert_close(tokens.std(0), torch.ones_like(tokens[0]), atol=1e-3, rtol=0)
    model.eval()
    assert torch.isfinite(model(inputs)).all()


def test_trainable_mode_unfreezes_every_encoder():
    model = fl.create_model("enhanced_late", EXAMPLE_SPECS, 2, d_model=16)
    assert fl.count_parameters(model, trainable_only=True) < fl.count_parameters(model)
    set_encoder_mode(model, "trainable")
    assert fl.count_parameters(model, trainable_only=True) == fl.count_parameters(model)
    assert not any(isinstance(m, FrozenEncoder) for m in model.modules())


def test_encoder_mode_errors_and_early_variants():
    model = fl.create_model("basic_early", EXAMPLE_SPECS, 2, d_model=16)
    assert set_encoder_mode(model, "standardized", _inputs()) == []  # nothing frozen: nothing to change
    late = fl.create_model("basic_late", EXAMPLE_SPECS, 2, d_model=16)
    with pytest.raises(ValueError, match="mode must be one of"):
        set_encoder_mode(late, "thawed")
    with pytest.raises(ValueError, match="needs the training inputs"):
        set_encoder_mode(late, "standardized")
    with pytest.raises(KeyError, match="signal"):
        set_encoder_mode(late, "standardized", {"tokens": _inputs()["tokens"]})
    with pytest.raises(ValueError, match="shape"):
        TokenStandardizer(torch.zeros(3, 4), torch.ones(4))


def test_frozen_pooled_encoding_of_the_padded_boundary_data_is_nearly_constant_and_standardising_fixes_it():
    """Lesson 05's diagnosis of Fig. 5, small: the frozen pooled encoding of one value among 251 samples
    barely moves with the value, and Basic Late only learns the boundary once that output is standardised."""
    settings = study.StudySettings(n_train=0, n_val=0, n_test=0, d_model=16, depth=1, pretrain_epochs=2,
                                   patch_size=32, train=TrainConfig(num_epochs=6, batch_size=128, lr=2e-3,
                                                                    patience=None, progress=False))
    data = make_boundary_data(3000, rule="sine", seed=0)
    splits = study.boundary_splits(len(data), seed=0)
    full = data.to_dataset()
    train, val, test = (full.subset(splits[k]) for k in ("train", "val", "test"))
    accuracy = {}
    for mode in ("frozen", "standardized"):
        result = study.train_variant("basic_late", train, val, test, data.specs(), 2, seed=0, settings=settings,
                                     device="cpu", encoder_mode=mode)
        accuracy[mode] = result.metrics["accuracy"]
        if mode == "frozen":
            ratios = frozen_signal_ratio(result.model, train.inputs)
            assert max(ratios.values()) < 0.05, ratios
    assert accuracy["standardized"] > accuracy["frozen"] + 0.15, accuracy
    assert accuracy["standardized"] > 0.85, accuracy
