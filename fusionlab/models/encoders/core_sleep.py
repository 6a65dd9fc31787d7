"""CoRe-Sleep's inner/outer transformer (Kontras et al.) as a registry encoder: an STFT sequence of epochs ->
one token per epoch, so lesson 03 and ``MultimodalNet`` can use the encoder lesson 07 trains.

The encoder itself is :class:`fusionlab.models.core_sleep.encoder.InnerOuterEncoder`; this module only adapts it
to the encoder contract ``(B, *spec.shape) -> tokens (B, L, d_model)``.
"""

from __future__ import annotations

from torch import Tensor, nn

from fusionlab.models.core_sleep.encoder import InnerOuterEncoder
from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec

PAPER = "Kontras et al. (CoRe-Sleep)"


class InnerOuterTokens(nn.Module):
    """STFT epochs ``(B, seq_len, n_frames, n_freqs)`` -> the outer block's epoch tokens ``(B, seq_len, d_model)``.

    Parameters
    ----------
    spec : ModalitySpec
        ``shape = (seq_len, n_frames, n_freqs)``.
    d_model : int
    n_heads, d_ff, inner_depth, outer_depth, dropout :
        As :class:`~fusionlab.models.core_sleep.encoder.InnerOuterEncoder` (``d_ff`` default ``2 * d_model``).
    """

    def __init__(self, spec: ModalitySpec, d_model: int, *, n_heads: int = 4, d_ff: int | None = None,
                 inner_depth: int = 1, outer_depth: int = 1, dropout: float = 0.1) -> None:
        super().__init__()
        if len(spec.shape) != 3:
            raise ValueError(f"modality {spec.name!r}: the inner/outer encoder takes (seq_len, n_frames, n_freqs) "
                             f"STFT sequences, got shape {spec.shape}")
        seq_len, n_frames, n_freqs = (int(s) for s in spec.shape)
        self.encoder = InnerOuterEncoder(n_frames, n_freqs, seq_len, d_model=d_model, n_heads=n_heads,
                                         d_ff=d_ff or 2 * d_model, inner_depth=inner_depth, outer_depth=outer_depth,
                                         dropout=dropout)

    def forward(self, x: Tensor) -> Tensor:
        """x : Tensor, shape (batch, seq_len, n_frames, n_freqs) -> tokens (batch, seq_len, d_model)."""
        return self.encoder(x).outer


@register("core_sleep_inner_outer", kind="encoder", paper=PAPER, tags=("core_sleep",),
          description="inner transformer over the STFT frames of each epoch, outer transformer over epochs",
          example_spec=ModalitySpec("eeg", (5, 8, 16), kind="stft"))
def core_sleep_inner_outer(spec: ModalitySpec, d_model: int, **kwargs) -> InnerOuterTokens:
    """CoRe-Sleep's inner/outer encoder: one token per epoch of an STFT sequence."""
    return InnerOuterTokens(spec, d_model, **kwargs)
