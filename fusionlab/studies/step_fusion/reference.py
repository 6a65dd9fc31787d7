"""Qin et al., "Step fusion: Local and global mutual guidance": numbers reported by the paper (transcribed, not computed).

The paper does not state its ETT setting (which file, input length, horizon, normalisation) nor its
MIT-BIH protocol (which records, intra- or inter-patient split, which F1 average), so these numbers
are reference points; notebook 09 says which of its own settings differ.
"""

from __future__ import annotations

import pandas as pd

from fusionlab.models.step_fusion import QIN_PARAMETERS

# Table 1 (ETT test set; MAE, MSE) -- the baselines are the papers' own numbers as quoted by Qin et al.
QIN_ETT_SOTA = {"NLinear": (0.226, 0.080), "FiLM": (0.240, 0.090), "SCINet": (0.127, 0.029), "SF": (0.058, 0.006)}
# Table 2 (MIT-BIH test set; accuracy, F1).
QIN_MITDB_SOTA = {"1D-CNN": (0.959, 0.864), "GANs": (0.987, 0.929), "SR-based": (0.947, 0.786), "SF": (0.989, 0.982)}
# "Cross-attention" is the paper's [16], CAT (Lin et al., ICME 2022); fusionlab's "Cross-attention" variant is a
# MulT-style stand-in (fusionlab.models.step_fusion), so these rows compare different blocks.
CROSS_ATTENTION_CITED = "CAT (H. Lin et al., 'CAT: Cross attention in vision transformer', ICME 2022)"
CROSS_ATTENTION_USED = "MulT-style cross-modal attention (Tsai et al., ACL 2019), a stand-in: CAT is not built"
# Tables 3-6, by fusionlab variant name: ETT (MAE, MSE) and MIT-BIH (accuracy, F1); None where not reported.
QIN_ETT = {"SF": (0.058, 0.006), "LMF": (0.337, 0.116), "Cross-attention": (0.187, 0.086),
           "Series only": (0.187, 0.0298), "Image only": None, "Concat": None}
QIN_MITDB = {"SF": (0.989, 0.982), "LMF": (0.912, 0.905), "Cross-attention": (0.942, 0.931),
             "Image only": (0.518, 0.479), "Series only": (0.858, 0.893), "Concat": None}
# Table 7 (parameters of the whole model, CNN + LSTM and Transformer + ViT encoders; cross-attention = CAT): QIN_PARAMETERS, kept beside
# the model factory (fusionlab.models.step_fusion) whose parameter table prints it.


def qin_reference_table(task: str) -> pd.DataFrame:
    """The paper's numbers for ``task`` ``"ett"`` (MAE, MSE) or ``"mitdb"`` (accuracy, F1), one row per variant."""
    if task == "ett":
        rows, columns = QIN_ETT, ("mae_paper", "mse_paper")
    elif task == "mitdb":
        rows, columns = QIN_MITDB, ("accuracy_paper", "f1_paper")
    else:
        raise ValueError(f"task must be 'ett' or 'mitdb', got {task!r}")
    return pd.DataFrame({name: dict(zip(columns, values or (None, None))) for name, values in rows.items()}).T


def qin_parameter_table() -> pd.DataFrame:
    """Table 7: whole-model parameters (millions) for the two encoder groups and three alignment blocks."""
    return pd.DataFrame({name: {"CNN + LSTM (paper, M)": a / 1e6, "Transformer + ViT (paper, M)": b / 1e6}
                         for name, (a, b) in QIN_PARAMETERS.items()}).T
