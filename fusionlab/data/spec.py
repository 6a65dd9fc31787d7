"""What a model needs to know about one modality: the shape of its input, without the batch dimension.

A dataset describes its modalities with these; models are built from them (``fl.create_model(name, specs)``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModalitySpec:
    """Shape of one modality's input, without the batch dimension.

    Parameters
    ----------
    name : str
        Modality name, the key of the input dict (``"eeg"``, ``"text"``, ``"m1"``...).
    shape : tuple of int
        Per-sample input shape, e.g. ``(n_tokens, n_features)`` for a token sequence,
        ``(n_times,)`` for a 1-D signal, ``(channels, height, width)`` for an image.
    kind : str
        Free-text kind used by encoders that accept several layouts (``"tokens"``, ``"signal"``,
        ``"image"``, ``"text"``...).
    """

    name: str
    shape: tuple[int, ...]
    kind: str = "tokens"

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"ModalitySpec.name must be a non-empty string, got {self.name!r}")
        if not self.shape or any(int(s) <= 0 for s in self.shape):
            raise ValueError(f"ModalitySpec {self.name!r}: shape must be positive ints, got {self.shape!r}")
