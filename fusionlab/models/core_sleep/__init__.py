"""CoRe-Sleep (Kontras et al.) and its benchmark fusion schemes, on sequences of STFT epochs.

=========================  ===========================================================================
registered name            model
=========================  ===========================================================================
``core_sleep_early``       :class:`EarlySleepNet` -- modalities concatenated, one shared encoder
``core_sleep_mid_late``    :class:`MidLateSleepNet` -- one encoder per modality, representations summed
``core_sleep_core``        :class:`CoordinatedSleepNet` -- CoRe: + weight-sharing multimodal encoders
                           with pairwise cross-attention (CoRe-Sleep = CoRe trained with MS + AL)
(unregistered)             :func:`unimodal_equivalent` -- Mid-Late on one modality
=========================  ===========================================================================

Inputs: ``{m: (batch, seq_len, n_frames, n_freqs)}`` (``fusionlab.spectral.core_sleep_stft`` epochs,
29 x 128); the MS and AL terms are in :mod:`fusionlab.losses`. Any subset of modalities can be
used at inference through the mask, without retraining.

The factories default to a CPU-sized model; :data:`PAPER_CONFIG` holds the paper's sizes
(d_model 128, 8 heads, FF 1024, 4 + 4 layers, dropout 0.3; 21 epochs per sequence).

References
----------
K. Kontras, C. Chatzichristos, H. Phan, J. Suykens, M. De Vos, "CoRe-Sleep: A Multimodal Fusion
Framework for Time Series Robust to Imperfect Modalities", IEEE TNSRE 2024.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fusionlab.models.core_sleep.base import CoreSleepModel, CoreSleepOutput, check_core_sleep_specs
from fusionlab.models.core_sleep.coordinated import CoordinatedSleepNet
from fusionlab.models.core_sleep.early import EarlySleepNet
from fusionlab.models.core_sleep.encoder import EncoderStates, InnerOuterEncoder
from fusionlab.models.core_sleep.mid_late import MidLateSleepNet
from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec

PAPER_CONFIG: dict[str, Any] = {"d_model": 128, "n_heads": 8, "d_ff": 1024, "inner_depth": 4, "outer_depth": 4,
                                "dropout": 0.3}
"""Model sizes of the paper (Sec. II-F); the outer sequence length (21) is the input spec's ``seq_len``."""

PAPER_SEQ_LEN = 21
N_FRAMES, N_FREQS = 29, 128

# What the registry tests and notebook 03 build the models on: 3 epochs of 5 frames x 8 bins.
EXAMPLE_SPECS = {m: ModalitySpec(m, (3, 5, 8), kind="stft_sequence") for m in ("eeg", "eog")}
CORE_SLEEP_VARIANTS = ("core_sleep_early", "core_sleep_mid_late", "core_sleep_core")


def core_sleep_specs(modalities=("eeg", "eog"), seq_len: int = PAPER_SEQ_LEN, n_frames: int = N_FRAMES,
                     n_freqs: int = N_FREQS) -> dict[str, ModalitySpec]:
    """``{m: ModalitySpec(m, (seq_len, n_frames, n_freqs))}`` for the given modalities."""
    return {m: ModalitySpec(m, (int(seq_len), int(n_frames), int(n_freqs)), kind="stft_sequence") for m in modalities}


def _build(cls, modalities: Mapping[str, ModalitySpec], num_classes: int, kwargs: dict[str, Any]) -> CoreSleepModel:
    kwargs.pop("modality_heads", None)  # always present: the MS predictors
    return cls(modalities, num_classes, **kwargs)


@register("core_sleep_early", kind="model", paper="Kontras et al., Fig. 2b", tags=("core_sleep",),
          missing_modality=EarlySleepNet.missing_modality, example_spec=EXAMPLE_SPECS)
def core_sleep_early(modalities: Mapping[str, ModalitySpec], num_classes: int, **kwargs: Any) -> EarlySleepNet:
    """Early fusion: modalities concatenated in the inner/outer sequences, one shared encoder."""
    return _build(EarlySleepNet, modalities, num_classes, kwargs)


@register("core_sleep_mid_late", kind="model", paper="Kontras et al., Fig. 2a", tags=("core_sleep",),
          missing_modality=MidLateSleepNet.missing_modality, example_spec=EXAMPLE_SPECS)
def core_sleep_mid_late(modalities: Mapping[str, ModalitySpec], num_classes: int, **kwargs: Any) -> MidLateSleepNet:
    """Mid-Late fusion: one inner/outer encoder per modality, representations summed before the predictor."""
    return _build(MidLateSleepNet, modalities, num_classes, kwargs)


@register("core_sleep_core", kind="model", paper="Kontras et al., Fig. 1", tags=("core_sleep",),
          missing_modality=CoordinatedSleepNet.missing_modality, example_spec=EXAMPLE_SPECS)
def core_sleep_core(modalities: Mapping[str, ModalitySpec], num_classes: int, **kwargs: Any) -> CoordinatedSleepNet:
    """CoRe: coordinated representations (cross-attention, SA/FF shared with the unimodal encoders)."""
    return _build(CoordinatedSleepNet, modalities, num_classes, kwargs)


def unimodal_equivalent(spec: ModalitySpec, num_classes: int, **kwargs: Any) -> MidLateSleepNet:
    """The paper's unimodal equivalent: one inner/outer encoder and predictor, trained and tested on one modality.

    It is :class:`MidLateSleepNet` on a single modality. It is not a separate registry entry: the
    registry tests mask a model's first modality, which for a one-modality model leaves nothing to
    classify (an error by design); build it with ``create_model("core_sleep_mid_late", {m: spec}, C)``
    or this function.
    """
    if not isinstance(spec, ModalitySpec):
        raise TypeError(f"spec must be one ModalitySpec, got {type(spec).__name__}")
    return _build(MidLateSleepNet, {spec.name: spec}, num_classes, kwargs)


__all__ = [
    "CORE_SLEEP_VARIANTS",
    "EXAMPLE_SPECS",
    "PAPER_CONFIG",
    "PAPER_SEQ_LEN",
    "CoordinatedSleepNet",
    "CoreSleepModel",
    "CoreSleepOutput",
    "EarlySleepNet",
    "EncoderStates",
    "InnerOuterEncoder",
    "MidLateSleepNet",
    "check_core_sleep_specs",
    "core_sleep_specs",
    "unimodal_equivalent",
]
