"""Synthetic data for lessons that must run without downloads.

- :mod:`~fusionlab.data.synthetic.psg`: whole nights of polysomnography (hypnogram, EEG/EOG/EMG/ECG,
  events, corruptions with their ground truth), written to and read from Sleep-EDF-style EDF+.
- :mod:`~fusionlab.data.synthetic.events`: CAP-like sleep event tables for event classification,
  written as CAP Sleep Database nights by :mod:`~fusionlab.data.synthetic.cap_writer`.
"""

from fusionlab._lazy import lazy_exports

# Public name -> where it lives; each submodule is imported on first use (fusionlab._lazy).
_EXPORTS = {
    "write_cap_nights": "fusionlab.data.synthetic.cap_writer:write_cap_nights",
    "hypnogram_annotations": "fusionlab.data.synthetic.edf_writer:hypnogram_annotations",
    "read_synthetic_night": "fusionlab.data.synthetic.edf_writer:read_synthetic_night",
    "write_sleep_edf": "fusionlab.data.synthetic.edf_writer:write_sleep_edf",
    "make_event_table": "fusionlab.data.synthetic.events:make_event_table",
    "synthetic_event_dataset": "fusionlab.data.synthetic.events:synthetic_event_dataset",
    "SubjectTraits": "fusionlab.data.synthetic.hypnogram:SubjectTraits",
    "make_hypnogram": "fusionlab.data.synthetic.hypnogram:make_hypnogram",
    "CHANNELS": "fusionlab.data.synthetic.psg:CHANNELS",
    "Corruption": "fusionlab.data.synthetic.psg:Corruption",
    "SyntheticNight": "fusionlab.data.synthetic.psg:SyntheticNight",
    "make_cohort": "fusionlab.data.synthetic.psg:make_cohort",
    "make_night": "fusionlab.data.synthetic.psg:make_night",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "CHANNELS",
    "Corruption",
    "SubjectTraits",
    "SyntheticNight",
    "hypnogram_annotations",
    "make_cohort",
    "make_event_table",
    "make_hypnogram",
    "make_night",
    "read_synthetic_night",
    "synthetic_event_dataset",
    "write_cap_nights",
    "write_sleep_edf",
]
