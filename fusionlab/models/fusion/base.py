"""The fusion-block interface and the masking helpers every block shares."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from fusionlab.models.layers import transformer_stack  # noqa: F401  (re-exported: shared with the encoders)


class FusionBlock(nn.Module):
    """Base class: ``forward(tokens: {name: (B, L_m, d)}, mask: (B, M) bool) -> (B, d)``.

    Subclasses set :attr:`missing_modality`, one sentence on how a masked modality is treated;
    notebook 03 prints it for every registered block.
    """

    missing_modality: str = "not documented"

    def __init__(self, modalities: Sequence[str], d_model: int) -> None:
        super().__init__()
        if not modalities:
            raise ValueError("a fusion block needs at least one modality")
        if len(set(modalities)) != len(modalities):
            raise ValueError(f"modality names must be unique, got {list(modalities)}")
        if int(d_model) <= 0:
            raise ValueError(f"d_model must be positive, got {d_model}")
        self.modalities: tuple[str, ...] = tuple(modalities)
        self.d_model = int(d_model)

    def check(self, tokens: dict[str, Tensor], mask: Tensor) -> None:
        """Raise a clear error when tokens or mask do not match this block."""
        for m in self.modalities:
            if m not in tokens:
                raise KeyError(f"fusion block got no tokens for modality {m!r}; expected {list(self.modalities)}")
            t = tokens[m]
            if t.dim() != 3 or t.shape[-1] != self.d_model:
                raise ValueError(f"tokens of {m!r} must have shape (batch, n_tokens, {self.d_model}), got {tuple(t.shape)}")
        batch = tokens[self.modalities[0]].shape[0]
        if mask.shape != (batch, len(self.modalities)):
            raise ValueError(f"mask must have shape ({batch}, {len(self.modalities)}), got {tuple(mask.shape)}")


def masked_mean(tokens: Tensor, valid: Tensor | None = None) -> Tensor:
    """Mean over the token axis of ``tokens (B, L, d)``, counting only ``valid (B, L)`` tokens."""
    if valid is None:
        return tokens.mean(dim=1)
    weights = valid.to(tokens.dtype).unsqueeze(-1)
    return (tokens * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1.0)


def token_validity(tokens: dict[str, Tensor], modalities: Sequence[str], mask: Tensor) -> Tensor:
    """Expand a modality mask ``(B, M)`` to a token mask ``(B, sum L_m)`` in concatenation order."""
    return torch.cat(
        [mask[:, i : i + 1].expand(-1, tokens[m].shape[1]) for i, m in enumerate(modalities)], dim=1
    )
