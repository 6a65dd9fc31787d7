"""Lazy re-exports for package ``__init__`` files: ``fl.data.load_mitdb_beats`` imports ``fusionlab.data.mitdb``
(and wfdb) the first time the name is used, not when ``fusionlab.data`` is imported, so that a command or a
lesson pays only for the modules it touches (``fusionlab fetch --list`` does not load torch, scipy or MNE).

A map holds only names of the package's own submodules (``tests/unit/test_light_imports.py`` checks it), so a lazy
name cannot hide an import from a layer above: the import contracts see the submodules' own imports.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` resolving ``exports``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping of str to str
        Public name -> ``"module:attribute"`` (a name defined in a submodule) or ``"module"`` (the submodule itself).
    """

    def __getattr__(name: str) -> Any:
        try:
            target = exports[name]
        except KeyError:
            # A submodule of the package (``fl.studies.hayes_sun.reference``) is imported on first use too.
            if name.startswith("_") or importlib.util.find_spec(f"{package}.{name}") is None:
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
            target = f"{package}.{name}"
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name)
        value = getattr(module, attribute) if attribute else module
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        import pkgutil

        submodules = {m.name for m in pkgutil.iter_modules(sys.modules[package].__path__)}
        return sorted(set(vars(sys.modules[package])) | set(exports) | submodules)

    return __getattr__, __dir__
