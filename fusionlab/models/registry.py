"""A timm-style registry of encoders, fusion blocks and complete models.

A decorator registers a factory under a name and a kind; :func:`create_model` builds it;
:func:`list_models` lists the names. Every factory of one kind shares one constructor signature,
so that tests can build *every* registered entry in a loop:

``"model"``   ``factory(modalities: Mapping[str, ModalitySpec], num_classes: int, **kwargs) -> MultimodalNet``
``"fusion"``  ``factory(modalities: Sequence[str], d_model: int, **kwargs) -> FusionBlock``
``"encoder"`` ``factory(spec: ModalitySpec, d_model: int, **kwargs) -> nn.Module``  (input -> tokens (B, L, d))
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

KINDS = ("model", "fusion", "encoder")


@dataclass(frozen=True)
class RegistryEntry:
    """One registered factory with what a reader (and notebook 03) needs to know about it."""

    name: str
    kind: str
    factory: Callable[..., Any]
    paper: str = ""
    description: str = ""
    missing_modality: str = ""  # how a masked modality is treated (fusion blocks and models)
    tags: tuple[str, ...] = field(default_factory=tuple)
    # What tests and notebook 03 build the entry on: a ModalitySpec (encoders) or a mapping
    # name -> ModalitySpec (models). Fusion blocks need none: they take tokens of any length.
    example_spec: Any = None


_REGISTRY: dict[str, RegistryEntry] = {}


def register(
    name: str,
    *,
    kind: str,
    paper: str = "",
    description: str = "",
    missing_modality: str = "",
    tags: tuple[str, ...] = (),
    example_spec: Any = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register ``factory`` under ``name``.

    Raises
    ------
    ValueError
        If ``kind`` is unknown or ``name`` is already registered.
    """
    if kind not in KINDS:
        raise ValueError(f"register({name!r}): kind must be one of {KINDS}, got {kind!r}")

    def decorator(factory: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY:
            raise ValueError(f"a factory named {name!r} is already registered ({_REGISTRY[name].kind})")
        doc = (factory.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = RegistryEntry(
            name=name,
            kind=kind,
            factory=factory,
            paper=paper,
            description=description or (doc[0] if doc else ""),
            missing_modality=missing_modality,
            tags=tuple(tags),
            example_spec=example_spec,
        )
        return factory

    return decorator


def list_models(filter: str = "*", kind: str | None = None) -> list[str]:
    """Sorted registered names matching the glob ``filter``, optionally of one ``kind``."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"list_models: kind must be one of {KINDS} or None, got {kind!r}")
    return sorted(
        name
        for name, entry in _REGISTRY.items()
        if fnmatch.fnmatch(name, filter) and (kind is None or entry.kind == kind)
    )


def get_entry(name: str) -> RegistryEntry:
    """The :class:`RegistryEntry` for ``name``; an unknown name lists the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "(none)"
        raise KeyError(f"unknown model {name!r}; registered names are: {known}") from None


def create_model(name: str, /, *args: Any, **kwargs: Any) -> Any:
    """Build the registered factory ``name`` with the kind's shared signature (see module doc)."""
    return get_entry(name).factory(*args, **kwargs)
