"""Statistics: bootstrap (paired, cluster, block), multiple comparisons, dependence (correlation, MI, CKA),
the MIT-BIH evaluation protocol.

``fl.stats.<name>`` are the names of :mod:`~fusionlab.stats.bootstrap`, re-exported here.
"""

from fusionlab.stats.bootstrap import *
