"""Hayes & Sun, modality-aware fusion: the logic-task study (:mod:`.logic_fusion`, lesson 05), the sleep-event
study (:mod:`.sleep_events`, lesson 06) and the paper's reported numbers (:mod:`.reference`)."""

from fusionlab._lazy import lazy_exports

# Submodules (``.reference``, ``.study`` ...) load on first attribute access.
__getattr__, __dir__ = lazy_exports(__name__, {})
