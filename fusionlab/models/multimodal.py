"""``MultimodalNet``: the one model shape every fusion lesson uses.

``encoders`` map each modality to tokens ``(B, L_m, d)``; a fusion block maps ``{name: tokens}``
plus a per-sample modality mask to one fused vector ``(B, d)``; a linear head gives the logits.
On request the model also returns per-modality embeddings and per-modality logits (needed by
multi-supervised and alignment losses, and by robustness studies).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from torch import Tensor, nn

from fusionlab.models.base import FusionModel, FusionOutput
from fusionlab.models.fusion.base import FusionBlock, masked_mean
from fusionlab.models.spec import ModalitySpec


@dataclass
class MultimodalOutput(FusionOutput):
    """Everything :meth:`MultimodalNet.forward` computes when ``return_all=True`` (the fields of
    :class:`~fusionlab.models.base.FusionOutput`).

    Attributes
    ----------
    logits : Tensor, shape (batch, num_classes)
    fused : Tensor, shape (batch, d_model)
    embeddings : dict name -> Tensor, shape (batch, d_model)
        Masked mean of each modality's tokens (zeros where the modality is masked).
    modality_logits : dict name -> Tensor, shape (batch, num_classes), or empty
        Per-modality heads on ``embeddings`` (only when built with ``modality_heads=True``).
    mask : Tensor, shape (batch, n_modalities), bool
    """


class MultimodalNet(FusionModel):
    """Encoders -> fusion -> classification head, with an explicit modality mask.

    Parameters
    ----------
    encoders : mapping name -> nn.Module
        Each maps that modality's input ``(B, *spec.shape)`` to tokens ``(B, L_m, d_model)``.
        The mapping's order is the modality order of the mask.
    fusion : FusionBlock
        Maps ``{name: (B, L_m, d)}`` and a mask ``(B, M)`` to ``(B, d)``.
    num_classes : int
        Number of output classes (>= 2), or 1 for a single regression output: the head then
        gives ``(batch, 1)`` values, trained with ``fusionlab.train.fit(..., task="regression")``
        (mean squared error of ``output[:, 0]``).
    specs : mapping name -> ModalitySpec, optional
        Expected per-sample input shapes; when given, inputs are checked against them.
    modality_heads : bool
        Add one linear head per modality on its pooled embedding.
    head_dropout : float
        Dropout before the classification head(s).

    Notes
    -----
    Masked modalities are zeroed *before* their encoder, so a missing modality may be passed
    as any tensor of the right shape (zeros, NaN) and never influences the output.
    A sample with every modality masked is an error: there is nothing to classify.
    """

    def __init__(
        self,
        encoders: Mapping[str, nn.Module],
        fusion: FusionBlock,
        num_classes: int,
        *,
        specs: Mapping[str, ModalitySpec] | None = None,
        modality_heads: bool = False,
        head_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not encoders:
            raise ValueError("MultimodalNet needs at least one encoder")
        if tuple(encoders) != tuple(fusion.modalities):
            raise ValueError(
                f"encoders {list(encoders)} and fusion block modalities {list(fusion.modalities)} must "
                "name the same modalities in the same order"
            )
        if int(num_classes) < 1:
            raise ValueError(
                f"num_classes must be >= 1 (1: one regression output, >= 2: class logits), got {num_classes}"
            )
        self.modalities: tuple[str, ...] = tuple(encoders)
        self.encoders = nn.ModuleDict(dict(encoders))
        self.fusion = fusion
        self.d_model = fusion.d_model
        self.num_classes = int(num_classes)
        self.specs = dict(specs) if specs is not None else None
        self.dropout = nn.Dropout(head_dropout)
        self.head = nn.Linear(self.d_model, self.num_classes)
        self.modality_heads = (
            nn.ModuleDict({m: nn.Linear(self.d_model, self.num_classes) for m in self.modalities})
            if modality_heads
            else None
        )

    # ----------------------------------------------------------------- forward
    def encode(self, inputs: Mapping[str, Tensor], mask: Tensor) -> dict[str, Tensor]:
        """Tokens ``(B, L_m, d)`` of each modality; masked samples' inputs are zeroed first."""
        tokens: dict[str, Tensor] = {}
        for m, x in self.zero_masked(inputs, mask).items():
            t = self.encoders[m](x)
            if t.dim() != 3 or t.shape[0] != x.shape[0] or t.shape[-1] != self.d_model:
                raise ValueError(
                    f"encoder of {m!r} must return tokens (batch, n_tokens, {self.d_model}), got {tuple(t.shape)}"
                )
            tokens[m] = t
        return tokens

    def forward(
        self,
        inputs: Mapping[str, Tensor],
        mask: Tensor | Mapping[str, Tensor] | None = None,
        *,
        return_all: bool = False,
    ) -> Tensor | MultimodalOutput:
        """Classify a batch.

        Parameters
        ----------
        inputs : dict name -> Tensor, shape (batch, *spec.shape)
        mask : Tensor (batch, n_modalities) bool, or dict name -> (batch,) bool, optional
            ``True`` where the modality is present. ``None`` means all present.
        return_all : bool
            Return a :class:`MultimodalOutput` instead of the logits alone.
        """
        batch = self.check_inputs(inputs)
        mask = self.resolve_mask(mask, batch, next(iter(inputs.values())).device)
        tokens = self.encode(inputs, mask)
        fused = self.fusion(tokens, mask)
        logits = self.head(self.dropout(fused))
        if not return_all:
            return logits
        embeddings = {m: masked_mean(tokens[m]) * mask[:, i, None] for i, m in enumerate(self.modalities)}
        modality_logits = (
            {m: self.modality_heads[m](self.dropout(embeddings[m])) for m in self.modalities}
            if self.modality_heads is not None
            else {}
        )
        return MultimodalOutput(logits=logits, fused=fused, embeddings=embeddings,
                                modality_logits=modality_logits, mask=mask)
