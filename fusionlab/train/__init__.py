"""Training: the loop (:mod:`~fusionlab.train.loop`: fit / evaluate / predict), losses, metrics, checkpoints,
throughput and distributed runs (``fusionlab train`` / torchrun).

``fl.train.fit``, ``fl.train.TrainConfig`` ... are the loop's names, re-exported here.
"""

from fusionlab.train.loop import *
