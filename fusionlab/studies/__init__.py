"""One package per reproduced paper; each holds its study (settings, run), tables, plots and the paper's
reported numbers (``reference``). A study uses the library layers below it and never another study.

Every study module has one shape (:mod:`~fusionlab.studies.base`): ``Settings.for_profile(profile, **overrides)``
and ``run(settings, *, device="auto", cache=True, ...) -> Result`` with its tables as DataFrames.

- :mod:`~fusionlab.studies.hayes_sun`: Hayes & Sun, modality-aware fusion (logic tasks, sleep events);
- :mod:`~fusionlab.studies.core_sleep`: Kontras et al., CoRe-Sleep (missing / noisy modalities);
- :mod:`~fusionlab.studies.step_fusion`: Qin et al., Step Fusion (MIT-BIH, ETT);
- :mod:`~fusionlab.studies.ecg_domains`: Rethinking Multimodality, ECG feature domains.
"""

from fusionlab._lazy import lazy_exports

# Submodules (``.reference``, ``.study`` ...) load on first attribute access.
__getattr__, __dir__ = lazy_exports(__name__, {})
