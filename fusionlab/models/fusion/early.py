"""Early fusion: concatenate every modality's tokens and run one shared transformer (Hayes & Sun, Eq. 2-3)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from fusionlab.models.fusion.base import FusionBlock, masked_mean, token_validity, transformer_stack
from fusionlab.models.registry import register


class ConcatTransformerFusion(FusionBlock):
    """``H = Concat(h_1..h_M)`` plus a learned modality-type embedding, a [CLS] token, then a shared
    transformer ``T_shared``; the fused vector is the [CLS] output (or the mean of valid tokens).

    Parameters
    ----------
    modalities : sequence of str
    d_model : int
    n_heads, depth, dropout : transformer settings
    pooling : {"cls", "mean"}
    """

    missing_modality = "its tokens are dropped from attention (key padding mask); [CLS] still attends to the rest"

    def __init__(self, modalities: Sequence[str], d_model: int, *, n_heads: int = 4, depth: int = 2,
                 dropout: float = 0.1, pooling: str = "cls") -> None:
        super().__init__(modalities, d_model)
        if pooling not in ("cls", "mean"):
            raise ValueError(f"pooling must be 'cls' or 'mean', got {pooling!r}")
        self.pooling = pooling
        self.cls = nn.Parameter(torch.zeros(1, 1, d_model))
        self.modality_embedding = nn.Parameter(torch.zeros(len(self.modalities), d_model))
        nn.init.trunc_normal_(self.cls, std=0.02)
        nn.init.trunc_normal_(self.modality_embedding, std=0.02)
        self.transformer = transformer_stack(d_model, n_heads, depth, dropout=dropout)

    def forward(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        self.check(tokens, mask)
        seq = torch.cat([tokens[m] + self.modality_embedding[i] for i, m in enumerate(self.modalities)], dim=1)
        valid = token_validity(tokens, self.modalities, mask)
        batch = seq.shape[0]
        seq = torch.cat([self.cls.expand(batch, -1, -1), seq], dim=1)
        valid = torch.cat([torch.ones(batch, 1, dtype=torch.bool, device=valid.device), valid], dim=1)
        out = self.transformer(seq, src_key_padding_mask=~valid)
        if self.pooling == "cls":
            return out[:, 0]
        return masked_mean(out[:, 1:], valid[:, 1:])


@register("concat_transformer", kind="fusion", paper="Hayes & Sun (early fusion)",
          missing_modality=ConcatTransformerFusion.missing_modality)
def concat_transformer(modalities: Sequence[str], d_model: int, **kwargs) -> ConcatTransformerFusion:
    """Early fusion: token concatenation + shared transformer + [CLS]."""
    return ConcatTransformerFusion(modalities, d_model, **kwargs)
