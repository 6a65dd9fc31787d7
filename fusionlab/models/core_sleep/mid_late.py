"""Mid-Late fusion (Fig. 2a): one inner/outer encoder per modality, representations summed.

With one modality this is the *unimodal equivalent* network of the paper (encoder + predictor).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from fusionlab.models.core_sleep.base import CoreSleepModel
from fusionlab.models.core_sleep.encoder import InnerOuterEncoder
from fusionlab.models.spec import ModalitySpec


class MidLateSleepNet(CoreSleepModel):
    """Separate encoders; the multimodal representation is the sum over present modalities.

    Parameters
    ----------
    modalities : mapping name -> ModalitySpec, shape (seq_len, n_frames, n_freqs)
    num_classes : int
    d_model, n_heads, d_ff, inner_depth, outer_depth, dropout
        See :class:`~fusionlab.models.core_sleep.encoder.InnerOuterEncoder`.
    share_predictor : bool
        See :class:`~fusionlab.models.core_sleep.base.CoreSleepModel`.

    Notes
    -----
    A masked modality contributes nothing to the sum; when a modality is masked for the whole
    batch its encoder is not run at all (fast unimodal inference).
    """

    missing_modality = "skip: the masked modality's representation is left out of the sum"

    def __init__(self, modalities: Mapping[str, ModalitySpec], num_classes: int, *, d_model: int = 32,
                 n_heads: int = 4, d_ff: int = 64, inner_depth: int = 1, outer_depth: int = 1, dropout: float = 0.1,
                 share_predictor: bool = False) -> None:
        super().__init__(modalities, num_classes, d_model=d_model, dropout=dropout, share_predictor=share_predictor)
        self.encoders = nn.ModuleDict({
            m: InnerOuterEncoder(self.n_frames, self.n_freqs, self.seq_len, d_model=d_model, n_heads=n_heads,
                                 d_ff=d_ff, inner_depth=inner_depth, outer_depth=outer_depth, dropout=dropout)
            for m in self.modalities})

    def represent(self, inputs: dict[str, Tensor], mask: Tensor, unimodal: bool) -> tuple[Tensor, dict[str, Tensor]]:
        batch = mask.shape[0]
        reps: dict[str, Tensor] = {}
        for i, m in enumerate(self.modalities):
            if mask[:, i].any():
                reps[m] = self.encoders[m](inputs[m]).outer
            else:
                reps[m] = inputs[m].new_zeros(batch, self.seq_len, self.d_model)
        fused = sum(reps[m] * mask[:, i, None, None] for i, m in enumerate(self.modalities))
        return torch.as_tensor(fused), reps
