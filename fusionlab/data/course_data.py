"""The real recordings the course reads -- MIT-BIH, the DREAMS spindle excerpts, ETT -- on any machine.

Where a lesson reads a dataset (:func:`locate`):

1. ``$FUSIONLAB_SHARED_DATA/<folder>`` (default ``<repo>/../shared/data``), a read-only local copy,
   when it holds every file of the dataset;
2. otherwise the download cache ``$FUSIONLAB_DATA/<folder>`` (default ``<repo>/data``).

Both use the same layout (``mitdb/``, ``dreams-spindles/``, ``ett/``), so ``FUSIONLAB_DATA`` may
also point at a copy of the shared folder.

How the cache is filled (:func:`fetch_course_dataset`, ``fusionlab fetch mitdb``): every file
missing from the cache comes from the first source that has it, in this order

1. the local copy (``$FUSIONLAB_SHARED_DATA``), copied;
2. a mirror, ``$FUSIONLAB_MIRROR``: a base URL with the PhysioNet layout
   ``<mirror>/files/mitdb/1.0.0/101.hea``, ``<mirror>/files/dreams-spindles/excerpt1.txt``,
   ``<mirror>/files/ett/ETTh1.csv`` (a folder served by ``python -m http.server`` will do);
3. the public sources: PhysioNet (MIT-BIH), GitHub at the pinned commits the hashes were taken from
   (ETT, DREAMS). ``$FUSIONLAB_OFFLINE=1`` skips them.

Every file is checked against the SHA-256 committed in :mod:`fusionlab.data.course_checksums`
before it gets its real name (:func:`fusionlab.data.http_download.download_file`); a verified
dataset folder gets a ``.fusionlab-manifest.json``, so a second fetch downloads nothing.

:func:`preflight` (``fusionlab preflight``, run by ``make notebooks`` before the first lesson) makes
sure the datasets are there and otherwise stops with one message that names each missing dataset,
its size, licence and the command or folder that provides it. :func:`require_datasets` is the
data-check cell of a lesson: it returns the folders, or raises :class:`MissingDataError`, whose
message a notebook shows without a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fusionlab import paths
from fusionlab.data.course_checksums import COURSE_FILES
from fusionlab.data.errors import ChecksumError, FetchError
from fusionlab.data.http_download import SourceUnreachable, download_file

__all__ = [
    "COURSE_DATASETS",
    "CourseDataset",
    "FetchReport",
    "MissingDataError",
    "datasets_for_lessons",
    "fetch_course_dataset",
    "locate",
    "missing_files",
    "missing_message",
    "preflight",
    "require_datasets",
]

MIRROR_ENV = "FUSIONLAB_MIRROR"
OFFLINE_ENV = "FUSIONLAB_OFFLINE"
MANIFEST = ".fusionlab-manifest.json"


@dataclass(frozen=True)
class CourseDataset:
    """A dataset the lessons read, and where its files come from.

    Attributes
    ----------
    name : str
        Name used by ``fusionlab fetch`` (``"mitdb"``, ``"dreams"``, ``"ett"``).
    folder : str
        Sub-folder of the shared folder and of the cache.
    mirror_path : str
        Path below ``$FUSIONLAB_MIRROR`` (PhysioNet layout ``files/<db>/<version>``).
    public_url : str
        Base URL of the public source (the file name is appended).
    lessons : tuple of str
        Numbers of the lessons that read it.
    public_names : dict
        File name at the public source where it differs from ours.
    """

    name: str
    title: str
    folder: str
    licence: str
    page: str
    mirror_path: str
    public_url: str
    lessons: tuple[str, ...]
    public_names: dict = field(default_factory=dict)

    @property
    def files(self) -> dict[str, tuple[str, int]]:
        """``{file name: (sha256, size)}`` of every file the course needs."""
        return COURSE_FILES[self.name]

    @property
    def size_bytes(self) -> int:
        return sum(size for _, size in self.files.values())

    @property
    def size_text(self) -> str:
        return f"{len(self.files)} files, {self.size_bytes / 2**20:.1f} MB"


COURSE_DATASETS: dict[str, CourseDataset] = {
    "mitdb": CourseDataset(
        "mitdb", "MIT-BIH Arrhythmia Database v1.0.0, the 26 records the course uses (DS1 + paced)", "mitdb",
        "ODC-By 1.0", "https://physionet.org/content/mitdb/1.0.0/", "files/mitdb/1.0.0",
        "https://physionet.org/files/mitdb/1.0.0/", ("01", "02", "08", "09", "10", "11")),
    "dreams": CourseDataset(
        "dreams", "DREAMS Sleep Spindles database, excerpts 1-5 (EEG, hypnograms, spindle scorings)",
        "dreams-spindles", "CC BY-NC-ND 3.0 style (non-commercial, no derivatives; licence file included)",
        "https://zenodo.org/record/2650142", "files/dreams-spindles",
        "https://raw.githubusercontent.com/carlosloza/spindles-HMM/"
        "37c0e2c7ad991223556151c586051b283ce5af9b/DatabaseSpindles/", ("01", "02")),
    "ett": CourseDataset(
        "ett", "ETT-small hourly (ETTh1, ETTh2): transformer oil temperature and six loads", "ett",
        "CC BY-ND 4.0", "https://github.com/zhouhaoyi/ETDataset", "files/ett",
        "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/1d16c8f4f943005d613b5bc962e9eeb06058cf07/",
        ("09",), public_names={"ETTh1.csv": "ETT-small/ETTh1.csv", "ETTh2.csv": "ETT-small/ETTh2.csv",
                            "LICENSE-CC-BY-ND-4.0.txt": "LICENSE"}),
}


class MissingDataError(FetchError, FileNotFoundError):
    """Course data is missing; the message names each dataset, its size, licence and how to get it.

    In a notebook the message is shown as is, without a traceback (IPython calls
    ``_render_traceback_``).
    """

    def _render_traceback_(self) -> list[str]:
        return [f"MissingDataError: {line}" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


def _dataset(name: str) -> CourseDataset:
    if name not in COURSE_DATASETS:
        raise FetchError(f"unknown course dataset {name!r}; the course reads: {', '.join(COURSE_DATASETS)}")
    return COURSE_DATASETS[name]


def _shared_folder(info: CourseDataset) -> Path | None:
    shared = paths.shared_data_dir()
    return shared / info.folder if shared is not None else None


def cache_folder(name: str, root: str | os.PathLike | None = None) -> Path:
    """``<FUSIONLAB_DATA>/<folder>``: where :func:`fetch_course_dataset` puts dataset ``name``."""
    return Path(root if root is not None else paths.data_dir()) / _dataset(name).folder


def missing_files(name: str, folder: str | os.PathLike | None) -> list[str]:
    """Files of dataset ``name`` that are absent from ``folder`` or have the wrong size (a quick check)."""
    info = _dataset(name)
    if folder is None or not Path(folder).is_dir():
        return sorted(info.files)
    folder = Path(folder)
    return sorted(f for f, (_, size) in info.files.items()
                  if not (folder / f).is_file() or (folder / f).stat().st_size != size)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(info: CourseDataset, folder: Path, file: str) -> bool:
    path = folder / file
    sha, size = info.files[file]
    return path.is_file() and path.stat().st_size == size and _sha256(path) == sha


def locate(name: str) -> Path:
    """The folder a lesson reads dataset ``name`` from: the shared copy if complete, else the cache folder.

    The cache folder is returned even when it is empty, so an error can name it;
    :func:`require_datasets` checks it.
    """
    info = _dataset(name)
    shared = _shared_folder(info)
    if shared is not None and not missing_files(name, shared):
        return shared
    return cache_folder(name)


@dataclass
class FetchReport:
    """What :func:`fetch_course_dataset` did for one dataset."""

    name: str
    folder: Path
    sources: dict[str, int] = field(default_factory=dict)  # source -> files taken from it
    bytes_downloaded: int = 0
    complete: bool = False
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        taken = ", ".join(f"{n} from {s}" for s, n in self.sources.items() if n) or "nothing to fetch"
        return f"{self.name}: {'complete' if self.complete else 'INCOMPLETE'} in {self.folder} ({taken})"


def _copy_verified(source: Path, target: Path, sha: str) -> None:
    """Copy ``source`` to ``target`` through a temporary file; rename only if the SHA-256 matches."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".copy", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        if _sha256(Path(tmp)) != sha:
            raise ChecksumError(f"{source}: checksum mismatch (expected sha256 {sha[:16]}...): not copied")
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _mirror_base() -> str | None:
    value = os.environ.get(MIRROR_ENV, "").strip()
    return value.rstrip("/") + "/" if value else None


def _offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip() not in ("", "0")


def _write_manifest(folder: Path, info: CourseDataset) -> None:
    payload = {"dataset": info.name, "files": {f: sha for f, (sha, _) in info.files.items()},
               "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
    fd, tmp = tempfile.mkstemp(prefix=f".{MANIFEST}.", dir=folder)
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle, indent=1, sort_keys=True)
    os.replace(tmp, folder / MANIFEST)


def fetch_course_dataset(name: str, *, root: str | os.PathLike | None = None, files: Sequence[str] | None = None,
                         use_shared: bool = True, mirror: str | None = None, public: bool | None = None,
                         timeout: float = 20.0) -> FetchReport:
    """Fill the cache with dataset ``name`` (or some of its files), each verified by SHA-256.

    Parameters
    ----------
    name : {"mitdb", "dreams", "ett"}
    root : path, optional
        Cache root (default ``$FUSIONLAB_DATA``, else ``<repo>/data``).
    files : sequence of str, optional
        Only these files (default: every file the course needs).
    use_shared : bool
        Copy files from ``$FUSIONLAB_SHARED_DATA`` when it has them.
    mirror : str, optional
        Mirror base URL (default ``$FUSIONLAB_MIRROR``).
    public : bool, optional
        Try the public source (default: unless ``$FUSIONLAB_OFFLINE`` is set).
    timeout : float
        Seconds to wait for a host.

    Returns
    -------
    FetchReport
        ``complete`` is False when some file could not be obtained; ``errors`` says why per source.
        A source that does not answer is not asked again for the other files.
    """
    info = _dataset(name)
    wanted = list(files) if files is not None else sorted(info.files)
    unknown = [f for f in wanted if f not in info.files]
    if unknown:
        raise FetchError(f"{name}: no published checksum for {unknown[:5]}; the course's files are "
                         f"{', '.join(sorted(info.files)[:6])} ...")
    folder = cache_folder(name, root)
    report = FetchReport(name, folder)
    todo = [f for f in wanted if not _verified(info, folder, f)] if folder.is_dir() else wanted
    shared = _shared_folder(info) if use_shared else None
    mirror = mirror if mirror is not None else _mirror_base()
    public = (not _offline()) if public is None else public
    sources: list[tuple[str, str]] = []
    if mirror:
        sources.append((f"mirror {mirror}", mirror.rstrip("/") + "/" + info.mirror_path.strip("/") + "/"))
    if public:
        sources.append((f"public source {info.public_url}", info.public_url))
    dead: set[str] = set()
    obtained = set(wanted) - set(todo)  # already verified in the cache
    created = not folder.exists()
    if todo:
        folder.mkdir(parents=True, exist_ok=True)
    for file in todo:
        sha, size = info.files[file]
        target = folder / file
        if shared is not None and (shared / file).is_file() and (shared / file).stat().st_size == size:
            try:
                _copy_verified(shared / file, target, sha)
                report.sources["local copy"] = report.sources.get("local copy", 0) + 1
                obtained.add(file)
                continue
            except ChecksumError as err:
                report.errors.append(str(err))
        for label, base in sources:
            if label in dead:
                continue
            remote = info.public_names.get(file, file) if base == info.public_url else file
            try:
                report.bytes_downloaded += download_file(base + remote, target, sha256=sha, size=size,
                                                         timeout=timeout)
            except SourceUnreachable as err:
                dead.add(label)
                report.errors.append(f"{label} unreachable: {err}")
                continue
            except FetchError as err:  # 404, checksum mismatch, dropped too often: try the next source
                report.errors.append(str(err))
                continue
            report.sources[label] = report.sources.get(label, 0) + 1
            obtained.add(file)
            break
    report.complete = obtained == set(wanted)
    if created and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()  # nothing obtained: leave no empty folder behind
    if report.complete and files is None:
        _write_manifest(folder, info)
    return report


def _how_to_get(info: CourseDataset, cache: Path) -> str:
    return (f"`fusionlab fetch {info.name}` when online (source: {info.public_url}), or "
            f"FUSIONLAB_MIRROR=<url> serving <url>/{info.mirror_path}/, or copy the files into {cache}, or set "
            f"FUSIONLAB_SHARED_DATA to a folder holding {info.folder}/")


def missing_message(names: Iterable[str], reports: Mapping[str, FetchReport] | None = None,
                    lesson: str | None = None, root: str | os.PathLike | None = None) -> str:
    """One message naming each missing dataset, its size, licence and what provides it.

    ``root`` is the cache root named in the message (default ``$FUSIONLAB_DATA``).
    """
    names = list(names)
    head = (f"lesson {lesson} reads real recordings that are not on this machine" if lesson else
            "the course data is missing and could not be fetched")
    lines = [f"{head}: {', '.join(names)}.",
             (f"Looked in: shared copy {paths.shared_data_dir() or '(FUSIONLAB_SHARED_DATA not found)'}, "
              f"cache {root or paths.data_dir()} (FUSIONLAB_DATA); mirror: {_mirror_base() or '(FUSIONLAB_MIRROR not set)'}"
              f"{'; public sources skipped (FUSIONLAB_OFFLINE)' if _offline() else ''}.")]
    for name in names:
        info = _dataset(name)
        cache = cache_folder(name, root)
        lines.append(f"  - {name}: {info.title}; {info.size_text}; licence {info.licence}; "
                     f"read by lessons {', '.join(info.lessons)}.")
        lines.append(f"      get it: {_how_to_get(info, cache)}.")
        report = (reports or {}).get(name)
        for error in (report.errors[-3:] if report is not None else []):
            lines.append(f"      tried: {error}")
    lines.append("Then run `fusionlab preflight` (or `make notebooks`) again.")
    return "\n".join(lines)


def datasets_for_lessons(prefixes: Iterable[str] = ()) -> list[str]:
    """The course datasets read by the lessons whose names start with ``prefixes`` (all if empty)."""
    prefixes = [str(p) for p in prefixes]
    if not prefixes:
        return list(COURSE_DATASETS)
    return [name for name, info in COURSE_DATASETS.items()
            if any(lesson.startswith(p) or p.startswith(lesson) for lesson in info.lessons for p in prefixes)]


def preflight(names: Iterable[str] | None = None, *, fetch: bool = True, timeout: float = 20.0,
              log: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Make sure the course datasets are readable; fetch the missing ones into the cache.

    Parameters
    ----------
    names : iterable of str, optional
        Datasets to check (default: all of :data:`COURSE_DATASETS`).
    fetch : bool
        Try the sources of :func:`fetch_course_dataset` for a missing dataset.
    log : callable, optional
        Called with one line per fetched dataset (where its files came from).

    Returns
    -------
    dict name -> Path
        The folder each lesson will read.

    Raises
    ------
    MissingDataError
        One message for every dataset that is still missing.
    """
    names = list(COURSE_DATASETS) if names is None else list(names)
    found, reports = {}, {}
    for name in names:
        folder = locate(name)
        if not missing_files(name, folder):
            found[name] = folder
            continue
        if fetch:
            reports[name] = fetch_course_dataset(name, timeout=timeout)
            if log is not None:
                log(reports[name].summary())
            if reports[name].complete:
                found[name] = reports[name].folder
    missing = [n for n in names if n not in found]
    if missing:
        raise MissingDataError(missing_message(missing, reports))
    return found


def require_datasets(datasets: Sequence[str] | Mapping[str, str | os.PathLike | None],
                     lesson: str | None = None) -> dict[str, Path]:
    """The data-check cell of a lesson: the folder of each dataset, or one clear error.

    Parameters
    ----------
    datasets : list of names, or dict name -> folder
        A folder given as ``""``/``None`` means "find it" (:func:`locate`); a folder given explicitly
        (a papermill parameter) is checked as is.
    lesson : str, optional
        Lesson number, named in the message.

    Returns
    -------
    dict name -> Path

    Raises
    ------
    MissingDataError
        When a folder lacks files of the dataset; the message names each missing dataset, its size,
        licence and the command or folder that provides it. Nothing is downloaded here.
    """
    given = dict(datasets) if isinstance(datasets, Mapping) else dict.fromkeys(datasets)
    folders, missing = {}, []
    for name, folder in given.items():
        folder = Path(folder).expanduser() if folder else locate(name)
        folders[name] = folder
        if missing_files(name, folder):
            missing.append(name)
    if missing:
        raise MissingDataError(missing_message(missing, lesson=lesson))
    return folders
