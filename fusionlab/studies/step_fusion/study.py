"""Qin et al. (Step Fusion) on real data: MIT-BIH beat classification and ETT oil-temperature regression.

Both tasks give every sample two modalities -- a numeric series (LSTM encoder) and an image of the
same sample (ResNet encoder) -- and compare the alignment blocks of the paper with the same encoders
(the block swap of Tables 5-6) and each modality alone (Tables 3-4):

=================  ==========================================================================
``SF``             Stepwise Fusion (``step_fusion``): image tokens query the series tokens
``LMF``            low-rank multimodal fusion (``lmf``, Liu et al. 2018)
``Cross-attention``  MulT-style cross-modal transformer (``mult_cross_attention``): our stand-in for
                   the paper's baseline [16], CAT (Lin et al. 2022), which is not built
                   (:mod:`fusionlab.models.step_fusion`)
``Concat``         pooled features concatenated, dense layers (``domain_concat``): the plain baseline
``Image only``     the ResNet alone;   ``Series only``: the LSTM alone
``SF + rhythm``    MIT-BIH only: SF with a third step on the beat's RR features (lesson 08's rhythm
                   modality, :func:`fusionlab.data.rhythm.rhythm_features`, MLP encoder): not in the paper
=================  ==========================================================================

MIT-BIH: MLII beats (0.7 s at 128 Hz), N/S/V/F, folds of whole records (:mod:`fusionlab.stats.mitdb_protocol`);
the image is the beat rendered as a waveform on a fixed millivolt scale
(:func:`fusionlab.spectral.imaging.render_waveform`); training beats are balanced with ADASYN, as in
notebook 08. ETT: four days of the seven hourly series predict the oil temperature one hour later,
Informer's chronological split; the image is the window's Gramian angular field, one channel per
series (:func:`fusionlab.spectral.imaging.gramian_angular_field`). Results are cached under ``build/step-fusion``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from fusionlab.cache import cached_result
from fusionlab.data.balance import balance_beats
from fusionlab.data.batches import MultimodalTensorDataset
from fusionlab.data.course_data import locate
from fusionlab.data.ett import EttWindows, ett_path, load_ett, make_ett_windows
from fusionlab.data.mitdb import SMOKE_RECORDS, available_records, load_mitdb_beats
from fusionlab.data.rhythm import rhythm_features
from fusionlab.models import ModalitySpec, count_parameters
from fusionlab.models.step_fusion import ALIGNMENTS, qin_net
from fusionlab.repro import get_device, seed_everything
from fusionlab.spectral import imaging
from fusionlab.spectral.beat_views import beat_time_view
from fusionlab.stats.mitdb_protocol import CLASSES, drop_unscored, make_folds, resolve_protocol
from fusionlab.studies.base import ProfileSettings, Result
from fusionlab.studies.step_fusion.forecast_baselines import (
    fit_linear_forecaster,
    flatten_windows,
    mean_forecast,
    relative_to_last,
)
from fusionlab.train.loop import TrainConfig, fit, predict, predict_values

# Variant -> (modalities, fusion block); one modality means a unimodal model (no fusion block).
VARIANTS: dict[str, tuple[tuple[str, ...], str | None]] = {
    **{name: (("image", "series"), block) for name, block in ALIGNMENTS.items()},
    "Image only": (("image",), None),
    "Series only": (("series",), None),
    # Not in the paper: the beat's timing (RR features, lesson 08) as a third modality, fused stepwise.
    "SF + rhythm": (("image", "series", "rhythm"), "step_fusion"),
}
RHYTHM_VARIANTS = tuple(name for name, (modalities, _) in VARIANTS.items() if "rhythm" in modalities)
ETT_BASELINES = ("train mean", "last value", "linear (ridge)", "linear (NLinear-style)")


@dataclass
class QinSettings(ProfileSettings):
    """Everything a run depends on (``QinSettings.for_profile(profile, **overrides)``; part of the cache key).

    Attributes
    ----------
    variants : sequence of str
        Keys of :data:`VARIANTS` to train.
    d_model, resnet_depth, resnet_width, lstm_layers, dropout :
        Shared by every variant: matched encoders and width, so only the fusion block differs.
    num_epochs, batch_size, lr, patience : training (AdamW, cosine schedule; ``patience`` is used
        on ETT, which has a validation split; MIT-BIH folds train for ``num_epochs``).
    records, protocol, n_folds, max_majority, image_height, amplitude_range : MIT-BIH (see module doc).
    series_step : int
        Consecutive beat samples read by one LSTM step (the series is ``(T / series_step, series_step)``).
        An LSTM stepping through the 90 single samples underfits in our budget (training accuracy
        0.60 after 5 epochs); 5 samples (39 ms) per step train to 0.74 in the same time.
    test_beats : int, optional
        Score at most this many (randomly chosen, seeded) test beats per fold -- the smoke profile's
        shortcut; every other profile scores all of them.
    ett_files, window, horizon, image_size, train_stride : ETT.
    relative : bool
        ETT models see each window minus its last values and predict the change of OT (NLinear's
        normalisation; the forecast adds the last OT back). Without it, every deep variant has to
        extrapolate to the colder test months and loses to persistence by an order of magnitude.
    """

    variants: Sequence[str] = tuple(VARIANTS)
    d_model: int = 64
    resnet_depth: int = 6
    resnet_width: int = 16
    lstm_layers: int = 2
    dropout: float = 0.1
    num_epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    patience: int = 3
    seed: int = 0
    records: Sequence[str] | None = None
    protocol: str = "auto"
    n_folds: int = 3
    max_majority: int = 3000
    sfreq: float = 128.0
    image_height: int = 32
    series_step: int = 5
    test_beats: int | None = None
    amplitude_range: tuple[float, float] = (-1.0, 1.5)
    ett_files: Sequence[str] = ("ETTh1", "ETTh2")
    window: int = 96
    horizon: int = 1
    image_size: int = 24
    train_stride: int = 1
    relative: bool = True

    def __post_init__(self) -> None:
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown:
            raise ValueError(f"unknown variants {unknown}; choose from {list(VARIANTS)}")

    @classmethod
    def _profiles(cls) -> dict[str, QinSettings]:
        return _profile_settings()


def build_variant(name: str, specs: dict[str, ModalitySpec], num_outputs: int, settings: QinSettings):
    """The model of variant ``name`` on the modalities it uses (``num_outputs`` 1 = regression)."""
    modalities, fusion = VARIANTS[name]
    kwargs = {"d_model": settings.d_model, "resnet_depth": settings.resnet_depth,
              "resnet_width": settings.resnet_width, "lstm_layers": settings.lstm_layers, "dropout": settings.dropout}
    if fusion is not None:
        kwargs["fusion"] = fusion
    return qin_net({m: specs[m] for m in modalities}, num_outputs, **kwargs)


def _config(settings: QinSettings, seed: int, patience: int | None) -> TrainConfig:
    return TrainConfig(num_epochs=settings.num_epochs, batch_size=settings.batch_size, lr=settings.lr,
                       patience=patience, progress=False, seed=seed)


def _subset(data: MultimodalTensorDataset, modalities: Sequence[str], task: str) -> MultimodalTensorDataset:
    return MultimodalTensorDataset({m: data.inputs[m] for m in modalities}, data.labels, task=task)


# ------------------------------------------------------------------------------------------ MIT-BIH
def beat_modalities(windows: np.ndarray, settings: QinSettings, scale: tuple[float, float] | None = None
                    ) -> tuple[dict[str, np.ndarray], tuple[float, float]]:
    """The two modalities of MLII beats ``(n, T)`` (mV).

    ``series (n, T / series_step, series_step)``: the beat, median removed, standardised with ``scale``
    (fitted here when None: training beats only); ``image (n, 1, image_height, T)``: the beat drawn on
    a fixed millivolt scale.
    """
    beats = beat_time_view(windows)
    step = int(settings.series_step)
    if step < 1 or beats.shape[1] % step:
        raise ValueError(f"series_step must divide the beat length {beats.shape[1]}, got {settings.series_step}")
    if scale is None:
        scale = (float(beats.mean()), float(beats.std()) or 1.0)
    image = imaging.render_waveform(beats, height=settings.image_height, amplitude_range=settings.amplitude_range)
    series = ((beats - scale[0]) / scale[1]).reshape(len(beats), -1, step)
    return {"image": image.astype(np.float32), "series": series.astype(np.float32)}, scale


def beat_specs(views: dict[str, np.ndarray]) -> dict[str, ModalitySpec]:
    """ModalitySpecs of the beat modalities present in ``views`` (image first: the query side of SF)."""
    kinds = {"image": "image", "series": "series", "rhythm": "rhythm"}
    return {m: ModalitySpec(m, tuple(views[m].shape[1:]), kind=kinds[m]) for m in kinds if m in views}


def _rhythm_datasets(train, test, train_rhythm, test_rhythm, settings: QinSettings, seed: int):
    """Training and test sets with the RR features as a third modality.

    ADASYN runs on each beat concatenated with its RR features, so a synthetic beat gets a synthetic
    rhythm of the same interpolation; the rhythm-free variants keep their own ADASYN call unchanged.
    """
    n_times = train.windows.shape[-1]
    flat = np.concatenate([train.windows[:, 0], train_rhythm], axis=1)
    x_bal, y_bal, _ = balance_beats(flat, train.labels, method="adasyn", max_majority=settings.max_majority, seed=seed)
    train_views, scale = beat_modalities(x_bal[:, :n_times], settings)
    test_views, _ = beat_modalities(test.windows[:, 0], settings, scale)
    train_views["rhythm"] = x_bal[:, n_times:].astype(np.float32)
    test_views["rhythm"] = np.asarray(test_rhythm, dtype=np.float32)
    as_data = lambda views, y: MultimodalTensorDataset({m: torch.from_numpy(np.ascontiguousarray(v))
                                                         for m, v in views.items()}, torch.from_numpy(y))
    return as_data(train_views, y_bal), as_data(test_views, test.labels), beat_specs(train_views)


def run_mitdb(folder: str | Path, settings: QinSettings, *, device: str = "auto", cache: bool = True,
              log=print) -> dict:
    """Every variant on every record fold of MIT-BIH; out-of-fold predictions of all test beats.

    Returns
    -------
    dict
        ``protocol``, ``y_true``, ``records``, ``fold`` (n_test,), ``predictions`` {variant: (n_test,)},
        ``train_seconds`` {variant: s}, ``parameters`` {variant: int}, ``folds`` (records and counts),
        ``settings``.
    """
    folder = Path(folder)
    records = list(settings.records) if settings.records is not None else available_records(folder)
    protocol = resolve_protocol(settings.protocol, records)
    params = {"settings": asdict(settings), "folder": str(folder.resolve()), "records": records}
    return cached_result("step-fusion", "qin-mitdb", params,
                         lambda: _run_mitdb(folder, records, protocol, settings, device, log), cache=cache, log=log)


def _run_mitdb(folder, records, protocol, settings, device, log) -> dict:
    device = get_device(device)
    beats = drop_unscored(load_mitdb_beats(folder, records, leads=("MLII",), sfreq=settings.sfreq))
    folds = make_folds(beats, protocol, n_folds=settings.n_folds, seed=settings.seed)
    out = {"protocol": protocol, "settings": asdict(settings), "predictions": {v: [] for v in settings.variants},
           "train_seconds": dict.fromkeys(settings.variants, 0.0), "parameters": {}, "folds": []}
    y_true, recs, fold_of = [], [], []
    # RR features normalised per record (lesson 08); from beat times only, so no label or test statistic leaks.
    rhythm = rhythm_features(beats.rr, beats.records) if set(settings.variants) & set(RHYTHM_VARIANTS) else None
    for k, fold in enumerate(folds):
        test_index = fold.test
        if settings.test_beats is not None and len(test_index) > settings.test_beats:
            rng = np.random.default_rng(settings.seed + k)
            test_index = np.sort(rng.choice(test_index, settings.test_beats, replace=False))
        train, test = beats.subset(fold.train), beats.subset(test_index)
        x_bal, y_bal, _ = balance_beats(train.windows[:, 0], train.labels, method="adasyn",
                                        max_majority=settings.max_majority, seed=settings.seed + k)
        train_views, scale = beat_modalities(x_bal, settings)
        test_views, _ = beat_modalities(test.windows[:, 0], settings, scale)
        specs = beat_specs(train_views)
        train_data = MultimodalTensorDataset({m: torch.from_numpy(v) for m, v in train_views.items()},
                                             torch.from_numpy(y_bal))
        test_data = MultimodalTensorDataset({m: torch.from_numpy(v) for m, v in test_views.items()},
                                            torch.from_numpy(test.labels))
        out["folds"].append({"fold": fold.name, "test_records": fold.test_records, "n_train": len(y_bal),
                             "n_test": len(test)})
        log(f"{fold.name}: {len(y_bal)} training beats (ADASYN-balanced), {len(test)} test beats "
            f"of records {', '.join(fold.test_records)}")
        sets = {False: (train_data, test_data, specs)}
        if rhythm is not None:
            sets[True] = _rhythm_datasets(train, test, rhythm[fold.train], rhythm[test_index], settings,
                                          settings.seed + k)
        for name in settings.variants:
            seed_everything(settings.seed + k)
            fold_train, fold_test, fold_specs = sets[name in RHYTHM_VARIANTS]
            model = build_variant(name, fold_specs, len(CLASSES), settings)
            modalities = VARIANTS[name][0]
            history = fit(model, _subset(fold_train, modalities, "classification"),
                          config=_config(settings, settings.seed + k, None), device=device)
            probs, _ = predict(model, _subset(fold_test, modalities, "classification"), device=device)
            out["predictions"][name].append(probs.argmax(1))
            out["train_seconds"][name] += history.seconds
            out["parameters"][name] = count_parameters(model)
            log(f"  {name}: {history.seconds:.0f} s, accuracy {np.mean(probs.argmax(1) == test.labels):.3f}")
        y_true.append(test.labels), recs.append(test.records), fold_of.append(np.full(len(test), k))
    out["predictions"] = {m: np.concatenate(v) for m, v in out["predictions"].items()}
    out.update(y_true=np.concatenate(y_true), records=np.concatenate(recs), fold=np.concatenate(fold_of))
    return out


# ---------------------------------------------------------------------------------------------- ETT
def ett_variants(settings: QinSettings) -> list[str]:
    """The variants trained on ETT: all but those needing the ECG rhythm modality."""
    return [v for v in settings.variants if v not in RHYTHM_VARIANTS]


def ett_modalities(windows: EttWindows, settings: QinSettings) -> tuple[MultimodalTensorDataset, np.ndarray]:
    """The two modalities of ETT windows and the regression targets, plus the level to add back.

    ``series (n, window, 7)``: the standardised window, minus its last values when
    ``settings.relative`` (NLinear's normalisation, :func:`~fusionlab.studies.step_fusion.forecast_baselines.relative_to_last`);
    ``image (n, 7, image_size, image_size)``: the Gramian angular field of each series (per-window
    min-max scaling, so the image is the same either way). Targets: standardised OT at ``t + horizon``,
    or its change from the last observed OT.

    Returns
    -------
    data : MultimodalTensorDataset (task "regression")
    offset : ndarray, shape (n,)
        Add it to a model's output to get the standardised OT forecast (zeros unless ``relative``).
    """
    image = imaging.gramian_angular_field(windows.x, image_size=settings.image_size)
    if settings.relative:
        series, target, offset = relative_to_last(windows.x, windows.target_index, windows.y)
    else:
        series, target, offset = windows.x, windows.y, np.zeros(len(windows))
    data = MultimodalTensorDataset({"image": torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)),
                                    "series": torch.from_numpy(np.ascontiguousarray(series))},
                                   torch.from_numpy(np.asarray(target, dtype=np.float32)), task="regression")
    return data, offset


def run_ett(folder: str | Path, name: str, settings: QinSettings, *, device: str = "auto", cache: bool = True,
            log=print) -> dict:
    """Baselines and every variant on one ETT file (``"ETTh1"``/``"ETTh2"``), tested on its test split.

    Returns
    -------
    dict
        ``name``, ``y_true`` (standardised OT of the test targets, time order), ``rows``,
        ``predictions`` {model: (n_test,)} (baselines and variants), ``ot_std`` (degrees per
        standardised unit), ``train_seconds``, ``parameters``, ``epochs`` {variant: epochs run}, ``settings``.
    """
    path = ett_path(folder, name)
    params = {"settings": asdict(settings), "file": str(path.resolve()), "size": path.stat().st_size}
    return cached_result("step-fusion", f"qin-ett-{name}", params, lambda: _run_ett(path, name, settings, device, log),
                         cache=cache, log=log)


def ett_baselines(train: EttWindows, test: EttWindows) -> dict[str, np.ndarray]:
    """Forecasts of the simple baselines on ``test`` (standardised OT): :data:`ETT_BASELINES`."""
    target = train.target_index
    x_rel, y_rel, _ = relative_to_last(train.x, target, train.y)
    test_rel, _, test_last = relative_to_last(test.x, target)
    return {"train mean": mean_forecast(train.y, len(test)), "last value": test_last,
            "linear (ridge)": fit_linear_forecaster(train.x, train.y).predict(flatten_windows(test.x)),
            "linear (NLinear-style)": test_last + fit_linear_forecaster(x_rel, y_rel).predict(flatten_windows(test_rel))}


def _run_ett(path, name, settings, device, log) -> dict:
    device = get_device(device)
    frame = load_ett(path)
    train = make_ett_windows(frame, window=settings.window, horizon=settings.horizon, split="train",
                             stride=settings.train_stride)
    val, test = (make_ett_windows(frame, window=settings.window, horizon=settings.horizon, split=s, scaler=train.scaler)
                 for s in ("val", "test"))
    preds = ett_baselines(train, test)
    data = {s: ett_modalities(w, settings) for s, w in (("train", train), ("val", val), ("test", test))}
    specs = {m: ModalitySpec(m, tuple(x.shape[1:]), kind=m) for m, x in data["train"][0].inputs.items()}
    out = {"name": name, "settings": asdict(settings), "y_true": test.y.astype(np.float64), "rows": test.rows,
           "ot_std": float(train.scaler.inverse_target(1.0) - train.scaler.inverse_target(0.0)),
           "n": {s: len(d[0]) for s, d in data.items()}, "train_seconds": {}, "parameters": {}, "epochs": {}}
    log(f"{name}: {len(train)} training, {len(val)} validation, {len(test)} test windows")
    for variant in ett_variants(settings):
        seed_everything(settings.seed)
        model = build_variant(variant, specs, 1, settings)
        modalities = VARIANTS[variant][0]
        history = fit(model, _subset(data["train"][0], modalities, "regression"),
                      _subset(data["val"][0], modalities, "regression"),
                      config=_config(settings, settings.seed, settings.patience), device=device, task="regression")
        values, _ = predict_values(model, _subset(data["test"][0], modalities, "regression"), device=device)
        preds[variant] = values + data["test"][1]
        out["train_seconds"][variant] = history.seconds
        out["parameters"][variant] = count_parameters(model)
        out["epochs"][variant] = len(history.epochs)
        log(f"  {variant}: {history.seconds:.0f} s, {len(history.epochs)} epochs, "
            f"test MAE {np.mean(np.abs(preds[variant] - test.y)):.3f}")
    out["predictions"] = {k: np.asarray(v, dtype=np.float64) for k, v in preds.items()}
    return out


def study_settings(profile: str, *, protocol: str = "auto", seed: int = 0) -> QinSettings:
    """The settings of notebook 09 in a profile.

    ``smoke``: 6 records, 2 folds, 300 beats per class, 1500 test beats per fold, ETTh1 only with
    every 24th training window, 1 epoch, small encoders.
    ``standard`` (class time, aiming at <= 5 min on a 2-core CPU): every record, 3 folds, 250 beats per
    class, 3000 scored test beats per fold, ETTh1 with every 24th training window, 3 epochs, small
    encoders (d 32, ResNet depth 3 width 8, one LSTM layer). Measured on 2026-12-03 with
    ``benchmarks/notebook_times.py``: the whole notebook (SF + rhythm included) in 198 s, 1.7 GB peak, at
    load 2.7 on the shared 2-core machine (without SF + rhythm: 326 s at load 5.6, an upper bound; 400
    beats, 5000 test beats, every 12th window and 4 epochs took over 10 min at load 5).
    ``extended`` (the former standard, ~25 min on a CPU): 1000 beats per class, all test beats, both ETT
    files with every 4th training window, 5 epochs of batches of 32, d 64, ResNet depth 6 width 16.
    ``full``: 5 folds, 20000 beats per class (binds only N), every test beat, both ETT files with every
    training window, up to 30 epochs (patience 5), the extended encoders (d 64, ResNet depth 6 width 16,
    2 LSTM layers: 0.33 M parameters for SF, 0.60 M for cross-attention) -- the paper's data sizes as far
    as it states them, *not* its model sizes (70 M / 160 M, Table 7), which it gives without widths (GPU).
    """
    return QinSettings.for_profile(profile, protocol=protocol, seed=seed)


def _profile_settings() -> dict[str, QinSettings]:
    """The four profiles' settings (documented in :func:`study_settings`)."""
    return {
        "smoke": QinSettings(records=SMOKE_RECORDS, n_folds=2, max_majority=300, num_epochs=1, d_model=32,
                             resnet_depth=3, resnet_width=8, lstm_layers=1, ett_files=("ETTh1",),
                             train_stride=24, test_beats=1500),
        "standard": QinSettings(n_folds=3, max_majority=250, num_epochs=3, batch_size=64, d_model=32,
                                resnet_depth=3, resnet_width=8, lstm_layers=1, ett_files=("ETTh1",),
                                train_stride=24, test_beats=3000),
        "extended": QinSettings(n_folds=3, max_majority=1000, num_epochs=5, batch_size=32, train_stride=4),
        "full": QinSettings(n_folds=5, max_majority=20000, num_epochs=30, patience=5, train_stride=1)}


# ------------------------------------------------------------------------------- the common study shape
Settings = QinSettings
"""This study's settings (:mod:`fusionlab.studies.base`): ``Settings.for_profile(profile, **overrides)``."""


def run(settings: QinSettings, *, device: str | torch.device = "auto", cache: bool = True,
        mitdb_folder: str | Path | None = None, ett_folder: str | Path | None = None, n_boot: int = 1000,
        log=print) -> Result:
    """The whole study: :func:`run_mitdb`, then :func:`run_ett` on each of ``settings.ett_files`` (each cached).

    Folders default to where the lessons read them (:func:`fusionlab.data.course_data.locate`: the shared copy
    when complete, else the fetched one in ``FUSIONLAB_DATA``).

    Returns
    -------
    Result
        ``tables``: ``mitdb`` (:func:`~.tables.mitdb_table`, record-bootstrap CIs) and ``ett``
        (:func:`~.tables.ett_table`, day-block bootstrap CIs), ``n_boot`` resamples each;
        ``extras``: ``mitdb`` (the dict of :func:`run_mitdb`) and ``ett`` (the list of :func:`run_ett` dicts).
    """
    from fusionlab.studies.step_fusion import (
        tables as qin_tables,  # same study; keeps matplotlib out of import
    )

    device = get_device(device)
    mitdb_root = Path(mitdb_folder) if mitdb_folder is not None else locate("mitdb")
    ett_root = Path(ett_folder) if ett_folder is not None else locate("ett")
    mitdb = run_mitdb(mitdb_root, settings, device=device, cache=cache, log=log)
    ett = [run_ett(ett_root, name, settings, device=device, cache=cache, log=log) for name in settings.ett_files]
    tables = {"mitdb": qin_tables.mitdb_table(mitdb, n_boot=n_boot, seed=settings.seed),
              "ett": qin_tables.ett_table(ett, n_boot=n_boot, seed=settings.seed)}
    return Result("step-fusion", settings, tables, protocol=mitdb["protocol"], extras={"mitdb": mitdb, "ett": ett})
