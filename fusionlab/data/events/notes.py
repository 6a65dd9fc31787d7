"""Clinical notes for sleep events, written from the event's *metadata* by templates.

The CAP Sleep Database has no narrative notes; Hayes & Sun had GPT-4o write doctor-style notes per
event. A note generator that sees the label can write it into the note ("consistent with an A3
arousal"), and then the text modality solves the task by reading the answer. :func:`clinical_notes`
therefore reads only the metadata columns (stage, duration, channel, onset) and draws the wording
from templates and synonyms with a seeded generator: the text carries exactly the information the
metadata carries, in varied words. :func:`leaky_notes` is the counter-example for the lesson: it
appends the class in plain words, and a model trained on it looks excellent for a reason that
would not exist at test time in a clinic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from fusionlab.data.events.metadata import check_fields

NOTE_FIELDS: tuple[str, ...] = ("stage", "duration", "channel", "onset")

_STAGE_WORDS = {
    "W": ("wakefulness", "a wake period", "stage W"),
    "N1": ("stage N1", "light sleep (N1)", "N1 sleep"),
    "N2": ("stage N2", "N2 sleep", "stable light sleep (N2)"),
    "N3": ("stage N3", "slow-wave sleep", "deep sleep (N3)"),
    "REM": ("REM sleep", "stage R", "rapid-eye-movement sleep"),
}
_OPENERS = ("Event noted", "Phasic activity observed", "Transient EEG change seen", "Episode recorded",
            "Brief EEG event identified")
_TEMPLATES = (
    "{opener} during {stage} on {channel}, lasting about {duration}, {clock} into the recording.",
    "{clock} into the night, {stage}: a {duration} event on the {channel} derivation.",
    "On {channel}, {opener_lower} in {stage}; duration roughly {duration} ({clock} after lights out).",
    "Patient in {stage} at {clock}. {opener} on {channel} for {duration}.",
    "{opener} ({duration}) on {channel}. Background: {stage}. Time of night: {clock}.",
)
_CLOSERS = ("", " No artefact noted.", " Signal quality adequate.", " Reviewed by the night technician.",
            " Electrode impedance within limits.")
_LEAK_PHRASES = {
    "MCAP-A1": "Pattern consistent with an A1 phase (K-complex / delta burst).",
    "MCAP-A2": "Pattern consistent with an A2 phase (mixed slow and fast activity).",
    "MCAP-A3": "Pattern consistent with an A3 phase (arousal, fast rhythms).",
    "spindle": "Sleep spindle present.",
    "background": "No spindle in this stretch.",
}


def _duration_words(seconds: float, rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        return f"{seconds:.0f} s"
    return f"{seconds:.0f} seconds"


def _clock_words(seconds: float, rng: np.random.Generator) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} h" if rng.random() < 0.5 else f"{round(seconds / 60)} min"


def clinical_notes(table: pd.DataFrame, *, seed: int = 0, fields: Sequence[str] = NOTE_FIELDS) -> list[str]:
    """One doctor-style note per event, written from the metadata ``fields`` only.

    Parameters
    ----------
    table : DataFrame
        Event table with the columns in ``fields`` (the label column is never read).
    seed : int
        Seed of the template and synonym choices.
    fields : sequence of str
        Which metadata the notes mention; a field left out is written as "not recorded". Must be
        a subset of ``("stage", "duration", "channel", "onset")``.

    Returns
    -------
    list of str, length n_events
    """
    fields = check_fields(table, fields)
    unknown = [f for f in fields if f not in NOTE_FIELDS]
    if unknown:
        raise ValueError(f"clinical_notes: fields {unknown} have no wording; notes can mention {list(NOTE_FIELDS)}")
    rng = np.random.default_rng([seed, 17])
    notes = []
    for row in table[list(fields)].itertuples(index=False):
        values = dict(zip(fields, row))
        opener = str(rng.choice(_OPENERS))
        words = {
            "stage": str(rng.choice(_STAGE_WORDS[str(values["stage"])])) if "stage" in values else "an unscored stage",
            "channel": str(values["channel"]) if "channel" in values else "an unrecorded channel",
            "duration": _duration_words(float(values["duration"]), rng) if "duration" in values else "an unknown time",
            "clock": _clock_words(float(values["onset"]), rng) if "onset" in values else "at an unrecorded time",
        }
        template = str(rng.choice(_TEMPLATES))
        note = template.format(opener=opener, opener_lower=opener[0].lower() + opener[1:], **words)
        notes.append(note + str(rng.choice(_CLOSERS)))
    return notes


def leaky_notes(table: pd.DataFrame, *, seed: int = 0, label_column: str = "type") -> list[str]:
    """**Invalid on purpose**: :func:`clinical_notes` plus a sentence naming the event's class.

    This is what a note generator that was shown the label produces. Use it only to show why
    such a text modality makes any fusion model look good (notebook 06).
    """
    if label_column not in table.columns:
        raise ValueError(f"leaky_notes: the table has no label column {label_column!r}")
    notes = clinical_notes(table, seed=seed)
    return [f"{note} {_LEAK_PHRASES.get(str(label), f'Event type {label}.')}"
            for note, label in zip(notes, table[label_column].to_numpy())]
