"""Every study has one shape: ``Settings.for_profile(profile, **overrides)`` and ``run(settings, *, device, cache)``
returning a :class:`fusionlab.studies.base.Result` whose tables are DataFrames."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import pandas as pd
import pytest
import torch

import fusionlab as fl
from fusionlab.studies.base import ProfileSettings, Result

STUDY_MODULES = (
    "fusionlab.studies.hayes_sun.logic_fusion",
    "fusionlab.studies.hayes_sun.sleep_events",
    "fusionlab.studies.core_sleep.study",
    "fusionlab.studies.step_fusion.study",
    "fusionlab.studies.ecg_domains.study",
)


@pytest.fixture(params=STUDY_MODULES)
def module(request):
    return importlib.import_module(request.param)


def test_every_study_has_settings_for_every_profile(module):
    settings_cls = module.Settings
    assert dataclasses.is_dataclass(settings_cls) and issubclass(settings_cls, ProfileSettings)
    chosen = {p: settings_cls.for_profile(p) for p in fl.profiles.PROFILES}
    assert all(isinstance(s, settings_cls) for s in chosen.values())
    # smoke is not the standard profile in any study
    assert chosen["smoke"] != chosen["standard"]
    with pytest.raises(ValueError, match="unknown profile 'huge'"):
        settings_cls.for_profile("huge")
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['no_such_field'\]"):
        settings_cls.for_profile("smoke", no_such_field=1)
    smoke = chosen["smoke"]
    field = next(f.name for f in dataclasses.fields(settings_cls)
                 if type(getattr(smoke, f.name)) is int and f.name != "seed")  # e.g. n_train, d_model
    changed = settings_cls.for_profile("smoke", **{field: getattr(smoke, field) + 1})
    assert getattr(changed, field) == getattr(smoke, field) + 1
    assert dataclasses.replace(changed, **{field: getattr(smoke, field)}) == smoke  # only that field moved


def test_every_study_run_has_the_common_signature(module):
    signature = inspect.signature(module.run)
    params = list(signature.parameters.values())
    assert params[0].name == "settings" and params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert signature.parameters["device"].kind is inspect.Parameter.KEYWORD_ONLY
    assert signature.parameters["device"].default == "auto"
    assert signature.parameters["cache"].kind is inspect.Parameter.KEYWORD_ONLY
    assert signature.parameters["cache"].default is True
    assert signature.return_annotation in (Result, "Result")


def test_old_profile_functions_are_for_profile():
    from fusionlab.studies.core_sleep import study as cs
    from fusionlab.studies.ecg_domains import study as ecg
    from fusionlab.studies.step_fusion import study as qin

    for profile in fl.profiles.PROFILES:
        assert cs.settings_for(profile) == cs.Settings.for_profile(profile)
        for mod in (ecg, qin):
            assert mod.study_settings(profile, protocol="record-cv", seed=3) == mod.Settings.for_profile(
                profile, protocol="record-cv", seed=3)
    assert ecg.study_settings("smoke").seed == 0 and ecg.study_settings("smoke", seed=4).seed == 4


def test_result_rejects_tables_that_are_not_dataframes():
    with pytest.raises(TypeError, match="table 'scores' must be a pandas DataFrame"):
        Result("x", None, {"scores": [1, 2]})
    result = Result("x", None, {"scores": pd.DataFrame({"a": [1]})}, extras={"models": {"m": 1}})
    assert result.models == {"m": 1}
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = result.nope


def test_logic_study_runs_end_to_end_and_matches_its_runner():
    from fusionlab.data.synthetic.logic import LogicTask
    from fusionlab.studies.hayes_sun import logic_fusion as study

    settings = study.Settings.for_profile("smoke", n_train=96, n_val=48, n_test=96, d_model=8, pretrain_epochs=1,
                                          train=fl.train.TrainConfig(num_epochs=1, batch_size=32, progress=False))
    result = study.run(settings, device="cpu", seeds=(0,), rules=("and",), variants=("basic_early",), progress=False)
    assert isinstance(result, Result) and result.settings is settings
    assert set(result.tables) == {"and", "summary"}
    assert all(isinstance(t, pd.DataFrame) for t in result.tables.values())
    assert list(result.tables["and"]["variant"]) == ["basic_early"]
    # run composes run_logic_table: the same seed gives the same numbers
    again = study.run_logic_table(LogicTask("and", noise=0.25), seeds=(0,), settings=settings, variants=("basic_early",),
                                  device="cpu", progress=False)
    pd.testing.assert_series_equal(result.tables["and"]["accuracy"], again["accuracy"])


def _tiny_core_sleep():
    from fusionlab.studies.core_sleep import study as cs

    return cs, cs.Settings.for_profile("smoke", n_train=2, n_val=1, n_test_clean=1, n_test_noisy=1,
                                       n_test_distractor=0, hours=2.5, num_epochs=1, rows=(("Mid-Late", "none"),),
                                       yasa_baseline=False, incomplete_base=1, incomplete_added=(0, 1),
                                       incomplete_flood=())


def test_core_sleep_runs_end_to_end_and_device_reaches_training(monkeypatch):
    cs, settings = _tiny_core_sleep()
    real_fit, seen, asked = cs.fit, [], []
    marker = torch.device("cpu", 0)  # what our fake get_device answers: distinct from a hard-coded "cpu"

    def fake_get_device(device):  # resolves only the device the test asks for to the marker
        asked.append(device)
        if isinstance(device, str) and device == "cuda:3":
            return marker
        return device if isinstance(device, torch.device) else torch.device(device)

    def spy_fit(model, train_ds, val_ds, config, *, device, loss_fn):
        seen.append(device)
        return real_fit(model, train_ds, val_ds, config, device="cpu", loss_fn=loss_fn)

    monkeypatch.setattr(cs, "get_device", fake_get_device)
    monkeypatch.setattr(cs, "fit", spy_fit)
    result = cs.run(settings, device="cuda:3", log=lambda *_: None)
    assert asked[0] == "cuda:3"
    # Table I row + 2 unimodal equivalents, then Fig. 4 with k = 0 and k = 1: every training run got the device
    assert len(seen) == 5 and all(d == marker for d in seen), seen
    assert result.device == str(marker)
    assert {"scores", "summary", "detector", "times", "incomplete"} <= set(result.tables)
    assert all(isinstance(t, pd.DataFrame) for t in result.tables.values())
    scores = result.tables["scores"]
    assert set(scores["model"]) == {"Mid-Late", "Unimodal Equivalent EEG", "Unimodal Equivalent EOG"}
    assert scores["acc"].between(0, 100).all()
    assert sorted(set(result.tables["incomplete"]["added"])) == [0, 1]


def test_core_sleep_cpu_numbers_do_not_depend_on_how_the_device_is_named():
    """``device="cpu"`` (a string) and ``torch.device("cpu")`` train the same model: passing the device through
    changes no CPU number."""
    cs, settings = _tiny_core_sleep()
    split = cs.cohort_split(settings, 0)
    runs = [cs.train_model("Mid-Late", "none", split.train, [], settings, 0, device=d)[0]
            for d in ("cpu", torch.device("cpu"))]
    for a, b in zip(runs[0].state_dict().values(), runs[1].state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert next(runs[0].parameters()).device.type == "cpu"
