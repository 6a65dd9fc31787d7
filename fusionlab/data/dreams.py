"""DREAMS Sleep Spindles database: 30-min EEG excerpts, 5-s hypnograms and experts' spindle scorings.

Files of excerpt ``N`` (see ``shared/data/dreams-spindles/README.md``):

- ``excerptN.txt``: ``[<channel>]`` then one sample (µV) per line; 1800 s, so the rate is
  ``n_samples / 1800`` (100, 200 or 50 Hz).
- ``Hypnogram_excerptN.txt``: ``[Hypnogram]`` then one stage per 5 s, coded 5 = W, 4 = REM,
  3 = S1, 2 = S2, 1 = S3, 0 = S4, -1/-2/-3 = movement/unknown (dropped).
- ``Visual_scoring1_excerptN.txt`` / ``Visual_scoring2_excerptN.txt`` (experts 1 and 2; expert 2
  scored excerpts 1-6) and ``Automatic_detection_excerptN.txt``: a header line, then
  ``onset duration`` (s) per spindle.
- ``excerpt3.edf``: the multi-channel PSG of excerpt 3 (EEG, EOG, EMG, ECG ... at 50 Hz).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from fusionlab.data.edf import Recording, check_signal, read_edf
from fusionlab.data.errors import DataFormatError, SamplingRateError
from fusionlab.data.windows import STAGE_TO_INDEX, event_windows

__all__ = [
    "DREAMS_STAGE_MAP",
    "SCORERS",
    "DreamsExcerpt",
    "load_dreams_edf",
    "load_dreams_excerpt",
    "read_dreams_hypnogram",
    "read_dreams_signal",
    "read_dreams_spindles",
    "spindle_windows",
]

DREAMS_STAGE_MAP: dict[int, str | None] = {5: "W", 4: "REM", 3: "N1", 2: "N2", 1: "N3", 0: "N3",
                                           -1: None, -2: None, -3: None}
"""DREAMS hypnogram code -> AASM stage (R&K S3 and S4 -> N3; movement/unknown -> None)."""
SCORERS: dict[str, str] = {"expert1": "Visual_scoring1_excerpt{n}.txt", "expert2": "Visual_scoring2_excerpt{n}.txt",
                           "automatic": "Automatic_detection_excerpt{n}.txt"}
EXCERPT_SECONDS = 1800.0
HYPNOGRAM_EPOCH = 5.0


@dataclass
class DreamsExcerpt:
    """One DREAMS excerpt: EEG, hypnogram and spindle scorings.

    Attributes
    ----------
    excerpt : int
    eeg : ndarray, shape (n_times,), float32
        µV.
    sfreq : float
    channel : str
        E.g. ``"C3-A1"``.
    stages : ndarray, shape (n_hypnogram_epochs,), int64
        Stage index per 5 s (0..4 = W, N1, N2, N3, REM; -1 where unscored).
    stage_codes : ndarray, shape (n_hypnogram_epochs,), int64
        The file's own codes.
    spindles : dict scorer -> DataFrame
        ``onset``, ``duration`` (s) per spindle for each scorer whose file exists.
    """

    excerpt: int
    eeg: np.ndarray
    sfreq: float
    channel: str
    stages: np.ndarray
    stage_codes: np.ndarray
    spindles: dict[str, pd.DataFrame] = field(default_factory=dict)
    hypnogram_epoch: float = HYPNOGRAM_EPOCH

    @property
    def duration(self) -> float:
        return len(self.eeg) / self.sfreq

    def stage_at(self, seconds: np.ndarray) -> np.ndarray:
        """Stage index (-1 if unscored/outside) at the given times (s)."""
        idx = np.floor(np.asarray(seconds, dtype=float) / self.hypnogram_epoch).astype(int)
        out = np.full(idx.shape, -1, dtype=np.int64)
        ok = (idx >= 0) & (idx < len(self.stages))
        out[ok] = self.stages[idx[ok]]
        return out

    def spindle_mask(self, scorer: str = "expert1") -> np.ndarray:
        """Boolean per sample, ``True`` inside a spindle of ``scorer``; shape (n_times,)."""
        if scorer not in self.spindles:
            raise KeyError(f"excerpt {self.excerpt} has no scoring {scorer!r}; it has {sorted(self.spindles)}")
        mask = np.zeros(len(self.eeg), dtype=bool)
        for onset, duration in zip(self.spindles[scorer]["onset"], self.spindles[scorer]["duration"]):
            mask[round(onset * self.sfreq): round((onset + duration) * self.sfreq)] = True
        return mask


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise FileNotFoundError(f"DREAMS file not found: {path}")
    lines = path.read_text(encoding="latin-1").splitlines()
    if not lines or not lines[0].strip().startswith("["):
        raise DataFormatError(f"{path}: expected a first line like '[C3-A1]' or '[Hypnogram]', "
                              f"found {lines[0][:40]!r}" if lines else f"{path}: the file is empty")
    return lines


def read_dreams_signal(path: str | Path, *, duration: float = EXCERPT_SECONDS) -> tuple[np.ndarray, float, str]:
    """Read ``excerptN.txt``.

    Returns
    -------
    eeg : ndarray, shape (n_times,), float32
    sfreq : float
        ``n_times / duration`` rounded to a whole rate (the files are 30 min, give or take < 1 s).
    channel : str
    """
    path = Path(path)
    lines = _lines(path)
    channel = lines[0].strip().strip("[]")
    try:
        eeg = np.array(lines[1:], dtype=np.float64).astype(np.float32)
    except ValueError:
        bad = next(i for i, v in enumerate(lines[1:], start=2) if not _is_number(v))
        raise DataFormatError(f"{path}: line {bad} is not a number: {lines[bad - 1][:40]!r}") from None
    sfreq = round(len(eeg) / duration)
    if sfreq <= 0 or abs(len(eeg) / sfreq - duration) > 1.0:
        raise SamplingRateError(f"{path}: {len(eeg)} samples do not fit a {duration:g}-s excerpt at a whole rate "
                                f"({len(eeg) / duration:.3f} Hz)")
    check_signal(eeg[None, :], [channel], path)
    return eeg, float(sfreq), channel


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_dreams_hypnogram(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read ``Hypnogram_excerptN.txt``.

    Returns
    -------
    stages : ndarray, shape (n_epochs,), int64
        Stage index per 5 s (0..4 = W, N1, N2, N3, REM; -1 = movement/unknown).
    codes : ndarray, shape (n_epochs,), int64
        The codes as in the file.

    Raises
    ------
    DataFormatError
        For a code outside :data:`DREAMS_STAGE_MAP`.
    """
    path = Path(path)
    lines = [v for v in _lines(path)[1:] if v.strip()]
    try:
        codes = np.array([int(float(v)) for v in lines], dtype=np.int64)
    except ValueError as err:
        raise DataFormatError(f"{path}: hypnogram values must be integers: {err}") from None
    unknown = sorted(set(codes.tolist()) - set(DREAMS_STAGE_MAP))
    if unknown:
        raise DataFormatError(f"{path}: unknown hypnogram code(s) {unknown}; expected {sorted(DREAMS_STAGE_MAP)}")
    stages = np.array([STAGE_TO_INDEX[DREAMS_STAGE_MAP[c]] if DREAMS_STAGE_MAP[c] else -1 for c in codes],
                      dtype=np.int64)
    return stages, codes


def read_dreams_spindles(path: str | Path) -> pd.DataFrame:
    """Read a spindle scoring file: one ``onset duration`` pair (s) per line after the header."""
    path = Path(path)
    rows = [v.split() for v in _lines(path)[1:] if v.strip()]
    if any(len(r) != 2 for r in rows):
        bad = next(i for i, r in enumerate(rows, start=2) if len(r) != 2)
        raise DataFormatError(f"{path}: line {bad}: expected 'onset duration', found {' '.join(rows[bad - 2])!r}")
    values = np.array(rows, dtype=float).reshape(-1, 2)
    if (values[:, 1] <= 0).any() or (values[:, 0] < 0).any():
        raise DataFormatError(f"{path}: spindle onsets must be >= 0 and durations > 0")
    return pd.DataFrame({"onset": values[:, 0], "duration": values[:, 1]})


def load_dreams_excerpt(folder: str | Path, excerpt: int) -> DreamsExcerpt:
    """Load excerpt ``excerpt`` (text EEG, hypnogram and every spindle scoring present).

    Raises
    ------
    DataFormatError
        If the hypnogram does not cover the signal (to within one 5-s epoch) or a spindle lies
        outside the signal.
    """
    folder = Path(folder)
    eeg, sfreq, channel = read_dreams_signal(folder / f"excerpt{excerpt}.txt")
    hyp_path = folder / f"Hypnogram_excerpt{excerpt}.txt"
    stages, codes = read_dreams_hypnogram(hyp_path)
    signal_seconds = len(eeg) / sfreq
    if abs(len(stages) * HYPNOGRAM_EPOCH - signal_seconds) > HYPNOGRAM_EPOCH:
        word = "shorter" if len(stages) * HYPNOGRAM_EPOCH < signal_seconds else "longer"
        raise DataFormatError(f"{hyp_path}: hypnogram {word} than the signal: {len(stages)} epochs of 5 s = "
                              f"{len(stages) * HYPNOGRAM_EPOCH:g} s, the signal lasts {signal_seconds:g} s")
    spindles = {}
    for scorer, pattern in SCORERS.items():
        path = folder / pattern.format(n=excerpt)
        if path.is_file():
            table = read_dreams_spindles(path)
            if len(table) and (table["onset"] + table["duration"]).max() > signal_seconds + 1:
                raise DataFormatError(f"{path}: a spindle ends after the signal ({signal_seconds:g} s)")
            spindles[scorer] = table
    return DreamsExcerpt(excerpt, eeg, sfreq, channel, stages, codes, spindles)


def load_dreams_edf(folder: str | Path, excerpt: int = 3,
                    channels: Sequence[str] = ("C3-A1", "EOG1-A1", "EMG1", "ECG")) -> Recording:
    """Read the multi-channel PSG ``excerptN.edf`` (only excerpt 3 is in the shared folder)."""
    return read_edf(Path(folder) / f"excerpt{excerpt}.edf", list(channels))


def spindle_windows(excerpt: DreamsExcerpt, *, scorer: str = "expert1", window: float = 2.0,
                    negatives_per_spindle: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Windows centred on scored spindles (label 1) and on random spindle-free NREM stretches (label 0).

    Returns
    -------
    windows : ndarray, shape (n_windows, window * sfreq), float32
    labels : ndarray, shape (n_windows,), int64
    """
    mask = excerpt.spindle_mask(scorer)  # raises a KeyError naming the scorings there are
    table = excerpt.spindles[scorer]
    data = excerpt.eeg[None, :]
    pos, _ = event_windows(data, excerpt.sfreq, table["onset"], table["duration"], window)
    rng = np.random.default_rng(seed)
    n_neg = round(negatives_per_spindle * len(pos))
    centres = rng.uniform(window, excerpt.duration - window, 20 * max(n_neg, 1))
    stage = excerpt.stage_at(centres)
    free = np.array([not mask[int((c - window / 2) * excerpt.sfreq): int((c + window / 2) * excerpt.sfreq)].any()
                     for c in centres])
    centres = centres[free & np.isin(stage, [1, 2, 3])][:n_neg]
    neg, _ = event_windows(data, excerpt.sfreq, centres, np.zeros(len(centres)), window)
    windows = np.concatenate([pos[:, 0], neg[:, 0]]).astype(np.float32)
    labels = np.concatenate([np.ones(len(pos), np.int64), np.zeros(len(neg), np.int64)])
    return windows, labels
