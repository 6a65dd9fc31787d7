"""Evaluation protocols for heartbeat classification, and the metrics every ECG table reports.

=================  ========================================================================
``inter-patient``  train on DS1, test on DS2 (de Chazal et al. 2004): the clinically honest one
``record-cv``      folds of *whole records* within the records present (no patient on both sides)
``intra-patient``  random beats: beats of one patient on both sides -- optimistic, always labelled
=================  ========================================================================

``"auto"`` picks ``inter-patient`` when every DS2 record is present, else ``record-cv``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from fusionlab import stats
from fusionlab.data.mitdb import AAMI_CLASSES, DS1, DS2, BeatSet, intra_patient_random_split

PROTOCOLS = ("inter-patient", "record-cv", "intra-patient")
CLASSES = ("N", "S", "V", "F")  # AAMI classes scored (Q, a handful of beats in MIT-BIH, is left out)
INTRA_PATIENT_LABEL = "intra-patient (random beats; optimistic: the same patients are in train and test)"


@dataclass(frozen=True)
class Fold:
    """One train/test split of a beat set (indices into it)."""

    name: str
    train: np.ndarray
    test: np.ndarray
    train_records: tuple[str, ...]
    test_records: tuple[str, ...]


def drop_unscored(beats: BeatSet) -> BeatSet:
    """The beats of the scored classes N/S/V/F only (labels 0..3; AAMI Q beats removed)."""
    keep = np.isin(beats.labels, [AAMI_CLASSES.index(c) for c in CLASSES])
    out = beats.subset(np.flatnonzero(keep))
    out.classes = CLASSES
    return out


def resolve_protocol(protocol: str, records_present: Sequence[str]) -> str:
    """The protocol to run on the records present (``"auto"`` resolved); unknown names raise."""
    present = {str(r) for r in records_present}
    if protocol == "auto":
        return "inter-patient" if set(DS2) <= present and set(DS1) <= present else "record-cv"
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}: expected one of {PROTOCOLS} or 'auto'")
    if protocol == "inter-patient":
        missing = sorted((set(DS1) | set(DS2)) - present)
        if missing:
            raise ValueError(f"protocol 'inter-patient' needs every DS1 and DS2 record; {len(missing)} are missing "
                             f"from MITDB_DIR (first: {missing[:5]}). Use PROTOCOL='record-cv' on what is present.")
    return protocol


def check_training_classes(labels: np.ndarray, fold: str, records: Sequence[str]) -> None:
    """Raise when a training split lacks a scored class (a model cannot learn a class it never sees)."""
    counts = np.bincount(labels, minlength=len(CLASSES))
    absent = [CLASSES[k] for k in range(len(CLASSES)) if counts[k] == 0]
    if absent:
        raise ValueError(f"{fold}: the training records {list(records)} hold no beats of class(es) {absent}; "
                         "use fewer folds or add records that contain them")


def make_folds(beats: BeatSet, protocol: str, *, n_folds: int = 3, seed: int = 0,
               test_fraction: float = 0.2) -> list[Fold]:
    """Train/test folds of ``beats`` (labels 0..3) under ``protocol``.

    ``record-cv`` uses scikit-learn's ``StratifiedGroupKFold`` (records as groups, classes spread
    over the folds as evenly as whole records allow). Every training split must hold all four classes.
    """
    records = np.asarray(beats.records)
    present = sorted(set(records))
    protocol = resolve_protocol(protocol, present)
    if protocol == "inter-patient":
        train, test = np.flatnonzero(np.isin(records, DS1)), np.flatnonzero(np.isin(records, DS2))
        folds = [Fold("DS1->DS2", train, test, tuple(DS1), tuple(DS2))]
    elif protocol == "intra-patient":
        train, test = intra_patient_random_split(len(beats), test_fraction=test_fraction, seed=seed)
        folds = [Fold("random beats", train, test, tuple(present), tuple(present))]
    else:
        if not 2 <= n_folds <= len(present):
            raise ValueError(f"record-cv needs 2 <= n_folds <= number of records ({len(present)}), got {n_folds}")
        splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        folds = []
        for k, (train, test) in enumerate(splitter.split(np.zeros(len(beats)), beats.labels, records)):
            folds.append(Fold(f"fold {k + 1}/{n_folds}", train, test, tuple(sorted(set(records[train]))),
                              tuple(sorted(set(records[test])))))
    for fold in folds:
        check_training_classes(beats.labels[fold.train], fold.name, fold.train_records)
    return folds


def beat_metrics(y_true, y_pred) -> dict[str, float]:
    """Accuracy, macro-F1 over N/S/V/F, per-class sensitivity (Se) and positive predictive value (PPV).

    A class absent from the test beats has an undefined sensitivity: reported as NaN.
    """
    conf, _ = stats.unit_confusions(y_true, y_pred, len(CLASSES))
    total = conf.sum(0)
    row = {"accuracy": float(stats.metric_from_confusion(total, "accuracy")),
           "macro_f1": float(stats.metric_from_confusion(total, "macro_f1"))}
    for k, c in enumerate(CLASSES):
        row[f"Se_{c}"] = float(stats.metric_from_confusion(total, f"sensitivity:{k}")) if total[k].sum() else np.nan
        row[f"PPV_{c}"] = float(stats.metric_from_confusion(total, f"ppv:{k}")) if total[:, k].sum() else np.nan
    return row


def metrics_table(y_true, predictions: dict[str, np.ndarray], *, groups=None, n_boot: int = 1000,
                  seed: int = 0, protocol: str = "record-cv") -> pd.DataFrame:
    """One row per model (plus the majority-class baseline): metrics and record-bootstrap 95% CIs.

    Parameters
    ----------
    y_true : array (n,)
    predictions : mapping model -> predicted labels (n,)
    groups : array (n,), optional
        Records of the beats: CIs resample whole records (cluster bootstrap); beats when omitted.
    protocol : str
        Written in a ``protocol`` column (intra-patient tables say so in every row).
    """
    y_true = np.asarray(y_true)
    majority = int(np.bincount(y_true, minlength=len(CLASSES)).argmax())
    rows = {"majority class": np.full(len(y_true), majority)} | dict(predictions)
    out = []
    for name, pred in rows.items():
        row = {"model": name, **beat_metrics(y_true, pred)}
        for metric in ("accuracy", "macro_f1"):
            _, low, high = stats.bootstrap_metric(y_true, pred, metric, groups=groups, n_classes=len(CLASSES),
                                                  n_boot=n_boot, seed=seed)
            row[f"{metric}_ci"] = f"[{low:.3f}, {high:.3f}]"
        row["protocol"] = INTRA_PATIENT_LABEL if protocol == "intra-patient" else protocol
        out.append(row)
    return pd.DataFrame(out).set_index("model")
