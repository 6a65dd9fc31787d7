"""Minimal input embeddings ("tokenizers"): the lightweight encoders of the Basic variants.

- :class:`TokenEmbedding` for token sequences ``(B, L, F)``: a linear map of each token's features
  to ``d_model`` plus a learned position embedding.
- :class:`PatchEmbedding` for 1-D signals ``(B, T)``: non-overlapping patches of ``patch_size``
  samples (zero-padded at the end), each mapped linearly to ``d_model``, plus positions.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec


class TokenEmbedding(nn.Module):
    """Linear token embedding + learned positions: ``(B, L, F) -> (B, L, d)``."""

    def __init__(self, n_tokens: int, n_features: int, d_model: int) -> None:
        super().__init__()
        self.n_tokens, self.n_features = int(n_tokens), int(n_features)
        self.project = nn.Linear(self.n_features, d_model)
        self.position = nn.Parameter(torch.zeros(1, self.n_tokens, d_model))
        nn.init.trunc_normal_(self.position, std=0.02)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or x.shape[1:] != (self.n_tokens, self.n_features):
            raise ValueError(
                f"TokenEmbedding expects (batch, {self.n_tokens}, {self.n_features}), got {tuple(x.shape)}"
            )
        return self.project(x) + self.position


class PatchEmbedding(nn.Module):
    """Patch embedding of a 1-D signal: ``(B, T) -> (B, ceil(T / patch_size), d)``."""

    def __init__(self, n_times: int, d_model: int, patch_size: int = 16) -> None:
        super().__init__()
        if patch_size <= 0:
            raise ValueError(f"patch_size must be positive, got {patch_size}")
        self.n_times, self.patch_size = int(n_times), int(patch_size)
        self.n_tokens = math.ceil(self.n_times / self.patch_size)
        self.project = nn.Linear(self.patch_size, d_model)
        self.position = nn.Parameter(torch.zeros(1, self.n_tokens, d_model))
        nn.init.trunc_normal_(self.position, std=0.02)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 2 or x.shape[1] != self.n_times:
            raise ValueError(f"PatchEmbedding expects (batch, {self.n_times}), got {tuple(x.shape)}")
        x = F.pad(x, (0, self.n_tokens * self.patch_size - self.n_times))
        return self.project(x.view(x.shape[0], self.n_tokens, self.patch_size)) + self.position


def input_embedding(spec: ModalitySpec, d_model: int, patch_size: int = 16) -> nn.Module:
    """The minimal embedding that fits ``spec``: tokens ``(L, F)`` or a 1-D signal ``(T,)``."""
    if len(spec.shape) == 2:
        return TokenEmbedding(spec.shape[0], spec.shape[1], d_model)
    if len(spec.shape) == 1:
        return PatchEmbedding(spec.shape[0], d_model, patch_size=patch_size)
    raise ValueError(
        f"modality {spec.name!r}: minimal embeddings take tokens (n_tokens, n_features) or a 1-D signal "
        f"(n_times,), got per-sample shape {spec.shape}"
    )


@register("token_embedding", kind="encoder", paper="Hayes & Sun (basic variants)",
          example_spec=ModalitySpec("m", (6, 1)))
def token_embedding(spec: ModalitySpec, d_model: int, **kwargs) -> nn.Module:
    """Minimal embedding: linear tokens (or signal patches) + learned positions."""
    return input_embedding(spec, d_model, **kwargs)
