"""The shape every study has: ``Settings.for_profile(profile, **overrides)`` and ``run(settings, *, device, cache)``.

Each study module (:mod:`fusionlab.studies.hayes_sun.logic_fusion`, :mod:`~fusionlab.studies.hayes_sun.sleep_events`,
:mod:`fusionlab.studies.core_sleep.study`, :mod:`fusionlab.studies.step_fusion.study`,
:mod:`fusionlab.studies.ecg_domains.study`) exposes

- ``Settings``: a dataclass deriving from :class:`ProfileSettings`; ``Settings.for_profile(profile, **overrides)``
  is the one way a profile chooses a study's sizes (it uses :func:`fusionlab.profiles.pick`);
- ``run(settings, *, device="auto", cache=True, ...) -> Result``: the whole study, its tables as DataFrames in
  ``Result.tables`` and what a lesson looks inside (models, predictions ...) in ``Result.extras``, also readable
  as attributes (``result.models``).

The older entry points (``run_study``, ``run_logic_table``, ``study_settings`` ...) stay: ``run`` composes them, and
``study_settings(profile)`` / ``settings_for(profile)`` call ``for_profile``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from fusionlab import profiles

__all__ = ["ProfileSettings", "Result", "check_tables"]


class ProfileSettings:
    """Mixin of a study's settings dataclass: ``for_profile`` picks the profile's sizes, then applies overrides.

    A subclass defines ``_profiles(cls) -> dict[str, Settings]`` with at least ``smoke`` and ``standard`` (the keywords
    of :func:`fusionlab.profiles.pick`; ``extended`` falls back to ``standard``, ``full`` to ``extended``).
    """

    study: ClassVar[str] = "study"

    @classmethod
    def _profiles(cls) -> dict[str, Any]:  # pragma: no cover - every study overrides it
        raise NotImplementedError(f"{cls.__name__} does not define its profiles")

    @classmethod
    def for_profile(cls, profile: str, **overrides: Any):
        """The settings of ``profile`` (one of :data:`fusionlab.profiles.PROFILES`) with ``overrides`` applied.

        Raises
        ------
        ValueError
            For an unknown profile, or an override that is not a field of the settings (the message lists them).
        """
        chosen = profiles.pick(profile, **cls._profiles())
        if not overrides:
            return chosen
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise ValueError(f"{cls.__name__}.for_profile: unknown setting(s) {unknown}; expected fields among "
                             f"{sorted(names)}")
        return dataclasses.replace(chosen, **overrides)


@dataclass
class Result:
    """What ``run`` returns for every study.

    Attributes
    ----------
    study : str
        The study's name (e.g. ``"core-sleep"``).
    settings : dataclass
        The settings it ran with.
    tables : dict of str -> DataFrame
        Every table the study produces (long format: one row per model / seed / test ...).
    protocol : str, optional
        The evaluation protocol it ran (e.g. ``"inter-patient"``), where the study has several.
    extras : dict
        Study-specific objects (trained models, predictions, the runners' own records); ``result.name`` reads
        ``result.extras["name"]``.
    """

    study: str
    settings: Any
    tables: dict[str, pd.DataFrame]
    protocol: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_tables(self.tables, self.study)

    def __getattr__(self, name: str) -> Any:
        extras = self.__dict__.get("extras", {})
        if name in extras:
            return extras[name]
        raise AttributeError(f"{type(self).__name__} of {self.__dict__.get('study', '?')!r} has no attribute "
                             f"{name!r}; tables: {sorted(self.__dict__.get('tables', {}))}, extras: {sorted(extras)}")


def check_tables(tables: dict[str, pd.DataFrame], study: str = "study") -> None:
    """Raise a ``TypeError`` naming the table when ``tables`` is not a dict of str -> DataFrame."""
    if not isinstance(tables, dict):
        raise TypeError(f"{study}: tables must be a dict of str -> DataFrame, got {type(tables).__name__}")
    for key, value in tables.items():
        if not isinstance(key, str) or not isinstance(value, pd.DataFrame):
            raise TypeError(f"{study}: table {key!r} must be a pandas DataFrame keyed by str, "
                            f"got {type(value).__name__}")
