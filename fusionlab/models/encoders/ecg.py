"""The ECG feature-domain encoders of "Rethinking Multimodality" (arXiv:2508.00963, Tables 6-8).

Three domains of one heartbeat, three encoders (each maps its view to tokens ``(B, L, d)``):

==========================  ===============================  =====================================
domain (modality kind)      view, per-sample shape           encoder
==========================  ===============================  =====================================
time (``"signal"``)         beat window ``(n_times,)``       :class:`EcgCnn1d` (``ecg_cnn1d``)
time-frequency (``"image"``) CWT scalogram ``(n_scales, T)``  :class:`EcgCnn2d` (``ecg_cnn2d``)
frequency (``"spectrum"``)  FFT spectrum ``(n_bins,)``       :class:`EcgCnnTransformer` (``ecg_cnn_transformer``)
==========================  ===============================  =====================================

The models that fuse them (Hybrid 1/2, morphology + rhythm) are in :mod:`fusionlab.models.ecg_domains`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from fusionlab.models.layers import transformer_stack
from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec

PAPER = "Rethinking Multimodality (arXiv:2508.00963)"
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
        # from the record's median beat, fusionlab.data.rhythm.deviation_from_record).
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
