"""Describe what is in the registry: shapes, parameter counts and missing-modality behaviour.

Notebook 03 shows these tables; the registry tests call :func:`mask_invariance_gap` on every block.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch

from fusionlab.models import count_parameters, create_model, get_entry, list_models
from fusionlab.models.spec import ModalitySpec


def example_tokens(modalities: Sequence[str], d_model: int, batch: int = 4, seed: int = 0,
                   lengths: Sequence[int] | None = None) -> dict[str, torch.Tensor]:
    """Random tokens ``(batch, L_m, d_model)`` for each modality (``L_m`` = 3, 5, 7, ... by default)."""
    generator = torch.Generator().manual_seed(seed)
    lengths = lengths or [3 + 2 * i for i in range(len(modalities))]
    return {m: torch.randn(batch, L, d_model, generator=generator) for m, L in zip(modalities, lengths)}


def example_inputs(specs: dict[str, ModalitySpec], batch: int = 4, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random inputs ``(batch, *spec.shape)`` for each modality."""
    generator = torch.Generator().manual_seed(seed)
    return {m: torch.randn(batch, *s.shape, generator=generator) for m, s in specs.items()}


@torch.no_grad()
def mask_invariance_gap(block: torch.nn.Module, tokens: dict[str, torch.Tensor], masked: str) -> float:
    """Largest change of the fused output of samples where ``masked`` is masked, when that
    modality's tokens are replaced by different random values. 0 means the mask is respected."""
    block.eval()
    modalities = list(tokens)
    batch = tokens[modalities[0]].shape[0]
    mask = torch.ones(batch, len(modalities), dtype=torch.bool)
    mask[:, modalities.index(masked)] = False
    changed = dict(tokens)
    changed[masked] = torch.randn_like(tokens[masked]) * 10
    return float((block(tokens, mask) - block(changed, mask)).abs().max())


def describe_fusion_blocks(modalities: Sequence[str] = ("eeg", "eog", "text"), d_model: int = 32,
                           batch: int = 4) -> pd.DataFrame:
    """One row per registered fusion block: input and output shapes, parameters, missing-modality rule."""
    tokens = example_tokens(modalities, d_model, batch)
    rows = []
    for name in list_models(kind="fusion"):
        entry = get_entry(name)
        block = create_model(name, list(modalities), d_model)
        block.eval()
        with torch.no_grad():
            out = block(tokens, torch.ones(batch, len(modalities), dtype=torch.bool))
        rows.append({
            "fusion block": name,
            "paper": entry.paper,
            "input tokens": ", ".join(f"{m} {tuple(t.shape)}" for m, t in tokens.items()),
            "output": tuple(out.shape),
            "parameters": count_parameters(block),
            "missing modality": entry.missing_modality,
            "mask respected": mask_invariance_gap(block, tokens, modalities[0]) < 1e-5,
        })
    return pd.DataFrame(rows).set_index("fusion block")


def describe_models(num_classes: int = 3, batch: int = 4) -> pd.DataFrame:
    """One row per registered complete model, built on its registry example modalities."""
    rows = []
    for name in list_models(kind="model"):
        entry = get_entry(name)
        specs = entry.example_spec
        model = create_model(name, specs, num_classes)
        model.eval()
        with torch.no_grad():
            logits = model(example_inputs(specs, batch))
        rows.append({
            "model": name,
            "paper": entry.paper,
            "inputs": ", ".join(f"{m} {(batch, *s.shape)}" for m, s in specs.items()),
            "logits": tuple(logits.shape),
            "parameters": count_parameters(model),
            "trainable": count_parameters(model, trainable_only=True),
            "missing modality": entry.missing_modality,
        })
    return pd.DataFrame(rows).set_index("model")


def describe_encoders(d_model: int = 32, batch: int = 4) -> pd.DataFrame:
    """One row per registered encoder, applied to its registry example input."""
    rows = []
    for name in list_models(kind="encoder"):
        entry = get_entry(name)
        spec = entry.example_spec
        encoder = create_model(name, spec, d_model)
        with torch.no_grad():
            tokens = encoder(example_inputs({spec.name: spec}, batch)[spec.name])
        rows.append({"encoder": name, "paper": entry.paper, "input": (batch, *spec.shape),
                     "tokens": tuple(tokens.shape), "parameters": count_parameters(encoder),
                     "description": entry.description})
    return pd.DataFrame(rows).set_index("encoder")
