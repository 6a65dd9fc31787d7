"""The four fusion variants of Hayes & Sun (Table I, Figs. 1-4) on any set of modalities.

=====================  ===============  ===================================  ===================
variant                fusion timing    modality encoders                    cross-modal attention
=====================  ===============  ===================================  ===================
``basic_early``        early            minimal embeddings (tokenizers)      no (shared self-attn)
``basic_late``         late             frozen encoders, pooled + concat     no
``enhanced_early``     early            trainable modality transformers      yes (shared self-attn)
``enhanced_late``      late             frozen encoder + trainable block     yes (cross-attention)
=====================  ===============  ===================================  ===================

The frozen encoders of the late variants start from random initialisation; give them real
weights before training, e.g. with :func:`fusionlab.models.pretraining.pretrain_frozen_encoders`
(label-free denoising pretraining), or by loading a pretrained checkpoint into them.

``frozen_features=True`` says that the inputs already *are* the outputs of frozen pretrained
backbones (AST, MiniLM, ViT features computed once through
:class:`fusionlab.models.encoders.cache.EmbeddingCache`, shape ``(L, width)`` per modality). The late
variants then need no frozen stage of their own: their per-modality encoder starts with a trainable
projection of those features (:class:`TokenEmbedding`). Notebook 06 builds the variants this way.

References
----------
K. Hayes and Y. Sun, "Modality-Aware Multimodal Fusion for Sleep Event Classification".
"""

from __future__ import annotations

from collections.abc import Mapping

from torch import nn

from fusionlab.models.encoders.embedding import input_embedding
from fusionlab.models.encoders.transformer import FrozenEncoder, ModalityTransformerEncoder, TokenTransformer
from fusionlab.models.fusion.early import ConcatTransformerFusion
from fusionlab.models.fusion.late import CrossModalAttentionFusion, PooledConcatTransformerFusion
from fusionlab.models.multimodal import MultimodalNet
from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec

HAYES_SUN_VARIANTS = ("basic_early", "basic_late", "enhanced_early", "enhanced_late")

# Modalities the registry tests and notebook 03 build the variants on: a token sequence and a 1-D signal.
EXAMPLE_SPECS = {"tokens": ModalitySpec("tokens", (6, 1)), "signal": ModalitySpec("signal", (64,), kind="signal")}


def _check_specs(modalities: Mapping[str, ModalitySpec]) -> dict[str, ModalitySpec]:
    if not isinstance(modalities, Mapping) or not modalities:
        raise ValueError("modalities must be a non-empty mapping name -> ModalitySpec")
    for name, spec in modalities.items():
        if not isinstance(spec, ModalitySpec):
            raise TypeError(f"modalities[{name!r}] must be a ModalitySpec, got {type(spec).__name__}")
    return dict(modalities)


def _frozen(spec: ModalitySpec, d_model: int, n_heads: int, depth: int, dropout: float, patch_size: int,
            frozen_features: bool = False) -> nn.Module:
    if frozen_features:  # the frozen (pretrained) stage ran outside the model: project its features
        return input_embedding(spec, d_model, patch_size=patch_size)
    encoder = ModalityTransformerEncoder(spec, d_model, n_heads=n_heads, depth=depth, dropout=dropout,
                                         patch_size=patch_size)
    return FrozenEncoder(encoder)


@register("basic_early", kind="model", paper="Hayes & Sun, Fig. 1",
          missing_modality=ConcatTransformerFusion.missing_modality, tags=("hayes_sun",), example_spec=EXAMPLE_SPECS)
def basic_early(modalities: Mapping[str, ModalitySpec], num_classes: int, *, d_model: int = 32, n_heads: int = 4,
                depth: int = 2, dropout: float = 0.1, patch_size: int = 16, modality_heads: bool = False,
                frozen_features: bool = False) -> MultimodalNet:
    """Basic Early Fusion: minimal embeddings, tokens concatenated, one shared transformer."""
    specs = _check_specs(modalities)
    encoders = {m: input_embedding(s, d_model, patch_size=patch_size) for m, s in specs.items()}
    fusion = ConcatTransformerFusion(list(specs), d_model, n_heads=n_heads, depth=depth, dropout=dropout)
    return MultimodalNet(encoders, fusion, num_classes, specs=specs, modality_heads=modality_heads)


@register("basic_late", kind="model", paper="Hayes & Sun, Fig. 2",
          missing_modality=PooledConcatTransformerFusion.missing_modality, tags=("hayes_sun",), example_spec=EXAMPLE_SPECS)
def basic_late(modalities: Mapping[str, ModalitySpec], num_classes: int, *, d_model: int = 32, n_heads: int = 4,
               depth: int = 2, dropout: float = 0.1, patch_size: int = 16, modality_heads: bool = False,
               frozen_features: bool = False) -> MultimodalNet:
    """Basic Late Fusion: frozen per-modality encoders, pooled outputs concatenated, shallow transformer."""
    specs = _check_specs(modalities)
    encoders = {m: _frozen(s, d_model, n_heads, depth, dropout, patch_size, frozen_features) for m, s in specs.items()}
    fusion = PooledConcatTransformerFusion(list(specs), d_model, n_heads=n_heads, depth=1, dropout=dropout)
    return MultimodalNet(encoders, fusion, num_classes, specs=specs, modality_heads=modality_heads)


@register("enhanced_early", kind="model", paper="Hayes & Sun, Fig. 3",
          missing_modality=ConcatTransformerFusion.missing_modality, tags=("hayes_sun",), example_spec=EXAMPLE_SPECS)
def enhanced_early(modalities: Mapping[str, ModalitySpec], num_classes: int, *, d_model: int = 32, n_heads: int = 4,
                   depth: int = 2, dropout: float = 0.1, patch_size: int = 16,
                   modality_heads: bool = False, frozen_features: bool = False) -> MultimodalNet:
    """Enhanced Early Fusion: trainable modality-specific transformers, then the shared transformer."""
    specs = _check_specs(modalities)
    encoders = {m: ModalityTransformerEncoder(s, d_model, n_heads=n_heads, depth=1, dropout=dropout,
                                              patch_size=patch_size) for m, s in specs.items()}
    fusion = ConcatTransformerFusion(list(specs), d_model, n_heads=n_heads, depth=depth, dropout=dropout)
    return MultimodalNet(encoders, fusion, num_classes, specs=specs, modality_heads=modality_heads)


@register("enhanced_late", kind="model", paper="Hayes & Sun, Fig. 4",
          missing_modality=CrossModalAttentionFusion.missing_modality, tags=("hayes_sun",), example_spec=EXAMPLE_SPECS)
def enhanced_late(modalities: Mapping[str, ModalitySpec], num_classes: int, *, d_model: int = 32, n_heads: int = 4,
                  depth: int = 2, dropout: float = 0.1, patch_size: int = 16,
                  modality_heads: bool = False, frozen_features: bool = False) -> MultimodalNet:
    """Enhanced Late Fusion: frozen encoder + trainable transformer per modality, cross-modal attention."""
    specs = _check_specs(modalities)
    encoders = {
        m: nn.Sequential(_frozen(s, d_model, n_heads, depth, dropout, patch_size, frozen_features),
                         TokenTransformer(d_model, n_heads=n_heads, depth=1, dropout=dropout))
        for m, s in specs.items()
    }
    fusion = CrossModalAttentionFusion(list(specs), d_model, n_heads=n_heads, dropout=dropout)
    return MultimodalNet(encoders, fusion, num_classes, specs=specs, modality_heads=modality_heads)
