"""The course outline: the ordered lessons, what each teaches, which paper it reproduces, what it needs first;
and the one fusion taxonomy every lesson uses (:data:`TAXONOMY`, :data:`FUSION_TAXONOMY`)."""

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
    prerequisites: tuple[str, ...] = ()  # lessons (notebook names' prefixes) to do first


# The course's one fusion taxonomy: these four terms, with these meanings, in every lesson.
TAXONOMY: dict[str, str] = {
    "early fusion": "the modalities' raw signals or low-level tokens are joined before any modality-specific encoder",
    "intermediate (feature-level) fusion": "each modality has its own encoder; their embeddings are combined "
                                           "(concatenation, attention, low-rank, Step Fusion ...) and a joint head "
                                           "is trained end to end",
    "late (decision-level) fusion": "each modality makes its own prediction; the predictions are combined "
                                    "(average of probabilities, vote, learned weights)",
    "coordinated representations": "separate encoders trained with a loss that aligns their embeddings "
                                   "(CoRe-Sleep's alignment loss, CLIP); an objective combined with the three above",
}

# Where each design the course builds sits in the taxonomy, and what its paper calls it.
FUSION_TAXONOMY: dict[str, tuple[str, str]] = {
    "basic_early": ("early fusion", "Hayes & Sun: 'Basic Early' (minimal embeddings, one shared transformer)"),
    "enhanced_early": ("intermediate (feature-level) fusion",
                       "Hayes & Sun: 'Enhanced Early' (trainable modality transformers come first)"),
    "basic_late": ("intermediate (feature-level) fusion",
                   "Hayes & Sun: 'Basic Late' (pooled embeddings of frozen encoders, a joint transformer and head)"),
    "enhanced_late": ("intermediate (feature-level) fusion",
                      "Hayes & Sun: 'Enhanced Late' (cross-modal attention between embeddings, one joint head)"),
    "core_sleep_early": ("early fusion", "Kontras et al.: 'Early' (modalities concatenated, one shared encoder)"),
    "core_sleep_mid_late": ("intermediate (feature-level) fusion",
                            "Kontras et al.: 'Mid-Late' (one encoder per modality, representations summed)"),
    "core_sleep_core": ("coordinated representations",
                        "Kontras et al.: 'CoRe-Sleep' (intermediate fusion trained with the alignment loss)"),
    "ecg_hybrid1": ("intermediate (feature-level) fusion", "Rethinking Multimodality: 'Hybrid 1' (concatenation)"),
    "ecg_hybrid2": ("intermediate (feature-level) fusion", "Rethinking Multimodality: 'Hybrid 2' (concatenation)"),
    "step_fusion": ("intermediate (feature-level) fusion", "Qin et al.: 'Step Fusion' (stepwise mutual guidance)"),
    "lmf": ("intermediate (feature-level) fusion", "Liu et al.: 'low-rank multimodal fusion'"),
    "mult_cross_attention": ("intermediate (feature-level) fusion", "Tsai et al.: 'MulT' cross-modal attention"),
    "decision_average": ("late (decision-level) fusion",
                         "per-modality classifiers whose probabilities are averaged (lesson 03)"),
}

LESSONS: tuple[Lesson, ...] = (
    Lesson("00_setup_and_map", "environment and device check; the fusion taxonomy and the course map", "all four"),
    Lesson("00a_signals_primer", "sleep stages and PSG channels, hypnograms, EDF; ECG beats, AAMI classes, RR "
           "intervals, WFDB; the fusion taxonomy; bootstrap intervals, records as units, Holm's correction",
           "all four", prerequisites=("00",)),
    Lesson("01_data_loading", "EDF/EDF+ (Sleep-EDF, CAP, SHHS, DREAMS) via MNE; WFDB (MIT-BIH) via wfdb; "
           "epochs, beats, the synthetic night", "all four", prerequisites=("00", "00a")),
    Lesson("02_spectral_representations", "STFT (CoRe-Sleep), log-mel (audio transformer), CWT scalograms, FFT spectra",
           "all four", prerequisites=("00a", "01")),
    Lesson("03_fusion_zoo", "early, intermediate, late (decision-level) fusion written from scratch and checked "
           "against every fusion block in the registry", "all four", prerequisites=("00", "00a")),
    Lesson("04_training_on_gpu", "the training loop, devices, mixed precision, checkpoints, multi-GPU", "-",
           prerequisites=("00", "03")),
    Lesson("05_decision_boundaries", "synthetic logic tasks, the four variants, Bayes-optimal ceiling, boundaries",
           "Hayes & Sun", "early and intermediate", "basic and enhanced", prerequisites=("03", "04")),
    Lesson("06_modality_aware_sleep_events", "frozen pretrained vs trainable encoders on sleep events; ablation",
           "Hayes & Sun", "early and intermediate", "basic and enhanced", prerequisites=("00a", "01", "03", "05")),
    Lesson("07_core_sleep_imperfect_modalities", "missing and noisy modalities, incomplete training data",
           "Kontras et al. (CoRe-Sleep)", "early, intermediate, coordinated", "enhanced",
           prerequisites=("00a", "02", "03", "04")),
    Lesson("08_ecg_feature_domains", "time / time-frequency / frequency encoders, Hybrid 1/2, ADASYN",
           "Rethinking Multimodality", "intermediate (feature concatenation)", "enhanced",
           prerequisites=("00a", "01", "02", "03")),
    Lesson("09_step_fusion", "Stepwise Fusion vs LMF vs cross-attention (MIT-BIH, ETT)", "Qin et al. (Step Fusion)",
           "intermediate (stepwise)", "enhanced", prerequisites=("03", "08")),
    Lesson("10_feature_dependence", "Pearson correlation and mutual information between feature domains",
           "Rethinking Multimodality", prerequisites=("08",)),
    Lesson("11_statistical_significance", "paired bootstrap, confidence intervals, Bayesian probability of improvement",
           "Rethinking Multimodality", prerequisites=("00a", "08")),
)


def course_table() -> pd.DataFrame:
    """The course as a table, with whether each notebook exists yet in this checkout."""
    present = {p.stem for p in paths.notebooks_dir().glob("*.ipynb")}
    frame = pd.DataFrame([{**lesson.__dict__, "prerequisites": ", ".join(lesson.prerequisites)}
                          for lesson in LESSONS]).set_index("notebook")
    frame["available"] = [name in present for name in frame.index]
    return frame


def taxonomy_table() -> pd.DataFrame:
    """The course's designs by their place in the fusion taxonomy and their paper's own name."""
    rows = [{"design": name, "taxonomy": term, "the paper calls it": paper}
            for name, (term, paper) in FUSION_TAXONOMY.items()]
    return pd.DataFrame(rows).set_index("design")
