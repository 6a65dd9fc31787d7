"""Step Fusion (SF): local and global mutual guidance of two token sequences (Qin et al.).

:class:`StepFusionLayer` is the SF block of Section 3.4.1 / Algorithm 1 for two sequences;
:class:`StepFusion` (``step_fusion``) is the registered fusion block that applies one SF block per
additional modality, stepwise: ``h = x_1``, then ``h = SF_m(h, x_m)`` for ``m = 2..M``.

References
----------
Qin et al., "Step fusion: Local and global mutual guidance" (Section 3.4.1, eqs 11-18,
Algorithm 1, Tables 5-7).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from fusionlab.models.fusion.base import FusionBlock
from fusionlab.models.registry import register

PAPER = "Qin et al. (Step Fusion)"


class StepFusionLayer(nn.Module):
    """One SF block: ``x1`` (query side, e.g. image) is guided by ``x2`` (e.g. numeric series).

    ``n1, n2 = LN(x1), LN(x2)`` (eqs 11-12); ``Q = n1 W_q``, ``K = n2 W_k``, ``V = n2 W_v`` split into
    ``n_heads`` heads; guide ``G = Q K^T * scale`` (eq 13); ``G <- G - max_j G`` (eq 14);
    ``W = softmax(G)`` (eq 15); ``out = W V`` with heads merged (eq 16); substituting mapping
    ``SF = Conv2(Conv1(out) + n1) + n2`` (Algorithm 1, eqs 17-18). The attention is the *global*
    guidance (every token sees every token), the token-axis convolutions the *local* one.

    Parameters
    ----------
    d_model : int
        Token width ``d`` of both inputs and of the output.
    n_heads : int
        Attention heads; ``d_model`` must be divisible by it (``d_h = d_model / n_heads``).
    kernel_size : int
        Kernel of the two 1-D convolutions along the token axis (padding ``"same"``).
    double_scaling : bool
        ``False`` (default): one factor ``1 / sqrt(d_h)`` as in standard attention. ``True``: the
        literal equations, ``1 / sqrt(d)`` in eq 13 *and* ``1 / sqrt(d_h)`` in eq 15.
    dropout : float
        Dropout on the SF weights ``W``.

    Notes
    -----
    Ambiguities of the paper and how they are resolved here:

    - **Guide shape.** Eq 13 writes ``ID_1^T . ID_2``, which for ``(L, d)`` matrices would be a
      ``d x d`` feature-by-feature matrix; eq 14 indexes ``G`` by head and by two *sequence
      positions*, and Algorithm 1 uses ``einsum``. We compute a token-by-token guide ``Q K^T``
      ``(B, heads, L, L)``.
    - **Projections.** Eq 13 uses the normalised features directly; Algorithm 1 projects them
      (``I1 = Linear(image)``, ``I2, V = Linear(numeric)``). We project: ``Q`` from ``n1``; ``K`` and
      ``V`` from ``n2``, by separate linear maps.
    - **Scaling.** See ``double_scaling``. With both factors the logits are ``sqrt(d)`` times
      flatter than standard attention, which makes the weights nearly uniform at init.
    - **Max subtraction (eq 14).** It leaves the softmax unchanged and only guards against
      overflow. The paper says it maps ``G`` to ``[0, inf)``; it actually maps it to ``(-inf, 0]``.
    - **Substituting mapping.** Algorithm 1 adds ``I1`` and ``I2`` (the projections), eqs 17-18 add
      ``ID_1`` and ``ID_2`` and the text says "the normalized original features are substituting
      mapped". We add the layer-normalised inputs ``n1`` (after the first convolution) and ``n2``
      (after the second), as ``Out = Conv[Conv(Out) + I1] + I2``. ``F`` has no activation: the
      paper names none, so the block is linear after the softmax.
    - **"Conv".** Unspecified; we use ``nn.Conv1d(d, d, kernel_size, padding="same")`` along the
      token axis. Because of the ``+ n2`` both inputs need the same length ``L``.
    - No output projection after merging the heads (``Conv1`` plays that role).

    References
    ----------
    Qin et al., "Step fusion: Local and global mutual guidance", Section 3.4.1, Algorithm 1.
    Vaswani et al., "Attention is all you need", NeurIPS 2017 (scaled dot-product attention).
    """

    def __init__(self, d_model: int, *, n_heads: int = 4, kernel_size: int = 3, double_scaling: bool = False,
                 dropout: float = 0.0) -> None:
        super().__init__()
        if int(d_model) <= 0 or int(n_heads) <= 0 or d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be a positive multiple of n_heads ({n_heads})")
        if int(kernel_size) < 1:
            raise ValueError(f"kernel_size must be >= 1, got {kernel_size}")
        self.d_model, self.n_heads, self.head_dim = int(d_model), int(n_heads), int(d_model) // int(n_heads)
        self.double_scaling = bool(double_scaling)
        self.scale = 1.0 / math.sqrt(self.head_dim)
        if self.double_scaling:
            self.scale /= math.sqrt(self.d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)
        self.conv1 = nn.Conv1d(d_model, d_model, kernel_size, padding="same")
        self.conv2 = nn.Conv1d(d_model, d_model, kernel_size, padding="same")

    def _check(self, x1: Tensor, x2: Tensor) -> None:
        for name, x in (("x1", x1), ("x2", x2)):
            if x.dim() != 3 or x.shape[-1] != self.d_model:
                raise ValueError(f"StepFusionLayer: {name} must have shape (batch, n_tokens, {self.d_model}), "
                                 f"got {tuple(x.shape)}")
        if x1.shape[:2] != x2.shape[:2]:
            raise ValueError(f"StepFusionLayer: x2 must have the same (batch, n_tokens) as x1 = {tuple(x1.shape[:2])} "
                             f"(the substituting mapping adds both), got {tuple(x2.shape[:2])}; resample the "
                             "sequences to one length first (StepFusion(n_tokens=...))")

    def _heads(self, x: Tensor) -> Tensor:
        batch, length, _ = x.shape
        return x.view(batch, length, self.n_heads, self.head_dim).transpose(1, 2)  # (B, H, L, d_h)

    def _guide(self, x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Normalised inputs, scaled guide ``G (B, H, L, L)`` (eqs 11-13, before eq 14) and values ``(B, H, L, d_h)``."""
        self._check(x1, x2)
        n1, n2 = self.norm1(x1), self.norm2(x2)
        q, k, v = self._heads(self.query(n1)), self._heads(self.key(n2)), self._heads(self.value(n2))
        return n1, n2, torch.matmul(q, k.transpose(-2, -1)) * self.scale, v

    def guide(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The scaled guide ``G = Q K^T * scale`` ``(B, n_heads, L, L)`` of eq 13, before the max subtraction."""
        return self._guide(x1, x2)[2]

    def forward(self, x1: Tensor, x2: Tensor, return_weights: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        """Fuse ``x1 (B, L, d)`` (queries) with ``x2 (B, L, d)`` (keys, values) -> ``(B, L, d)``.

        With ``return_weights=True`` also return the SF weights ``W (B, n_heads, L, L)`` (rows sum to 1).
        """
        n1, n2, g, v = self._guide(x1, x2)
        g = g - g.amax(dim=-1, keepdim=True)  # eq 14: numerical stability only, the softmax is unchanged
        weights = torch.softmax(g, dim=-1)
        out = torch.matmul(self.dropout(weights), v)  # (B, H, L, d_h)
        out = out.transpose(1, 2).reshape(x1.shape)  # merge heads
        out = self.conv1(out.transpose(1, 2)) + n1.transpose(1, 2)  # convolve along the token axis
        out = (self.conv2(out) + n2.transpose(1, 2)).transpose(1, 2)
        return (out, weights) if return_weights else out


class StepFusion(FusionBlock):
    """Stepwise fusion of ``M >= 2`` modalities: ``h = x_1``; ``h = SF_m(h, x_m)`` for ``m = 2..M``; mean of ``h``.

    Each step has its own :class:`StepFusionLayer`; the first modality is always the query side
    (the image in the paper's Algorithm 1), so the modality order matters.

    Parameters
    ----------
    modalities : sequence of str
        At least two; the first is the query side of every step.
    d_model : int
    n_heads, kernel_size, double_scaling, dropout
        Passed to every :class:`StepFusionLayer`.
    n_tokens : int or None
        The paper's encoders emit sequences of one length; ours do not (an image gives ``H' W'``
        tokens, a series ``T``). With an int, every modality's tokens are first resampled to
        ``n_tokens`` by adaptive average pooling along the token axis (repeating tokens when a
        sequence is shorter). With ``None``, unequal lengths raise a ``ValueError``.

    Notes
    -----
    Masks. The first modality's (resampled) tokens plus a learned start sequence ``s``
    ``(n_tokens, d)`` form ``h``; where the first modality is masked, ``h = s`` alone (``s`` is
    thus a learned positional offset when present and a learned null sequence when absent).
    Where modality ``m > 1`` is masked, step ``m`` is skipped for those samples (``torch.where``).
    Masked tokens are zeroed before any arithmetic, so NaN in them cannot leak into gradients.

    References
    ----------
    Qin et al., "Step fusion: Local and global mutual guidance", Section 3.4.1, Algorithm 1.
    """

    missing_modality = ("a masked first modality leaves only a learned start sequence as the query side; "
                        "a masked later modality skips its fusion step")

    def __init__(self, modalities: Sequence[str], d_model: int, *, n_heads: int = 4, kernel_size: int = 3,
                 n_tokens: int | None = 8, double_scaling: bool = False, dropout: float = 0.0) -> None:
        super().__init__(modalities, d_model)
        if len(self.modalities) < 2:
            raise ValueError(f"StepFusion fuses two or more modalities (each SF step takes two sequences), got "
                             f"{list(self.modalities)}; use the 'mean' block for a unimodal model")
        if n_tokens is not None and int(n_tokens) < 1:
            raise ValueError(f"n_tokens must be a positive int or None, got {n_tokens}")
        self.n_tokens = None if n_tokens is None else int(n_tokens)
        self.start = nn.Parameter(torch.zeros(1, self.n_tokens or 1, d_model))
        nn.init.trunc_normal_(self.start, std=0.02)
        self.steps = nn.ModuleList(
            StepFusionLayer(d_model, n_heads=n_heads, kernel_size=kernel_size, double_scaling=double_scaling,
                            dropout=dropout)
            for _ in self.modalities[1:]
        )

    def sequences(self, tokens: dict[str, Tensor], mask: Tensor) -> list[Tensor]:
        """Each modality's tokens resampled to one length (zeros where masked), in modality order."""
        self.check(tokens, mask)
        seqs = []
        for i, m in enumerate(self.modalities):
            x = torch.where(mask[:, i, None, None], tokens[m], torch.zeros((), dtype=tokens[m].dtype,
                                                                           device=tokens[m].device))
            if self.n_tokens is not None and x.shape[1] != self.n_tokens:
                x = F.adaptive_avg_pool1d(x.transpose(1, 2), self.n_tokens).transpose(1, 2)
            seqs.append(x)
        lengths = {m: s.shape[1] for m, s in zip(self.modalities, seqs)}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"StepFusion(n_tokens=None) needs one sequence length for every modality, got "
                             f"{lengths}; pass n_tokens=<int> to resample them")
        return seqs

    def forward(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        seqs = self.sequences(tokens, mask)
        start = self.start.expand(seqs[0].shape[0], seqs[0].shape[1], -1)
        h = start + seqs[0]  # seqs[0] is zeros where the first modality is masked
        for i, step in enumerate(self.steps, start=1):
            h = torch.where(mask[:, i, None, None], step(h, seqs[i]), h)
        return h.mean(dim=1)


@register("step_fusion", kind="fusion", paper=PAPER, missing_modality=StepFusion.missing_modality)
def step_fusion(modalities: Sequence[str], d_model: int, **kwargs) -> StepFusion:
    """Step Fusion: stepwise SF blocks (attention guide + token-axis convolutions), mean over tokens."""
    return StepFusion(modalities, d_model, **kwargs)
