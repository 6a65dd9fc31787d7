"""fusionlab: a teaching and reproduction lab for multimodal fusion on biomedical signals.

The notebooks in ``notebooks/`` import this package as ``import fusionlab as fl``; every piece
of logic they show lives here, where it is tested.

Importing the package is cheap: its subpackages (and through them torch, timm, scikit-learn,
matplotlib ...) load the first time an attribute such as ``fl.viz`` or ``fl.create_model`` is used,
so ``fusionlab --help`` and a test process pay only for what they touch.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from fusionlab import _compat

# Old module names (``fusionlab.batches``, ``fusionlab.experiments.core_sleep`` ...) stay importable.
_compat.install()

# Layers and modules reachable as ``fl.<name>``, imported on first use; old names (``fl.zoo``, ``fl.ecg``,
# ``fl.robustness`` ...) resolve through ``fusionlab._compat`` to their new homes.
_SUBMODULES = (
    "cli", "data", "models", "paths", "profiles", "repro", "results", "spectral", "stats", "studies", "train", "viz",
)
# Names re-exported from ``fusionlab.models``.
_MODEL_NAMES = ("MultimodalNet", "count_parameters", "create_model", "get_entry", "list_models", "register")

__all__ = [*_MODEL_NAMES, *_SUBMODULES, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _MODEL_NAMES:
        value = getattr(importlib.import_module("fusionlab.models"), name)
    else:
        try:
            value = importlib.import_module(f"fusionlab.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"fusionlab.{name}":
                raise  # a dependency of the submodule is missing: say which
            raise AttributeError(f"module 'fusionlab' has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
