"""The four fusion variants of Hayes & Sun (Table I, Figs. 1-4) on any set of modalities.

=====================  ===============  ===================================  ===================
variant                fusion timing    modality encoders                    cross-modal attention
=====================  ===============  ===================================  ===================
``basic_early``        early            minimal embeddings (tokenizers)      no (shared self-attn)
``basic_late``         late             frozen encoders, pooled + concat     no
``enhanced_early``     early            trainable modality transformers      yes (shared self-attn)
``enhanced_late``      late             frozen encoder + trainable block     yes (cross-attention)
=====================  ===============  ===================================  ===================

In the course's fusion taxonomy Basic Early is *early fusion*; the other three are *intermediate
(feature-level) fusion* (modality encoders, embeddings combined, a joint head trained end to end). None
is *late (decision-level)* fusion, whatever the paper calls them: no modality makes its own prediction.

The frozen encoders of the late variants start from random initialisation; give them real
weights before training, e.g. with :func:`fusionlab.models.pretraining.pretrain_frozen_encoders`
(label-free denoising pretraining), or by loading a pretrained checkpoint into them.

**Frozen encoders and the scale of what they pass on.** A frozen encoder's pooled output can carry
an input value perfectly (a linear probe recovers it) and still hide it: on the padded 2-D data of
notebook 05 the part of the pooled vector that moves with ``x1`` is about 1 % of its constant part,
and the trainable fusion layers behind it, starting from ordinary initialisations, do not find it
within the training budget. :func:`set_encoder_mode` makes this testable: ``"standardized"`` puts a
fixed per-position standardisation (training-input statistics) after each frozen encoder -- the
encoder stays frozen, only the scale of its output changes -- and ``"trainable"`` unfreezes the
(pretrained) encoder so it trains with the rest.

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

import torch
from torch import Tensor, nn

from fusionlab.models.encoders.embedding import input_embedding
from fusionlab.models.encoders.transformer import FrozenEncoder, ModalityTransformerEncoder, TokenTransformer
from fusionlab.models.fusion.early import ConcatTransformerFusion
from fusionlab.models.fusion.late import CrossModalAttentionFusion, PooledConcatTransformerFusion
from fusionlab.models.multimodal import MultimodalNet
from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec

HAYES_SUN_VARIANTS = ("basic_early", "basic_late", "enhanced_early", "enhanced_late")
ENCODER_MODES = ("frozen", "standardized", "trainable")

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


# ----------------------------------------------------------------------------- frozen encoders: scale and unfreezing
class TokenStandardizer(nn.Module):
    """Fixed standardisation of tokens: ``(tokens - mean) / std`` with ``mean, std`` of shape ``(L, d)``.

    No parameters train: the statistics are buffers computed once from training inputs.
    """

    def __init__(self, mean: Tensor, std: Tensor) -> None:
        super().__init__()
        if mean.shape != std.shape or mean.dim() != 2:
            raise ValueError(f"mean and std must both have shape (n_tokens, d_model), got {tuple(mean.shape)} "
                             f"and {tuple(std.shape)}")
        self.register_buffer("mean", mean.detach().clone())
        self.register_buffer("std", std.detach().clone().clamp_min(1e-6))

    def forward(self, tokens: Tensor) -> Tensor:
        return (tokens - self.mean) / self.std


def _frozen_slots(model: MultimodalNet) -> dict[str, tuple[nn.Module, str | int]]:
    """Where each modality's :class:`FrozenEncoder` sits: ``{modality: (container, key)}``."""
    slots: dict[str, tuple[nn.Module, str | int]] = {}
    for name, encoder in model.encoders.items():
        if isinstance(encoder, FrozenEncoder):
            slots[name] = (model.encoders, name)
        elif isinstance(encoder, nn.Sequential) and len(encoder) and isinstance(encoder[0], FrozenEncoder):
            slots[name] = (encoder, 0)
    return slots


def _frozen_tokens(frozen: FrozenEncoder, x: Tensor, batch_size: int = 512) -> Tensor:
    device = next(frozen.encoder.parameters()).device
    with torch.no_grad():
        return torch.cat([frozen(x[i:i + batch_size].to(device)) for i in range(0, len(x), batch_size)])


def frozen_signal_ratio(model: MultimodalNet, inputs: Mapping[str, Tensor]) -> dict[str, float]:
    """For each frozen encoder: how much its *pooled* output moves between samples, relative to its size.

    ``mean over features of std over samples / mean over features of |mean over samples|`` of the
    mean-pooled tokens ``(n, d)``; about 0.01 means the input-dependent part is 1 % of the constant part.
    """
    ratios = {}
    for name, (container, key) in _frozen_slots(model).items():
        pooled = _frozen_tokens(container[key], inputs[name]).mean(dim=1)
        ratios[name] = float(pooled.std(dim=0).mean() / pooled.mean(dim=0).abs().mean().clamp_min(1e-12))
    return ratios


def set_encoder_mode(model: MultimodalNet, mode: str, inputs: Mapping[str, Tensor] | None = None) -> list[str]:
    """Change how the frozen encoders of a late variant pass their tokens on; returns the modalities changed.

    Parameters
    ----------
    model : MultimodalNet
        A variant built by this module (models without frozen encoders are left as they are).
    mode : {"frozen", "standardized", "trainable"}
        ``"frozen"``: leave the model as built. ``"standardized"``: insert a :class:`TokenStandardizer`
        after each frozen encoder, its statistics computed from ``inputs`` (training inputs, never
        test inputs); the encoder stays frozen. ``"trainable"``: replace each :class:`FrozenEncoder`
        by the encoder it wraps, so its (pretrained) weights train with the rest of the model.
    inputs : dict modality -> Tensor, shape (n, *spec.shape)
        Required for ``"standardized"``.
    """
    if mode not in ENCODER_MODES:
        raise ValueError(f"mode must be one of {ENCODER_MODES}, got {mode!r}")
    slots = _frozen_slots(model)
    if mode == "frozen":
        return []
    if mode == "standardized" and inputs is None:
        raise ValueError("set_encoder_mode(..., 'standardized') needs the training inputs to compute the statistics")
    for name, (container, key) in slots.items():
        frozen = container[key]
        if mode == "standardized":
            if name not in inputs:
                raise KeyError(f"no inputs for modality {name!r}; got {list(inputs)}")
            tokens = _frozen_tokens(frozen, inputs[name])
            standardizer = TokenStandardizer(tokens.mean(dim=0), tokens.std(dim=0)).to(tokens.device)
            container[key] = nn.Sequential(frozen, standardizer)
        else:
            for p in frozen.encoder.parameters():
                p.requires_grad_(True)
            container[key] = frozen.encoder
    return list(slots)
