"""One file over HTTP(S) into a folder: resumable, verified by SHA-256, written atomically.

:func:`download_file` streams the body into a hidden ``.<name>.part`` file beside the target. A
connection that drops mid-file keeps the part file, and the next attempt asks the server for the
rest (``Range: bytes=<n>-``); a server that ignores ranges sends the whole file again and the part
file is restarted. Only a part file whose size and SHA-256 match the published ones is renamed to
the target name (``os.replace``, atomic on one file system): a reader never sees a half-written or
wrong file under the real name, and a checksum mismatch deletes the part file.

Only the standard library is used (``urllib``), so the same code serves PhysioNet, GitHub, Zenodo
and a local mirror (``$FUSIONLAB_MIRROR``).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

from fusionlab.data.errors import ChecksumError, FetchError

__all__ = ["SourceUnreachable", "download_file", "part_path"]

USER_AGENT = "fusionlab-fetch/1 (+https://github.com/; teaching lab)"
CHUNK = 1 << 16


class SourceUnreachable(FetchError):
    """The host did not answer at all (DNS failure, refused connection, timeout before any byte)."""


def part_path(target: Path) -> Path:
    """The hidden part file that holds an unfinished download of ``target``."""
    return target.parent / f".{target.name}.part"


def _open(url: str, offset: int, timeout: float):
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    return urllib.request.urlopen(request, timeout=timeout)


def _attempt(url: str, part: Path, timeout: float) -> int:
    """One request: append to (or restart) ``part``; returns the bytes received. Raises on a dropped connection."""
    offset = part.stat().st_size if part.is_file() else 0
    try:
        response = _open(url, offset, timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # range beyond the end: the part file is useless, restart
            part.unlink(missing_ok=True)
            return 0
        raise FetchError(f"{url}: HTTP {err.code} {err.reason}") from err
    except (TimeoutError, urllib.error.URLError, ConnectionError) as err:
        reason = getattr(err, "reason", err)
        raise SourceUnreachable(f"{url}: {reason}") from err
    received = 0
    with response:
        resumed = offset and response.status == 206
        with open(part, "ab" if resumed else "wb") as handle:  # 200: the server sent the whole file again
            while True:
                block = response.read(CHUNK)
                if not block:
                    break
                handle.write(block)
                received += len(block)
    return received


def download_file(url: str, target: str | os.PathLike, *, sha256: str, size: int | None = None,
                  timeout: float = 30.0, attempts: int = 3) -> int:
    """Download ``url`` to ``target``, resuming an interrupted transfer, and verify it.

    Parameters
    ----------
    url : str
        ``http://`` or ``https://`` URL of the file.
    target : path
        Where the verified file ends up; its folder must exist.
    sha256 : str
        Expected hex SHA-256 of the whole file.
    size : int, optional
        Expected size in bytes; a part file that reaches it stops the retries early.
    timeout : float
        Seconds to wait for the connection and for each block.
    attempts : int
        Requests to try before giving up on a connection that keeps dropping (each resumes).

    Returns
    -------
    int
        Bytes received over the network (0 if ``target`` was already there and verified).

    Raises
    ------
    SourceUnreachable
        The host did not answer the first request.
    ChecksumError
        The complete file does not match ``sha256`` (the part file is deleted; ``target`` untouched).
    FetchError
        An HTTP error (404 ...) or a connection that dropped ``attempts`` times.
    """
    target = Path(target)
    part = part_path(target)
    received = 0
    last_error: BaseException | None = None
    for attempt in range(attempts):
        try:
            received += _attempt(url, part, timeout)
            last_error = None
        except SourceUnreachable as err:
            if attempt == 0 and received == 0:
                raise
            last_error = err
        except (http.client.IncompleteRead, ConnectionError, TimeoutError) as err:
            last_error = err  # dropped mid-file: keep the part file and ask for the rest
        have = part.stat().st_size if part.is_file() else 0
        if size is not None and have >= size:
            break
        if size is None and last_error is None:
            break
        # A connection closed early without an error (urllib returns a short body) also lands here.
        time.sleep(min(0.2 * (attempt + 1), 1.0))
    have = part.stat().st_size if part.is_file() else 0
    if (size is not None and have < size) or (size is None and last_error is not None):
        raise FetchError(f"{url}: download of {target.name} interrupted {attempts} times "
                         f"({have} of {size or '?'} bytes kept in {part}; run the fetch again to resume)"
                         f"{': ' + str(last_error) if last_error else ''}")
    digest = hashlib.sha256()
    with open(part, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    found = digest.hexdigest()
    if found != sha256.lower() or (size is not None and part.stat().st_size != size):
        actual = part.stat().st_size
        part.unlink(missing_ok=True)
        raise ChecksumError(f"{url}: checksum mismatch for {target.name}: expected sha256 {sha256[:16]}... "
                            f"({size if size is not None else '?'} bytes), found {found[:16]}... ({actual} bytes); "
                            f"the download was discarded, nothing was written to {target}")
    os.replace(part, target)
    return received
