"""Do lessons show their figures inline in JupyterLab? Checked the way a student would see them.

    python benchmarks/lab_inline_figures.py                      # lessons 00-05, smoke profile
    python benchmarks/lab_inline_figures.py --only 05 --profile standard

Starts ``jupyter lab`` on 127.0.0.1 (no browser, a random token) with ``MPLBACKEND`` removed from
its environment, opens each lesson as a notebook session through the Jupyter server's REST API
(``POST /api/sessions``: the kernel starts in ``notebooks/`` as it does when a student opens the
file), runs every code cell over the kernel's websocket, and counts the ``image/png`` outputs that
come back -- what JupyterLab would draw under each cell. Figures saved by ``fl.viz.savefig`` are
counted from a temporary ``FUSIONLAB_FIGURES`` folder. A lesson passes when every cell ran and it
shows at least one inline image per saved figure.

Writes ``benchmarks/results/lab_inline_figures.json``. The kernel reads its profile from
``FUSIONLAB_PROFILE`` (set from ``--profile``), as in a student's shell.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat

from fusionlab.cli.notebook_runner import list_notebooks

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "lab_inline_figures.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LabServer:
    """``jupyter lab`` as a child process; stopped (its process group) on exit."""

    def __init__(self, env: dict, log: Path):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.log = open(log, "w")  # noqa: SIM115 (closed in stop())
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={self.port}", "--ip=127.0.0.1",
                   f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={ROOT}", "--ServerApp.open_browser=False",
                   "--allow-root"]  # containers and CI often run as root
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
        return json.loads(text) if text else {}

    def wait_ready(self, timeout: float = 180.0) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                self.log.flush()
                tail = Path(self.log.name).read_text()[-3000:]
                raise RuntimeError(f"jupyter lab exited with status {self.process.returncode}:\n{tail}")
            try:
                return self.api("GET", "/api/status")
            except OSError:
                time.sleep(1.0)
        raise TimeoutError(f"jupyter lab did not answer on {self.base} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is not None:
            self.log.close()
            return
        try:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
        except ProcessLookupError:
            pass
        self.log.close()


def _message(code: str, session: str) -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": "execute_request", "username": "student",
                       "session": session, "date": datetime.datetime.now(datetime.UTC).isoformat(),
                       "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}


async def run_cells(server: LabServer, kernel_id: str, cells: list[str], cell_timeout: float) -> list[dict]:
    """Execute ``cells`` one by one over the kernel websocket; per cell: status, images, error."""
    from tornado.websocket import websocket_connect

    url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels?token={server.token}"
    connection = await websocket_connect(url)
    session = uuid.uuid4().hex
    results = []
    try:
        for index, code in enumerate(cells):
            message = _message(code, session)
            msg_id = message["header"]["msg_id"]
            await connection.write_message(json.dumps(message))
            outcome = {"cell": index, "images": 0, "status": None, "error": None, "text": ""}
            idle = False
            deadline = time.time() + cell_timeout
            while outcome["status"] is None or not idle:
                remaining = deadline - time.time()
                if remaining <= 0:
                    outcome["status"] = "timeout"
                    break
                raw = await asyncio.wait_for(connection.read_message(), timeout=remaining)
                if raw is None:
                    raise ConnectionError("the kernel websocket closed")
                reply = json.loads(raw)
                if reply.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = reply["header"]["msg_type"]
                content = reply.get("content", {})
                if kind in ("display_data", "execute_result") and "image/png" in content.get("data", {}):
                    outcome["images"] += 1
                elif kind == "stream":
                    outcome["text"] = (outcome["text"] + content.get("text", ""))[-2000:]
                elif kind == "error":
                    outcome["error"] = f"{content.get('ename')}: {content.get('evalue', '')[:300]}"
                elif kind == "execute_reply":
                    outcome["status"] = content.get("status")
                elif kind == "status" and content.get("execution_state") == "idle":
                    idle = True
            results.append(outcome)
            if outcome["status"] != "ok":
                break
    finally:
        connection.close()
    return results


def check_notebook(server: LabServer, path: Path, figures: Path, cell_timeout: float) -> dict:
    notebook = nbformat.read(path, as_version=4)
    cells = [c.source for c in notebook.cells if c.cell_type == "code"]
    before = set(figures.rglob("*.png"))
    session = server.api("POST", "/api/sessions", {"path": str(path.relative_to(ROOT)), "type": "notebook",
                                                   "name": path.name, "kernel": {"name": "python3"}})
    kernel_id = session["kernel"]["id"]
    tic = time.perf_counter()
    try:
        probe = asyncio.run(run_cells(server, kernel_id, [
            "import os, matplotlib; print(matplotlib.get_backend(), os.environ.get('MPLBACKEND'))"], 120))
        outcomes = asyncio.run(run_cells(server, kernel_id, cells, cell_timeout))
    finally:
        server.api("DELETE", f"/api/sessions/{session['id']}")
    seconds = time.perf_counter() - tic
    saved = sorted(str(p.relative_to(figures)) for p in set(figures.rglob("*.png")) - before)
    images = sum(o["images"] for o in outcomes)
    errors = [o for o in outcomes if o["status"] != "ok"]
    return {"notebook": path.stem, "code_cells": len(cells), "cells_run": len(outcomes),
            "inline_images": images, "saved_figures": len(saved), "saved": saved,
            "images_per_cell": {o["cell"]: o["images"] for o in outcomes if o["images"]},
            "errors": [f"cell {o['cell']}: {o['status']} {o['error'] or ''}".strip() for o in errors],
            "kernel_backend_and_MPLBACKEND": probe[0]["text"].strip() if probe else None,
            "seconds": round(seconds, 1),
            # A lesson that draws nothing (03 builds fusion blocks and prints their shapes) passes on its cells alone.
            "ok": not errors and len(outcomes) == len(cells) and images >= len(saved)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=["00", "01", "02", "03", "04", "05"])
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--cell-timeout", type=float, default=900.0)
    parser.add_argument("--output", type=Path, default=RESULT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="fusionlab-lab-") as tmp:
        tmp = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # nothing forces a backend
        env.update({"FUSIONLAB_PROFILE": args.profile, "FUSIONLAB_FIGURES": str(tmp / "figures"),
                    "FUSIONLAB_BUILD": str(tmp / "build"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime")})
        (tmp / "figures").mkdir()
        server = LabServer(env, tmp / "jupyter-lab.log")
        rows = []
        try:
            status = server.wait_ready()
            versions = subprocess.run([sys.executable, "-m", "jupyterlab", "--version"], capture_output=True,
                                      text=True, env=env, check=False).stdout.strip()
            for path in list_notebooks(only=args.only):
                print(f"{path.name} ...", flush=True)
                row = check_notebook(server, path, tmp / "figures", args.cell_timeout)
                rows.append(row)
                print(f"  {row['inline_images']} inline images, {row['saved_figures']} saved figures, "
                      f"{row['cells_run']}/{row['code_cells']} cells, {row['seconds']} s, "
                      f"{'ok' if row['ok'] else 'FAIL ' + '; '.join(row['errors'])}", flush=True)
        finally:
            server.stop()
    payload = {"profile": args.profile, "jupyterlab": versions, "server_started": status.get("started"),
               "MPLBACKEND_in_server_env": False, "machine": platform.platform(), "python": platform.python_version(),
               "date": time.strftime("%Y-%m-%d"), "rows": rows, "all_ok": all(r["ok"] for r in rows)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix=".lab_inline.", dir=args.output.parent)
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle, indent=1)
    os.replace(tmp_path, args.output)
    print(f"-> {args.output}: {'all lessons show their figures' if payload['all_ok'] else 'SOME LESSONS FAIL'}")
    return 0 if payload["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
