"""ECG feature-domain encoders and the Hybrid 1/2 intermediate-fusion models ("Rethinking Multimodality").

Three domains of one heartbeat, three encoders (each maps its view to tokens ``(B, L, d)``):

==========================  ===============================  =====================================
domain (modality kind)      view, per-sample shape           encoder
==========================  ===============================  =====================================
time (``"signal"``)         beat window ``(n_times,)``       :class:`EcgCnn1d` (``ecg_cnn1d``)
time-frequency (``"image"``) CWT scalogram ``(n_scales, T)``  :class:`EcgCnn2d` (``ecg_cnn2d``)
frequency (``"spectrum"``)  FFT spectrum ``(n_bins,)``       :class:`EcgCnnTransformer` (``ecg_cnn_transformer``)
==========================  ===============================  =====================================

Fusion is *intermediate* (feature level): :class:`DomainConcatFusion` (``domain_concat``) pools each
branch's tokens into one feature vector, concatenates them and runs dense layers with dropout.
``ecg_hybrid1`` = time + time-frequency, ``ecg_hybrid2`` = + frequency. A unimodal model is the same
network with one branch: :func:`ecg_domain_net` with a single modality (not registered, because the
registry tests mask one modality of every model, which leaves a unimodal model with nothing).

References
----------
"Rethinking Multimodality: Optimizing Multimodal Deep Learning for Biomedical Signal
Classification", arXiv:2508.00963 (Tables 6-10: 1D-CNN, 2D-CNN, 1D-CNN-Transformer, Hybrid 1/2).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn

from fusionlab.models.encoders.rhythm import RhythmMlp
from fusionlab.models.fusion.base import FusionBlock, masked_mean, transformer_stack
from fusionlab.models.multimodal import MultimodalNet
from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec

PAPER = "Rethinking Multimodality (arXiv:2508.00963)"
DOMAIN_KINDS = {"signal": "time", "image": "time-frequency", "spectrum": "frequency"}
# Views of a 0.7 s beat at 128 Hz (90 samples): what the registry tests and notebook 03 build on.
EXAMPLE_SPECS = {
    "time": ModalitySpec("time", (90,), kind="signal"),
    "tf": ModalitySpec("tf", (24, 45), kind="image"),
    "freq": ModalitySpec("freq", (65,), kind="spectrum"),
}


def _conv_block(dim: int, c_in: int, c_out: int, pool: bool) -> nn.Sequential:
    conv, norm, maxpool = {1: (nn.Conv1d, nn.BatchNorm1d, nn.MaxPool1d), 2: (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d)}[dim]
    layers = [conv(c_in, c_out, 3, padding=1), norm(c_out), nn.ReLU()]
    if pool:
        layers.append(maxpool(2, ceil_mode=True))
    return nn.Sequential(*layers)


def _signal_shape(spec: ModalitySpec, encoder: str, ndim: int) -> tuple[int, ...]:
    """Per-sample shape without an optional leading channel axis of size 1."""
    shape = tuple(spec.shape)
    if len(shape) == ndim + 1 and shape[0] == 1:
        shape = shape[1:]
    if len(shape) != ndim:
        want = "(n_times,)" if ndim == 1 else "(n_scales, n_times)"
        raise ValueError(f"{encoder} of modality {spec.name!r} takes per-sample shape {want} "
                         f"(or with a leading 1), got {spec.shape}")
    return shape


class EcgCnn1d(nn.Module):
    """1D-CNN on the time-domain beat: ``(B, T)`` or ``(B, 1, T)`` -> tokens ``(B, ceil(T / 2**k), d)``.

    ``k = len(channels)`` blocks of conv(3) + BatchNorm + ReLU + max-pool(2); a 1x1 convolution maps
    the last feature map to ``d_model``; each time step of it is one token.
    """

    def __init__(self, spec: ModalitySpec, d_model: int, *, channels: Sequence[int] = (16, 32, 64)) -> None:
        super().__init__()
        shape = tuple(int(s) for s in spec.shape)
        # (C, T) with C > 1: several aligned channels of one beat (e.g. the beat and its deviation
        # from the record's median beat, fusionlab.ecg.rhythm.deviation_from_record).
        if len(shape) == 2 and shape[0] > 1:
            self.n_channels, self.n_times = shape
        else:
            self.n_channels, (self.n_times,) = 1, _signal_shape(spec, "EcgCnn1d", 1)
        widths = [self.n_channels, *channels]
        self.features = nn.Sequential(*[_conv_block(1, a, b, True) for a, b in itertools.pairwise(widths)])
        self.project = nn.Conv1d(widths[-1], d_model, 1)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() == 2 and self.n_channels == 1:
            x = x.unsqueeze(1)
        if x.dim() != 3 or x.shape[1:] != (self.n_channels, self.n_times):
            raise ValueError(f"EcgCnn1d expects (batch, {self.n_channels}, {self.n_times}) beats (or (batch, "
                             f"{self.n_times}) with one channel), got {tuple(x.shape)}")
        return self.project(self.features(x)).transpose(1, 2)


class EcgCnn2d(nn.Module):
    """2D-CNN on the CWT scalogram: ``(B, S, T)`` or ``(B, 1, S, T)`` -> tokens ``(B, S' * T', d)``.

    Blocks of conv(3x3) + BatchNorm + ReLU + max-pool(2x2); a 1x1 convolution maps the last
    feature map to ``d_model``; each (scale, time) cell of it is one token.
    """

    def __init__(self, spec: ModalitySpec, d_model: int, *, channels: Sequence[int] = (16, 32, 64)) -> None:
        super().__init__()
        self.image_shape = _signal_shape(spec, "EcgCnn2d", 2)
        widths = [1, *channels]
        self.features = nn.Sequential(*[_conv_block(2, a, b, True) for a, b in itertools.pairwise(widths)])
        self.project = nn.Conv2d(widths[-1], d_model, 1)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(1)
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, *self.image_shape):
            raise ValueError(f"EcgCnn2d expects (batch, {', '.join(map(str, self.image_shape))}) scalograms, "
                             f"got {tuple(x.shape)}")
        return self.project(self.features(x)).flatten(2).transpose(1, 2)


class EcgCnnTransformer(nn.Module):
    """1D-CNN-Transformer on the FFT spectrum: conv blocks give tokens along frequency, a transformer mixes them.

    ``(B, F)`` -> tokens ``(B, ceil(F / 2**k), d)`` (``k`` = number of pooled conv blocks).
    """

    def __init__(self, spec: ModalitySpec, d_model: int, *, channels: Sequence[int] = (16, 32), n_heads: int = 4,
                 depth: int = 1, dropout: float = 0.1) -> None:
        super().__init__()
        (self.n_bins,) = _signal_shape(spec, "EcgCnnTransformer", 1)
        widths = [1, *channels]
        self.features = nn.Sequential(*[_conv_block(1, a, b, True) for a, b in itertools.pairwise(widths)])
        self.project = nn.Conv1d(widths[-1], d_model, 1)
        n_tokens = self.n_bins
        for _ in channels:
            n_tokens = -(-n_tokens // 2)
        self.position = nn.Parameter(torch.zeros(1, n_tokens, d_model))
        nn.init.trunc_normal_(self.position, std=0.02)
        self.transformer = transformer_stack(d_model, n_heads, depth, dropout=dropout)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(1)
        if x.dim() != 3 or x.shape[1:] != (1, self.n_bins):
            raise ValueError(f"EcgCnnTransformer expects (batch, {self.n_bins}) spectra, got {tuple(x.shape)}")
        tokens = self.project(self.features(x)).transpose(1, 2) + self.position
        return self.transformer(tokens)


class DomainConcatFusion(FusionBlock):
    """Intermediate fusion of domain features: pool each branch, concatenate, dense layers with dropout.

    ``z = Dense(Dropout(ReLU(Dense([mean(h_1) * m_1, ..., mean(h_M) * m_M]))))`` with ``m_i`` the
    modality mask, so a masked branch contributes zeros.

    Parameters
    ----------
    modalities : sequence of str
    d_model : int
        Width of each branch's feature and of the fused output.
    hidden : int
        Width of the dense layer after concatenation.
    dropout : float
    """

    missing_modality = "its pooled feature is replaced by zeros before concatenation"

    def __init__(self, modalities: Sequence[str], d_model: int, *, hidden: int = 128, dropout: float = 0.3) -> None:
        super().__init__(modalities, d_model)
        self.dense = nn.Sequential(
            nn.Linear(len(self.modalities) * d_model, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, d_model), nn.ReLU(),
        )

    def pooled(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        """Concatenated branch features ``(B, M * d)`` (zeros for masked branches)."""
        self.check(tokens, mask)
        return torch.cat([masked_mean(tokens[m]) * mask[:, i, None].to(tokens[m].dtype)
                          for i, m in enumerate(self.modalities)], dim=1)

    def forward(self, tokens: dict[str, Tensor], mask: Tensor) -> Tensor:
        return self.dense(self.pooled(tokens, mask))


@register("domain_concat", kind="fusion", paper=PAPER, missing_modality=DomainConcatFusion.missing_modality)
def domain_concat(modalities: Sequence[str], d_model: int, **kwargs) -> DomainConcatFusion:
    """Intermediate fusion: pooled branch features concatenated, then dense layers with dropout (Hybrid 1/2)."""
    return DomainConcatFusion(modalities, d_model, **kwargs)


@register("ecg_cnn1d", kind="encoder", paper=PAPER, example_spec=EXAMPLE_SPECS["time"])
def ecg_cnn1d(spec: ModalitySpec, d_model: int, **kwargs) -> EcgCnn1d:
    """1D-CNN on the time-domain beat (the paper's time branch)."""
    return EcgCnn1d(spec, d_model, **kwargs)


@register("ecg_cnn2d", kind="encoder", paper=PAPER, example_spec=EXAMPLE_SPECS["tf"])
def ecg_cnn2d(spec: ModalitySpec, d_model: int, **kwargs) -> EcgCnn2d:
    """2D-CNN on the CWT scalogram (the paper's time-frequency branch)."""
    return EcgCnn2d(spec, d_model, **kwargs)


@register("ecg_cnn_transformer", kind="encoder", paper=PAPER, example_spec=EXAMPLE_SPECS["freq"])
def ecg_cnn_transformer(spec: ModalitySpec, d_model: int, **kwargs) -> EcgCnnTransformer:
    """1D-CNN-Transformer on the FFT spectrum (the paper's frequency branch)."""
    return EcgCnnTransformer(spec, d_model, **kwargs)


ENCODER_BY_KIND = {"signal": EcgCnn1d, "image": EcgCnn2d, "spectrum": EcgCnnTransformer, "rhythm": RhythmMlp}


def ecg_domain_net(modalities: Mapping[str, ModalitySpec], num_classes: int, *, d_model: int = 64,
                   hidden: int = 128, dropout: float = 0.3, modality_heads: bool = False) -> MultimodalNet:
    """One encoder per domain (chosen by ``spec.kind``), :class:`DomainConcatFusion`, a linear head.

    Parameters
    ----------
    modalities : mapping name -> ModalitySpec
        ``kind`` ``"signal"`` (time), ``"image"`` (scalogram), ``"spectrum"`` (FFT) or ``"rhythm"``
        (RR features, :class:`~fusionlab.models.encoders.rhythm.RhythmMlp`). One modality gives a
        unimodal model (1D-CNN, 2D-CNN, 1D-CNN-Transformer or rhythm MLP + dense layers).
    num_classes : int
    d_model, hidden, dropout : int, int, float
        Branch feature width, dense width, dropout of the dense layers.
    """
    if not isinstance(modalities, Mapping) or not modalities:
        raise ValueError("modalities must be a non-empty mapping name -> ModalitySpec")
    encoders = {}
    for name, spec in modalities.items():
        if not isinstance(spec, ModalitySpec) or spec.kind not in ENCODER_BY_KIND:
            kind = getattr(spec, "kind", type(spec).__name__)
            raise ValueError(f"modality {name!r}: ECG domain models take ModalitySpecs of kind "
                             f"{sorted(ENCODER_BY_KIND)} (time, time-frequency, frequency, rhythm), got {kind!r}")
        encoders[name] = ENCODER_BY_KIND[spec.kind](spec, d_model)
    fusion = DomainConcatFusion(list(modalities), d_model, hidden=hidden, dropout=dropout)
    return MultimodalNet(encoders, fusion, num_classes, specs=dict(modalities), modality_heads=modality_heads,
                         head_dropout=dropout)


def _hybrid(modalities: Mapping[str, ModalitySpec], kinds: tuple[str, ...], name: str) -> None:
    found = tuple(sorted(getattr(s, "kind", "?") for s in modalities.values())) if isinstance(modalities, Mapping) else ()
    if found != tuple(sorted(kinds)):
        raise ValueError(f"{name} fuses one modality of each kind {list(kinds)}, got kinds {list(found)}")


@register("ecg_hybrid1", kind="model", paper=PAPER + ", Hybrid 1", tags=("ecg_domains",),
          missing_modality=DomainConcatFusion.missing_modality,
          example_spec={k: EXAMPLE_SPECS[k] for k in ("time", "tf")})
def ecg_hybrid1(modalities: Mapping[str, ModalitySpec], num_classes: int, **kwargs) -> MultimodalNet:
    """Hybrid 1: 1D-CNN (time) + 2D-CNN (CWT scalogram) features concatenated, dense layers with dropout."""
    _hybrid(modalities, ("signal", "image"), "ecg_hybrid1")
    return ecg_domain_net(modalities, num_classes, **kwargs)


@register("ecg_hybrid2", kind="model", paper=PAPER + ", Hybrid 2", tags=("ecg_domains",),
          missing_modality=DomainConcatFusion.missing_modality, example_spec=dict(EXAMPLE_SPECS))
def ecg_hybrid2(modalities: Mapping[str, ModalitySpec], num_classes: int, **kwargs) -> MultimodalNet:
    """Hybrid 2: Hybrid 1 + the 1D-CNN-Transformer frequency branch."""
    _hybrid(modalities, ("signal", "image", "spectrum"), "ecg_hybrid2")
    return ecg_domain_net(modalities, num_classes, **kwargs)


@register("ecg_morphology_rhythm", kind="model", paper="morphology + rhythm fusion (de Chazal et al. 2004 as modalities)",
          tags=("ecg_domains",), missing_modality=DomainConcatFusion.missing_modality,
          example_spec={"time": EXAMPLE_SPECS["time"], "rhythm": ModalitySpec("rhythm", (9,), kind="rhythm")})
def ecg_morphology_rhythm(modalities: Mapping[str, ModalitySpec], num_classes: int, **kwargs) -> MultimodalNet:
    """Morphology (1D-CNN on the beat) + rhythm (MLP on RR features), pooled features concatenated."""
    _hybrid(modalities, ("signal", "rhythm"), "ecg_morphology_rhythm")
    return ecg_domain_net(modalities, num_classes, **kwargs)
