"""Does the synthetic night look like sleep? A real stager's verdict and per-stage physiology.

- :func:`yasa_stages` stages a recording with YASA's pretrained LightGBM stager (Vallat & Walker,
  eLife 2021; trained on > 30,000 h of real PSG, shipped inside the ``yasa`` package: no download).
- :func:`agreement` scores one hypnogram against another: accuracy, Cohen's kappa, per-stage recall,
  the confusion matrix and the share of REM and N3 called wake.
- :func:`stage_statistics` measures per-stage EEG/EOG/EMG statistics of a night and
  :func:`physiology_checks` compares them with the ranges of ``shared/guide/SLEEP_PHYSIOLOGY.md``.

Examples
--------
>>> from fusionlab.data.synthetic import make_night
>>> from fusionlab.data.synthetic.validation import yasa_stages, agreement
>>> night = make_night(seed=100, modalities=("eeg", "eog", "emg"))      # doctest: +SKIP
>>> pred = yasa_stages(night.channel("eeg"), night.sfreq, eog=night.channel("eog"),
...                    emg=night.channel("emg"))                         # doctest: +SKIP
>>> agreement(night.hypnogram, pred)["accuracy"]                         # doctest: +SKIP
0.86
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.signal import butter, sosfiltfilt, welch

from fusionlab.data.windows import STAGES

__all__ = ["BANDS", "PHYSIOLOGY_RANGES", "agreement", "physiology_checks", "plot_hypnograms", "stage_statistics",
           "yasa_stages", "yasa_stages_in_child"]

_YASA_TO_INDEX = {"W": 0, "WAKE": 0, "N1": 1, "N2": 2, "N3": 3, "R": 4, "REM": 4}

BANDS = {"delta": (0.5, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 12.0), "sigma": (12.0, 16.0), "beta": (16.0, 30.0)}
"""EEG bands (Hz) of the relative-power statistics (as in YASA's features)."""


def yasa_stages(eeg: np.ndarray, sfreq: float, *, eog: np.ndarray | None = None, emg: np.ndarray | None = None,
                return_proba: bool = False):
    """Stage a recording with YASA's pretrained stager, one stage per 30-s epoch.

    Parameters
    ----------
    eeg : ndarray, shape (n_times,)
        One EEG derivation in µV (YASA was trained on central derivations, C4-M1/C3-M2; a frontal
        Fpz-Cz works a little less well).
    sfreq : float
        Sampling rate (Hz); YASA resamples to 100 Hz.
    eog, emg : ndarray, shape (n_times,), optional
        EOG and chin EMG in µV; YASA picks the matching pretrained model.
    return_proba : bool
        Also return the per-epoch stage probabilities.

    Returns
    -------
    stages : ndarray, shape (n_times // (30 * sfreq),), int64
        0..4 = W, N1, N2, N3, REM.
    proba : ndarray, shape (n_epochs, 5)
        Only with ``return_proba``; columns in W, N1, N2, N3, REM order.

    Raises
    ------
    ImportError
        If ``yasa`` is not installed (it is a dependency of the lab: ``pip install yasa``).
    ValueError
        For channels of different lengths or a recording shorter than one epoch.
    """
    try:
        import mne
        import yasa
    except ImportError as err:  # pragma: no cover - yasa is a declared dependency
        raise ImportError("yasa_stages needs the 'yasa' package (pip install yasa); it ships its pretrained "
                          "stager, so no download is needed") from err
    channels = {"EEG": ("eeg", eeg), "EOG": ("eog", eog), "EMG": ("emg", emg)}
    channels = {name: (kind, np.asarray(x, dtype=np.float64)) for name, (kind, x) in channels.items() if x is not None}
    lengths = {name: x.shape for name, (_, x) in channels.items()}
    if len({shape for shape in lengths.values()}) != 1 or channels["EEG"][1].ndim != 1:
        raise ValueError(f"eeg, eog and emg must be 1-D arrays of one length, got shapes {lengths}")
    n_epochs = int(len(channels["EEG"][1]) // round(30 * sfreq))
    if n_epochs < 1:
        raise ValueError(f"the recording ({len(channels['EEG'][1]) / sfreq:.1f} s) is shorter than one 30-s epoch")
    info = mne.create_info(list(channels), float(sfreq), [kind for kind, _ in channels.values()])
    raw = mne.io.RawArray(np.stack([x for _, x in channels.values()]) * 1e-6, info, verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the pickled LightGBM model warns about scikit-learn versions
        staging = yasa.SleepStaging(raw, eeg_name="EEG", eog_name="EOG" if eog is not None else None,
                                    emg_name="EMG" if emg is not None else None)
        hypno = staging.predict()
        proba = staging.predict_proba() if return_proba else None
    stages = np.array([_YASA_TO_INDEX[str(s)] for s in np.asarray(hypno.hypno).astype(str)], dtype=np.int64)
    stages = stages[:n_epochs]
    if not return_proba:
        return stages
    columns = {str(c): i for c, i in zip(proba.columns, range(proba.shape[1]))}
    ordered = np.zeros((len(proba), len(STAGES)))
    for name, col in columns.items():
        ordered[:, _YASA_TO_INDEX[name]] = proba.iloc[:, col].to_numpy()
    return stages, ordered[:n_epochs]


def yasa_stages_in_child(recordings: Sequence[dict]) -> list[np.ndarray]:
    """:func:`yasa_stages` of several recordings, computed in a fresh Python process (the same stages).

    ``recordings``: one dict of :func:`yasa_stages`'s arguments per recording (``eeg``, ``sfreq``, optionally
    ``eog``, ``emg``). YASA's features, numba-compiled functions and LightGBM state take ~300 MB that the
    allocator keeps after it returns; in a child process they are freed with it, so a caller that trains
    models afterwards (lesson 07) does not carry them.

    Raises
    ------
    Exception
        What :func:`yasa_stages` raised in the child (re-raised here); RuntimeError if the process died.
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    # "spawn": a fresh interpreter (no copy of the caller's memory, as "fork" would make), which imports this
    # module the way the caller did.
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        try:
            return pool.submit(_stage_all, list(recordings)).result()
        except BrokenProcessPool as error:
            raise RuntimeError(f"yasa_stages in a child process failed: the process died ({error})") from error


def _stage_all(recordings: list[dict]) -> list[np.ndarray]:
    """Body of :func:`yasa_stages_in_child`'s process: :func:`yasa_stages` of every recording."""
    return [yasa_stages(**recording) for recording in recordings]


def agreement(truth: np.ndarray, predicted: np.ndarray) -> dict:
    """Agreement of two hypnograms (0..4 = W, N1, N2, N3, REM).

    Returns
    -------
    dict with ``accuracy``, ``kappa`` (Cohen), ``n_epochs``, ``recall`` ({stage: float}),
    ``confusion`` (DataFrame, rows = truth, columns = prediction), ``rem_as_wake`` and
    ``n3_as_wake`` (fractions of those stages called W).
    """
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    truth, predicted = np.asarray(truth), np.asarray(predicted)
    if truth.shape != predicted.shape:
        raise ValueError(f"truth and predicted must have one shape, got {truth.shape} and {predicted.shape}")
    labels = list(range(len(STAGES)))
    cm = confusion_matrix(truth, predicted, labels=labels)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = cm.diagonal() / cm.sum(axis=1)
    return {
        "accuracy": float((truth == predicted).mean()),
        "kappa": float(cohen_kappa_score(truth, predicted, labels=labels)),
        "n_epochs": len(truth),
        "recall": {s: float(r) for s, r in zip(STAGES, recall)},
        "confusion": pd.DataFrame(cm, index=pd.Index(STAGES, name="truth"), columns=pd.Index(STAGES, name="predicted")),
        "rem_as_wake": float(cm[4, 0] / max(cm[4].sum(), 1)),
        "n3_as_wake": float(cm[3, 0] / max(cm[3].sum(), 1)),
    }


def _epochs(x: np.ndarray, sfreq: float, n_epochs: int) -> np.ndarray:
    n = round(30 * sfreq)
    return np.asarray(x[: n_epochs * n], dtype=np.float64).reshape(n_epochs, n)


def _slow_wave_fraction(eeg: np.ndarray, sfreq: float, n_epochs: int, threshold: float = 75.0) -> np.ndarray:
    """Fraction of each epoch covered by 0.5-2 Hz waves of peak-to-peak >= ``threshold`` µV (the N3 rule)."""
    sos = butter(2, [0.5, 2.0], btype="band", fs=sfreq, output="sos")
    slow = sosfiltfilt(sos, np.asarray(eeg, dtype=np.float64))
    # Waves between successive upward zero crossings; their peak-to-peak amplitude and length.
    up = np.flatnonzero((slow[:-1] < 0) & (slow[1:] >= 0))
    covered = np.zeros(len(slow), dtype=bool)
    if len(up) > 1:
        maxima = np.maximum.reduceat(slow, up[:-1])[: len(up) - 1]
        minima = np.minimum.reduceat(slow, up[:-1])[: len(up) - 1]
        length = np.diff(up) / sfreq
        big = (maxima - minima >= threshold) & (length >= 0.5) & (length <= 2.0)
        for a, b in zip(up[:-1][big], up[1:][big]):
            covered[a:b] = True
    return _epochs(covered, sfreq, n_epochs).mean(axis=1)


def stage_statistics(night, stages: np.ndarray | None = None) -> pd.DataFrame:
    """Per-stage statistics of a night's EEG, EOG and EMG (median over the epochs of each stage).

    Parameters
    ----------
    night : SyntheticNight
        With an ``"eeg"`` channel; EOG and EMG statistics are added when present.
    stages : ndarray, shape (n_epochs,), optional
        Stage per epoch; default the latent (majority-rule) truth.

    Returns
    -------
    DataFrame, index W, N1, N2, N3, REM
        ``epochs``; ``eeg_std_uv``; relative EEG power per band of :data:`BANDS` (0.5-30 Hz total);
        ``slow_wave_fraction`` (0.5-2 Hz waves >= 75 µV peak-to-peak); ``spindles_per_min`` and
        ``rem_per_min`` (from the event table); ``eog_std_uv`` and ``emg_std_uv`` (10-45 Hz) when present.
    """
    stages = np.asarray(night.latent_hypnogram if stages is None and night.latent_hypnogram is not None
                        else (night.hypnogram if stages is None else stages))
    n_epochs, fs = len(stages), night.sfreq
    eeg = _epochs(night.channel("eeg"), fs, n_epochs)
    freqs, psd = welch(eeg, fs=fs, nperseg=round(4 * fs), axis=1)
    total = psd[:, (freqs >= 0.5) & (freqs <= 30)].sum(axis=1)
    columns = {"epochs": np.ones(n_epochs), "eeg_std_uv": eeg.std(axis=1)}
    for band, (lo, hi) in BANDS.items():
        columns[f"eeg_rel_{band}"] = psd[:, (freqs >= lo) & (freqs < hi)].sum(axis=1) / total
    columns["slow_wave_fraction"] = _slow_wave_fraction(night.channel("eeg"), fs, n_epochs)
    events = night.events
    for kind, name in (("spindle", "spindles_per_min"), ("rapid_eye_movement", "rem_per_min")):
        onsets = events.loc[events["type"] == kind, "onset"].to_numpy()
        columns[name] = np.bincount(np.minimum((onsets // 30).astype(int), n_epochs - 1), minlength=n_epochs) * 2.0
    if "eog" in night.modalities:
        columns["eog_std_uv"] = _epochs(night.channel("eog"), fs, n_epochs).std(axis=1)
    if "emg" in night.modalities:
        sos = butter(4, [10.0, min(45.0, fs / 2 - 1)], btype="band", fs=fs, output="sos")
        columns["emg_std_uv"] = _epochs(sosfiltfilt(sos, night.channel("emg").astype(np.float64)), fs,
                                        n_epochs).std(axis=1)
    frame = pd.DataFrame(columns).assign(stage=np.asarray(STAGES)[stages])
    table = frame.groupby("stage").median()
    table["epochs"] = frame.groupby("stage").size()
    return table.reindex(list(STAGES))


PHYSIOLOGY_RANGES: list[tuple[str, str, str, float, float]] = [
    # (statistic, stage, what the guide says, low, high)
    ("eeg_std_uv", "N2", "EEG amplitude ~10-50 uV", 8.0, 50.0),
    ("eeg_std_uv", "REM", "REM: low-amplitude mixed frequency", 5.0, 25.0),
    ("slow_wave_fraction", "N3", "N3: >= 20 % of the epoch slow waves >= 75 uV", 0.20, 1.0),
    ("slow_wave_fraction", "N2", "N2: below the N3 rule", 0.0, 0.20),
    ("eeg_rel_alpha", "W", "W: alpha (eyes closed; weak in some people), more than in any sleep stage", 0.05, 1.0),
    ("eeg_rel_sigma", "N2", "N2: spindles 11-16 Hz", 0.02, 0.20),
    ("spindles_per_min", "N2", "N2: a few spindles per minute", 1.0, 10.0),
    ("eeg_rel_theta", "N1", "N1: low-amplitude theta", 0.15, 0.60),
    ("rem_per_min", "REM", "REM: rapid eye movements in bursts", 2.0, 40.0),
]
"""Checks of :func:`physiology_checks`: ranges that follow ``shared/guide/SLEEP_PHYSIOLOGY.md``."""


def physiology_checks(stats: pd.DataFrame) -> pd.DataFrame:
    """Compare :func:`stage_statistics` (or its mean over nights) with :data:`PHYSIOLOGY_RANGES` and orderings.

    Returns
    -------
    DataFrame: ``check``, ``value``, ``expected``, ``ok`` (one row per range or ordering).
    """
    rows = []
    for stat, stage, text, low, high in PHYSIOLOGY_RANGES:
        if stat not in stats.columns:
            continue
        value = float(stats.loc[stage, stat])
        rows.append({"check": f"{text} ({stat}, {stage})", "value": round(value, 3),
                     "expected": f"[{low:g}, {high:g}]", "ok": bool(low <= value <= high)})
    orderings: Sequence[tuple[str, str, str]] = [
        ("eeg_rel_alpha", "W", "alpha highest in W"),
        ("eeg_rel_sigma", "N2", "sigma highest in N2"),
        ("slow_wave_fraction", "N3", "slow waves highest in N3"),
        ("eeg_rel_beta", "W", "beta highest in W"),
    ]
    for stat, stage, text in orderings:
        value = float(stats.loc[stage, stat])
        others = float(stats[stat].drop(stage).max())
        rows.append({"check": text, "value": round(value, 3), "expected": f"> {others:.3f} (other stages)",
                     "ok": bool(value > others)})
    for stat, low_stage, text in (("emg_std_uv", "REM", "EMG lowest in REM (atonia), highest in W"),):
        if stat in stats.columns:
            ok = stats[stat].idxmin() == low_stage and stats[stat].idxmax() == "W"
            rows.append({"check": text, "value": round(float(stats.loc[low_stage, stat]), 2),
                         "expected": f"min at {low_stage}, max at W", "ok": bool(ok)})
    return pd.DataFrame(rows)


def plot_hypnograms(rows: dict[str, np.ndarray], *, epoch_len: float = 30.0, title: str | None = None):
    """Hypnograms one above the other (e.g. latent truth, scorer, a stager), stages as steps.

    Parameters
    ----------
    rows : dict name -> ndarray, shape (n_epochs,)
        Stages 0..4 = W, N1, N2, N3, REM; drawn top to bottom in the order given.
    epoch_len : float
        Seconds per epoch (the x axis is in hours).

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    if not rows:
        raise ValueError("plot_hypnograms needs at least one hypnogram")
    # Clinical convention: W on top, then REM, N1, N2, N3 at the bottom.
    level = np.array([4, 2, 1, 0, 3])  # W, N1, N2, N3, REM -> height
    fig, axes = plt.subplots(len(rows), 1, figsize=(10, 1.3 * len(rows) + 0.4), sharex=True, squeeze=False)
    for ax, (name, stages) in zip(axes[:, 0], rows.items()):
        stages = np.asarray(stages)
        hours = np.arange(len(stages) + 1) * epoch_len / 3600
        ax.step(hours, np.append(level[stages], level[stages[-1]]), where="post", lw=0.9, color="k")
        rem = np.where(stages == 4, level[4], np.nan)
        ax.step(hours, np.append(rem, rem[-1]), where="post", lw=3, color="tab:red")
        ax.set_yticks([0, 1, 2, 3, 4], ["N3", "N2", "N1", "REM", "W"])
        ax.set_ylabel(name, rotation=0, ha="right", va="center")
        ax.set_ylim(-0.5, 4.5)
    axes[-1, 0].set_xlabel("hours since lights off")
    if title:
        axes[0, 0].set_title(title)
    fig.tight_layout()
    return fig
