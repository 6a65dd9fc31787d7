"""Step Fusion (Qin et al.): the SF layer, the stepwise block, LMF, MulT, the ResNet/LSTM encoders and models."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

import fusionlab as fl
from fusionlab.models import ModalitySpec
from fusionlab.models.encoders.lstm import LstmSeriesEncoder
from fusionlab.models.encoders.resnet import RANDOM_INIT, ResNetImageEncoder, stage_layers
from fusionlab.models.fusion.low_rank import LowRankFusion
from fusionlab.models.fusion.mult import MulTFusion
from fusionlab.models.fusion.step import StepFusion, StepFusionLayer
from fusionlab.models.step_fusion import ALIGNMENTS, EXAMPLE_SPECS, parameter_table, qin_net
from fusionlab.models.zoo import example_inputs, example_tokens

NEW_BLOCKS = ("step_fusion", "lmf", "mult_cross_attention")


def _pair(batch=3, length=6, d=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, length, d, generator=g), torch.randn(batch, length, d, generator=g)


def test_everything_is_registered():
    assert set(NEW_BLOCKS) <= set(fl.list_models(kind="fusion"))
    assert {"resnet_bottleneck", "lstm_series"} <= set(fl.list_models(kind="encoder"))
    assert fl.list_models("qin_*") == ["qin_concat", "qin_cross_attention", "qin_lmf", "qin_sf"]
    for name in NEW_BLOCKS:
        assert fl.get_entry(name).missing_modality


# ---------------------------------------------------------------- the SF layer
def test_max_subtraction_leaves_the_softmax_unchanged_and_prevents_overflow():
    torch.manual_seed(0)
    layer = StepFusionLayer(16, n_heads=4).eval()
    x1, x2 = _pair()
    _, weights = layer(x1, x2, return_weights=True)
    g = layer.guide(x1, x2)
    torch.testing.assert_close(weights, torch.softmax(g, dim=-1))
    shifted = g - g.amax(dim=-1, keepdim=True)
    assert torch.all(shifted <= 0) and torch.allclose(shifted.amax(-1), torch.zeros(()))
    naive = shifted.exp() / shifted.exp().sum(-1, keepdim=True)  # exp without torch's own stabilisation
    torch.testing.assert_close(weights, naive)
    # Huge logits: a naive exp overflows, the layer (eq 14) stays finite.
    with torch.no_grad():
        layer.query.weight.mul_(1e3)
        layer.key.weight.mul_(1e3)
    assert not torch.isfinite(layer.guide(x1, x2).exp()).all()
    out, weights = layer(x1, x2, return_weights=True)
    assert torch.isfinite(out).all() and torch.isfinite(weights).all()


def test_weights_rows_sum_to_one_and_double_scaling_flattens_the_guide():
    torch.manual_seed(0)
    layer = StepFusionLayer(16, n_heads=2)
    x1, x2 = _pair(length=5)
    out, weights = layer(x1, x2, return_weights=True)
    assert out.shape == x1.shape and weights.shape == (3, 2, 5, 5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 2, 5))
    literal = StepFusionLayer(16, n_heads=2, double_scaling=True)
    literal.load_state_dict(layer.state_dict())
    torch.testing.assert_close(literal.guide(x1, x2), layer.guide(x1, x2) / 16**0.5)


def test_identical_inputs_with_tied_projections_give_a_symmetric_guide():
    torch.manual_seed(0)
    layer = StepFusionLayer(16, n_heads=4)
    x, other = _pair()
    assert not torch.allclose(layer.guide(x, x), layer.guide(x, x).transpose(-1, -2))  # untied: asymmetric
    layer.key.load_state_dict(layer.query.state_dict())
    layer.norm2.load_state_dict(layer.norm1.state_dict())
    with torch.no_grad():
        layer.norm1.weight.uniform_(0.5, 1.5)  # non-trivial (still tied) LayerNorm affine
        layer.norm2.weight.copy_(layer.norm1.weight)
    g = layer.guide(x, x)
    torch.testing.assert_close(g, g.transpose(-1, -2))
    assert not torch.allclose(layer.guide(x, other), layer.guide(x, other).transpose(-1, -2))


def test_substituting_mapping_adds_the_normalised_inputs():
    """Algorithm 1: Out = Conv2[Conv1(attn) + n1] + n2; with Conv1 = 0 and Conv2 = 2 * identity, Out = 2 n1 + n2."""
    torch.manual_seed(0)
    layer = StepFusionLayer(16, n_heads=4, kernel_size=3)
    with torch.no_grad():
        layer.conv1.weight.zero_()
        layer.conv1.bias.zero_()
        layer.conv2.weight.zero_()
        layer.conv2.bias.zero_()
        layer.conv2.weight[:, :, 1] = 2 * torch.eye(16)
    x1, x2 = _pair()
    torch.testing.assert_close(layer(x1, x2), 2 * F.layer_norm(x1, (16,)) + F.layer_norm(x2, (16,)))


def test_local_convolutions_break_permutation_equivariance():
    torch.manual_seed(0)
    x1, x2 = _pair(length=7)
    perm = torch.randperm(7)
    global_only = StepFusionLayer(16, kernel_size=1).eval()  # attention alone: permutation-equivariant
    torch.testing.assert_close(global_only(x1[:, perm], x2[:, perm]), global_only(x1, x2)[:, perm])
    local = StepFusionLayer(16, kernel_size=3).eval()
    assert not torch.allclose(local(x1[:, perm], x2[:, perm]), local(x1, x2)[:, perm], atol=1e-4)
    assert not torch.allclose(local(x1, x2), local(x2, x1), atol=1e-4)  # SF is asymmetric in its inputs


def test_sf_layer_errors_name_the_argument_and_shapes():
    layer = StepFusionLayer(16)
    x1, x2 = _pair()
    with pytest.raises(ValueError, match=r"x2 must have shape \(batch, n_tokens, 16\), got \(3, 6, 8\)"):
        layer(x1, x2[..., :8])
    with pytest.raises(ValueError, match=r"x1 must have shape"):
        layer(x1[0], x2)
    with pytest.raises(ValueError, match=r"same \(batch, n_tokens\) as x1 = \(3, 6\).*got \(3, 4\)"):
        layer(x1, x2[:, :4])
    with pytest.raises(ValueError, match="multiple of n_heads"):
        StepFusionLayer(10, n_heads=4)


# ------------------------------------------------------------ the stepwise block
def test_step_fusion_resamples_and_skips_masked_steps():
    torch.manual_seed(0)
    block = StepFusion(["a", "b", "c"], 16, n_tokens=4).eval()
    assert len(block.steps) == 2
    tokens = example_tokens(["a", "b", "c"], 16, batch=2)
    only_a = torch.tensor([[True, False, False]] * 2)
    start = block.start + F.adaptive_avg_pool1d(tokens["a"].transpose(1, 2), 4).transpose(1, 2)
    torch.testing.assert_close(block(tokens, only_a), start.mean(1))  # no step applied
    a_b = torch.tensor([[True, True, False]] * 2)
    seqs = block.sequences(tokens, a_b)
    torch.testing.assert_close(block(tokens, a_b), block.steps[0](block.start + seqs[0], seqs[1]).mean(1))


def test_step_fusion_needs_two_modalities_and_equal_lengths_without_resampling():
    with pytest.raises(ValueError, match="two or more modalities.*'mean'"):
        StepFusion(["a"], 16)
    block = StepFusion(["a", "b"], 16, n_tokens=None)
    tokens = example_tokens(["a", "b"], 16, lengths=[3, 5])
    with pytest.raises(ValueError, match=r"n_tokens=None.*\{'a': 3, 'b': 5\}"):
        block(tokens, torch.ones(4, 2, dtype=torch.bool))
    out = block(example_tokens(["a", "b"], 16, lengths=[5, 5]), torch.ones(4, 2, dtype=torch.bool))
    assert out.shape == (4, 16)


# ----------------------------------------------------------------- LMF and MulT
def test_lmf_rank_one_with_a_masked_modality_reduces_to_its_constant_factor_row():
    torch.manual_seed(0)
    block = LowRankFusion(["a", "b"], 16, rank=1)
    tokens = example_tokens(["a", "b"], 16)
    mask = torch.tensor([[True, False]] * 4)
    z_a = torch.cat([tokens["a"].mean(1), torch.ones(4, 1)], dim=1)
    expected = block.rank_weights[0, 0] * (z_a @ block.factors[0][0]) * block.factors[1][0, -1] + block.bias
    torch.testing.assert_close(block(tokens, mask), expected)


def test_lmf_is_affine_in_the_only_present_modality():
    torch.manual_seed(0)
    block = LowRankFusion(["a", "b", "c"], 16, rank=4)
    t1, t2 = example_tokens(["a", "b", "c"], 16, seed=1), example_tokens(["a", "b", "c"], 16, seed=2)
    mask = torch.tensor([[False, True, False]] * 4)
    mix = {m: 0.3 * t1[m] + 0.7 * t2[m] for m in t1}
    torch.testing.assert_close(block(mix, mask), 0.3 * block(t1, mask) + 0.7 * block(t2, mask))
    full = torch.ones(4, 3, dtype=torch.bool)  # with two present modalities it is not affine
    assert not torch.allclose(block(mix, full), 0.3 * block(t1, full) + 0.7 * block(t2, full), atol=1e-5)


@pytest.mark.parametrize("n_modalities", [2, 3, 4])
def test_mult_has_one_stream_per_ordered_pair(n_modalities):
    names = [f"m{i}" for i in range(n_modalities)]
    block = MulTFusion(names, 16, depth=2)
    assert len(block.streams) == n_modalities * (n_modalities - 1)
    assert all(len(stack) == 2 for stack in block.streams.values())
    assert MulTFusion.stream_name("m0", "m1") in block.streams


def test_mult_sample_with_one_present_modality_still_depends_on_it():
    torch.manual_seed(0)
    block = MulTFusion(["a", "b"], 16).eval()
    tokens = example_tokens(["a", "b"], 16)
    mask = torch.tensor([[True, False]] * 4)
    changed = {"a": tokens["a"] + 1.0, "b": tokens["b"]}
    assert not torch.allclose(block(tokens, mask), block(changed, mask))


def test_sf_has_fewer_fusion_parameters_than_cross_attention():
    for d in (16, 64):
        counts = {n: fl.count_parameters(fl.create_model(n, ["image", "series"], d))
                  for n in ("step_fusion", "mult_cross_attention", "cross_modal_attention")}
        assert counts["step_fusion"] < counts["cross_modal_attention"] < counts["mult_cross_attention"]


# ------------------------------------------------------------------- encoders
def test_resnet_encoder_tokens_for_small_images_and_clear_errors():
    torch.manual_seed(0)
    assert stage_layers(6) == (2, 2, 2) and stage_layers(7) == (3, 2, 2) and stage_layers(2) == (1, 1)
    for shape, n_tokens in (((1, 32, 32), 4), ((24, 24), 4), ((3, 16, 40), 3)):
        encoder = ResNetImageEncoder(ModalitySpec("img", shape, kind="image"), 8, depth=3, width=4)
        assert encoder.weights_source == RANDOM_INIT and encoder.reduction == 16
        assert encoder(torch.randn(2, *shape)).shape == (2, n_tokens, 8) == (2, encoder.n_tokens, 8)
    with pytest.raises(ValueError, match=r"8 x 8, smaller than the output stride 16; need at least 16 x 16"):
        ResNetImageEncoder(ModalitySpec("img", (1, 8, 8), kind="image"), 8)
    with pytest.raises(ValueError, match=r"\(channels, height, width\) or \(height, width\), got \(90,\)"):
        ResNetImageEncoder(ModalitySpec("img", (90,), kind="image"), 8)
    encoder = ResNetImageEncoder(ModalitySpec("img", (1, 32, 32), kind="image"), 8, depth=2, width=4)
    with pytest.raises(ValueError, match=r"expects images \(batch, 1, 32, 32\).*got \(2, 3, 32, 32\)"):
        encoder(torch.randn(2, 3, 32, 32))
    with pytest.raises(ValueError, match="in_chans=2 does not match the 3 channels"):
        ResNetImageEncoder(ModalitySpec("img", (3, 32, 32), kind="image"), 8, in_chans=2)


def test_resnet_encoder_from_a_timm_name_builds_offline():
    encoder = ResNetImageEncoder(ModalitySpec("img", (1, 32, 32), kind="image"), 8, timm_name="resnet18",
                                 pretrained=False, in_chans=3)
    assert encoder.weights_source == RANDOM_INIT and encoder.name == "resnet18" and encoder.reduction == 32
    tokens = encoder(torch.randn(2, 1, 32, 32))  # grey image repeated over 3 channels
    assert tokens.shape == (2, 1, 8) and torch.isfinite(tokens).all()


def test_lstm_encoder_shapes_and_errors():
    encoder = LstmSeriesEncoder(ModalitySpec("s", (20, 6), kind="series"), 8, bidirectional=True, num_layers=1)
    assert encoder(torch.randn(3, 20, 6)).shape == (3, 20, 8)
    assert LstmSeriesEncoder(ModalitySpec("s", (20,), kind="series"), 8)(torch.randn(3, 20)).shape == (3, 20, 8)
    with pytest.raises(ValueError, match=r"expects series \(batch, 20, 6\), got \(3, 20\)"):
        encoder(torch.randn(3, 20))
    with pytest.raises(ValueError, match=r"\(n_times,\) or \(n_times, n_channels\), got \(1, 4, 4\)"):
        LstmSeriesEncoder(ModalitySpec("s", (1, 4, 4), kind="series"), 8)


# ---------------------------------------------------------------------- models
def test_qin_sf_gradients_reach_both_encoders():
    torch.manual_seed(0)
    model = fl.create_model("qin_sf", EXAMPLE_SPECS, 2, d_model=16, resnet_width=4)
    loss = F.cross_entropy(model(example_inputs(EXAMPLE_SPECS, 3)), torch.tensor([0, 1, 0]))
    loss.backward()
    for name in ("image", "series"):
        grads = [p.grad for p in model.encoders[name].parameters()]
        assert all(g is not None for g in grads) and any(g.abs().sum() > 0 for g in grads), name


def test_qin_net_order_kinds_and_unimodal_ablation():
    series_first = {"series": EXAMPLE_SPECS["series"], "image": EXAMPLE_SPECS["image"]}
    with pytest.raises(ValueError, match="image modality must come first"):
        qin_net(series_first, 2, d_model=16)
    with pytest.raises(ValueError, match="kind 'image'.*'series'.*'rhythm'.*got 'signal'"):
        qin_net({"x": ModalitySpec("x", (90,), kind="signal")}, 2, d_model=16)
    unimodal = qin_net({"series": EXAMPLE_SPECS["series"]}, 2, d_model=16)
    assert type(unimodal.fusion).__name__ == "MeanFusion"
    assert unimodal(example_inputs({"series": EXAMPLE_SPECS["series"]}, 2)).shape == (2, 2)
    two_series = {"a": ModalitySpec("a", (30, 2), kind="series"), "b": ModalitySpec("b", (12,), kind="series")}
    assert qin_net(two_series, 3, d_model=16, fusion="lmf", rank=2).fusion.rank == 2


def test_parameter_table_rows_and_counts():
    table = parameter_table(d_model=16, resnet_width=4)
    assert list(table.index) == ["SF", "LMF", "Cross-attention", "Concat"]
    assert list(table["fusion block"]) == [ALIGNMENTS[a] for a in table.index]
    for alignment, row in table.iterrows():
        block = fl.create_model(row["fusion block"], list(EXAMPLE_SPECS), 16)
        assert row["fusion parameters"] == fl.count_parameters(block)
        model = fl.create_model(row["model"], EXAMPLE_SPECS, 2, d_model=16, resnet_width=4)
        assert row["model parameters"] == fl.count_parameters(model)
    assert table["encoder parameters"].nunique() == 1  # matched encoders
    assert table.loc["SF", "fusion parameters"] < table.loc["Cross-attention", "fusion parameters"]
    assert table.loc["SF", "fusion / SF"] == 1.0


def test_cross_attention_substitution_is_named():
    """The paper's cross-attention baseline [16] is CAT; ours is a MulT stand-in, and the code says so."""
    from fusionlab.models.registry import get_entry
    from fusionlab.reference import qin as qin_reference

    assert ALIGNMENTS["Cross-attention"] == "mult_cross_attention"
    assert "CAT" in qin_reference.CROSS_ATTENTION_CITED and "MulT" in qin_reference.CROSS_ATTENTION_USED
    doc = get_entry("qin_cross_attention").factory.__doc__
    assert "stand-in" in doc and "CAT" in doc
    assert "stand-in" not in get_entry("qin_sf").factory.__doc__


def test_sf_with_rhythm_is_a_third_step():
    """SF + rhythm (lesson 08's RR features as a third modality): three encoders, two SF steps, finite logits."""
    specs = {**EXAMPLE_SPECS, "rhythm": ModalitySpec("rhythm", (9,), kind="rhythm")}
    model = qin_net(specs, 4, d_model=16, resnet_depth=2, resnet_width=4, lstm_layers=1).eval()
    assert len(model.fusion.steps) == 2 and list(model.encoders) == ["image", "series", "rhythm"]
    batch = {m: torch.randn(3, *spec.shape) for m, spec in specs.items()}
    logits = model(batch)
    assert logits.shape == (3, 4) and torch.isfinite(logits).all()
    # the rhythm changes the prediction (the third step is not a no-op)
    moved = model({**batch, "rhythm": batch["rhythm"] + 3.0})
    assert not torch.allclose(moved, logits)
