"""From a PSG file and its scored stages to labelled 30-s epochs, one array per modality.

The format modules (:mod:`~fusionlab.data.sleep_edf`, :mod:`~fusionlab.data.shhs`,
:mod:`~fusionlab.data.cap`) only turn their annotation files into a table of stage intervals;
:func:`epochs_from_psg` does the rest the same way for all of them, and for the synthetic nights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from fusionlab.data.edf import read_edf, read_edf_header, resolve_channels
from fusionlab.data.errors import MissingChannelError
from fusionlab.data.windows import STAGES, epoch_signals, stage_epochs, trim_wake

__all__ = ["SleepEpochs", "epochs_from_psg", "normalise_channels"]


@dataclass
class SleepEpochs:
    """Labelled 30-s epochs of one night, grouped by modality.

    Attributes
    ----------
    signals : dict modality -> ndarray, shape (n_epochs, n_channels, n_samples), float32
        E.g. ``{"eeg": ..., "eog": ..., "emg": ...}``; µV for voltage channels.
    labels : ndarray, shape (n_epochs,), int64
        Stage indices into :data:`fusionlab.data.windows.STAGES` (W, N1, N2, N3, REM).
    onsets : ndarray, shape (n_epochs,), float
        Epoch starts in seconds from the start of the recording.
    sfreq : float
    epoch_len : float
    ch_names : dict modality -> list of str
    available : ndarray, shape (n_epochs, n_modalities), bool
        ``False`` where a modality is absent from the file or flat (lost) for the whole epoch;
        the column order is :attr:`modalities`.
    subject : str
    source : dict
        Paths of the files it came from.
    """

    signals: dict[str, np.ndarray]
    labels: np.ndarray
    onsets: np.ndarray
    sfreq: float
    epoch_len: float
    ch_names: dict[str, list[str]]
    available: np.ndarray
    subject: str = ""
    source: dict[str, str] = field(default_factory=dict)

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(self.signals)

    def __len__(self) -> int:
        return len(self.labels)

    def stage_counts(self) -> pd.Series:
        """Number of epochs per stage, in the order W, N1, N2, N3, REM."""
        counts = np.bincount(self.labels, minlength=len(STAGES))
        return pd.Series(counts, index=list(STAGES), name="epochs")

    def select(self, index: np.ndarray) -> SleepEpochs:
        """A new object with the epochs at ``index`` (e.g. after trimming)."""
        return SleepEpochs({m: x[index] for m, x in self.signals.items()}, self.labels[index], self.onsets[index],
                           self.sfreq, self.epoch_len, self.ch_names, self.available[index], self.subject,
                           self.source)


def normalise_channels(channels: Mapping[str, Sequence[str] | str]) -> dict[str, list[str]]:
    """``{"eeg": "EEG Fpz-Cz"}`` -> ``{"eeg": ["EEG Fpz-Cz"]}``; checks it is a non-empty mapping."""
    if not isinstance(channels, Mapping) or not channels:
        raise TypeError("channels must map a modality name to channel names, e.g. "
                        f"{{'eeg': ['EEG Fpz-Cz'], 'eog': ['EOG horizontal']}}; got {channels!r}")
    return {modality: [names] if isinstance(names, str) else list(names) for modality, names in channels.items()}


def epochs_from_psg(
    psg_path: str | Path,
    stages: pd.DataFrame,
    channels: Mapping[str, Sequence[str] | str],
    *,
    sfreq: float | None = None,
    epoch_len: float = 30.0,
    trim: str | None = None,
    trim_keep_minutes: float = 30.0,
    on_length_mismatch: str = "error",
    on_missing: str = "error",
    subject: str = "",
    source: Mapping[str, str] | None = None,
) -> SleepEpochs:
    """Read the channels of a PSG file and cut them into the scored epochs.

    Parameters
    ----------
    psg_path : path
        The EDF/EDF+ signal file.
    stages : DataFrame
        Columns ``onset``, ``duration`` (s from the start of ``psg_path``) and ``stage``
        (one of W, N1, N2, N3, REM; ``None`` for unscored intervals).
    channels : mapping modality -> channel name(s)
    sfreq : float, optional
        Resample to this rate (needed when channels differ in rate).
    trim : {None, "deepsleepnet", "core-sleep"}
        Trim long wake at both ends (see :func:`fusionlab.data.windows.trim_wake`).
    on_length_mismatch : {"error", "crop"}
        See :func:`fusionlab.data.windows.stage_epochs`.
    on_missing : {"error", "mask"}
        A channel absent from the file raises (listing the available ones), or its modality is
        filled with zeros and marked unavailable.
    """
    if on_missing not in ("error", "mask"):
        raise ValueError(f"on_missing must be 'error' or 'mask', got {on_missing!r}")
    channels = normalise_channels(channels)
    header = read_edf_header(psg_path)
    wanted = [name for names in channels.values() for name in names]
    present: dict[str, list[str]] = {}
    missing: list[str] = []
    for modality, names in channels.items():
        try:
            present[modality] = resolve_channels(names, header.signal_labels, header.path)
        except MissingChannelError as err:
            missing += err.missing
            present[modality] = []
    if missing and on_missing == "error":
        raise MissingChannelError(header.path, missing, header.signal_labels)
    to_read = [name for names in present.values() for name in names]
    if not to_read:
        raise MissingChannelError(header.path, wanted, header.signal_labels)
    recording = read_edf(header.path, to_read, sfreq=sfreq, allow_flat=on_missing == "mask")
    onsets, labels = stage_epochs(stages, recording.duration, epoch_len=epoch_len, source=(source or {}).get("hypnogram", header.path),
                                  on_length_mismatch=on_length_mismatch)
    if trim is not None:
        keep = trim_wake(labels, mode=trim, keep_minutes=trim_keep_minutes, epoch_len=epoch_len)
        onsets, labels = onsets[keep], labels[keep]
    signals, available = {}, []
    n_samples = round(recording.sfreq * epoch_len)
    for modality, names in present.items():
        if names:
            rows = [recording.ch_names.index(name) for name in names]
            epochs = epoch_signals(recording.data[rows], recording.sfreq, onsets, epoch_len)
            # An epoch whose channels are all constant carries no signal: a lost stretch.
            available.append(np.ptp(epochs, axis=2).max(axis=1) > 0)
        else:
            epochs = np.zeros((len(onsets), len(channels[modality]), n_samples), dtype=np.float32)
            available.append(np.zeros(len(onsets), dtype=bool))
        signals[modality] = epochs.astype(np.float32, copy=False)
    sources = {"psg": str(header.path), **(dict(source) if source else {})}
    return SleepEpochs(signals, labels, onsets, recording.sfreq, epoch_len,
                       {m: present[m] or channels[m] for m in channels},
                       np.stack(available, axis=1) if available else np.zeros((len(onsets), 0), bool),
                       subject or header.path.stem, sources)
