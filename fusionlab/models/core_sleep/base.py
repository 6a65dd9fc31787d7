"""What every CoRe-Sleep-family model shares: input/mask checks, predictors and the output record.

Call convention (the package-wide one, so ``fit``/``evaluate``/``predict`` work unchanged)::

    model(inputs: {m: (B, seq_len, n_frames, n_freqs)}, mask: (B, M) bool | {m: (B,)}) -> (B, C)

The default output is the logits of the *centre* epoch of each sequence; ``per_epoch=True`` gives
every epoch's logits ``(B, seq_len, C)`` (sequence-to-sequence, as the paper trains: 21 labels per
sequence), and ``return_all=True`` a :class:`CoreSleepOutput` with the unimodal predictions and
representations that the MS and AL losses need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from torch import Tensor, nn

from fusionlab.models.base import FusionModel, FusionOutput
from fusionlab.models.spec import ModalitySpec


@dataclass
class CoreSleepOutput(FusionOutput):
    """Everything a CoRe-Sleep-family forward pass computes with ``return_all=True``.

    Attributes
    ----------
    logits : Tensor, shape (batch, num_classes)
        Multimodal prediction of the centre epoch.
    epoch_logits : Tensor, shape (batch, seq_len, num_classes)
    fused : Tensor, shape (batch, d_model)
        Centre-epoch multimodal representation.
    embeddings : dict name -> Tensor, shape (batch, d_model)
        Centre-epoch unimodal representations (zeros where the modality is masked).
    modality_logits : dict name -> Tensor, shape (batch, num_classes)
        Unimodal predictions of the centre epoch (the MS predictors).
    epoch_embeddings : dict name -> Tensor, shape (batch, seq_len, d_model)
    epoch_modality_logits : dict name -> Tensor, shape (batch, seq_len, num_classes)
    mask : Tensor, shape (batch, n_modalities), bool
    """

    logits: Tensor
    epoch_logits: Tensor
    fused: Tensor
    embeddings: dict[str, Tensor]
    modality_logits: dict[str, Tensor]
    epoch_embeddings: dict[str, Tensor]
    epoch_modality_logits: dict[str, Tensor]
    mask: Tensor


def check_core_sleep_specs(modalities: Mapping[str, ModalitySpec]) -> tuple[dict[str, ModalitySpec], tuple[int, int, int]]:
    """Validate ``{name: ModalitySpec((seq_len, n_frames, n_freqs))}``; all modalities share one shape."""
    if not isinstance(modalities, Mapping) or not modalities:
        raise ValueError("modalities must be a non-empty mapping name -> ModalitySpec((seq_len, n_frames, n_freqs))")
    shapes = {}
    for name, spec in modalities.items():
        if not isinstance(spec, ModalitySpec):
            raise TypeError(f"modalities[{name!r}] must be a ModalitySpec, got {type(spec).__name__}")
        if len(spec.shape) != 3:
            raise ValueError(f"modality {name!r}: CoRe-Sleep models take (seq_len, n_frames, n_freqs) STFT "
                             f"sequences, got shape {spec.shape}")
        shapes[name] = tuple(int(s) for s in spec.shape)
    if len(set(shapes.values())) != 1:
        raise ValueError(f"every modality must have the same (seq_len, n_frames, n_freqs) shape, got {shapes}")
    return dict(modalities), next(iter(shapes.values()))


def predictor(d_model: int, num_classes: int, dropout: float) -> nn.Sequential:
    """The paper's 2-layer MLP predictor."""
    return nn.Sequential(nn.Linear(d_model, d_model), nn.ReLU(), nn.Dropout(dropout), nn.Linear(d_model, num_classes))


class CoreSleepModel(FusionModel):
    """Base class: subclasses implement :meth:`represent`.

    Parameters
    ----------
    modalities : mapping name -> ModalitySpec, shape (seq_len, n_frames, n_freqs)
    num_classes : int
    d_model : int
    dropout : float
        Dropout of the predictors.
    share_predictor : bool
        One predictor for the multimodal and every unimodal representation (the paper notes that
        sharing helped training with incomplete data).
    """

    def __init__(self, modalities: Mapping[str, ModalitySpec], num_classes: int, *, d_model: int, dropout: float,
                 share_predictor: bool = False) -> None:
        super().__init__()
        self.specs, (self.seq_len, self.n_frames, self.n_freqs) = check_core_sleep_specs(modalities)
        if int(num_classes) < 2:
            raise ValueError(f"num_classes must be >= 2, got {num_classes}")
        self.modalities: tuple[str, ...] = tuple(self.specs)
        self.num_classes, self.d_model = int(num_classes), int(d_model)
        self.head = predictor(d_model, num_classes, dropout)
        self.share_predictor = share_predictor
        self.modality_heads = None if share_predictor else nn.ModuleDict(
            {m: predictor(d_model, num_classes, dropout) for m in self.modalities})
        # Which predictor answers for a sample with exactly one present modality: the multimodal one
        # (False, the only trained one without MS) or that modality's own (True, for models trained
        # with MS). Either way it reads the same representation: with one modality present, every
        # model's multimodal representation *is* that modality's unimodal representation.
        self.single_modality_head = False

    # ------------------------------------------------------------------ checks
    def check_modality_shape(self, name: str, x: Tensor) -> None:
        """The per-sample shape check of :meth:`~fusionlab.models.base.FusionModel.check_inputs`, with a hint
        for sequences shorter than the outer length."""
        expected = (self.seq_len, self.n_frames, self.n_freqs)
        found = tuple(x.shape[1:])
        if x.dim() != 4 or found != expected:
            hint = (f" (a sequence of {found[0]} epochs is shorter than the outer length {self.seq_len}: "
                    "build the model with a smaller seq_len or use longer nights)"
                    if x.dim() == 4 and found[0] < self.seq_len else "")
            raise ValueError(f"modality {name!r}: expected input (batch, {', '.join(map(str, expected))}) = "
                             f"(batch, seq_len, n_frames, n_freqs), got {tuple(x.shape)}{hint}")

    # ----------------------------------------------------------------- forward
    def represent(self, inputs: dict[str, Tensor], mask: Tensor, unimodal: bool
                  ) -> tuple[Tensor, dict[str, Tensor]]:
        """Multimodal ``(B, L, d)`` and unimodal ``{m: (B, L, d)}`` per-epoch representations.

        ``inputs`` arrive with masked modalities already zeroed. ``unimodal=False`` lets models for
        which unimodal representations cost extra passes (Early) skip them.
        """
        raise NotImplementedError

    def modality_head(self, m: str) -> nn.Module:
        return self.head if self.modality_heads is None else self.modality_heads[m]

    def forward(self, inputs: Mapping[str, Tensor], mask: Tensor | Mapping[str, Tensor] | None = None, *,
                return_all: bool = False, per_epoch: bool = False) -> Tensor | CoreSleepOutput:
        """Classify sequences of epochs.

        Parameters
        ----------
        inputs : dict name -> Tensor, shape (batch, seq_len, n_frames, n_freqs)
        mask : Tensor (batch, n_modalities) bool, or dict name -> (batch,) bool, optional
            ``True`` where the modality is present; ``None``: all present. Masked inputs are zeroed
            before use, so they may hold anything (zeros, NaN).
        return_all : bool
            Return a :class:`CoreSleepOutput`.
        per_epoch : bool
            Return ``(batch, seq_len, num_classes)`` logits instead of the centre epoch's.
        """
        batch = self.check_inputs(inputs)
        mask = self.resolve_mask(mask, batch, inputs[self.modalities[0]].device)
        clean = self.zero_masked(inputs, mask)
        fused, unimodal = self.represent(clean, mask, unimodal=return_all)
        epoch_logits = self.head(fused)
        if self.single_modality_head and self.modality_heads is not None:
            alone = mask.sum(1) == 1
            for i, m in enumerate(self.modalities):
                rows = alone & mask[:, i]
                if rows.any():
                    epoch_logits = epoch_logits.clone()
                    epoch_logits[rows] = self.modality_heads[m](fused[rows])
        centre = self.seq_len // 2
        if not return_all:
            return epoch_logits if per_epoch else epoch_logits[:, centre]
        unimodal = {m: unimodal[m] * mask[:, i, None, None] for i, m in enumerate(self.modalities)}
        epoch_modality_logits = {m: self.modality_head(m)(unimodal[m]) for m in self.modalities}
        return CoreSleepOutput(
            logits=epoch_logits[:, centre], epoch_logits=epoch_logits, fused=fused[:, centre],
            embeddings={m: z[:, centre] for m, z in unimodal.items()},
            modality_logits={m: z[:, centre] for m, z in epoch_modality_logits.items()},
            epoch_embeddings=unimodal, epoch_modality_logits=epoch_modality_logits, mask=mask)
