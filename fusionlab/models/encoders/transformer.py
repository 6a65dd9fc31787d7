"""Modality-specific transformer encoders, and the wrapper that freezes a (pretrained) encoder."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fusionlab.models.encoders.embedding import input_embedding
from fusionlab.models.layers import transformer_stack
from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec


class ModalityTransformerEncoder(nn.Module):
    """Minimal embedding followed by ``depth`` transformer layers of this modality alone (Eq. 4).

    Parameters
    ----------
    spec : ModalitySpec
        Tokens ``(L, F)`` or a 1-D signal ``(T,)``.
    d_model, n_heads, depth, dropout : transformer settings
    patch_size : int
        Patch length when the modality is a 1-D signal.
    """

    def __init__(self, spec: ModalitySpec, d_model: int, *, n_heads: int = 4, depth: int = 1,
                 dropout: float = 0.1, patch_size: int = 16) -> None:
        super().__init__()
        self.embed = input_embedding(spec, d_model, patch_size=patch_size)
        self.transformer = transformer_stack(d_model, n_heads, depth, dropout=dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.transformer(self.embed(x))


class TokenTransformer(nn.Module):
    """Transformer layers on tokens that are already embedded: ``(B, L, d) -> (B, L, d)``.

    Used on top of a frozen encoder (the trainable modality-specific block of Enhanced Late)."""

    def __init__(self, d_model: int, *, n_heads: int = 4, depth: int = 1, dropout: float = 0.1) -> None:
        super().__init__()
        self.transformer = transformer_stack(d_model, n_heads, depth, dropout=dropout)

    def forward(self, tokens: Tensor) -> Tensor:
        return self.transformer(tokens)


class FrozenEncoder(nn.Module):
    """Wrap an encoder so that it is never trained: no gradients, always in eval mode.

    This is how the Basic Late and Enhanced Late variants use "frozen pretrained encoders".
    Whether the wrapped weights are *pretrained* depends on where they came from: a real
    checkpoint (``from_pretrained``), label-free pretraining
    (:func:`fusionlab.models.pretraining.pretrain_frozen_encoders`), or nothing at all (random
    features) -- the attribute :attr:`weights_source` records which, and notebooks print it.
    """

    def __init__(self, encoder: nn.Module, weights_source: str = "random initialisation") -> None:
        super().__init__()
        self.encoder = encoder
        self.weights_source = weights_source
        self.freeze()

    def freeze(self) -> None:
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        self.encoder.eval()

    def train(self, mode: bool = True) -> FrozenEncoder:
        super().train(mode)
        self.encoder.eval()  # dropout and normalisation statistics stay fixed
        return self

    def forward(self, x: Tensor) -> Tensor:
        if x.requires_grad:  # e.g. saliency maps need gradients with respect to the input
            return self.encoder(x)
        with torch.no_grad():
            return self.encoder(x)


@register("transformer_encoder", kind="encoder", paper="Hayes & Sun (enhanced variants)",
          example_spec=ModalitySpec("m", (6, 1)))
def transformer_encoder(spec: ModalitySpec, d_model: int, **kwargs) -> ModalityTransformerEncoder:
    """Trainable modality-specific transformer encoder (minimal embedding + self-attention layers)."""
    return ModalityTransformerEncoder(spec, d_model, **kwargs)
