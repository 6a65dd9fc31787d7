"""Fetchers without network: offline errors, manual datasets, checksums, cache listing, the CLI."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from fusionlab.cli.main import main
from fusionlab.data import fetch as fetch_fn
from fusionlab.data.errors import ChecksumError, FetchError, OfflineError
from fusionlab.data.fetchers import (
    MANIFEST,
    PARTIAL_MARKER,
    is_online,
    list_cached,
    read_sha256sums,
    sha256sum,
    verify_checksums,
)


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path_factory):
    """Tests never touch the network (the probe reports offline unless a test says otherwise), and see no
    local copy or mirror of the course data."""
    monkeypatch.setenv("FUSIONLAB_OFFLINE", "1")
    monkeypatch.setenv("FUSIONLAB_SHARED_DATA", str(tmp_path_factory.mktemp("no-shared") / "absent"))
    monkeypatch.delenv("FUSIONLAB_MIRROR", raising=False)


def test_offline_fails_at_once_with_instructions(tmp_path):
    start = time.perf_counter()
    with pytest.raises(OfflineError) as info:
        fetch_fn("mitdb", root=tmp_path)
    assert time.perf_counter() - start < 1.0
    message = str(info.value)
    assert "physionet.org" in message and str(tmp_path / "mitdb") in message and "FUSIONLAB_DATA" in message
    assert not (tmp_path / "mitdb").exists()  # nothing half-created


def test_is_online_honours_the_offline_switch():
    assert is_online("physionet.org") is False


@pytest.mark.parametrize("name", ["shhs"])
def test_manual_datasets_say_how(tmp_path, name):
    with pytest.raises(FetchError, match="cannot be downloaded automatically") as info:
        fetch_fn(name, root=tmp_path)
    assert "http" in str(info.value)


def test_unknown_dataset_lists_known():
    with pytest.raises(FetchError, match="known datasets: cap, dreams, ett, mitdb, shhs, sleep-edf"):
        fetch_fn("physionet-all")


def test_checksums(tmp_path):
    (tmp_path / "a.dat").write_bytes(b"abc")
    (tmp_path / "b.dat").write_bytes(b"xyz")
    good = hashlib.sha256(b"abc").hexdigest()
    sums = tmp_path / "SHA256SUMS.txt"
    sums.write_text(f"{good}  a.dat\n{'0' * 64}  b.dat\n{good}  c.dat\n")
    expected = read_sha256sums(sums)
    assert sha256sum(tmp_path / "a.dat") == good
    assert verify_checksums(tmp_path, expected) == {"a.dat": "ok", "b.dat": "mismatch", "c.dat": "missing"}
    with pytest.raises(ChecksumError, match="no published checksum"):
        verify_checksums(tmp_path, expected, ["d.dat"])
    sums.write_text("not a checksum line\n")
    with pytest.raises(ChecksumError, match="line 1"):
        read_sha256sums(sums)


def test_list_cached_statuses(tmp_path):
    (tmp_path / "mitdb").mkdir()
    (tmp_path / "mitdb" / "100.hea").write_text("x")
    (tmp_path / "mitdb" / MANIFEST).write_text("{}")
    (tmp_path / "cap").mkdir()
    (tmp_path / "cap" / "n1.edf").write_bytes(b"12")
    (tmp_path / "cap" / PARTIAL_MARKER).write_text("{}")
    (tmp_path / "dreams-spindles").mkdir()  # the shared folder's layout
    (tmp_path / "dreams-spindles" / "excerpt1.txt").write_text("[C3-A1]\n")
    table = list_cached(tmp_path).set_index("dataset")
    assert table.loc["mitdb", "status"] == "complete" and table.loc["mitdb", "files"] == 1
    assert table.loc["cap", "status"] == "partial"
    assert table.loc["dreams", "status"] == "unverified"
    assert table.loc["sleep-edf", "status"] == "absent"


def fake_wfdb(monkeypatch, content: dict[str, bytes], published: dict[str, bytes], fail_after: int | None = None):
    """Replace wfdb's downloaders by local writes, so the fetch logic runs without network."""
    import wfdb

    calls = {"n": 0}

    def dl_files(db, dl_dir, files, keep_subdirs=True, overwrite=False):
        for name in files:
            calls["n"] += 1
            if fail_after is not None and calls["n"] > fail_after:
                raise ConnectionError("connection reset")
            if name == "SHA256SUMS.txt":
                lines = [f"{hashlib.sha256(v).hexdigest()}  {k}" for k, v in published.items()]
                (Path(dl_dir) / name).write_text("\n".join(lines) + "\n")
            else:
                (Path(dl_dir) / name).write_bytes(content[name])

    monkeypatch.setattr(wfdb, "dl_files", dl_files)
    monkeypatch.setattr("fusionlab.data.fetchers.is_online", lambda host, **kw: True)


def test_fetch_verifies_and_writes_manifest(tmp_path, monkeypatch):
    files = {"100.hea": b"h", "100.dat": b"d", "100.atr": b"a"}
    fake_wfdb(monkeypatch, files, files)
    folder = fetch_fn("mitdb", records=["100"], root=tmp_path)
    assert folder == tmp_path / "mitdb" and not (folder / PARTIAL_MARKER).exists()
    manifest = json.loads((folder / MANIFEST).read_text())
    assert sorted(manifest["files"]) == ["100.atr", "100.dat", "100.hea"]
    assert list_cached(tmp_path).set_index("dataset").loc["mitdb", "status"] == "complete"


def test_fetch_with_bad_checksum_stays_partial(tmp_path, monkeypatch):
    files = {"100.hea": b"h", "100.dat": b"corrupted", "100.atr": b"a"}
    fake_wfdb(monkeypatch, files, {**files, "100.dat": b"d"})
    with pytest.raises(ChecksumError, match=r"100\.dat.*mismatch"):
        fetch_fn("mitdb", records=["100"], root=tmp_path)
    assert (tmp_path / "mitdb" / PARTIAL_MARKER).exists()
    assert list_cached(tmp_path).set_index("dataset").loc["mitdb", "status"] == "partial"


def test_interrupted_fetch_is_reported_and_resumed(tmp_path, monkeypatch):
    files = {"100.hea": b"h", "100.dat": b"d", "100.atr": b"a"}
    fake_wfdb(monkeypatch, files, files, fail_after=1)
    with pytest.raises(ConnectionError):
        fetch_fn("mitdb", records=["100"], root=tmp_path)
    assert list_cached(tmp_path).set_index("dataset").loc["mitdb", "status"] == "partial"
    fake_wfdb(monkeypatch, files, files)
    fetch_fn("mitdb", records=["100"], root=tmp_path)
    assert list_cached(tmp_path).set_index("dataset").loc["mitdb", "status"] == "complete"


def test_cli_list_and_offline(tmp_path, capsys):
    assert main(["fetch", "--list", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "sleep-edf" in out and "mitdb" in out and "absent" in out
    assert main(["fetch", "cap", "--dir", str(tmp_path)]) == 2
    assert "cannot reach physionet.org" in capsys.readouterr().err
    assert main([]) == 1
