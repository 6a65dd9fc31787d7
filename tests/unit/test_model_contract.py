"""One model contract (fusionlab.models.base): every registered model is a FusionModel with the same input
checks, modality mask and output record, CoRe-Sleep's included."""

from __future__ import annotations

import pytest
import torch

import fusionlab as fl
from fusionlab.models.base import FusionModel, FusionOutput
from fusionlab.models.zoo import example_inputs

MODELS = fl.list_models(kind="model")


@pytest.mark.parametrize("name", MODELS)
def test_every_model_follows_the_contract(name):
    torch.manual_seed(0)
    specs = fl.get_entry(name).example_spec
    model = fl.create_model(name, specs, 3).eval()
    assert isinstance(model, FusionModel)
    inputs = example_inputs(specs, 4)
    first = next(iter(specs))
    with pytest.raises(KeyError, match=f"inputs has no modality {first!r}"):
        model({k: v for k, v in inputs.items() if k != first})
    with pytest.raises(KeyError, match="unknown modality 'nope'"):
        model({**inputs, "nope": inputs[first]})
    out = model(inputs, return_all=True)
    assert isinstance(out, FusionOutput)
    assert out.logits.shape == (4, 3) and out.mask.shape == (4, len(specs)) and out.mask.all()
    assert set(out.embeddings) == set(specs)


@pytest.mark.parametrize("name", [n for n in MODELS if len(fl.get_entry(n).example_spec) > 1])
def test_a_masked_modality_never_reaches_the_output(name):
    """NaN in a masked modality changes nothing: the base class zeroes masked inputs before any encoder."""
    torch.manual_seed(0)
    specs = fl.get_entry(name).example_spec
    model = fl.create_model(name, specs, 3).eval()
    inputs = example_inputs(specs, 4)
    masked = list(specs)[-1]
    mask = {masked: torch.tensor([False, True, False, True])}
    poisoned = {**inputs, masked: torch.full_like(inputs[masked], float("nan"))
                if inputs[masked].is_floating_point() else inputs[masked]}
    with torch.no_grad():
        a, b = model(inputs, mask), model(poisoned, mask)
    rows = ~mask[masked]
    torch.testing.assert_close(a[rows], b[rows])
    assert torch.isfinite(b[rows]).all()


def test_core_sleep_keeps_its_sequence_hint():
    specs = fl.get_entry("core_sleep_core").example_spec
    model = fl.create_model("core_sleep_core", specs, 3)
    short = {m: torch.zeros(2, 1, *spec.shape[1:]) for m, spec in specs.items()}
    with pytest.raises(ValueError, match="shorter than the outer length"):
        model(short)
