"""Generic figures, :func:`savefig` and the style; the figures of data (:mod:`~fusionlab.viz.signals`),
spectral representations (:mod:`~fusionlab.viz.spectral`) and sleep events (:mod:`~fusionlab.viz.events`).

A study's own plots live in its package (``fusionlab.studies.<paper>.plots``).
``fl.viz.<name>`` are the names of :mod:`~fusionlab.viz.figures`, re-exported here.
"""

from fusionlab.viz.figures import *

from fusionlab._lazy import lazy_exports  # noqa: E402

# Submodules (``.reference``, ``.study`` ...) load on first attribute access.
__getattr__, __dir__ = lazy_exports(__name__, {})
