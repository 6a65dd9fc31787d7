"""Multi-term training objectives: multi-supervised (MS) and alignment (AL) losses of CoRe-Sleep.

Every ``*_loss(model, batch)`` callable here plugs into :func:`fusionlab.train.fit` as ``loss_fn``.
Batches may carry one label per sequence (``label`` shape ``(B,)``: the centre epoch) or one per epoch
(``(B, seq_len)``: sequence-to-sequence, as the paper trains).

Equation (8) of Kontras et al.: ``L = CE(multimodal) + MS + lambda_A * AL`` with
``MS = sum_m CE(unimodal_m)`` and ``AL = sum_{m != j} CE(z_m z_j^T, I)``, the CLIP-style task of
finding, for each window of modality ``m``, the window of modality ``j`` recorded at the same time
among the windows of the same outer sequence.
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


def alignment_loss(z_a: Tensor, z_b: Tensor, *, temperature: float = 0.1, normalize: bool = True) -> Tensor:
    """CLIP-style symmetric InfoNCE between aligned windows of two modalities.

    Parameters
    ----------
    z_a, z_b : Tensor, shape (batch, n_windows, d) or (n_windows, d)
        Representations of the same windows seen through two modalities; window ``i`` of ``z_a``
        is the positive of window ``i`` of ``z_b``, every other window of the same row a negative.
    temperature : float
        Logit scale ``1 / temperature`` (CLIP learns it; fixed here).
    normalize : bool
        Cosine similarities (CLIP). ``False`` uses the raw outer product, as Eq. (10) writes it.

    Returns
    -------
    Tensor, scalar
        ``CE(z_a z_b^T, I) + CE(z_b z_a^T, I)``, averaged over windows and sequences.
    """
    if z_a.shape != z_b.shape:
        raise ValueError(f"z_a and z_b must have the same shape, got {tuple(z_a.shape)} and {tuple(z_b.shape)}")
    if z_a.dim() == 2:
        z_a, z_b = z_a[None], z_b[None]
    if z_a.dim() != 3:
        raise ValueError(f"z_a must have shape (batch, n_windows, d) or (n_windows, d), got {tuple(z_a.shape)}")
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if normalize:
        z_a, z_b = F.normalize(z_a, dim=-1), F.normalize(z_b, dim=-1)
    logits = z_a @ z_b.transpose(1, 2) / temperature  # (B, L, L)
    target = torch.arange(z_a.shape[1], device=z_a.device).expand(z_a.shape[0], -1)
    return (F.cross_entropy(logits.transpose(1, 2), target) + F.cross_entropy(logits, target))


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
    temperature : float
        See :func:`alignment_loss`.

    Notes
    -----
    With incomplete data (the modality mask is False for some samples) the fused CE uses whatever
    is present, MS only the modalities present in each sample, and AL only the samples where both
    modalities of a pair are present (the paper computes MS and AL on the multimodal patients only).
    Labels of shape ``(B, seq_len)`` train every epoch of the sequence; ``(B,)`` the centre epoch.
    """

    ms: bool = True
    al: bool = True
    lambda_al: float = 0.1
    temperature: float = 0.1

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
        if self.ms:
            source = out.epoch_modality_logits if per_epoch else out.modality_logits
            terms["ms"] = multi_supervised_loss(source, labels, out.mask, modalities)
        if self.al:
            al = out.logits.sum() * 0.0
            for i, a in enumerate(modalities):
                for j, b in enumerate(modalities):
                    if j <= i:
                        continue  # the symmetric InfoNCE covers both directions of the pair
                    both = out.mask[:, i] & out.mask[:, j]
                    if both.any():
                        al = al + alignment_loss(out.epoch_embeddings[a][both], out.epoch_embeddings[b][both],
                                                 temperature=self.temperature)
            terms["al"] = self.lambda_al * al
        return terms

    def __call__(self, model: nn.Module, batch: Mapping[str, Any]) -> Tensor:
        return sum(self.terms(model, batch).values())


def core_sleep_loss(model: nn.Module, batch: Mapping[str, Any]) -> Tensor:
    """The CoRe-Sleep objective with the paper's settings: CE + MS + 0.1 AL."""
    return CoreSleepLoss(ms=True, al=True, lambda_al=0.1)(model, batch)


def variant_loss(losses: str) -> CoreSleepLoss:
    """Loss for a Table I row suffix: ``"none"``, ``"AL"``, ``"MS"`` or ``"MS+AL"``."""
    options = {"none": (False, False), "AL": (False, True), "MS": (True, False), "MS+AL": (True, True)}
    if losses not in options:
        raise ValueError(f"losses must be one of {list(options)}, got {losses!r}")
    ms, al = options[losses]
    return CoreSleepLoss(ms=ms, al=al)
