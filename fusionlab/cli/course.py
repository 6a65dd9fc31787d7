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
    full_profile: str = ""  # what PROFILE="full" runs (read from the lesson's fl.profiles.pick / settings)


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
    Lesson("00_setup_and_map", "environment and device check; the fusion taxonomy and the course map", "all four",
           full_profile='as standard (no training; the device check runs on the GPU)'),
    Lesson("00a_signals_primer", "sleep stages and PSG channels, hypnograms, EDF; ECG beats, AAMI classes, RR "
           "intervals, WFDB; the fusion taxonomy; bootstrap intervals, records as units, Holm's correction",
           "all four", prerequisites=("00",),
           full_profile='as standard (a 2-h synthetic night, 3 MIT-BIH records, 2000 bootstrap draws); no training'),
    Lesson("01_data_loading", "EDF/EDF+ (Sleep-EDF, CAP, SHHS, DREAMS) via MNE; WFDB (MIT-BIH) via wfdb; "
           "epochs, beats, the synthetic night", "all four", prerequisites=("00", "00a"),
           full_profile='as standard (an 8-h synthetic night, the 22 DS1 records, 600 synthetic events); no training'),
    Lesson("02_spectral_representations", "STFT (CoRe-Sleep), log-mel (audio transformer), CWT scalograms, FFT spectra",
           "all four", prerequisites=("00a", "01"),
           full_profile='as standard (an 8-h synthetic night, 64 CWT scales); no training'),
    Lesson("03_fusion_zoo", "early, intermediate, late (decision-level) fusion written from scratch and checked "
           "against every fusion block in the registry", "all four", prerequisites=("00", "00a"),
           full_profile='as standard (batch 8, d_model 32); no training'),
    Lesson("04_training_on_gpu", "the training loop, devices, mixed precision, checkpoints, multi-GPU", "-",
           prerequisites=("00", "03"),
           full_profile='16,000 AND-task samples, 10 epochs, batch sizes 64-4096, bf16/fp16 on CUDA; the same small enhanced_late model (d_model 32)'),
    Lesson("05_decision_boundaries", "synthetic logic tasks, the four variants, Bayes-optimal ceiling, boundaries",
           "Hayes & Sun", "early and intermediate", "basic and enhanced", prerequisites=("03", "04"),
           full_profile="16,000 training / 20,000 test samples per task, d_model 64, depth 2, 40 epochs, 5 seeds; small transformers, not the paper's pretrained encoders"),
    Lesson("06_modality_aware_sleep_events", "frozen pretrained vs trainable encoders on sleep events; ablation",
           "Hayes & Sun", "early and intermediate", "basic and enhanced", prerequisites=("00a", "01", "03", "05"),
           full_profile='4,000 synthetic events from 20 subjects, d_model 64, depth 2, 60 epochs, 3 seeds; offline the pretrained encoders (AST, CLIP, ViT) have random weights'),
    Lesson("07_core_sleep_imperfect_modalities", "missing and noisy modalities, incomplete training data",
           "Kontras et al. (CoRe-Sleep)", "early, intermediate, coordinated", "enhanced",
           prerequisites=("00a", "02", "03", "04"),
           full_profile="the paper's model size (d_model 128, 8 heads, 4 + 4 layers: 6.4 M parameters for CoRe) trained on 60 synthetic 8-h nights, not on SHHS; 30 epochs, 3 seeds"),
    Lesson("08_ecg_feature_domains", "time / time-frequency / frequency encoders, Hybrid 1/2, ADASYN",
           "Rethinking Multimodality", "intermediate (feature concatenation)", "enhanced",
           prerequisites=("00a", "01", "02", "03"),
           full_profile='all MIT-BIH records in 5 folds, d_model 64, 60 epochs, 5 seeds, up to 20,000 N beats'),
    Lesson("09_step_fusion", "Stepwise Fusion vs LMF vs cross-attention (MIT-BIH, ETT)", "Qin et al. (Step Fusion)",
           "intermediate (stepwise)", "enhanced", prerequisites=("03", "08"),
           full_profile="d_model 64, ResNet depth 6 / width 16, 2-layer LSTM, 30 epochs, 5 folds (Step Fusion about 0.33 M parameters; the paper's model about 70 M); MIT-BIH and ETTh1/ETTh2"),
    Lesson("10_feature_dependence", "Pearson correlation and mutual information between feature domains",
           "Rethinking Multimodality", prerequisites=("08",),
           full_profile="lesson 08's full-profile run (from its cache), 3,000 samples for the estimator checks"),
    Lesson("11_statistical_significance", "paired bootstrap, confidence intervals, Bayesian probability of improvement",
           "Rethinking Multimodality", prerequisites=("00a", "08"),
           full_profile="lesson 08's full-profile predictions, 4,000 bootstrap draws, 200 coverage simulations"),
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
