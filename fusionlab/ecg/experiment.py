"""The "Rethinking Multimodality" study on MIT-BIH beats: five deep models + a GBM baseline per fold.

:func:`run_ecg_domains` loads the beats, makes folds under a protocol (:mod:`fusionlab.ecg.protocol`),
and in each fold balances the *training* beats, computes the three views, trains the 1D-CNN,
2D-CNN, CNN-Transformer, Hybrid 1 and Hybrid 2 and the gradient-boosted baseline, and predicts the
held-out beats. The result holds out-of-fold predictions of every beat, the penultimate features of
the first fold's test beats (for notebook 10) and that fold's trained weights.

Cache: results are pickled to ``<build>/ecg-domains/<key>.pkl``, the key hashing the settings, the
folder and the records, so notebooks 08, 10 and 11 run with the same settings share one training run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from fusionlab.data.mitdb import DS1, DS2, load_mitdb_beats
from fusionlab.ecg.balance import balance_beats, class_weights
from fusionlab.ecg.baseline import baseline_features, gbm_baseline
from fusionlab.ecg.protocol import CLASSES, drop_unscored, make_folds, resolve_protocol
from fusionlab.ecg.views import ViewScaler, ViewSettings, beat_views, view_specs, views_to_dataset
from fusionlab.feature_cache import cached_result
from fusionlab.models.ecg_domains import ecg_domain_net
from fusionlab.repro import get_device, seed_everything
from fusionlab.train import TrainConfig, fit, predict

# Deep models of the paper: name -> domains fused.
MODEL_DOMAINS = {
    "1D-CNN": ("time",),
    "2D-CNN": ("tf",),
    "CNN-Transformer": ("freq",),
    "Hybrid 1": ("time", "tf"),
    "Hybrid 2": ("time", "tf", "freq"),
}
GBM = "GBM (RR + morphology)"


@dataclass
class EcgSettings:
    """Everything one study run depends on (profiles choose it; it is the cache key).

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
    max_majority : int
        Training beats kept per class before ADASYN (random under-sampling of the majority).
    sfreq : float
        Beats are resampled to this rate (128 Hz: 90-sample beats).
    """

    records: Sequence[str] | None = None
    protocol: str = "auto"
    n_folds: int = 3
    models: Sequence[str] = tuple(MODEL_DOMAINS)
    balancing: str = "adasyn"
    max_majority: int = 3000
    num_epochs: int = 8
    batch_size: int = 128
    lr: float = 2e-3
    d_model: int = 64
    dropout: float = 0.3
    sfreq: float = 128.0
    views: ViewSettings = field(default_factory=ViewSettings)
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = [m for m in self.models if m not in MODEL_DOMAINS]
        if unknown:
            raise ValueError(f"unknown models {unknown}; choose from {list(MODEL_DOMAINS)}")


@dataclass
class EcgDomainResult:
    """Out-of-fold predictions of every model plus what notebooks 10 and 11 need.

    Attributes
    ----------
    protocol : str
    y_true, records, fold : ndarray, shape (n_test_beats,)
        True labels (0..3 = N/S/V/F), record and fold of every tested beat.
    predictions : dict model -> ndarray (n_test_beats,)
    features : dict model -> ndarray (n_fold0, d)
        Penultimate (fused) features of the first fold's test beats; ``"Hybrid 2/<domain>"`` are
        Hybrid 2's pooled branch features.
    feature_labels : ndarray (n_fold0,)
    state_dicts : dict model -> dict
        First fold's trained weights (rebuild with :func:`rebuild_model`).
    specs, scaler : what the first fold's models were built on
    train_seconds, train_beats_per_s : dict model -> float (summed / averaged over folds)
    folds : list of dict
        Records and beat counts of each fold.
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


def available_records(folder: str | Path) -> list[str]:
    """DS1/DS2 records (paced records excluded) whose header is in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"MITDB_DIR not found: {folder} (expected a folder of WFDB records)")
    found = sorted(r for r in (*DS1, *DS2) if (folder / f"{r}.hea").is_file())
    if not found:
        raise FileNotFoundError(f"{folder}: no MIT-BIH DS1/DS2 record headers (e.g. 101.hea) found")
    return found


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
    """The first fold's trained model ``name`` (eval mode, CPU)."""
    if name not in result.state_dicts:
        raise KeyError(f"no trained weights for {name!r}; have {sorted(result.state_dicts)}")
    s = result.settings
    model = ecg_domain_net({d: result.specs[d] for d in MODEL_DOMAINS[name]}, len(CLASSES), d_model=s["d_model"],
                           dropout=s["dropout"])
    model.load_state_dict(result.state_dicts[name])
    return model.eval()


def run_ecg_domains(folder: str | Path, settings: EcgSettings, *, device: str = "auto", cache: bool = True,
                    log=print) -> EcgDomainResult:
    """Train and evaluate every model of the study under ``settings.protocol`` (cached, see module doc)."""
    folder = Path(folder)
    records = list(settings.records) if settings.records is not None else available_records(folder)
    protocol = resolve_protocol(settings.protocol, records)
    params = {"settings": asdict(settings), "folder": str(folder.resolve()), "records": list(records)}
    return cached_result("ecg-domains", "ecg-domains", params,
                         lambda: _run_ecg_domains(folder, protocol, settings, device, log), cache=cache, log=log)


def _run_ecg_domains(folder: Path, protocol: str, settings: EcgSettings, device: str, log) -> EcgDomainResult:
    device = get_device(device)
    beats = load_ecg_beats(folder, settings)
    folds = make_folds(beats, protocol, n_folds=settings.n_folds, seed=settings.seed)
    names = [*settings.models, GBM]
    preds = {m: [] for m in names}
    y_true, rec, fold_of, fold_info = [], [], [], []
    seconds = {m: 0.0 for m in names}
    beats_seen = {m: 0 for m in names}
    features, state_dicts, specs, scaler, feature_labels = {}, {}, {}, None, None
    for k, fold in enumerate(folds):
        train, test = beats.subset(fold.train), beats.subset(fold.test)
        log(f"{fold.name}: train {len(train)} beats of {len(fold.train_records)} records, "
            f"test {len(test)} beats of {len(fold.test_records)} records")
        fold_info.append({"fold": fold.name, "train_records": fold.train_records, "test_records": fold.test_records,
                          "n_train": len(train), "n_test": len(test)})
        # Classical baseline on all training beats (class-weighted).
        t0 = time.perf_counter()
        gbm = gbm_baseline(settings.seed).fit(baseline_features(train.windows, train.rr), train.labels)
        seconds[GBM] += time.perf_counter() - t0
        beats_seen[GBM] += len(train)
        preds[GBM].append(gbm.predict(baseline_features(test.windows, test.rr)))
        # Deep models: balance the training beats, then views of real and synthetic beats alike.
        x_bal, y_bal, _ = balance_beats(train.windows[:, 0], train.labels, method=settings.balancing,
                                        max_majority=settings.max_majority, seed=settings.seed + k)
        views_train = beat_views(x_bal, beats.sfreq, settings.views)
        fold_scaler = ViewScaler.fit(views_train)
        views_test = fold_scaler.transform(beat_views(test.windows, beats.sfreq, settings.views))
        views_train = fold_scaler.transform(views_train)
        weights = (torch.tensor(class_weights(y_bal, len(CLASSES)), dtype=torch.float32)
                   if settings.balancing == "class_weight" else None)
        for name in settings.models:
            domains = MODEL_DOMAINS[name]
            seed_everything(settings.seed + k)
            fold_specs = view_specs(views_train, domains)
            model = ecg_domain_net(fold_specs, len(CLASSES), d_model=settings.d_model, dropout=settings.dropout)
            config = TrainConfig(num_epochs=settings.num_epochs, batch_size=settings.batch_size, lr=settings.lr,
                                 patience=None, progress=False, seed=settings.seed + k)
            history = fit(model, views_to_dataset(views_train, y_bal, domains), config=config, device=device,
                          loss_fn=_loss(weights))
            seconds[name] += history.seconds
            beats_seen[name] += len(y_bal) * settings.num_epochs
            test_data = views_to_dataset(views_test, test.labels, domains)
            probs, _ = predict(model, test_data, device=device)
            preds[name].append(probs.argmax(1))
            log(f"  {name}: {history.seconds:.0f} s, last train loss {history.epochs[-1]['train_loss']:.3f}")
            if k == 0:
                feats = penultimate_features(model, test_data, device=device)
                features[name] = feats["fused"]
                if name == "Hybrid 2":
                    features.update({f"Hybrid 2/{d}": feats[d] for d in domains})
                state_dicts[name] = {n: t.cpu() for n, t in model.state_dict().items()}
                specs.update(fold_specs)
        if k == 0:
            scaler, feature_labels = fold_scaler, test.labels.copy()
        y_true.append(test.labels), rec.append(test.records), fold_of.append(np.full(len(test), k))
    result = EcgDomainResult(
        settings=asdict(settings), protocol=protocol, y_true=np.concatenate(y_true), records=np.concatenate(rec),
        fold=np.concatenate(fold_of), predictions={m: np.concatenate(v) for m, v in preds.items()},
        features=features, feature_labels=feature_labels, state_dicts=state_dicts, specs=specs, scaler=scaler,
        train_seconds=seconds, train_beats_per_s={m: beats_seen[m] / max(seconds[m], 1e-9) for m in names},
        folds=fold_info)
    return result


SMOKE_RECORDS = ("201", "203", "207", "208", "209", "223")  # few DS1 records that hold all of N, S, V and F


def study_settings(profile: str, *, protocol: str = "auto", seed: int = 0) -> EcgSettings:
    """The study's settings in a notebook profile.

    ``smoke``: 6 records, 2 record folds, 1 epoch, 300 training beats per class.
    ``standard``: every record present, 3 folds, 8 epochs, 3000 beats per class (CPU, < 30 min).
    ``full``: 5 folds, 30 epochs, 20000 beats per class (GPU).
    """
    from fusionlab.profiles import pick

    return pick(profile,
                smoke=EcgSettings(records=SMOKE_RECORDS, protocol=protocol, n_folds=2, num_epochs=1, max_majority=300,
                                  seed=seed),
                standard=EcgSettings(protocol=protocol, n_folds=3, num_epochs=8, max_majority=3000, seed=seed),
                full=EcgSettings(protocol=protocol, n_folds=5, num_epochs=30, max_majority=20000, seed=seed))
