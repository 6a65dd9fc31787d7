"""CoRe-Sleep inputs: STFT features per night, sequence datasets and whole-night predictions.

STFT features are computed once per night (``fusionlab.spectral.core_sleep_stft``, 29 x 128 dB per
epoch) and z-scored per night and frequency bin; sequences are then cut from these arrays, so no
item recomputes a transform.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from fusionlab.data.batches import MultimodalTensorDataset
from fusionlab.data.staging import SleepEpochs
from fusionlab.data.windows import STAGES
from fusionlab.repro import get_device
from fusionlab.spectral import core_sleep_stft

MODALITIES = ("eeg", "eog")


@dataclass
class NightFeatures:
    """One night as CoRe-Sleep features.

    Attributes
    ----------
    name : str
    features : dict modality -> ndarray, shape (n_epochs, 29, 128), float32
        Per-night z-scored log-power STFT.
    labels : ndarray, shape (n_epochs,), int64
    present : dict modality -> bool
        Whether the modality may be used (False: recorded but withheld, e.g. incomplete training data).
    signals : dict modality -> ndarray, shape (n_times,)
        The raw channel (for the detector and figures); not copied into datasets.
    sfreq : float
    corruptions : DataFrame
        Ground-truth imperfections (synthetic nights), else empty.
    """

    name: str
    features: dict[str, np.ndarray]
    labels: np.ndarray
    present: dict[str, bool]
    signals: dict[str, np.ndarray]
    sfreq: float
    corruptions: pd.DataFrame = field(default_factory=pd.DataFrame)
    night: object = None  # the SyntheticNight, when there is one (ground truth of corruption)

    @property
    def n_epochs(self) -> int:
        return len(self.labels)

    def with_present(self, **present: bool) -> NightFeatures:
        """The same night with some modalities withheld (``with_present(eog=False)``)."""
        unknown = set(present) - set(self.features)
        if unknown:
            raise KeyError(f"unknown modalities {sorted(unknown)}; this night has {list(self.features)}")
        merged = {**self.present, **present}
        if not any(merged.values()):
            raise ValueError(f"night {self.name}: withholding {sorted(present)} leaves no modality")
        return NightFeatures(self.name, self.features, self.labels, merged, self.signals, self.sfreq,
                             self.corruptions, self.night)


def _zscore(stft: np.ndarray) -> np.ndarray:
    mean = stft.mean(axis=(0, 1), keepdims=True)
    std = stft.std(axis=(0, 1), keepdims=True)
    return ((stft - mean) / np.maximum(std, 1e-6)).astype(np.float32)


def stft_features(signal: np.ndarray, sfreq: float, modality: str) -> np.ndarray:
    """Per-night z-scored CoRe-Sleep STFT of one channel: (n_epochs, 29, 128) float32."""
    return _zscore(np.asarray(core_sleep_stft(np.asarray(signal, dtype=np.float32), sfreq, modality=modality)))


def features_from_synthetic(night, modalities: Sequence[str] = MODALITIES, *, keep_signals: bool = True) -> NightFeatures:
    """Features of a :class:`~fusionlab.data.synthetic.SyntheticNight` (its ground truth kept).

    ``keep_signals=False`` keeps only the features and labels (no raw channels, no night object):
    enough for training, half the memory.
    """
    signals = {m: night.channel(m) for m in modalities}
    features = {m: stft_features(x, night.sfreq, m)[: night.n_epochs] for m, x in signals.items()}
    if not keep_signals:
        return NightFeatures(night.name, features, night.hypnogram.astype(np.int64), {m: True for m in modalities},
                             {}, night.sfreq, night.corruptions, None)
    return NightFeatures(night.name, features, night.hypnogram.astype(np.int64), {m: True for m in modalities},
                         signals, night.sfreq, night.corruptions, night)


def features_from_epochs(epochs: SleepEpochs, modalities: Sequence[str] = MODALITIES) -> NightFeatures:
    """Features of a real night loaded as :class:`~fusionlab.data.staging.SleepEpochs` (first channel per modality).

    Consecutive epochs are joined back into one recording before the STFT, which cuts the same
    epochs again (filter edges aside at gaps left by trimming).
    """
    missing = [m for m in modalities if m not in epochs.signals]
    if missing:
        raise KeyError(f"night {epochs.subject!r} has no modality {missing[0]!r}; it has {list(epochs.signals)}")
    signals = {m: epochs.signals[m][:, 0].reshape(-1) for m in modalities}
    features = {m: stft_features(x, epochs.sfreq, m) for m, x in signals.items()}
    return NightFeatures(epochs.subject, features, epochs.labels.astype(np.int64), {m: True for m in modalities},
                         signals, epochs.sfreq)


def window_starts(n_epochs: int, seq_len: int, stride: int) -> np.ndarray:
    """First epochs of windows of ``seq_len`` with ``stride``; the last window ends at the last epoch.

    Raises
    ------
    ValueError
        If the night is shorter than one window.
    """
    if n_epochs < seq_len:
        raise ValueError(f"a night of {n_epochs} epochs is shorter than the outer sequence length seq_len={seq_len}; "
                         "use a smaller seq_len or drop the night")
    starts = np.arange(0, n_epochs - seq_len + 1, stride)
    if starts[-1] != n_epochs - seq_len:
        starts = np.append(starts, n_epochs - seq_len)
    return starts


def sequence_dataset(nights: Sequence[NightFeatures], seq_len: int, *, stride: int | None = None,
                     modalities: Sequence[str] = MODALITIES, label: str = "sequence") -> MultimodalTensorDataset:
    """Windows of ``seq_len`` epochs from every night, as a :class:`MultimodalTensorDataset`.

    Parameters
    ----------
    nights : sequence of NightFeatures
    seq_len : int
    stride : int, optional
        Default ``seq_len`` (non-overlapping, plus one window aligned to the end of each night).
    label : {"sequence", "center"}
        ``"sequence"``: labels (n, seq_len); ``"center"``: the centre epoch's stage (n,).

    Returns
    -------
    MultimodalTensorDataset
        inputs ``{m: (n, seq_len, 29, 128)}`` (zeros where withheld), mask ``(n, M)`` from ``present``.
    """
    if label not in ("sequence", "center"):
        raise ValueError(f"label must be 'sequence' or 'center', got {label!r}")
    if not nights:
        raise ValueError("sequence_dataset needs at least one night")
    stride = int(stride or seq_len)
    inputs: dict[str, list[np.ndarray]] = {m: [] for m in modalities}
    labels, masks = [], []
    for night in nights:
        starts = window_starts(night.n_epochs, seq_len, stride)
        index = starts[:, None] + np.arange(seq_len)
        for m in modalities:
            x = night.features[m][index] if night.present[m] else np.zeros((len(starts), seq_len, 29, 128),
                                                                           np.float32)
            inputs[m].append(x)
        labels.append(night.labels[index])
        masks.append(np.tile([night.present[m] for m in modalities], (len(starts), 1)))
    y = torch.from_numpy(np.concatenate(labels))
    if label == "center":
        y = y[:, seq_len // 2]
    return MultimodalTensorDataset({m: torch.from_numpy(np.concatenate(v)) for m, v in inputs.items()}, y,
                                   torch.from_numpy(np.concatenate(masks)))


def stage_counts(nights: Sequence[NightFeatures]) -> pd.Series:
    """Epochs per stage over ``nights`` (index: W, N1, N2, N3, REM)."""
    counts = np.bincount(np.concatenate([n.labels for n in nights]), minlength=len(STAGES))
    return pd.Series(counts[: len(STAGES)], index=list(STAGES), name="epochs")


def check_stages(nights: Sequence[NightFeatures], split: str) -> pd.Series:
    """Stage counts of a split; a stage absent from it is an error (the model could not learn or be scored on it)."""
    counts = stage_counts(nights)
    absent = list(counts.index[counts == 0])
    if absent:
        raise ValueError(f"split {split!r} has no epoch of stage(s) {absent} (counts {counts.to_dict()}); "
                         "use more or longer nights, or merge the stage before training")
    return counts


@torch.no_grad()
def predict_night(model: torch.nn.Module, night: NightFeatures, use: Sequence[str], *, batch_size: int = 64,
                  device: str | torch.device | None = None) -> np.ndarray:
    """Per-epoch class probabilities of a whole night using only the modalities in ``use``.

    ``device``: where to run (``"auto"`` resolves with :func:`fusionlab.repro.get_device`); default None keeps
    the model where its parameters are.

    Non-overlapping windows of the model's ``seq_len`` (the last one aligned to the night's end)
    are classified per epoch; epochs covered twice get the mean probability.

    Returns
    -------
    ndarray, shape (n_epochs, num_classes)
    """
    modalities = model.modalities
    unknown = [m for m in use if m not in modalities]
    if unknown or not use:
        raise ValueError(f"use must name at least one of the model's modalities {list(modalities)}, got {list(use)}")
    if device is None:
        device = next(model.parameters()).device
    else:
        device = get_device(device)
    model.eval().to(device)
    seq_len = model.seq_len
    starts = window_starts(night.n_epochs, seq_len, seq_len)
    index = starts[:, None] + np.arange(seq_len)
    total = np.zeros((night.n_epochs, model.num_classes))
    counts = np.zeros(night.n_epochs)
    for a in range(0, len(starts), batch_size):
        idx = index[a:a + batch_size]
        inputs = {m: torch.from_numpy(night.features[m][idx]).to(device) if m in use
                  else torch.zeros(len(idx), seq_len, model.n_frames, model.n_freqs, device=device)
                  for m in modalities}
        mask = torch.tensor([[m in use for m in modalities]] * len(idx), device=device)
        probs = torch.softmax(model(inputs, mask, per_epoch=True).float(), -1).cpu().numpy()
        for row, epochs in enumerate(idx):
            total[epochs] += probs[row]
            counts[epochs] += 1
    return total / counts[:, None]


def as_mapping(x: Mapping[str, bool] | None, modalities: Sequence[str]) -> dict[str, bool]:
    """``{m: True}`` for every modality unless given."""
    return dict(x) if x is not None else {m: True for m in modalities}
