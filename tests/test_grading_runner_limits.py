"""The runner's own limits hold whatever a kernel does, and every run ends by its deadline.

Each test pairs an attack or a failure with an honest control: a folder the disk watch cannot
count is stopped like a full one; a reply too large to keep stops its kernel at once instead of
costing the cell's whole time limit; a student cell's error keeps only its name; one question's
large answer leaves the other questions' lines alone; a kernel that dies before it takes
connections is noticed at once; a kernel that closes its connection while it dies is reported as
dead. A kernel's start never passes the notebook's deadline, a run returns what it has at that
deadline, and a run cancelled during its clean-up still cleans up, leaving no ``atexit`` hook.
The fast tests use stand-ins; the last ones start real kernels in the sandbox.
"""

import asyncio
import atexit
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest
from nbformat import v4

from course_lib.grading import runner
from course_lib.grading.runner import ChannelError, KernelChannels, folder_size, run_cells
from course_lib.grading.sandbox import claim_slot, detect_sandbox, release_slot
from test_grading_channel import PORTS, kernel_received, kernel_sockets, message, received, relay_to_client

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


# --- the disk watch -----------------------------------------------------------------------------------


def test_a_folder_past_what_the_walk_counts_is_full_not_empty(tmp_path):
    deep = tmp_path / "deep"
    folder = deep
    for level in range(runner.FOLDER_DEPTH):
        folder = folder / f"d{level}"
    folder.mkdir(parents=True)
    (folder / "hidden").write_bytes(b"x" * 5_000_000)  # below the deepest level the walk opens
    shallow = tmp_path / "shallow" / "a" / "b" / "c"
    shallow.mkdir(parents=True)
    (shallow / "seen").write_bytes(b"x" * 1000)
    many = tmp_path / "many"
    many.mkdir()
    for n in range(11):
        (many / f"f{n}").write_bytes(b"")
    (many / "late").write_bytes(b"x" * 5_000_000)
    before = open_descriptors()
    assert folder_size(tmp_path / "shallow") == 1000  # honest: counted in full
    assert folder_size(many, limit=12) == 5_000_000  # honest: within the count
    assert folder_size(deep) is None  # was 0
    assert folder_size(many, limit=10) is None  # was 0 (the big file came after the limit)
    assert open_descriptors() == before  # every folder the walk opened is closed again


class StandInManager:
    """Just what the runner asks of a kernel manager: is_alive() and provisioner.kill()."""

    def __init__(self, dies_after: float | None = None):
        self.killed = 0
        self.dies = None if dies_after is None else time.monotonic() + dies_after
        self.provisioner = self

    async def kill(self):
        self.killed += 1

    async def is_alive(self):
        return self.dies is None or time.monotonic() < self.dies


def test_the_disk_watch_stops_a_kernel_whose_folder_it_cannot_count(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "DISK_POLL", 0.05)
    monkeypatch.setattr(runner, "FOLDER_ENTRIES", 50, raising=False)  # 100,000 in a real run
    crowded, honest = tmp_path / "crowded", tmp_path / "honest"
    for folder, files in ((crowded, 60), (honest, 10)):
        folder.mkdir()
        for n in range(files):
            (folder / f"f{n}").write_bytes(b"")

    async def watch(folder):
        km, flag = StandInManager(), {}
        task = asyncio.ensure_future(runner._watch_disk(folder, km, flag))
        await asyncio.sleep(0.6)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return km.killed, flag

    assert asyncio.run(watch(honest)) == (0, {})
    assert asyncio.run(watch(crowded)) == (1, {"files": True})
    assert "left more than 50 files" in runner._stop_message("files")


# --- what the channels keep ---------------------------------------------------------------------------


def test_a_reply_too_large_to_keep_stops_the_kernel(tmp_path):
    async def scenario():
        import zmq

        kernel_context = zmq.Context()
        kernel = kernel_sockets(kernel_context, tmp_path)
        stops = []

        async def on_stop(reason):
            stops.append(reason)

        context, channels, sub, dealer = await relay_to_client(tmp_path, on_stop=on_stop)
        try:
            await dealer.send_multipart([b"<IDS|MSG>", b"", b"request"])
            request = await kernel_received(kernel["shell"])
            identities = request[:request.index(b"<IDS|MSG>")]
            kernel["shell"].send_multipart([*identities, *message("execute_reply", b"r" * 500_000)[1:]])
            got = await received(dealer)
            assert len(got) == 1 and len(got[0][-1]) == 500_000 and stops == []  # honest: relayed
            # An error's reply carries its traceback: a 1.5 M-character message makes a 3 MB reply.
            kernel["shell"].send_multipart([*identities, *message("execute_reply", b"r" * 3_000_000)[1:]])
            await asyncio.sleep(0.5)
            assert stops == ["reply"]  # was nothing: the client waited for the reply until its time limit
        finally:
            await channels.close()
            context.destroy(linger=0)
            kernel_context.destroy(linger=0)

    asyncio.run(scenario())


def test_a_kernel_that_dies_before_it_takes_connections_is_noticed_at_once(tmp_path):
    """Bound but not listening: a refusal, retried only while the kernel lives."""
    import socket

    import zmq.asyncio

    bound = []
    for channel, port in PORTS.items():
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(tmp_path / f"kernel-ipc-{port}"))  # never listen()
        bound.append(sock)

    async def opening(is_alive: bool, timeout: float):
        context = zmq.asyncio.Context()
        channels = KernelChannels(context, tmp_path)

        async def alive():
            return is_alive

        started = time.monotonic()
        try:
            with pytest.raises(ChannelError) as caught:
                await channels.open(PORTS, tmp_path / "kernel-ipc", timeout, alive)
            return str(caught.value), time.monotonic() - started
        finally:
            await channels.close()
            context.destroy(linger=0)

    try:
        error, seconds = asyncio.run(opening(True, 1))  # honest: a live kernel gets its time
        assert "refused the connection" in error and seconds >= 1
        error, seconds = asyncio.run(opening(False, 10))
        assert "the kernel exited before its shell socket took connections" in error
        assert seconds < 1  # was the whole start-up time
    finally:
        for sock in bound:
            sock.close()


def test_a_student_cells_error_keeps_its_name_and_a_probes_its_message():
    nb = v4.new_notebook()
    for kind in ("setup", "student", "probe"):
        nb.cells.append(v4.new_code_cell(""))
        nb.cells[-1].metadata["grading"] = kind
    client = runner._GradingClient(nb, None, "T0")
    for index in range(3):
        client.output([], {"msg_type": "error", "content": {"ename": "ZeroDivisionError",
                                                             "evalue": "division by zero 48611"}}, None, index)
    assert client.errors == {0: "ZeroDivisionError", 1: "ZeroDivisionError",  # was "...: division by zero 48611"
                             2: "ZeroDivisionError: division by zero 48611"}  # the grader's own cell: as before


def test_one_large_answer_leaves_the_other_questions_lines_alone():
    nb = v4.new_notebook()
    for _ in range(6):
        nb.cells.append(v4.new_code_cell(""))
        nb.cells[-1].metadata["grading"] = "probe"
    client = runner._GradingClient(nb, None, "T0")
    large = "T0 " + "w" * 1_900_000 + "\n"  # a wrong but large answer, within the line limit

    def printed(index, text):
        client.output([], {"msg_type": "stream", "content": {"text": text}}, None, index)

    for index in range(5):
        printed(index, large)
    printed(5, "T0 " + "[1, 2]" + "\n")
    assert [len(client.collectors[index].lines) for index in range(6)] == [1] * 6  # was [1, 1, 1, 1, 0, 1]
    assert client.collectors[5].lines == ["[1, 2]"] and not client.cut
    printed(0, large)  # one question's own budget still holds
    assert len(client.collectors[0].lines) == 1 and client.collectors[0].cut and client.cut
    assert sum(len(line) for c in client.collectors.values() for line in c.lines) <= 6 * runner.MAX_TAGGED_QUESTION


def test_a_kernel_that_closes_its_connection_while_it_dies_is_not_blamed_for_closing_it():
    async def stop(km):
        flag = {}
        started = time.monotonic()
        await runner._stop_kernel(km, flag, "closed")
        return flag, km.killed, time.monotonic() - started

    flag, killed, seconds = asyncio.run(stop(StandInManager(dies_after=1.5)))
    assert (flag, killed) == ({}, 0) and seconds < 2  # was {"closed": True} and a kill
    flag, killed, seconds = asyncio.run(stop(StandInManager()))  # it keeps running: stopped
    assert (flag, killed) == ({"closed": True}, 1) and seconds >= runner.CLOSE_GRACE
    assert runner._stop_message("closed").startswith("closed its connection to the grader")


# --- the run's deadline and its clean-up (stand-in kernels) ----------------------------------------------


class StandInSandbox:
    """Starts ``script`` as the kernel, without any sandbox: enough for what happens before a kernel talks."""

    def __init__(self, script: str):
        self.script = script
        self.made, self.cleaned = [], []

    def make_workdir(self, scratch, slot):
        folder = Path(tempfile.mkdtemp(dir=scratch))
        self.made.append(folder)
        return folder

    def uid_for(self, slot):
        return None

    def argv(self, workdir, slot):
        return [sys.executable, "-c", self.script]

    def cleanup(self, workdir, slot):
        self.cleaned.append(workdir)
        shutil.rmtree(workdir, ignore_errors=True)

    def oom_kills(self, workdir):
        return False


def test_a_kernels_start_ends_by_the_notebooks_deadline(tmp_path):
    silent = StandInSandbox("import time; time.sleep(60)")  # never opens its sockets

    async def run():
        return await asyncio.wait_for(run_cells(["x = 1"], [], "T0", silent, 0, tmp_path, notebook_timeout=3,
                                                startup_timeout=60), 20)

    started = time.monotonic()
    try:
        result = asyncio.run(run())
    except asyncio.TimeoutError:
        pytest.fail("the kernel's start was given its whole start-up time, past the notebook's deadline")
    assert time.monotonic() - started < 8
    assert (result.status, result.notes) == ("timeout", [runner.OUT_OF_TIME])
    assert silent.cleaned == silent.made and len(silent.made) == 1

    honest = StandInSandbox("import time; time.sleep(60)")  # with time enough, the start's own limit holds
    result = asyncio.run(run_cells(["x = 1"], [], "T0", honest, 0, tmp_path, notebook_timeout=30,
                                   startup_timeout=2))
    assert result.status == "crashed" and result.notes[0].startswith("kernel failure: ")
    assert honest.cleaned == honest.made


def test_a_run_cancelled_while_it_cleans_up_still_cleans_up_and_leaves_no_atexit_hook(tmp_path, monkeypatch):
    registered = []
    monkeypatch.setattr(atexit, "register", lambda function, *a, **k: registered.append(function))
    monkeypatch.setattr(atexit, "unregister", lambda function: registered.remove(function)
                        if function in registered else None)
    shutting_down = []
    real_shutdown = runner._shutdown

    async def slow_shutdown(client, km):
        shutting_down.append(True)
        await asyncio.sleep(1)  # a kernel slow to stop: the grader's deadline comes meanwhile
        await real_shutdown(client, km)

    monkeypatch.setattr(runner, "_shutdown", slow_shutdown)
    exits = StandInSandbox("pass")  # exits before it opens its sockets

    async def scenario():
        honest = await run_cells(["x = 1"], [], "T0", exits, 0, tmp_path, notebook_timeout=30, startup_timeout=10)
        assert honest.status == "crashed" and "the kernel exited before it opened its sockets" in honest.notes[0]
        assert exits.cleaned == exits.made and registered == []  # was one atexit hook left per start
        task = asyncio.ensure_future(run_cells(["x = 1"], [], "T0", exits, 0, tmp_path, notebook_timeout=30,
                                               startup_timeout=10))
        while len(shutting_down) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert exits.cleaned == exits.made and len(exits.made) == 2  # was: the cancelled run's folder left behind
    assert registered == []


# --- real kernels (run under the grading lock) ----------------------------------------------------------


@pytest.fixture(scope="module")
def kernels():
    """(sandbox, slot, scratch) for run_cells with real kernels."""
    sandbox = detect_sandbox("auto")
    scratch = Path(tempfile.mkdtemp(prefix="course-runner-"))  # reachable by the kernels' users
    scratch.chmod(0o711)
    slot = claim_slot()
    try:
        yield sandbox, slot, scratch
    finally:
        release_slot(slot)
        shutil.rmtree(scratch, ignore_errors=True)


def test_an_error_too_large_to_reply_stops_its_kernel_at_once_and_keeps_only_names(kernels):
    sandbox, slot, scratch = kernels
    cells = ["x = 1", "raise ValueError('short message')",  # honest: an error, and its name
             "raise ValueError('z' * 1_500_000)", "y = 2"]  # a 3 MB reply: was dropped, the cell a timeout
    started = time.monotonic()
    result = asyncio.run(run_cells(cells, ["print('T0', x + y)", "raise KeyError('probe detail')"], "T0", sandbox,
                                   slot, scratch, cell_timeout=10, notebook_timeout=120))
    records = result.cells
    assert (records[2].status, records[2].error) == ("error", "ValueError")  # was "ValueError: short message"
    assert (records[3].status, records[3].error) == ("died", runner._stop_message("reply"))
    assert (records[4].status, records[5].status) == ("ok", "ok") and result.probe_lines[5] == ["3"]
    assert records[6].error == "KeyError: 'probe detail'"  # the grader's own cell keeps its message
    assert result.status == "crashed" and time.monotonic() - started < 30


def test_a_run_returns_what_it_has_when_the_notebooks_time_runs_out(kernels):
    sandbox, slot, scratch = kernels
    stubborn = ("import time\nwhile True:\n    try:\n        time.sleep(100)\n"
                "    except KeyboardInterrupt:\n        pass")  # swallows interrupts
    started = time.monotonic()
    result = asyncio.run(run_cells(["x = 1"], ["print('T0', x)", stubborn], "T0", sandbox, slot, scratch,
                                   cell_timeout=60, notebook_timeout=12))
    seconds = time.monotonic() - started
    assert seconds < 12 + 3  # was 12 s + the 5 s interrupt grace + another kernel's clean-up
    assert result.probe_lines == {2: ["1"]}  # read before the deadline, kept
    assert (result.cells[3].status, result.cells[3].error) == ("timeout", "stopped when the notebook's time ran out")
    assert result.status == "timeout" and runner.OUT_OF_TIME in result.notes and result.restarts == 0
