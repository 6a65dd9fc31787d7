"""Low-rank Multimodal Fusion (LMF, Liu et al. 2018): a tensor fusion with low-rank modality factors.

Tensor fusion (Zadeh et al. 2017) takes the outer product of ``[z_m, 1]`` over modalities and maps
the resulting ``prod_m (d + 1)`` tensor linearly to the output; LMF writes that linear map as a
sum of ``rank`` products of modality-specific factors, so the tensor is never built:

``h = sum_r w_r * prod_m ([z_m, 1] W_m^(r)) + b``

References
----------
Liu, Shen, Lakshminarasimhan, Liang, Zadeh, Morency, "Efficient Low-rank Multimodal Fusion with
Modality-Specific Factors", ACL 2018, arXiv:1806.00064.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from fusionlab.models.fusion.base import FusionBlock, masked_mean
from fusionlab.models.registry import register


class LowRankFusion(FusionBlock):
    """LMF on the pooled modality vectors: ``(B, L_m, d)`` per modality -> ``(B, d)``.

    1. ``z_m = mean of the tokens of m`` ``(B, d)``; ``z_m = 0`` where ``m`` is masked.
    2. ``z_m^+ = [z_m, 1]`` ``(B, d + 1)``; ``f_m^(r) = z_m^+ W_m^(r)`` with factors
       ``W_m`` of shape ``(rank, d + 1, d)``.
    3. ``h = sum_r w_r * prod_m f_m^(r) + b`` (elementwise product over modalities).

    Parameters
    ----------
    modalities : sequence of str
    d_model : int
        Width of the pooled vectors and of the output.
    rank : int
        Number of rank-one terms (the paper finds 4 to 16 enough).

    Notes
    -----
    The appended constant 1 keeps the unimodal and lower-order interaction terms of tensor fusion:
    a masked modality reduces to ``f_m^(r) = W_m^(r)[d]`` (the factor's last row), a learned
    constant that cannot depend on the modality's tokens. The original LMF puts modality-specific
    sub-networks (LSTM, MLP) before the fusion; here the encoders of :class:`MultimodalNet` play
    that role, and the output dropout of the original lives in the model's head.
    Factors are Xavier-normal initialised, the rank weights Xavier-normal, the bias zeros (as in
    the authors' code).

    References
    ----------
    Liu et al., "Efficient Low-rank Multimodal Fusion with Modality-Specific Factors", ACL 2018,
    arXiv:1806.00064, Section 3.2 (eqs 4-6).
    """

    missing_modality = "its pooled vector is zeros, so only the appended constant 1 reaches its low-rank factors"

    def __init__(self, modalities: Sequence[str], d_model: int, *, rank: int = 4) -> None:
        super().__init__(modalities, d_model)
        if int(rank) < 1:
            raise ValueError(f"rank must be a positive int, got {rank}")
        self.rank = int(rank)
        self.factors = nn.ParameterList(nn.Parameter(torch.empty(self.rank, d_model + 1, d_model))
                                        for _ in self.modalities)
        self.rank_weights = nn.Parameter(torch.empty(1, self.rank))
        self.bias = nn.Parameter(torch.zeros(d_model))
        for factor in self.factors:
            nn.init.xavier_normal_(factor)
        nn.init.xavier_normal_(self.rank_weights)

    def pooled(self, tokens: dict[str, Tensor], mask: Tensor) -> list[Tensor]:
        """``[z_m, 1]`` ``(B, d + 1)`` per modality, with ``z_m = 0`` where ``m`` is masked."""
        self.check(tokens, mask)
        out = []
        for i, m in enumerate(self.modalities):
            z = torch.where(mask[:, i, None], masked_mean(tokens[m]), torch.zeros((), dtype=tokens[m].dtype,
                                                                                  device=tokens[m].device))
            out.append(torch.cat([z, torch.ones_like(z[:, :1])], dim=1))
        return out

    def forward(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        product = None
        for z, factor in zip(self.pooled(tokens, mask), self.factors):
            f = torch.einsum("bi,rio->bro", z, factor)  # (B, rank, d)
            product = f if product is None else product * f
        return torch.einsum("r,bro->bo", self.rank_weights[0], product) + self.bias


@register("lmf", kind="fusion", paper="Liu et al. 2018 (LMF); baseline of Qin et al. (Step Fusion)",
          missing_modality=LowRankFusion.missing_modality)
def lmf(modalities: Sequence[str], d_model: int, **kwargs) -> LowRankFusion:
    """Low-rank Multimodal Fusion: rank-r modality factors on [pooled vector, 1], multiplied across modalities."""
    return LowRankFusion(modalities, d_model, **kwargs)
