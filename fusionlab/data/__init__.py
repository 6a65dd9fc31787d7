"""The physiological data layer: real EDF/EDF+ and WFDB loaders, fetchers, windows, datasets, synthetic PSG.

Loaders return plain arrays plus metadata; :mod:`~fusionlab.data.datasets` turns them into torch
datasets yielding ``{"inputs": {modality: Tensor}, "mask": BoolTensor, "label": LongTensor}``.

=============================  =================================================================
Sleep-EDF                      :func:`load_sleep_edf` (PSG + Hypnogram EDF+ pair -> epochs)
CAP Sleep Database             :func:`load_cap`, :func:`read_cap_txt`, :func:`cap_event_windows`
SHHS (NSRR)                    :func:`load_shhs`, :func:`read_nsrr_xml`
DREAMS spindles                :func:`load_dreams_excerpt`, :func:`load_dreams_edf`, :func:`spindle_windows`
MIT-BIH (WFDB)                 :func:`load_mitdb_record`, :func:`load_mitdb_beats`, :data:`DS1`/:data:`DS2`,
                               :func:`record_split`, :func:`intra_patient_random_split`
ETT-small (ETTh1/ETTh2)        :func:`load_ett`, :func:`ett_path`, :func:`make_ett_windows` (Informer splits,
                               train-only :class:`EttScaler`; regression, not physiological)
any EDF                        :func:`read_edf`, :func:`read_edf_header`
windows                        :func:`epoch_signals`, :func:`sequence_index`, :func:`beat_windows`, ...
datasets                       :class:`SleepSequenceDataset`, :func:`epochs_to_dataset`,
                               :func:`beats_to_dataset`, :func:`events_to_dataset`
downloads                      :func:`fetch`, :func:`list_cached` (``fusionlab fetch``)
synthetic nights               :mod:`fusionlab.data.synthetic` (:func:`make_night`, :func:`write_sleep_edf`, ...)
=============================  =================================================================
"""

from fusionlab.data import synthetic
from fusionlab.data.cap import CAP_CHANNELS, CapScoring, cap_event_windows, load_cap, read_cap_txt
from fusionlab.data.datasets import (
    SleepSequenceDataset,
    beats_to_dataset,
    epochs_to_dataset,
    events_to_dataset,
)
from fusionlab.data.dreams import (
    DreamsExcerpt,
    load_dreams_edf,
    load_dreams_excerpt,
    read_dreams_hypnogram,
    read_dreams_signal,
    read_dreams_spindles,
    spindle_windows,
)
from fusionlab.data.edf import EdfHeader, Recording, read_edf, read_edf_annotations, read_edf_header
from fusionlab.data.errors import (
    ChecksumError,
    DataFormatError,
    FetchError,
    MissingChannelError,
    OfflineError,
    SamplingRateError,
)
from fusionlab.data.ett import (
    ETT_FEATURES,
    ETT_SPLITS,
    EttScaler,
    EttWindows,
    ett_path,
    ett_splits,
    load_ett,
    make_ett_windows,
)
from fusionlab.data.fetchers import DATASETS, dataset_dir, fetch, list_cached
from fusionlab.data.mitdb import (
    AAMI_CLASSES,
    AAMI_MAP,
    DS1,
    DS2,
    PACED,
    BeatSet,
    EcgRecord,
    extract_beats,
    inter_patient_split,
    intra_patient_random_split,
    load_mitdb_beats,
    load_mitdb_record,
    record_split,
    rr_features,
)
from fusionlab.data.shhs import SHHS_CHANNELS, load_shhs, read_nsrr_xml
from fusionlab.data.sleep_edf import (
    SLEEP_EDF_CHANNELS,
    find_sleep_edf_pairs,
    load_sleep_edf,
    read_sleep_edf_hypnogram,
)
from fusionlab.data.staging import SleepEpochs, epochs_from_psg
from fusionlab.data.windows import (
    STAGES,
    beat_windows,
    epoch_signals,
    event_windows,
    sequence_index,
    stage_epochs,
    trim_wake,
)

__all__ = [
    "AAMI_CLASSES", "AAMI_MAP", "CAP_CHANNELS", "DATASETS", "DS1", "DS2", "ETT_FEATURES", "ETT_SPLITS",
    "PACED", "SHHS_CHANNELS", "SLEEP_EDF_CHANNELS", "STAGES", "BeatSet", "CapScoring", "ChecksumError",
    "DataFormatError", "DreamsExcerpt", "EcgRecord", "EdfHeader", "EttScaler", "EttWindows", "FetchError",
    "MissingChannelError", "OfflineError", "Recording", "SamplingRateError", "SleepEpochs",
    "SleepSequenceDataset", "beat_windows", "beats_to_dataset", "cap_event_windows", "epoch_signals",
    "epochs_from_psg", "epochs_to_dataset", "ett_path", "ett_splits", "event_windows", "events_to_dataset",
    "dataset_dir", "extract_beats", "fetch", "find_sleep_edf_pairs", "inter_patient_split", "intra_patient_random_split",
    "list_cached", "load_cap", "load_dreams_edf", "load_dreams_excerpt", "load_ett", "load_mitdb_beats",
    "load_mitdb_record", "load_shhs", "load_sleep_edf", "make_ett_windows", "read_cap_txt",
    "read_dreams_hypnogram", "read_dreams_signal", "read_dreams_spindles", "read_edf", "read_edf_annotations",
    "read_edf_header", "read_nsrr_xml", "read_sleep_edf_hypnogram", "record_split", "rr_features",
    "sequence_index", "spindle_windows", "stage_epochs", "synthetic", "trim_wake",
]
