"""MulT-style cross-modal transformer fusion (Tsai et al. 2019): one cross-modal stack per ordered pair.

References
----------
Tsai, Bai, Liang, Kolter, Morency, Salakhutdinov, "Multimodal Transformer for Unaligned Multimodal
Language Sequences", ACL 2019 (arXiv:1906.00295).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from fusionlab.models.fusion.base import FusionBlock, masked_mean, transformer_stack
from fusionlab.models.registry import register


class CrossModalLayer(nn.Module):
    """Pre-LN cross-modal attention layer: ``z = z + MHA(LN(z), LN(x_src))``; ``z = z + FF(LN(z))``.

    Queries come from the target stream ``z (B, L_b, d)``, keys and values from the source tokens
    ``x_src (B, L_a, d)`` (MulT Section 3.2: the keys/values are the source's low-level features at
    every layer of the stack).
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.norm_q = nn.LayerNorm(d_model)
        self.norm_kv = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.norm_ff = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Dropout(dropout),
                                nn.Linear(4 * d_model, d_model), nn.Dropout(dropout))

    def forward(self, z: Tensor, source: Tensor) -> Tensor:
        kv = self.norm_kv(source)
        z = z + self.attn(self.norm_q(z), kv, kv, need_weights=False)[0]
        return z + self.ff(self.norm_ff(z))


class MulTFusion(FusionBlock):
    """Cross-modal transformers for every ordered pair ``a -> b`` (``a != b``), then per-target self-attention.

    For each target ``b``: each source ``a`` feeds a stack of ``depth`` :class:`CrossModalLayer` s
    whose stream starts at ``b``'s tokens (``L_b`` tokens out); the ``M - 1`` streams are concatenated
    along features ``(B, L_b, (M-1) d)``, projected to ``d``, passed through one self-attention layer
    (pre-LN transformer) and mean-pooled. The targets' pooled vectors are averaged over the present
    targets -> ``(B, d)``. There are ``M (M - 1)`` cross-modal stacks (:attr:`streams`).

    Parameters
    ----------
    modalities : sequence of str
        At least two.
    d_model : int
    n_heads : int
    depth : int
        Cross-modal layers per ordered pair.
    dropout : float

    Notes
    -----
    Masks. Where source ``a`` is masked, the stream ``a -> b`` is the target's own tokens (no
    cross-modal update) -- a *zero update*, not a zero stream: zeroing the whole stream would leave
    a sample with one present modality with nothing but the projection's bias, i.e. a constant
    output. Masked targets are left out of the final mean. Masked tokens are zeroed before use.

    Differences from MulT: no positional embeddings or temporal 1-D convolutions on the inputs (the
    encoders of :class:`MultimodalNet` provide tokens), one self-attention layer per target instead
    of a transformer stack, mean pooling instead of the last time step, and the targets are
    averaged rather than concatenated (so that masked targets can be left out).

    The ``cross_modal_attention`` block (:class:`~fusionlab.models.fusion.late.CrossModalAttentionFusion`)
    is a lighter variant: one attention layer whose weights are *shared* by all targets, each
    modality attending to the concatenated tokens of all others at once, then attention pooling.
    Here every ordered pair has its own ``depth``-layer stack, so the parameter count grows as
    ``M (M - 1) depth``.

    References
    ----------
    Tsai et al., "Multimodal Transformer for Unaligned Multimodal Language Sequences", ACL 2019,
    Section 3 (crossmodal attention and transformers, Fig. 2-3).
    """

    missing_modality = ("as a source its streams get no cross-modal update (the target's own tokens); "
                        "as a target it is left out of the final mean")

    def __init__(self, modalities: Sequence[str], d_model: int, *, n_heads: int = 4, depth: int = 2,
                 dropout: float = 0.1) -> None:
        super().__init__(modalities, d_model)
        if len(self.modalities) < 2:
            raise ValueError(f"MulTFusion needs at least two modalities (one cross-modal stack per ordered pair), "
                             f"got {list(self.modalities)}")
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        if int(depth) < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self.pairs = [(a, b) for b in self.modalities for a in self.modalities if a != b]
        self.streams = nn.ModuleDict({
            self.stream_name(a, b): nn.ModuleList(CrossModalLayer(d_model, n_heads, dropout) for _ in range(depth))
            for a, b in self.pairs
        })
        n_sources = len(self.modalities) - 1
        self.project = nn.ModuleDict({b: nn.Linear(n_sources * d_model, d_model) for b in self.modalities})
        self.self_attention = nn.ModuleDict({b: transformer_stack(d_model, n_heads, 1, dropout=dropout)
                                             for b in self.modalities})

    @staticmethod
    def stream_name(source: str, target: str) -> str:
        """Key of the cross-modal stack ``source -> target`` in :attr:`streams`."""
        return f"{source}_to_{target}"

    def forward(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        self.check(tokens, mask)
        index = {m: i for i, m in enumerate(self.modalities)}
        zero = torch.zeros((), dtype=tokens[self.modalities[0]].dtype, device=mask.device)
        clean = {m: torch.where(mask[:, index[m], None, None], tokens[m], zero) for m in self.modalities}
        pooled = []
        for b in self.modalities:
            streams = []
            for a in self.modalities:
                if a == b:
                    continue
                z = clean[b]
                for layer in self.streams[self.stream_name(a, b)]:
                    z = layer(z, clean[a])
                streams.append(torch.where(mask[:, index[a], None, None], z, clean[b]))
            h = self.self_attention[b](self.project[b](torch.cat(streams, dim=-1)))
            pooled.append(masked_mean(h))
        return masked_mean(torch.stack(pooled, dim=1), mask)


@register("mult_cross_attention", kind="fusion",
          paper="Tsai et al. 2019 (MulT); cross-attention baseline of Qin et al. (Step Fusion)",
          missing_modality=MulTFusion.missing_modality)
def mult_cross_attention(modalities: Sequence[str], d_model: int, **kwargs) -> MulTFusion:
    """MulT-style fusion: a cross-modal transformer per ordered modality pair, self-attention per target."""
    return MulTFusion(modalities, d_model, **kwargs)
