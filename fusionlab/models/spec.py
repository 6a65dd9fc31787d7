"""What a model needs to know about one modality, and parameter counting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class ModalitySpec:
    """Shape of one modality's input, without the batch dimension.

    Parameters
    ----------
    name : str
        Modality name, the key of the input dict (``"eeg"``, ``"text"``, ``"m1"``...).
    shape : tuple of int
        Per-sample input shape, e.g. ``(n_tokens, n_features)`` for a token sequence,
        ``(n_times,)`` for a 1-D signal, ``(channels, height, width)`` for an image.
    kind : str
        Free-text kind used by encoders that accept several layouts (``"tokens"``, ``"signal"``,
        ``"image"``, ``"text"``...).
    """

    name: str
    shape: tuple[int, ...]
    kind: str = "tokens"

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"ModalitySpec.name must be a non-empty string, got {self.name!r}")
        if not self.shape or any(int(s) <= 0 for s in self.shape):
            raise ValueError(f"ModalitySpec {self.name!r}: shape must be positive ints, got {self.shape!r}")


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters of ``module`` (optionally only those with ``requires_grad``)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def resolve_modality_mask(mask: Tensor | Mapping[str, Tensor] | None, modalities: Sequence[str], batch: int,
                          device: torch.device) -> Tensor:
    """A modality mask as a ``(batch, n_modalities)`` bool tensor in the order of ``modalities``.

    Parameters
    ----------
    mask : Tensor (batch, n_modalities), dict name -> Tensor (batch,), or None
        ``True`` where a modality is present; ``None`` means all present; modalities missing from a dict
        are present.
    modalities : sequence of str
        The model's modality order.

    Raises
    ------
    KeyError
        A dict names a modality the model does not take.
    ValueError
        Wrong shape, or a sample with every modality masked (nothing to classify).
    """
    if mask is None:
        return torch.ones(batch, len(modalities), dtype=torch.bool, device=device)
    if isinstance(mask, Mapping):
        unknown = [k for k in mask if k not in modalities]
        if unknown:
            raise KeyError(f"mask names unknown modality {unknown[0]!r}; this model takes {list(modalities)}")
        mask = torch.stack([mask[m].to(device=device, dtype=torch.bool) if m in mask
                            else torch.ones(batch, dtype=torch.bool, device=device) for m in modalities], dim=1)
    mask = mask.to(device=device, dtype=torch.bool)
    if mask.shape != (batch, len(modalities)):
        raise ValueError(f"mask must have shape (batch, n_modalities) = ({batch}, {len(modalities)}) in the order "
                         f"{list(modalities)}, got {tuple(mask.shape)}")
    empty = (~mask.any(dim=1)).nonzero().flatten()
    if len(empty):
        raise ValueError(f"every modality is masked for {len(empty)} sample(s) (first: index {int(empty[0])}); "
                         "a sample needs at least one present modality")
    return mask
