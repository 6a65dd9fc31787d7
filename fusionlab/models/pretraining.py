"""Label-free pretraining of the frozen encoders of the late-fusion variants.

The paper's Basic/Enhanced Late variants use encoders pretrained elsewhere (an audio transformer,
a text encoder, a ViT) and keep them frozen. Synthetic latents have no such checkpoint, so this
module gives each frozen encoder real weights the honest way: a *denoising autoencoder* objective
on that modality's training inputs alone, with no labels. Its pooled embedding must reconstruct the
clean input from a corrupted copy (random tokens zeroed, Gaussian noise added), which forces it to
encode what the tokens share -- the modality's latent value.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from fusionlab.models.encoders.transformer import FrozenEncoder
from fusionlab.models.multimodal import MultimodalNet
from fusionlab.repro import torch_generator


def frozen_encoders(model: MultimodalNet) -> dict[str, FrozenEncoder]:
    """The :class:`FrozenEncoder` inside each modality's encoder of ``model`` (if any)."""
    found: dict[str, FrozenEncoder] = {}
    for name, encoder in model.encoders.items():
        for module in encoder.modules():
            if isinstance(module, FrozenEncoder):
                found[name] = module
                break
    return found


def pretrain_denoising(
    encoder: nn.Module,
    inputs: Tensor,
    *,
    d_model: int,
    epochs: int = 5,
    batch_size: int = 256,
    lr: float = 3e-3,
    drop_prob: float = 0.3,
    noise_std: float = 0.1,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> list[float]:
    """Train ``encoder`` (input -> tokens ``(B, L, d)``) as a denoising autoencoder; return epoch losses.

    Parameters
    ----------
    encoder : nn.Module
        Its parameters are trained in place.
    inputs : Tensor, shape (n_samples, *input_shape)
        Unlabelled training inputs of this modality.
    d_model : int
        Token width of ``encoder``.
    """
    device = torch.device(device)
    inputs = inputs.float()
    flat = inputs.flatten(1)
    scale = flat.std(dim=0).clamp_min(1e-6)
    decoder = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, flat.shape[1])).to(device)
    encoder.to(device).train()
    params = [p for p in encoder.parameters()] + list(decoder.parameters())
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
    generator = torch_generator(seed)
    losses: list[float] = []
    for _ in range(epochs):
        order = torch.randperm(len(inputs), generator=generator)
        total, count = 0.0, 0
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            clean = inputs[idx].to(device)
            keep = (torch.rand(clean.shape, generator=generator) > drop_prob).to(device)
            noise = torch.randn(clean.shape, generator=generator).to(device) * noise_std * scale.view(1, *inputs.shape[1:]).to(device)
            corrupted = (clean + noise) * keep
            recon = decoder(encoder(corrupted).mean(dim=1))
            loss = (((recon - clean.flatten(1)) / scale.to(device)) ** 2).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
            count += len(idx)
        losses.append(total / count)
    encoder.eval()
    return losses


def pretrain_frozen_encoders(
    model: MultimodalNet,
    inputs: Mapping[str, Tensor],
    **kwargs,
) -> dict[str, list[float]]:
    """Denoising-pretrain every frozen encoder of ``model`` on its modality's unlabelled ``inputs``.

    Parameters are unfrozen for pretraining and frozen again afterwards; each encoder's
    ``weights_source`` then says "label-free denoising pretraining". Returns the loss curves.
    """
    curves: dict[str, list[float]] = {}
    for name, frozen in frozen_encoders(model).items():
        if name not in inputs:
            raise KeyError(f"no pretraining inputs for modality {name!r}; got {list(inputs)}")
        for p in frozen.encoder.parameters():
            p.requires_grad_(True)
        curves[name] = pretrain_denoising(frozen.encoder, inputs[name], d_model=model.d_model, **kwargs)
        frozen.weights_source = "label-free denoising pretraining on the training inputs"
        frozen.freeze()
    return curves
