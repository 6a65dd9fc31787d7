"""Rethinking Multimodality (arXiv:2508.00963): numbers reported by the paper (transcribed, not computed).

The paper classifies ECG *images* (a Mendeley ECG-image dataset) converted to 1-D signals -- not
MIT-BIH beats -- so its numbers are a reference point, not a target for fusionlab's tables.
Only the values stated in the paper's text/summary are transcribed; what it does not state is ``None``.
"""

from __future__ import annotations

import pandas as pd

# Overall accuracy reported for the models (the paper states Hybrid 1 at 96 %, Hybrid 2 at 94 %).
ECG_DOMAINS_ACCURACY = {
    "1D-CNN": None,
    "2D-CNN": None,
    "CNN-Transformer": None,
    "Hybrid 1": 0.96,
    "Hybrid 2": 0.94,
}

# Dependence between learned feature domains: D1 = 1D-CNN (time), D2 = 2D-CNN (time-frequency),
# D3 = Transformer (frequency). (Pearson correlation, mutual information).
ECG_DOMAINS_DEPENDENCE = {
    ("time", "tf"): (0.07, 0.40),
    ("tf", "freq"): (0.18, 0.37),
    ("time", "freq"): (-0.30, 0.44),
}

# Statistical verdicts (bootstrap + Bayesian inference).
ECG_DOMAINS_VERDICTS = {
    ("Hybrid 1", "2D-CNN"): "Hybrid 1 better on all metrics (p < 0.05, P(better) > 0.90)",
    ("Hybrid 2", "Hybrid 1"): "no improvement; differences negative or close to zero (redundancy)",
}


def ecg_domains_dependence_table() -> pd.DataFrame:
    """The paper's Pearson correlation and MI between domain pairs, one row per pair."""
    return pd.DataFrame([{"pair": f"{a}-{b}", "pearson_paper": r, "mi_paper": mi}
                         for (a, b), (r, mi) in ECG_DOMAINS_DEPENDENCE.items()]).set_index("pair")
