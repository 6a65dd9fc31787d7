"""Fusion blocks: ``forward(tokens: {name: (B, L_m, d)}, mask: (B, M)) -> (B, d)``."""

from fusionlab.models.fusion.base import FusionBlock, masked_mean, token_validity, transformer_stack
from fusionlab.models.fusion.early import ConcatTransformerFusion
from fusionlab.models.fusion.late import (
    ConcatFusion,
    CrossModalAttentionFusion,
    MeanFusion,
    PooledConcatTransformerFusion,
)

__all__ = [
    "ConcatFusion",
    "ConcatTransformerFusion",
    "CrossModalAttentionFusion",
    "FusionBlock",
    "MeanFusion",
    "PooledConcatTransformerFusion",
    "masked_mean",
    "token_validity",
    "transformer_stack",
]
