"""Numbers reported in the reproduced papers, for side-by-side tables (transcribed, not computed).

One module per paper; each holds plain dicts and small functions returning DataFrames.
"""

from fusionlab.reference import (
    ecg_domains,  # noqa: F401  (Rethinking Multimodality, ECG)
    qin,  # noqa: F401  (Qin et al., Step Fusion)
)
from fusionlab.reference.core_sleep import (
    CORE_SLEEP_TABLE_I,
    CORE_SLEEP_TABLE_II,
    core_sleep_table_i,
    core_sleep_table_ii,
)
from fusionlab.reference.hayes_sun import (
    HAYES_SUN_ABLATION,
    HAYES_SUN_AND,
    HAYES_SUN_CAP,
    HAYES_SUN_THREE_CLASS,
    hayes_sun_logic_table,
)

__all__ = [
    "CORE_SLEEP_TABLE_I",
    "CORE_SLEEP_TABLE_II",
    "core_sleep_table_i",
    "core_sleep_table_ii",
    "HAYES_SUN_ABLATION",
    "HAYES_SUN_AND",
    "HAYES_SUN_CAP",
    "HAYES_SUN_THREE_CLASS",
    "hayes_sun_logic_table",
]
