"""Hayes & Sun, Modality-Aware Multimodal Fusion for Sleep Event Classification: reported numbers."""

from __future__ import annotations

import pandas as pd

# Hayes & Sun, Table III: synthetic data, binary AND logic (accuracy %, cross-entropy loss).
HAYES_SUN_AND = {
    "basic_early": (89.79, 0.2409),
    "basic_late": (92.44, 0.1785),
    "enhanced_early": (91.67, 0.1937),
    "enhanced_late": (93.37, 0.1634),
}

# Hayes & Sun, Table IV: synthetic data, 3-class composite rule (accuracy %, cross-entropy loss).
HAYES_SUN_THREE_CLASS = {
    "basic_early": (88.92, 0.3655),
    "basic_late": (91.20, 0.3031),
    "enhanced_early": (90.57, 0.3218),
    "enhanced_late": (93.20, 0.2645),
}

# Hayes & Sun, Table II: CAP Sleep Database, average of 3 runs (accuracy %, macro-F1, loss).
# The paper does not name its 3 event classes; notebook 06 assumes the CAP A-phase subtypes A1/A2/A3.
HAYES_SUN_CAP = {
    "basic_early": (57.04, 0.4427, 1.9485),
    "basic_late": (62.40, 0.4727, 1.7667),
    "enhanced_early": (61.50, 0.4634, 1.8154),
    "enhanced_late": (65.17, 0.4936, 1.6923),
}

# Hayes & Sun, Table V: Enhanced Late Fusion with one modality removed (accuracy %, macro-F1, loss).
HAYES_SUN_ABLATION = {
    "none": (65.17, 0.4936, 1.6923),
    "eeg": (54.82, 0.3935, 2.0472),
    "metadata": (60.03, 0.4217, 1.8511),
    "text": (62.10, 0.4591, 1.7734),
    "image": (63.47, 0.4780, 1.7328),
}


def hayes_sun_logic_table(rule: str) -> pd.DataFrame | None:
    """The paper's table for a logic rule as a frame (``None`` for XOR: the paper gives no XOR table)."""
    table = {"and": HAYES_SUN_AND, "three_class": HAYES_SUN_THREE_CLASS}.get(rule)
    if table is None:
        return None
    frame = pd.DataFrame.from_dict(table, orient="index", columns=["paper_accuracy", "paper_loss"])
    frame.index.name = "variant"
    return frame
