"""Domain concatenation: the intermediate fusion of "Rethinking Multimodality" (Hybrid 1/2, arXiv:2508.00963)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from fusionlab.models.fusion.base import FusionBlock, masked_mean
from fusionlab.models.registry import register

PAPER = "Rethinking Multimodality (arXiv:2508.00963)"


class DomainConcatFusion(FusionBlock):
    """Intermediate fusion of domain features: pool each branch, concatenate, dense layers with dropout.

    ``z = Dense(Dropout(ReLU(Dense([mean(h_1) * m_1, ..., mean(h_M) * m_M]))))`` with ``m_i`` the
    modality mask, so a masked branch contributes zeros.

    Parameters
    ----------
    modalities : sequence of str
    d_model : int
        Width of each branch's feature and of the fused output.
    hidden : int
        Width of the dense layer after concatenation.
    dropout : float
    """

    missing_modality = "its pooled feature is replaced by zeros before concatenation"

    def __init__(self, modalities: Sequence[str], d_model: int, *, hidden: int = 128, dropout: float = 0.3) -> None:
        super().__init__(modalities, d_model)
        self.dense = nn.Sequential(
            nn.Linear(len(self.modalities) * d_model, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, d_model), nn.ReLU(),
        )

    def pooled(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        """Concatenated branch features ``(B, M * d)`` (zeros for masked branches)."""
        self.check(tokens, mask)
        return torch.cat([masked_mean(tokens[m]) * mask[:, i, None].to(tokens[m].dtype)
                          for i, m in enumerate(self.modalities)], dim=1)

    def forward(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        return self.dense(self.pooled(tokens, mask))


@register("domain_concat", kind="fusion", paper=PAPER, missing_modality=DomainConcatFusion.missing_modality)
def domain_concat(modalities: Sequence[str], d_model: int, **kwargs) -> DomainConcatFusion:
    """Intermediate fusion: pooled branch features concatenated, then dense layers with dropout (Hybrid 1/2)."""
    return DomainConcatFusion(modalities, d_model, **kwargs)

