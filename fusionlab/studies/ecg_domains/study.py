"""The ECG study on MIT-BIH beats: the paper's deep models, with and without rhythm, a GBM baseline, per fold.

:func:`run_ecg_domains` loads the beats, makes folds under a protocol (:mod:`fusionlab.stats.mitdb_protocol`)
and, in each fold, trains every model of :data:`MODEL_DOMAINS` on the training records and predicts
the held-out records. Models are the paper's 1D-CNN, 2D-CNN, CNN-Transformer, Hybrid 1 and Hybrid 2
("Rethinking Multimodality"), each also **with rhythm** (the RR features of :mod:`fusionlab.data.rhythm`
as one more modality), the rhythm alone, and gradient-boosted trees on RR + morphology.

Training regime (chosen for patients the model has not seen):

- inputs are normalised per record (morphology by the record's typical amplitude, plus the deviation
  from the record's median beat; RR by the record's mean RR) -- no labels involved;
- ``val_records`` training records are held out of each fold's training split; training stops when
  their loss has not improved for ``patience`` epochs and the best epoch's weights are kept, so the
  number of epochs is chosen on validation *records* only (their beats are capped per class so the
  validation loss weighs the classes alike);
- the majority class is capped at ``max_majority`` training beats, and the loss is class-weighted
  (``balancing="class_weight"``); the paper's ADASYN is one extra row per model in ``adasyn_models``;
- every model is trained with ``seeds`` seeds: the first seed's predictions fill the tables, all
  seeds' scores give the spread (:attr:`EcgDomainResult.seed_scores`).

Caches: the inputs of every beat are computed once (:func:`fusionlab.studies.ecg_domains.features.beat_inputs`), and the
whole result is stored (:func:`fusionlab.cache.cached_result`, no pickle) in ``<build>/ecg-domains/<key>/``, the key hashing the settings, the
folder, the records *and the source code* of the study, so lessons 08, 10 and 11 share one training run
and a code change never serves a stale result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from fusionlab.cache import cached_result
from fusionlab.data.balance import BALANCING, balance_beats, class_weights
from fusionlab.data.course_data import locate
from fusionlab.data.mitdb import SMOKE_RECORDS, available_records, load_mitdb_beats, record_split
from fusionlab.models.ecg_domains import ecg_domain_net
from fusionlab.models.product_of_experts import ProductOfExperts, product_of_experts
from fusionlab.repro import get_device, seed_everything
from fusionlab.spectral.beat_views import ViewScaler, ViewSettings, beat_views, view_specs, views_to_dataset
from fusionlab.stats.mitdb_protocol import (
    CLASSES,
    beat_metrics,
    drop_unscored,
    make_folds,
    metrics_table,
    resolve_protocol,
)
from fusionlab.studies.base import ProfileSettings, Result
from fusionlab.studies.ecg_domains.baseline import baseline_features, gbm_baseline
from fusionlab.studies.ecg_domains.features import INPUT_MODULES, beat_inputs, code_version
from fusionlab.train.loop import TrainConfig, fit, predict

# Deep models: name -> modalities fused ("time", "tf", "freq" views of the beat; "rhythm" RR features).
MODEL_DOMAINS = {
    "1D-CNN": ("time",),
    "2D-CNN": ("tf",),
    "CNN-Transformer": ("freq",),
    "Hybrid 1": ("time", "tf"),
    "Hybrid 2": ("time", "tf", "freq"),
    "Rhythm only": ("rhythm",),
    "1D-CNN + rhythm": ("time", "rhythm"),
    "2D-CNN + rhythm": ("tf", "rhythm"),
    "CNN-Transformer + rhythm": ("freq", "rhythm"),
    "Hybrid 1 + rhythm": ("time", "tf", "rhythm"),
    "Hybrid 2 + rhythm": ("time", "tf", "freq", "rhythm"),
}
GBM = "GBM (RR + morphology)"
ADASYN_SUFFIX = " [ADASYN]"
LATE_SUFFIX = " (late)"
STUDY_MODULES = (*INPUT_MODULES, "fusionlab.studies.ecg_domains.study", "fusionlab.data.balance", "fusionlab.studies.ecg_domains.baseline",
                 "fusionlab.stats.mitdb_protocol", "fusionlab.models.ecg_domains", "fusionlab.models.encoders.rhythm",
                 "fusionlab.models.multimodal", "fusionlab.models.product_of_experts", "fusionlab.train.loop")


def late_fusion_name(experts: Sequence[str]) -> str:
    """Row name of the product of two (or more) trained models: ``"1D-CNN x Rhythm only (late)"``."""
    return " x ".join(experts) + LATE_SUFFIX


def late_fusion_experts(name: str) -> tuple[str, ...] | None:
    """The models a late-fusion row multiplies (``"1D-CNN x Rhythm only (late)"`` -> both), else None."""
    if not name.endswith(LATE_SUFFIX):
        return None
    return tuple(name.removesuffix(LATE_SUFFIX).split(" x "))


def morphology_expert(name: str) -> str | None:
    """The morphology model of a late fusion ``"<model> x Rhythm only (late)"`` (``"1D-CNN"``), else None."""
    experts = late_fusion_experts(name)
    if experts is None or len(experts) != 2 or "Rhythm only" not in experts or len(set(experts)) != 2:
        return None
    return next(e for e in experts if e != "Rhythm only")


def model_modalities(name: str) -> tuple[str, ...]:
    """Modalities of a model row (``"<model> [ADASYN]"`` and late-fusion rows included); unknown names raise."""
    experts = late_fusion_experts(name)
    if experts is not None:
        return tuple(dict.fromkeys(m for expert in experts for m in model_modalities(expert)))
    base = name.removesuffix(ADASYN_SUFFIX)
    if base not in MODEL_DOMAINS:
        raise KeyError(f"unknown ECG model {name!r}; known: {list(MODEL_DOMAINS)} (optionally + {ADASYN_SUFFIX!r})")
    return MODEL_DOMAINS[base]


def without_rhythm(name: str) -> str | None:
    """The same model without the rhythm modality (``"Hybrid 1 + rhythm"`` -> ``"Hybrid 1"``; a late fusion
    of a model with ``"Rhythm only"`` -> that model), else None."""
    if late_fusion_experts(name) is not None:
        return morphology_expert(name)
    base = name.removesuffix(ADASYN_SUFFIX)
    return base.removesuffix(" + rhythm") + name[len(base):] if base.endswith(" + rhythm") else None


@dataclass
class EcgSettings(ProfileSettings):
    """Everything one study run depends on (``EcgSettings.for_profile(profile, **overrides)``; it is the cache key).

    Attributes
    ----------
    records : sequence of str, optional
        Records to use; default every DS1/DS2 record present in the folder.
    protocol : {"auto", "inter-patient", "record-cv", "intra-patient"}
    n_folds : int
        Record-cv folds.
    models : sequence of str
        Keys of :data:`MODEL_DOMAINS` to train (the GBM baseline always runs).
    balancing : {"adasyn", "class_weight", "none"}
        Balancing of every model's training beats.
    adasyn_models : sequence of str
        Models also trained on ADASYN-balanced beats (rows ``"<model> [ADASYN]"``), the paper's choice.
    late_fusion : sequence of tuple of str
        Decision-level fusions of trained models (each a tuple of ``models``): row ``"a x b (late)"``, the
        product of their probabilities (:mod:`fusionlab.models.product_of_experts`); no extra training.
    max_majority : int
        Training beats kept per class (random under-sampling of the majority; ADASYN fills up to it).
    gbm_max_majority : int, optional
        The same cap for the GBM baseline (None: every training beat, as in the de Chazal protocol).
    num_epochs : int
        Maximum epochs; training stops ``patience`` epochs after the best validation loss.
    val_records : int
        Training records held out per fold for early stopping (0: train ``num_epochs``, no validation).
    val_cap : int
        Validation beats kept per class.
    seeds : int
        Training seeds per model (the spread is reported).
    record_norm, deviation : bool
        Per-record normalisation of the morphology; the deviation from the record's median beat as a
        second channel of the time view.
    sfreq : float
        Beats are resampled to this rate (128 Hz: 90-sample beats).
    """

    records: Sequence[str] | None = None
    protocol: str = "auto"
    n_folds: int = 3
    models: Sequence[str] = tuple(MODEL_DOMAINS)
    balancing: str = "class_weight"
    adasyn_models: Sequence[str] = ()
    late_fusion: Sequence[tuple[str, ...]] = ()
    max_majority: int = 3000
    gbm_max_majority: int | None = None
    num_epochs: int = 20
    patience: int = 3
    val_records: int = 3
    val_cap: int = 400
    seeds: int = 1
    batch_size: int = 128
    lr: float = 2e-3
    d_model: int = 32
    dropout: float = 0.3
    record_norm: bool = True
    deviation: bool = True
    sfreq: float = 128.0
    views: ViewSettings = field(default_factory=ViewSettings)
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = [m for m in (*self.models, *self.adasyn_models) if m not in MODEL_DOMAINS]
        if unknown:
            raise ValueError(f"EcgSettings: unknown models {unknown}; choose from {list(MODEL_DOMAINS)}")
        self.late_fusion = tuple(tuple(experts) for experts in self.late_fusion)
        for experts in self.late_fusion:
            if len(experts) < 2 or not set(experts) <= set(self.models):
                raise ValueError(f"EcgSettings.late_fusion: {list(experts)} must name >= 2 of the trained models "
                                 f"{list(self.models)}")
        if self.balancing not in BALANCING:
            raise ValueError(f"EcgSettings.balancing must be one of {BALANCING}, got {self.balancing!r}")
        if self.seeds < 1 or self.val_records < 0 or self.num_epochs < 1:
            raise ValueError(f"EcgSettings: need seeds >= 1, val_records >= 0, num_epochs >= 1; got seeds="
                             f"{self.seeds}, val_records={self.val_records}, num_epochs={self.num_epochs}")

    def row_names(self) -> list[str]:
        """Every row of the study's tables except the majority class: models, ADASYN rows, late fusions, GBM."""
        return [*self.models, *(m + ADASYN_SUFFIX for m in self.adasyn_models),
                *(late_fusion_name(experts) for experts in self.late_fusion), GBM]

    @classmethod
    def _profiles(cls) -> dict[str, EcgSettings]:
        return _profile_settings()


@dataclass
class EcgDomainResult:
    """Out-of-fold predictions of every model plus what lessons 10 and 11 need.

    Attributes
    ----------
    protocol : str
    y_true, records, fold : ndarray, shape (n_test_beats,)
        True labels (0..3 = N/S/V/F), record and fold of every tested beat.
    predictions : dict model -> ndarray (n_test_beats,)
        First seed's predictions.
    features : dict model -> ndarray (n_fold0, d)
        Penultimate (fused) features of the first fold's test beats; ``"<model>/<modality>"`` are a
        multimodal model's pooled branch features.
    feature_labels : ndarray (n_fold0,)
    state_dicts : dict model -> dict
        First fold's trained weights (rebuild with :func:`rebuild_model`).
    specs, scaler : what the first fold's models were built on
    train_seconds, train_beats_per_s : dict model -> float (summed / averaged over folds and seeds)
    folds : list of dict
        Records (train, validation, test), beat counts and best epochs of each fold.
    seed_scores : DataFrame
        One row per (model, seed): macro-F1, Se and PPV of S of the out-of-fold predictions.
    """

    settings: dict
    protocol: str
    y_true: np.ndarray
    records: np.ndarray
    fold: np.ndarray
    predictions: dict
    features: dict
    feature_labels: np.ndarray
    state_dicts: dict
    specs: dict
    scaler: ViewScaler
    train_seconds: dict
    train_beats_per_s: dict
    folds: list
    seed_scores: pd.DataFrame = field(default_factory=pd.DataFrame)


def load_ecg_beats(folder: str | Path, settings: EcgSettings):
    """MLII beats (0.25 s before, 0.45 s after R) of the chosen records, N/S/V/F only."""
    records = list(settings.records) if settings.records is not None else available_records(folder)
    beats = load_mitdb_beats(folder, records, leads=("MLII",), sfreq=settings.sfreq)
    return drop_unscored(beats)


def _loss(weights: torch.Tensor | None):
    def loss_fn(model, batch):
        logits = model(batch["inputs"], batch["mask"])
        w = None if weights is None else weights.to(logits.device)
        return F.cross_entropy(logits, batch["label"], weight=w)
    return loss_fn


@torch.no_grad()
def penultimate_features(model, data, batch_size: int = 1024, device="cpu") -> dict[str, np.ndarray]:
    """``{"fused": (n, d)}`` plus each branch's pooled feature ``{domain: (n, d)}`` of a domain model."""
    model.eval().to(device)
    parts: dict[str, list] = {}
    for start in range(0, len(data), batch_size):
        batch = data[torch.arange(start, min(start + batch_size, len(data)))]
        inputs = {m: x.to(device) for m, x in batch["inputs"].items()}
        out = model(inputs, batch["mask"].to(device), return_all=True)
        parts.setdefault("fused", []).append(out.fused.cpu())
        for m, e in out.embeddings.items():
            parts.setdefault(m, []).append(e.cpu())
    return {k: torch.cat(v).numpy() for k, v in parts.items()}


def rebuild_model(result: EcgDomainResult, name: str):
    """The first fold's trained model ``name`` (eval mode, CPU); a late-fusion row rebuilds its experts."""
    experts = late_fusion_experts(name)
    if experts is not None:
        return ProductOfExperts({e: (rebuild_model(result, e), model_modalities(e)) for e in experts}).eval()
    if name not in result.state_dicts:
        raise KeyError(f"no trained weights for {name!r}; have {sorted(result.state_dicts)}")
    s = result.settings
    domains = model_modalities(name)
    model = ecg_domain_net({d: result.specs[d] for d in domains}, len(CLASSES), d_model=s["d_model"],
                           dropout=s["dropout"])
    model.load_state_dict(result.state_dicts[name])
    return model.eval()


def run_ecg_domains(folder: str | Path, settings: EcgSettings, *, device: str = "auto", cache: bool = True,
                    log=print) -> EcgDomainResult:
    """Train and evaluate every model of the study under ``settings.protocol`` (cached, see module doc)."""
    folder = Path(folder)
    records = list(settings.records) if settings.records is not None else available_records(folder)
    protocol = resolve_protocol(settings.protocol, records)
    params = {"settings": asdict(settings), "folder": str(folder.resolve()), "records": list(records),
              "code": code_version(STUDY_MODULES)}
    return cached_result("ecg-domains", "ecg-domains", params,
                         lambda: _run_ecg_domains(folder, protocol, settings, device, log), cache=cache, log=log)


def validation_records(beats, train_index: np.ndarray, n_records: int, seed: int) -> list[str]:
    """``n_records`` training records held out for early stopping, chosen so that both sides keep
    every class that more than one training record holds (:func:`fusionlab.data.mitdb.record_split`)."""
    records = sorted(set(beats.records[train_index]))
    if n_records == 0 or len(records) < 3:
        return []
    sub = beats.subset(train_index)
    _, val = record_split(records, val_fraction=min(n_records, len(records) - 2) / len(records), seed=seed,
                          stratify_by=sub)
    return val


def cap_per_class(labels: np.ndarray, cap: int, seed: int) -> np.ndarray:
    """Indices (sorted) keeping at most ``cap`` random items of each class."""
    rng = np.random.default_rng(seed)
    keep = [rng.permutation(np.flatnonzero(labels == c))[:cap] for c in np.unique(labels)]
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.int64)


def _take(inputs: dict, index: np.ndarray, modalities) -> dict[str, np.ndarray]:
    return {m: np.asarray(inputs[m][index]) for m in modalities}


def _adasyn_inputs(inputs: dict, labels: np.ndarray, settings: EcgSettings, sfreq: float, seed: int):
    """ADASYN on the concatenated (time, rhythm) vector of each beat; views of synthetic beats from their time view."""
    time, rhythm = inputs["time"], inputs["rhythm"]
    flat = np.concatenate([time.reshape(len(time), -1), rhythm], axis=1)
    x, y, synthetic = balance_beats(flat, labels, method="adasyn", seed=seed)
    time_out = x[:, :time[0].size].reshape(len(x), *time.shape[1:]).astype(np.float32)
    out = {"time": time_out, "rhythm": x[:, time[0].size:].astype(np.float32)}
    beat = time_out[:, 0] if time_out.ndim == 3 else time_out
    new_views = beat_views(beat[synthetic], sfreq, settings.views)
    for view in ("tf", "freq"):
        out[view] = np.concatenate([inputs[view], new_views[view]]).astype(np.float32)
    return out, y


def scale_inputs(scaler: ViewScaler, inputs: dict) -> dict:
    """Standardise the beat views; the rhythm features are already unitless log-ratios."""
    out = scaler.transform({k: v for k, v in inputs.items() if k != "rhythm"})
    if "rhythm" in inputs:
        out["rhythm"] = np.asarray(inputs["rhythm"], dtype=np.float32)
    return out


def train_model(name: str, domains, train_inputs, y_train, val_data, settings: EcgSettings, seed: int, device,
                *, build: Callable[[dict], torch.nn.Module] | None = None):
    """Train one model row of the study on scaled inputs; returns ``(model, specs, history)``.

    ``val_data`` is ``(inputs, labels)`` of the validation records (early stopping) or None; the loss is
    class-weighted when ``settings.balancing == "class_weight"``, except for ``[ADASYN]`` rows. ``build(specs)``
    makes another network than :func:`~fusionlab.models.ecg_domains.ecg_domain_net`, trained the same way.
    """
    seed_everything(seed)
    specs = view_specs(train_inputs, domains)
    model = (build(specs) if build is not None
             else ecg_domain_net(specs, len(CLASSES), d_model=settings.d_model, dropout=settings.dropout))
    weights = (torch.tensor(class_weights(y_train, len(CLASSES)), dtype=torch.float32)
               if settings.balancing == "class_weight" and not name.endswith(ADASYN_SUFFIX) else None)
    config = TrainConfig(num_epochs=settings.num_epochs, batch_size=settings.batch_size, lr=settings.lr,
                         patience=settings.patience if val_data is not None else None, progress=False, seed=seed)
    val = None if val_data is None else views_to_dataset(val_data[0], val_data[1], domains)
    history = fit(model, views_to_dataset(train_inputs, y_train, domains), val, config=config, device=device,
                  loss_fn=_loss(weights))
    return model, specs, history


def _run_ecg_domains(folder: Path, protocol: str, settings: EcgSettings, device: str, log) -> EcgDomainResult:
    device = get_device(device)
    beats = load_ecg_beats(folder, settings)
    t0 = time.perf_counter()
    inputs = beat_inputs(beats, settings.views, record_norm=settings.record_norm, deviation=settings.deviation)
    log(f"inputs of {len(beats)} beats: {time.perf_counter() - t0:.0f} s (cached on disk for the next run)")
    folds = make_folds(beats, protocol, n_folds=settings.n_folds, seed=settings.seed)
    rows = settings.row_names()
    preds = {m: [] for m in rows}
    seed_probs = {(m, s): [] for m in rows if m != GBM for s in range(settings.seeds)}
    y_true, rec, fold_of, fold_info = [], [], [], []
    seconds = {m: 0.0 for m in rows}
    beats_seen = {m: 0 for m in rows}
    features, state_dicts, specs, scaler, feature_labels = {}, {}, {}, None, None
    plan = [(m, MODEL_DOMAINS[m]) for m in settings.models] + \
           [(m + ADASYN_SUFFIX, MODEL_DOMAINS[m]) for m in settings.adasyn_models]
    for k, fold in enumerate(folds):
        val_recs = validation_records(beats, fold.train, settings.val_records, settings.seed + k)
        fit_index = fold.train[~np.isin(beats.records[fold.train], val_recs)]
        val_index = fold.train[np.isin(beats.records[fold.train], val_recs)]
        test = beats.subset(fold.test)
        log(f"{fold.name}: train {len(fit_index)} beats, validation records {val_recs}, "
            f"test {len(test)} beats of {len(fold.test_records)} records")
        # Classical baseline on all training beats (class-weighted; it needs no validation records).
        tic = time.perf_counter()
        gbm_index = fold.train if settings.gbm_max_majority is None else \
            fold.train[cap_per_class(beats.labels[fold.train], settings.gbm_max_majority, settings.seed + k)]
        train_all = beats.subset(gbm_index)
        gbm = gbm_baseline(settings.seed).fit(baseline_features(train_all.windows, train_all.rr), train_all.labels)
        seconds[GBM] += time.perf_counter() - tic
        beats_seen[GBM] += len(train_all)
        preds[GBM].append(gbm.predict(baseline_features(test.windows, test.rr)))
        # Deep models: cap each class, standardise with training statistics only.
        capped = fit_index[cap_per_class(beats.labels[fit_index], settings.max_majority, settings.seed + k)]
        y_fit = beats.labels[capped]
        fit_inputs = _take(inputs, capped, inputs)
        fold_scaler = ViewScaler.fit({v: fit_inputs[v] for v in ("time", "tf", "freq")})
        fit_scaled = scale_inputs(fold_scaler, fit_inputs)
        test_scaled = scale_inputs(fold_scaler, _take(inputs, fold.test, inputs))
        val_data = None
        if len(val_index):
            val_keep = val_index[cap_per_class(beats.labels[val_index], settings.val_cap, settings.seed + k)]
            val_data = (scale_inputs(fold_scaler, _take(inputs, val_keep, inputs)), beats.labels[val_keep])
        adasyn = None
        info = {"fold": fold.name, "train_records": tuple(map(str, fold.train_records)), "val_records": tuple(map(str, val_recs)),
                "test_records": tuple(map(str, fold.test_records)), "n_train": len(fit_index), "n_train_capped": len(capped),
                "n_val": len(val_index), "n_test": len(test), "best_epoch": {}}
        for name, domains in plan:
            if name.endswith(ADASYN_SUFFIX) and adasyn is None:
                raw, y_ada = _adasyn_inputs(fit_inputs, y_fit, settings, beats.sfreq, settings.seed + k)
                adasyn = (scale_inputs(fold_scaler, raw), y_ada)
            train_x, train_y = adasyn if name.endswith(ADASYN_SUFFIX) else (fit_scaled, y_fit)
            test_data = views_to_dataset(test_scaled, test.labels, domains)
            for s in range(settings.seeds):
                seed = settings.seed + 1000 * s + k
                model, fold_specs, history = train_model(name, domains, train_x, train_y, val_data, settings, seed,
                                                        device)
                seconds[name] += history.seconds
                beats_seen[name] += len(train_y) * len(history.epochs)
                probs, _ = predict(model, test_data, device=device)
                seed_probs[(name, s)].append(probs)
                info["best_epoch"].setdefault(name, []).append(history.best_epoch + 1)
                if s:
                    continue
                preds[name].append(probs.argmax(1))
                log(f"  {name}: {history.seconds:.0f} s, best epoch {history.best_epoch + 1}/{len(history.epochs)}")
                if k == 0:
                    feats = penultimate_features(model, test_data, device=device)
                    features[name] = feats["fused"]
                    if len(domains) > 1:
                        features.update({f"{name}/{d}": feats[d] for d in domains})
                    state_dicts[name] = {n: t.cpu() for n, t in model.state_dict().items()}
                    specs.update(fold_specs)
        if k == 0:
            scaler, feature_labels = fold_scaler, test.labels.copy()
        fold_info.append(info)
        y_true.append(test.labels), rec.append(test.records), fold_of.append(np.full(len(test), k))
    y_all = np.concatenate(y_true)
    # Late fusion: the product of trained models' probabilities, per seed and fold (nothing is trained).
    for experts in settings.late_fusion:
        name = late_fusion_name(experts)
        for s in range(settings.seeds):
            seed_probs[(name, s)] = [product_of_experts(parts) for parts in
                                     zip(*(seed_probs[(e, s)] for e in experts), strict=True)]
        preds[name] = [p.argmax(1) for p in seed_probs[(name, 0)]]
        seconds[name] = sum(seconds[e] for e in experts)
        beats_seen[name] = sum(beats_seen[e] for e in experts)
    seed_rows = []
    for (name, s), parts in seed_probs.items():
        m = beat_metrics(y_all, np.concatenate(parts).argmax(1))
        seed_rows.append({"model": name, "seed": s, "macro_f1": m["macro_f1"], "Se_S": m["Se_S"], "PPV_S": m["PPV_S"]})
    return EcgDomainResult(
        settings=asdict(settings), protocol=protocol, y_true=y_all, records=np.concatenate(rec),
        fold=np.concatenate(fold_of), predictions={m: np.concatenate(v) for m, v in preds.items()},
        features=features, feature_labels=feature_labels, state_dicts=state_dicts, specs=specs, scaler=scaler,
        train_seconds=seconds, train_beats_per_s={m: beats_seen[m] / max(seconds[m], 1e-9) for m in rows},
        folds=fold_info, seed_scores=pd.DataFrame(seed_rows))


CLASS_MODELS = ("1D-CNN", "Hybrid 1", "Rhythm only", "1D-CNN + rhythm", "Hybrid 1 + rhythm")
# Decision-level fusion of the morphology models with the rhythm model (no extra training).
LATE_PAIRS = (("1D-CNN", "Rhythm only"), ("Hybrid 1", "Rhythm only"))
CLASS_VIEWS = ViewSettings(n_scales=16, time_pool=3)  # 16 x 30 scalograms: a 2D-CNN epoch ~2x faster than 24 x 45


def study_settings(profile: str, *, protocol: str = "auto", seed: int = 0) -> EcgSettings:
    """The study's settings in a notebook profile.

    ``smoke``: 6 records, 2 record folds, 2 epochs, 300 training beats per class, 3 models.
    ``standard`` (class time, <= 5 min on a 2-core CPU): every record present, 3 folds, the models
    of :data:`CLASS_MODELS` (with and without rhythm) + the ADASYN row of ``1D-CNN + rhythm`` + the late
    fusions of :data:`LATE_PAIRS` (products of trained models' probabilities),
    <= 10 epochs with early stopping (patience 2), 1000 training beats per class (GBM: 3000),
    16 x 30 scalograms, 1 seed.
    ``extended``: every model of :data:`MODEL_DOMAINS`, ADASYN rows for Hybrid 1 (+ rhythm),
    3000 beats per class, <= 30 epochs, 3 seeds (the old standard's data size; about an hour on a CPU).
    ``full``: 5 folds, 20000 beats per class, <= 60 epochs, 5 seeds (GPU).
    """
    return EcgSettings.for_profile(profile, protocol=protocol, seed=seed)


def _profile_settings() -> dict[str, EcgSettings]:
    """The four profiles' settings (documented in :func:`study_settings`)."""
    return {
        "smoke": EcgSettings(records=SMOKE_RECORDS, n_folds=2, num_epochs=2, max_majority=300,
                             models=("1D-CNN", "Rhythm only", "1D-CNN + rhythm"), adasyn_models=("1D-CNN + rhythm",),
                             late_fusion=(("1D-CNN", "Rhythm only"),),
                             val_records=2, val_cap=100, patience=1),
        "standard": EcgSettings(n_folds=3, models=CLASS_MODELS,
                                adasyn_models=("1D-CNN + rhythm",), late_fusion=LATE_PAIRS,
                                num_epochs=10, patience=2, max_majority=1000, gbm_max_majority=3000,
                                views=CLASS_VIEWS),
        "extended": EcgSettings(n_folds=3, models=tuple(MODEL_DOMAINS),
                                adasyn_models=("Hybrid 1", "Hybrid 1 + rhythm"), late_fusion=LATE_PAIRS,
                                num_epochs=30, patience=5, max_majority=3000, seeds=3),
        "full": EcgSettings(n_folds=5, models=tuple(MODEL_DOMAINS),
                            adasyn_models=("Hybrid 1", "Hybrid 1 + rhythm"), late_fusion=LATE_PAIRS,
                            num_epochs=60, patience=8, max_majority=20000, seeds=5, d_model=64)}


# ------------------------------------------------------------------------------- the common study shape
Settings = EcgSettings
"""This study's settings (:mod:`fusionlab.studies.base`): ``Settings.for_profile(profile, **overrides)``."""


def run(settings: EcgSettings, *, device: str | torch.device = "auto", cache: bool = True,
        folder: str | Path | None = None, n_boot: int = 1000, log=print) -> Result:
    """The whole study (:func:`run_ecg_domains`, cached) and its tables.

    Returns
    -------
    Result
        ``tables``: ``metrics`` (:func:`~fusionlab.stats.mitdb_protocol.metrics_table` of the first seed's
        out-of-fold predictions, record-bootstrap CIs with ``n_boot`` resamples), ``seed_scores`` (one row per
        model and seed), ``timing`` (training seconds and beats per second per model);
        ``extras["result"]``: the :class:`EcgDomainResult` (predictions, features, weights, folds).
    """
    folder = Path(folder) if folder is not None else locate("mitdb")
    result = run_ecg_domains(folder, settings, device=device, cache=cache, log=log)
    tables = {
        "metrics": metrics_table(result.y_true, result.predictions, groups=result.records, n_boot=n_boot,
                                 seed=settings.seed, protocol=result.protocol),
        "seed_scores": result.seed_scores,
        "timing": pd.DataFrame({"train_seconds": result.train_seconds,
                                "train_beats_per_s": result.train_beats_per_s}).rename_axis("model").reset_index(),
    }
    return Result("ecg-domains", settings, tables, protocol=result.protocol, extras={"result": result})
