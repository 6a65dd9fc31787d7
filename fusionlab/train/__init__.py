"""Training: the loop (:mod:`~fusionlab.train.loop`: fit / evaluate / predict), losses, metrics, checkpoints,
throughput and distributed runs (``fusionlab train`` / torchrun).

``fl.train.fit``, ``fl.train.TrainConfig`` ... are the loop's names, re-exported here.
"""

from fusionlab.train.loop import *

from fusionlab._lazy import lazy_exports  # noqa: E402

# Submodules (``.reference``, ``.study`` ...) load on first attribute access.
__getattr__, __dir__ = lazy_exports(__name__, {})
