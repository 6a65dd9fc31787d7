"""The modalities of a sleep event beyond its signal (Hayes & Sun): metadata, clinical notes, images.

- :mod:`~fusionlab.events.metadata` -- :func:`serialize_metadata` (short text, as in the paper),
  :func:`encode_metadata` (one-hot/numeric coding for learned embeddings), :func:`check_fields`;
- :mod:`~fusionlab.events.notes` -- :func:`clinical_notes` (templates from the metadata, never the label)
  and :func:`leaky_notes` (the invalid counter-example);
- :mod:`~fusionlab.events.images` -- :func:`render_events` (spectrogram or trace snapshots);
- :mod:`~fusionlab.events.dreams` -- :func:`dreams_spindle_events` (real DREAMS spindle events);
- :mod:`~fusionlab.events.cap` -- :func:`cap_sleep_events` (CAP A-phases of fetched CAP nights).
"""

from fusionlab.data.events.cap import cap_recordings, cap_sleep_events
from fusionlab.data.events.dreams import SPINDLE_CLASSES, dreams_excerpts, dreams_spindle_events
from fusionlab.data.events.images import RENDERINGS, render_events, spectrogram_images, trace_images
from fusionlab.data.events.metadata import (
    DEFAULT_FIELDS,
    METADATA_FIELDS,
    MetadataCoding,
    check_fields,
    encode_metadata,
    metadata_coding,
    serialize_metadata,
)
from fusionlab.data.events.notes import NOTE_FIELDS, clinical_notes, leaky_notes

__all__ = [
    "DEFAULT_FIELDS", "METADATA_FIELDS", "NOTE_FIELDS", "RENDERINGS", "SPINDLE_CLASSES", "MetadataCoding",
    "cap_recordings", "cap_sleep_events", "check_fields", "clinical_notes", "dreams_excerpts", "dreams_spindle_events", "encode_metadata",
    "leaky_notes", "metadata_coding", "render_events", "serialize_metadata", "spectrogram_images", "trace_images",
]
