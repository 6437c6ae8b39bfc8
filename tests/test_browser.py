"""Every explorer in a real browser: JupyterLab on localhost, Debian's Chromium driven by Playwright.

Run with ``make test-browser`` (it installs Playwright's Python package and Debian's chromium;
Playwright never downloads a browser here). The test starts JupyterLab on a free port with a
token, opens a notebook that displays each explorer, runs it, moves a slider of each explorer
with the keyboard, and checks that the rendered image changed and that the browser console
shows no errors. Screenshots go to build/browser/.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "browser"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# css class of each explorer (set by course_lib.widgets) and the call that displays it
EXPLORERS = {
    "course-conv-explorer": "conv_explorer()",
    "course-transposed-explorer": "transposed_explorer()",
    "course-sampling-explorer": "sampling_explorer()",
    "course-checkerboard-explorer": "checkerboard_explorer()",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _notebook(path: Path) -> None:
    import nbformat

    cells = [nbformat.v4.new_code_cell("from course_lib import widgets")]
    cells += [nbformat.v4.new_code_cell(f"# NBVAL_IGNORE_OUTPUT\nwidgets.{call}") for call in EXPLORERS.values()]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(notebook, path)


def _wait_for_server(url: str, process, timeout=90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout} s")


@pytest.fixture()
def jupyterlab(tmp_path):
    """A JupyterLab server on a free localhost port with a token; yields (url, token, log)."""
    root = tmp_path / "lab"
    root.mkdir()
    _notebook(root / "explorers.ipynb")
    settings = tmp_path / "settings" / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True)
    # no news and no update checks: they would reach for the internet from the page
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))

    config = tmp_path / "config"
    config.mkdir()
    (config / "jupyter_lab_config.py").write_text(
        "c.LabApp.news_url = None\n"
        "c.LabApp.check_for_updates_class = 'jupyterlab.NeverCheckForUpdate'\n"
        "c.LabApp.extension_manager = 'readonly'\n")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"), MPLBACKEND="Agg")
    port, token = _free_port(), secrets.token_hex(16)
    log = open(tmp_path / "jupyterlab.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{url}/api/status?token={token}", process)
        yield url, token, tmp_path / "jupyterlab.log"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_until(predicate, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(message)


def test_every_explorer_redraws_in_the_browser(jupyterlab, tmp_path):
    from playwright.sync_api import sync_playwright  # `make test-browser` installs it

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed (make test-browser installs it with apt)"
    url, token, log = jupyterlab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1500, "height": 1100},
        )
        try:
            page = context.new_page()
            page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
                    if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.goto(f"{url}/lab/tree/explorers.ipynb?token={token}")
            page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=90_000)
            # run the cells only once the notebook's kernel is connected and idle: earlier, the
            # run would be lost (JupyterLab would ask which kernel to start)
            page.evaluate("""async () => {
                const panel = window.jupyterapp.shell.currentWidget;
                await panel.context.ready;
                await panel.sessionContext.ready;
            }""")
            page.wait_for_function("""() => {
                const session = window.jupyterapp.shell.currentWidget.sessionContext.session;
                const kernel = session && session.kernel;
                return kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
            }""", timeout=90_000)
            # not awaited: the command's promise lasts as long as the run
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
            shown = " && ".join(f"(document.querySelector('.{css} img') || {{}}).naturalWidth > 0" for css in EXPLORERS)
            page.wait_for_function(f"() => {shown}", timeout=180_000)
            page.screenshot(path=str(SCREENSHOTS / "notebook.png"), full_page=True)
            for css_class in EXPLORERS:
                name = css_class.removeprefix("course-").removesuffix("-explorer")
                explorer = page.locator(f".{css_class}")
                image = explorer.locator("img").first
                image.scroll_into_view_if_needed()
                before = image.screenshot(path=str(SCREENSHOTS / f"{name}-before.png"))
                source = image.get_attribute("src")
                handle = explorer.locator(".widget-slider .noUi-handle").first
                handle.focus()
                page.keyboard.press("ArrowRight")
                _wait_until(lambda: image.get_attribute("src") != source, 30,
                            f"{name}: the image did not change after moving a slider")
                page.wait_for_function(
                    f"(() => {{ const img = document.querySelector('.{css_class} img');"
                    f" return img.complete && img.naturalWidth > 0; }})()", timeout=30_000)
                after = image.screenshot(path=str(SCREENSHOTS / f"{name}-after.png"))
                assert after != before, f"{name}: the rendered image looks the same after the slider moved"
            page.screenshot(path=str(SCREENSHOTS / "notebook-after.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(SCREENSHOTS / "failure.png"), full_page=True)
            raise
        finally:
            context.close()
    assert not problems, "browser console:\n" + "\n".join(problems) + f"\n(server log: {log})"
