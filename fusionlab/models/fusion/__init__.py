"""Fusion blocks: ``forward(tokens: {name: (B, L_m, d)}, mask: (B, M)) -> (B, d)``."""

from fusionlab.models.fusion.base import FusionBlock, masked_mean, token_validity, transformer_stack
from fusionlab.models.fusion.coordinated import CoordinatedCrossAttentionFusion  # registers "coordinated_cross_attention"
from fusionlab.models.fusion.domain_concat import DomainConcatFusion  # registers "domain_concat" (Rethinking Multimodality)
from fusionlab.models.fusion.early import ConcatTransformerFusion
from fusionlab.models.fusion.late import (
    ConcatFusion,
    CrossModalAttentionFusion,
    MeanFusion,
    PooledConcatTransformerFusion,
)
from fusionlab.models.fusion.low_rank import LowRankFusion  # registers "lmf" (Liu et al. 2018)
from fusionlab.models.fusion.mult import MulTFusion  # registers "mult_cross_attention" (Tsai et al. 2019)
from fusionlab.models.fusion.step import StepFusion, StepFusionLayer  # registers "step_fusion" (Qin et al.)

__all__ = [
    "ConcatFusion",
    "ConcatTransformerFusion",
    "CoordinatedCrossAttentionFusion",
    "CrossModalAttentionFusion",
    "DomainConcatFusion",
    "FusionBlock",
    "LowRankFusion",
    "MeanFusion",
    "MulTFusion",
    "PooledConcatTransformerFusion",
    "StepFusion",
    "StepFusionLayer",
    "masked_mean",
    "token_validity",
    "transformer_stack",
]
