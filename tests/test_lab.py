"""`make lab` as a student runs it: the repository root served, the first lesson opened, no news.

One server for the module, started exactly as the README says
(``make lab LAB_ARGS="--no-browser --port N --IdentityProvider.token=T"``), checked through
Jupyter's REST and websocket APIs, and stopped (with its kernels) even when a check fails.
"""

import asyncio
import json
import os
import subprocess
import uuid

import pytest

from _lab import ROOT, make_lab

FIRST_LESSON = "notebooks/00_start_here.ipynb"
NOTIFICATION_PLUGIN = "@jupyterlab/apputils-extension:notification"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with make_lab(tmp_path_factory.mktemp("lab")) as running:
        yield running


def _names(listing):
    return {item["name"]: item["type"] for item in listing["content"]}


def test_allow_root_only_for_root_and_lab_args_passed_through():
    dry_run = subprocess.run(["make", "-n", "lab", "LAB_ARGS=--no-browser --port 8899"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    command = dry_run[dry_run.index("jupyter lab"):]
    assert ("--allow-root" in command) == (os.geteuid() == 0), command
    assert "--no-browser --port 8899" in command, command
    assert "notebooks/ " not in command + " ", "a positional folder would override root_dir"


def test_repository_root_with_lessons_and_exercises(lab):
    root = _names(lab.get_json("/api/contents"))
    assert root.get("notebooks") == "directory", root
    assert root.get("exercises") == "directory", root
    exercises = _names(lab.get_json("/api/contents/exercises"))
    expected = {path.name for path in (ROOT / "exercises").glob("*.ipynb")}
    assert expected and expected <= set(exercises), (expected, exercises)


def test_first_lesson_is_readable_and_is_the_start_page(lab):
    lesson = lab.get_json(f"/api/contents/{FIRST_LESSON}")
    assert lesson["type"] == "notebook"
    assert any(cell["cell_type"] == "code" for cell in lesson["content"]["cells"])
    status, headers, _ = lab.get("/")
    assert status == 302, status
    assert headers["Location"].split("?")[0].endswith(f"/lab/tree/{FIRST_LESSON}"), headers["Location"]
    assert lab.get(f"/lab/tree/{FIRST_LESSON}")[0] == 200


def test_no_news_and_no_update_checks(lab):
    settings = lab.get_json(f"/lab/api/settings/{NOTIFICATION_PLUGIN}")
    defaults = {name: spec.get("default") for name, spec in settings["schema"]["properties"].items()}
    # the course's overrides replace the schema's defaults; the student has set nothing yet
    assert defaults["fetchNews"] == "false", defaults
    assert defaults["checkForUpdates"] is False, defaults
    assert settings["settings"] == {}, settings["settings"]
    override = json.loads((ROOT / "course_lib" / "jupyter" / "overrides.json").read_text())
    assert override[NOTIFICATION_PLUGIN] == {"fetchNews": "false", "checkForUpdates": False}


async def _execute(lab, kernel_id, code, timeout=25):
    """Run ``code`` in the kernel over its websocket; return (execute_reply content, iopub errors)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    session = uuid.uuid4().hex
    url = lab.url.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels?session_id={session}"
    connection = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {lab.token}"}))
    msg_id = uuid.uuid4().hex
    await connection.write_message(json.dumps({
        "header": {"msg_id": msg_id, "session": session, "username": "test", "msg_type": "execute_request",
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    errors = []

    async def reply():
        while True:
            raw = await connection.read_message()
            assert raw is not None, "the kernel's websocket closed before the reply"
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "error":
                errors.append("\n".join(message["content"]["traceback"]))
            if message["channel"] == "shell" and message["msg_type"] == "execute_reply":
                return message["content"]

    try:
        return await asyncio.wait_for(reply(), timeout), errors
    finally:
        connection.close()


def test_first_lesson_runs_in_a_kernel(lab):
    lesson = lab.get_json(f"/api/contents/{FIRST_LESSON}")
    first_code = next(cell["source"] for cell in lesson["content"]["cells"] if cell["cell_type"] == "code")
    status, session = lab.send_json("POST", "/api/sessions", {
        "path": FIRST_LESSON, "name": FIRST_LESSON.rsplit("/", 1)[1], "type": "notebook",
        "kernel": {"name": "python3"}})
    assert status == 201, (status, session)
    try:
        reply, errors = asyncio.run(_execute(lab, session["kernel"]["id"], first_code))
        assert reply["status"] == "ok", (reply, errors)
        assert not errors, errors
    finally:
        lab.send_json("DELETE", f"/api/sessions/{session['id']}")
