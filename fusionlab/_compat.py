"""The module names of the package before its layout became layers (fusionlab.batches,
``fusionlab.experiments.core_sleep``, ``fusionlab.ecg`` ...), kept importable so that lessons, tests and
scripts written against them keep working: ``from fusionlab.batches import to_device`` gives the module now at
``fusionlab.data.batches`` (the same module object, not a copy), and ``python -m fusionlab.notebook_runner`` runs
``fusionlab.cli.notebook_runner``. New code imports the new names (README, "Package layout").

Installed by ``fusionlab/__init__.py`` as a finder on ``sys.meta_path``; it only answers for the names below.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

# old name -> new name (both relative to ``fusionlab.``): modules moved whole.
MOVED: dict[str, str] = {
    "feature_cache": "cache",
    "batches": "data.batches",
    "events.cap": "data.events.cap",
    "events.dreams": "data.events.dreams",
    "events.images": "data.events.images",
    "events.metadata": "data.events.metadata",
    "events.notes": "data.events.notes",
    "events.plot": "viz.events",
    "ecg.rhythm": "data.rhythm",
    "ecg.balance": "data.balance",
    "data.plots": "viz.signals",
    "imaging": "spectral.imaging",
    "ecg.views": "spectral.beat_views",
    "spectral.plot": "viz.spectral",
    "zoo": "models.zoo",
    "checkpoint": "train.checkpoint",
    "throughput": "train.throughput",
    "training_run": "train.distributed",
    "losses": "train.losses",
    "metrics": "train.metrics",
    "dependence": "stats.dependence",
    "forecast_stats": "stats.forecast_errors",
    "ecg.protocol": "stats.mitdb_protocol",
    "experiments.logic_fusion": "studies.hayes_sun.logic_fusion",
    "experiments.sleep_events": "studies.hayes_sun.sleep_events",
    "reference.hayes_sun": "studies.hayes_sun.reference",
    "experiments.core_sleep": "studies.core_sleep.study",
    "experiments.core_sleep_data": "studies.core_sleep.data",
    "experiments.core_sleep_plots": "studies.core_sleep.plots",
    "experiments.core_sleep_tables": "studies.core_sleep.tables",
    "robustness": "studies.core_sleep.robustness",
    "reference.core_sleep": "studies.core_sleep.reference",
    "experiments.step_fusion": "studies.step_fusion.study",
    "experiments.step_fusion_tables": "studies.step_fusion.tables",
    "forecast_baselines": "studies.step_fusion.forecast_baselines",
    "reference.qin": "studies.step_fusion.reference",
    "ecg.experiment": "studies.ecg_domains.study",
    "ecg.baseline": "studies.ecg_domains.baseline",
    "ecg.features": "studies.ecg_domains.features",
    "ecg.plots": "studies.ecg_domains.plots",
    "ecg.saliency": "studies.ecg_domains.saliency",
    "ecg.tables": "studies.ecg_domains.tables",
    "reference.ecg_domains": "studies.ecg_domains.reference",
    "notebook_runner": "cli.notebook_runner",
    "course": "cli.course",
    "exercises": "cli.exercises",
}
# old packages whose unlisted submodules are looked up in a new package
PACKAGES: dict[str, str] = {"ecg": "studies.ecg_domains", "events": "data.events"}
# old names that became several modules: attributes are looked up in these, in order
MERGED: dict[str, tuple[str, ...]] = {
    "ecg": ("studies.ecg_domains",),  # its old submodules (ecg.protocol, ecg.views ...) resolve through MOVED
    "events": ("data.events", "viz.events"),
    "experiments": (),
    "reference": ("studies.hayes_sun.reference", "studies.core_sleep.reference", "studies.step_fusion.reference",
                  "studies.ecg_domains.reference"),
}
PREFIX = "fusionlab."


def new_name(old: str) -> str | None:
    """The current module name for an old one (``"fusionlab.batches"`` -> ``"fusionlab.data.batches"``)."""
    if not old.startswith(PREFIX):
        return None
    rest = old[len(PREFIX):]
    if rest in MOVED:
        return PREFIX + MOVED[rest]
    parent, _, child = rest.rpartition(".")
    if parent in PACKAGES:
        return f"{PREFIX}{PACKAGES[parent]}.{child}"
    return None


class _MergedModule(types.ModuleType):
    """An old package name whose contents now live in several modules."""

    def __init__(self, name: str, sources: tuple[str, ...]) -> None:
        super().__init__(name, f"Old name of the package: its contents are now in {', '.join(sources) or 'studies'}.")
        # A package, so that old submodule names resolve through the finder; a module someone still adds to the
        # old folder (a branch written before the move) is found there.
        folder = Path(__file__).resolve().parent.joinpath(*name.split(".")[1:])
        self.__path__: list[str] = [str(folder)] if folder.is_dir() else []
        self._sources = sources

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self.__name__[len(PREFIX):] + "." + name in MOVED:  # an old submodule name
            return importlib.import_module(f"{self.__name__}.{name}")
        for source in self._sources:
            module = importlib.import_module(PREFIX + source)
            if hasattr(module, name):
                return getattr(module, name)
        if new_name(f"{self.__name__}.{name}") is not None:  # a submodule of the old package's new home
            try:
                return importlib.import_module(f"{self.__name__}.{name}")
            except ModuleNotFoundError:
                pass
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r} (looked in {self._sources})")


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str | None, merged: tuple[str, ...] | None = None) -> None:
        self.target = target
        self.merged = merged

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if self.target is None:
            return _MergedModule(spec.name, self.merged or ())
        module = importlib.import_module(self.target)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        if self.target is not None:  # the import system set the old spec on the shared module: put back its own
            module.__spec__ = self._own_spec

    def get_code(self, fullname: str):  # ``python -m <old name>`` runs the module's code
        spec = importlib.util.find_spec(self.target or fullname)
        return spec.loader.get_code(spec.name)


class OldNamesFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path=None, target=None):
        if not fullname.startswith(PREFIX):
            return None
        rest = fullname[len(PREFIX):]
        if rest in MERGED:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(None, MERGED[rest]), is_package=True)
        target_name = new_name(fullname)
        if target_name is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(target_name))


def install() -> None:
    if not any(isinstance(f, OldNamesFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, OldNamesFinder())
