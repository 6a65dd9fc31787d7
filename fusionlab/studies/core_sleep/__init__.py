"""Kontras et al., CoRe-Sleep (lesson 07): the study (:mod:`.study`), its nights and predictions (:mod:`.data`),
noisy-night detection and modality-subset evaluation (:mod:`.robustness`), tables, plots and the paper's numbers
(:mod:`.reference`)."""

from fusionlab._lazy import lazy_exports

# Submodules (``.reference``, ``.study`` ...) load on first attribute access.
__getattr__, __dir__ = lazy_exports(__name__, {})
