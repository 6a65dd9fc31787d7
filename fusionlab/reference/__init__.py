"""Numbers reported in the reproduced papers, for side-by-side tables (transcribed, not computed).

One module per paper; each holds plain dicts and small functions returning DataFrames.
"""

from fusionlab.reference.hayes_sun import (
    HAYES_SUN_ABLATION,
    HAYES_SUN_AND,
    HAYES_SUN_CAP,
    HAYES_SUN_THREE_CLASS,
    hayes_sun_logic_table,
)

__all__ = [
    "HAYES_SUN_ABLATION",
    "HAYES_SUN_AND",
    "HAYES_SUN_CAP",
    "HAYES_SUN_THREE_CLASS",
    "hayes_sun_logic_table",
]
