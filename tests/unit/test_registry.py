"""Every registered encoder, fusion block and model, built in a loop (timm-style registry tests)."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

import fusionlab as fl
from fusionlab.models import ModalitySpec, register
from fusionlab.models.zoo import example_inputs, example_tokens, mask_invariance_gap

FUSION_BLOCKS = fl.list_models(kind="fusion")
MODELS = fl.list_models(kind="model")
ENCODERS = fl.list_models(kind="encoder")


def test_registry_is_populated():
    assert {"basic_early", "basic_late", "enhanced_early", "enhanced_late"} <= set(MODELS)
    assert {"concat_transformer", "pooled_concat_transformer", "cross_modal_attention"} <= set(FUSION_BLOCKS)
    assert fl.list_models("basic_*") == ["basic_early", "basic_late"]


def test_unknown_name_lists_known_names():
    with pytest.raises(KeyError, match="unknown model 'no_such_model'.*basic_early"):
        fl.create_model("no_such_model")


def test_duplicate_registration_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        register("basic_early", kind="model")(lambda: None)
    with pytest.raises(ValueError, match="kind must be one of"):
        register("x", kind="widget")


def test_list_models_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        fl.list_models(kind="widget")


@pytest.mark.parametrize("name", FUSION_BLOCKS)
def test_fusion_block_shape_and_mask(name):
    torch.manual_seed(0)
    modalities = ["a", "b", "c"]
    block = fl.create_model(name, modalities, 16)
    tokens = example_tokens(modalities, 16, batch=5)
    mask = torch.tensor([[1, 1, 1], [1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]], dtype=torch.bool)
    out = block(tokens, mask)
    assert out.shape == (5, 16)
    assert torch.isfinite(out).all()
    for m in modalities:
        assert mask_invariance_gap(block, tokens, m) < 1e-5, f"{name} leaks masked modality {m}"


@pytest.mark.parametrize("name", FUSION_BLOCKS)
def test_fusion_block_rejects_bad_tokens(name):
    block = fl.create_model(name, ["a", "b"], 16)
    tokens = example_tokens(["a", "b"], 16)
    with pytest.raises(KeyError, match="'b'"):
        block({"a": tokens["a"]}, torch.ones(4, 2, dtype=torch.bool))
    with pytest.raises(ValueError, match="batch, n_tokens, 16"):
        block({"a": tokens["a"], "b": torch.randn(4, 3, 8)}, torch.ones(4, 2, dtype=torch.bool))


@pytest.mark.parametrize("name", ENCODERS)
def test_encoder_gives_tokens(name):
    spec = fl.get_entry(name).example_spec
    encoder = fl.create_model(name, spec, 16)
    tokens = encoder(example_inputs({spec.name: spec}, 3)[spec.name])
    assert tokens.dim() == 3 and tokens.shape[0] == 3 and tokens.shape[2] == 16
    assert torch.isfinite(tokens).all()


@pytest.mark.parametrize("name", MODELS)
def test_model_shape_no_nan_and_gradients(name):
    torch.manual_seed(0)
    specs = fl.get_entry(name).example_spec
    model = fl.create_model(name, specs, 3, modality_heads=True)
    inputs = example_inputs(specs, 6)
    out = model(inputs, return_all=True)
    assert out.logits.shape == (6, 3)
    assert torch.isfinite(out.logits).all()
    assert set(out.embeddings) == set(specs) and set(out.modality_logits) == set(specs)
    loss = F.cross_entropy(out.logits, torch.arange(6) % 3)
    loss = loss + sum(F.cross_entropy(v, torch.arange(6) % 3) for v in out.modality_logits.values())
    loss.backward()
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    assert trainable
    no_grad = [n for n, p in trainable.items() if p.grad is None or not torch.any(p.grad != 0)]
    assert not no_grad, f"{name}: no gradient reaches {no_grad}"
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert all(model.get_parameter(n).grad is None for n in frozen)


@pytest.mark.parametrize("name", MODELS)
def test_model_respects_mask(name):
    torch.manual_seed(0)
    specs = fl.get_entry(name).example_spec
    model = fl.create_model(name, specs, 3).eval()
    inputs = example_inputs(specs, 4)
    first = next(iter(specs))
    mask = {first: torch.tensor([False, True, False, True])}
    changed = dict(inputs)
    changed[first] = torch.randn_like(inputs[first]) * 100
    changed[first][1] = inputs[first][1]
    changed[first][3] = inputs[first][3]
    with torch.no_grad():
        a, b = model(inputs, mask), model(changed, mask)
    torch.testing.assert_close(a, b)
    # NaN in a masked modality never reaches the output.
    nan_inputs = dict(inputs)
    nan_inputs[first] = torch.full_like(inputs[first], float("nan"))
    with torch.no_grad():
        out = model(nan_inputs, {first: torch.zeros(4, dtype=torch.bool)})
    assert torch.isfinite(out).all()


def test_parameter_counts_follow_the_design_axes():
    specs = fl.get_entry("basic_early").example_spec
    counts = {n: (fl.count_parameters(m := fl.create_model(n, specs, 2)), fl.count_parameters(m, True))
              for n in ("basic_early", "basic_late", "enhanced_early", "enhanced_late")}
    # Enhanced variants add modality-specific encoders to their basic counterparts.
    assert counts["enhanced_early"][0] > counts["basic_early"][0]
    assert counts["enhanced_late"][0] > counts["basic_late"][0]
    # Frozen encoders: the late variants train only part of their parameters.
    assert counts["basic_late"][1] < counts["basic_late"][0]
    assert counts["basic_early"][1] == counts["basic_early"][0]


def test_encoder_spec_must_fit_embedding():
    with pytest.raises(ValueError, match="minimal embeddings take tokens"):
        fl.create_model("token_embedding", ModalitySpec("img", (3, 8, 8)), 16)
