"""Multi-term training objectives: multi-supervised (MS) and alignment (AL) losses of CoRe-Sleep.

Every ``*_loss(model, batch)`` callable here plugs into :func:`fusionlab.train.fit` as ``loss_fn``.
Batches may carry one label per sequence (``label`` shape ``(B,)``: the centre epoch) or one per epoch
(``(B, seq_len)``: sequence-to-sequence, as the paper trains).

Equation (8) of Kontras et al.: ``L = CE(multimodal) + MS + AL`` with ``MS = sum_m CE(unimodal_m)``
(Eq. 9) and ``AL = lambda_A sum_{m != j} CE(z_m z_j^T, I)`` (Eq. 10, ``lambda_A = 0.1``): for each window
of modality ``m``, find the window of modality ``j`` recorded at the same time among the windows of the
same outer sequence, with logits given by the outer product of the two unimodal representations.
The CLIP-style cosine/temperature form is kept as ``form="clip"``.

Incomplete data (Sec. III-D, Fig. 4): a patient with one modality contributes only the supervised
loss of that modality, once; MS and AL are computed on the multimodal patients only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F


def _flat_ce(logits: Tensor, labels: Tensor, keep: Tensor) -> Tensor:
    """Cross-entropy over the samples where ``keep`` (B,) is True; logits (B, [L,] C), labels (B, [L])."""
    if not keep.any():
        return logits.sum() * 0.0
    return F.cross_entropy(logits[keep].reshape(-1, logits.shape[-1]), labels[keep].reshape(-1))


ALIGNMENT_FORMS = ("paper", "clip")
"""Forms of the alignment loss: ``"paper"`` (Eq. 10, the default of CoRe-Sleep) and ``"clip"``."""


def alignment_loss(z_a: Tensor, z_b: Tensor, *, form: str = "paper", temperature: float = 0.1) -> Tensor:
    """Alignment (AL) loss between aligned windows of two modalities, both directions.

    Each window of one modality must pick, among the windows of the same outer sequence of the
    other modality, the one recorded at the same time: a classification whose logits are the
    outer product of the two sequences of unimodal representations and whose targets are the
    identity matrix (Kontras et al., Eq. 10: ``CE(f_m(X_m) f_j(X_j)^T, I)``).

    Parameters
    ----------
    z_a, z_b : Tensor, shape (batch, n_windows, d) or (n_windows, d)
        Representations of the same windows seen through two modalities; window ``i`` of ``z_a``
        is the positive of window ``i`` of ``z_b``, every other window of the same row a negative.
    form : {"paper", "clip"}
        ``"paper"``: logits are the raw outer product ``z_a z_b^T`` (Eq. 10; no normalisation,
        no temperature). ``"clip"``: cosine similarities divided by ``temperature`` (CLIP-style
        InfoNCE, the form this package used before; the paper does not write it).
    temperature : float
        Logit scale ``1 / temperature`` of the ``"clip"`` form (CLIP learns it; fixed here).
        Ignored by the paper's form.

    Returns
    -------
    Tensor, scalar
        ``CE(z_a z_b^T, I) + CE(z_b z_a^T, I)``, each CE averaged over windows and sequences:
        the two ordered pairs ``(m, j)`` and ``(j, m)`` of Eq. 10's double sum.
    """
    if form not in ALIGNMENT_FORMS:
        raise ValueError(f"form must be one of {ALIGNMENT_FORMS}, got {form!r}")
    if z_a.shape != z_b.shape:
        raise ValueError(f"z_a and z_b must have the same shape, got {tuple(z_a.shape)} and {tuple(z_b.shape)}")
    if z_a.dim() == 2:
        z_a, z_b = z_a[None], z_b[None]
    if z_a.dim() != 3:
        raise ValueError(f"z_a must have shape (batch, n_windows, d) or (n_windows, d), got {tuple(z_a.shape)}")
    if form == "clip":
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        z_a, z_b = F.normalize(z_a, dim=-1), F.normalize(z_b, dim=-1)
        logits = z_a @ z_b.transpose(1, 2) / temperature  # (B, L, L)
    else:
        logits = z_a @ z_b.transpose(1, 2)  # (B, L, L): Eq. 10's outer product
    target = torch.arange(z_a.shape[1], device=z_a.device).expand(z_a.shape[0], -1)
    # cross_entropy takes the classes in dim 1: logits (B, L, L) scores, for each window i of z_a
    # (last dim after the transpose), the windows of z_b; the untransposed call the other way round.
    return F.cross_entropy(logits.transpose(1, 2), target) + F.cross_entropy(logits, target)


def multi_supervised_loss(epoch_modality_logits: Mapping[str, Tensor], labels: Tensor, mask: Tensor,
                          modalities: tuple[str, ...]) -> Tensor:
    """MS term: sum over modalities of the CE of that modality's own predictor, where it is present.

    Parameters
    ----------
    epoch_modality_logits : dict name -> Tensor, shape (batch, seq_len, C) or (batch, C)
    labels : Tensor, shape (batch, seq_len) or (batch,)
    mask : Tensor, shape (batch, n_modalities), bool
    modalities : tuple of str
        Order of the mask's columns.
    """
    return sum(_flat_ce(epoch_modality_logits[m], labels, mask[:, i]) for i, m in enumerate(modalities))


@dataclass
class CoreSleepLoss:
    """``loss_fn(model, batch)`` for the CoRe-Sleep family: CE + optional MS + optional lambda * AL.

    Parameters
    ----------
    ms : bool
        Add the multi-supervised term (Eq. 9).
    al : bool
        Add the alignment term (Eq. 10), on the outer (per-epoch) unimodal representations.
    lambda_al : float
        Weight of AL (0.1 in the paper).
    al_form : {"paper", "clip"}
        Logits of AL: the raw outer product (Eq. 10, default) or CLIP-style cosine / temperature.
    temperature : float
        Temperature of the ``"clip"`` form (see :func:`alignment_loss`).

    Notes
    -----
    Incomplete data, as the paper trains it (Sec. III-D): every sample gets the CE of the model's
    prediction from what it has -- for a sample with one modality present that *is* the unimodal
    loss of that modality (its multimodal representation is its unimodal one, and a model trained
    with MS answers with that modality's predictor). MS and AL are computed only on the samples
    with every modality present, so a unimodal patient's loss is counted once, not twice.
    Labels of shape ``(B, seq_len)`` train every epoch of the sequence; ``(B,)`` the centre epoch.
    """

    ms: bool = True
    al: bool = True
    lambda_al: float = 0.1
    al_form: str = "paper"
    temperature: float = 0.1

    def __post_init__(self) -> None:
        if self.al_form not in ALIGNMENT_FORMS:
            raise ValueError(f"al_form must be one of {ALIGNMENT_FORMS}, got {self.al_form!r}")

    def terms(self, model: nn.Module, batch: Mapping[str, Any]) -> dict[str, Tensor]:
        """Each term of the objective separately (``ce``, and ``ms``/``al`` when enabled)."""
        labels = batch["label"]
        per_epoch = labels.dim() == 2
        if not (self.ms or self.al):
            logits = model(batch["inputs"], batch["mask"], per_epoch=per_epoch)
            return {"ce": F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))}
        out = model(batch["inputs"], batch["mask"], return_all=True)
        logits = out.epoch_logits if per_epoch else out.logits
        terms = {"ce": F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))}
        modalities = tuple(out.epoch_embeddings)
        multimodal = out.mask.all(1)  # the multimodal patients: MS and AL are computed on them only
        if self.ms:
            source = out.epoch_modality_logits if per_epoch else out.modality_logits
            terms["ms"] = multi_supervised_loss(source, labels, out.mask & multimodal[:, None], modalities)
        if self.al:
            al = out.logits.sum() * 0.0
            if multimodal.any():
                for i, a in enumerate(modalities):
                    for b in modalities[i + 1:]:  # alignment_loss covers both ordered pairs (a, b), (b, a)
                        al = al + alignment_loss(out.epoch_embeddings[a][multimodal],
                                                 out.epoch_embeddings[b][multimodal],
                                                 form=self.al_form, temperature=self.temperature)
            terms["al"] = self.lambda_al * al
        return terms

    def __call__(self, model: nn.Module, batch: Mapping[str, Any]) -> Tensor:
        return sum(self.terms(model, batch).values())


def core_sleep_loss(model: nn.Module, batch: Mapping[str, Any]) -> Tensor:
    """The CoRe-Sleep objective with the paper's settings: CE + MS + 0.1 AL."""
    return CoreSleepLoss(ms=True, al=True, lambda_al=0.1)(model, batch)


LOSS_VARIANTS = ("none", "AL", "MS", "MS+AL", "AL-clip", "MS+AL-clip")
"""Table I row suffixes; ``-clip`` uses the CLIP-style alignment form instead of the paper's Eq. 10."""


def variant_loss(losses: str) -> CoreSleepLoss:
    """Loss for a Table I row suffix: ``"none"``, ``"AL"``, ``"MS"``, ``"MS+AL"`` (AL in the paper's form),
    or ``"AL-clip"`` / ``"MS+AL-clip"`` (AL in the CLIP form)."""
    if losses not in LOSS_VARIANTS:
        raise ValueError(f"losses must be one of {list(LOSS_VARIANTS)}, got {losses!r}")
    base, _, form = losses.partition("-")
    return CoreSleepLoss(ms="MS" in base.split("+"), al="AL" in base.split("+"), al_form=form or "paper")
