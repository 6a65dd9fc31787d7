"""Qin et al., Step Fusion (lesson 09): the study on MIT-BIH and ETT (:mod:`.study`), forecasting baselines,
tables and the paper's numbers (:mod:`.reference`)."""
