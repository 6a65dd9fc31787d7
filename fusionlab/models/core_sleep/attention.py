"""Multi-head attention with learnable relative position embeddings on the keys, and post-norm layers.

CoRe-Sleep (Kontras et al., Sec. II-B/II-F) uses post-norm transformer layers whose attention adds a
learnable relative position embedding to the key vectors only (Shaw et al., 2018):

    score_ij = q_i . (k_j + a_{p_i - p_j}) / sqrt(d_k)

where ``p`` are the token positions and ``a`` a table of ``2 * max_distance + 1`` vectors of size
``d_k`` shared by all heads. Positions are passed explicitly so that Early fusion can give EEG and
EOG frames of the same time the same position (the modality is told apart by a modality embedding).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class RelativeMultiheadAttention(nn.Module):
    """Scaled dot-product attention, ``n_heads`` heads, optional relative position embeddings on keys.

    Parameters
    ----------
    d_model : int
    n_heads : int
        Must divide ``d_model``; ``d_k = d_model // n_heads``.
    max_distance : int or None
        Largest ``|p_i - p_j|`` that gets its own embedding (farther pairs are clipped to it).
        ``None``: no relative positions (used by cross-attention between modalities).
    dropout : float
        Dropout on the attention weights.
    """

    def __init__(self, d_model: int, n_heads: int, max_distance: int | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        self.d_model, self.n_heads, self.d_k = d_model, n_heads, d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)
        self.max_distance = max_distance
        self.relative_keys = (nn.Parameter(torch.randn(2 * max_distance + 1, self.d_k) * 0.02)
                              if max_distance is not None else None)
        self.dropout = nn.Dropout(dropout)

    def _split(self, x: Tensor) -> Tensor:
        batch, length, _ = x.shape
        return x.view(batch, length, self.n_heads, self.d_k).transpose(1, 2)  # (B, H, L, d_k)

    def forward(self, query: Tensor, key: Tensor, *, positions: Tensor | None = None,
                key_padding_mask: Tensor | None = None) -> Tensor:
        """Attend from ``query`` tokens to ``key`` tokens (the same tensor for self-attention).

        Parameters
        ----------
        query : Tensor, shape (batch, L_q, d_model)
        key : Tensor, shape (batch, L_k, d_model)
            Also the values.
        positions : LongTensor, shape (L,), optional
            Token positions for the relative embeddings (self-attention only, ``L_q == L_k``);
            default ``0..L-1``.
        key_padding_mask : BoolTensor, shape (batch, L_k), optional
            ``True`` for keys to ignore. A row with every key ignored gives zeros.

        Returns
        -------
        Tensor, shape (batch, L_q, d_model)
        """
        q, k, v = self._split(self.q_proj(query)), self._split(self.k_proj(key)), self._split(self.v_proj(key))
        scores = q @ k.transpose(-1, -2)  # (B, H, L_q, L_k)
        if self.relative_keys is not None:
            if query.shape[1] != key.shape[1]:
                raise ValueError("relative positions need self-attention (query and key of the same length), got "
                                 f"{query.shape[1]} and {key.shape[1]} tokens")
            if positions is None:
                positions = torch.arange(query.shape[1], device=query.device)
            distance = (positions[:, None] - positions[None, :]).clamp(-self.max_distance, self.max_distance)
            rel = self.relative_keys[distance + self.max_distance]  # (L, L, d_k)
            scores = scores + torch.einsum("bhid,ijd->bhij", q, rel)
        scores = scores / math.sqrt(self.d_k)
        if key_padding_mask is not None:
            scores = scores.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        if key_padding_mask is not None:  # all keys ignored -> NaN rows -> zeros
            weights = torch.nan_to_num(weights, nan=0.0)
        out = (self.dropout(weights) @ v).transpose(1, 2).reshape(query.shape[0], query.shape[1], self.d_model)
        return self.out_proj(out)


class FeedForward(nn.Module):
    """Position-wise ``Linear -> ReLU -> Dropout -> Linear`` (Eq. 4)."""

    def __init__(self, d_model: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class PostNormLayer(nn.Module):
    """One post-norm transformer layer (Eqs. 1-5): ``Z = LN(X + SA(X))``, ``out = LN(Z + FF(Z))``.

    The self-attention (``self_attn``, ``norm1``) and feed-forward (``ff``, ``norm2``) modules are
    what CoRe shares between a modality's unimodal and multimodal encoders.
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float, max_distance: int) -> None:
        super().__init__()
        self.self_attn = RelativeMultiheadAttention(d_model, n_heads, max_distance, dropout)
        self.norm1 = nn.LayerNorm(d_model)
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)

    def attend(self, x: Tensor, positions: Tensor | None = None, key_padding_mask: Tensor | None = None) -> Tensor:
        """The self-attention sub-layer with its residual and norm, shape kept."""
        return self.norm1(x + self.dropout(self.self_attn(x, x, positions=positions,
                                                         key_padding_mask=key_padding_mask)))

    def feed_forward(self, z: Tensor) -> Tensor:
        """The feed-forward sub-layer with its residual and norm, shape kept."""
        return self.norm2(z + self.dropout(self.ff(z)))

    def forward(self, x: Tensor, positions: Tensor | None = None, key_padding_mask: Tensor | None = None) -> Tensor:
        """x : Tensor, shape (batch, L, d_model) -> same shape."""
        return self.feed_forward(self.attend(x, positions, key_padding_mask))


class CrossAttentionSublayer(nn.Module):
    """The CA component CoRe places between SA and FF (Eqs. 6-7), with its residual and post-norm.

    Samples whose partner modality is absent skip the sub-layer (output = input), so a multimodal
    encoder with no partner computes exactly its unimodal encoder's function.
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.cross_attn = RelativeMultiheadAttention(d_model, n_heads, None, dropout)
        self.norm = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, z: Tensor, partner: Tensor, partner_present: Tensor) -> Tensor:
        """z : (B, L_q, d) queries; partner : (B, L_k, d) keys/values; partner_present : (B,) bool."""
        updated = self.norm(z + self.dropout(self.cross_attn(z, partner)))
        return torch.where(partner_present[:, None, None], updated, z)


def layer_stack(depth: int, d_model: int, n_heads: int, d_ff: int, dropout: float, max_distance: int) -> nn.ModuleList:
    """``depth`` independent :class:`PostNormLayer`."""
    return nn.ModuleList(PostNormLayer(d_model, n_heads, d_ff, dropout, max_distance) for _ in range(depth))


__all__ = ["CrossAttentionSublayer", "FeedForward", "PostNormLayer", "RelativeMultiheadAttention", "layer_stack"]
