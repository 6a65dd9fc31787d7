"""The one cache (fusionlab.cache): keyed on settings and code, safe formats, atomic entries."""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from fusionlab.cache import cache_key, cached_features, cached_result, code_version, load_entry, save_entry
from fusionlab.data.spec import ModalitySpec


def a_study_result() -> dict:
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"model": ["1D-CNN", "Hybrid 1", None], "macro_f1": [0.5, np.nan, 0.7],
                          "n": np.array([1, 2, 3], dtype=np.int64)}, index=pd.Index(["a", "b", "c"], name="row"))
    multi = pd.DataFrame(rng.normal(size=(2, 2)), columns=pd.MultiIndex.from_tuples([("x", 1), ("x", 2)]))
    return {
        "y_true": rng.integers(0, 4, 50), "records": np.array(["101", "203"]), "proba": rng.random((5, 3)),
        "predictions": {"SF": rng.integers(0, 4, 50)}, "state_dicts": {"SF": OrderedDict(w=torch.randn(3, 2))},
        "seed_scores": table, "multi": multi, "series": pd.Series([1.0, 2.0], index=[3, 4], name="s"),
        "specs": {"time": ModalitySpec("time", (1, 90), kind="signal")}, ("fold", 0): (1, 2.5, "x", None, True),
        "seconds": np.float64(1.25), "folder": Path("/tmp/x"), "folds": [{"train": ["101"], "test": ["203"]}],
    }


def assert_same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, torch.Tensor):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    else:
        assert type(a) is type(b) and a == b


def test_round_trip_is_exact_and_uses_no_pickle(tmp_path):
    result = a_study_result()
    entry = save_entry(tmp_path / "entry", result)
    assert sorted(p.name for p in entry.iterdir()) == ["arrays.npz", "manifest.json", "tensors.pt"]
    with np.load(entry / "arrays.npz", allow_pickle=False) as npz:  # would raise on a pickled object array
        assert len(npz.files) > 0
    torch.load(entry / "tensors.pt", weights_only=True)
    json.loads((entry / "manifest.json").read_text())
    assert_same(result, load_entry(entry))


@pytest.mark.parametrize("bad", [np.array([{"a": 1}], dtype=object), object(), {1, 2}])
def test_unsafe_values_are_refused_with_where_they_are(tmp_path, bad):
    with pytest.raises(TypeError, match=r"cannot store .* at result\['inner'\]"):
        save_entry(tmp_path / "entry", {"inner": bad})
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_a_manifest_cannot_name_a_class_outside_the_package(tmp_path):
    entry = save_entry(tmp_path / "entry", ModalitySpec("eeg", (3,)))
    manifest = json.loads((entry / "manifest.json").read_text())
    manifest["value"]["__dataclass__"] = "subprocess:Popen"
    (entry / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="outside fusionlab"):
        load_entry(entry)


STUDY = '''
from fusionlab.cache import cached_result

def run(compute, n=1):
    return cached_result("demo-study", "demo", {{"n": n}}, compute)
{extra}
'''


@pytest.fixture
def study_module(tmp_path, monkeypatch):
    """A throw-away study package ``cachedemo_<id>.study`` on sys.path, build folder in tmp_path."""
    name = f"cachedemo_{tmp_path.name.replace('-', '_')}"
    package = tmp_path / "src" / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "study.py").write_text(STUDY.format(extra=""))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.setenv("FUSIONLAB_BUILD", str(tmp_path / "build"))
    import importlib

    module = importlib.import_module(f"{name}.study")
    yield module, package / "study.py"
    sys.modules.pop(f"{name}.study", None)
    sys.modules.pop(name, None)


def test_identical_rerun_hits_the_cache(study_module):
    module, _ = study_module
    calls = []

    def compute():
        calls.append(1)
        return {"score": np.arange(3.0)}

    first = module.run(compute)
    second = module.run(compute)
    assert calls == [1]
    assert_same(first, second)
    module.run(compute, n=2)  # other settings: computed again
    assert calls == [1, 1]


def test_editing_the_study_code_misses_the_cache(study_module):
    module, source = study_module
    calls = []

    def compute():
        calls.append(1)
        return {"score": np.arange(3.0)}

    module.run(compute)
    source.write_text(STUDY.format(extra="THRESHOLD = 0.5  # a change to the study's code"))
    module.run(compute)  # the module object is unchanged: the key reads the source on disk
    assert calls == [1, 1]
    module.run(compute)
    assert calls == [1, 1]  # and the new code's result is then reused


def test_code_version_follows_imports(tmp_path, monkeypatch):
    package = tmp_path / "cvdemo"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "study.py").write_text("def run():\n    from cvdemo import model\n    return model.net()\n")
    (package / "model.py").write_text("def net():\n    return 1\n")
    (package / "unrelated.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = code_version(["cvdemo.study"])
    (package / "unrelated.py").write_text("X = 2\n")
    assert code_version(["cvdemo.study"]) == before  # a module the study does not import does not count
    (package / "model.py").write_text("def net():\n    return 2\n")
    assert code_version(["cvdemo.study"]) != before  # a function-local import of the study does


def test_study_keys_cover_the_models_they_train():
    """The ECG study's key changes with the encoders it trains, reached through fusionlab's imports."""
    from fusionlab.cache import _module_file

    version = code_version(["fusionlab.studies.ecg_domains.study"])
    assert len(version) == 16
    assert _module_file("fusionlab.models.ecg_domains") is not None
    assert cache_key("x", {"a": 1}, version) != cache_key("x", {"a": 1}, version[::-1])


def test_cached_features_are_keyed_on_code_and_memory_mapped(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return np.arange(6, dtype=np.float32)

    a = cached_features("demo", {"k": 1}, compute, directory=tmp_path, code="fusionlab.paths")
    b = cached_features("demo", {"k": 1}, compute, directory=tmp_path, code="fusionlab.paths")
    cached_features("demo", {"k": 1}, compute, directory=tmp_path, code="fusionlab.profiles")
    assert calls == [1, 1]
    assert isinstance(b, np.memmap) and not b.flags.writeable
    np.testing.assert_array_equal(a, b)


def test_cache_false_computes_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("FUSIONLAB_BUILD", str(tmp_path))
    assert cached_result("s", "n", {}, lambda: 3, cache=False) == 3
    assert not list(tmp_path.iterdir())
