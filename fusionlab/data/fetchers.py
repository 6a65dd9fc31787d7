"""Dataset fetchers: download into the data cache, verify checksums, report partial downloads.

The cache is :func:`fusionlab.paths.data_dir` (``$FUSIONLAB_DATA``, default ``<repo>/data``), one
folder per dataset. Downloads go through the maintained clients -- MNE's Sleep-EDF fetcher (which
checks each file's SHA-1) and :func:`wfdb.dl_database` / :func:`wfdb.dl_files` for PhysioNet
databases (which resume a partially downloaded file) -- and PhysioNet files are then checked
against the database's published ``SHA256SUMS.txt``.

While a download runs, the dataset folder holds a ``.fusionlab-partial`` marker; it is removed
only once every file is verified, so :func:`list_cached` reports an interrupted download as
``partial`` and the next :func:`fetch` resumes it. Offline, :func:`fetch` fails at once with a
message that says where to get the data by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fusionlab import paths
from fusionlab.data.errors import ChecksumError, FetchError, OfflineError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DATASETS",
    "DatasetInfo",
    "dataset_dir",
    "fetch",
    "is_online",
    "list_cached",
    "read_sha256sums",
    "sha256sum",
    "verify_checksums",
]

PARTIAL_MARKER = ".fusionlab-partial"
MANIFEST = ".fusionlab-manifest.json"
OFFLINE_ENV = "FUSIONLAB_OFFLINE"


@dataclass(frozen=True)
class DatasetInfo:
    """What fusionlab knows about a dataset and how to get it.

    Attributes
    ----------
    name : str
        The name used by ``fusionlab fetch <name>``.
    method : {"mne-sleep-physionet", "physionet", "course", "manual"}
        ``"course"``: one of the datasets the lessons read, fetched file by file and verified by
        :mod:`fusionlab.data.course_data` (local copy, mirror, public source).
    physionet_db : str
        PhysioNet database slug (``"mitdb"``), for the ``physionet`` method.
    default_records : tuple of str
        What ``fetch`` downloads when no records are named.
    files_per_record : tuple of str
        Suffixes of a record's files (``.hea``...); empty for ``wfdb.dl_database`` records.
    folder : str
        Sub-folder of the cache (default: the name); the same as in the shared data folder.
    """

    name: str
    title: str
    url: str
    licence: str
    size: str
    method: str
    host: str = "physionet.org"
    physionet_db: str = ""
    default_records: tuple[str, ...] = ()
    files_per_record: tuple[str, ...] = ()
    manual_steps: str = ""
    loader: str = ""
    extra: dict = field(default_factory=dict)
    folder: str = ""


DATASETS: dict[str, DatasetInfo] = {
    "sleep-edf": DatasetInfo(
        "sleep-edf", "Sleep-EDF Database Expanded, sleep-cassette (PSG + hypnogram EDF+ pairs)",
        "https://physionet.org/content/sleep-edfx/1.0.0/", "ODC-By 1.0", "~8 GB for all 153 nights; ~50 MB per night",
        "mne-sleep-physionet", default_records=("0", "1"),
        manual_steps="download SC4ssNE0-PSG.edf and SC4ssNEx-Hypnogram.edf from "
                     "https://physionet.org/content/sleep-edfx/1.0.0/sleep-cassette/",
        loader="fusionlab.data.load_sleep_edf"),
    "mitdb": DatasetInfo(
        "mitdb", "MIT-BIH Arrhythmia Database (48 two-lead ECG records, beat annotations)",
        "https://physionet.org/content/mitdb/1.0.0/", "ODC-By 1.0", "~100 MB", "physionet", physionet_db="mitdb",
        files_per_record=(".hea", ".dat", ".atr"),
        manual_steps="download the NNN.hea, NNN.dat and NNN.atr files of https://physionet.org/content/mitdb/1.0.0/",
        loader="fusionlab.data.load_mitdb_beats"),
    "cap": DatasetInfo(
        "cap", "CAP Sleep Database (EDF + REMlogic .txt scorings with CAP A-phases)",
        "https://physionet.org/content/capslpdb/1.0.0/", "ODC-By 1.0", "~40 GB for 108 nights; 0.1-0.6 GB per night",
        "physionet", physionet_db="capslpdb", default_records=("n1", "n2", "n3"), files_per_record=(".edf", ".txt"),
        manual_steps="download <record>.edf and <record>.txt from https://physionet.org/content/capslpdb/1.0.0/",
        loader="fusionlab.data.load_cap"),
    "shhs": DatasetInfo(
        "shhs", "Sleep Heart Health Study (EDF + NSRR XML annotations)", "https://sleepdata.org/datasets/shhs",
        "NSRR data use agreement (registration required)", "~300 GB (SHHS-1: 5,793 nights)", "manual",
        host="sleepdata.org",
        manual_steps="request access at https://sleepdata.org/datasets/shhs, then use the NSRR downloader "
                     "(`gem install nsrr; nsrr download shhs/polysomnography/edfs/shhs1 --token=<your token>` "
                     "and the matching annotations-events-nsrr/shhs1 folder)",
        loader="fusionlab.data.load_shhs"),
    "dreams": DatasetInfo(
        "dreams", "DREAMS Sleep Spindles database (excerpts 1-5 as the course uses them: EEG, spindle scorings)",
        "https://zenodo.org/record/2650142", "CC BY-NC-ND 3.0 style (non-commercial, no derivatives)", "~17 MB",
        "course", host="raw.githubusercontent.com", folder="dreams-spindles",
        manual_steps="download DatabaseSpindles.rar from https://zenodo.org/record/2650142 and extract excerpts 1-5",
        loader="fusionlab.data.load_dreams_excerpt"),
    "ett": DatasetInfo(
        "ett", "ETT-small hourly (ETTh1, ETTh2): transformer oil temperature and six load series",
        "https://github.com/zhouhaoyi/ETDataset", "CC BY-ND 4.0 (no derivatives: do not commit modified copies)",
        "~5 MB", "course", host="raw.githubusercontent.com",
        manual_steps="download ETT-small/ETTh1.csv and ETT-small/ETTh2.csv from https://github.com/zhouhaoyi/ETDataset",
        loader="fusionlab.data.ett.load_ett"),
}


def dataset_dir(name: str, root: str | os.PathLike | None = None) -> Path:
    """The cache folder of dataset ``name`` (``<data_dir>/<name>``)."""
    info = _info(name)
    return Path(root if root is not None else paths.data_dir()) / (info.folder or name)


def _info(name: str) -> DatasetInfo:
    if name not in DATASETS:
        raise FetchError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(DATASETS))}")
    return DATASETS[name]


def is_online(host: str = "physionet.org", port: int = 443, timeout: float = 3.0) -> bool:
    """Whether ``host`` answers a TCP connection; ``False`` at once when ``$FUSIONLAB_OFFLINE`` is set."""
    if os.environ.get(OFFLINE_ENV, "").strip() not in ("", "0"):
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def sha256sum(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def read_sha256sums(path: str | os.PathLike) -> dict[str, str]:
    """Parse a ``sha256sum``-style file (``<hex>  <relative path>`` per line) into ``{path: hex}``."""
    sums = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or len(parts[0]) != 64:
            raise ChecksumError(f"{path}: line {number} is not '<sha256>  <file>': {line[:80]!r}")
        sums[parts[1].strip().lstrip("*")] = parts[0].lower()
    return sums


def verify_checksums(folder: str | os.PathLike, expected: dict[str, str], files: Sequence[str] | None = None
                     ) -> dict[str, str]:
    """Check files in ``folder`` against expected SHA-256 sums.

    Parameters
    ----------
    folder : path
    expected : dict relative path -> hex sha256
    files : sequence of str, optional
        Only these (relative) files; default every file of ``expected``.

    Returns
    -------
    dict relative path -> status
        ``"ok"``, ``"missing"`` or ``"mismatch"``.

    Raises
    ------
    ChecksumError
        If a file is named in ``files`` but has no published checksum.
    """
    folder = Path(folder)
    wanted = list(files) if files is not None else sorted(expected)
    unknown = [f for f in wanted if f not in expected]
    if unknown:
        raise ChecksumError(f"{folder}: no published checksum for {unknown[:5]}{' ...' if len(unknown) > 5 else ''}")
    status = {}
    for name in wanted:
        path = folder / name
        if not path.is_file():
            status[name] = "missing"
        else:
            status[name] = "ok" if sha256sum(path) == expected[name] else "mismatch"
    return status


def _write_json_atomic(path: Path, payload: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _offline_message(info: DatasetInfo, target: Path) -> str:
    return (f"cannot reach {info.host}: fetching {info.name!r} needs the network. To get the data by hand: "
            f"{info.manual_steps}, into {target} (or set FUSIONLAB_DATA to a folder that has a '{info.name}' "
            f"subfolder). Dataset page: {info.url} (licence: {info.licence}).")


def fetch(name: str, *, records: Sequence[str] | None = None, root: str | os.PathLike | None = None,
          check_online: bool = True) -> Path:
    """Download a dataset (or some of its records) into the cache and verify it.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS` (``"sleep-edf"``, ``"mitdb"``, ``"cap"``; ``"shhs"`` and ``"dreams"``
        need a manual download, and the error says how).
    records : sequence of str, optional
        PhysioNet record names (``["100", "101"]``, ``["n1"]``) or, for Sleep-EDF, subject numbers
        (``["0", "1"]``, both nights each). Default: the whole database for ``mitdb``, a few
        nights for the large sleep databases.
    root : path, optional
        Cache root (default :func:`fusionlab.paths.data_dir`).
    check_online : bool
        Probe the host first, so an offline machine fails at once.

    Returns
    -------
    Path
        The dataset's cache folder.

    Raises
    ------
    FetchError, OfflineError, ChecksumError
    """
    info = _info(name)
    target = dataset_dir(name, root)
    if _is_course_fetch(info, records):
        return _fetch_course(info, target, records, root)
    if info.method == "manual":
        raise FetchError(f"{info.name!r} cannot be downloaded automatically ({info.licence}). "
                         f"{info.manual_steps}, into {target}. Dataset page: {info.url}.")
    if check_online and not is_online(info.host):
        raise OfflineError(_offline_message(info, target))
    target.mkdir(parents=True, exist_ok=True)
    marker = target / PARTIAL_MARKER
    resumed = marker.is_file()
    _write_json_atomic(marker, {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "records": list(records or []),
                                "resumed": resumed})
    if info.method == "mne-sleep-physionet":
        files = _fetch_sleep_edf(target, records or info.default_records)
    else:
        files = _fetch_physionet(info, target, records)
    manifest = {"dataset": name, "files": {f: sha256sum(target / f) for f in files},
                "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
    old = target / MANIFEST
    if old.is_file():
        manifest["files"] = {**json.loads(old.read_text()).get("files", {}), **manifest["files"]}
    _write_json_atomic(old, manifest)
    marker.unlink(missing_ok=True)
    return target


def _is_course_fetch(info: DatasetInfo, records: Sequence[str] | None) -> bool:
    """The lessons' datasets (and MIT-BIH records among the course's 26) go through ``course_data``."""
    from fusionlab.data.course_data import COURSE_DATASETS

    if info.name not in COURSE_DATASETS:
        return False
    if records is None:
        return True
    known = COURSE_DATASETS[info.name].files
    return all(f"{r}{suffix}" in known for r in records for suffix in info.files_per_record or ("",))


def _fetch_course(info: DatasetInfo, target: Path, records: Sequence[str] | None,
                  root: str | os.PathLike | None) -> Path:
    from fusionlab.data.course_data import fetch_course_dataset, missing_message

    files = None if records is None else [f"{r}{s}" for r in records for s in info.files_per_record]
    report = fetch_course_dataset(info.name, root=root, files=files)
    if not report.complete:
        raise OfflineError(missing_message([info.name], {info.name: report}, root=root))
    return target


def _fetch_sleep_edf(target: Path, subjects: Sequence[str]) -> list[str]:
    from mne.datasets.sleep_physionet import age

    try:
        pairs = age.fetch_data([int(s) for s in subjects], recording=[1, 2], path=target, on_missing="warn")
    except ValueError as err:
        raise FetchError(f"sleep-edf: bad subject list {list(subjects)}: {err}") from err
    return [str(Path(p).resolve().relative_to(target.resolve())) for pair in pairs for p in pair]


def _fetch_physionet(info: DatasetInfo, target: Path, records: Sequence[str] | None) -> list[str]:
    import wfdb

    if records is None and not info.default_records:
        wfdb.dl_database(info.physionet_db, str(target), overwrite=False)
        files = [p.name for p in target.iterdir() if p.suffix in (".hea", ".dat", ".atr")]
    else:
        chosen = list(records or info.default_records)
        files = [f"{r}{suffix}" for r in chosen for suffix in info.files_per_record]
        wfdb.dl_files(info.physionet_db, str(target), files, overwrite=False)  # resumes partial files
    wfdb.dl_files(info.physionet_db, str(target), ["SHA256SUMS.txt"], overwrite=True)
    expected = read_sha256sums(target / "SHA256SUMS.txt")
    status = verify_checksums(target, expected, [f for f in files if f in expected])
    bad = {f: s for f, s in status.items() if s != "ok"}
    if bad:
        raise ChecksumError(f"{info.name}: {len(bad)} file(s) failed verification in {target}: "
                            f"{dict(list(bad.items())[:5])}; delete them and run `fusionlab fetch {info.name}` again")
    return files


def list_cached(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """What the cache holds: one row per known dataset.

    Returns
    -------
    DataFrame
        Columns ``dataset``, ``status`` (``"absent"``, ``"partial"`` -- an interrupted download,
        ``"complete"``, ``"unverified"`` -- files put there by hand), ``files``, ``size_mb``, ``path``.
    """
    import pandas as pd

    return pd.DataFrame(cached_rows(root))


def cached_rows(root: str | os.PathLike | None = None) -> list[dict]:
    """The rows of :func:`list_cached` as dicts (for the ``fusionlab`` command, which does not load pandas)."""
    rows = []
    for name in DATASETS:
        folder = dataset_dir(name, root)
        files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")] if folder.is_dir() else []
        if not files and not (folder / PARTIAL_MARKER).is_file():
            status = "absent"
        elif (folder / PARTIAL_MARKER).is_file():
            status = "partial"
        elif (folder / MANIFEST).is_file():
            status = "complete"
        else:
            status = "unverified"
        rows.append({"dataset": name, "status": status, "files": len(files),
                     "size_mb": round(sum(p.stat().st_size for p in files) / 2**20, 1), "path": str(folder)})
    return rows
