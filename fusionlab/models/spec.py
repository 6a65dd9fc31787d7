"""Parameter counting and the modality mask; :class:`ModalitySpec` (what a model needs to know about one
modality) lives with the data, in :mod:`fusionlab.data.spec`, and is re-exported here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn

from fusionlab.data.spec import ModalitySpec  # noqa: F401  (re-exported: fusionlab.models.ModalitySpec)


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
