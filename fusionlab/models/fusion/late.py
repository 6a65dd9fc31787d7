"""Late fusion blocks: each modality is summarised first, then the summaries are combined.

- :class:`PooledConcatTransformerFusion` -- Basic Late (Hayes & Sun Fig. 2): one pooled vector per
  modality, concatenated as a short sequence, a shallow transformer, mean over present modalities.
- :class:`CrossModalAttentionFusion` -- Enhanced Late (Eq. 5, Fig. 4): every modality's tokens
  attend to the other modalities' tokens (MulT-style cross-attention), then a learned query pools all
  tokens by attention.
- :class:`MeanFusion` and :class:`ConcatFusion` -- the two simplest baselines.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from fusionlab.models.fusion.base import FusionBlock, masked_mean, token_validity, transformer_stack
from fusionlab.models.registry import register


def _pooled(tokens: dict[str, Tensor], modalities: Sequence[str]) -> Tensor:
    """One vector per modality: ``(B, M, d)`` of token means."""
    return torch.stack([masked_mean(tokens[m]) for m in modalities], dim=1)


class MeanFusion(FusionBlock):
    """Average of the per-modality mean tokens over the present modalities (no parameters)."""

    missing_modality = "left out of the average (the mean is over present modalities)"

    def forward(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        self.check(tokens, mask)
        return masked_mean(_pooled(tokens, self.modalities), mask)


class ConcatFusion(FusionBlock):
    """Concatenate the per-modality mean tokens and project back to ``d_model`` (MLP)."""

    missing_modality = "its slot is zeroed; a learned per-modality 'missing' vector is added instead"

    def __init__(self, modalities: Sequence[str], d_model: int, *, dropout: float = 0.1) -> None:
        super().__init__(modalities, d_model)
        self.missing = nn.Parameter(torch.zeros(len(self.modalities), d_model))
        self.project = nn.Sequential(
            nn.Linear(len(self.modalities) * d_model, d_model), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(d_model, d_model),
        )

    def forward(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        self.check(tokens, mask)
        pooled = _pooled(tokens, self.modalities)
        present = mask.unsqueeze(-1)
        pooled = torch.where(present, pooled, self.missing.expand_as(pooled))
        return self.project(pooled.flatten(1))


class PooledConcatTransformerFusion(FusionBlock):
    """Basic Late fusion: pooled modality vectors (+ modality-type embedding) as a sequence of M
    tokens, a shallow transformer (``depth=1``), mean over present modalities."""

    missing_modality = "its pooled token is dropped from attention and from the final mean"

    def __init__(self, modalities: Sequence[str], d_model: int, *, n_heads: int = 4, depth: int = 1,
                 dropout: float = 0.1) -> None:
        super().__init__(modalities, d_model)
        self.modality_embedding = nn.Parameter(torch.zeros(len(self.modalities), d_model))
        nn.init.trunc_normal_(self.modality_embedding, std=0.02)
        self.transformer = transformer_stack(d_model, n_heads, depth, dropout=dropout)

    def forward(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        self.check(tokens, mask)
        seq = _pooled(tokens, self.modalities) + self.modality_embedding
        out = self.transformer(seq, src_key_padding_mask=~mask)
        return masked_mean(out, mask)


class CrossModalAttentionFusion(FusionBlock):
    """Enhanced Late fusion ``z = A(z_1..z_M)``.

    1. Cross-modal attention (MulT-style, weights shared across target modalities): the tokens of
       each modality are queries; keys/values are the tokens of *all other* present modalities
       plus one learned "null" token, so that a modality whose partners are all missing attends
       to the null token instead of to nothing. Residual + LayerNorm + feed-forward.
    2. Attention pooling: one learned query attends to all updated tokens of present modalities.

    Parameters
    ----------
    modalities : sequence of str
    d_model : int
    n_heads : int
    dropout : float
    """

    missing_modality = ("its tokens are neither queried nor attended to; partners with no present "
                        "modality attend to a learned null token")

    def __init__(self, modalities: Sequence[str], d_model: int, *, n_heads: int = 4, dropout: float = 0.1) -> None:
        super().__init__(modalities, d_model)
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        self.modality_embedding = nn.Parameter(torch.zeros(len(self.modalities), d_model))
        self.null = nn.Parameter(torch.zeros(1, 1, d_model))
        self.query = nn.Parameter(torch.zeros(1, 1, d_model))
        for p in (self.modality_embedding, self.null, self.query):
            nn.init.trunc_normal_(p, std=0.02)
        self.norm_q = nn.LayerNorm(d_model)
        self.norm_kv = nn.LayerNorm(d_model)
        self.cross = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.norm_ff = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Dropout(dropout),
                                nn.Linear(4 * d_model, d_model))
        self.norm_pool = nn.LayerNorm(d_model)
        self.pool = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)

    def forward(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        self.check(tokens, mask)
        seq = torch.cat([tokens[m] + self.modality_embedding[i] for i, m in enumerate(self.modalities)], dim=1)
        valid = token_validity(tokens, self.modalities, mask)  # (B, L)
        owner = torch.cat([torch.full((tokens[m].shape[1],), i, device=seq.device)
                           for i, m in enumerate(self.modalities)])  # modality index of each token
        batch, length, _ = seq.shape
        # Query token i may attend key token j iff j belongs to another modality and is present.
        other = owner[:, None] != owner[None, :]  # (L, L)
        allowed = other[None] & valid[:, None, :]  # (B, L, L)
        allowed = torch.cat([torch.ones(batch, length, 1, dtype=torch.bool, device=seq.device), allowed], dim=2)
        kv = self.norm_kv(torch.cat([self.null.expand(batch, -1, -1), seq], dim=1))
        attn_mask = (~allowed).repeat_interleave(self.cross.num_heads, dim=0)  # (B*heads, L, L+1)
        update, _ = self.cross(self.norm_q(seq), kv, kv, attn_mask=attn_mask, need_weights=False)
        seq = seq + update
        seq = seq + self.ff(self.norm_ff(seq))
        pooled, _ = self.pool(self.query.expand(batch, -1, -1), self.norm_pool(seq), self.norm_pool(seq),
                              key_padding_mask=~valid, need_weights=False)
        return pooled[:, 0]


@register("mean", kind="fusion", paper="baseline", missing_modality=MeanFusion.missing_modality)
def mean_fusion(modalities: Sequence[str], d_model: int, **kwargs) -> MeanFusion:
    """Late fusion by averaging modality embeddings (no parameters)."""
    return MeanFusion(modalities, d_model)


@register("concat", kind="fusion", paper="baseline", missing_modality=ConcatFusion.missing_modality)
def concat_fusion(modalities: Sequence[str], d_model: int, **kwargs) -> ConcatFusion:
    """Late fusion by concatenating modality embeddings, then an MLP."""
    return ConcatFusion(modalities, d_model, **kwargs)


@register("pooled_concat_transformer", kind="fusion", paper="Hayes & Sun (basic late fusion)",
          missing_modality=PooledConcatTransformerFusion.missing_modality)
def pooled_concat_transformer(modalities: Sequence[str], d_model: int, **kwargs) -> PooledConcatTransformerFusion:
    """Basic late fusion: pooled modality vectors through a shallow transformer."""
    return PooledConcatTransformerFusion(modalities, d_model, **kwargs)


@register("cross_modal_attention", kind="fusion", paper="Hayes & Sun (enhanced late fusion)",
          missing_modality=CrossModalAttentionFusion.missing_modality)
def cross_modal_attention(modalities: Sequence[str], d_model: int, **kwargs) -> CrossModalAttentionFusion:
    """Enhanced late fusion: cross-modal attention, then attention pooling."""
    return CrossModalAttentionFusion(modalities, d_model, **kwargs)
