"""The grader's channel to a kernel: nothing a kernel controls redirects it, nothing it sends grows it.

A kernel is reached only through the sockets the grader checked and pinned when the kernel
started (``KernelChannels``): a notebook that swaps its sockets for links to a socket elsewhere
and drops its connections gets no connection from the grader there. What the grader keeps of a
kernel's output is bounded by constants: a notebook flooding about 2 GB of every kind of output,
and raising errors whose replies are 7 MB (read and named), leaves the grading process under
400 MB of peak memory. Honest controls in the same runs keep full marks; the fast tests below
check each piece against a ZeroMQ socket standing in for a kernel.
"""

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import zmq
import zmq.asyncio

from course_lib.grading import runner
from course_lib.grading.grader import Options, grade_many
from course_lib.grading.runner import (ChannelError, KernelChannels, TagCollector, _SandboxKernelManager, folder_size,
                                       open_kernel_socket)
from course_lib.grading.sandbox import detect_sandbox
from course_lib.grading.spec import load_sets
from test_grading_grader import NB02, SOLUTION, cells_of, notebook, write

ROOT = Path(__file__).resolve().parent.parent
SETS = load_sets(ROOT / "instructor" / "sets")
FULL02 = f"{SETS['ex02'].max_points:g}"
PEAK_MB = 400  # the grading process's peak resident memory while a notebook floods ~2 GB
MIDDLE = 'check("ex02.5")'

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")


# --- a ZeroMQ stand-in for a kernel ---------------------------------------------------------------

PORTS = {"shell": 1, "iopub": 2, "control": 4}


def kernel_sockets(context: zmq.Context, folder: Path) -> dict:
    """A kernel's shell, iopub and control sockets (ROUTER, XPUB, ROUTER) bound as ipykernel binds them."""
    sockets = {}
    for channel, kind in (("shell", zmq.ROUTER), ("iopub", zmq.XPUB), ("control", zmq.ROUTER)):
        sockets[channel] = context.socket(kind)
        sockets[channel].linger = 0
        sockets[channel].bind(f"ipc://{folder}/kernel-ipc-{PORTS[channel]}")
    return sockets


def message(kind: str, content: bytes = b"{}", buffers=()) -> list:
    """A Jupyter message's frames (unsigned: the channel never checks signatures, the client does)."""
    header = json.dumps({"msg_type": kind, "msg_id": "m"}).encode()
    return [b"topic", b"<IDS|MSG>", b"", header, b"{}", b"{}", content, *buffers]


async def relay_to_client(folder: Path, **kwargs):
    """Channels opened on the stand-in kernel in ``folder``, and a SUB and a DEALER client on them
    (made as the runner makes its clients': at most QUEUE messages wait in each)."""
    context = runner._context()
    channels = KernelChannels(context, folder, **kwargs)

    async def alive():
        return True

    await channels.open(PORTS, folder / "kernel-ipc", 5, alive)
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(channels.url("iopub"))
    dealer = context.socket(zmq.DEALER)
    dealer.connect(channels.url("shell"))
    return context, channels, sub, dealer


@contextlib.asynccontextmanager
async def stand_in_kernel(folder: Path, bind: bool = True):
    """A stand-in kernel bound in ``folder`` (``bind=False``: another process binds it), the channels
    the grader opens on it with a SUB and a DEALER client, and ``stops``: each reason the channels
    gave for stopping the kernel. Everything is closed on leaving."""
    kernel_context = zmq.Context()
    kernel = kernel_sockets(kernel_context, folder) if bind else None
    stops = []

    async def on_stop(reason):
        stops.append(reason)

    try:
        context, channels, sub, dealer = await relay_to_client(folder, on_stop=on_stop)
        try:
            yield SimpleNamespace(kernel=kernel, channels=channels, sub=sub, dealer=dealer, stops=stops)
        finally:
            await channels.close()
            context.destroy(linger=0)
    finally:
        kernel_context.destroy(linger=0)


async def received(sock, seconds: float = 1.0) -> list:
    """Every message ``sock`` receives until ``seconds`` pass without one."""
    got = []
    while await sock.poll(seconds * 1000):
        got.append(await sock.recv_multipart())
    return got


async def kernel_received(sock, seconds: float = 3.0) -> list:
    """The next message the stand-in kernel's (blocking) socket receives, waiting without blocking the loop."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return sock.recv_multipart(zmq.NOBLOCK)
        except zmq.Again:
            assert time.monotonic() < deadline, "nothing reached the kernel"
            await asyncio.sleep(0.02)


class Listener(threading.Thread):
    """A Unix socket in a folder no kernel can reach, counting the connections made to it."""

    def __init__(self):
        super().__init__(daemon=True)
        self.folder = tempfile.mkdtemp(prefix="course-listener-")  # 0700, the test's user's
        self.path = os.path.join(self.folder, "elsewhere")
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(self.path)
        self.server.listen(64)
        self.server.settimeout(0.1)
        self.connections = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self.stop.set()
        self.join()
        self.server.close()
        os.unlink(self.path)
        os.rmdir(self.folder)


# --- pinned sockets -------------------------------------------------------------------------------


def test_a_pinned_socket_stays_the_kernels_and_anything_else_is_refused(tmp_path):
    folder = os.open(tmp_path, os.O_PATH | os.O_DIRECTORY)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "kernel-ipc-1"))
    server.listen()
    listener = Listener()
    listener.start()
    try:
        pinned = open_kernel_socket(folder, "kernel-ipc-1", os.geteuid())  # honest: the kernel's socket
        (tmp_path / "kernel-ipc-1").unlink()
        (tmp_path / "kernel-ipc-1").symlink_to(listener.path)
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(f"/proc/self/fd/{pinned}")
            server.settimeout(1)
            server.accept()[0].close()  # the connection reached the pinned socket, not the link's target
        os.close(pinned)
        with pytest.raises(ChannelError, match="kernel-ipc-1 is a symbolic link"):
            open_kernel_socket(folder, "kernel-ipc-1", os.geteuid())
        (tmp_path / "file").write_text("x")
        with pytest.raises(ChannelError, match="file is not a socket"):
            open_kernel_socket(folder, "file", os.geteuid())
        assert open_kernel_socket(folder, "kernel-ipc-9", os.geteuid()) is None  # not bound yet
        other = socket.socket(socket.AF_UNIX)
        other.bind(str(tmp_path / "other"))
        with pytest.raises(ChannelError, match="belongs to user"):
            open_kernel_socket(folder, "other", os.geteuid() + 1)
        other.close()
        assert listener.connections == 0
        for bad, error in ((dict(name="../x"), ValueError), (dict(name=3), TypeError), (dict(owner=-1), ValueError),
                           (dict(folder="3"), TypeError)):
            arguments = {"folder": folder, "name": "kernel-ipc-1", "owner": 0, **bad}
            with pytest.raises(error, match=next(iter(bad))):
                open_kernel_socket(**arguments)
    finally:
        server.close()
        listener.close()
        os.close(folder)


def test_channels_refuse_bad_arguments(tmp_path):
    context = zmq.asyncio.Context()
    try:
        channels = KernelChannels(context, tmp_path)
        assert channels.url("shell") != channels.url("stdin")  # honest
        for call, error, words in ((lambda: KernelChannels(zmq.Context(), tmp_path), TypeError, "context"),
                                   (lambda: KernelChannels(context, tmp_path, owner="0"), TypeError, "owner"),
                                   (lambda: KernelChannels(context, tmp_path, owner=-1), ValueError, "owner"),
                                   (lambda: channels.url("debug"), ValueError, "channel")):
            with pytest.raises(error, match=words):
                call()
        with pytest.raises(ValueError, match="prefix"):
            asyncio.run(channels.open(PORTS, tmp_path.parent / "kernel-ipc", 1, None))
    finally:
        context.destroy(linger=0)


def test_the_grader_reads_no_connection_file_back_from_the_working_folder(tmp_path):
    context = zmq.asyncio.Context()
    km = _SandboxKernelManager(None, None, tmp_path, context=context, transport="ipc",
                               ip=str(tmp_path / "kernel-ipc"), connection_file=str(tmp_path / "kernel.json"))
    km.write_connection_file()
    info = km.get_connection_info()
    decoy = tmp_path / "decoy.json"
    decoy.write_text("not json {")
    (tmp_path / "kernel.json").unlink()
    (tmp_path / "kernel.json").symlink_to(decoy)  # what a kernel could leave there
    km._reconcile_connection_info(info)  # jupyter_client's own would read (and choke on) the link's target
    assert decoy.read_text() == "not json {" and (tmp_path / "kernel.json").is_symlink()
    with pytest.raises(ChannelError, match="not the one the grader wrote"):
        km._reconcile_connection_info({**info, "shell_port": info["shell_port"] + 100})
    context.destroy(linger=0)


def test_a_lost_connection_is_never_made_again_by_name(tmp_path):
    async def scenario():
        listener = Listener()
        listener.start()
        try:
            async with stand_in_kernel(tmp_path) as run:
                await run.dealer.send_multipart([b"<IDS|MSG>", b"", b"request"])  # honest: a request and its reply
                identities = await kernel_received(run.kernel["shell"])
                assert identities[-1] == b"request"
                run.kernel["shell"].send_multipart([*identities[:-1], b"reply"])
                assert (await received(run.dealer))[0][-1] == b"reply"
                for channel in PORTS:  # the kernel swaps its sockets for links and drops every connection
                    path = tmp_path / f"kernel-ipc-{PORTS[channel]}"
                    path.unlink()
                    path.symlink_to(listener.path)
                for sock in run.kernel.values():
                    sock.close()
                await asyncio.sleep(1.5)
                assert run.stops == ["closed"] and listener.connections == 0
        finally:
            listener.close()

    asyncio.run(scenario())


# --- what the channels keep -----------------------------------------------------------------------


def test_the_channels_relay_status_stream_and_error_and_drop_the_rest_as_it_arrives(tmp_path):
    async def scenario():
        async with stand_in_kernel(tmp_path) as run:
            await asyncio.sleep(0.3)  # the client's subscription reaches the kernel
            sent = [message("display_data", b"p" * 1_000_000),  # not read by grading
                    message("stream", b"s" * (runner.MAX_MESSAGE_BYTES + 1)),  # too large
                    message("comm_msg", b"{}", [b"c" * 100_000] * 40),  # not read by grading
                    message("stream", b"{}", [b"c" * 10] * runner.MAX_FRAMES),  # too many parts
                    message("status", b'{"execution_state": "idle"}'),  # honest: kept, as they are
                    message("stream", b'{"text": "T0 1\\n"}'),
                    message("error", b'{"ename": "ValueError"}')]
            for frames in sent:
                run.kernel["iopub"].send_multipart(frames)
            got = await received(run.sub)
            assert [frame[3] for frame in got] == [frames[3] for frames in sent[4:]]
            assert got == sent[4:]
            assert run.channels.oversized == 2 and run.stops == []

    asyncio.run(scenario())


def test_a_kernel_that_sends_more_than_the_output_limit_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "OUTPUT_LIMIT", 20 * 1024 * 1024)

    async def scenario():
        async with stand_in_kernel(tmp_path) as run:
            await asyncio.sleep(0.3)
            run.kernel["iopub"].send_multipart(message("stream", b'{"text": "x"}'))
            assert len(await received(run.sub)) == 1 and run.stops == []  # honest: a little output
            for _ in range(30):
                run.kernel["iopub"].send_multipart(message("display_data", b"p" * 1_000_000))
            await asyncio.sleep(1)
            assert run.stops == ["output"]
            assert 20 * 1024 * 1024 < run.channels.received < 21 * 1024 * 1024  # reading stopped there

    asyncio.run(scenario())


def test_tagged_lines_are_kept_within_their_limits_in_linear_time():
    honest = TagCollector("T0")
    started = time.monotonic()
    honest.feed("T0 ")
    for _ in range(20_000):  # a 2-million-character line in pieces (the old concatenation took 6 s)
        honest.feed("a" * 100)
    honest.feed("\n")
    assert time.monotonic() - started < 2
    assert honest.lines == ["a" * 2_000_000] and not honest.cut

    small = TagCollector("T0", 10)
    small.feed("T0 12345\nT0 6789\nT0 abc\nnoise T0 x\n")  # the third line is over its budget: dropped, and said
    assert (small.lines, small.cut) == (["12345", "6789"], True)

    many = TagCollector("T0")
    many.feed("T0 x\n" * (runner.MAX_TAGGED_LINES + 5))
    assert len(many.lines) == runner.MAX_TAGGED_LINES and many.cut
    long = TagCollector("T0")
    long.feed("T0 " + "y" * (runner.MAX_TAGGED_LINE + 1) + "\nT0 short\n")
    assert long.lines == ["short"] and long.cut
    untagged = TagCollector("T0")
    untagged.feed("z" * (runner.MAX_TAGGED_LINE * 3) + "\nT1 no\n")
    assert untagged.lines == [] and not untagged.cut
    for bad, error in (("", ValueError), ("T 0", ValueError), (3, TypeError)):
        with pytest.raises(error, match="tag"):
            TagCollector(bad)
    for bad, error in ((-1, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="chars"):
            TagCollector("T0", bad)


def test_the_working_folder_is_measured_without_following_a_swapped_folder(tmp_path, monkeypatch):
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    (work / "sub" / "deeper").mkdir(parents=True)
    (work / "sub" / "deeper" / "f").write_bytes(b"x" * 100)
    (work / "g").write_bytes(b"x" * 10)
    elsewhere.mkdir()
    (elsewhere / "big").write_bytes(b"x" * 1_000_000)
    assert 110 <= folder_size(work) < 100_000  # honest: its files (and its folders' own blocks)
    real_scandir = os.scandir

    def scandir_then_swap(target):
        listing = list(real_scandir(target))
        if any(entry.name == "sub" for entry in listing):  # the kernel swaps sub for a link meanwhile
            (work / "sub").rename(tmp_path / "moved")
            (work / "sub").symlink_to(elsewhere)

        class Listing(list):
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

        return Listing(listing)

    monkeypatch.setattr(os, "scandir", scandir_then_swap)
    assert 10 <= folder_size(work) < 100_000  # the link's target is not counted
    for bad, error in ((0, ValueError), (1.5, TypeError)):
        with pytest.raises(error, match="limit"):
            folder_size(work, limit=bad)


# --- real kernels --------------------------------------------------------------------------------


def test_a_kernel_that_swaps_its_sockets_for_links_gets_no_connection_from_the_grader(tmp_path):
    listener = Listener()
    listener.start()
    try:
        sub = tmp_path / "submitted"
        paths = [write(sub, "redirect", NB02, notebook(SOLUTION[NB02], insert_after=MIDDLE,
                                                         extra=cells_of("channel_redirect", TARGET=listener.path))),
                 write(sub, "control", NB02, notebook(SOLUTION[NB02]))]
        sandbox = detect_sandbox("auto")
        results = grade_many(paths, SETS, Options(cell_timeout=10, notebook_timeout=90), sandbox, jobs=2,
                             progress=False)
        time.sleep(1)  # a reconnection would come within ZeroMQ's 0.1 s retry
    finally:
        listener.close()
    rows = {r.student: r for r in results}
    assert listener.connections == 0
    assert (f"{rows['control'].total:g}", rows["control"].status) == (FULL02, "ok")
    redirect = rows["redirect"]
    assert (f"{redirect.total:g}", redirect.status) == (FULL02, "crashed"), redirect.reason
    assert runner._stop_message("closed") in redirect.reason


FLOOD_RUN = """
import json, re, sys
from pathlib import Path
from course_lib.grading.grader import Options, grade_many
from course_lib.grading.sandbox import detect_sandbox
from course_lib.grading.spec import load_sets


def memory():
    status = Path("/proc/self/status").read_text()
    return {key: int(re.search(rf"^{key}:\\s+(\\d+) kB", status, re.M).group(1)) // 1024 for key in ("VmRSS", "VmHWM")}


sets = load_sets(Path(sys.argv[1]))
sandbox = detect_sandbox("auto")
before = memory()
results = grade_many(sys.argv[2:], sets, Options(cell_timeout=30, notebook_timeout=240), sandbox, jobs=1,
                     progress=False)
print(json.dumps({"before": before, "after": memory(),
                  "rows": {r.student: [r.total, r.status, r.reason, r.notes, r.seconds] for r in results}}))
"""


# Errors with the longest message whose reply the grader still reads (about 7 MB each, as is their
# error message on iopub): a reply is kept up to MAX_REPLY_BYTES, as large as an iopub message.
LONG_ERRORS = ["raise ValueError('e' * 3_500_000)"] * 3


@pytest.fixture(scope="module")
def flood(tmp_path_factory):
    sub = tmp_path_factory.mktemp("flood") / "submitted"
    paths = [write(sub, "control", NB02, notebook(SOLUTION[NB02])),
             write(sub, "flood", NB02, notebook(SOLUTION[NB02], insert_after=MIDDLE,
                                               extra=[*cells_of("output_flood"), *LONG_ERRORS]))]
    done = subprocess.run([sys.executable, "-c", FLOOD_RUN, str(ROOT / "instructor" / "sets"), *map(str, paths)],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"grading process: {report['before']['VmRSS']} MB before grading, peak {report['after']['VmHWM']} MB; "
          f"flood graded in {report['rows']['flood'][4]:.0f} s")
    return report


def test_a_flooding_notebook_leaves_the_grader_under_its_memory_bound(flood):
    assert flood["after"]["VmHWM"] < PEAK_MB, flood["after"]


def test_the_flooding_notebook_is_told_why_and_its_neighbour_keeps_full_marks(flood):
    total, status, reason, notes, _ = flood["rows"]["control"]
    assert (f"{total:g}", status, reason) == (FULL02, "ok", "")
    total, status, reason, notes, _ = flood["rows"]["flood"]
    assert status == "crashed" and f"sent more than {runner.OUTPUT_LIMIT // 2**20} MB of output; skipped" in reason
    assert any("went unread" in note for note in notes), notes
    assert sum(note.endswith(": ValueError.") for note in notes) == len(LONG_ERRORS), notes  # read and named
