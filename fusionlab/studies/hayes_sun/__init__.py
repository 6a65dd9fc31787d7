"""Hayes & Sun, modality-aware fusion: the logic-task study (:mod:`.logic_fusion`, lesson 05), the sleep-event
study (:mod:`.sleep_events`, lesson 06) and the paper's reported numbers (:mod:`.reference`)."""
