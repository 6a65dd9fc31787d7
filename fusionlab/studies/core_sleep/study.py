"""Kontras et al. (CoRe-Sleep) on synthetic polysomnography: Table I, Table II, Fig. 3 and Fig. 4 analogues.

- :func:`make_cohort_split` draws subject-wise train/val/test nights; the test split also holds
  nights with long noisy EEG or EOG (and distractors with short noise) whose ground truth is known.
- :func:`run_study` trains every Table I row (Early / Mid-Late / CoRe x {none, AL, MS, MS+AL} and
  the two unimodal equivalents), tests each trained model with EEG+EOG, EEG only and EOG only
  (the modality mask, no retraining) and on the detected noisy nights.
- :func:`run_incomplete_data` trains CoRe-Sleep on a base of multimodal subjects plus growing
  numbers of EEG-only and/or EOG-only subjects (Fig. 4).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import torch

from fusionlab.data.synthetic import Corruption, make_night
from fusionlab.models import create_model
from fusionlab.models.core_sleep import PAPER_CONFIG, core_sleep_specs, unimodal_equivalent
from fusionlab.repro import get_device, seed_everything
from fusionlab.studies.base import ProfileSettings, Result
from fusionlab.studies.core_sleep.data import (
    MODALITIES,
    NightFeatures,
    check_stages,
    features_from_synthetic,
    predict_night,
    sequence_dataset,
)
from fusionlab.studies.core_sleep.robustness import (
    detect_noisy_nights,
    evaluate_modality_subsets,
    staging_scores,
    true_noisy_nights,
)
from fusionlab.studies.core_sleep.tables import (  # noqa: F401  (part of this module's API)
    latent_scores,
    paired_comparisons,
    pooled_comparisons,
)
from fusionlab.train.loop import TrainConfig, fit
from fusionlab.train.losses import variant_loss

ARCHITECTURES = {"Early": "core_sleep_early", "Mid-Late": "core_sleep_mid_late", "CoRe": "core_sleep_core"}
LOSSES = ("none", "AL", "MS", "MS+AL")


def row_name(arch: str, losses: str) -> str:
    """Table I row label, e.g. ``"Mid-Late + MS + AL"``; CoRe + MS + AL is ``"CoRe-Sleep (MS + AL)"``.

    A ``-clip`` suffix (alignment loss in the CLIP form instead of the paper's Eq. 10) is named in the
    label: ``("CoRe", "MS+AL-clip")`` is ``"CoRe-Sleep (MS + AL, CLIP form)"``.
    """
    base, _, form = losses.partition("-")
    suffix = ", CLIP form" if form == "clip" else ""
    if arch == "CoRe" and base == "MS+AL":
        return f"CoRe-Sleep (MS + AL{suffix})"
    if base == "none":
        return arch
    return f"{arch} + {base.replace('+', ' + ')}" + (f" ({suffix[2:]})" if suffix else "")


TABLE_ROWS = [row_name(a, l) for l in LOSSES for a in ARCHITECTURES]


@dataclass
class CoreSleepSettings(ProfileSettings):
    """Sizes of one profile: ``CoreSleepSettings.for_profile(profile, **overrides)`` (see :func:`settings_for`)."""

    n_train: int
    n_val: int
    n_test_clean: int
    n_test_noisy: int  # per modality (EEG-noisy and EOG-noisy nights)
    n_test_distractor: int
    hours: float
    seq_len: int
    model: dict[str, Any]
    num_epochs: int
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    seeds: tuple[int, ...] = (0,)
    incomplete_base: int = 4
    incomplete_added: tuple[int, ...] = (0, 4)
    incomplete_scenarios: tuple[str, ...] = ("both", "eeg", "eog")
    train_stride: int | None = None  # step between training windows (default seq_len: non-overlapping)
    incomplete_seeds: int = 1  # how many of ``seeds`` the incomplete-data curves are repeated over
    # Extra (scenario, k) runs of Fig. 4 in the regime the paper warns about: far more unimodal
    # subjects of one modality than multimodal ones (Sec. III-D, point 3).
    incomplete_flood: tuple[tuple[str, int], ...] = ()
    rows: tuple[tuple[str, str], ...] | None = None  # Table I rows (arch, losses) to train; None: all 12
    yasa_baseline: bool = True  # stage the clean test nights with YASA's pretrained stager too
    yasa_seeds: int | None = None  # on the test nights of this many seeds (None: all); YASA costs ~5 s a night
    extra: dict[str, Any] = field(default_factory=dict)

    def table_rows(self) -> list[tuple[str, str]]:
        """The (architecture, losses) pairs this profile trains."""
        return list(self.rows or [(a, l) for l in LOSSES for a in ARCHITECTURES])

    def train_config(self, seed: int) -> TrainConfig:
        return TrainConfig(num_epochs=self.num_epochs, batch_size=self.batch_size, lr=self.lr,
                           weight_decay=self.weight_decay, warmup_frac=0.1, patience=None, seed=seed, progress=False,
                           # Validation in batches of 32 sequences: in one batch of 512 its activations
                           # (~240 MB on a standard-profile night) were the peak of every training run.
                           eval_batch_size=32)

    @classmethod
    def _profiles(cls) -> dict[str, CoreSleepSettings]:
        return _profile_settings()


CLASS_ROWS: tuple[tuple[str, str], ...] = (("Early", "none"), ("Mid-Late", "none"), ("CoRe", "none"),
                                           ("CoRe", "MS+AL"), ("CoRe", "MS+AL-clip"))
"""Table I rows of the class profile: the three fusion schemes, CoRe-Sleep to show what MS + AL add, and
CoRe-Sleep with the CLIP-form alignment loss beside the paper's Eq. 10 form."""


def settings_for(profile: str) -> CoreSleepSettings:
    """Profile sizes.

    - ``smoke``: CI, about a minute on 2 CPU cores.
    - ``standard`` (class time, <= 5 min and <= 2 GB on a 2-core CPU): 3 seeds (fresh subjects each),
      4 training nights of 3.5 h, a 16-wide model, 6 passes in batches of 8 sequences (4x the steps of
      batches of 32 for about the same compute: unimodal EEG 84.5 +/- 3.0 % instead of 78.7 +/- 6.8 %);
      the 5 :data:`CLASS_ROWS` + 2 unimodal
      equivalents + the YASA row (first seed); incomplete-data curve with 2 + {0, 1} subjects of each
      modality, and 2 + 6 EEG-only subjects (the regime the paper warns about).
    - ``extended``: the former standard (10 training nights of 6 h, 32-wide model, 6 passes, all 12
      Table I rows, 2 seeds; ~40 min on a 2-core CPU); Fig. 4 with 3 + {0, 3, 6, 12} subjects.
    - ``full`` (GPU): the paper's model sizes (d_model 128, 8 heads, FF 1024, 4 + 4 layers, dropout 0.3,
      21-epoch sequences, batch 16, lr 1e-4) trained for 30 passes on **synthetic** nights: 60 training
      subjects of 8 h, 3 seeds, all 12 rows; Fig. 4 with 20 multimodal + {0, 10, 20, 40, 80} unimodal
      subjects. The paper trains on SHHS-1 (5,791 subjects), which cannot be downloaded here.
    """
    return CoreSleepSettings.for_profile(profile)


def _profile_settings() -> dict[str, CoreSleepSettings]:
    """The four profiles' settings (documented in :func:`settings_for`)."""
    return {
        "smoke": CoreSleepSettings(n_train=4, n_val=1, n_test_clean=2, n_test_noisy=1, n_test_distractor=1, hours=2.5,
                                   seq_len=7, model={"d_model": 16, "n_heads": 2, "d_ff": 32, "inner_depth": 1,
                                                     "outer_depth": 1, "dropout": 0.1},
                                   num_epochs=2, batch_size=32, lr=2e-3, seeds=(0,), incomplete_base=1,
                                   incomplete_added=(0, 1), incomplete_scenarios=("both",), rows=CLASS_ROWS,
                                   incomplete_flood=(("eeg", 3),)),  # 1 + 3 nights: the training split, no new one
        "standard": CoreSleepSettings(n_train=4, n_val=1, n_test_clean=3, n_test_noisy=1, n_test_distractor=1,
                                      hours=3.5, seq_len=11, model={"d_model": 16, "n_heads": 2, "d_ff": 32,
                                                                    "inner_depth": 1, "outer_depth": 1, "dropout": 0.1},
                                      num_epochs=6, batch_size=8, lr=2e-3, seeds=(0, 1, 2), incomplete_base=2,
                                      incomplete_added=(0, 1), incomplete_scenarios=("both",), rows=CLASS_ROWS,
                                      incomplete_flood=(("eeg", 6),), yasa_seeds=1),
        "extended": CoreSleepSettings(n_train=10, n_val=2, n_test_clean=5, n_test_noisy=3, n_test_distractor=2,
                                      hours=6.0, seq_len=11, model={"d_model": 32, "n_heads": 4, "d_ff": 64,
                                                                    "inner_depth": 1, "outer_depth": 1, "dropout": 0.1},
                                      num_epochs=6, batch_size=32, lr=2e-3, seeds=(0, 1), incomplete_base=3,
                                      incomplete_added=(0, 3, 6), incomplete_scenarios=("both", "eeg", "eog"),
                                      incomplete_flood=(("eeg", 12), ("eog", 12))),
        "full": CoreSleepSettings(n_train=60, n_val=6, n_test_clean=20, n_test_noisy=6, n_test_distractor=4, hours=8.0,
                                  seq_len=21, model=dict(PAPER_CONFIG), num_epochs=30, batch_size=16, lr=1e-4,
                                  seeds=(0, 1, 2), incomplete_base=20, incomplete_added=(0, 10, 20, 40, 80),
                                  incomplete_scenarios=("both", "eeg", "eog"), train_stride=3, incomplete_seeds=3),
    }


@dataclass
class CohortSplit:
    """Subject-wise nights of one seed: ``train``, ``val``, ``test`` (clean + noisy + distractors)."""

    train: list[NightFeatures]
    val: list[NightFeatures]
    test: list[NightFeatures]
    test_kind: dict[str, str]  # night name -> "clean" | "noisy_eeg" | "noisy_eog" | "distractor"


def _noisy_night(seed: int, subject: int, hours: float, modality: str, fraction: tuple[float, float],
                 rng: np.random.Generator):
    duration = hours * 3600
    start = (1 - rng.uniform(*fraction)) * duration
    return make_night(seed, hours=hours, modalities=MODALITIES, subject=subject,
                      corruptions=[Corruption("noisy", modality, start, duration, float(rng.uniform(4, 10)))])


def make_cohort_split(settings: CoreSleepSettings, seed: int, *, extra_train: int = 0,
                      clean_test_only: bool = False) -> CohortSplit:
    """Draw one subject-wise split of synthetic nights (each subject appears in one split only).

    Training nights carry the generator's random short noisy stretches (``n_noisy`` 0 or 1); the
    test split adds ``n_test_noisy`` nights with EEG noisy over 45-70 % of the night, as many with
    noisy EOG, and ``n_test_distractor`` nights with noise over only 10-30 % (not to be flagged).
    ``extra_train`` draws that many more training subjects (for the incomplete-data study).
    ``clean_test_only`` keeps only the clean test nights, without their raw signals (what training and
    scoring use; the training, validation and clean test nights are the same as without it).
    """
    rng = np.random.default_rng([seed, 8])
    s, h = settings, settings.hours
    subject = iter(range(10_000))
    # Training and validation nights keep only their features: the raw signals serve the detector
    # and the figures, which use test nights (this halves the memory of a split).
    train = [features_from_synthetic(make_night(seed, hours=h, modalities=MODALITIES, subject=next(subject),
                                                n_noisy=int(rng.integers(0, 2))), keep_signals=False)
             for _ in range(s.n_train + extra_train)]
    val = [features_from_synthetic(make_night(seed, hours=h, modalities=MODALITIES, subject=next(subject)),
                                   keep_signals=False)
           for _ in range(s.n_val)]
    test, kind = [], {}
    for _ in range(s.n_test_clean):
        test.append(features_from_synthetic(make_night(seed, hours=h, modalities=MODALITIES, subject=next(subject)),
                                            keep_signals=not clean_test_only))
        kind[test[-1].name] = "clean"
    if clean_test_only:  # the noisy and distractor nights come after: skipping them changes no other night
        check_stages(train, "train")
        return CohortSplit(train, val, test, kind)
    for modality in MODALITIES:
        for _ in range(s.n_test_noisy):
            test.append(features_from_synthetic(_noisy_night(seed, next(subject), h, modality, (0.45, 0.7), rng)))
            kind[test[-1].name] = f"noisy_{modality}"
    for i in range(s.n_test_distractor):
        modality = MODALITIES[i % 2]
        test.append(features_from_synthetic(_noisy_night(seed, next(subject), h, modality, (0.1, 0.3), rng)))
        kind[test[-1].name] = "distractor"
    check_stages(train, "train")
    return CohortSplit(train, val, test, kind)


DATASETS = ("synthetic", "sleep-edf")


def real_cohort_split(dataset: str, settings: CoreSleepSettings, seed: int, *, root=None) -> CohortSplit:
    """Subject-wise split of fetched real nights (Sleep-EDF: Fpz-Cz EEG + horizontal EOG).

    Nights are grouped by subject (the first 5 characters of the record, ``SC4ss``) and subjects
    are shuffled with ``seed`` into train / val / test in the profile's proportions. Real nights
    carry no noise ground truth: the detector's verdicts are reported without a recall.

    Raises
    ------
    FileNotFoundError
        When the dataset has not been fetched (``fusionlab fetch sleep-edf``).
    ValueError
        For an unsupported dataset (SHHS needs a manual NSRR download and is not wired here).
    """
    from fusionlab.data.fetchers import dataset_dir
    from fusionlab.data.sleep_edf import find_sleep_edf_pairs, load_sleep_edf
    from fusionlab.studies.core_sleep.data import features_from_epochs

    if dataset != "sleep-edf":
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r} (SHHS is not wired into this lesson)")
    folder = dataset_dir(dataset, root)
    pairs = find_sleep_edf_pairs(folder) if folder.is_dir() else []
    if not pairs:
        raise FileNotFoundError(f"no Sleep-EDF nights under {folder}; run `fusionlab fetch sleep-edf` first "
                                "(or use DATASET = 'synthetic')")
    by_subject: dict[str, list] = {}
    for psg, hyp in pairs:
        by_subject.setdefault(psg.name[:5], []).append((psg, hyp))
    subjects = sorted(by_subject)
    np.random.default_rng(seed).shuffle(subjects)
    total = settings.n_train + settings.n_val + settings.n_test_clean
    n_val = max(1, round(len(subjects) * settings.n_val / total))
    n_test = max(1, round(len(subjects) * settings.n_test_clean / total))
    if len(subjects) < n_val + n_test + 1:
        raise ValueError(f"{len(subjects)} Sleep-EDF subjects under {folder} cannot make a train/val/test split")
    groups = {"val": subjects[:n_val], "test": subjects[n_val:n_val + n_test], "train": subjects[n_val + n_test:]}

    def load(names):
        return [features_from_epochs(load_sleep_edf(psg, hyp, trim="core-sleep")) for s in names for psg, hyp in by_subject[s]]

    test = load(groups["test"])
    split = CohortSplit(load(groups["train"]), load(groups["val"]), test, {n.name: "clean" for n in test})
    check_stages(split.train, "train")
    return split


def build_model(arch: str, settings: CoreSleepSettings, modalities: Sequence[str] = MODALITIES, **kwargs: Any):
    """A Table I architecture (``"Early"``, ``"Mid-Late"``, ``"CoRe"``) or ``"Unimodal"`` (one modality)."""
    specs = core_sleep_specs(modalities, seq_len=settings.seq_len)
    if arch == "Unimodal":
        if len(specs) != 1:
            raise ValueError(f"the unimodal equivalent takes one modality, got {list(modalities)}")
        return unimodal_equivalent(next(iter(specs.values())), 5, **settings.model, **kwargs)
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {list(ARCHITECTURES)} or 'Unimodal', got {arch!r}")
    return create_model(ARCHITECTURES[arch], specs, 5, **settings.model, **kwargs)


def train_model(arch: str, losses: str, train: Sequence[NightFeatures], val: Sequence[NightFeatures],
                settings: CoreSleepSettings, seed: int, modalities: Sequence[str] = MODALITIES, *,
                device: str | torch.device = "auto", **kwargs: Any):
    """Train one model on ``device`` (``"auto"``: :func:`fusionlab.repro.get_device`; mixed precision on CUDA);
    returns ``(model, history, seconds)``.

    Per-epoch labels in training, centre-epoch validation. The model stays on ``device``.
    """
    seed_everything(seed)
    model = build_model(arch, settings, modalities, **kwargs)
    # Models trained with MS answer with a modality's own predictor when only that modality is present.
    model.single_modality_head = "MS" in losses and arch != "Unimodal"
    train_ds = sequence_dataset(train, settings.seq_len, stride=settings.train_stride or settings.seq_len,
                                modalities=modalities)
    val_ds = sequence_dataset(val, settings.seq_len, stride=max(1, settings.seq_len // 3), modalities=modalities,
                              label="center") if val else None
    loss = variant_loss(losses if arch != "Unimodal" else "none")
    tic = time.perf_counter()
    history = fit(model, train_ds, val_ds, settings.train_config(seed), device=device, loss_fn=loss)
    return model, history, time.perf_counter() - tic


def noisy_subset(split: CohortSplit) -> tuple[pd.DataFrame, list[NightFeatures]]:
    """Run the detector on the test nights; returns (detector table joined with the truth, flagged nights)."""
    signals = {n.name: n.signals for n in split.test}
    sfreq = split.test[0].sfreq
    detected = detect_noisy_nights(signals, sfreq)
    if all(n.night is not None for n in split.test):
        table = detected.join(true_noisy_nights([n.night for n in split.test]))
    else:  # real recordings: no ground truth of noise
        table = detected
    table["kind"] = pd.Series(split.test_kind)
    flagged = [n for n in split.test if table.loc[n.name, "noisy_modality"]]
    return table, flagged


_SPLITS: dict[tuple, CohortSplit] = {}


def cohort_split(settings: CoreSleepSettings, seed: int, dataset: str = "synthetic", *,
                 extra_train: int = 0, clean_test_only: bool = False, keep: bool = True) -> CohortSplit:
    """:func:`make_cohort_split` for ``"synthetic"``, :func:`real_cohort_split` otherwise.

    The last split kept is held in memory, so that the lesson's sections (and :func:`run_study` and
    :func:`run_incomplete_data`) reuse the same nights instead of generating them again; a cached full split
    also serves a ``clean_test_only`` request. ``keep=False`` returns a cached split but does not cache one it
    draws: the studies draw their own splits so (one split of the standard profile holds ~200 MB of features
    and signals), and they are freed when the study lets go of them.
    """
    base = (dataset, seed, extra_train, settings.n_train, settings.n_val, settings.n_test_clean,
            settings.n_test_noisy, settings.n_test_distractor, settings.hours)
    clean_only = clean_test_only and dataset == "synthetic"
    for key in ((*base, False), (*base, True)) if clean_only else ((*base, False),):
        if key in _SPLITS:
            return _SPLITS[key]
    _SPLITS.clear()
    split = (make_cohort_split(settings, seed, extra_train=extra_train, clean_test_only=clean_only)
             if dataset == "synthetic" else real_cohort_split(dataset, settings, seed))
    if keep:
        _SPLITS[(*base, clean_only)] = split
    return split


YASA_ROW = "YASA (pretrained, EEG + EOG)"


def _one_hot_night(stages: np.ndarray, n_epochs: int) -> np.ndarray:
    """YASA's stages padded (last stage repeated) or cut to ``n_epochs``, one-hot: (n_epochs, 5)."""
    stages = np.concatenate([stages, np.full(max(0, n_epochs - len(stages)), stages[-1])])[:n_epochs]
    return np.eye(5)[stages]


def yasa_nights(nights: Sequence[NightFeatures]) -> np.ndarray:
    """One-hot stages of YASA's pretrained stager on each night's EEG + EOG, concatenated: (total epochs, 5).

    YASA runs in a fresh Python process (the same computation, the same stages; see
    :func:`~fusionlab.data.synthetic.validation.yasa_stages_in_child`): the ~300 MB it leaves behind never
    join the memory of the process that trains the models.
    """
    from fusionlab.data.synthetic.validation import yasa_stages_in_child

    stages = yasa_stages_in_child([{"eeg": n.signals["eeg"], "sfreq": n.sfreq, "eog": n.signals.get("eog")}
                                   for n in nights])
    return np.concatenate([_one_hot_night(s, n.n_epochs) for s, n in zip(stages, nights)])


def run_study(settings: CoreSleepSettings, *, rows: Sequence[tuple[str, str]] | None = None,
              keep_night: str | None = None, dataset: str = "synthetic", device: str | torch.device = "auto",
              keep_models: Sequence[str] = (), log=print) -> dict[str, Any]:
    """Table I + Table II analogue over ``settings.seeds`` (one fresh subject split per seed).

    Parameters
    ----------
    rows : sequence of (arch, losses), optional
        Default ``settings.table_rows()``; the two unimodal equivalents are always trained.
    device : str or torch.device
        Where training and inference run (``"auto"``: CUDA, then MPS, then CPU; mixed precision on CUDA).
    keep_models : sequence of str
        Row names whose model trained on the first seed is returned (``"models"``), e.g. for a
        lesson's interactive figure; the others are released after scoring.

    Returns
    -------
    dict with
        ``scores``: long DataFrame (seed, model, test, acc, kappa, mf1) -- test in EEG-EOG/EEG/EOG/noisy;
        with ``settings.yasa_baseline`` a :data:`YASA_ROW` scored on EEG-EOG;
        ``detector``: per test night, detected vs true noisy modality (all seeds);
        ``probabilities``: {(seed, model, test): (labels, probs)} for paired bootstrap;
        ``hypnogram``: the night shown in Fig. 3 with truth and EEG-only / EOG-only / CoRe-Sleep stages;
        ``times``: training seconds per (seed, model);
        ``groups``: {(seed, "clean" | "noisy"): night index of every test epoch} (bootstrap units);
        ``latent``: {(seed, "clean" | "noisy"): latent-truth stage of every test epoch} (synthetic nights);
        ``models``: {row name: trained model (eval mode, on ``device``)} of the first seed, for ``keep_models``.
    """
    device = get_device(device)
    rows = list(rows or settings.table_rows())
    records, detectors, probabilities, times, hypnogram = [], [], {}, [], None
    groups: dict[tuple[int, str], np.ndarray] = {}
    latent: dict[tuple[int, str], np.ndarray] = {}
    kept: dict[str, torch.nn.Module] = {}
    for seed in settings.seeds:
        # A split the caller drew (the lesson's Section 1) is reused; the others are not cached (~200 MB each).
        split = cohort_split(settings, seed, dataset, keep=False)
        detector, flagged = noisy_subset(split)
        detectors.append(detector.assign(seed=seed))
        # Table I is scored on the clean test nights; Table II on the nights the detector flags.
        clean = [n for n in split.test if split.test_kind[n.name] == "clean"]
        labels_clean = np.concatenate([n.labels for n in clean])
        labels_noisy = np.concatenate([n.labels for n in flagged]) if flagged else np.zeros(0, int)
        # Night of every test epoch: the resampling unit of the cluster bootstrap.
        groups[(seed, "clean")] = np.concatenate([np.full(n.n_epochs, i) for i, n in enumerate(clean)])
        groups[(seed, "noisy")] = (np.concatenate([np.full(n.n_epochs, i) for i, n in enumerate(flagged)])
                                   if flagged else np.zeros(0, int))
        for part, nights in (("clean", clean), ("noisy", flagged)):
            if nights and all(getattr(n.night, "latent_hypnogram", None) is not None for n in nights):
                latent[(seed, part)] = np.concatenate([n.night.latent_hypnogram[: n.n_epochs] for n in nights])
        shown = next((n for n in flagged if n.name == keep_night), None) or next(
            (n for n in flagged if split.test_kind[n.name] == "noisy_eeg"), None)
        shown_stages: dict[str, np.ndarray] = {}
        jobs = [(a, l, MODALITIES) for a, l in rows] + [("Unimodal", "none", (m,)) for m in MODALITIES]
        for arch, losses, modalities in jobs:
            name = row_name(arch, losses) if arch != "Unimodal" else f"Unimodal Equivalent {modalities[0].upper()}"
            model, history, seconds = train_model(arch, losses, split.train, split.val, settings, seed, modalities,
                                                  device=device)
            times.append({"seed": seed, "model": name, "train_seconds": seconds, "epochs": len(history.epochs)})
            if seed == settings.seeds[0] and name in keep_models:
                kept[name] = model.eval()
            scores, probs = evaluate_modality_subsets(model, clean, device=device)
            for test, row in scores.iterrows():
                records.append({"seed": seed, "model": name, "test": test, **row})
                probabilities[(seed, name, test)] = (labels_clean, probs[test])
            if flagged:
                use = modalities
                p = np.concatenate([predict_night(model, n, use, device=device) for n in flagged])
                records.append({"seed": seed, "model": name, "test": "noisy", **staging_scores(labels_noisy, p)})
                probabilities[(seed, name, "noisy")] = (labels_noisy, p)
            if shown is not None and name in ("Unimodal Equivalent EEG", "Unimodal Equivalent EOG",
                                              "CoRe-Sleep (MS + AL)"):
                shown_stages[name] = predict_night(model, shown, modalities, device=device).argmax(1)
            log(f"seed {seed} {name:<28s} {seconds:6.1f} s  " + "  ".join(
                f"{t}: {r['acc']:.1f}%" for t, r in scores.iterrows()))
        if settings.yasa_baseline and seed in settings.seeds[: settings.yasa_seeds or len(settings.seeds)]:
            tic = time.perf_counter()
            p = yasa_nights(clean)
            records.append({"seed": seed, "model": YASA_ROW, "test": "EEG-EOG", **staging_scores(labels_clean, p)})
            probabilities[(seed, YASA_ROW, "EEG-EOG")] = (labels_clean, p)
            log(f"seed {seed} {YASA_ROW:<28s} {time.perf_counter() - tic:6.1f} s  "
                f"EEG-EOG: {records[-1]['acc']:.1f}% (no training: pretrained on real PSG)")
        if hypnogram is None and shown is not None:
            hypnogram = {"night": shown, "truth": shown.labels, **shown_stages}
        # Release this seed's nights before the next split is drawn (only one split in memory at a time).
        del split, clean, flagged, detector, shown
    return {"scores": pd.DataFrame(records), "detector": pd.concat(detectors), "probabilities": probabilities,
            "hypnogram": hypnogram, "times": pd.DataFrame(times), "groups": groups, "latent": latent,
            "models": kept}


def summarize(scores: pd.DataFrame, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean ± std over seeds: rows = models, columns = (test, metric) formatted as strings."""
    grouped = scores.groupby(["model", "test"])[["acc", "kappa", "mf1"]].agg(["mean", "std"])
    out = {}
    for (model, test), row in grouped.iterrows():
        for metric in ("acc", "kappa", "mf1"):
            mean, std = row[(metric, "mean")], row[(metric, "std")]
            std = 0.0 if np.isnan(std) else std
            fmt = "{:.3f} ± {:.3f}" if metric == "kappa" else "{:.1f} ± {:.1f}"
            out.setdefault(model, {})[(test, metric)] = fmt.format(mean, std)
    table = pd.DataFrame.from_dict(out, orient="index")
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    tests = [t for t in ("EEG-EOG", "EEG", "EOG", "noisy") if t in table.columns.get_level_values(0)]
    table = table.reindex(columns=[(t, m) for t in tests for m in ("acc", "kappa", "mf1")])
    order = list(order or TABLE_ROWS + [row_name("CoRe", "MS+AL-clip"), "Unimodal Equivalent EEG",
                                         "Unimodal Equivalent EOG", YASA_ROW])
    return table.reindex([r for r in order if r in table.index] + [r for r in table.index if r not in order])


def incomplete_plan(settings: CoreSleepSettings) -> dict[str, list[int]]:
    """Fig. 4 runs: scenario -> numbers of unimodal subjects added (per modality), flood regime included."""
    plan = {scenario: list(settings.incomplete_added) for scenario in settings.incomplete_scenarios}
    for scenario, k in settings.incomplete_flood:
        plan.setdefault(scenario, [0])
        if int(k) not in plan[scenario]:
            plan[scenario].append(int(k))
    for scenario, ks in plan.items():
        if scenario not in ("both", "eeg", "eog"):
            raise ValueError(f"incomplete scenarios must be 'both', 'eeg' or 'eog', got {scenario!r}")
        if any(k < 0 for k in ks):
            raise ValueError(f"numbers of added subjects must be >= 0, got {ks} for {scenario!r}")
        ks.sort()
    return plan


def run_incomplete_data(settings: CoreSleepSettings, seed: int, *, dataset: str = "synthetic",
                        device: str | torch.device = "auto", log=print) -> pd.DataFrame:
    """Fig. 4 analogue: CoRe-Sleep on ``incomplete_base`` multimodal subjects plus ``k`` unimodal ones.

    Scenarios: ``"both"`` adds ``k`` EEG-only and ``k`` EOG-only subjects (different subjects),
    ``"eeg"``/``"eog"`` add ``k`` subjects of that modality only; ``settings.incomplete_flood`` adds
    runs far beyond the multimodal base (the regime in which the paper sees the other modality's
    predictor deteriorate). As the paper trains it, the added subjects contribute only the supervised
    loss of their modality and MS and AL come from the multimodal subjects only (see
    :class:`fusionlab.train.losses.CoreSleepLoss`). Predictors are shared, as the paper did for this experiment.

    Returns
    -------
    DataFrame: scenario, added, unimodal_per_multimodal (added unimodal subjects per multimodal one),
    test (EEG-EOG/EEG/EOG), acc, kappa, mf1, seed.
    """
    device = get_device(device)
    plan = incomplete_plan(settings)
    needed = max(k * (2 if scenario == "both" else 1) for scenario, ks in plan.items() for k in ks)
    extra = settings.incomplete_base + needed - settings.n_train
    extra_train = max(0, extra) if dataset == "synthetic" else 0
    # A split cached by the caller is reused (the smoke profile's needs no extra night); else only the nights
    # this run uses are drawn (clean test nights without raw signals), not cached: freed when it returns.
    split = cohort_split(settings, seed, dataset, extra_train=extra_train, clean_test_only=True, keep=False)
    if len(split.train) < settings.incomplete_base + needed:
        raise ValueError(f"the incomplete-data study needs {settings.incomplete_base + needed} training "
                         f"nights, the {dataset!r} split has {len(split.train)}")
    base = split.train[: settings.incomplete_base]
    pool = split.train[settings.incomplete_base:]
    clean = [n for n in split.test if split.test_kind[n.name] == "clean"]
    records: list[dict[str, Any]] = []
    base_records: list[dict[str, Any]] | None = None  # the k = 0 model is the same in every scenario
    for scenario, ks in plan.items():
        for k in ks:
            if k == 0 and base_records is not None:
                records += [dict(r, scenario=scenario) for r in base_records]
                continue
            added: list[NightFeatures] = []
            if scenario in ("both", "eeg"):
                added += [n.with_present(eog=False) for n in pool[:k]]
            if scenario in ("both", "eog"):
                start = k if scenario == "both" else 0
                added += [n.with_present(eeg=False) for n in pool[start:start + k]]
            model, _, seconds = train_model("CoRe", "MS+AL", base + added, split.val, settings, seed,
                                            device=device, share_predictor=True)
            scores, _ = evaluate_modality_subsets(model, clean, device=device)
            rows = [{"scenario": scenario, "added": k, "unimodal_per_multimodal": len(added) / len(base),
                     "test": test, "seed": seed, **row} for test, row in scores.iterrows()]
            records += rows
            if k == 0:
                base_records = rows
            log(f"incomplete {scenario:>4s} +{k:<3d} ({len(added)} unimodal / {len(base)} multimodal) "
                f"{seconds:6.1f} s  " + "  ".join(f"{t}: {r['acc']:.1f}%" for t, r in scores.iterrows()))
    return pd.DataFrame(records)


def settings_dict(settings: CoreSleepSettings) -> dict[str, Any]:
    """Settings as a plain dict (for printing)."""
    return asdict(settings)


def with_overrides(settings: CoreSleepSettings, **changes: Any) -> CoreSleepSettings:
    """A copy of ``settings`` with some fields changed."""
    return replace(settings, **changes)


# ------------------------------------------------------------------------------- the common study shape
Settings = CoreSleepSettings
"""This study's settings (:mod:`fusionlab.studies.base`): ``Settings.for_profile(profile, **overrides)``."""


def run(settings: CoreSleepSettings, *, device: str | torch.device = "auto", cache: bool = True,
        dataset: str = "synthetic", incomplete: bool = True, keep_models: Sequence[str] = (), log=print) -> Result:
    """The whole study: :func:`run_study` (Tables I and II) then, with ``incomplete``, :func:`run_incomplete_data`
    over the first ``settings.incomplete_seeds`` seeds (Fig. 4), in the order lesson 07 runs them.

    ``cache`` is accepted for the common shape; this study is not cached (its synthetic nights are drawn again
    in seconds and its models are what a lesson looks at).

    Returns
    -------
    Result
        ``tables``: ``scores`` (seed, model, test, acc, kappa, mf1), ``summary`` (:func:`summarize`),
        ``detector``, ``times`` and, with ``incomplete``, ``incomplete`` (Fig. 4 runs);
        ``extras``: ``probabilities``, ``hypnogram``, ``groups``, ``latent``, ``models`` (see :func:`run_study`),
        ``device`` (where it trained). ``protocol`` is the dataset.
    """
    device = get_device(device)
    study = run_study(settings, dataset=dataset, device=device, keep_models=keep_models, log=log)
    tables = {"scores": study["scores"], "summary": summarize(study["scores"]), "detector": study["detector"],
              "times": study["times"]}
    if incomplete:
        tables["incomplete"] = pd.concat([run_incomplete_data(settings, seed, dataset=dataset, device=device, log=log)
                                          for seed in settings.seeds[: settings.incomplete_seeds]],
                                         ignore_index=True)
    extras = {key: study[key] for key in ("probabilities", "hypnogram", "groups", "latent", "models")}
    extras["device"] = str(device)
    return Result("core-sleep", settings, tables, protocol=dataset, extras=extras)
