"""Statistics: bootstrap (paired, cluster, block), multiple comparisons, dependence (correlation, MI, CKA),
the MIT-BIH evaluation protocol.

``fl.stats.<name>`` are the names of :mod:`~fusionlab.stats.bootstrap`, re-exported here.
"""

from fusionlab.stats.bootstrap import *

from fusionlab._lazy import lazy_exports  # noqa: E402

# Submodules (``.reference``, ``.study`` ...) load on first attribute access.
__getattr__, __dir__ = lazy_exports(__name__, {})
