"""Synthetic data for lessons that must run without downloads.

- :mod:`~fusionlab.data.synthetic.psg`: whole nights of polysomnography (hypnogram, EEG/EOG/EMG/ECG,
  events, corruptions with their ground truth), written to and read from Sleep-EDF-style EDF+.
- :mod:`~fusionlab.data.synthetic.events`: CAP-like sleep event tables for event classification,
  written as CAP Sleep Database nights by :mod:`~fusionlab.data.synthetic.cap_writer`.
"""

from fusionlab.data.synthetic.cap_writer import write_cap_nights
from fusionlab.data.synthetic.edf_writer import hypnogram_annotations, read_synthetic_night, write_sleep_edf
from fusionlab.data.synthetic.events import make_event_table, synthetic_event_dataset
from fusionlab.data.synthetic.hypnogram import SubjectTraits, make_hypnogram
from fusionlab.data.synthetic.psg import CHANNELS, Corruption, SyntheticNight, make_cohort, make_night

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
