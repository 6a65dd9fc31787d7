"""Kontras et al., CoRe-Sleep (lesson 07): the study (:mod:`.study`), its nights and predictions (:mod:`.data`),
noisy-night detection and modality-subset evaluation (:mod:`.robustness`), tables, plots and the paper's numbers
(:mod:`.reference`)."""
