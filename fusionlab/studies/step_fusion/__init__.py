"""Qin et al., Step Fusion (lesson 09): the study on MIT-BIH and ETT (:mod:`.study`), forecasting baselines,
tables and the paper's numbers (:mod:`.reference`)."""

from fusionlab._lazy import lazy_exports

# Submodules (``.reference``, ``.study`` ...) load on first attribute access.
__getattr__, __dir__ = lazy_exports(__name__, {})
