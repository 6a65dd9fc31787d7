"""One cache for everything a study computes once: keyed on its settings *and* on the code that computes it,
stored in safe formats only.

A study's result (:func:`cached_result`) or an expensive feature array (:func:`cached_features`) is stored under
a key that hashes

- the settings (``params``: every setting, input file and record list the result depends on), and
- the source of the code that computes it: the module that calls the cache (or the modules named in ``code``)
  and every ``fusionlab`` module they import, transitively (function-local imports and the packages' lazy
  re-exports included; :func:`code_version`).

So after a change to a model, a loss or the study itself, lessons 08-11 recompute instead of loading results of
the old code; an identical rerun loads the stored result.

Formats (no pickle, so nothing a file holds can run code when it is read):

- the structure (dicts, lists, tuples, numbers, strings, paths, ``fusionlab`` dataclasses) as ``manifest.json``;
- NumPy arrays in ``arrays.npz``, read with ``allow_pickle=False`` (object arrays are refused when writing);
- torch tensors (weights, ``state_dict`` s) in ``tensors.pt``, read with ``torch.load(weights_only=True)``;
- tables (DataFrame / Series) as their columns: numbers in ``arrays.npz``, text in the manifest;
- feature arrays as ``.npy``, returned memory-mapped and read-only.

Every entry is written to a temporary name and renamed, so an interrupted run leaves no partial entry.
Entries live in ``<build>/<folder>/`` (``fusionlab.paths.build_dir``, git-ignored); delete the folder to start over.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from fusionlab import paths

FORMAT_VERSION = 1
PACKAGE = "fusionlab"


# ----------------------------------------------------------------------------------------------------------------
# the code part of the key


def _module_file(name: str) -> Path | None:
    """Source file of module ``name``, found on disk without importing it (only its top-level package is looked
    up); ``None`` if it is not a Python source module."""
    top, _, rest = name.partition(".")
    try:
        spec = sys.modules[top].__spec__ if top in sys.modules else importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if not rest:
        return Path(spec.origin) if spec.origin and spec.origin.endswith(".py") else None
    for location in spec.submodule_search_locations or ():
        base = Path(location).joinpath(*rest.split("."))
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return path
    return None


def _current_name(name: str) -> str:
    """Resolve an old module name (``fusionlab.ecg.views``) to its current one."""
    from fusionlab import _compat

    return _compat.new_name(name) or name


@functools.lru_cache(maxsize=512)
def _imports_of(name: str, source: str, is_package: bool) -> frozenset[str]:
    """Modules imported by module ``name``'s ``source``, anywhere in it; ``from P import x`` adds ``P.x`` when it
    is a submodule and the module a package's lazy map (``_EXPORTS``) names for ``x``."""
    tree = ast.parse(source)
    found: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_EXPORTS" for t in node.targets):
            try:
                exports = ast.literal_eval(node.value)
            except ValueError:
                continue
            found.update(target.partition(":")[0] for target in exports.values())
    # Memoised on the source text: a study asks for the same code version once per cached piece (parsing every
    # module it imports each time cost ~0.7 s a call); an edited file has new text, so it is parsed again.
    return frozenset(found)


def code_version(modules: Iterable[str], *, within: Iterable[str] = (PACKAGE,)) -> str:
    """Hash of the source of ``modules`` and of every module they import from the packages ``within``, transitively.

    Parameters
    ----------
    modules : iterable of str
        Module names (``"fusionlab.studies.ecg_domains.study"``); old names are resolved.
    within : iterable of str
        Top-level packages whose modules are followed (default ``fusionlab``; the roots' own packages are added).

    Returns
    -------
    str
        16 hex digits; changes when any line of any of those files changes.
    """
    roots = sorted({_current_name(m) for m in modules})
    if not roots:
        raise ValueError("code_version: name at least one module")
    packages = set(within) | {m.split(".")[0] for m in roots}
    seen: dict[str, bytes] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _module_file(name)
        if path is None:
            if name in roots:
                raise ModuleNotFoundError(f"code_version: no Python source for module {name!r}")
            continue
        source = path.read_bytes()
        seen[name] = source
        # a module imports its parent packages' __init__ as well
        parts = name.split(".")
        candidates = {".".join(parts[:i]) for i in range(1, len(parts))}
        candidates |= _imports_of(name, source.decode("utf-8"), path.name == "__init__.py")
        for other in candidates:
            other = _current_name(other)
            if other.split(".")[0] in packages and other not in seen:
                todo.append(other)
    digest = hashlib.sha256()
    for name in sorted(seen):
        digest.update(name.encode() + b"\0" + hashlib.sha256(seen[name]).digest())
    return digest.hexdigest()[:16]


def cache_key(name: str, params: Mapping[str, Any], code: str = "") -> str:
    """A stable key for ``name``, its settings ``params`` (JSON-serialisable values) and a code version."""
    if not name or any(c in name for c in "/\\"):
        raise ValueError(f"cache name must be a non-empty file name part, got {name!r}")
    try:
        text = json.dumps({"name": name, "params": params, "code": code, "format": FORMAT_VERSION},
                          sort_keys=True, default=str)
    except TypeError as err:
        raise TypeError(f"cache parameters of {name!r} must be JSON-serialisable: {err}") from None
    return f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _caller_module(depth: int) -> str:
    return sys._getframe(depth + 1).f_globals.get("__name__", "__main__")


def _code_of(code: str | Iterable[str] | None, depth: int) -> str:
    if code is None:
        code = [_caller_module(depth + 1)]
    elif isinstance(code, str):
        code = [code]
    code = [m for m in code if m != "__main__"]
    return code_version(code) if code else ""


# ----------------------------------------------------------------------------------------------------------------
# safe storage of a result


class _Writer:
    """Turns a result into a JSON structure plus arrays and tensors stored beside it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.arrays: dict[str, np.ndarray] = {}
        self.tensors: dict[str, Any] = {}

    def fail(self, where: str, value: Any) -> TypeError:
        return TypeError(
            f"cache {self.name!r}: cannot store {type(value).__module__}.{type(value).__qualname__} at {where} "
            "safely; a cached result may hold dicts, lists, tuples, numbers, strings, paths, NumPy arrays "
            "(not of objects), torch tensors, DataFrames/Series and fusionlab dataclasses")

    def array(self, value: np.ndarray, where: str) -> dict:
        if value.dtype.hasobject:
            raise self.fail(f"{where} (an array of Python objects)", value)
        key = f"a{len(self.arrays)}"
        self.arrays[key] = value
        return {"__ndarray__": key}

    def column(self, values: Any, where: str) -> Any:
        values = np.asarray(values)
        if values.dtype.hasobject:  # text / mixed columns go into the JSON manifest
            return {"__objects__": [self.encode(v.item() if isinstance(v, np.generic) else v, where)
                                    for v in values.tolist()]}
        return self.array(values, where)

    def index(self, index: Any, where: str) -> dict:
        import pandas as pd

        if isinstance(index, pd.RangeIndex):
            return {"range": [index.start, index.stop, index.step], "name": self.encode(index.name, where)}
        if isinstance(index, pd.MultiIndex):
            return {"levels": [self.column(index.get_level_values(i), f"{where}.level{i}")
                               for i in range(index.nlevels)],
                    "names": self.encode(list(index.names), where)}
        return {"values": self.column(index, where), "name": self.encode(index.name, where)}

    def encode(self, value: Any, where: str = "result") -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and type(value) in (int, float):
            return value
        if isinstance(value, np.generic):
            if value.dtype.hasobject:
                raise self.fail(where, value)
            return {"__scalar__": value.dtype.str, "value": value.item()}
        if isinstance(value, np.ndarray):
            return self.array(value, where)
        if isinstance(value, PurePath):
            return {"__path__": str(value)}
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, Mapping):
            return {"__dict__": [[self.encode(k, f"{where} key"), self.encode(v, f"{where}[{k!r}]")]
                                 for k, v in value.items()]}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            cls = type(value)
            if not cls.__module__.startswith(PACKAGE + "."):
                raise self.fail(where, value)
            fields = {f.name: self.encode(getattr(value, f.name), f"{where}.{f.name}")
                      for f in dataclasses.fields(value)}
            return {"__dataclass__": f"{cls.__module__}:{cls.__qualname__}", "fields": fields}
        module = type(value).__module__.split(".")[0]
        if module == "torch":
            import torch

            if isinstance(value, torch.Tensor):
                key = f"t{len(self.tensors)}"
                self.tensors[key] = value.detach().cpu()
                return {"__tensor__": key}
        if module == "pandas":
            import pandas as pd

            if isinstance(value, pd.DataFrame):
                return {"__dataframe__": {
                    "columns": self.index(value.columns, f"{where}.columns"),
                    "index": self.index(value.index, f"{where}.index"),
                    "data": [self.column(value.iloc[:, i].to_numpy(), f"{where}[{value.columns[i]!r}]")
                             for i in range(value.shape[1])]}}
            if isinstance(value, pd.Series):
                return {"__series__": {"name": self.encode(value.name, where),
                                       "index": self.index(value.index, f"{where}.index"),
                                       "values": self.column(value.to_numpy(), where)}}
        raise self.fail(where, value)


class _Reader:
    def __init__(self, arrays: Mapping[str, np.ndarray], tensors: Mapping[str, Any]) -> None:
        self.arrays = arrays
        self.tensors = tensors

    def column(self, value: Any) -> np.ndarray:
        if isinstance(value, dict) and "__objects__" in value:
            out = np.empty(len(value["__objects__"]), dtype=object)
            out[:] = [self.decode(v) for v in value["__objects__"]]
            return out
        return self.decode(value)

    def index(self, spec: dict) -> Any:
        import pandas as pd

        if "range" in spec:
            return pd.RangeIndex(*spec["range"], name=self.decode(spec["name"]))
        if "levels" in spec:
            return pd.MultiIndex.from_arrays([self.column(v) for v in spec["levels"]], names=self.decode(spec["names"]))
        return pd.Index(self.column(spec["values"]), name=self.decode(spec["name"]))

    def decode(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__ndarray__" in value:
            return self.arrays[value["__ndarray__"]]
        if "__tensor__" in value:
            return self.tensors[value["__tensor__"]]
        if "__scalar__" in value:
            return np.dtype(value["__scalar__"]).type(value["value"])
        if "__path__" in value:
            return Path(value["__path__"])
        if "__tuple__" in value:
            return tuple(self.decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {_hashable(self.decode(k)): self.decode(v) for k, v in value["__dict__"]}
        if "__dataclass__" in value:
            return self.dataclass(value["__dataclass__"], {k: self.decode(v) for k, v in value["fields"].items()})
        if "__dataframe__" in value:
            import pandas as pd

            spec = value["__dataframe__"]
            columns = self.index(spec["columns"])
            data = {i: self.column(c) for i, c in enumerate(spec["data"])}
            frame = pd.DataFrame(data, index=self.index(spec["index"]))
            frame.columns = columns
            return frame
        if "__series__" in value:
            import pandas as pd

            spec = value["__series__"]
            return pd.Series(self.column(spec["values"]), index=self.index(spec["index"]), name=self.decode(spec["name"]))
        raise ValueError(f"cache manifest: unknown entry {sorted(value)}")

    @staticmethod
    def dataclass(qualified: str, fields: dict[str, Any]) -> Any:
        module_name, _, qualname = qualified.partition(":")
        if not module_name.startswith(PACKAGE + "."):
            raise ValueError(f"cache manifest names a class outside {PACKAGE}: {qualified}")
        cls: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise ValueError(f"cache manifest: {qualified} is not a dataclass")
        init = {f.name for f in dataclasses.fields(cls) if f.init}
        obj = cls(**{k: v for k, v in fields.items() if k in init})
        for k, v in fields.items():
            if k not in init:
                object.__setattr__(obj, k, v)
        return obj


def _hashable(key: Any) -> Any:
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def save_entry(folder: str | os.PathLike, value: Any, *, name: str = "result") -> Path:
    """Write ``value`` to the entry folder ``folder`` (atomically: a temporary folder renamed at the end)."""
    target = Path(folder)
    writer = _Writer(name)
    manifest = {"format": FORMAT_VERSION, "value": writer.encode(value)}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        (tmp / "manifest.json").write_text(json.dumps(manifest))
        if writer.arrays:
            np.savez(tmp / "arrays.npz", **writer.arrays)
        if writer.tensors:
            import torch

            torch.save(writer.tensors, tmp / "tensors.pt")
        try:
            os.replace(tmp, target)
        except OSError:  # another process stored the same entry first: keep theirs
            if not (target / "manifest.json").is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_entry(folder: str | os.PathLike) -> Any:
    """Read an entry written by :func:`save_entry` (no pickle: ``allow_pickle=False``, ``weights_only=True``)."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        arrays: dict[str, np.ndarray] = {}
        if (folder / "arrays.npz").is_file():
            with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        tensors: dict[str, Any] = {}
        if (folder / "tensors.pt").is_file():
            import torch

            tensors = torch.load(folder / "tensors.pt", map_location="cpu", weights_only=True)
    except (OSError, ValueError, RuntimeError) as err:
        raise ValueError(f"cache entry {folder} is unreadable ({err}); delete the folder to recompute") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise ValueError(f"cache entry {folder}: format {manifest.get('format')!r}, expected {FORMAT_VERSION}")
    return _Reader(arrays, tensors).decode(manifest["value"])


# ----------------------------------------------------------------------------------------------------------------
# the two entry points


def cache_dir() -> Path:
    """Folder of the feature cache: ``<build>/feature-cache`` (git-ignored)."""
    return paths.build_dir() / "feature-cache"


def cached_result(folder: str, name: str, params: Mapping[str, Any], compute: Callable[[], Any], *,
                  cache: bool = True, log: Callable[[str], Any] = print,
                  code: str | Iterable[str] | None = None) -> Any:
    """``compute()``, stored in ``<build>/<folder>/<key>/`` and read back on an identical rerun.

    Parameters
    ----------
    folder : str
        Sub-folder of :func:`fusionlab.paths.build_dir` (one per study).
    name, params :
        What the result depends on: settings, input files, record lists (part of the key).
    compute : callable () -> object
        Runs the study; only called when no entry exists or ``cache`` is False.
    cache : bool
        Read and write the entry (False: always compute, write nothing).
    log : callable
        Told when a stored result is read.
    code : str or iterable of str, optional
        Modules whose source (with everything they import from fusionlab) is part of the key; default the
        module that calls this function.
    """
    if not cache:
        return compute()
    key = cache_key(name, params, _code_of(code, 1))
    path = paths.build_dir() / folder / key
    if (path / "manifest.json").is_file():
        log(f"loaded cached results {path.name}")
        return load_entry(path)
    result = compute()
    save_entry(path, result, name=name)
    return result


def cached_features(name: str, params: Mapping[str, Any], compute: Callable[[], np.ndarray], *,
                    directory: str | os.PathLike | None = None,
                    code: str | Iterable[str] | None = None) -> np.ndarray:
    """Return ``compute()``'s array, computing it only when no stored copy exists (key: ``params`` and ``code``).

    Parameters
    ----------
    name : str
        What the features are (``"stft-night"``), part of the file name.
    params : mapping
        Everything the features depend on (data identity, transform settings).
    compute : callable () -> ndarray
        Computes the features when they are not stored.
    directory : path, optional
        Cache folder (default :func:`cache_dir`).
    code : str or iterable of str, optional
        As in :func:`cached_result` (default: the calling module and its fusionlab imports).

    Returns
    -------
    numpy.memmap
        Read-only, memory-mapped view of the stored ``.npy`` array (read with ``allow_pickle=False``).
    """
    folder = Path(directory) if directory is not None else cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{cache_key(name, params, _code_of(code, 1))}.npy"
    if not target.is_file():
        array = np.asarray(compute())
        if array.dtype.hasobject:
            raise TypeError(f"cached_features {name!r}: compute() returned an array of Python objects; "
                            "only numeric / fixed-width arrays are stored")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".npy", dir=folder)
        os.close(fd)
        try:
            out = np.lib.format.open_memmap(tmp, mode="w+", dtype=array.dtype, shape=array.shape)
            out[...] = array
            out.flush()
            del out
            os.replace(tmp, target)  # other processes only ever see a complete file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    try:
        return np.load(target, mmap_mode="r", allow_pickle=False)
    except ValueError as err:
        raise ValueError(f"feature cache file {target} is corrupt ({err}); delete it to recompute") from None
