"""fusionlab: a teaching and reproduction lab for multimodal fusion on biomedical signals.

The notebooks in ``notebooks/`` import this package as ``import fusionlab as fl``; every piece
of logic they show lives here, where it is tested.
"""

from fusionlab import course, dependence, metrics, paths, profiles, reference, repro, results, spectral, stats, viz
from fusionlab.models import (
    MultimodalNet,
    count_parameters,
    create_model,
    get_entry,
    list_models,
    register,
)

__version__ = "0.1.0"

__all__ = [
    "MultimodalNet",
    "count_parameters",
    "course",
    "dependence",
    "create_model",
    "get_entry",
    "list_models",
    "metrics",
    "paths",
    "profiles",
    "reference",
    "register",
    "repro",
    "results",
    "spectral",
    "stats",
    "viz",
    "__version__",
]
