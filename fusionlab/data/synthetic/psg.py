"""Synthetic polysomnography: whole nights with a plausible hypnogram, per-stage signals and imperfections.

A :class:`SyntheticNight` holds the continuous signals, the true hypnogram, a table of the
transient events it contains (spindles, K-complexes, rapid eye movements ...) and the ground truth
of every corruption (noisy stretch, missing stretch, missing channel). It is written as a real
Sleep-EDF-style EDF+ pair by :func:`write_sleep_edf` and read back through the same loader as the
real database (:func:`read_synthetic_night` -> :func:`fusionlab.data.sleep_edf.load_sleep_edf`).

Examples
--------
>>> from fusionlab.data.synthetic import make_night, write_sleep_edf, read_synthetic_night
>>> night = make_night(seed=0, hours=8, n_noisy=1)                          # doctest: +SKIP
>>> psg, hyp = write_sleep_edf(night, "data/synthetic")                      # doctest: +SKIP
>>> epochs = read_synthetic_night(psg, hyp)                                  # doctest: +SKIP
>>> (epochs.labels == night.hypnogram).all()                                 # doctest: +SKIP
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fusionlab.data.staging import SleepEpochs
from fusionlab.data.synthetic.hypnogram import SubjectTraits, make_hypnogram
from fusionlab.data.synthetic.scoring import (
    latent_stage_seconds,
    majority_stages,
    score_epochs,
    stage_fractions,
)
from fusionlab.data.synthetic.signals import NightContext, make_ecg, make_emg, make_eog_and_eeg
from fusionlab.data.synthetic.waveforms import colored_noise
from fusionlab.data.windows import STAGES, epoch_signals, samples_per_window

__all__ = ["CHANNELS", "Corruption", "SyntheticNight", "make_cohort", "make_night"]

CHANNELS: dict[str, str] = {
    "eeg": "EEG Fpz-Cz",
    "eog": "EOG horizontal",
    "emg": "EMG submental",
    "ecg": "ECG",
}
"""Modality -> channel label, as in Sleep-EDF (which has no ECG; the synthetic nights add one)."""

CORRUPTION_COLUMNS = ["kind", "channel", "start", "stop", "factor"]


@dataclass(frozen=True)
class Corruption:
    """One imperfection of a night.

    Attributes
    ----------
    kind : {"noisy", "missing_segment", "missing_channel"}
        ``"noisy"``: an electrode coming loose, the channel's standard deviation rises ``factor``-fold;
        ``"missing_segment"``: the channel is lost (flat zero) for the stretch;
        ``"missing_channel"``: the sensor was never recorded (absent from the file).
    channel : str
        Channel label (e.g. ``"EEG Fpz-Cz"``) or modality name (``"eeg"``).
    start, stop : float
        Seconds from the start of the night.
    factor : float
        Rise of the standard deviation for ``"noisy"``; 0 otherwise.
    """

    kind: str
    channel: str
    start: float = 0.0
    stop: float = float("inf")
    factor: float = 0.0


@dataclass
class SyntheticNight:
    """One synthetic night of polysomnography with its ground truth.

    Attributes
    ----------
    signals : ndarray, shape (n_channels, n_times), float32
        µV; a channel listed as ``missing_channel`` in :attr:`corruptions` is not there.
    sfreq : float
    ch_names : list of str
    modalities : list of str
        Modality of each row of ``signals`` (``"eeg"``, ``"eog"``, ``"emg"``, ``"ecg"``).
    hypnogram : ndarray, shape (n_epochs,), int64
        Scored stage per 30-s epoch, 0..4 = W, N1, N2, N3, REM: what a human scorer gives
        (majority rule plus the known inter-scorer confusions, :mod:`~fusionlab.data.synthetic.scoring`);
        with ``labels="latent"`` it equals :attr:`latent_hypnogram`.
    latent_hypnogram : ndarray, shape (n_epochs,), int64
        The latent truth: the stage that fills most of each epoch.
    latent_stages : ndarray, shape (n_seconds,), int64
        The latent sleep process, one stage per second (stage changes off the 30-s grid).
    n3_depth : ndarray, shape (n_epochs,)
        Slow-wave amount factor per epoch; N3 epochs with depth > 1 are written as R&K stage 4.
    events : DataFrame
        Columns ``type``, ``onset``, ``duration`` (s), ``channel``, ``stage``, ``amplitude`` (µV).
    corruptions : DataFrame
        Columns ``kind``, ``channel`` (label), ``start``, ``stop`` (s), ``factor``: the ground truth
        of every noisy stretch, lost stretch and missing channel.
    r_peaks : ndarray, shape (n_beats,)
        True R-peak times (s) of the ECG (empty without ECG).
    heart_rate : ndarray, shape (n_seconds,)
        Instantaneous heart rate (beats/min) on a 1-Hz grid.
    subject, night, seed : int
    traits : SubjectTraits
    start : datetime
        Lights-off clock time (written to the EDF header).
    """

    signals: np.ndarray
    sfreq: float
    ch_names: list[str]
    modalities: list[str]
    hypnogram: np.ndarray
    n3_depth: np.ndarray
    events: pd.DataFrame
    corruptions: pd.DataFrame
    r_peaks: np.ndarray
    heart_rate: np.ndarray
    latent_hypnogram: np.ndarray | None = None
    latent_stages: np.ndarray | None = None
    subject: int = 0
    night: int = 0
    seed: int = 0
    traits: SubjectTraits = field(default_factory=SubjectTraits)
    start: dt.datetime = dt.datetime(2024, 1, 1, 22, 30)
    epoch_len: float = 30.0

    @property
    def n_epochs(self) -> int:
        return len(self.hypnogram)

    @property
    def duration(self) -> float:
        return self.signals.shape[1] / self.sfreq

    @property
    def name(self) -> str:
        """Sleep-EDF-style record stem, e.g. ``"SN4031E0"`` (subject 3, night 1)."""
        return f"SN4{self.subject:02d}{self.night + 1}E0"

    def channel(self, name_or_modality: str) -> np.ndarray:
        """Samples of one channel, by label or modality; shape (n_times,)."""
        if name_or_modality in self.modalities:
            return self.signals[self.modalities.index(name_or_modality)]
        if name_or_modality in self.ch_names:
            return self.signals[self.ch_names.index(name_or_modality)]
        raise KeyError(f"no channel {name_or_modality!r} in this night; it has {self.ch_names} "
                       f"(modalities {self.modalities})")

    def stage_names(self) -> np.ndarray:
        """The hypnogram as strings, shape (n_epochs,)."""
        return np.asarray(STAGES, dtype=object)[self.hypnogram]

    def corrupted_fraction(self, window: float | None = None, kinds: Sequence[str] = ("noisy", "missing_segment",
                                                                                      "missing_channel")) -> pd.DataFrame:
        """Fraction of each window covered by a corruption, per channel.

        Parameters
        ----------
        window : float, optional
            Seconds per window; default one epoch (30 s). CoRe-Sleep flags a night whose 10-min
            chunks (``window=600``) are corrupted in more than 40 % of the chunks.
        kinds : sequence of str
            Which corruption kinds count.

        Returns
        -------
        DataFrame, shape (n_windows, n_channels)
            Index: window start (s); columns: every channel label of the montage, missing ones included.
        """
        window = float(window or self.epoch_len)
        n_win = int(np.ceil(self.duration / window))
        starts = np.arange(n_win) * window
        labels = list(dict.fromkeys(list(self.ch_names) + list(self.corruptions["channel"])))
        frame = pd.DataFrame(0.0, index=pd.Index(starts, name="start"), columns=labels)
        for row in self.corruptions.itertuples():
            if row.kind not in kinds:
                continue
            stops = np.minimum(starts + window, self.duration)
            overlap = np.clip(np.minimum(stops, row.stop) - np.maximum(starts, row.start), 0, None)
            frame[row.channel] = np.minimum(1.0, frame[row.channel] + overlap / (stops - starts))
        return frame

    def to_epochs(self, modalities: Sequence[str] | None = None) -> SleepEpochs:
        """The night as labelled epochs in memory (no file), in the layout the EDF loader returns.

        Missing channels become zeros with ``available = False``; lost (flat) stretches are
        marked unavailable epoch by epoch, exactly as :func:`~fusionlab.data.staging.epochs_from_psg` does.
        """
        modalities = list(modalities or [m for m in CHANNELS if m in self.modalities or
                                         CHANNELS[m] in set(self.corruptions["channel"])])
        n_samples = samples_per_window(self.sfreq, self.epoch_len)
        onsets = np.arange(self.n_epochs) * self.epoch_len
        signals, available, names = {}, [], {}
        for modality in modalities:
            if modality in self.modalities:
                row = self.modalities.index(modality)
                epochs = epoch_signals(self.signals[row:row + 1], self.sfreq, onsets, self.epoch_len)
                available.append(np.ptp(epochs, axis=2).max(axis=1) > 0)
            else:
                epochs = np.zeros((self.n_epochs, 1, n_samples), dtype=np.float32)
                available.append(np.zeros(self.n_epochs, dtype=bool))
            signals[modality] = epochs
            names[modality] = [CHANNELS.get(modality, modality)]
        return SleepEpochs(signals, self.hypnogram.copy(), onsets, self.sfreq, self.epoch_len, names,
                           np.stack(available, axis=1), self.name, {"synthetic": f"seed={self.seed}"})


def _channel_label(channel: str) -> str:
    return CHANNELS.get(channel, channel)


def _draw_corruptions(rng: np.random.Generator, duration: float, labels: list[str], n_noisy: int,
                      n_missing: int) -> list[Corruption]:
    candidates = [c for c in labels if c != CHANNELS["ecg"]] or labels
    drawn = []
    for kind, count, minutes, factor in (("noisy", n_noisy, (20, 120), (4, 10)),
                                         ("missing_segment", n_missing, (5, 40), (0, 0))):
        for _ in range(count):
            length = rng.uniform(*minutes) * 60
            start = rng.uniform(0.35, 0.85) * duration  # detachment tends to happen late in the night
            drawn.append(Corruption(kind, str(rng.choice(candidates)), float(start),
                                    float(min(duration, start + length)), float(rng.uniform(*factor))))
    return drawn


def _apply(rng: np.random.Generator, signals: np.ndarray, labels: list[str], sfreq: float,
           corruption: Corruption) -> None:
    row = labels.index(corruption.channel)
    a = int(corruption.start * sfreq)
    b = int(min(corruption.stop * sfreq, signals.shape[1]))
    if b <= a:
        return
    if corruption.kind == "missing_segment":
        signals[row, a:b] = 0.0
        return
    # A loose electrode: broadband noise plus large slow drifts, ramped in and out over 2 s.
    std = float(signals[row].std())
    n = b - a
    noise = 0.6 * rng.standard_normal(n) + 0.8 * colored_noise(rng, n, sfreq, 2.0, 0.05, 5.0)
    ramp = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (2 * sfreq))
    extra = np.sqrt(max(corruption.factor ** 2 - 1.0, 0.0))  # total std = factor * std
    signals[row, a:b] += (extra * std * ramp * noise).astype(np.float32)


def make_night(
    seed: int = 0,
    *,
    hours: float = 8.0,
    sfreq: float = 100.0,
    modalities: Sequence[str] = ("eeg", "eog", "emg", "ecg"),
    subject: int = 0,
    night: int = 0,
    traits: SubjectTraits | None = None,
    n_noisy: int = 0,
    n_missing_segments: int = 0,
    corruptions: Sequence[Corruption] = (),
    missing_channels: Sequence[str] = (),
    labels: str = "scorer",
) -> SyntheticNight:
    """Generate one whole night of synthetic polysomnography.

    Parameters
    ----------
    seed : int
        Base seed; the night is drawn from ``np.random.default_rng([seed, subject, night])`` and
        the subject's traits from ``default_rng([seed, subject])``, so nights of one subject share
        their physiology.
    hours : float
        Time in bed (8 h = 960 epochs).
    sfreq : float
        Sampling rate of every channel (Hz); ``30 * sfreq`` must be whole.
    modalities : sequence of {"eeg", "eog", "emg", "ecg"}
    subject, night : int
    traits : SubjectTraits, optional
        Override the drawn subject physiology.
    n_noisy, n_missing_segments : int
        Random imperfections to draw: loose-electrode stretches (std x4-10, 20-120 min, mostly in
        the second half of the night) and lost stretches (5-40 min).
    corruptions : sequence of Corruption
        Explicit imperfections (``channel`` may be a modality name).
    missing_channels : sequence of str
        Channels/modalities that were never recorded (dropped from :attr:`SyntheticNight.signals`).
    labels : {"scorer", "latent"}
        What :attr:`SyntheticNight.hypnogram` holds: a human-like scorer's labels (default) or the
        latent majority stage; both are kept (:attr:`SyntheticNight.latent_hypnogram`).

    Returns
    -------
    SyntheticNight
    """
    unknown = [m for m in modalities if m not in CHANNELS]
    if unknown or not modalities:
        raise ValueError(f"modalities must be a non-empty subset of {list(CHANNELS)}, got {list(modalities)}")
    if hours <= 0:
        raise ValueError(f"hours must be positive, got {hours}")
    if labels not in ("scorer", "latent"):
        raise ValueError(f"labels must be 'scorer' or 'latent', got {labels!r}")
    label_source = labels
    epoch_len = 30.0
    samples_per_window(sfreq, epoch_len)
    subject_rng = np.random.default_rng([seed, subject])
    traits = traits or SubjectTraits.draw(subject_rng)
    rng = np.random.default_rng([seed, subject, night])
    n_epochs = round(hours * 3600 / epoch_len)
    cycles = make_hypnogram(rng, n_epochs, epoch_len=epoch_len, traits=traits)
    latent_seconds = latent_stage_seconds(rng, cycles, epoch_len)
    fractions = stage_fractions(latent_seconds, epoch_len)
    latent = majority_stages(fractions)
    ctx = NightContext(rng, latent, sfreq, epoch_len, traits, stage_per_second=latent_seconds)
    labels = [CHANNELS[m] for m in modalities]
    rows: dict[str, np.ndarray] = {}
    if "eeg" in modalities or "eog" in modalities:
        eeg, eog = make_eog_and_eeg(ctx, CHANNELS["eeg"], CHANNELS["eog"])
        rows["eeg"], rows["eog"] = eeg, eog
    if "emg" in modalities:
        rows["emg"] = make_emg(ctx)
    r_peaks, heart_rate = np.zeros(0), np.zeros(ctx.n_seconds)
    if "ecg" in modalities:
        rows["ecg"], r_peaks, heart_rate = make_ecg(ctx)
    signals = np.stack([rows[m] for m in modalities]).astype(np.float32)
    duration = n_epochs * epoch_len

    todo = [Corruption(c.kind, _channel_label(c.channel), float(c.start), float(min(c.stop, duration)), c.factor)
            for c in corruptions]
    for c in todo:
        if c.kind not in ("noisy", "missing_segment", "missing_channel"):
            raise ValueError(f"corruption kind must be 'noisy', 'missing_segment' or 'missing_channel', got {c.kind!r}")
        if c.channel not in labels:
            raise ValueError(f"corruption channel {c.channel!r} is not in this night's channels {labels}")
    todo += _draw_corruptions(rng, duration, labels, n_noisy, n_missing_segments)
    for c in todo:
        if c.kind != "missing_channel":
            _apply(rng, signals, labels, sfreq, c)
    dropped = {_channel_label(m) for m in missing_channels} | {c.channel for c in todo if c.kind == "missing_channel"}
    bad = dropped - set(labels)
    if bad:
        raise ValueError(f"missing_channels {sorted(bad)} are not in this night's channels {labels}")
    todo = [c for c in todo if c.kind != "missing_channel"]
    todo += [Corruption("missing_channel", label, 0.0, duration, 0.0) for label in labels if label in dropped]
    keep = [i for i, label in enumerate(labels) if label not in dropped]
    events = pd.DataFrame(ctx.events, columns=["type", "onset", "duration", "channel", "stage", "amplitude"])
    events = events.sort_values("onset", kind="stable").reset_index(drop=True)
    per_epoch = round(epoch_len)
    depth = ctx.n3_depth if ctx.n3_depth is not None else np.ones(ctx.n_seconds)
    depth = depth[: n_epochs * per_epoch].reshape(n_epochs, per_epoch).mean(axis=1)
    # The scorer's draws come from their own stream, so labels="latent" leaves the signals unchanged.
    scored = score_epochs(np.random.default_rng([seed, subject, night, 1]), fractions, slow_wave_depth=depth)
    start = dt.datetime(2024, 1, 1 + night, 22, 0) + dt.timedelta(minutes=int(rng.integers(0, 90)))
    return SyntheticNight(
        signals=np.ascontiguousarray(signals[keep]), sfreq=float(sfreq), ch_names=[labels[i] for i in keep],
        modalities=[list(modalities)[i] for i in keep], hypnogram=scored if label_source == "scorer" else latent.copy(),
        n3_depth=depth, latent_hypnogram=latent, latent_stages=latent_seconds,
        events=events, corruptions=pd.DataFrame([c.__dict__ for c in todo], columns=CORRUPTION_COLUMNS),
        r_peaks=r_peaks, heart_rate=heart_rate, subject=subject, night=night, seed=seed, traits=traits,
        start=start, epoch_len=epoch_len,
    )


def make_cohort(n_subjects: int, nights_per_subject: int = 1, *, seed: int = 0, **kwargs) -> list[SyntheticNight]:
    """Nights of several subjects (subjects share traits across their nights); ``kwargs`` go to :func:`make_night`."""
    if n_subjects < 1 or nights_per_subject < 1:
        raise ValueError(f"n_subjects and nights_per_subject must be >= 1, got {n_subjects}, {nights_per_subject}")
    return [make_night(seed, subject=s, night=k, **kwargs) for s in range(n_subjects) for k in range(nights_per_subject)]
