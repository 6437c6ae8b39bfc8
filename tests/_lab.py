"""Start the course in JupyterLab exactly as the README says: ``make lab LAB_ARGS=...``.

Shared by ``tests/test_lab.py`` and ``tests/test_browser.py``. The server gets a free local port
and a random token through ``LAB_ARGS``; Jupyter's runtime, config, user-settings and workspace
folders point into the test's temporary folder, so a test sees what a student sees on a first
start and leaves nothing in the home folder.
"""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Lab:
    """A running ``make lab``: its base URL, token and log file."""

    url: str
    port: int
    token: str
    log: Path

    def get(self, path: str, **kwargs):
        """GET ``path`` from the server (token in the header); returns (status, headers, body)."""
        return _request(self, "GET", path, **kwargs)

    def get_json(self, path: str):
        """GET ``path`` and decode its JSON body; raises AssertionError unless the status is 200."""
        status, _, body = self.get(path)
        assert status == 200, f"GET {path} answered {status}: {body[:300]!r} (server log: {self.log})"
        return json.loads(body)

    def send_json(self, method: str, path: str, payload=None):
        """Send ``payload`` as JSON with ``method``; returns (status, decoded body or None)."""
        data = None if payload is None else json.dumps(payload).encode()
        status, _, body = _request(self, method, path, data=data)
        return status, (json.loads(body) if body else None)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # a redirect is an answer the tests look at (the default URL), not something to follow
    def redirect_request(self, *args, **kwargs):
        return None


def _request(lab: Lab, method: str, path: str, data=None, timeout=10):
    request = urllib.request.Request(
        lab.url + path, data=data, method=method,
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now.

    Examples
    --------
    >>> 1024 <= free_port() <= 65535
    True
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(lab: Lab, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"`make lab` exited with code {process.returncode}:\n{lab.log.read_text()}")
        try:
            if lab.get("/api/status", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"`make lab` did not answer on port {lab.port} within {timeout} s:\n{lab.log.read_text()}")


def _stop(process: subprocess.Popen, timeout: float = 20) -> None:
    # make runs jupyter through a shell, all in the process group started for make: SIGTERM
    # reaches each, and jupyter shuts its kernels down (they live in sessions of their own).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def make_lab(workdir: Path, extra_args: str = "", timeout: float = 90):
    """Run ``make lab`` from the repository root on a free port with a token; yield a :class:`Lab`.

    ``extra_args`` are appended to ``LAB_ARGS``. The server and everything it started are stopped
    when the block ends, also when it ends with an exception.

    Examples
    --------
    >>> with make_lab(tmp_path) as lab:  # doctest: +SKIP
    ...     lab.get_json("/api/contents")["type"]
    'directory'
    """
    port, token = free_port(), secrets.token_hex(16)
    lab_args = f"--no-browser --port {port} --IdentityProvider.token={token} {extra_args}".strip()
    jupyter_home = workdir / "jupyter"
    env = dict(os.environ, MPLBACKEND="Agg",
               JUPYTER_CONFIG_DIR=str(jupyter_home / "config"),
               JUPYTER_RUNTIME_DIR=str(jupyter_home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(jupyter_home / "user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(jupyter_home / "workspaces"))
    lab = Lab(f"http://127.0.0.1:{port}", port, token, workdir / "make-lab.log")
    with open(lab.log, "w") as log:
        process = subprocess.Popen(["make", "lab", f"LAB_ARGS={lab_args}"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_for_server(lab, process, timeout)
            yield lab
        finally:
            _stop(process)
