"""The unimodal inner/outer encoder of CoRe-Sleep (Sec. II-C, Fig. 1b).

An epoch's 29 STFT frames (each 128 log-power bins) are projected to ``d_model``, a learnable [CLS]
token is prepended, and ``inner_depth`` post-norm layers mix the frames; the [CLS] output summarises
the epoch. ``outer_depth`` layers then mix the summaries of ``seq_len`` neighbouring epochs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from fusionlab.models.core_sleep.attention import layer_stack


@dataclass
class EncoderStates:
    """What one encoder pass produces.

    Attributes
    ----------
    inner : Tensor, shape (batch * seq_len, n_frames + 1, d_model)
        Output of the inner block ([CLS] first) for every epoch.
    outer : Tensor, shape (batch, seq_len, d_model)
        Output of the outer block: one representation per epoch.
    """

    inner: Tensor
    outer: Tensor


class InnerOuterEncoder(nn.Module):
    """Inner transformer over the frames of each epoch, outer transformer over epochs.

    Parameters
    ----------
    n_frames, n_freqs : int
        STFT frames per epoch (29) and bins per frame (128).
    seq_len : int
        Epochs per sequence (21 in the paper); sets the range of the outer relative positions.
    d_model, n_heads, d_ff : int
        Width, heads and feed-forward width (128, 8, 1024 in the paper).
    inner_depth, outer_depth : int
        Layers of the inner and outer blocks (4 + 4 in the paper).
    dropout : float
        0.3 in the paper.
    """

    def __init__(self, n_frames: int, n_freqs: int, seq_len: int, *, d_model: int, n_heads: int, d_ff: int,
                 inner_depth: int, outer_depth: int, dropout: float) -> None:
        super().__init__()
        if inner_depth < 1 or outer_depth < 1:
            raise ValueError(f"inner_depth and outer_depth must be >= 1, got {inner_depth} and {outer_depth}")
        self.n_frames, self.n_freqs, self.seq_len, self.d_model = n_frames, n_freqs, seq_len, d_model
        self.input_proj = nn.Linear(n_freqs, d_model)
        self.cls_token = nn.Parameter(torch.randn(d_model) * 0.02)
        # Inner positions 0 ([CLS]) .. n_frames; outer positions 0 .. seq_len - 1.
        self.inner = layer_stack(inner_depth, d_model, n_heads, d_ff, dropout, max_distance=n_frames)
        self.outer = layer_stack(outer_depth, d_model, n_heads, d_ff, dropout, max_distance=max(seq_len - 1, 1))

    def embed(self, x: Tensor) -> Tensor:
        """x : (batch, seq_len, n_frames, n_freqs) -> inner tokens (batch * seq_len, n_frames + 1, d_model)."""
        batch, length = x.shape[:2]
        frames = self.input_proj(x.reshape(batch * length, self.n_frames, self.n_freqs))
        cls = self.cls_token.expand(batch * length, 1, self.d_model)
        return torch.cat([cls, frames], dim=1)

    def forward(self, x: Tensor) -> EncoderStates:
        """x : Tensor, shape (batch, seq_len, n_frames, n_freqs) -> :class:`EncoderStates`."""
        batch, length = x.shape[:2]
        h = self.embed(x)
        for layer in self.inner:
            h = layer(h)
        e = h[:, 0].reshape(batch, length, self.d_model)
        for layer in self.outer:
            e = layer(e)
        return EncoderStates(inner=h, outer=e)
