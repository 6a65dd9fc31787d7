"""Imperfect modalities: the noisy-night detector of CoRe-Sleep and evaluation on modality subsets.

Kontras et al. (Sec. II-G) find nights where one modality is highly noisy by thresholding the
*difference* of the EEG and EOG standard deviations on 10-min chunks (long chunks, to avoid picking
short artefacts) and keep nights corrupted in more than 40 % of the recording (to avoid nights whose
noise is only a loose sensor at the start or end). :func:`detect_noisy_nights` implements that rule;
:func:`true_noisy_nights` gives the same verdict from a synthetic night's ground truth, so the
detector itself can be scored (:func:`detector_agreement`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

from fusionlab.train import metrics

CHUNK_S = 600.0
NOISY_FRACTION = 0.4


def chunk_std(signal: np.ndarray, sfreq: float, window: float = CHUNK_S) -> np.ndarray:
    """Standard deviation of consecutive ``window``-second chunks (a trailing partial chunk included).

    Parameters
    ----------
    signal : ndarray, shape (n_times,)
    sfreq : float
    window : float
        Seconds per chunk (600 = 10 min in the paper).

    Returns
    -------
    ndarray, shape (ceil(n_times / (window * sfreq)),)
    """
    signal = np.asarray(signal, dtype=float)
    if signal.ndim != 1 or signal.size == 0:
        raise ValueError(f"signal must be a non-empty 1-D array, got shape {signal.shape}")
    step = round(window * sfreq)
    if step < 2:
        raise ValueError(f"window * sfreq must be at least 2 samples, got {window} s at {sfreq} Hz")
    return np.array([signal[a:a + step].std() for a in range(0, signal.size, step)])


def reference_std(nights_signals: Sequence[Mapping[str, np.ndarray]], sfreq: float,
                  window: float = CHUNK_S) -> dict[str, float]:
    """Typical chunk standard deviation of each modality: the median over every chunk of every night."""
    if not nights_signals:
        raise ValueError("reference_std needs at least one night")
    modalities = list(nights_signals[0])
    return {m: float(np.median(np.concatenate([chunk_std(s[m], sfreq, window) for s in nights_signals])))
            for m in modalities}


def noisy_chunks(signals: Mapping[str, np.ndarray], sfreq: float, reference: Mapping[str, float], *,
                 window: float = CHUNK_S, ratio: float = 2.0) -> pd.DataFrame:
    """Which chunks of a night are noisy in which modality (the paper's STD-difference rule, two modalities).

    A chunk is noisy in modality ``a`` when ``log(std_a / ref_a) - log(std_b / ref_b) > log(ratio)``:
    ``a``'s spread, relative to its usual level, exceeds ``b``'s by more than ``ratio``-fold.
    A flat (lost) stretch therefore flags the *other* modality only if that one is loud; lost data
    are not noise.

    Returns
    -------
    DataFrame, shape (n_chunks, 2), bool; index: chunk start (s).
    """
    modalities = list(signals)
    if len(modalities) != 2:
        raise ValueError(f"the STD-difference rule compares two modalities, got {modalities}")
    if ratio <= 1:
        raise ValueError(f"ratio must be > 1, got {ratio}")
    a, b = modalities
    log_rel = {m: np.log(np.maximum(chunk_std(signals[m], sfreq, window), 1e-12) / max(reference[m], 1e-12))
               for m in modalities}
    n = min(len(log_rel[a]), len(log_rel[b]))
    diff = log_rel[a][:n] - log_rel[b][:n]
    return pd.DataFrame({a: diff > np.log(ratio), b: -diff > np.log(ratio)},
                        index=pd.Index(np.arange(n) * window, name="start"))


def detect_noisy_nights(nights_signals: Mapping[str, Mapping[str, np.ndarray]], sfreq: float, *,
                        reference: Mapping[str, float] | None = None, window: float = CHUNK_S, ratio: float = 2.0,
                        min_fraction: float = NOISY_FRACTION) -> pd.DataFrame:
    """Flag nights noisy in one modality over more than ``min_fraction`` of their chunks.

    Parameters
    ----------
    nights_signals : mapping night name -> {modality: (n_times,)}
    reference : mapping modality -> float, optional
        Typical chunk STD per modality (default: :func:`reference_std` of these nights).

    Returns
    -------
    DataFrame indexed by night: ``fraction_<m>`` (share of noisy chunks) and ``noisy_<m>`` (bool) per
    modality, and ``noisy_modality`` (the flagged modality, or ``""``).
    """
    if not 0 < min_fraction < 1:
        raise ValueError(f"min_fraction must be in (0, 1), got {min_fraction}")
    reference = dict(reference) if reference is not None else reference_std(list(nights_signals.values()), sfreq,
                                                                              window)
    rows = {}
    for name, signals in nights_signals.items():
        flags = noisy_chunks(signals, sfreq, reference, window=window, ratio=ratio)
        row = {}
        for m in flags.columns:
            row[f"fraction_{m}"] = float(flags[m].mean())
            row[f"noisy_{m}"] = row[f"fraction_{m}"] > min_fraction
        noisy = [m for m in flags.columns if row[f"noisy_{m}"]]
        row["noisy_modality"] = noisy[0] if noisy else ""
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def true_noisy_nights(nights, modalities: Sequence[str] = ("eeg", "eog"), *, window: float = CHUNK_S,
                      chunk_threshold: float = 0.5, min_fraction: float = NOISY_FRACTION) -> pd.DataFrame:
    """The same verdict from the generator's ground truth (synthetic nights only).

    A chunk is truly noisy in a modality when a ``"noisy"`` corruption covers at least
    ``chunk_threshold`` of it; a night is truly noisy when more than ``min_fraction`` of its chunks are.

    Returns
    -------
    DataFrame indexed by night name, columns ``true_fraction_<m>``, ``true_noisy_<m>``, ``true_noisy_modality``.
    """
    from fusionlab.data.synthetic.psg import CHANNELS

    rows = {}
    for night in nights:
        cover = night.corrupted_fraction(window=window, kinds=("noisy",))
        row = {}
        for m in modalities:
            frac = float((cover[CHANNELS[m]] >= chunk_threshold).mean())
            row[f"true_fraction_{m}"], row[f"true_noisy_{m}"] = frac, frac > min_fraction
        noisy = [m for m in modalities if row[f"true_noisy_{m}"]]
        row["true_noisy_modality"] = noisy[0] if noisy else ""
        rows[night.name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def detector_agreement(detected: pd.DataFrame, truth: pd.DataFrame | None = None,
                       modalities: Sequence[str] = ("eeg", "eog")) -> pd.DataFrame:
    """Precision, recall and F1 of the detector per modality against the ground truth (one row per modality).

    ``truth`` is :func:`true_noisy_nights`'s table; omit it when ``detected`` already holds its columns.
    """
    joined = detected if truth is None else detected.join(truth, how="inner")
    if joined.empty:
        raise ValueError("detected and truth share no night names")
    rows = []
    for m in modalities:
        y_true, y_pred = joined[f"true_noisy_{m}"].astype(bool), joined[f"noisy_{m}"].astype(bool)
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=0)
        rows.append({"modality": m, "nights": len(joined), "truly_noisy": int(y_true.sum()),
                     "flagged": int(y_pred.sum()), "both": int((y_true & y_pred).sum()), "precision": p, "recall": r,
                     "f1": f})
    return pd.DataFrame(rows).set_index("modality")


def staging_scores(y_true: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """Accuracy (%), Cohen's kappa and macro-F1 (%) as the paper reports them (pooled over epochs)."""
    scores = metrics.classification_metrics(y_true, probabilities)
    return {"acc": 100 * scores["accuracy"], "kappa": scores["kappa"], "mf1": 100 * scores["macro_f1"]}


TEST_SUBSETS: dict[str, tuple[str, ...]] = {"EEG-EOG": ("eeg", "eog"), "EEG": ("eeg",), "EOG": ("eog",)}
"""Table I columns: which modalities the model sees at test time (the others are masked)."""


def evaluate_modality_subsets(model, nights, subsets: Mapping[str, Sequence[str]] = TEST_SUBSETS, *,
                              device=None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Score one trained model on ``nights`` with each subset of modalities (no retraining).

    ``device`` (default: where the model's parameters are) is passed to :func:`~.data.predict_night`.

    Subsets naming a modality the model does not take are skipped (unimodal models).

    Returns
    -------
    scores : DataFrame, one row per subset: acc, kappa, mf1
    probabilities : dict subset -> ndarray (n_epochs_total, C), nights concatenated in order
    """
    from fusionlab.studies.core_sleep.data import predict_night

    rows, probs = {}, {}
    labels = np.concatenate([n.labels for n in nights])
    for name, use in subsets.items():
        if any(m not in model.modalities for m in use):
            continue
        p = np.concatenate([predict_night(model, n, use, device=device) for n in nights])
        probs[name] = p
        rows[name] = staging_scores(labels, p)
    return pd.DataFrame.from_dict(rows, orient="index"), probs
