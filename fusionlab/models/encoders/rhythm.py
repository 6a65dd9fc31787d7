"""Rhythm encoder: a small MLP on a beat's RR-interval features -> one token.

The rhythm modality (:mod:`fusionlab.data.rhythm`) is a short vector per beat (pre-RR, post-RR,
local RR, their ratios, normalised by the record); an MLP maps it to one token ``(B, 1, d)``, so
it fuses with any token-based fusion block (concatenation, LMF, Step Fusion).
"""

from __future__ import annotations

from torch import Tensor, nn

from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec

PAPER = "de Chazal et al. 2004 (RR features), as a modality"


class RhythmMlp(nn.Module):
    """``(B, n_features)`` -> ``Linear-ReLU-Linear-ReLU`` -> one token ``(B, 1, d_model)``.

    Parameters
    ----------
    spec : ModalitySpec
        Per-sample shape ``(n_features,)``.
    d_model : int
    hidden : int
        Width of the hidden layer.
    dropout : float
    """

    def __init__(self, spec: ModalitySpec, d_model: int, *, hidden: int = 32, dropout: float = 0.0) -> None:
        super().__init__()
        if len(spec.shape) != 1:
            raise ValueError(f"RhythmMlp: modality {spec.name!r} must have per-sample shape (n_features,), "
                             f"got {spec.shape}")
        self.n_features = int(spec.shape[0])
        self.net = nn.Sequential(nn.Linear(self.n_features, hidden), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, d_model), nn.ReLU())

    def forward(self, x: Tensor) -> Tensor:
        """Features ``(B, n_features)`` -> one token ``(B, 1, d_model)``."""
        if x.dim() != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"RhythmMlp expects (batch, {self.n_features}) rhythm features, got {tuple(x.shape)}")
        return self.net(x).unsqueeze(1)


@register("ecg_rhythm_mlp", kind="encoder", paper=PAPER, tags=("ecg_domains",),
          example_spec=ModalitySpec("rhythm", (9,), kind="rhythm"))
def ecg_rhythm_mlp(spec: ModalitySpec, d_model: int, **kwargs) -> RhythmMlp:
    """RR-interval features of a beat (per-record normalised) -> MLP -> one token."""
    return RhythmMlp(spec, d_model, **kwargs)
