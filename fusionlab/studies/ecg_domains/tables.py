"""The tables that answer issue 17: the gain of the rhythm modality, and the best fused model against the GBM.

- :func:`rhythm_comparisons`: every model with rhythm against the same model without it, and the best
  fused deep model with rhythm against the GBM baseline -- paired record-bootstrap differences of
  macro-F1 (and Se/PPV of S), with Holm-corrected p-values (:func:`fusionlab.stats.compare_models`);
- :func:`target_check`: the benchmark's targets (macro-F1 >= 0.65 and above the GBM, Se(S) and
  PPV(S) >= 0.5) for one model, as booleans the lessons print.
"""

from __future__ import annotations

import pandas as pd

from fusionlab import stats
from fusionlab.stats.mitdb_protocol import CLASSES
from fusionlab.studies.ecg_domains.study import (
    ADASYN_SUFFIX,
    GBM,
    MODEL_DOMAINS,
    EcgDomainResult,
    model_modalities,
    morphology_expert,
    without_rhythm,
)

TARGETS = {"macro_f1": 0.65, "Se_S": 0.5, "PPV_S": 0.5}


def fused_rhythm_models(names) -> list[str]:
    """Deep models that fuse rhythm with at least one morphology view (ADASYN and late-fusion rows included)."""
    out = []
    for name in names:
        try:
            domains = model_modalities(name)
        except KeyError:  # the GBM and the majority class
            continue
        if "rhythm" in domains and len(domains) > 1:
            out.append(name)
    return out


def best_fused_model(table: pd.DataFrame) -> str:
    """The fused deep model with rhythm of highest macro-F1 in a :func:`~fusionlab.stats.mitdb_protocol.metrics_table`."""
    candidates = fused_rhythm_models(table.index)
    if not candidates:
        raise ValueError(f"no fused model with rhythm in the table; rows: {list(table.index)}")
    return str(table.loc[candidates, "macro_f1"].idxmax())


def intermediate_twin(name: str) -> str | None:
    """The intermediate-fusion model of a late fusion with ``"Rhythm only"``: ``"1D-CNN x Rhythm only (late)"`` ->
    ``"1D-CNN + rhythm"`` (one network on both modalities), else None."""
    other = morphology_expert(name)
    return f"{other} + rhythm" if other is not None and f"{other} + rhythm" in MODEL_DOMAINS else None


def rhythm_comparisons(result: EcgDomainResult, table: pd.DataFrame, *, n_boot: int = 2000, seed: int = 0,
                       metrics=("macro_f1", "sensitivity:1", "ppv:1")) -> pd.DataFrame:
    """Paired record-bootstrap differences: each model with rhythm minus its twin without, each late fusion
    minus the intermediate fusion of the same modalities, each ADASYN row minus the same model trained with
    class weights, and the best fused model minus the GBM.

    Returns
    -------
    DataFrame
        Rows of :func:`fusionlab.stats.compare_models` (``a``, ``b``, ``metric``, ``estimate``,
        ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted``, ``prob_a_better``).
    """
    names = set(result.predictions)
    pairs = [(name, twin) for name in result.predictions if (twin := without_rhythm(name)) in names]
    # Late (product of experts) against intermediate fusion (one network) of the same modalities.
    pairs += [(name, twin) for name in result.predictions if (twin := intermediate_twin(name)) in names]
    # ADASYN (the paper's balancing) against class weighting, same model.
    pairs += [(name, base) for name in result.predictions
              if name.endswith(ADASYN_SUFFIX) and (base := name.removesuffix(ADASYN_SUFFIX)) in names]
    pairs.append((best_fused_model(table), GBM))
    return stats.compare_models(result.y_true, result.predictions, pairs, metrics, groups=result.records,
                                n_classes=len(CLASSES), n_boot=n_boot, seed=seed)


def target_check(table: pd.DataFrame, comparisons: pd.DataFrame, model: str) -> pd.Series:
    """Whether ``model`` meets each target of the benchmark (and beats the GBM with an interval above 0)."""
    row = table.loc[model]
    vs_gbm = comparisons[(comparisons["a"] == model) & (comparisons["b"] == GBM)
                         & (comparisons["metric"] == "macro_f1")]
    out = {f"{k} >= {v}": bool(row[k] >= v) for k, v in TARGETS.items()}
    out["macro_f1 above GBM"] = bool(row["macro_f1"] > table.loc[GBM, "macro_f1"])
    out["interval of the difference above 0"] = bool(len(vs_gbm) and vs_gbm["ci_low"].iloc[0] > 0)
    return pd.Series(out, name=model)
