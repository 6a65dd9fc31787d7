"""From a latent, continuous sleep process to the labels a human scorer gives.

Sleep does not change stage on the 30-s grid a scorer uses. The generator therefore keeps two
hypnograms:

- the **latent** process, one stage per second (:func:`latent_stage_seconds`): the epoch-level
  cycle structure of :func:`~fusionlab.data.synthetic.hypnogram.make_hypnogram` with every stage
  change moved off the epoch grid by up to half an epoch; the signals are generated from it;
- the **scored** hypnogram (:func:`score_epochs`): per 30-s epoch, the stage that fills most of the
  epoch (the AASM majority rule), then the disagreements human scorers are known to have --
  concentrated on N1, on epochs that straddle a stage change and on N3 epochs whose slow-wave
  amount is near the 20 % threshold (N2 vs N3). Not random label flips: the alternative stage is
  the one present in the epoch or next to it, or the neighbour stage of the known confusions.

The disagreement rates are set so that a scorer agrees with the latent majority on ~92-94 % of
epochs (two such scorers then agree on ~86-88 %, a little above the ~83 % of human pairs in
Rosenberg & Van Hout, J Clin Sleep Med 2013, whose confusions this follows: N1 lowest, then N3).
"""

from __future__ import annotations

import numpy as np

from fusionlab.data.windows import STAGE_TO_INDEX, STAGES

__all__ = ["SCORER_CONFUSION", "latent_stage_seconds", "majority_stages", "score_epochs", "stage_fractions"]

W, N1, N2, N3, REM = (STAGE_TO_INDEX[s] for s in ("W", "N1", "N2", "N3", "REM"))

SCORER_CONFUSION = np.array([
    # scored as:  W     N1    N2    N3    REM        (rows: latent majority stage; diagonal = agreement)
    [0.965, 0.030, 0.005, 0.000, 0.000],  # W
    [0.120, 0.720, 0.130, 0.000, 0.030],  # N1: the stage scorers agree on least
    [0.003, 0.015, 0.957, 0.020, 0.005],  # N2
    [0.000, 0.000, 0.110, 0.890, 0.000],  # N3 (more when slow waves are near the 20 % rule)
    [0.010, 0.020, 0.015, 0.000, 0.955],  # REM
])
"""Probability that a scorer labels an epoch of clearly one stage (rows) as each stage (columns)."""

TRANSITION_DISAGREEMENT = 0.25
"""Extra probability of scoring the *other* stage of an epoch in proportion to how mixed it is."""

SCORER_PERSISTENCE = 0.8
"""Epoch-to-epoch correlation of a scorer's decisions (disagreements come in runs)."""


def _persistent_uniforms(rng: np.random.Generator, n: int, rho: float) -> np.ndarray:
    """Uniform(0, 1) draws whose underlying Gaussians follow an AR(1) with coefficient ``rho``."""
    from scipy.signal import lfilter
    from scipy.special import ndtr

    if not 0.0 <= rho < 1.0:
        raise ValueError(f"persistence must be in [0, 1), got {rho}")
    z = lfilter([np.sqrt(1.0 - rho**2)], [1.0, -rho], rng.standard_normal(n))
    z[0] = z[0] / np.sqrt(1.0 - rho**2)  # start in the stationary distribution
    return ndtr(z)


def latent_stage_seconds(rng: np.random.Generator, hypnogram: np.ndarray, epoch_len: float = 30.0,
                         max_shift: float = 0.5) -> np.ndarray:
    """Move every stage change of an epoch-level hypnogram off the 30-s grid.

    Parameters
    ----------
    rng : numpy Generator
    hypnogram : ndarray, shape (n_epochs,), int
        Stage per epoch (the cycle structure).
    epoch_len : float
        Seconds per epoch (whole seconds).
    max_shift : float
        Largest shift of a stage change, as a fraction of an epoch.

    Returns
    -------
    ndarray, shape (n_epochs * epoch_len,), int64
        Latent stage per second; a stage run keeps at least 5 s.
    """
    per_epoch = round(epoch_len)
    seconds = np.repeat(np.asarray(hypnogram, dtype=np.int64), per_epoch)
    changes = np.flatnonzero(np.diff(hypnogram) != 0) + 1
    if len(changes) == 0:
        return seconds
    bounds = changes * per_epoch
    shifts = np.round(rng.uniform(-max_shift, max_shift, len(bounds)) * per_epoch).astype(np.int64)
    # Keep the runs between consecutive (shifted) changes at least 5 s long.
    previous = np.concatenate([[0], bounds[:-1]])
    following = np.concatenate([bounds[1:], [len(seconds)]])
    new = np.clip(bounds + shifts, previous + 5, following - 5)
    out = seconds.copy()
    for b, n in zip(bounds, new):
        if n < b:  # the next stage starts early
            out[n:b] = seconds[b]
        elif n > b:  # the previous stage lasts longer
            out[b:n] = seconds[b - 1]
    return out


def stage_fractions(stage_seconds: np.ndarray, epoch_len: float = 30.0) -> np.ndarray:
    """Fraction of each epoch spent in each stage.

    Returns
    -------
    ndarray, shape (n_epochs, 5)
    """
    per_epoch = round(epoch_len)
    n_epochs = len(stage_seconds) // per_epoch
    grid = np.asarray(stage_seconds[: n_epochs * per_epoch]).reshape(n_epochs, per_epoch)
    return np.stack([(grid == s).mean(axis=1) for s in range(len(STAGES))], axis=1)


def majority_stages(fractions: np.ndarray) -> np.ndarray:
    """The AASM majority rule: the stage that fills most of each epoch; shape (n_epochs,), int64."""
    return np.asarray(fractions).argmax(axis=1).astype(np.int64)


def score_epochs(rng: np.random.Generator, fractions: np.ndarray, *, slow_wave_depth: np.ndarray | None = None,
                 confusion: np.ndarray = SCORER_CONFUSION,
                 transition_disagreement: float = TRANSITION_DISAGREEMENT,
                 persistence: float = SCORER_PERSISTENCE) -> np.ndarray:
    """Labels one human scorer would give, from the latent stage fractions of each epoch.

    Parameters
    ----------
    rng : numpy Generator
    fractions : ndarray, shape (n_epochs, 5)
        :func:`stage_fractions` of the latent process.
    slow_wave_depth : ndarray, shape (n_epochs,), optional
        Slow-wave amount relative to the subject's typical N3 (1 = typical). N3 epochs below
        1 are scored N2 more often (fewer slow waves near the 20 % rule), deep ones less often.
    confusion : ndarray, shape (5, 5)
        Row-stochastic confusions of clear epochs (:data:`SCORER_CONFUSION`).
    transition_disagreement : float
        Extra chance of scoring the minority stage of a mixed epoch: ``x * 2 * (1 - majority fraction)``.
    persistence : float
        Epoch-to-epoch correlation (0..1) of the scorer's random draws; 0 gives independent flips.

    Returns
    -------
    ndarray, shape (n_epochs,), int64
    """
    fractions = np.asarray(fractions, dtype=float)
    if fractions.ndim != 2 or fractions.shape[1] != len(STAGES):
        raise ValueError(f"fractions must have shape (n_epochs, {len(STAGES)}), got {fractions.shape}")
    confusion = np.asarray(confusion, dtype=float)
    if confusion.shape != (len(STAGES), len(STAGES)) or not np.allclose(confusion.sum(axis=1), 1.0):
        raise ValueError(f"confusion must be a row-stochastic {len(STAGES)}x{len(STAGES)} matrix, got "
                         f"shape {confusion.shape} with row sums {np.round(confusion.sum(axis=1), 3).tolist()}")
    n = len(fractions)
    majority = majority_stages(fractions)
    probs = confusion[majority].copy()
    if slow_wave_depth is not None:
        depth = np.asarray(slow_wave_depth, dtype=float)
        n3 = majority == N3
        # Shallow N3 (few slow waves) is scored N2 up to 3x more often, deep N3 less often.
        p_n2 = np.clip(confusion[N3, N2] * np.exp(-2.5 * (depth[n3] - 1.0)), 0.0, 0.6)
        probs[n3, N2], probs[n3, N3] = p_n2, 1.0 - p_n2
    # Mixed epochs: the minority stage (or, in a run's last epoch, the next stage) may be chosen.
    second = np.argsort(fractions, axis=1)[:, -2]
    mixed = 1.0 - fractions.max(axis=1)
    p_other = np.clip(transition_disagreement * 2.0 * mixed, 0.0, 0.5)
    probs *= (1.0 - p_other)[:, None]
    probs[np.arange(n), second] += p_other
    cumulative = probs.cumsum(axis=1)
    # A scorer's stance on an ambiguous stretch persists: the draws are correlated from epoch to
    # epoch (an AR(1) Gaussian mapped to uniforms), so disagreements come in short runs, as when
    # a scorer places a stage change a few epochs earlier or later, not as isolated flips.
    draws = _persistent_uniforms(rng, n, persistence)[:, None]
    return np.minimum((draws > cumulative).sum(axis=1), len(STAGES) - 1).astype(np.int64)
