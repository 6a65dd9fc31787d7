"""The complete models of Qin et al. (Step Fusion): ResNet image encoder + LSTM series encoder + alignment.

==========================  ==========================  =====================================
registered model            alignment (fusion block)    paper
==========================  ==========================  =====================================
``qin_sf``                  ``step_fusion``             SF (Section 3.4.1, Algorithm 1)
``qin_lmf``                 ``lmf``                     LMF baseline (Table 5)
``qin_cross_attention``     ``mult_cross_attention``    stand-in for the cross-attention baseline (Table 6)
``qin_concat``              ``domain_concat``           plain concatenation (our reference)
==========================  ==========================  =====================================

**The cross-attention baseline is a substitution.** The paper's "Cross-attention [16]" (Tables 6-7) cites
CAT (H. Lin et al., "CAT: Cross attention in vision transformer", ICME 2022): an attention scheme *inside*
a vision transformer (attention within image patches alternating with attention between patches of
single-channel feature maps), a unimodal image backbone. Qin et al. do not say how they applied it
between an image and a series, so it cannot be rebuilt from the paper. ``qin_cross_attention`` uses
MulT-style cross-modal attention (Tsai et al., ACL 2019, ``mult_cross_attention``) instead; the paper's
"Cross-attention" numbers beside it are CAT's, not MulT's.

Every model is :func:`qin_net`: an encoder per modality chosen by ``spec.kind`` (``"image"`` ->
:class:`ResNetImageEncoder`, ``"series"`` -> :class:`LstmSeriesEncoder`), the fusion block, and a
linear head ("Final-output = Linear(Multimodel-out)"). :func:`parameter_table` compares the four at
matched encoders and width (the paper's Table 7).

The concatenation reference uses ``domain_concat`` (pooled vectors, zeros for a masked modality,
concatenated, dense layers), not ``concat``: ``concat`` adds a learned "missing" vector that only
trains on samples with a masked modality, so a model built on it has a parameter without gradient
on complete batches. ``qin_net(..., fusion="concat")`` still builds.

References
----------
Qin et al., "Step fusion: Local and global mutual guidance", Sections 3.1-3.4.1, Tables 5-7.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from fusionlab.models.encoders.lstm import LstmSeriesEncoder
from fusionlab.models.encoders.resnet import ResNetImageEncoder
from fusionlab.models.encoders.rhythm import RhythmMlp
from fusionlab.models.multimodal import MultimodalNet
from fusionlab.models.registry import create_model, get_entry, register
from fusionlab.models.spec import ModalitySpec, count_parameters

# Qin et al., Table 7: parameters of the whole model with CNN + LSTM (and Transformer + ViT) encoders; printed by
# parameter_table beside ours (fusionlab.studies.step_fusion.reference re-exports it with the paper's other numbers).
QIN_PARAMETERS = {"SF": (70e6, 282e6), "LMF": (71e6, 283e6), "Cross-attention": (160e6, 370e6)}

PAPER = "Qin et al. (Step Fusion)"
EXAMPLE_SPECS = {"image": ModalitySpec("image", (1, 32, 32), kind="image"),
                 "series": ModalitySpec("series", (90,), kind="series")}
# Alignment methods in the order of the paper's Table 7 (+ our concatenation reference).
ALIGNMENTS = {"SF": "step_fusion", "LMF": "lmf", "Cross-attention": "mult_cross_attention",
              "Concat": "domain_concat"}
QIN_MODELS = {"qin_sf": "SF", "qin_lmf": "LMF", "qin_cross_attention": "Cross-attention", "qin_concat": "Concat"}


def _check_order(modalities: Mapping[str, ModalitySpec]) -> None:
    kinds = [spec.kind for spec in modalities.values()]
    if "image" in kinds and kinds[0] != "image":
        raise ValueError(f"qin_net: the image modality must come first (it is the query side of SF, as in "
                         f"Algorithm 1: SF_Block(Img-feature, Data-feature, Data-feature)); got the order "
                         f"{[f'{n} ({s.kind})' for n, s in modalities.items()]}. Build the mapping image first "
                         "(a tensor modality mask follows the same order).")


def qin_net(modalities: Mapping[str, ModalitySpec], num_classes: int, *, fusion: str = "step_fusion",
            d_model: int = 64, resnet_depth: int = 6, resnet_width: int = 16, lstm_layers: int = 2,
            dropout: float = 0.1, modality_heads: bool = False, **fusion_kwargs) -> MultimodalNet:
    """ResNet / LSTM encoders, a registered fusion block and a linear head.

    Parameters
    ----------
    modalities : mapping name -> ModalitySpec
        ``kind="image"`` (per-sample ``(C, H, W)`` or ``(H, W)``) or ``kind="series"`` (``(T,)`` or
        ``(T, C)``), or ``kind="rhythm"`` (a vector of RR features, ``(n_features,)``: an MLP encoder
        giving one token, lesson 08's rhythm modality). An image modality must come first: it is the query side of every SF step. The
        order is not changed silently, because a tensor modality mask follows it (``ValueError``).
        One modality is the unimodal ablation (Tables 3-4): the fusion block is then ``"mean"``
        whatever ``fusion`` says (SF, LMF and cross-attention need two modalities).
    num_classes : int
    fusion : str
        Registered fusion block name, built as ``create_model(fusion, list(modalities), d_model,
        **fusion_kwargs)``.
    d_model : int
        Token width of both encoders and of the fusion block.
    resnet_depth, resnet_width : int
        Bottleneck blocks and first-stage width of :class:`ResNetImageEncoder`.
    lstm_layers : int
        Layers of :class:`LstmSeriesEncoder`.
    dropout : float
        Dropout before the linear head.
    modality_heads : bool
        Per-modality heads (see :class:`MultimodalNet`).

    Returns
    -------
    MultimodalNet
    """
    if not isinstance(modalities, Mapping) or not modalities:
        raise ValueError("qin_net: modalities must be a non-empty mapping name -> ModalitySpec")
    for name, spec in modalities.items():
        if not isinstance(spec, ModalitySpec) or spec.kind not in ("image", "series", "rhythm"):
            kind = getattr(spec, "kind", type(spec).__name__)
            raise ValueError(f"qin_net: modality {name!r} must be a ModalitySpec of kind 'image' (ResNet encoder), "
                             f"'series' (LSTM encoder) or 'rhythm' (MLP on RR features), got {kind!r}")
    _check_order(modalities)
    def encoder(spec: ModalitySpec):
        if spec.kind == "image":
            return ResNetImageEncoder(spec, d_model, depth=resnet_depth, width=resnet_width)
        if spec.kind == "rhythm":
            return RhythmMlp(spec, d_model)
        return LstmSeriesEncoder(spec, d_model, num_layers=lstm_layers)

    encoders = {name: encoder(spec) for name, spec in modalities.items()}
    if len(modalities) == 1:
        fusion, fusion_kwargs = "mean", {}
    block = create_model(fusion, list(modalities), d_model, **fusion_kwargs)
    return MultimodalNet(encoders, block, num_classes, specs=dict(modalities), modality_heads=modality_heads,
                         head_dropout=dropout)


def _registered(model_name: str):
    alignment = QIN_MODELS[model_name]
    block = ALIGNMENTS[alignment]

    def factory(modalities: Mapping[str, ModalitySpec], num_classes: int, **kwargs) -> MultimodalNet:
        return qin_net(modalities, num_classes, fusion=block, **kwargs)

    factory.__name__ = model_name
    factory.__doc__ = f"Qin et al. model with the {alignment} alignment ({block!r}): ResNet + LSTM encoders, linear head."
    if alignment == "Cross-attention":
        factory.__doc__ += " MulT-style: a stand-in for the paper's CAT [16] baseline, which is not built (module doc)."
    register(model_name, kind="model", paper=PAPER, tags=("step_fusion",), example_spec=dict(EXAMPLE_SPECS),
             missing_modality=get_entry(block).missing_modality)(factory)
    return factory


qin_sf = _registered("qin_sf")
qin_lmf = _registered("qin_lmf")
qin_cross_attention = _registered("qin_cross_attention")
qin_concat = _registered("qin_concat")


def parameter_table(modalities: Mapping[str, ModalitySpec] | None = None, *, d_model: int = 64,
                    num_classes: int = 2, resnet_depth: int = 6, resnet_width: int = 16,
                    lstm_layers: int = 2) -> pd.DataFrame:
    """Parameters of the four Qin et al. models at matched encoders and width (cf. the paper's Table 7).

    Parameters
    ----------
    modalities : mapping name -> ModalitySpec, optional
        Default: the registry example (a 1 x 32 x 32 image and a 90-sample series).
    d_model, num_classes, resnet_depth, resnet_width, lstm_layers
        Passed to :func:`qin_net`, identical for every row.

    Returns
    -------
    pandas.DataFrame
        One row per alignment method in the order SF, LMF, Cross-attention, concat (index
        ``alignment``), columns ``model``, ``fusion block``, ``fusion parameters``, ``encoder
        parameters``, ``model parameters``, ``fusion / SF`` (ratio of fusion parameters) and
        ``model / SF``, ``paper Table 7 (M)`` (the paper's CNN + LSTM model sizes, in millions) and
        ``paper / SF``: the ratios are what can be compared, the absolute sizes cannot (see notebook 09).
        The paper's "Cross-attention" size is CAT's; our row is the MulT-style stand-in (module doc).
    """
    modalities = dict(EXAMPLE_SPECS if modalities is None else modalities)
    rows = []
    for model_name, alignment in QIN_MODELS.items():
        model = create_model(model_name, modalities, num_classes, d_model=d_model, resnet_depth=resnet_depth,
                             resnet_width=resnet_width, lstm_layers=lstm_layers)
        rows.append({"alignment": alignment, "model": model_name, "fusion block": ALIGNMENTS[alignment],
                     "fusion parameters": count_parameters(model.fusion),
                     "encoder parameters": count_parameters(model.encoders),
                     "model parameters": count_parameters(model),
                     "paper Table 7 (M)": QIN_PARAMETERS[alignment][0] / 1e6 if alignment in QIN_PARAMETERS
                     else float("nan")})
    table = pd.DataFrame(rows).set_index("alignment")
    table.insert(3, "fusion / SF", table["fusion parameters"] / table.loc["SF", "fusion parameters"])
    table["model / SF"] = table["model parameters"] / table.loc["SF", "model parameters"]
    table["paper / SF"] = table["paper Table 7 (M)"] / table.loc["SF", "paper Table 7 (M)"]
    return table
