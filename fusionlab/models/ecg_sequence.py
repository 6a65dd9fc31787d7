"""A beat seen with its neighbours: morphology and rhythm of a stretch of beats, one class for the centre beat.

A single-beat model sees one beat's shape and its RR numbers. A cardiologist reads a strip: an S beat
looks like its neighbours but comes early *in a regular rhythm*; in atrial fibrillation every beat is
"early" and none is an S beat; a V beat looks unlike its neighbours. :class:`BeatSequenceNet` gives a
model that strip. Each of the ``2 * half + 1`` beats (:func:`fusionlab.data.rhythm.neighbour_index`) is
encoded by the same morphology encoder (:class:`~fusionlab.models.encoders.ecg.EcgCnn1d`, pooled over
time) and the same rhythm encoder (:class:`~fusionlab.models.encoders.rhythm.RhythmMlp`); the two
features of every beat are concatenated (intermediate fusion per beat), two temporal convolutions
mix the beats, and the centre beat's own features plus its context go to a dense head.

Inputs: ``{"time": (B, W, C, T), "rhythm": (B, W, F)}`` with ``W = 2 * half + 1`` (see
:func:`fusionlab.data.rhythm.beat_windows`). Measured on MIT-BIH in ``benchmarks/ecg_rhythm_variants.py``
(record-wise CV of DS1, 5 seeds): macro-F1 0.520 +- 0.034, *not* better than the single-beat
``1D-CNN + rhythm`` (0.542 +- 0.032), so the lessons do not use it; it is here to be tried, e.g. on DS1 -> DS2.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from fusionlab.models.encoders.ecg import EcgCnn1d
from fusionlab.models.encoders.rhythm import RhythmMlp
from fusionlab.models.spec import ModalitySpec


class BeatSequenceNet(nn.Module):
    """Classify the centre beat of a window of beats from their morphology and rhythm.

    Parameters
    ----------
    beat_shape : tuple of int
        Per-beat shape of the time view, ``(C, T)`` (the beat and its deviation from the record's
        median beat) or ``(T,)``.
    n_rhythm : int
        Rhythm features per beat.
    num_classes : int
    half : int
        Beats on each side of the centre beat (window ``2 * half + 1``).
    d_model, hidden, dropout : int, int, float
        Width of each beat's morphology and rhythm feature; dense width; dropout of the head.
    """

    def __init__(self, beat_shape: tuple[int, ...], n_rhythm: int, num_classes: int, *, half: int = 4,
                 d_model: int = 32, hidden: int = 64, dropout: float = 0.3) -> None:
        super().__init__()
        if half < 0:
            raise ValueError(f"half must be >= 0 beats, got {half}")
        self.half, self.width = half, 2 * half + 1
        self.beat_shape = tuple(int(s) for s in beat_shape)
        self.morphology = EcgCnn1d(ModalitySpec("time", self.beat_shape, kind="signal"), d_model)
        self.rhythm = RhythmMlp(ModalitySpec("rhythm", (n_rhythm,), kind="rhythm"), d_model)
        per_beat = 2 * d_model
        self.context = nn.Sequential(nn.Conv1d(per_beat, per_beat, 3, padding=1), nn.ReLU(),
                                     nn.Conv1d(per_beat, per_beat, 3, padding=1), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * per_beat, hidden), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(hidden, num_classes))

    def forward(self, inputs: Mapping[str, Tensor], mask: Tensor | None = None) -> Tensor:
        """Logits ``(B, num_classes)``; ``mask`` is accepted for the training loop's signature and ignored
        (both modalities are always present here)."""
        x, r = inputs["time"], inputs["rhythm"]
        if x.dim() != 2 + len(self.beat_shape) or x.shape[1] != self.width or tuple(x.shape[2:]) != self.beat_shape:
            raise ValueError(f"BeatSequenceNet expects time (batch, {self.width}, {', '.join(map(str, self.beat_shape))}), "
                             f"got {tuple(x.shape)}")
        if r.dim() != 3 or r.shape[:2] != x.shape[:2]:
            raise ValueError(f"BeatSequenceNet expects rhythm (batch, {self.width}, n_features) aligned with time, "
                             f"got {tuple(r.shape)}")
        batch = x.shape[0]
        shape = self.morphology(x.flatten(0, 1)).mean(1)              # (B * W, d): each beat's shape
        timing = self.rhythm(r.flatten(0, 1)).squeeze(1)              # (B * W, d): each beat's RR features
        beats = torch.cat([shape, timing], -1).view(batch, self.width, -1)
        context = self.context(beats.transpose(1, 2))[:, :, self.half]  # the centre beat among its neighbours
        return self.head(torch.cat([beats[:, self.half], context], -1))
