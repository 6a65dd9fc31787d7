"""Kontras et al., CoRe-Sleep (SHHS-1, EEG C4-A1 + EOG L-R): reported numbers, transcribed from the paper.

Values are (mean, std) over three dataset splits; accuracy and macro-F1 in %, Cohen's kappa in [-1, 1].
"""

from __future__ import annotations

import pandas as pd

_T1_COLUMNS = [(t, m) for t in ("EEG-EOG", "EEG", "EOG") for m in ("acc", "kappa", "mf1")]

# Table I: trained on EEG & EOG, tested on EEG-EOG / EEG / EOG. None = not reported ("-").
CORE_SLEEP_TABLE_I: dict[str, list[tuple[float, float] | None]] = {
    "Early": [(89.1, 0.0), (0.847, 0.001), (81.7, 0.3), (58.0, 1.4), (0.403, 0.025), (42.5, 1.9),
              (43.6, 10.3), (0.201, 0.111), (29.2, 8.1)],
    "Mid-Late": [(89.1, 0.1), (0.848, 0.002), (81.6, 0.2), (85.4, 0.4), (0.797, 0.006), (78.2, 0.7),
                 (75.4, 2.3), (0.639, 0.039), (59.1, 2.5)],
    "CoRe": [(89.1, 0.0), (0.847, 0.001), (81.6, 0.3), (64.7, 8.4), (0.458, 0.139), (46.2, 13.1),
             (28.3, 13.2), (-0.016, 0.126), (11.9, 6.2)],
    "Early + AL": [(89.2, 0.0), (0.849, 0.000), (81.9, 0.2), (49.7, 14.4), (0.298, 0.179), (39.4, 13.8),
                   (34.0, 4.7), (0.094, 0.066), (21.6, 9.1)],
    "Mid-Late + AL": [(89.2, 0.1), (0.848, 0.002), (81.7, 0.3), (85.7, 0.3), (0.800, 0.004), (78.2, 0.6),
                      (74.8, 2.3), (0.627, 0.036), (57.2, 3.0)],
    "CoRe + AL": [(89.3, 0.2), (0.850, 0.002), (81.8, 0.1), (53.7, 7.5), (0.341, 0.120), (39.6, 11.0),
                  (43.9, 4.1), (0.172, 0.069), (23.0, 3.1)],
    "Early + MS": [(89.4, 0.1), (0.851, 0.002), (82.1, 0.3), (81.7, 1.1), (0.742, 0.015), (65.8, 1.0),
                   (77.7, 1.5), (0.686, 0.018), (62.4, 1.2)],
    "Mid-Late + MS": [(89.2, 0.1), (0.849, 0.002), (81.6, 0.1), (87.7, 0.2), (0.828, 0.003), (80.1, 0.2),
                      (84.9, 0.2), (0.787, 0.002), (74.4, 0.2)],
    "CoRe + MS": [(89.4, 0.1), (0.851, 0.002), (82.0, 0.3), (87.9, 0.2), (0.830, 0.003), (80.3, 0.4),
                  (84.9, 0.1), (0.787, 0.002), (74.5, 0.2)],
    "Early + MS + AL": [(89.5, 0.1), (0.853, 0.002), (82.3, 0.2), (87.1, 1.7), (0.820, 0.021), (79.7, 1.6),
                        (83.4, 3.0), (0.770, 0.036), (74.0, 2.3)],
    "Mid-Late + MS + AL": [(89.3, 0.1), (0.851, 0.002), (81.9, 0.1), (88.0, 0.2), (0.831, 0.003), (80.4, 0.2),
                           (85.2, 0.1), (0.792, 0.002), (75.1, 0.1)],
    "CoRe-Sleep (MS + AL)": [(89.5, 0.1), (0.853, 0.002), (82.3, 0.3), (88.2, 0.2), (0.834, 0.003), (80.8, 0.4),
                             (85.3, 0.1), (0.792, 0.001), (75.3, 0.3)],
    # The unimodal equivalents: one model trained and tested on EEG, one on EOG.
    "Unimodal Equivalent": [None, None, None, (87.7, 0.2), (0.828, 0.003), (80.1, 0.4), (85.1, 0.1),
                            (0.790, 0.001), (75.0, 0.2)],
}

# Table II: the noisy SHHS-1 subset (nights > 40 % corrupted in EEG or EOG), tested on EEG-EOG.
# Transcribed as printed, including three std entries whose scale looks inconsistent with their column
# (Unimodal EEG acc "± 0.019", CoRe kappa "± 2.1", i.e. probably 1.9 % and 0.021).
CORE_SLEEP_TABLE_II: dict[str, tuple[tuple[float, float], ...]] = {
    "Unimodal Equivalent EEG": ((56.1, 0.019), (0.351, 0.029), (43.7, 3.5)),
    "Unimodal Equivalent EOG": ((80.6, 2.1), (0.722, 0.03), (69.5, 2.0)),
    "Early": ((77.9, 2.9), (0.669, 0.046), (68.6, 4.4)),
    "Mid-Late": ((81.7, 0.3), (0.702, 0.007), (73.9, 0.4)),
    "CoRe": ((79.5, 1.4), (0.706, 2.1), (67.7, 1.8)),
    "Early + AL": ((81.1, 1.2), (0.730, 0.017), (70.4, 1.1)),
    "Mid-Late + AL": ((82.2, 0.7), (0.746, 0.009), (70.2, 0.7)),
    "CoRe + AL": ((82.2, 0.3), (0.745, 0.006), (71.4, 0.5)),
    "Early + MS": ((81.1, 1.0), (0.730, 0.015), (70.2, 1.2)),
    "Mid-Late + MS": ((84.2, 0.5), (0.774, 0.008), (73.2, 1.0)),
    "CoRe + MS": ((82.9, 1.1), (0.754, 0.015), (71.5, 0.9)),
    "Early + MS + AL": ((83.1, 0.5), (0.758, 0.007), (72.2, 0.6)),
    "Mid-Late + MS + AL": ((83.8, 1.1), (0.769, 0.016), (73.0, 1.5)),
    "CoRe-Sleep (MS + AL)": ((84.0, 1.2), (0.771, 0.017), (73.0, 0.7)),
}

# Sec. II-G: noisy patients per split (>40 % noisy EEG / EOG) in the three SHHS-1 test splits.
CORE_SLEEP_NOISY_COUNTS = {"eeg": (17, 20, 11), "eog": (10, 4, 3)}


def _fmt(value: tuple[float, float] | None, metric: str) -> str:
    if value is None:
        return "-"
    mean, std = value
    return f"{mean:.3f} ± {std:.3f}" if metric == "kappa" else f"{mean:.1f} ± {std:.1f}"


def core_sleep_table_i() -> pd.DataFrame:
    """Table I as strings ("mean ± std"), columns (test modalities, metric)."""
    rows = {name: [_fmt(v, m) for v, (_, m) in zip(values, _T1_COLUMNS)]
            for name, values in CORE_SLEEP_TABLE_I.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=pd.MultiIndex.from_tuples(_T1_COLUMNS))


def core_sleep_table_ii() -> pd.DataFrame:
    """Table II as strings ("mean ± std"), columns acc, kappa, mf1 (noisy subset, EEG-EOG input)."""
    rows = {name: [_fmt(v, m) for v, m in zip(values, ("acc", "kappa", "mf1"))]
            for name, values in CORE_SLEEP_TABLE_II.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["acc", "kappa", "mf1"])
