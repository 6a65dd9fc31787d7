"""The course outline: the ordered lessons, what each teaches and which paper it reproduces."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fusionlab import paths


@dataclass(frozen=True)
class Lesson:
    notebook: str
    teaches: str
    paper: str
    fusion_timing: str = ""  # where the lesson sits on the early/late axis ("" if not a fusion lesson)
    encoder_depth: str = ""  # basic / enhanced axis


LESSONS: tuple[Lesson, ...] = (
    Lesson("00_setup_and_map", "environment and device check; the fusion design space as a map", "all four"),
    Lesson("01_data_loading", "EDF/EDF+ (Sleep-EDF, CAP, SHHS, DREAMS) via MNE; WFDB (MIT-BIH) via wfdb; "
           "epochs, beats, the synthetic night", "all four"),
    Lesson("02_spectral_representations", "STFT (CoRe-Sleep), log-mel (audio transformer), CWT scalograms, FFT spectra",
           "all four"),
    Lesson("03_fusion_zoo", "every fusion block in the registry: shapes, parameters, missing modalities", "all four"),
    Lesson("04_training_on_gpu", "the training loop, devices, mixed precision, checkpoints, multi-GPU", "-"),
    Lesson("05_decision_boundaries", "synthetic logic tasks, the four variants, Bayes-optimal ceiling, boundaries",
           "Hayes & Sun", "early and late", "basic and enhanced"),
    Lesson("06_modality_aware_sleep_events", "frozen pretrained vs trainable encoders on sleep events; ablation",
           "Hayes & Sun", "early and late", "basic and enhanced"),
    Lesson("07_core_sleep_imperfect_modalities", "missing and noisy modalities, incomplete training data",
           "Kontras et al. (CoRe-Sleep)", "early, mid-late, coordinated", "enhanced"),
    Lesson("08_ecg_feature_domains", "time / time-frequency / frequency encoders, Hybrid 1/2, ADASYN",
           "Rethinking Multimodality", "intermediate (feature concatenation)", "enhanced"),
    Lesson("09_step_fusion", "Stepwise Fusion vs LMF vs cross-attention (MIT-BIH, ETT)", "Qin et al. (Step Fusion)",
           "intermediate (stepwise)", "enhanced"),
    Lesson("10_feature_dependence", "Pearson correlation and mutual information between feature domains",
           "Rethinking Multimodality"),
    Lesson("11_statistical_significance", "paired bootstrap, confidence intervals, Bayesian probability of improvement",
           "Rethinking Multimodality"),
)


def course_table() -> pd.DataFrame:
    """The course as a table, with whether each notebook exists yet in this checkout."""
    present = {p.stem for p in paths.notebooks_dir().glob("*.ipynb")}
    frame = pd.DataFrame([lesson.__dict__ for lesson in LESSONS]).set_index("notebook")
    frame["available"] = [name in present for name in frame.index]
    return frame
