"""Run profiles shared by every notebook.

- ``smoke``: CI -- does every cell run? Tiny data, seconds to a minute per lesson.
- ``standard`` (the default): class time -- each lesson in at most ~5 minutes on a 2-core laptop CPU,
  with results that still support or refute what the lesson claims.
- ``extended``: for those with an hour on a CPU -- more data, epochs and seeds (the older, larger settings).
- ``full``: as close to the paper's scale as the lab goes; meant for a GPU (each lesson says what it is).

A notebook's ``parameters`` cell reads its default profile from :func:`default_profile`, which
honours the ``FUSIONLAB_PROFILE`` environment variable: nbval cannot inject parameters, so CI
sets ``FUSIONLAB_PROFILE=smoke`` instead.
"""

from __future__ import annotations

import os
from typing import TypeVar

PROFILES: tuple[str, ...] = ("smoke", "standard", "extended", "full")
ENV_VAR = "FUSIONLAB_PROFILE"

T = TypeVar("T")


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is known, else raise a ``ValueError`` that lists the known ones."""
    if profile not in PROFILES:
        raise ValueError(
            f"unknown profile {profile!r}: expected one of {', '.join(repr(p) for p in PROFILES)}"
        )
    return profile


def default_profile() -> str:
    """The profile named by ``$FUSIONLAB_PROFILE``, or ``"standard"`` when it is unset."""
    value = os.environ.get(ENV_VAR, "standard")
    try:
        return check_profile(value)
    except ValueError as err:
        raise ValueError(f"environment variable {ENV_VAR}: {err}") from None


def pick(profile: str, *, smoke: T, standard: T, extended: T | None = None, full: T | None = None) -> T:
    """Choose a value by profile; ``extended`` falls back to ``standard``, ``full`` to ``extended``.

    Examples
    --------
    >>> pick("smoke", smoke=1, standard=20)
    1
    """
    profile = check_profile(profile)
    if profile == "smoke":
        return smoke
    if profile == "full" and full is not None:
        return full
    if profile in ("extended", "full") and extended is not None:
        return extended
    return standard
