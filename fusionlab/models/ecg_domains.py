"""The Hybrid 1/2 intermediate-fusion models of "Rethinking Multimodality" and their unimodal counterparts.

Three domains of one heartbeat -- time, time-frequency (CWT) and frequency (FFT) -- each with its encoder
(:mod:`fusionlab.models.encoders.ecg`: ``ecg_cnn1d``, ``ecg_cnn2d``, ``ecg_cnn_transformer``), plus the rhythm
MLP (``ecg_rhythm_mlp``). Fusion is *intermediate* (feature level):
:class:`~fusionlab.models.fusion.domain_concat.DomainConcatFusion` (``domain_concat``) pools each branch's
tokens into one feature vector, concatenates them and runs dense layers with dropout. ``ecg_hybrid1`` = time +
time-frequency, ``ecg_hybrid2`` = + frequency, ``ecg_morphology_rhythm`` = time + rhythm. A unimodal model is
the same network with one branch: :func:`ecg_domain_net` with a single modality (not registered, because the
registry tests mask one modality of every model, which leaves a unimodal model with nothing).

References
----------
"Rethinking Multimodality: Optimizing Multimodal Deep Learning for Biomedical Signal
Classification", arXiv:2508.00963 (Tables 6-10: 1D-CNN, 2D-CNN, 1D-CNN-Transformer, Hybrid 1/2).
"""

from __future__ import annotations

from collections.abc import Mapping

from fusionlab.models.encoders.ecg import EXAMPLE_SPECS, PAPER, EcgCnn1d, EcgCnn2d, EcgCnnTransformer
from fusionlab.models.encoders.rhythm import RhythmMlp
from fusionlab.models.fusion.domain_concat import DomainConcatFusion
from fusionlab.models.multimodal import MultimodalNet
from fusionlab.models.registry import register
from fusionlab.models.spec import ModalitySpec

DOMAIN_KINDS = {"signal": "time", "image": "time-frequency", "spectrum": "frequency"}
# Names that lived here before the encoders and the fusion block moved to encoders/ and fusion/.
__all__ = ["DOMAIN_KINDS", "DomainConcatFusion", "EXAMPLE_SPECS", "EcgCnn1d", "EcgCnn2d", "EcgCnnTransformer",
           "ENCODER_BY_KIND", "ecg_domain_net", "ecg_hybrid1", "ecg_hybrid2", "ecg_morphology_rhythm"]

ENCODER_BY_KIND = {"signal": EcgCnn1d, "image": EcgCnn2d, "spectrum": EcgCnnTransformer, "rhythm": RhythmMlp}


def ecg_domain_net(modalities: Mapping[str, ModalitySpec], num_classes: int, *, d_model: int = 64,
                   hidden: int = 128, dropout: float = 0.3, modality_heads: bool = False) -> MultimodalNet:
    """One encoder per domain (chosen by ``spec.kind``), :class:`DomainConcatFusion`, a linear head.

    Parameters
    ----------
    modalities : mapping name -> ModalitySpec
        ``kind`` ``"signal"`` (time), ``"image"`` (scalogram), ``"spectrum"`` (FFT) or ``"rhythm"``
        (RR features, :class:`~fusionlab.models.encoders.rhythm.RhythmMlp`). One modality gives a
        unimodal model (1D-CNN, 2D-CNN, 1D-CNN-Transformer or rhythm MLP + dense layers).
    num_classes : int
    d_model, hidden, dropout : int, int, float
        Branch feature width, dense width, dropout of the dense layers.
    """
    if not isinstance(modalities, Mapping) or not modalities:
        raise ValueError("modalities must be a non-empty mapping name -> ModalitySpec")
    encoders = {}
    for name, spec in modalities.items():
        if not isinstance(spec, ModalitySpec) or spec.kind not in ENCODER_BY_KIND:
            kind = getattr(spec, "kind", type(spec).__name__)
            raise ValueError(f"modality {name!r}: ECG domain models take ModalitySpecs of kind "
                             f"{sorted(ENCODER_BY_KIND)} (time, time-frequency, frequency, rhythm), got {kind!r}")
        encoders[name] = ENCODER_BY_KIND[spec.kind](spec, d_model)
    fusion = DomainConcatFusion(list(modalities), d_model, hidden=hidden, dropout=dropout)
    return MultimodalNet(encoders, fusion, num_classes, specs=dict(modalities), modality_heads=modality_heads,
                         head_dropout=dropout)


def _hybrid(modalities: Mapping[str, ModalitySpec], kinds: tuple[str, ...], name: str) -> None:
    found = tuple(sorted(getattr(s, "kind", "?") for s in modalities.values())) if isinstance(modalities, Mapping) else ()
    if found != tuple(sorted(kinds)):
        raise ValueError(f"{name} fuses one modality of each kind {list(kinds)}, got kinds {list(found)}")


@register("ecg_hybrid1", kind="model", paper=PAPER + ", Hybrid 1", tags=("ecg_domains",),
          missing_modality=DomainConcatFusion.missing_modality,
          example_spec={k: EXAMPLE_SPECS[k] for k in ("time", "tf")})
def ecg_hybrid1(modalities: Mapping[str, ModalitySpec], num_classes: int, **kwargs) -> MultimodalNet:
    """Hybrid 1: 1D-CNN (time) + 2D-CNN (CWT scalogram) features concatenated, dense layers with dropout."""
    _hybrid(modalities, ("signal", "image"), "ecg_hybrid1")
    return ecg_domain_net(modalities, num_classes, **kwargs)


@register("ecg_hybrid2", kind="model", paper=PAPER + ", Hybrid 2", tags=("ecg_domains",),
          missing_modality=DomainConcatFusion.missing_modality, example_spec=dict(EXAMPLE_SPECS))
def ecg_hybrid2(modalities: Mapping[str, ModalitySpec], num_classes: int, **kwargs) -> MultimodalNet:
    """Hybrid 2: Hybrid 1 + the 1D-CNN-Transformer frequency branch."""
    _hybrid(modalities, ("signal", "image", "spectrum"), "ecg_hybrid2")
    return ecg_domain_net(modalities, num_classes, **kwargs)


@register("ecg_morphology_rhythm", kind="model", paper="morphology + rhythm fusion (de Chazal et al. 2004 as modalities)",
          tags=("ecg_domains",), missing_modality=DomainConcatFusion.missing_modality,
          example_spec={"time": EXAMPLE_SPECS["time"], "rhythm": ModalitySpec("rhythm", (9,), kind="rhythm")})
def ecg_morphology_rhythm(modalities: Mapping[str, ModalitySpec], num_classes: int, **kwargs) -> MultimodalNet:
    """Morphology (1D-CNN on the beat) + rhythm (MLP on RR features), pooled features concatenated."""
    _hybrid(modalities, ("signal", "rhythm"), "ecg_morphology_rhythm")
    return ecg_domain_net(modalities, num_classes, **kwargs)
