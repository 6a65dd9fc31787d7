"""CoRe-Sleep's coordinated cross-attention (Kontras et al., Eqs. 6-7) as a fusion block over token sequences,
so lesson 03's registry tables show the block lesson 07 trains.

Each modality ``m`` has one post-norm transformer stack (relative-position self-attention, feed-forward). Its
*grounded* pass inserts, between the self-attention and the feed-forward of every layer, one cross-attention
sub-layer per partner modality (queries from ``m``, keys/values the partner's tokens), and reuses the same
self-attention and feed-forward weights: the multimodal encoder shares its weights with the unimodal one. The
fused vector is the mean, over the present modalities, of each grounded sequence's token mean.

In the full CoRe-Sleep model (:class:`fusionlab.models.core_sleep.CoordinatedSleepNet`) the same sub-layers sit
inside both the inner (frames) and the outer (epochs) transformer; here they act on whatever tokens the encoders
give. A sample whose partner is masked skips that cross-attention sub-layer, and a masked modality is left out of
the mean, so a masked modality's tokens never reach the output.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from fusionlab.models.core_sleep.attention import CrossAttentionSublayer, layer_stack
from fusionlab.models.fusion.base import FusionBlock, masked_mean
from fusionlab.models.registry import register


class CoordinatedCrossAttentionFusion(FusionBlock):
    """Coordinated cross-attention: weight-shared self-attention / feed-forward, cross-attention to partners.

    Parameters
    ----------
    modalities : sequence of str
    d_model : int
    n_heads : int
    d_ff : int, optional
        Feed-forward width (default ``2 * d_model``).
    depth : int
        Layers of each modality's stack.
    dropout : float
    max_distance : int
        Range of the relative positions of the self-attention.
    """

    missing_modality = "skip: no cross-attention to a masked partner; the masked modality is left out of the mean"

    def __init__(self, modalities: Sequence[str], d_model: int, *, n_heads: int = 4, d_ff: int | None = None,
                 depth: int = 1, dropout: float = 0.1, max_distance: int = 32) -> None:
        super().__init__(modalities, d_model)
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        d_ff = d_ff or 2 * d_model
        self.layers = nn.ModuleDict({m: layer_stack(depth, d_model, n_heads, d_ff, dropout, max_distance)
                                     for m in self.modalities})
        self.cross = nn.ModuleDict({m: nn.ModuleDict({p: nn.ModuleList(
            CrossAttentionSublayer(d_model, n_heads, dropout) for _ in range(depth))
            for p in self.modalities if p != m}) for m in self.modalities})

    def unimodal(self, m: str, tokens: Tensor) -> Tensor:
        """``m``'s own stack without cross-attention: ``(B, L_m, d) -> (B, L_m, d)``."""
        for layer in self.layers[m]:
            tokens = layer(tokens)
        return tokens

    def grounded(self, m: str, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        """``m``'s stack with cross-attention to each present partner: ``(B, L_m, d)``."""
        h = tokens[m]
        partners = [(p, mask[:, i]) for i, p in enumerate(self.modalities) if p != m]
        for k, layer in enumerate(self.layers[m]):
            z = layer.attend(h)
            for p, present in partners:
                z = self.cross[m][p][k](z, tokens[p], present)
            h = layer.feed_forward(z)
        return h

    def forward(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        self.check(tokens, mask)
        pooled = torch.stack([masked_mean(self.grounded(m, tokens, mask)) for m in self.modalities], dim=1)
        return masked_mean(pooled, mask)


@register("coordinated_cross_attention", kind="fusion", paper="Kontras et al. (CoRe-Sleep)", tags=("core_sleep",),
          missing_modality=CoordinatedCrossAttentionFusion.missing_modality)
def coordinated_cross_attention(modalities: Sequence[str], d_model: int, **kwargs) -> CoordinatedCrossAttentionFusion:
    """CoRe's coordinated cross-attention: each modality's encoder attends to its partners, weights shared."""
    return CoordinatedCrossAttentionFusion(modalities, d_model, **kwargs)
