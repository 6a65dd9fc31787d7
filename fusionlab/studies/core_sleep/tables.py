"""CoRe-Sleep study tables: paired night-level bootstrap comparisons and scores against the latent truth.

These read :func:`fusionlab.studies.core_sleep.study.run_study`'s output (a dict of scores,
probabilities and bootstrap units); :mod:`~fusionlab.studies.core_sleep.study` re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["latent_scores", "paired_comparisons", "pooled_comparisons"]


def pooled_comparisons(study: dict[str, Any], comparisons: Sequence[tuple[str, str, str]], *,
                       metrics: Sequence[str] = ("accuracy", "macro_f1"), n_boot: int = 2000,
                       seed: int = 0) -> pd.DataFrame:
    """Paired night-level bootstrap of model differences, pooling the test nights of every seed.

    Each seed trained its own models on its own subjects, so a test night is scored by the models
    of its seed; the resampling unit is the night (seed, night), so the interval covers both the
    night-to-night and (through the nights of different seeds) the training-to-training variation.

    Parameters
    ----------
    study : dict
        :func:`run_study`'s output.
    comparisons : sequence of (test, model_a, model_b)

    Returns
    -------
    DataFrame as :func:`paired_comparisons`, with ``n_units`` = nights over the seeds used and ``seeds``;
    each comparison uses every seed where both models were scored (Holm correction across the
    metrics of one comparison).
    """
    from fusionlab import stats

    seeds = sorted({k[0] for k in study["probabilities"]})
    tables = []
    for test, a, b in comparisons:
        # Every seed where both models were scored on this test (YASA may cover fewer seeds).
        use = [s for s in seeds if (s, a, test) in study["probabilities"] and (s, b, test) in study["probabilities"]]
        if not use:
            raise KeyError(f"no seed has predictions of both {a!r} and {b!r} on test {test!r}")
        part = "noisy" if test == "noisy" else "clean"
        labels = np.concatenate([study["probabilities"][(s, a, test)][0] for s in use])
        predictions = {m: np.concatenate([study["probabilities"][(s, m, test)][1].argmax(1) for s in use])
                       for m in (a, b)}
        offset, units = 0, []
        for s in use:
            units.append(study["groups"][(s, part)] + offset)
            offset = units[-1].max() + 1 if len(units[-1]) else offset
        table = stats.compare_models(labels, predictions, [(a, b)], metrics, groups=np.concatenate(units),
                                     n_classes=5, labels=list(range(5)), n_boot=n_boot, seed=seed)
        tables.append(table.assign(test=test, seeds=len(use)))
    return pd.concat(tables, ignore_index=True)


def latent_scores(study: dict[str, Any]) -> pd.DataFrame:
    """Accuracy against the latent truth (majority stage of the latent process) and against the scored labels.

    The gap between the two is the scorer's label noise: a model cannot agree with a scorer more
    than the scorer agrees with the truth, except by learning the scorer's habits.

    Returns
    -------
    DataFrame: seed, model, test, acc_scored, acc_latent (%), for every prediction of a synthetic study.
    """
    rows = []
    for (seed, model, test), (labels, probs) in study["probabilities"].items():
        truth = study["latent"].get((seed, "noisy" if test == "noisy" else "clean"))
        if truth is None or len(truth) != len(labels):
            continue
        pred = probs.argmax(1)
        rows.append({"seed": seed, "model": model, "test": test, "acc_scored": 100 * float((pred == labels).mean()),
                     "acc_latent": 100 * float((pred == truth).mean())})
    for seed in sorted({s for s, _ in study["latent"]}):
        truth = study["latent"][(seed, "clean")]
        labels = next(v[0] for k, v in study["probabilities"].items() if k[0] == seed and k[2] == "EEG-EOG")
        rows.append({"seed": seed, "model": "the scorer itself", "test": "EEG-EOG",
                     "acc_scored": 100.0, "acc_latent": 100 * float((labels == truth).mean())})
    return pd.DataFrame(rows)




def paired_comparisons(study: dict[str, Any], seed: int, comparisons: Sequence[tuple[str, str, str]], *,
                       metrics: Sequence[str] = ("accuracy", "macro_f1"), n_boot: int = 2000) -> pd.DataFrame:
    """Paired cluster-bootstrap comparisons on one seed's test nights (:func:`fusionlab.stats.compare_models`).

    Parameters
    ----------
    study : dict
        :func:`run_study`'s output.
    comparisons : sequence of (test, model_a, model_b)
        ``test`` in EEG-EOG / EEG / EOG / noisy; both models must have been scored on it.
    metrics : sequence of str
        Metrics of :func:`fusionlab.stats.metric_from_confusion`.

    Returns
    -------
    DataFrame: one row per comparison and metric, ``metric(A) - metric(B)`` with its 95 % interval,
    resampling whole nights (epochs of a night are not independent); Holm-corrected p-values per test.
    """
    from fusionlab import stats

    tables = []
    for test in dict.fromkeys(t for t, _, _ in comparisons):
        pairs = [(a, b) for t, a, b in comparisons if t == test]
        keys = {m: (seed, m, test) for pair in pairs for m in pair}
        missing = [k for k in keys.values() if k not in study["probabilities"]]
        if missing:
            raise KeyError(f"no predictions for {missing[0]}; scored: {sorted(study['probabilities'])[:6]}...")
        labels = study["probabilities"][next(iter(keys.values()))][0]
        predictions = {m: study["probabilities"][k][1].argmax(1) for m, k in keys.items()}
        units = study["groups"][(seed, "noisy" if test == "noisy" else "clean")]
        table = stats.compare_models(labels, predictions, pairs, metrics, groups=units, n_classes=5,
                                     labels=list(range(5)), n_boot=n_boot, seed=seed)
        tables.append(table.assign(test=test))
    return pd.concat(tables, ignore_index=True)


