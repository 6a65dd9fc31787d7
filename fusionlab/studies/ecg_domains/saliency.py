"""Where a trained domain model looks: input-gradient saliency and occlusion of the time-domain beat."""

from __future__ import annotations

import numpy as np
import torch


def input_gradient(model, inputs: dict[str, np.ndarray], labels: np.ndarray) -> dict[str, np.ndarray]:
    """``|d logit_true / d input|`` of every modality, same shapes as ``inputs`` (vanilla saliency)."""
    model.eval()
    x = {m: torch.tensor(v, dtype=torch.float32, requires_grad=True) for m, v in inputs.items()}
    logits = model(x)
    picked = logits.gather(1, torch.as_tensor(labels, dtype=torch.long)[:, None]).sum()
    picked.backward()
    return {m: t.grad.abs().numpy() for m, t in x.items()}


@torch.no_grad()
def occlusion_time(model, inputs: dict[str, np.ndarray], labels: np.ndarray, *, width: int = 9,
                   domain: str = "time") -> np.ndarray:
    """Drop of the true-class probability when a ``width``-sample window of the ``domain`` view is zeroed.

    Returns
    -------
    ndarray, shape (n_beats, n_times)
        Entry ``[i, t]``: probability drop with the window centred on sample ``t`` occluded (only
        ``domain`` is occluded; other views of the beat are left as they are).
    """
    if domain not in inputs:
        raise KeyError(f"inputs have no view {domain!r}; got {list(inputs)}")
    model.eval()
    base = {m: torch.tensor(v, dtype=torch.float32) for m, v in inputs.items()}
    idx = torch.as_tensor(labels, dtype=torch.long)[:, None]
    p0 = torch.softmax(model(base), 1).gather(1, idx)[:, 0]
    n_times = base[domain].shape[-1]
    drops = np.zeros((len(idx), n_times), dtype=np.float32)
    for t in range(n_times):
        occluded = dict(base)
        x = base[domain].clone()
        x[..., max(0, t - width // 2): t + width // 2 + 1] = 0.0
        occluded[domain] = x
        drops[:, t] = (p0 - torch.softmax(model(occluded), 1).gather(1, idx)[:, 0]).numpy()
    return drops
