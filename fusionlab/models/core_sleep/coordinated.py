"""CoRe: coordinated representations (Sec. II-C, Fig. 1).

Each modality has a unimodal encoder and a multimodal encoder. The multimodal encoder of modality
``m`` runs the *same* SA and FF weights as ``m``'s unimodal encoder, on the same input, with a
cross-attention (CA) sub-layer between SA and FF in every layer. In the inner layers the CA queries
attend to the final inner output of every other modality's unimodal encoder (same epoch); in the
outer layers to its final outer output. The grounded representations of the present modalities are
summed into the multimodal representation.

Reading of the paper made here: "the unimodal representations are fed to the multimodal encoder"
is read as the unimodal outputs being the CA keys/values, while the multimodal stream starts again
from the input ``X_m`` (Fig. 1b shows the outputs of the inner/outer blocks of one modality
cross-attending the multimodal stream of the other). With more than two modalities, one CA per
partner is applied in sequence (the paper's "multiple sequential CAs").
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from fusionlab.models.core_sleep.attention import CrossAttentionSublayer
from fusionlab.models.core_sleep.encoder import EncoderStates, InnerOuterEncoder
from fusionlab.models.core_sleep.mid_late import MidLateSleepNet
from fusionlab.models.spec import ModalitySpec


class CoordinatedSleepNet(MidLateSleepNet):
    """CoRe: unimodal encoders + weight-sharing multimodal encoders with pairwise cross-attention.

    Parameters
    ----------
    As :class:`~fusionlab.models.core_sleep.mid_late.MidLateSleepNet`.

    Notes
    -----
    A sample whose partner modality is masked skips that CA sub-layer, so its multimodal encoder
    computes exactly its unimodal encoder's function (the representation is "grounded" on nothing).
    Masked modalities are left out of the sum.
    """

    missing_modality = "skip: no cross-attention to a masked partner; the masked modality is left out of the sum"

    def __init__(self, modalities: Mapping[str, ModalitySpec], num_classes: int, *, d_model: int = 32,
                 n_heads: int = 4, d_ff: int = 64, inner_depth: int = 1, outer_depth: int = 1, dropout: float = 0.1,
                 share_predictor: bool = False) -> None:
        super().__init__(modalities, num_classes, d_model=d_model, n_heads=n_heads, d_ff=d_ff,
                         inner_depth=inner_depth, outer_depth=outer_depth, dropout=dropout,
                         share_predictor=share_predictor)
        if len(self.modalities) < 2:
            raise ValueError(f"CoRe needs at least two modalities, got {list(self.modalities)}")
        # cross[m][partner] holds the CA sub-layers of m's multimodal encoder attending to partner.
        self.cross_inner = nn.ModuleDict({m: nn.ModuleDict({p: nn.ModuleList(
            CrossAttentionSublayer(d_model, n_heads, dropout) for _ in range(inner_depth))
            for p in self.modalities if p != m}) for m in self.modalities})
        self.cross_outer = nn.ModuleDict({m: nn.ModuleDict({p: nn.ModuleList(
            CrossAttentionSublayer(d_model, n_heads, dropout) for _ in range(outer_depth))
            for p in self.modalities if p != m}) for m in self.modalities})

    def grounded(self, m: str, x: Tensor, states: dict[str, EncoderStates], mask: Tensor) -> Tensor:
        """Multimodal (grounded) representation of modality ``m``, shape (batch, seq_len, d_model)."""
        encoder: InnerOuterEncoder = self.encoders[m]
        batch = x.shape[0]
        partners = [p for p in self.modalities if p != m]
        present = {p: mask[:, self.modalities.index(p)] for p in partners}
        h = encoder.embed(x)
        for k, layer in enumerate(encoder.inner):
            z = layer.attend(h)
            for p in partners:
                z = self.cross_inner[m][p][k](z, states[p].inner, present[p].repeat_interleave(self.seq_len))
            h = layer.feed_forward(z)
        e = h[:, 0].reshape(batch, self.seq_len, self.d_model)
        for k, layer in enumerate(encoder.outer):
            z = layer.attend(e)
            for p in partners:
                z = self.cross_outer[m][p][k](z, states[p].outer, present[p])
            e = layer.feed_forward(z)
        return e

    def represent(self, inputs: dict[str, Tensor], mask: Tensor, unimodal: bool) -> tuple[Tensor, dict[str, Tensor]]:
        batch = mask.shape[0]
        states = {m: self.encoders[m](inputs[m]) for m in self.modalities}
        fused = inputs[self.modalities[0]].new_zeros(batch, self.seq_len, self.d_model)
        for i, m in enumerate(self.modalities):
            if not mask[:, i].any():
                continue
            partner_present = torch.stack([mask[:, j] for j, p in enumerate(self.modalities) if p != m], 1).any(1)
            if partner_present.any():
                grounded = self.grounded(m, inputs[m], states, mask)
            else:  # no partner anywhere in the batch: the multimodal encoder equals the unimodal one
                grounded = states[m].outer
            fused = fused + grounded * mask[:, i, None, None]
        return fused, {m: s.outer for m, s in states.items()}
