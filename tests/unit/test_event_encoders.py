"""Hayes & Sun encoders: backbones, embedding cache, MiniLM against sentence-transformers, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F

import fusionlab as fl
from fusionlab.data.events import encode_metadata
from fusionlab.models import ModalitySpec
from fusionlab.models.encoders.backbones import (
    PretrainedWeightsUnavailable,
    ast_backbone,
    clip_text_backbone,
    minilm_backbone,
    minilm_folder,
    vit_backbone,
)
from fusionlab.models.encoders.cache import EmbeddingCache
from fusionlab.models.encoders.pretrained import (
    MetadataEmbedding,
    PretrainedTokenEncoder,
    encoder_weights_table,
)

NOTES = ["Patient in stage N2 at 2.1 h. Event noted on C4-A1 for 7 seconds.",
         "Brief EEG event identified during slow-wave sleep on F4-C4, lasting about 12 s.",
         "On C3-A2, episode recorded in N1 sleep; duration roughly 4 s (35 min after lights out)."]


@pytest.fixture(scope="module")
def minilm():
    return minilm_backbone().freeze()


@pytest.fixture(scope="module")
def small_backbones():
    return {"eeg": ast_backbone(n_frames=16).freeze(), "image": vit_backbone(img_size=32, depth=1).freeze(),
            "clip": clip_text_backbone().freeze()}


def test_minilm_matches_sentence_transformers(minilm):
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(minilm_folder()), device="cpu").encode(NOTES, convert_to_numpy=True)
    ours = minilm(NOTES)
    assert ours.shape == (3, 1, 384) and ours.dtype == torch.float32
    np.testing.assert_allclose(ours[:, 0].numpy(), reference, atol=1e-5)
    # Real weights: paraphrases are closer than unrelated sentences (a random model would not know).
    a, b, c = minilm(["The patient is asleep.", "The subject is sleeping.", "Stock prices fell sharply."])[:, 0]
    assert float(a @ b) > float(a @ c) + 0.2
    assert minilm.pretrained and "pretrained" in minilm.weights_source


def test_offline_backbones_are_labelled_random(small_backbones):
    for backbone in small_backbones.values():
        assert not backbone.pretrained
        assert backbone.weights_source.startswith("random initialisation")


@pytest.mark.parametrize("factory", [ast_backbone, clip_text_backbone, vit_backbone])
def test_pretrained_offline_raises_instead_of_downloading(factory, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(PretrainedWeightsUnavailable, match="pretrained=False"):
        factory(pretrained=True)


def test_backbone_shapes_and_dtype(small_backbones):
    eeg, image, clip = small_backbones["eeg"], small_backbones["image"], small_backbones["clip"]
    assert eeg(torch.randn(2, 1024, 128)).shape == (2, 14, eeg.width)
    out = image(torch.rand(2, 3, 32, 32))
    assert out.shape == (2, 1 + 4, image.width) and out.dtype == torch.float32
    assert clip(NOTES).shape == (3, 1, clip.width)


@pytest.mark.parametrize("name", ["ast_eeg", "vit_image", "minilm_text", "clip_text", "metadata_text"])
def test_frozen_backbone_stays_frozen_and_trainable_one_learns(name):
    spec = fl.get_entry(name).example_spec
    raw = {"ast_eeg": torch.randn(4, 16, 128), "vit_image": torch.rand(4, 3, 64, 64)}.get(name, NOTES + ["x"])
    for trainable in (False, True):
        if trainable and name in ("minilm_text", "metadata_text"):
            continue  # 22 M parameters: covered by the small backbones
        torch.manual_seed(0)
        encoder = fl.create_model(name, ModalitySpec(spec.name, spec.shape, kind="raw"), 8, trainable=trainable)
        before = {k: v.clone() for k, v in encoder.backbone.state_dict().items()}
        optimizer = torch.optim.SGD([p for p in encoder.parameters() if p.requires_grad], lr=1.0)
        encoder.train()
        tokens = encoder(raw)
        assert tokens.dim() == 3 and tokens.shape[-1] == 8 and tokens.dtype == torch.float32
        tokens.square().mean().backward()
        optimizer.step()
        backbone_grads = [p.grad for p in encoder.backbone.parameters()]
        changed = any(not torch.equal(before[k], v) for k, v in encoder.backbone.state_dict().items())
        if trainable:
            assert changed and any(g is not None for g in backbone_grads)
        else:
            assert not changed and all(g is None for g in backbone_grads)
            assert not encoder.backbone.training  # dropout stays off in a frozen backbone
            assert encoder.project.weight.grad is not None


def test_cache_hit_gives_identical_embeddings(small_backbones, tmp_path):
    backbone = small_backbones["eeg"]
    x = torch.randn(5, 16, 128)
    cache = EmbeddingCache(tmp_path)
    first = cache.embed(backbone, x, batch_size=2)
    assert (cache.hits, cache.misses) == (0, 5)
    second = cache.embed(backbone, x[[4, 0, 2]])
    assert (cache.hits, cache.misses) == (3, 5)
    np.testing.assert_array_equal(second, first[[4, 0, 2]])
    # A fresh cache on the same folder reads the files written by the first one.
    again = EmbeddingCache(tmp_path).embed(backbone, x)
    np.testing.assert_array_equal(again, first)
    with torch.no_grad():
        np.testing.assert_allclose(first, backbone(x).numpy(), atol=1e-6)
    # Another backbone (other weights) never reads these entries.
    other = ast_backbone(n_frames=16, seed=1).freeze()
    assert not np.allclose(cache.embed(other, x), first)


def test_cache_on_text_and_encoder(minilm):
    cache = EmbeddingCache()
    encoder = PretrainedTokenEncoder(minilm, 8, cache=cache)
    a = encoder.features(NOTES)
    b = encoder.features(NOTES)
    assert cache.hits == 3 and cache.misses == 3
    torch.testing.assert_close(a, b)


def test_cache_refuses_trainable_backbone():
    backbone = ast_backbone(n_frames=16)  # parameters require gradients
    with pytest.raises(ValueError, match="only frozen backbones can be cached"):
        EmbeddingCache().embed(backbone, torch.randn(2, 16, 128))


def test_bad_inputs_give_clear_errors(minilm, small_backbones):
    with pytest.raises(ValueError, match=r"texts\[1\] is an empty note"):
        minilm(["a note", "   "])
    with pytest.raises(ValueError, match="non-empty list of strings"):
        minilm("a single string")
    with pytest.raises(ValueError, match=r"expects images of shape \(batch, 3, 32, 32\), got \(2, 3, 64, 64\)"):
        small_backbones["image"](torch.rand(2, 3, 64, 64))
    with pytest.raises(ValueError, match="mel bins"):
        small_backbones["eeg"](torch.randn(2, 16, 64))
    encoder = fl.create_model("minilm_text", ModalitySpec("text", (1, 384), kind="features"), 8)
    with pytest.raises(ValueError, match=r"features must have shape \(batch, n_tokens, 384\)"):
        encoder(torch.randn(2, 1, 64))


def test_metadata_embedding_is_one_token_per_field():
    codes, coding = encode_metadata(fl.data.synthetic.make_event_table(10))
    embed = MetadataEmbedding(16)
    tokens = embed(torch.from_numpy(codes))
    assert tokens.shape == (10, len(coding.fields), 16)
    # Events with the same stage share the stage token (a lookup table, not a function of other fields).
    table = fl.data.synthetic.make_event_table(10)
    same = np.flatnonzero(table["stage"].to_numpy() == table["stage"].iloc[0])
    if len(same) > 1:
        torch.testing.assert_close(tokens[same[0], 0], tokens[same[1], 0])
    with pytest.raises(ValueError, match="expects codes of shape"):
        embed(torch.zeros(2, 3))


def test_weights_table_says_which_encoders_are_real(minilm, small_backbones):
    encoders = {"text": PretrainedTokenEncoder(minilm, 8), "eeg": PretrainedTokenEncoder(small_backbones["eeg"], 8),
                "metadata": MetadataEmbedding(8)}
    table = encoder_weights_table(encoders)
    assert table.loc["text", "pretrained weights"] and not table.loc["eeg", "pretrained weights"]
    assert not table.loc["metadata", "pretrained weights"]


def test_late_variants_on_frozen_features_train_everything():
    specs = {"eeg": ModalitySpec("eeg", (14, 64), kind="features"), "text": ModalitySpec("text", (1, 384), "features")}
    for variant in ("basic_late", "enhanced_late"):
        model = fl.create_model(variant, specs, 3, d_model=16, frozen_features=True)
        assert fl.count_parameters(model, trainable_only=True) == fl.count_parameters(model)
        logits = model({"eeg": torch.randn(4, 14, 64), "text": torch.randn(4, 1, 384)})
        F.cross_entropy(logits, torch.tensor([0, 1, 2, 0])).backward()
