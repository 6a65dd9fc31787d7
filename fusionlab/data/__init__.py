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

from fusionlab._lazy import lazy_exports

# Public name -> where it lives; each submodule is imported on first use (fusionlab._lazy).
_EXPORTS = {
    "synthetic": "fusionlab.data.synthetic",
    "CAP_CHANNELS": "fusionlab.data.cap:CAP_CHANNELS",
    "CapScoring": "fusionlab.data.cap:CapScoring",
    "cap_event_windows": "fusionlab.data.cap:cap_event_windows",
    "load_cap": "fusionlab.data.cap:load_cap",
    "read_cap_txt": "fusionlab.data.cap:read_cap_txt",
    "SleepSequenceDataset": "fusionlab.data.datasets:SleepSequenceDataset",
    "beats_to_dataset": "fusionlab.data.datasets:beats_to_dataset",
    "epochs_to_dataset": "fusionlab.data.datasets:epochs_to_dataset",
    "events_to_dataset": "fusionlab.data.datasets:events_to_dataset",
    "DreamsExcerpt": "fusionlab.data.dreams:DreamsExcerpt",
    "load_dreams_edf": "fusionlab.data.dreams:load_dreams_edf",
    "load_dreams_excerpt": "fusionlab.data.dreams:load_dreams_excerpt",
    "read_dreams_hypnogram": "fusionlab.data.dreams:read_dreams_hypnogram",
    "read_dreams_signal": "fusionlab.data.dreams:read_dreams_signal",
    "read_dreams_spindles": "fusionlab.data.dreams:read_dreams_spindles",
    "spindle_windows": "fusionlab.data.dreams:spindle_windows",
    "EdfHeader": "fusionlab.data.edf:EdfHeader",
    "Recording": "fusionlab.data.edf:Recording",
    "read_edf": "fusionlab.data.edf:read_edf",
    "read_edf_annotations": "fusionlab.data.edf:read_edf_annotations",
    "read_edf_header": "fusionlab.data.edf:read_edf_header",
    "ChecksumError": "fusionlab.data.errors:ChecksumError",
    "DataFormatError": "fusionlab.data.errors:DataFormatError",
    "FetchError": "fusionlab.data.errors:FetchError",
    "MissingChannelError": "fusionlab.data.errors:MissingChannelError",
    "OfflineError": "fusionlab.data.errors:OfflineError",
    "SamplingRateError": "fusionlab.data.errors:SamplingRateError",
    "ETT_FEATURES": "fusionlab.data.ett:ETT_FEATURES",
    "ETT_SPLITS": "fusionlab.data.ett:ETT_SPLITS",
    "EttScaler": "fusionlab.data.ett:EttScaler",
    "EttWindows": "fusionlab.data.ett:EttWindows",
    "ett_path": "fusionlab.data.ett:ett_path",
    "ett_splits": "fusionlab.data.ett:ett_splits",
    "load_ett": "fusionlab.data.ett:load_ett",
    "make_ett_windows": "fusionlab.data.ett:make_ett_windows",
    "DATASETS": "fusionlab.data.fetchers:DATASETS",
    "dataset_dir": "fusionlab.data.fetchers:dataset_dir",
    "fetch": "fusionlab.data.fetchers:fetch",
    "list_cached": "fusionlab.data.fetchers:list_cached",
    "AAMI_CLASSES": "fusionlab.data.mitdb:AAMI_CLASSES",
    "AAMI_MAP": "fusionlab.data.mitdb:AAMI_MAP",
    "DS1": "fusionlab.data.mitdb:DS1",
    "DS2": "fusionlab.data.mitdb:DS2",
    "PACED": "fusionlab.data.mitdb:PACED",
    "BeatSet": "fusionlab.data.mitdb:BeatSet",
    "EcgRecord": "fusionlab.data.mitdb:EcgRecord",
    "extract_beats": "fusionlab.data.mitdb:extract_beats",
    "inter_patient_split": "fusionlab.data.mitdb:inter_patient_split",
    "intra_patient_random_split": "fusionlab.data.mitdb:intra_patient_random_split",
    "load_mitdb_beats": "fusionlab.data.mitdb:load_mitdb_beats",
    "load_mitdb_record": "fusionlab.data.mitdb:load_mitdb_record",
    "record_split": "fusionlab.data.mitdb:record_split",
    "rr_features": "fusionlab.data.mitdb:rr_features",
    "SHHS_CHANNELS": "fusionlab.data.shhs:SHHS_CHANNELS",
    "load_shhs": "fusionlab.data.shhs:load_shhs",
    "read_nsrr_xml": "fusionlab.data.shhs:read_nsrr_xml",
    "SLEEP_EDF_CHANNELS": "fusionlab.data.sleep_edf:SLEEP_EDF_CHANNELS",
    "find_sleep_edf_pairs": "fusionlab.data.sleep_edf:find_sleep_edf_pairs",
    "load_sleep_edf": "fusionlab.data.sleep_edf:load_sleep_edf",
    "read_sleep_edf_hypnogram": "fusionlab.data.sleep_edf:read_sleep_edf_hypnogram",
    "SleepEpochs": "fusionlab.data.staging:SleepEpochs",
    "epochs_from_psg": "fusionlab.data.staging:epochs_from_psg",
    "STAGES": "fusionlab.data.windows:STAGES",
    "beat_windows": "fusionlab.data.windows:beat_windows",
    "epoch_signals": "fusionlab.data.windows:epoch_signals",
    "event_windows": "fusionlab.data.windows:event_windows",
    "sequence_index": "fusionlab.data.windows:sequence_index",
    "stage_epochs": "fusionlab.data.windows:stage_epochs",
    "trim_wake": "fusionlab.data.windows:trim_wake",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

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
