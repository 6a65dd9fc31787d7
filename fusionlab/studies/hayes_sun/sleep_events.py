"""Hayes & Sun on sleep events: the four variants on pretrained-encoder tokens (Table II) and the
modality ablation of Enhanced Late Fusion (Table V). Notebook 06 calls these.

Pipeline: each event gives four modalities -- the EEG window (AST log-mel -> AST), a clinical note
written from the metadata (-> text encoder), the metadata itself (serialised text -> text encoder, or
one-hot codes for learned embeddings) and a rendered snapshot (-> ViT). The backbones are frozen, so
:func:`event_features` runs each once per event through an
:class:`~fusionlab.models.encoders.cache.EmbeddingCache`; the four registered variants are then built
with ``frozen_features=True`` on the cached tokens ``(L, width)`` and only their fusion part trains.
Splits are subject-wise: no person is in both training and test data; features are standardised
with statistics of the training fold only.

**The classes are our assumption.** Hayes & Sun classify 3 classes of "sleep events" of the CAP
Sleep Database but never name them. This module (and notebook 06) assumes the task is the CAP
A-phase subtype -- A1, A2, A3 (``MCAP-A1``..., the ``type`` column of the CAP scorings) -- the
natural 3-class event task of that database; the paper's own task may differ.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from fusionlab.data.batches import MultimodalTensorDataset
from fusionlab.data.events.cap import cap_sleep_events
from fusionlab.data.events.images import render_events
from fusionlab.data.events.metadata import DEFAULT_FIELDS, encode_metadata, serialize_metadata
from fusionlab.data.events.notes import clinical_notes
from fusionlab.data.fetchers import dataset_dir
from fusionlab.data.synthetic.events import SleepEventSet, synthetic_event_dataset
from fusionlab.models import ModalitySpec, count_parameters, create_model
from fusionlab.models.encoders.backbones import Backbone, ast_backbone, minilm_backbone, vit_backbone
from fusionlab.models.encoders.cache import EmbeddingCache
from fusionlab.models.hayes_sun import HAYES_SUN_VARIANTS
from fusionlab.paths import build_dir
from fusionlab.repro import get_device, seed_everything
from fusionlab.spectral import ast_log_mel
from fusionlab.studies.base import ProfileSettings, Result
from fusionlab.train import metrics
from fusionlab.train.loop import TrainConfig, fit, predict

EVENT_MODALITIES: tuple[str, ...] = ("eeg", "metadata", "text", "image")
EVENT_DATASETS: tuple[str, ...] = ("synthetic", "cap")


def load_events(dataset: str = "synthetic", *, n_events: int = 600, n_subjects: int = 8, seed: int = 0,
                cap_dir: str | Path | None = None, window: float = 20.0) -> SleepEventSet:
    """The A-phase events notebook 06 classifies.

    Parameters
    ----------
    dataset : {"synthetic", "cap"}
        ``"synthetic"``: CAP-like events of the data layer (``n_events`` from ``n_subjects`` people).
        ``"cap"``: every A1/A2/A3 phase of the CAP Sleep Database nights in ``cap_dir`` (the paper's data).
    cap_dir : path, optional
        Folder of CAP nights (``<name>.edf`` + ``<name>.txt``); default the fetch cache ``data/cap``
        (``fusionlab fetch cap --records n1 n2 ...``).
    window : float
        Seconds of EEG per event.
    """
    if dataset == "synthetic":
        return synthetic_event_dataset(n_events, seed=seed, n_subjects=n_subjects, window=window)
    if dataset == "cap":
        return cap_sleep_events(cap_dir or dataset_dir("cap"), window=window)
    raise ValueError(f"unknown event dataset {dataset!r}; expected one of {EVENT_DATASETS}")


def default_backbones(*, seed: int = 0, ast_frames: int = 16, image_size: int = 64) -> dict[str, Backbone]:
    """The offline backbones, frozen: AST and ViT from small configs (random weights), MiniLM (real weights)."""
    return {"eeg": ast_backbone(n_frames=ast_frames, seed=seed).freeze(), "text": minilm_backbone().freeze(),
            "image": vit_backbone(img_size=image_size, seed=seed).freeze()}


@dataclass
class EventFeatures:
    """Cached backbone tokens of every event, ready for the variants.

    Attributes
    ----------
    inputs : dict modality -> ndarray, shape (n_events, L_m, width_m), float32
    labels, subjects : ndarray, shape (n_events,)
    notes : list of str
    classes : tuple of str
    """

    inputs: dict[str, np.ndarray]
    labels: np.ndarray
    subjects: np.ndarray
    notes: list[str]
    classes: tuple[str, ...]

    def specs(self, modalities: Sequence[str] | None = None) -> dict[str, ModalitySpec]:
        names = list(modalities) if modalities is not None else list(self.inputs)
        return {m: ModalitySpec(m, tuple(self.inputs[m].shape[1:]), kind="features") for m in names}

    def standardizer(self, index: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Mean and std of every (token, feature) position over the events at ``index`` (a training fold).

        Frozen random transformers put almost all of a token's variance in directions shared by every
        event (std across events ~0.08 against 1 overall for the AST tokens); standardising with
        training statistics makes the event-to-event differences visible to the fusion layers.
        """
        return {m: (x[index].mean(0), x[index].std(0) + 1e-6) for m, x in self.inputs.items()}

    def dataset(self, index: np.ndarray | None = None, modalities: Sequence[str] | None = None,
                standardize: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None) -> MultimodalTensorDataset:
        names = list(modalities) if modalities is not None else list(self.inputs)
        unknown = [m for m in names if m not in self.inputs]
        if unknown:
            raise ValueError(f"unknown modalities {unknown}; these features have {list(self.inputs)}")
        index = np.arange(len(self.labels)) if index is None else np.asarray(index)
        inputs = {}
        for m in names:
            x = self.inputs[m][index]
            if standardize is not None:
                mean, std = standardize[m]
                x = (x - mean) / std
            inputs[m] = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        return MultimodalTensorDataset(inputs, torch.from_numpy(self.labels[index]))


def eeg_log_mel(eeg: np.ndarray, sfreq: float, n_frames: int, *, upsample: int = 1, chunk: int = 64) -> np.ndarray:
    """AST log-mel of each window, cut to the backbone's ``n_frames``: shape (n_events, n_frames, 128)."""
    parts = [ast_log_mel(eeg[i:i + chunk], sfreq, upsample=upsample)[:, :n_frames] for i in range(0, len(eeg), chunk)]
    return np.concatenate(parts).astype(np.float32)


def event_features(events: SleepEventSet, backbones: Mapping[str, Backbone], cache: EmbeddingCache, *,
                   notes: Sequence[str] | None = None, metadata: str = "text",
                   metadata_fields: Sequence[str] = DEFAULT_FIELDS, image_kind: str = "spectrogram",
                   upsample: int = 1, note_seed: int = 0) -> EventFeatures:
    """Every modality of ``events`` through its frozen backbone (cached).

    Parameters
    ----------
    events : SleepEventSet
    backbones : mapping with keys ``"eeg"``, ``"text"``, ``"image"`` (see :func:`default_backbones`)
    cache : EmbeddingCache
    notes : list of str, optional
        Clinical notes; default :func:`fusionlab.data.events.clinical_notes` (from the metadata only).
    metadata : {"text", "embedding"}
        Serialised text through the text backbone (the paper), or the one-hot/numeric codes
        ``(1, n_columns)`` that the variants' linear token embedding turns into learned embeddings.
    metadata_fields : sequence of str
    image_kind : {"spectrogram", "trace"}
    upsample : int
        Passed to :func:`fusionlab.spectral.ast_log_mel` (short windows need > 1 to fill a frame).
    """
    missing = [k for k in ("eeg", "text", "image") if k not in backbones]
    if missing:
        raise ValueError(f"backbones is missing {missing}; give a Backbone for eeg, text and image")
    table = events.table
    notes = list(notes) if notes is not None else clinical_notes(table, seed=note_seed)
    if len(notes) != len(table):
        raise ValueError(f"notes has {len(notes)} entries for {len(table)} events")
    eeg = backbones["eeg"]
    log_mel = eeg_log_mel(events.eeg, events.sfreq, eeg.n_frames, upsample=upsample)
    inputs = {"eeg": cache.embed(eeg, log_mel)}
    if metadata == "text":
        inputs["metadata"] = cache.embed(backbones["text"], serialize_metadata(table, metadata_fields))
    elif metadata == "embedding":
        inputs["metadata"] = encode_metadata(table, metadata_fields)[0][:, None, :]
    else:
        raise ValueError(f"metadata must be 'text' or 'embedding', got {metadata!r}")
    inputs["text"] = cache.embed(backbones["text"], notes)
    images = render_events(events.eeg, events.sfreq, kind=image_kind, size=backbones["image"].img_size[0])
    inputs["image"] = cache.embed(backbones["image"], images)
    return EventFeatures(inputs, events.labels.copy(), table["subject"].to_numpy(), notes, tuple(events.classes))


def subject_folds(subjects: np.ndarray, *, seed: int, mode: str = "holdout", test_share: float = 0.25,
                  val_share: float = 0.15) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Subject-wise (train, val, test) index triples.

    ``"holdout"``: one split, subjects shuffled with ``seed``, the first ``test_share`` of them for
    testing and the next ``val_share`` for validation. ``"loso"``: leave one subject out -- one
    fold per subject, with another subject (drawn with ``seed``) for validation; every event is
    tested exactly once.
    """
    subjects = np.asarray(subjects)
    unique = np.unique(subjects)
    if len(unique) < 3:
        raise ValueError(f"subject-wise splits need >= 3 subjects, got {len(unique)}")
    rng = np.random.default_rng(seed)
    if mode == "holdout":
        order = rng.permutation(unique)
        n_test = max(1, round(test_share * len(unique)))
        n_val = max(1, round(val_share * len(unique)))
        groups = [order[n_test + n_val:], order[n_test:n_test + n_val], order[:n_test]]
        return [tuple(np.flatnonzero(np.isin(subjects, g)) for g in groups)]
    if mode == "loso":
        folds = []
        for test_subject in unique:
            val_subject = rng.choice(unique[unique != test_subject])
            train = np.flatnonzero((subjects != test_subject) & (subjects != val_subject))
            folds.append((train, np.flatnonzero(subjects == val_subject), np.flatnonzero(subjects == test_subject)))
        return folds
    raise ValueError(f"mode must be 'holdout' or 'loso', got {mode!r}")


@dataclass
class EventStudySettings(ProfileSettings):
    """Sizes of the fusion part (the backbones are fixed) and the training loop:
    ``EventStudySettings.for_profile(profile, **overrides)`` (lesson 06's profiles)."""

    d_model: int = 32
    depth: int = 2
    n_heads: int = 4
    dropout: float = 0.1
    split: str = "holdout"
    train: TrainConfig = field(default_factory=lambda: TrainConfig(num_epochs=30, batch_size=64, lr=1e-3,
                                                                   patience=6, progress=False))

    def model_kwargs(self) -> dict[str, Any]:
        return {"d_model": self.d_model, "depth": self.depth, "n_heads": self.n_heads, "dropout": self.dropout,
                "frozen_features": True}

    @classmethod
    def _profiles(cls) -> dict[str, EventStudySettings]:
        """Lesson 06's profiles: ``standard`` is class time (<= 5 min on 2 CPU cores), ``extended`` the former
        standard (~19 min), ``full`` a wider model trained longer."""
        return {
            "smoke": cls(d_model=16, depth=1, n_heads=2,
                         train=TrainConfig(num_epochs=3, batch_size=64, lr=1e-3, patience=None, progress=False)),
            "standard": cls(d_model=32, depth=1, n_heads=4,
                            train=TrainConfig(num_epochs=12, batch_size=64, lr=2e-3, patience=4, progress=False)),
            "extended": cls(d_model=32, depth=2, n_heads=4,
                            train=TrainConfig(num_epochs=30, batch_size=64, lr=1e-3, patience=6, progress=False)),
            "full": cls(d_model=64, depth=2, n_heads=4,
                        train=TrainConfig(num_epochs=60, batch_size=64, lr=5e-4, patience=10, progress=False)),
        }


def run_variant(features: EventFeatures, variant: str, *, seed: int, settings: EventStudySettings,
                modalities: Sequence[str] | None = None, device: str | torch.device = "auto") -> dict[str, Any]:
    """Train ``variant`` on every subject-wise fold of ``seed``; metrics of the pooled test predictions.

    Returns
    -------
    dict
        ``variant, seed, accuracy, macro_f1, kappa, cross_entropy, parameters, trainable_parameters,
        seconds`` and ``probabilities`` / ``labels`` / ``test_index`` (pooled over folds).
    """
    device = get_device(device)
    names = list(modalities) if modalities is not None else list(features.inputs)
    specs = features.specs(names)
    n_classes = len(features.classes)
    tic = time.perf_counter()
    probs, labels, index = [], [], []
    for fold, (train, val, test) in enumerate(subject_folds(features.subjects, seed=seed, mode=settings.split)):
        seed_everything(1000 * seed + fold)
        model = create_model(variant, specs, n_classes, **settings.model_kwargs())
        stats = features.standardizer(train)
        fit(model, features.dataset(train, names, stats), features.dataset(val, names, stats),
            replace(settings.train, seed=1000 * seed + fold), device=device)
        p, y = predict(model, features.dataset(test, names, stats), device=device)
        probs.append(p), labels.append(y), index.append(test)
    probs, labels = np.concatenate(probs), np.concatenate(labels)
    return {"variant": variant, "seed": seed, **metrics.classification_metrics(labels, probs),
            "parameters": count_parameters(model), "trainable_parameters": count_parameters(model, True),
            "seconds": time.perf_counter() - tic, "probabilities": probs, "labels": labels,
            "test_index": np.concatenate(index)}


def run_event_table(features: EventFeatures, *, seeds: Sequence[int], settings: EventStudySettings,
                    variants: Sequence[str] = HAYES_SUN_VARIANTS, device: str | torch.device = "auto",
                    progress: bool = True) -> list[dict[str, Any]]:
    """Table II: every variant, once per seed (one result dict per run, see :func:`run_variant`)."""
    runs = []
    for seed in seeds:
        for variant in variants:
            runs.append(run_variant(features, variant, seed=seed, settings=settings, device=device))
            if progress:
                r = runs[-1]
                print(f"  seed {seed} {variant:<15} acc {r['accuracy']:.4f} F1 {r['macro_f1']:.4f} "
                      f"CE {r['cross_entropy']:.4f} ({r['seconds']:.0f} s)", flush=True)
    return runs


def run_ablation(features: EventFeatures, *, seeds: Sequence[int], settings: EventStudySettings,
                 variant: str = "enhanced_late", device: str | torch.device = "auto",
                 progress: bool = True) -> list[dict[str, Any]]:
    """Table V: ``variant`` retrained with each modality removed (``ablated`` = ``"none"`` for the full model)."""
    runs = []
    for ablated in ("none", *features.inputs):
        kept = [m for m in features.inputs if m != ablated]
        for seed in seeds:
            run = run_variant(features, variant, seed=seed, settings=settings, modalities=kept, device=device)
            run["ablated"] = ablated
            runs.append(run)
            if progress:
                print(f"  w/o {ablated:<9} seed {seed} acc {run['accuracy']:.4f} F1 {run['macro_f1']:.4f} "
                      f"CE {run['cross_entropy']:.4f} ({run['seconds']:.0f} s)", flush=True)
    return runs


def summarize_runs(runs: Sequence[Mapping[str, Any]], by: str = "variant",
                   paper: Mapping[str, tuple[float, float, float]] | None = None) -> pd.DataFrame:
    """Mean ± std over seeds of accuracy (%), macro-F1 and cross-entropy, with the paper's numbers beside.

    ``paper`` maps the ``by`` key to ``(accuracy %, macro-F1, loss)`` (e.g. ``HAYES_SUN_CAP``).
    """
    frame = pd.DataFrame([{k: v for k, v in r.items() if not isinstance(v, np.ndarray)} for r in runs])
    grouped = frame.groupby(by, sort=False)
    table = pd.DataFrame({
        "accuracy (%)": [f"{100 * m:.2f} ± {100 * s:.2f}" for m, s in
                         zip(grouped["accuracy"].mean(), grouped["accuracy"].std(ddof=1).fillna(0))],
        "macro-F1": [f"{m:.4f} ± {s:.4f}" for m, s in
                     zip(grouped["macro_f1"].mean(), grouped["macro_f1"].std(ddof=1).fillna(0))],
        "cross-entropy": [f"{m:.4f} ± {s:.4f}" for m, s in
                          zip(grouped["cross_entropy"].mean(), grouped["cross_entropy"].std(ddof=1).fillna(0))],
        "runs": grouped.size().to_numpy(),
    }, index=list(grouped.groups))
    table = table.loc[list(dict.fromkeys(frame[by]))]
    if paper is not None:
        table["paper acc. (%)"] = [paper[k][0] if k in paper else np.nan for k in table.index]
        table["paper F1"] = [paper[k][1] if k in paper else np.nan for k in table.index]
        table["paper loss"] = [paper[k][2] if k in paper else np.nan for k in table.index]
    table.index.name = by
    return table


def mean_metrics(runs: Sequence[Mapping[str, Any]], by: str = "variant") -> pd.DataFrame:
    """Mean accuracy, macro-F1 and cross-entropy per ``by`` key (numbers, for checks and plots)."""
    frame = pd.DataFrame([{k: v for k, v in r.items() if not isinstance(v, np.ndarray)} for r in runs])
    return frame.groupby(by, sort=False)[["accuracy", "macro_f1", "cross_entropy"]].mean()


def majority_baseline(features: EventFeatures, *, seed: int = 0, split: str = "holdout") -> dict[str, float]:
    """Predict the training-set class frequencies for every test event (the floor any model must beat)."""
    probs, labels = [], []
    n_classes = len(features.classes)
    for train, _, test in subject_folds(features.subjects, seed=seed, mode=split):
        prior = np.bincount(features.labels[train], minlength=n_classes) / len(train)
        probs.append(np.tile(prior, (len(test), 1))), labels.append(features.labels[test])
    return metrics.classification_metrics(np.concatenate(labels), np.concatenate(probs))


def leak_demo(events: SleepEventSet, backbones: Mapping[str, Backbone], cache: EmbeddingCache, *, seed: int,
              settings: EventStudySettings, variant: str = "enhanced_late", device: str | torch.device = "auto",
              **feature_kw) -> pd.DataFrame:
    """What a note that names the label does: ``variant`` on clean vs. leaky notes, text alone and all modalities.

    The leaky notes (:func:`fusionlab.data.events.leaky_notes`) append the class in words, as a note
    generator shown the label would. Test accuracy jumps -- and means nothing, because at test time
    in a clinic nobody has written the answer into the note.
    """
    from fusionlab.data.events.notes import leaky_notes

    rows = []
    clean = event_features(events, backbones, cache, **feature_kw)
    leaky = event_features(events, backbones, cache, notes=leaky_notes(events.table), **feature_kw)
    for notes, features in (("clean (metadata only)", clean), ("leaky (names the class)", leaky)):
        for modalities in (["text"], list(features.inputs)):
            run = run_variant(features, variant, seed=seed, settings=settings, modalities=modalities, device=device)
            rows.append({"notes": notes, "modalities": "+".join(modalities), "accuracy (%)": 100 * run["accuracy"],
                         "macro-F1": run["macro_f1"], "cross-entropy": run["cross_entropy"]})
    return pd.DataFrame(rows).set_index(["notes", "modalities"])


def _seed_predictions(runs: Sequence[Mapping[str, Any]], seed: int, by: str) -> tuple[np.ndarray, dict, np.ndarray]:
    chosen = [r for r in runs if r["seed"] == seed]
    if not chosen:
        raise ValueError(f"no run with seed {seed}; seeds present: {sorted({r['seed'] for r in runs})}")
    order = chosen[0]["test_index"]
    for r in chosen[1:]:
        if not np.array_equal(r["test_index"], order):
            raise ValueError("runs of one seed must share their test events (same subject-wise split)")
    return chosen[0]["labels"], {r[by]: r["probabilities"].argmax(1) for r in chosen}, order


def bootstrap_intervals(runs: Sequence[Mapping[str, Any]], features: EventFeatures, *, seed: int,
                        by: str = "variant", groups: str = "event", n_boot: int = 2000) -> pd.DataFrame:
    """Accuracy and macro-F1 of each model on the test events of ``seed``, with 95 % bootstrap intervals.

    ``groups="event"`` resamples events; ``"subject"`` resamples whole subjects (the cluster bootstrap:
    honest when events of one person are correlated, but only meaningful with many test subjects).
    """
    from fusionlab import stats

    labels, predictions, order = _seed_predictions(runs, seed, by)
    group_ids = features.subjects[order] if groups == "subject" else None
    rows = {}
    for name, pred in predictions.items():
        row = {}
        for metric in ("accuracy", "macro_f1"):
            est, low, high = stats.bootstrap_metric(labels, pred, metric, groups=group_ids,
                                                    n_classes=len(features.classes), n_boot=n_boot, seed=seed)
            scale = 100 if metric == "accuracy" else 1
            digits = 2 if metric == "accuracy" else 4
            row[f"{metric} [95% CI]"] = (f"{scale * est:.{digits}f} [{scale * low:.{digits}f}, "
                                         f"{scale * high:.{digits}f}]")
        rows[name] = row
    table = pd.DataFrame(rows).T
    table.index.name = by
    return table


def compare_variants(runs: Sequence[Mapping[str, Any]], features: EventFeatures, *, seed: int,
                     pairs: Sequence[tuple[str, str]], by: str = "variant", groups: str = "event",
                     n_boot: int = 2000) -> pd.DataFrame:
    """Paired bootstrap (and Bayesian bootstrap) of ``metric(A) - metric(B)`` on the test events of ``seed``.

    Wraps :func:`fusionlab.stats.compare_models` (Holm-corrected p-values over all rows).
    """
    from fusionlab import stats

    labels, predictions, order = _seed_predictions(runs, seed, by)
    group_ids = features.subjects[order] if groups == "subject" else None
    return stats.compare_models(labels, predictions, pairs, groups=group_ids, n_classes=len(features.classes),
                                n_boot=n_boot, seed=seed)


# ------------------------------------------------------------------------------- the common study shape
Settings = EventStudySettings
"""This study's settings (:mod:`fusionlab.studies.base`): ``Settings.for_profile(profile, **overrides)``."""


def run(settings: EventStudySettings, *, device: str | torch.device = "auto", cache: bool = True,
        seeds: Sequence[int] = (0,), features: EventFeatures | None = None, dataset: str = "synthetic",
        n_events: int = 600, n_subjects: int = 8, seed: int = 0, ablation: bool = True,
        progress: bool = True) -> Result:
    """Table II (:func:`run_event_table`) and, with ``ablation``, Table V (:func:`run_ablation`) of the events.

    ``features`` (default: :func:`load_events` of ``dataset`` through :func:`default_backbones`) are the frozen
    backbones' embeddings; with ``cache`` they are stored in ``<build>/embedding-cache`` (as lesson 06 does),
    else kept in memory only.

    Returns
    -------
    Result
        ``tables``: ``runs`` / ``ablation`` (one row per run: metrics, seconds; the arrays stay in extras),
        ``table2`` / ``table5`` (:func:`summarize_runs`); ``extras``: ``features``, ``runs``, ``ablation_runs``
        (the runners' dicts, with pooled test probabilities).
    """
    device = get_device(device)
    if features is None:
        events = load_events(dataset, n_events=n_events, n_subjects=n_subjects, seed=seed)
        store = EmbeddingCache(build_dir() / "embedding-cache" if cache else None)
        features = event_features(events, default_backbones(seed=seed), store)
    as_rows = lambda runs: pd.DataFrame([{k: v for k, v in r.items() if not isinstance(v, np.ndarray)} for r in runs])
    runs = run_event_table(features, seeds=seeds, settings=settings, device=device, progress=progress)
    tables = {"runs": as_rows(runs), "table2": summarize_runs(runs)}
    extras: dict[str, Any] = {"features": features, "runs": runs, "device": str(device)}
    if ablation:
        ablation_runs = run_ablation(features, seeds=seeds, settings=settings, device=device, progress=progress)
        tables["ablation"] = as_rows(ablation_runs)
        tables["table5"] = summarize_runs(ablation_runs, by="ablated")
        extras["ablation_runs"] = ablation_runs
    return Result("hayes-sun-events", settings, tables, protocol=settings.split, extras=extras)
