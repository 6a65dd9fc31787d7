"""Early fusion (Fig. 2b): one shared inner/outer encoder over the concatenated modalities.

Per epoch, the inner sequence is ``[CLS_1, frames_1, CLS_2, frames_2, ...]`` (a [CLS] per modality),
each token plus a learnable modality embedding; relative positions are counted within each modality,
so frames of the same second share a position. The outer sequence holds every modality's epoch
summaries (``M * seq_len`` tokens, modality embedding added again). Each modality's representation
is read at its own outer positions and the multimodal one is their sum over present modalities.
A masked modality's tokens are excluded as attention keys. The unimodal representations (for the MS
and AL losses) need one more pass per modality with only that modality present (the paper notes
this cost of Early fusion).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from fusionlab.models.core_sleep.attention import layer_stack
from fusionlab.models.core_sleep.base import CoreSleepModel
from fusionlab.models.spec import ModalitySpec


class EarlySleepNet(CoreSleepModel):
    """One shared encoder; modalities concatenated in the inner and outer sequences.

    Parameters
    ----------
    As :class:`~fusionlab.models.core_sleep.mid_late.MidLateSleepNet`.
    """

    missing_modality = "skip: a masked modality's tokens are excluded as attention keys and from the sum"

    def __init__(self, modalities: Mapping[str, ModalitySpec], num_classes: int, *, d_model: int = 32,
                 n_heads: int = 4, d_ff: int = 64, inner_depth: int = 1, outer_depth: int = 1, dropout: float = 0.1,
                 share_predictor: bool = False) -> None:
        super().__init__(modalities, num_classes, d_model=d_model, dropout=dropout, share_predictor=share_predictor)
        n_mod = len(self.modalities)
        self.input_proj = nn.Linear(self.n_freqs, d_model)
        self.cls_tokens = nn.Parameter(torch.randn(n_mod, d_model) * 0.02)
        self.inner_modality = nn.Parameter(torch.randn(n_mod, d_model) * 0.02)
        self.outer_modality = nn.Parameter(torch.randn(n_mod, d_model) * 0.02)
        self.inner = layer_stack(inner_depth, d_model, n_heads, d_ff, dropout, max_distance=self.n_frames)
        self.outer = layer_stack(outer_depth, d_model, n_heads, d_ff, dropout, max_distance=max(self.seq_len - 1, 1))

    def encode(self, inputs: dict[str, Tensor], mask: Tensor) -> dict[str, Tensor]:
        """Per-modality outer outputs ``{m: (B, seq_len, d)}`` of one joint pass under ``mask``."""
        batch, length, n_mod, d = mask.shape[0], self.seq_len, len(self.modalities), self.d_model
        device = mask.device
        tokens = []
        for i, m in enumerate(self.modalities):
            frames = self.input_proj(inputs[m].reshape(batch * length, self.n_frames, self.n_freqs))
            cls = self.cls_tokens[i].expand(batch * length, 1, d)
            tokens.append(torch.cat([cls, frames], 1) + self.inner_modality[i])
        h = torch.cat(tokens, 1)  # (B*L, M*(T+1), d)
        inner_pos = torch.arange(self.n_frames + 1, device=device).repeat(n_mod)
        inner_pad = (~mask).repeat_interleave(length, 0).repeat_interleave(self.n_frames + 1, 1)
        for layer in self.inner:
            h = layer(h, inner_pos, inner_pad)
        span = self.n_frames + 1
        e = torch.cat([h[:, i * span].reshape(batch, length, d) + self.outer_modality[i] for i in range(n_mod)], 1)
        outer_pos = torch.arange(length, device=device).repeat(n_mod)
        outer_pad = (~mask).repeat_interleave(length, 1)
        for layer in self.outer:
            e = layer(e, outer_pos, outer_pad)
        return {m: e[:, i * length:(i + 1) * length] for i, m in enumerate(self.modalities)}

    def represent(self, inputs: dict[str, Tensor], mask: Tensor, unimodal: bool) -> tuple[Tensor, dict[str, Tensor]]:
        joint = self.encode(inputs, mask)
        fused = sum(joint[m] * mask[:, i, None, None] for i, m in enumerate(self.modalities))
        reps: dict[str, Tensor] = {}
        if unimodal:
            for i, m in enumerate(self.modalities):
                only = torch.zeros_like(mask)
                only[:, i] = True
                reps[m] = self.encode(inputs, only)[m]
        else:
            reps = {m: torch.zeros_like(joint[m]) for m in self.modalities}
        return torch.as_tensor(fused), reps
