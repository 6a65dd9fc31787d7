"""LSTM series encoder (Qin et al., Section 3.4): a numeric series -> one token per time step."""

from __future__ import annotations

from torch import Tensor, nn

from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec

PAPER = "Qin et al. (Step Fusion)"


class LstmSeriesEncoder(nn.Module):
    """Stacked ``nn.LSTM`` (batch first) whose hidden states are projected to ``d_model``.

    ``(B, T)`` or ``(B, T, C)`` -> tokens ``(B, T, d_model)``.

    Parameters
    ----------
    spec : ModalitySpec
        Per-sample shape ``(T,)`` (one channel) or ``(T, C)`` (``C`` features per time step, e.g. the
        six power-load features of ETT).
    d_model : int
    hidden : int, optional
        LSTM hidden size; default ``d_model``.
    num_layers : int
        Stacked LSTM layers.
    bidirectional : bool
        Run a second LSTM backwards in time; the two directions are concatenated before the projection.
    dropout : float
        Dropout between LSTM layers (ignored by PyTorch for one layer, so it is only passed for more).

    References
    ----------
    Hochreiter & Schmidhuber, "Long Short-Term Memory", Neural Computation 9(8), 1997.
    Qin et al., "Step fusion: Local and global mutual guidance", Section 3.4 (eqs 5-10).
    """

    def __init__(self, spec: ModalitySpec, d_model: int, *, hidden: int | None = None, num_layers: int = 2,
                 bidirectional: bool = False, dropout: float = 0.0) -> None:
        super().__init__()
        if len(spec.shape) not in (1, 2):
            raise ValueError(f"LstmSeriesEncoder: modality {spec.name!r} must have per-sample shape (n_times,) or "
                             f"(n_times, n_channels), got {spec.shape}")
        if int(num_layers) < 1:
            raise ValueError(f"LstmSeriesEncoder: num_layers must be >= 1, got {num_layers}")
        self.series_shape = tuple(int(s) for s in spec.shape)
        self.n_channels = self.series_shape[1] if len(self.series_shape) == 2 else 1
        self.hidden = int(hidden or d_model)
        self.lstm = nn.LSTM(self.n_channels, self.hidden, num_layers=int(num_layers), batch_first=True,
                            bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)
        self.project = nn.Linear(self.hidden * (2 if bidirectional else 1), d_model)

    def forward(self, x: Tensor) -> Tensor:
        """Series ``(B, T)`` or ``(B, T, C)`` -> tokens ``(B, T, d_model)``."""
        if tuple(x.shape[1:]) != self.series_shape:
            raise ValueError(f"LstmSeriesEncoder expects series (batch, {', '.join(map(str, self.series_shape))}), "
                             f"got {tuple(x.shape)}")
        if x.dim() == 2:
            x = x.unsqueeze(-1)
        out, _ = self.lstm(x)
        return self.project(out)


@register("lstm_series", kind="encoder", paper=PAPER, tags=("step_fusion",),
          example_spec=ModalitySpec("series", (90,), kind="series"))
def lstm_series(spec: ModalitySpec, d_model: int, **kwargs) -> LstmSeriesEncoder:
    """Numeric series -> stacked LSTM -> one token per time step."""
    return LstmSeriesEncoder(spec, d_model, **kwargs)
