"""ECG heartbeat classification across feature domains ("Rethinking Multimodality", arXiv:2508.00963).

- :mod:`~fusionlab.ecg.views`: time / time-frequency (CWT) / frequency (FFT) views of a beat;
- :mod:`~fusionlab.ecg.protocol`: inter-patient, record-cv and intra-patient protocols, metric tables;
- :mod:`~fusionlab.ecg.balance`: ADASYN on the training split, class weights, the resampling leak;
- :mod:`~fusionlab.ecg.baseline`: RR + morphology gradient boosting;
- :mod:`~fusionlab.ecg.rhythm`: rhythm as a modality (per-record RR features), per-record morphology;
- :mod:`~fusionlab.ecg.features`: every model input of a beat set, cached on disk;
- :mod:`~fusionlab.ecg.tables`: the gain of rhythm and the best fused model against the GBM;
- :mod:`~fusionlab.ecg.experiment`: :func:`run_ecg_domains`, the whole study (cached);
- :mod:`~fusionlab.ecg.saliency`: input-gradient saliency and occlusion of a trained model.

The models live in :mod:`fusionlab.models.ecg_domains`.
"""

from fusionlab.data import rhythm
from fusionlab.data.balance import BALANCING, balance_beats, class_weights, resampling_leak_demo
from fusionlab.spectral.beat_views import (
    DOMAINS,
    ViewScaler,
    ViewSettings,
    beat_views,
    view_specs,
    views_to_dataset,
)
from fusionlab.stats.mitdb_protocol import (
    CLASSES,
    PROTOCOLS,
    Fold,
    beat_metrics,
    drop_unscored,
    make_folds,
    metrics_table,
    resolve_protocol,
)
from fusionlab.studies.ecg_domains import features, tables
from fusionlab.studies.ecg_domains.baseline import baseline_features, gbm_baseline
from fusionlab.studies.ecg_domains.study import (
    ADASYN_SUFFIX,
    GBM,
    LATE_SUFFIX,
    MODEL_DOMAINS,
    EcgDomainResult,
    EcgSettings,
    available_records,
    cap_per_class,
    late_fusion_experts,
    late_fusion_name,
    load_ecg_beats,
    model_modalities,
    penultimate_features,
    rebuild_model,
    run_ecg_domains,
    scale_inputs,
    study_settings,
    validation_records,
    without_rhythm,
)

__all__ = [
    "ADASYN_SUFFIX",
    "BALANCING",
    "CLASSES",
    "DOMAINS",
    "GBM",
    "LATE_SUFFIX",
    "MODEL_DOMAINS",
    "PROTOCOLS",
    "EcgDomainResult",
    "EcgSettings",
    "Fold",
    "ViewScaler",
    "ViewSettings",
    "available_records",
    "balance_beats",
    "baseline_features",
    "beat_metrics",
    "beat_views",
    "cap_per_class",
    "class_weights",
    "drop_unscored",
    "features",
    "gbm_baseline",
    "late_fusion_experts",
    "late_fusion_name",
    "load_ecg_beats",
    "make_folds",
    "metrics_table",
    "model_modalities",
    "penultimate_features",
    "rebuild_model",
    "resampling_leak_demo",
    "resolve_protocol",
    "rhythm",
    "run_ecg_domains",
    "scale_inputs",
    "study_settings",
    "tables",
    "validation_records",
    "view_specs",
    "views_to_dataset",
    "without_rhythm",
]

from fusionlab._lazy import lazy_exports

# Submodules (``.reference``, ``.study`` ...) load on first attribute access.
__getattr__, __dir__ = lazy_exports(__name__, {})
