"""Sleep-EDF (PhysioNet ``sleep-edfx``): PSG + Hypnogram EDF+ pairs -> labelled 30-s epochs.

Each night is two files: ``SC4001E0-PSG.edf`` (signals: ``EEG Fpz-Cz``, ``EEG Pz-Oz``,
``EOG horizontal``, ``Resp oro-nasal``, ``EMG submental``, ``Temp rectal``, ``Event marker``) and
``SC4001EC-Hypnogram.edf``, an EDF+ file holding only annotations ``"Sleep stage W"``,
``"Sleep stage 1"`` ... ``"Sleep stage 4"``, ``"Sleep stage R"``, ``"Sleep stage ?"`` and
``"Movement time"``, each spanning a multiple of 30 s. R&K stages 3 and 4 are merged into N3;
movement and unknown epochs are dropped (as in DeepSleepNet and CoRe-Sleep).

In the sleep-cassette files, ``EMG submental`` (and respiration, temperature) are stored at 1 Hz
while EEG/EOG are at 100 Hz; reading them together therefore needs ``sfreq`` (default 100 Hz).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from fusionlab.data.edf import read_edf_annotations, read_edf_header
from fusionlab.data.errors import DataFormatError
from fusionlab.data.staging import SleepEpochs, epochs_from_psg

__all__ = [
    "SLEEP_EDF_CHANNELS",
    "SLEEP_EDF_STAGE_MAP",
    "find_sleep_edf_pairs",
    "load_sleep_edf",
    "read_sleep_edf_hypnogram",
]

SLEEP_EDF_STAGE_MAP: dict[str, str | None] = {
    "Sleep stage W": "W",
    "Sleep stage 1": "N1",
    "Sleep stage 2": "N2",
    "Sleep stage 3": "N3",
    "Sleep stage 4": "N3",  # R&K S3 + S4 -> AASM N3
    "Sleep stage R": "REM",
    "Sleep stage ?": None,  # unknown: dropped
    "Movement time": None,  # dropped
}
"""Hypnogram annotation -> AASM stage (``None``: not a sleep stage, dropped)."""

SLEEP_EDF_CHANNELS: dict[str, list[str]] = {
    "eeg": ["EEG Fpz-Cz"],
    "eog": ["EOG horizontal"],
    "emg": ["EMG submental"],
}
"""The channels the lessons use, by modality."""


def read_sleep_edf_hypnogram(path: str | Path, *, offset: float = 0.0) -> pd.DataFrame:
    """Read a Sleep-EDF ``*-Hypnogram.edf`` file into stage intervals.

    Parameters
    ----------
    path : path
        The hypnogram EDF+ file.
    offset : float
        Seconds to add to every onset (the hypnogram's start minus the PSG's start).

    Returns
    -------
    DataFrame
        Columns ``onset``, ``duration`` (s), ``description`` (as in the file) and ``stage``
        (W/N1/N2/N3/REM, or ``None`` for unknown/movement).

    Raises
    ------
    DataFormatError
        If an annotation is not one of :data:`SLEEP_EDF_STAGE_MAP` (the message lists them).
    """
    frame, _ = read_edf_annotations(path)
    unknown = sorted(set(frame["description"]) - set(SLEEP_EDF_STAGE_MAP))
    if unknown:
        raise DataFormatError(
            f"{path}: unknown sleep stage annotation(s) {unknown}; expected one of {list(SLEEP_EDF_STAGE_MAP)}"
        )
    frame["onset"] = frame["onset"] + offset
    frame["stage"] = frame["description"].map(SLEEP_EDF_STAGE_MAP).astype(object)
    frame["stage"] = frame["stage"].where(frame["stage"].notna(), None)
    return frame


def load_sleep_edf(
    psg_path: str | Path,
    hypnogram_path: str | Path,
    channels: Mapping[str, Sequence[str] | str] | None = None,
    *,
    sfreq: float | None = 100.0,
    trim: str | None = None,
    trim_keep_minutes: float = 30.0,
    on_length_mismatch: str = "error",
    on_missing: str = "error",
) -> SleepEpochs:
    """Load one Sleep-EDF night as labelled 30-s epochs per modality.

    Parameters
    ----------
    psg_path, hypnogram_path : path
        ``*-PSG.edf`` and ``*-Hypnogram.edf`` of the same night.
    channels : mapping modality -> channel name(s), optional
        Default :data:`SLEEP_EDF_CHANNELS` (EEG Fpz-Cz, EOG horizontal, EMG submental).
    sfreq : float or None
        Common rate to resample to (100 Hz, the EEG rate); ``None`` keeps native rates and then
        requires the picked channels to share one.
    trim : {None, "deepsleepnet", "core-sleep"}
        Trim long wake at both ends: ``"deepsleepnet"`` keeps ``trim_keep_minutes`` (30) of wake
        around the sleep period, as in DeepSleepNet/CoRe-Sleep's Sleep-EDF preprocessing. The
        sleep-cassette recordings last ~20 h, so trimming is usually wanted.
    on_length_mismatch : {"error", "crop"}
        When the scored stages and the signal disagree in length by more than one epoch.
    on_missing : {"error", "mask"}
        A missing channel raises, or its modality is zero-filled and masked as unavailable.

    Returns
    -------
    SleepEpochs
        ``signals[m]`` of shape (n_epochs, n_channels, 30 * sfreq), labels 0..4 = W, N1, N2, N3, REM.

    Examples
    --------
    >>> night = load_sleep_edf("SC4001E0-PSG.edf", "SC4001EC-Hypnogram.edf", trim="deepsleepnet")  # doctest: +SKIP
    >>> night.signals["eeg"].shape  # doctest: +SKIP
    (1103, 1, 3000)
    """
    psg_header = read_edf_header(psg_path)
    hyp_header = read_edf_header(hypnogram_path)
    offset = 0.0
    if psg_header.start is not None and hyp_header.start is not None:
        offset = (hyp_header.start - psg_header.start).total_seconds()
    stages = read_sleep_edf_hypnogram(hypnogram_path, offset=offset)
    return epochs_from_psg(
        psg_header.path, stages, channels or SLEEP_EDF_CHANNELS, sfreq=sfreq, trim=trim,
        trim_keep_minutes=trim_keep_minutes, on_length_mismatch=on_length_mismatch, on_missing=on_missing,
        subject=psg_header.path.name.split("-")[0], source={"hypnogram": str(hyp_header.path)},
    )


def find_sleep_edf_pairs(folder: str | Path) -> list[tuple[Path, Path]]:
    """Pair every ``*-PSG.edf`` in ``folder`` (recursively) with its ``*-Hypnogram.edf``.

    Sleep-EDF names a night ``SC4ssNE0-PSG.edf`` and its scoring ``SC4ssNE?-Hypnogram.edf``:
    the first 7 characters match, the 8th is the scorer's letter.

    Returns
    -------
    list of (psg, hypnogram) paths, sorted by name
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Sleep-EDF folder not found: {folder}")
    hypnograms = {p.name[:7]: p for p in folder.rglob("*-Hypnogram.edf")}
    pairs = []
    for psg in sorted(folder.rglob("*-PSG.edf")):
        hyp = hypnograms.get(psg.name[:7])
        if hyp is not None:
            pairs.append((psg, hyp))
    return pairs
