"""Decision-level (late) fusion of separately trained models: a product of experts.

Each expert is a complete model trained on its own modalities (e.g. a 1D-CNN on the beat's shape and
an MLP on its RR features). The fused class probability is their product, renormalised:

    p(y | a, b)  ∝  p(y | a) p(y | b) / p(y)

which is Bayes' rule when the modalities are independent given the class. The ``1 / p(y)`` term is
the training prior the experts share; with class-weighted (balanced) training it is the same for
every class, so the fused logits are simply the sum of the experts' log-probabilities. Nothing is
trained at fusion time, so the experts cannot co-adapt: the product cannot learn interactions between
the modalities, useful or spurious -- with few training patients, often more of the latter (lesson 08
measures it against one network trained on both).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import Tensor, nn


class ProductOfExperts(nn.Module):
    """Sum of the experts' log-probabilities (logits of the renormalised product).

    Parameters
    ----------
    experts : mapping name -> (model, modalities)
        Each model is called as ``model({m: inputs[m] for m in modalities})`` and returns logits.
    log_prior : Tensor, shape (num_classes,), optional
        ``log p(y)`` of the experts' training distribution, subtracted ``len(experts) - 1`` times;
        None (balanced training) subtracts nothing.
    """

    def __init__(self, experts: Mapping[str, tuple[nn.Module, Sequence[str]]], *,
                 log_prior: Tensor | None = None) -> None:
        super().__init__()
        if len(experts) < 2:
            raise ValueError(f"a product of experts needs >= 2 experts, got {list(experts)}")
        self.experts = nn.ModuleDict({name: model for name, (model, _) in experts.items()})
        self.modalities = {name: tuple(mods) for name, (_, mods) in experts.items()}
        self.register_buffer("log_prior", None if log_prior is None else torch.as_tensor(log_prior, dtype=torch.float32))

    def forward(self, inputs: Mapping[str, Tensor], mask: Tensor | None = None) -> Tensor:
        """Fused logits ``(B, num_classes)``; ``mask`` is accepted for the common signature and ignored."""
        missing = sorted({m for mods in self.modalities.values() for m in mods} - set(inputs))
        if missing:
            raise KeyError(f"ProductOfExperts: inputs lack modalities {missing}; got {sorted(inputs)}")
        total = sum(torch.log_softmax(self.experts[name]({m: inputs[m] for m in mods}), -1)
                    for name, mods in self.modalities.items())
        if self.log_prior is not None:
            total = total - (len(self.modalities) - 1) * self.log_prior
        return total


def product_of_experts(probabilities: Sequence[np.ndarray], *, eps: float = 1e-9) -> np.ndarray:
    """The same fusion on stored probabilities ``(n, C)`` arrays: summed log-probabilities (argmax = decision)."""
    if len(probabilities) < 2:
        raise ValueError(f"a product of experts needs >= 2 probability arrays, got {len(probabilities)}")
    shapes = {np.shape(p) for p in probabilities}
    if len(shapes) != 1:
        raise ValueError(f"the experts' probabilities must have one shape (n, n_classes); got {sorted(shapes)}")
    return sum(np.log(np.asarray(p, dtype=np.float64) + eps) for p in probabilities)
