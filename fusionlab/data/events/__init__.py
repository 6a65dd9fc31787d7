"""The modalities of a sleep event beyond its signal (Hayes & Sun): metadata, clinical notes, images.

- :mod:`~fusionlab.events.metadata` -- :func:`serialize_metadata` (short text, as in the paper),
  :func:`encode_metadata` (one-hot/numeric coding for learned embeddings), :func:`check_fields`;
- :mod:`~fusionlab.events.notes` -- :func:`clinical_notes` (templates from the metadata, never the label)
  and :func:`leaky_notes` (the invalid counter-example);
- :mod:`~fusionlab.events.images` -- :func:`render_events` (spectrogram or trace snapshots);
- :mod:`~fusionlab.events.dreams` -- :func:`dreams_spindle_events` (real DREAMS spindle events);
- :mod:`~fusionlab.events.cap` -- :func:`cap_sleep_events` (CAP A-phases of fetched CAP nights).
"""

from fusionlab._lazy import lazy_exports

# Public name -> where it lives; each submodule is imported on first use (fusionlab._lazy).
_EXPORTS = {
    "cap_recordings": "fusionlab.data.events.cap:cap_recordings",
    "cap_sleep_events": "fusionlab.data.events.cap:cap_sleep_events",
    "SPINDLE_CLASSES": "fusionlab.data.events.dreams:SPINDLE_CLASSES",
    "dreams_excerpts": "fusionlab.data.events.dreams:dreams_excerpts",
    "dreams_spindle_events": "fusionlab.data.events.dreams:dreams_spindle_events",
    "RENDERINGS": "fusionlab.data.events.images:RENDERINGS",
    "render_events": "fusionlab.data.events.images:render_events",
    "spectrogram_images": "fusionlab.data.events.images:spectrogram_images",
    "trace_images": "fusionlab.data.events.images:trace_images",
    "DEFAULT_FIELDS": "fusionlab.data.events.metadata:DEFAULT_FIELDS",
    "METADATA_FIELDS": "fusionlab.data.events.metadata:METADATA_FIELDS",
    "MetadataCoding": "fusionlab.data.events.metadata:MetadataCoding",
    "check_fields": "fusionlab.data.events.metadata:check_fields",
    "encode_metadata": "fusionlab.data.events.metadata:encode_metadata",
    "metadata_coding": "fusionlab.data.events.metadata:metadata_coding",
    "serialize_metadata": "fusionlab.data.events.metadata:serialize_metadata",
    "NOTE_FIELDS": "fusionlab.data.events.notes:NOTE_FIELDS",
    "clinical_notes": "fusionlab.data.events.notes:clinical_notes",
    "leaky_notes": "fusionlab.data.events.notes:leaky_notes",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "DEFAULT_FIELDS", "METADATA_FIELDS", "NOTE_FIELDS", "RENDERINGS", "SPINDLE_CLASSES", "MetadataCoding",
    "cap_recordings", "cap_sleep_events", "check_fields", "clinical_notes", "dreams_excerpts", "dreams_spindle_events", "encode_metadata",
    "leaky_notes", "metadata_coding", "render_events", "serialize_metadata", "spectrogram_images", "trace_images",
]
