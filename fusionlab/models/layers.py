"""Blocks shared by encoders and fusion blocks (below both, so that neither imports the other)."""

from __future__ import annotations

from torch import nn


def transformer_stack(d_model: int, n_heads: int, depth: int, dim_feedforward: int | None = None,
                      dropout: float = 0.1) -> nn.TransformerEncoder:
    """``depth`` pre-norm transformer encoder layers (batch first, GELU) with a final LayerNorm."""
    if d_model % n_heads:
        raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
    layer = nn.TransformerEncoderLayer(
        d_model, n_heads, dim_feedforward or 4 * d_model, dropout, activation="gelu",
        batch_first=True, norm_first=True,
    )
    return nn.TransformerEncoder(layer, depth, norm=nn.LayerNorm(d_model), enable_nested_tensor=False)
