"""Encoders, fusion blocks and complete multimodal models, all reachable through the registry.

Importing this package registers every built-in encoder, fusion block and model.
"""

from fusionlab.models.registry import create_model, get_entry, list_models, register
from fusionlab.models.spec import ModalitySpec, count_parameters
from fusionlab.models.multimodal import MultimodalNet, MultimodalOutput
from fusionlab.models import encoders, fusion  # noqa: F401  (registers the built-in blocks)
from fusionlab.models import hayes_sun  # noqa: F401  (registers the four Hayes & Sun variants)
from fusionlab.models.encoders import pretrained as _pretrained_encoders  # noqa: F401  (Hayes & Sun backbone encoders)
from fusionlab.models import ecg_domains  # noqa: F401  (ECG domain encoders, Hybrid 1/2; Rethinking Multimodality)
from fusionlab.models import core_sleep  # noqa: F401  (registers the CoRe-Sleep family, Kontras et al.)
from fusionlab.models import step_fusion  # noqa: F401  (Qin et al.)
from fusionlab.models.pretraining import pretrain_frozen_encoders

__all__ = [
    "ModalitySpec",
    "MultimodalNet",
    "MultimodalOutput",
    "count_parameters",
    "create_model",
    "get_entry",
    "list_models",
    "pretrain_frozen_encoders",
    "register",
]

from fusionlab._lazy import lazy_exports  # noqa: E402

# Submodules (``.reference``, ``.study`` ...) load on first attribute access.
__getattr__, __dir__ = lazy_exports(__name__, {})
