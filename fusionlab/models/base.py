"""The one model contract every multimodal classifier follows: inputs, modality mask, output record.

``model(inputs: {name: (B, *spec.shape)}, mask: (B, M) bool | {name: (B,)} | None, return_all=False)``

- :meth:`FusionModel.check_inputs` checks the inputs against the model's modalities (a dict, no missing or
  unknown key, one batch size, each modality's per-sample shape through :meth:`FusionModel.check_modality_shape`);
- :meth:`FusionModel.resolve_mask` turns any accepted mask into a ``(B, M)`` bool tensor in modality order;
- :meth:`FusionModel.zero_masked` zeroes masked samples' inputs before any encoder sees them, so a missing
  modality may be passed as anything of the right shape (zeros, NaN) and never influences the output;
- ``return_all=True`` gives a :class:`FusionOutput` (or a subclass with more fields): fused logits, the fused
  representation, per-modality embeddings and logits, the mask. The MS / AL losses and the robustness studies read it.

:class:`fusionlab.models.MultimodalNet` (encoders -> fusion block -> head) and the CoRe-Sleep models
(:class:`fusionlab.models.core_sleep.CoreSleepModel`) are its subclasses, so ``fit`` / ``evaluate`` / ``predict``
and the losses treat every model alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from fusionlab.models.spec import ModalitySpec, resolve_modality_mask


@dataclass
class FusionOutput:
    """What a model's forward pass computes with ``return_all=True``.

    Attributes
    ----------
    logits : Tensor, shape (batch, num_classes)
    fused : Tensor, shape (batch, d_model)
    embeddings : dict name -> Tensor, shape (batch, d_model)
        Each modality's representation (zeros where the modality is masked).
    modality_logits : dict name -> Tensor, shape (batch, num_classes), or empty
    mask : Tensor, shape (batch, n_modalities), bool
    """

    logits: Tensor
    fused: Tensor
    embeddings: dict[str, Tensor]
    modality_logits: dict[str, Tensor]
    mask: Tensor


class FusionModel(nn.Module):
    """Base class of the multimodal models: owns the input checks, the modality mask and the output record.

    Subclasses set :attr:`modalities` (the mask's order) and, when they know them, :attr:`specs` (expected
    per-sample shapes), and call :meth:`check_inputs`, :meth:`resolve_mask` and :meth:`zero_masked` at the start
    of ``forward``.
    """

    modalities: tuple[str, ...] = ()
    specs: dict[str, ModalitySpec] | None = None

    def check_modality_shape(self, name: str, x: Tensor) -> None:
        """Raise when modality ``name``'s input ``x (batch, ...)`` has the wrong per-sample shape."""
        if self.specs is None:
            return
        expected = tuple(self.specs[name].shape)
        if tuple(x.shape[1:]) != expected:
            raise ValueError(f"modality {name!r}: expected per-sample shape {expected} (input (batch, "
                             f"{', '.join(map(str, expected))})), got {tuple(x.shape)}")

    def check_inputs(self, inputs: Mapping[str, Tensor]) -> int:
        """Batch size of ``inputs``; raises on a missing or unknown modality, mixed batch sizes or a wrong shape."""
        if not isinstance(inputs, Mapping):
            raise TypeError(f"inputs must be a dict {{modality: tensor}}, got {type(inputs).__name__}")
        missing = [m for m in self.modalities if m not in inputs]
        if missing:
            raise KeyError(f"inputs has no modality {missing[0]!r}; expected keys {list(self.modalities)}, got "
                           f"{list(inputs)}. To drop a modality, pass zeros of its shape and mask it out.")
        extra = [k for k in inputs if k not in self.modalities]
        if extra:
            raise KeyError(f"inputs has unknown modality {extra[0]!r}; this model takes {list(self.modalities)}")
        for m in self.modalities:
            self.check_modality_shape(m, inputs[m])
        sizes = {m: inputs[m].shape[0] for m in self.modalities}
        if len(set(sizes.values())) != 1:
            raise ValueError(f"all modalities must have the same batch size, got {sizes}")
        return next(iter(sizes.values()))

    def resolve_mask(self, mask: Tensor | Mapping[str, Tensor] | None, batch: int, device: torch.device) -> Tensor:
        """The mask as ``(batch, n_modalities)`` bool in :attr:`modalities` order (``None``: all present)."""
        return resolve_modality_mask(mask, self.modalities, batch, device)

    def zero_masked(self, inputs: Mapping[str, Tensor], mask: Tensor,
                    modalities: Sequence[str] | None = None) -> dict[str, Tensor]:
        """``inputs`` with every masked sample's input replaced by zeros (so NaN inputs cannot leak either)."""
        clean = {}
        for i, m in enumerate(self.modalities):
            if modalities is not None and m not in modalities:
                continue
            x = inputs[m]
            present = mask[:, i].view(-1, *([1] * (x.dim() - 1)))
            clean[m] = torch.where(present, x, torch.zeros((), dtype=x.dtype, device=x.device))
        return clean
