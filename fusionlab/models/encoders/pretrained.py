"""Registered modality encoders built on the backbones of Hayes & Sun, and learned metadata embeddings.

Each encoder maps one modality to tokens ``(B, L, d_model)``: backbone features ``(B, L, width)``
(:mod:`~fusionlab.models.encoders.backbones`) through a trainable linear projection. The backbone
is frozen (Basic variants: ``trainable=False``, the default) or trained with the rest
(``trainable=True``). A frozen backbone can share an :class:`~fusionlab.models.encoders.cache.EmbeddingCache`,
so it runs once per distinct input.

What the input tensor holds follows the spec's ``kind``: ``"features"`` -- backbone features that
were computed (and cached) beforehand, shape ``(L, width)``; otherwise the raw modality (log-mel
``(n_frames, 128)``, image ``(3, H, W)``). Text encoders also take a list of strings (notes) and
the metadata-as-text encoder a DataFrame of events.

==================  ==========================================  ==========================
name                input                                       weights offline
==================  ==========================================  ==========================
``ast_eeg``         log-mel ``(n_frames, 128)`` or features     random (small ASTConfig)
``minilm_text``     notes (list of str) or features (1, 384)    **real** (all-MiniLM-L6-v2)
``clip_text``       notes or features (1, width)                random (small CLIPTextConfig)
``vit_image``       image ``(3, 64, 64)`` or features           random (timm ViT config)
``metadata_text``   event table (serialised) or features        **real** (all-MiniLM-L6-v2)
``metadata_embedding``  metadata codes ``(n_columns,)``         learned (trained with the model)
==================  ==========================================  ==========================
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch
from torch import Tensor, nn

from fusionlab.data.events.metadata import DEFAULT_FIELDS, metadata_coding, serialize_metadata
from fusionlab.models.encoders.backbones import (
    AST_MODEL_NAME,
    CLIP_TEXT_MODEL_NAME,
    VIT_MODEL_NAME,
    Backbone,
    ast_backbone,
    clip_text_backbone,
    minilm_backbone,
    vit_backbone,
)
from fusionlab.models.encoders.cache import EmbeddingCache
from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec

PAPER = "Hayes & Sun, Sec. III-A"


class PretrainedTokenEncoder(nn.Module):
    """Backbone (frozen or trainable) + linear projection: modality -> tokens ``(B, L, d_model)``.

    Parameters
    ----------
    backbone : Backbone
    d_model : int
    trainable : bool
        Train the backbone too (Enhanced, fine-tuned); frozen by default (Basic).
    takes_features : bool
        Tensor inputs are precomputed backbone features ``(B, L, width)`` rather than raw input.
    cache : EmbeddingCache, optional
        Used for raw inputs when the backbone is frozen.
    """

    def __init__(self, backbone: Backbone, d_model: int, *, trainable: bool = False, takes_features: bool = False,
                 cache: EmbeddingCache | None = None) -> None:
        super().__init__()
        self.backbone = backbone
        self.trainable = bool(trainable)
        self.takes_features = bool(takes_features)
        self.cache = cache
        self.project = nn.Linear(backbone.width, d_model)
        for p in self.backbone.parameters():
            p.requires_grad_(self.trainable)
        self.backbone.train(False)

    @property
    def weights_source(self) -> str:
        return self.backbone.weights_source

    def train(self, mode: bool = True) -> PretrainedTokenEncoder:
        super().train(mode)
        if not self.trainable:
            self.backbone.eval()  # a frozen backbone keeps dropout off and statistics fixed
        return self

    def _raw(self, x):
        return x

    def features(self, x) -> Tensor:
        """Backbone features ``(B, L, width)`` of raw input ``x`` (cached when frozen and a cache is set)."""
        x = self._raw(x)
        if not self.trainable:
            if self.cache is not None:
                return torch.from_numpy(self.cache.embed(self.backbone, x)).to(self.project.weight.device)
            with torch.no_grad():
                return self.backbone(x)
        return self.backbone(x)

    def forward(self, x) -> Tensor:
        if isinstance(x, Tensor) and self.takes_features:
            if x.dim() != 3 or x.shape[-1] != self.backbone.width:
                raise ValueError(f"{self.backbone.name}: features must have shape (batch, n_tokens, "
                                 f"{self.backbone.width}), got {tuple(x.shape)}")
            feats = x
        else:
            feats = self.features(x)
        return self.project(feats.to(self.project.weight.dtype))


class MetadataTextEncoder(PretrainedTokenEncoder):
    """Metadata serialised to short text (:func:`fusionlab.data.events.serialize_metadata`) through a text backbone."""

    def __init__(self, backbone: Backbone, d_model: int, *, fields: Sequence[str] = DEFAULT_FIELDS, **kwargs) -> None:
        super().__init__(backbone, d_model, **kwargs)
        self.fields = tuple(fields)

    def _raw(self, x):
        if isinstance(x, pd.DataFrame):
            return serialize_metadata(x, self.fields)
        return x


class MetadataEmbedding(nn.Module):
    """Learned embeddings of event metadata: one token per field, ``(B, F) -> (B, n_fields, d_model)``.

    The input is :func:`fusionlab.data.events.encode_metadata`'s coding: a one-hot block per categorical
    field (a linear map of a one-hot block is a row of an embedding table) and one scaled column per
    number (a learned direction times the value). A learned field embedding is added to each token.
    """

    def __init__(self, d_model: int, fields: Sequence[str] = DEFAULT_FIELDS) -> None:
        super().__init__()
        self.coding = metadata_coding(fields)
        self.tables = nn.ModuleDict({f: nn.Linear(stop - start, d_model, bias=False)
                                     for f, (start, stop) in self.coding.slices.items()})
        self.field_embedding = nn.Parameter(torch.zeros(len(self.coding.fields), d_model))
        nn.init.trunc_normal_(self.field_embedding, std=0.02)

    def forward(self, codes: Tensor) -> Tensor:
        if codes.dim() != 2 or codes.shape[1] != self.coding.width:
            raise ValueError(f"MetadataEmbedding expects codes of shape (batch, {self.coding.width}) for fields "
                             f"{list(self.coding.fields)}, got {tuple(codes.shape)}")
        tokens = [self.tables[f](codes[:, start:stop]) for f, (start, stop) in self.coding.slices.items()]
        return torch.stack(tokens, dim=1) + self.field_embedding


def _takes_features(spec: ModalitySpec) -> bool:
    return spec.kind == "features"


@register("ast_eeg", kind="encoder", paper=PAPER, tags=("hayes_sun", "pretrained"),
          example_spec=ModalitySpec("eeg", (16, 128), kind="log_mel"))
def ast_eeg(spec: ModalitySpec, d_model: int, *, model_name: str = AST_MODEL_NAME, pretrained: bool = False,
            trainable: bool = False, cache: EmbeddingCache | None = None, **backbone_kw) -> PretrainedTokenEncoder:
    """EEG log-mel -> audio spectrogram transformer (Distil-AST when pretrained) -> tokens."""
    backbone = ast_backbone(model_name, pretrained=pretrained, **backbone_kw)
    return PretrainedTokenEncoder(backbone, d_model, trainable=trainable, takes_features=_takes_features(spec),
                                  cache=cache)


@register("minilm_text", kind="encoder", paper=PAPER, tags=("hayes_sun", "pretrained"),
          example_spec=ModalitySpec("text", (1, 384), kind="features"))
def minilm_text(spec: ModalitySpec, d_model: int, *, trainable: bool = False, cache: EmbeddingCache | None = None,
                max_length: int = 128) -> PretrainedTokenEncoder:
    """Clinical note -> all-MiniLM-L6-v2 (real weights, offline) sentence embedding -> one token."""
    return PretrainedTokenEncoder(minilm_backbone(max_length), d_model, trainable=trainable,
                                  takes_features=_takes_features(spec), cache=cache)


@register("clip_text", kind="encoder", paper=PAPER, tags=("hayes_sun", "pretrained"),
          example_spec=ModalitySpec("text", (1, 64), kind="features"))
def clip_text(spec: ModalitySpec, d_model: int, *, model_name: str = CLIP_TEXT_MODEL_NAME, pretrained: bool = False,
              trainable: bool = False, cache: EmbeddingCache | None = None, **backbone_kw) -> PretrainedTokenEncoder:
    """Clinical note -> CLIP text encoder (the paper's; random small config offline) -> one token."""
    backbone = clip_text_backbone(model_name, pretrained=pretrained, **backbone_kw)
    return PretrainedTokenEncoder(backbone, d_model, trainable=trainable, takes_features=_takes_features(spec),
                                  cache=cache)


@register("vit_image", kind="encoder", paper=PAPER, tags=("hayes_sun", "pretrained"),
          example_spec=ModalitySpec("image", (3, 64, 64), kind="image"))
def vit_image(spec: ModalitySpec, d_model: int, *, model_name: str = VIT_MODEL_NAME, pretrained: bool = False,
              trainable: bool = False, cache: EmbeddingCache | None = None, **backbone_kw) -> PretrainedTokenEncoder:
    """Event snapshot image -> timm Vision Transformer patch tokens -> tokens."""
    if not _takes_features(spec) and not pretrained and "img_size" not in backbone_kw and len(spec.shape) == 3:
        backbone_kw["img_size"] = spec.shape[-1]
    backbone = vit_backbone(model_name, pretrained=pretrained, **backbone_kw)
    return PretrainedTokenEncoder(backbone, d_model, trainable=trainable, takes_features=_takes_features(spec),
                                  cache=cache)


@register("metadata_text", kind="encoder", paper=PAPER, tags=("hayes_sun", "pretrained"),
          example_spec=ModalitySpec("metadata", (1, 384), kind="features"))
def metadata_text(spec: ModalitySpec, d_model: int, *, fields: Sequence[str] = DEFAULT_FIELDS, trainable: bool = False,
                  cache: EmbeddingCache | None = None) -> MetadataTextEncoder:
    """Metadata serialised to short text, tokenised and encoded like the notes (as in the paper)."""
    return MetadataTextEncoder(minilm_backbone(), d_model, fields=fields, trainable=trainable,
                               takes_features=_takes_features(spec), cache=cache)


@register("metadata_embedding", kind="encoder", paper=PAPER, tags=("hayes_sun",),
          example_spec=ModalitySpec("metadata", (metadata_coding(DEFAULT_FIELDS).width,), kind="metadata_codes"))
def metadata_embedding(spec: ModalitySpec, d_model: int, *, fields: Sequence[str] = DEFAULT_FIELDS) -> MetadataEmbedding:
    """Metadata as learned embeddings: one token per field (the alternative to serialised text)."""
    width = metadata_coding(fields).width
    if spec.shape != (width,):
        raise ValueError(f"metadata_embedding: spec {spec.name!r} must have shape ({width},) for fields "
                         f"{list(fields)}, got {spec.shape}")
    return MetadataEmbedding(d_model, fields)


def encoder_weights_table(encoders: dict[str, nn.Module]) -> pd.DataFrame:
    """Which encoders carry real weights: one row per encoder with its ``weights_source``."""
    rows = []
    for name, encoder in encoders.items():
        backbone = getattr(encoder, "backbone", None)
        rows.append({"encoder": name, "backbone": getattr(backbone, "name", "(none: learned from scratch)"),
                     "pretrained weights": bool(getattr(backbone, "pretrained", False)),
                     "weights source": getattr(encoder, "weights_source", "trained with the fusion model"),
                     "backbone frozen": not getattr(encoder, "trainable", True),
                     "backbone parameters": sum(p.numel() for p in backbone.parameters()) if backbone is not None
                     else 0})
    return pd.DataFrame(rows).set_index("encoder")


__all__ = ["MetadataEmbedding", "MetadataTextEncoder", "PretrainedTokenEncoder", "encoder_weights_table"]
