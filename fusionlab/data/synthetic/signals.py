"""Per-stage synthetic signals of a whole night: EEG, EOG, chin EMG and ECG (all in µV).

Amplitudes are stage-dependent tables (rows W, N1, N2, N3, REM) mixed with stage weights that are
smoothed over a few seconds, so stage changes are gradual as in real recordings; a slow
log-normal factor adds within-stage variability. Transient events are drawn from stage-dependent
Poisson rates and returned as a table (the ground truth of the event lessons). See
``shared/guide/SLEEP_PHYSIOLOGY.md`` for the physiology these numbers encode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d
from scipy.signal import sawtooth

from fusionlab.data.synthetic.hypnogram import SubjectTraits
from fusionlab.data.synthetic.waveforms import (
    add_transients,
    band_noise,
    colored_noise,
    slow_envelope,
    to_samples,
)
from fusionlab.data.windows import STAGES

__all__ = ["NightContext", "make_ecg", "make_emg", "make_eog_and_eeg", "stage_table"]

#                              W     N1    N2    N3    REM
# Amplitudes are tuned so that a stager trained on real PSG (YASA) recognises every stage
# (benchmarks/yasa_synthetic.py): real sleep EEG has a steep spectrum (little power above 16 Hz
# in N2/N3, hence low permutation entropy), while wake carries beta and scalp-muscle activity.
EEG_BACKGROUND = np.array([6.0, 7.5, 9.0, 11.0, 7.0])  # 1/f**2 background std, µV
EEG_ALPHA = np.array([8.0, 1.5, 0.5, 0.3, 1.5])  # alpha in W only with eyes closed (x subject alpha_gain)
EEG_BETA = np.array([4.5, 2.0, 1.0, 0.5, 2.2])  # 16-30 Hz
EEG_MUSCLE = np.array([3.5, 1.2, 0.4, 0.3, 0.5])  # broadband scalp EMG (> 20 Hz) that leaks into Fpz
EEG_THETA = np.array([2.5, 5.5, 5.5, 4.0, 5.0])
EEG_DELTA = np.array([2.5, 6.5, 13.0, 40.0, 5.5])
EEG_SIGMA = np.array([0.3, 0.8, 2.5, 1.5, 0.4])  # background sigma activity between discrete spindles
EOG_EEG_LEAK = 0.35  # fraction of the frontal EEG seen by the EOG electrode
EOG_SEM = np.array([4.0, 30.0, 5.0, 1.0, 2.0])  # slow eye movements at sleep onset
EMG_TONE = np.array([14.0, 8.0, 6.0, 5.0, 1.5])  # REM atonia
HR_OFFSET = np.array([0.0, -3.0, -6.0, -9.0, -1.0])  # beats/min relative to wake
HR_VARIABILITY = np.array([2.0, 1.5, 1.0, 0.7, 4.0])  # slow HR fluctuation, beats/min
RSA_DEPTH = np.array([2.5, 3.0, 4.0, 6.0, 2.0])  # respiratory sinus arrhythmia, beats/min

#                                 W     N1   N2   N3   REM      (events per minute)
RATE_SPINDLE = np.array([0.0, 0.3, 4.5, 1.5, 0.0])
RATE_K_COMPLEX = np.array([0.0, 0.2, 1.5, 0.6, 0.0])
RATE_VERTEX = np.array([0.0, 2.5, 0.3, 0.0, 0.0])
RATE_SAWTOOTH = np.array([0.0, 0.0, 0.0, 0.0, 1.5])
RATE_REM_BURST = np.array([0.0, 0.0, 0.0, 0.0, 2.2])
RATE_TWITCH = np.array([0.0, 0.0, 0.2, 0.0, 5.0])
RATE_AROUSAL = np.array([0.0, 0.3, 0.25, 0.1, 0.2])
RATE_BLINK_EYES_OPEN = 16.0
RATE_SACCADE_EYES_OPEN = 20.0


@dataclass
class NightContext:
    """Shared state of one night's generation: timing, stages and the event log.

    Attributes
    ----------
    rng : numpy Generator
    hypnogram : ndarray, shape (n_epochs,)
        Epoch-level cycle structure.
    sfreq, epoch_len : float
    traits : SubjectTraits
    weights : ndarray, shape (5, n_seconds)
        Smoothed stage weights on a 1-Hz grid (sum to 1 each second).
    stage_per_second : ndarray, shape (n_seconds,)
        The latent stage each second (given, or the hypnogram repeated); the signals follow it.
    eyes_closed : ndarray, shape (n_seconds,), float 0/1
    events : list of dict
        Appended to by the generators; becomes :attr:`SyntheticNight.events`.
    """

    rng: np.random.Generator
    hypnogram: np.ndarray
    sfreq: float
    epoch_len: float
    traits: SubjectTraits
    stage_per_second: np.ndarray | None = None
    weights: np.ndarray = field(init=False)
    eyes_closed: np.ndarray = field(init=False)
    events: list[dict] = field(default_factory=list)
    emg_extra: np.ndarray | None = field(default=None, init=False)  # arousal EMG, set by the EEG generator
    n3_depth: np.ndarray | None = field(default=None, init=False)  # slow-wave depth factor, 1-Hz grid

    def __post_init__(self) -> None:
        if self.stage_per_second is None:
            self.stage_per_second = np.repeat(self.hypnogram, round(self.epoch_len))
        onehot = np.eye(len(STAGES))[:, self.stage_per_second]
        # Physiology changes over ~15 s around a stage change, not at once.
        self.weights = uniform_filter1d(onehot, size=15, axis=1, mode="nearest")
        self.eyes_closed = self._eyes_closed()

    @property
    def n_seconds(self) -> int:
        return len(self.stage_per_second)

    @property
    def n_times(self) -> int:
        return round(self.n_seconds * self.sfreq)

    def _eyes_closed(self) -> np.ndarray:
        """Alternating eyes-closed (mean 40 s) / eyes-open (mean 20 s) periods."""
        durations = self.rng.exponential([40.0, 20.0], size=(self.n_seconds // 20 + 2, 2)).ravel()
        edges = np.cumsum(np.maximum(durations, 2.0))
        state = (np.searchsorted(edges, np.arange(self.n_seconds)) % 2 == 0).astype(np.float64)
        return state

    def amplitude(self, table: np.ndarray, *, timescale: float = 120.0, spread: float = 0.2) -> np.ndarray:
        """Stage-mixed amplitude on the 1-Hz grid times a slow within-stage fluctuation."""
        return (table @ self.weights) * slow_envelope(self.rng, self.n_seconds, timescale, spread)

    def samples(self, grid: np.ndarray) -> np.ndarray:
        return to_samples(grid, 1.0, self.n_times, self.sfreq)

    def event_times(self, rate_per_min: np.ndarray | float, modulation: np.ndarray | None = None) -> np.ndarray:
        """Event times (s) from a stage-dependent (optionally modulated) Poisson rate on the 1-Hz grid."""
        if np.ndim(rate_per_min) == 0:
            rate = np.full(self.n_seconds, float(rate_per_min))
        else:
            rate = np.asarray(rate_per_min)[self.stage_per_second]
        if modulation is not None:
            rate = rate * modulation
        counts = self.rng.poisson(rate / 60.0)
        times = np.repeat(np.arange(self.n_seconds, dtype=np.float64), counts)
        times = np.sort(times + self.rng.uniform(0, 1, len(times)))
        return times[times < self.n_seconds - 6]  # keep whole transients inside the night

    def log(self, kind: str, onsets: np.ndarray, durations: np.ndarray, channel: str,
            amplitude: np.ndarray) -> None:
        stage = self.stage_per_second[np.clip(np.asarray(onsets).astype(int), 0, self.n_seconds - 1)]
        for onset, duration, st, amp in zip(onsets, durations, stage, amplitude):
            self.events.append({"type": kind, "onset": float(onset), "duration": float(duration),
                                "channel": channel, "stage": STAGES[int(st)], "amplitude": float(amp)})


def _spindles(ctx: NightContext, eeg: np.ndarray, onsets: np.ndarray, channel: str, gain: float) -> None:
    rng = ctx.rng
    n = len(onsets)
    duration = np.clip(rng.lognormal(np.log(0.9), 0.3, n), 0.5, 2.0)
    freq = np.clip(rng.normal(ctx.traits.spindle_freq, 0.6, n), 11.0, 16.0)
    amp = rng.uniform(15, 40, n) * gain
    phase = rng.uniform(0, 2 * np.pi, n)

    def wave(t, i):
        inside = (t >= 0) & (t <= duration[i])
        env = np.sin(np.pi * np.clip(t / duration[i], 0, 1)) ** 2
        return np.where(inside, amp[i] * env * np.sin(2 * np.pi * freq[i] * t + phase[i]), 0.0)

    add_transients(eeg, ctx.sfreq, onsets, 2.0, wave)
    ctx.log("spindle", onsets, duration, channel, amp)


def make_eog_and_eeg(ctx: NightContext, eeg_channel: str, eog_channel: str) -> tuple[np.ndarray, np.ndarray]:
    """Frontal EEG (Fpz-Cz-like) and horizontal EOG of a whole night, with their cross-talk.

    Returns
    -------
    eeg, eog : ndarray, shape (n_times,), float32, µV
    """
    rng, n, fs, traits = ctx.rng, ctx.n_times, ctx.sfreq, ctx.traits
    g = traits.eeg_gain
    eeg = ctx.samples(ctx.amplitude(EEG_BACKGROUND * g)) * colored_noise(rng, n, fs, 2.0, 0.3, 45.0)
    alpha_grid = (EEG_ALPHA * g * traits.alpha_gain) @ ctx.weights
    alpha_grid = alpha_grid * np.where(ctx.stage_per_second == 0, ctx.eyes_closed, 1.0)
    emg_extra = np.zeros(ctx.n_seconds)
    # Arousals: 3-15 s of alpha/beta and raised chin EMG inside sleep.
    arousals = ctx.event_times(RATE_AROUSAL)
    arousal_len = rng.uniform(3, 15, len(arousals))
    for onset, length in zip(arousals.astype(int), arousal_len.astype(int)):
        alpha_grid[onset:onset + length] += 10 * g
        emg_extra[onset:onset + length] += 8
    ctx.log("arousal", arousals, arousal_len, eeg_channel, np.full(len(arousals), 10 * g))
    ctx.emg_extra = emg_extra  # consumed by make_emg
    eeg += ctx.samples(alpha_grid * slow_envelope(rng, ctx.n_seconds, 60, 0.2)) * band_noise(
        rng, n, fs, traits.alpha_freq, 0.6)
    eeg += ctx.samples(ctx.amplitude(EEG_BETA * g)) * band_noise(rng, n, fs, 21.0, 4.0)
    eeg += ctx.samples(ctx.amplitude(EEG_MUSCLE * g, timescale=30, spread=0.5)) * colored_noise(
        rng, n, fs, 0.0, 20.0, None)
    eeg += ctx.samples(ctx.amplitude(EEG_THETA * g)) * band_noise(rng, n, fs, 5.5, 0.9)
    eeg += ctx.samples(ctx.amplitude(EEG_SIGMA * g)) * band_noise(rng, n, fs, traits.spindle_freq, 1.0)
    # Slow waves: the N3 "depth" varies minute to minute (R&K S3 vs S4 proportions of delta).
    depth = slow_envelope(rng, ctx.n_seconds, 90, 0.3)
    ctx.n3_depth = depth
    delta = ctx.samples(ctx.amplitude(EEG_DELTA * g * traits.slow_wave_gain) * depth) * band_noise(
        rng, n, fs, 1.0, 0.8)
    slow = delta.copy()

    _spindles(ctx, eeg, ctx.event_times(RATE_SPINDLE), eeg_channel, g)

    kc = ctx.event_times(RATE_K_COMPLEX)
    kc_amp = rng.uniform(60, 120, len(kc)) * g

    def k_complex(t, i):
        return kc_amp[i] * (-np.exp(-0.5 * ((t - 0.15) / 0.07) ** 2) + 0.45 * np.exp(-0.5 * ((t - 0.5) / 0.15) ** 2))

    add_transients(slow, fs, kc, 1.2, k_complex)
    ctx.log("k_complex", kc, np.full(len(kc), 0.9), eeg_channel, 1.45 * kc_amp)
    riding = kc[rng.random(len(kc)) < 0.35] + 0.45  # a spindle often rides on the K-complex
    _spindles(ctx, eeg, riding, eeg_channel, g)

    vertex = ctx.event_times(RATE_VERTEX)
    vx_amp = rng.uniform(25, 50, len(vertex)) * g
    add_transients(eeg, fs, vertex, 0.4, lambda t, i: vx_amp[i] * (
        -np.exp(-0.5 * ((t - 0.1) / 0.035) ** 2) + 0.3 * np.exp(-0.5 * ((t - 0.22) / 0.06) ** 2)))
    ctx.log("vertex_wave", vertex, np.full(len(vertex), 0.3), eeg_channel, vx_amp)

    saw = ctx.event_times(RATE_SAWTOOTH)
    saw_len, saw_f = rng.uniform(1.5, 4.5, len(saw)), rng.uniform(2.0, 5.0, len(saw))
    saw_amp = rng.uniform(15, 30, len(saw)) * g
    add_transients(eeg, fs, saw, 5.0, lambda t, i: np.where(
        (t >= 0) & (t <= saw_len[i]),
        saw_amp[i] * np.sin(np.pi * np.clip(t / saw_len[i], 0, 1)) ** 0.5 * sawtooth(2 * np.pi * saw_f[i] * t, 0.85),
        0.0))
    ctx.log("sawtooth", saw, saw_len, eeg_channel, saw_amp)

    # --- EOG ---------------------------------------------------------------------------------
    eye = ctx.samples(ctx.amplitude(EOG_SEM)) * band_noise(rng, n, fs, 0.3, 0.12)  # slow eye movements
    eyes_open = np.where(ctx.stage_per_second == 0, 1.0 - ctx.eyes_closed, 0.0) * ctx.weights[0]
    blinks = ctx.event_times(RATE_BLINK_EYES_OPEN, eyes_open)
    bl_amp = rng.uniform(60, 150, len(blinks))
    add_transients(eye, fs, blinks, 0.5, lambda t, i: bl_amp[i] * np.exp(-0.5 * ((t - 0.18) / 0.06) ** 2))
    ctx.log("blink", blinks, np.full(len(blinks), 0.35), eog_channel, bl_amp)
    sacc = ctx.event_times(RATE_SACCADE_EYES_OPEN, eyes_open)
    sacc_amp = rng.uniform(20, 70, len(sacc)) * rng.choice([-1, 1], len(sacc))
    add_transients(eye, fs, sacc, 4.0, lambda t, i: sacc_amp[i] * (1 - np.exp(-np.clip(t, 0, None) / 0.03))
                   * np.exp(-np.clip(t, 0, None) / 1.5) * (t >= 0))
    # Rapid eye movements: bursts of 2-8 conjugate saccades in phasic REM.
    bursts = ctx.event_times(RATE_REM_BURST)
    n_in_burst = rng.integers(2, 9, len(bursts))
    within = np.concatenate([np.arange(k) for k in n_in_burst]) if len(bursts) else np.zeros(0, int)
    rem_times = np.repeat(bursts, n_in_burst) + (np.concatenate(
        [np.cumsum(rng.uniform(0.3, 1.2, k)) - 0.3 for k in n_in_burst]) if len(bursts) else np.zeros(0))
    # Conjugate movements alternate direction within a burst (left-right-left ...).
    sign = np.repeat(rng.choice([-1.0, 1.0], len(bursts)), n_in_burst) * (-1.0) ** within
    order = np.argsort(rem_times, kind="stable")
    rem_times, sign = rem_times[order], sign[order]
    keep = rem_times < ctx.n_seconds - 6
    rem_times, sign = rem_times[keep], sign[keep]
    rem_amp = rng.uniform(50, 150, len(rem_times)) * sign
    rise = rng.uniform(0.04, 0.1, len(rem_times))
    add_transients(eye, fs, rem_times, 4.0, lambda t, i: rem_amp[i] * (1 - np.exp(-np.clip(t, 0, None) / rise[i]))
                   * np.exp(-np.clip(t, 0, None) / 0.5) * (t >= 0))
    ctx.log("rapid_eye_movement", rem_times, rise * 3, eog_channel, np.abs(rem_amp))
    brain = eeg + slow
    # A mastoid-referenced EOG electrode records frontal EEG too (slow waves, K-complexes, theta).
    eog = traits.eog_gain * eye + EOG_EEG_LEAK * brain + 4.0 * colored_noise(rng, n, fs, 2.0, 0.3, 45.0)
    eeg = brain + 0.15 * eye  # Fpz picks up eye movements
    return eeg.astype(np.float32), eog.astype(np.float32)


def make_emg(ctx: NightContext) -> np.ndarray:
    """Chin EMG: broadband (10 Hz - Nyquist) activity whose tone falls from W to REM atonia.

    Returns
    -------
    ndarray, shape (n_times,), float32, µV
    """
    rng, fs = ctx.rng, ctx.sfreq
    tone = ctx.amplitude(EMG_TONE * ctx.traits.emg_gain, timescale=300, spread=0.3)
    if ctx.emg_extra is not None:
        tone = tone + ctx.emg_extra * ctx.traits.emg_gain
    # Movement bursts in wake.
    moves = ctx.event_times(np.array([0.5, 0, 0, 0, 0]))
    for onset in moves.astype(int):
        tone[onset:onset + int(rng.integers(1, 5))] *= rng.uniform(3, 6)
    emg = ctx.samples(tone) * colored_noise(rng, ctx.n_times, fs, 0.0, 10.0, None)
    twitches = ctx.event_times(RATE_TWITCH)
    tw_len, tw_amp = rng.uniform(0.1, 0.25, len(twitches)), rng.uniform(6, 15, len(twitches))
    if len(twitches):
        burst_noise = rng.standard_normal((len(twitches), int(np.ceil(0.3 * fs))))

        def twitch(t, i):
            env = np.where((t >= 0) & (t <= tw_len[i]), np.sin(np.pi * np.clip(t / tw_len[i], 0, 1)), 0.0)
            return tw_amp[i] * env * burst_noise[i[:, 0]][:, : t.shape[1]]

        add_transients(emg, fs, twitches, 0.3, twitch)
    ctx.log("emg_twitch", twitches, tw_len, "EMG", tw_amp)
    return emg.astype(np.float32)


def make_ecg(ctx: NightContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECG whose heart rate falls from W to N3, with respiratory sinus arrhythmia strongest in N3.

    Returns
    -------
    ecg : ndarray, shape (n_times,), float32, µV
    r_peaks : ndarray, shape (n_beats,), float
        R-peak times in seconds (ground truth).
    heart_rate : ndarray, shape (n_seconds,)
        Instantaneous heart rate (beats/min) on the 1-Hz grid.
    """
    rng, fs, n_sec = ctx.rng, ctx.sfreq, ctx.n_seconds
    grid = 4.0  # Hz: fine enough for respiration at ~0.25 Hz
    hr_1hz = ctx.traits.heart_rate + HR_OFFSET @ ctx.weights
    hr_1hz = hr_1hz + (HR_VARIABILITY @ ctx.weights) * colored_noise(rng, n_sec, 1.0, 2.0, 1 / 600, 1 / 20)
    t4 = np.arange(int(n_sec * grid)) / grid
    hr = np.interp(t4, np.arange(n_sec) + 0.5, hr_1hz)
    resp_rate = 0.25 + 0.02 * colored_noise(rng, len(t4), grid, 2.0, 1 / 900, 1 / 60)
    resp_rate = resp_rate + np.interp(t4, np.arange(n_sec) + 0.5, ctx.weights[4]) * 0.04 * rng.standard_normal(
        len(t4)).cumsum() / np.sqrt(len(t4))  # REM breathing is irregular
    resp_phase = 2 * np.pi * np.cumsum(np.clip(resp_rate, 0.12, 0.45)) / grid
    rsa = np.interp(t4, np.arange(n_sec) + 0.5, RSA_DEPTH @ ctx.weights)
    hr = np.clip(hr + rsa * np.sin(resp_phase), 35, 150)
    beat_phase = np.cumsum(hr / 60.0) / grid
    r_peaks = np.interp(np.arange(1, int(beat_phase[-1])), beat_phase, t4)
    r_peaks = r_peaks[(r_peaks > 0.4) & (r_peaks < n_sec - 1.0)]
    rr = np.diff(r_peaks, prepend=r_peaks[0] - 60 / ctx.traits.heart_rate)
    # P, Q, R, S, T as Gaussians (McSharry-style), T delayed with the RR interval (QT ~ sqrt(RR)).
    centres = np.array([-0.2, -0.035, 0.0, 0.035, 0.0])
    widths = np.array([0.03, 0.012, 0.018, 0.014, 0.07])
    heights = np.array([120.0, -120.0, 1100.0, -260.0, 300.0]) * rng.uniform(0.85, 1.15)

    def beat(t, i):
        rel = t - 0.3
        out = np.zeros_like(t)
        for c, w, h in zip(centres[:4], widths[:4], heights[:4]):
            out += h * np.exp(-0.5 * ((rel - c) / w) ** 2)
        t_wave = 0.28 * np.sqrt(rr[i])
        return out + heights[4] * np.exp(-0.5 * ((rel - t_wave) / widths[4]) ** 2)

    n = ctx.n_times
    ecg = np.zeros(n, dtype=np.float64)
    add_transients(ecg, fs, r_peaks - 0.3, 0.9, beat)
    t = np.arange(n) / fs
    ecg += 60 * np.sin(np.interp(t, t4, resp_phase))  # baseline wander with breathing
    ecg += 15 * colored_noise(rng, n, fs, 1.0, 0.5, None)
    return ecg.astype(np.float32), r_peaks, hr_1hz


def stage_table() -> pd.DataFrame:
    """The stage-dependent amplitude and rate tables, for the lesson that explains the generator."""
    return pd.DataFrame({
        "EEG 1/f background (uV)": EEG_BACKGROUND, "EEG alpha (uV)": EEG_ALPHA, "EEG theta (uV)": EEG_THETA,
        "EEG delta (uV)": EEG_DELTA, "EOG slow eye movements (uV)": EOG_SEM, "EMG tone (uV)": EMG_TONE,
        "heart rate offset (bpm)": HR_OFFSET, "spindles / min": RATE_SPINDLE, "K-complexes / min": RATE_K_COMPLEX,
        "REM bursts / min": RATE_REM_BURST,
    }, index=list(STAGES))

