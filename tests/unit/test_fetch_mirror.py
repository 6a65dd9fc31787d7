"""The download path for real: a PhysioNet-layout mirror on 127.0.0.1, fetched by the package's HTTP client.

The mirror is built in a temporary folder from ``../shared/data`` (links, plus corrupted copies where a
test needs them) and served by a threaded HTTP server that counts requests, honours ``Range`` and can
be told to close the connection half-way through a file. Nothing in the client is replaced.
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fusionlab.cli.main import main as cli_main
from fusionlab.data import course_data
from fusionlab.data.course_checksums import COURSE_FILES
from fusionlab.data.fetchers import list_cached
from fusionlab.data.http_download import part_path


class MirrorServer(ThreadingHTTPServer):
    """Serves ``root``; records every request; ``cuts[path] = n`` drops the next n transfers of ``path`` mid-file."""

    daemon_threads = True

    def __init__(self, root: Path, ranges: bool = True):
        super().__init__(("127.0.0.1", 0), MirrorHandler)
        self.root, self.ranges = root, ranges
        self.requests: list[tuple[str, str | None]] = []
        self.cuts: dict[str, int] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, suffix: str = "") -> int:
        return sum(1 for path, _ in self.requests if path.endswith(suffix))


class MirrorHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        server: MirrorServer = self.server  # type: ignore[assignment]
        range_header = self.headers.get("Range")
        with server.lock:
            server.requests.append((self.path, range_header))
            cut = server.cuts.get(self.path, 0) > 0
            if cut:
                server.cuts[self.path] -= 1
        file = server.root / self.path.lstrip("/")
        if not file.is_file():
            self.send_error(404, "not in the mirror")
            return
        data = file.read_bytes()
        start = 0
        if range_header and server.ranges:
            start = int(range_header.split("=", 1)[1].split("-", 1)[0])
            if start >= len(data):
                self.send_error(416, "range not satisfiable")
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes" if server.ranges else "none")
        self.end_headers()
        if cut:  # half the body, then hang up: the client sees a short read
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)


MIRROR_PATHS = {name: info.mirror_path for name, info in course_data.COURSE_DATASETS.items()}


def build_mirror(shared: Path, root: Path, corrupt: dict[str, str] | None = None) -> Path:
    """PhysioNet layout under ``root``: links to the shared files; ``corrupt`` = {dataset: file} flips one byte."""
    for name, info in course_data.COURSE_DATASETS.items():
        folder = root / info.mirror_path
        folder.mkdir(parents=True, exist_ok=True)
        for file in COURSE_FILES[name]:
            (folder / file).symlink_to(shared / info.folder / file)
    for name, file in (corrupt or {}).items():
        target = root / course_data.COURSE_DATASETS[name].mirror_path / file
        data = bytearray(target.read_bytes())
        target.unlink()
        data[len(data) // 2] ^= 0xFF  # same size, different content
        target.write_bytes(bytes(data))
    return root


@pytest.fixture
def serve(tmp_path, shared_data):
    """Start a mirror server (a thread) and point the environment at it; stopped at the end."""
    servers = []

    def start(corrupt=None, ranges=True) -> MirrorServer:
        root = build_mirror(shared_data, tmp_path / f"mirror{len(servers)}", corrupt)
        server = MirrorServer(root, ranges=ranges)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return server

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def fresh_machine(tmp_path, monkeypatch):
    """No shared copy, an empty cache, no public network."""
    monkeypatch.setenv("FUSIONLAB_SHARED_DATA", str(tmp_path / "no-shared"))
    monkeypatch.setenv("FUSIONLAB_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("FUSIONLAB_OFFLINE", "1")
    monkeypatch.delenv("FUSIONLAB_MIRROR", raising=False)
    return tmp_path / "cache"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".part", ".copy"))) if folder.is_dir() else []


@pytest.mark.realdata
def test_complete_fetch_then_second_fetch_downloads_nothing(serve, fresh_machine, monkeypatch):
    server = serve()
    monkeypatch.setenv("FUSIONLAB_MIRROR", server.url)
    assert all(course_data.missing_files(n, course_data.locate(n)) for n in course_data.COURSE_DATASETS)
    found = course_data.preflight()
    n_files = sum(len(files) for files in COURSE_FILES.values())
    assert server.count() == n_files  # one request per file, no retries
    for name, files in COURSE_FILES.items():
        folder = fresh_machine / course_data.COURSE_DATASETS[name].folder
        assert found[name] == folder == course_data.locate(name)  # the lessons now read the cache
        assert {f: sha256(folder / f) for f in files} == {f: sha for f, (sha, _) in files.items()}
        assert leftovers(folder) == []
    cached = list_cached(fresh_machine).set_index("dataset")
    assert (cached.loc[["mitdb", "dreams", "ett"], "status"] == "complete").all()
    # Second time: everything is verified in place, nothing is requested.
    course_data.preflight()
    report = course_data.fetch_course_dataset("mitdb")
    assert report.complete and report.bytes_downloaded == 0 and server.count() == n_files
    assert cli_main(["fetch", "ett"]) == 0 and server.count() == n_files


@pytest.mark.realdata
@pytest.mark.parametrize("ranges", [True, False], ids=["resume", "restart"])
def test_interrupted_download_resumes_or_restarts(serve, fresh_machine, monkeypatch, ranges):
    server = serve(ranges=ranges)
    monkeypatch.setenv("FUSIONLAB_MIRROR", server.url)
    path = f"/{MIRROR_PATHS['mitdb']}/101.dat"
    server.cuts[path] = 1  # the first transfer of 101.dat stops half-way
    report = course_data.fetch_course_dataset("mitdb", files=["101.hea", "101.dat", "101.atr"])
    assert report.complete, report.errors
    attempts = [rng for p, rng in server.requests if p == path]
    assert len(attempts) == 2 and attempts[0] is None and attempts[1] == f"bytes={975000}-"
    assert sha256(fresh_machine / "mitdb" / "101.dat") == COURSE_FILES["mitdb"]["101.dat"][0]
    assert leftovers(fresh_machine / "mitdb") == []


@pytest.mark.realdata
def test_download_dropped_every_time_keeps_part_file_and_resumes_next_run(serve, fresh_machine, monkeypatch):
    server = serve()
    monkeypatch.setenv("FUSIONLAB_MIRROR", server.url)
    path = f"/{MIRROR_PATHS['ett']}/ETTh1.csv"
    server.cuts[path] = 10  # more drops than one fetch attempts
    report = course_data.fetch_course_dataset("ett")
    folder = fresh_machine / "ett"
    assert not report.complete and "interrupted" in report.errors[-1]
    assert not (folder / "ETTh1.csv").exists()  # never under its real name while incomplete
    kept = part_path(folder / "ETTh1.csv").stat().st_size
    assert 0 < kept < COURSE_FILES["ett"]["ETTh1.csv"][1]
    assert list_cached(fresh_machine).set_index("dataset").loc["ett", "status"] != "complete"
    server.cuts.clear()
    before = len(server.requests)
    report = course_data.fetch_course_dataset("ett")
    assert report.complete
    assert server.requests[before:] == [(path, f"bytes={kept}-")]  # only the rest of the unfinished file
    assert sha256(folder / "ETTh1.csv") == COURSE_FILES["ett"]["ETTh1.csv"][0] and leftovers(folder) == []


@pytest.mark.realdata
def test_checksum_mismatch_leaves_nothing_half_written(serve, fresh_machine, monkeypatch, capsys):
    server = serve(corrupt={"mitdb": "101.dat"})
    monkeypatch.setenv("FUSIONLAB_MIRROR", server.url)
    report = course_data.fetch_course_dataset("mitdb", files=["101.hea", "101.dat", "101.atr"])
    folder = fresh_machine / "mitdb"
    assert not report.complete and "checksum mismatch" in " ".join(report.errors)
    assert sorted(p.name for p in folder.iterdir()) == ["101.atr", "101.hea"]  # no 101.dat, no part file
    assert not (folder / course_data.MANIFEST).exists()
    # Through the command line: exit status 2, the message names the dataset and the mirror.
    assert cli_main(["fetch", "mitdb", "--records", "101"]) == 2
    err = capsys.readouterr().err
    assert "checksum mismatch" in err and "mitdb" in err and leftovers(folder) == []


def test_preflight_without_any_source_names_every_dataset(tmp_path):
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    env = {"PATH": "/usr/bin:/bin", "FUSIONLAB_SHARED_DATA": str(tmp_path / "no-shared"),
           "FUSIONLAB_DATA": str(tmp_path / "cache"), "FUSIONLAB_MIRROR": f"http://127.0.0.1:{dead_port}",
           "FUSIONLAB_OFFLINE": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    tic = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "fusionlab.cli", "preflight"], env=env, check=False, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert time.perf_counter() - tic < 60
    message = done.stderr
    for name, info in course_data.COURSE_DATASETS.items():
        assert f"- {name}:" in message and info.licence in message and info.size_text in message
        assert f"fusionlab fetch {name}" in message and info.folder in message
    assert f"127.0.0.1:{dead_port}" in message and message.count("fusionlab preflight:") == 1
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.*"))


@pytest.mark.realdata
def test_committed_checksums_are_the_published_ones(shared_data):
    from fusionlab.data.fetchers import read_sha256sums

    for name, info in course_data.COURSE_DATASETS.items():
        published = read_sha256sums(shared_data / info.folder / "SHA256SUMS")
        assert {f: sha for f, (sha, _) in COURSE_FILES[name].items()} == {f: published[f] for f in COURSE_FILES[name]}
        assert not course_data.missing_files(name, shared_data / info.folder)


def test_lesson_data_check_explains_instead_of_a_traceback(fresh_machine):
    with pytest.raises(course_data.MissingDataError) as info:
        course_data.require_datasets({"mitdb": "", "dreams": None}, lesson="01")
    lines = info.value._render_traceback_()  # what IPython shows in place of a traceback
    text = "\n".join(lines)
    assert lines[0].startswith("MissingDataError: lesson 01") and "Traceback" not in text
    assert "- mitdb:" in text and "- dreams:" in text and "- ett:" not in text
    assert str(fresh_machine / "mitdb") in text and "fusionlab fetch dreams" in text
    given = fresh_machine / "elsewhere"
    with pytest.raises(course_data.MissingDataError, match="ett"):
        course_data.require_datasets({"ett": given})


def test_datasets_for_lessons():
    assert course_data.datasets_for_lessons(["03", "05"]) == []
    assert course_data.datasets_for_lessons(["09"]) == ["mitdb", "ett"]
    assert course_data.datasets_for_lessons(["01_data_loading"]) == ["mitdb", "dreams"]
    assert course_data.datasets_for_lessons([]) == list(course_data.COURSE_DATASETS)
