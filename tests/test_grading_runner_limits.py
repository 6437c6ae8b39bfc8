"""The runner's own limits hold whatever a kernel does, and every run ends by its deadline.

Each test pairs an attack or a failure with an honest control. The disk watch: a folder it
cannot count (too many entries, too deep, or one a grader that is not root may not look into) is
stopped like a full one; blocks a file holds count even when its size says less, and so do files
a kernel removed but holds open; a fall of the disk's free space that the count does not explain
stops the kernel, blaming it only when the space comes back as it ends (and then running it
again, counted), never for a moment's dip; a kernel short of space waits while another job's is
stopped and looks again, and no working folder is deleted meanwhile. A grader that is not root
runs these attacks in bubblewrap for real. The channels: an honest error's reply of a few MB is read and its cell keeps
what it set, a larger reply stops its kernel at once, and replies the client does not read wait
in a bounded queue. A student cell's error keeps only its name, and a message the client cannot
read is named by its type only; one question's large answer leaves the others' lines alone, and
all of a notebook's answers are kept within an overall budget; a kernel that dies before it takes
connections is noticed at once; a kernel that closes its connection while it dies is reported as
dead. A kernel that cannot start says why in the sandbox's own words (escaped, bounded), and a
sandbox that cannot be made on a restart keeps what was read. A kernel's start never passes the
notebook's deadline, a run returns what it has at that deadline, and a run cancelled during its
clean-up still cleans up, leaving no ``atexit`` hook. The fast tests use stand-ins; the last ones
start real kernels in the sandbox.
"""

import asyncio
import atexit
import ctypes
import fcntl
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pytest
from nbformat import v4

from course_lib.grading import runner
from course_lib.grading.runner import ChannelError, KernelChannels, folder_size, held_files, run_cells
from course_lib.grading.sandbox import SandboxError, claim_slot, detect_sandbox, readable_by_others, release_slot
from test_grading_channel import PORTS, kernel_received, message, received, stand_in_kernel

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def used(folder: Path) -> int:
    """What ``folder`` takes on disk, counted as the disk watch counts: each entry, folders
    included, by its size or by the blocks it holds, whichever is more."""
    total = 0
    for top, _, files in os.walk(folder):
        for name in [".", *files]:  # each folder once, as its own "."
            info = os.lstat(os.path.join(top, name))
            total += max(info.st_size, info.st_blocks * 512)
    return total


def fallocate_keep_size(descriptor: int, size: int) -> None:
    """Allocate ``size`` bytes to an open file without changing its size (FALLOC_FL_KEEP_SIZE)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
    if libc.fallocate(descriptor, 1, 0, size) != 0:
        pytest.skip(f"this file system does not allocate without a size: {os.strerror(ctypes.get_errno())}")


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
    assert 1000 <= folder_size(tmp_path / "shallow") <= used(tmp_path / "shallow")  # honest: counted in full
    assert 5_000_000 <= folder_size(many, limit=12) <= used(many)  # honest: within the count
    assert folder_size(deep) is None  # was 0
    assert folder_size(many, limit=10) is None  # was 0 (the big file came after the limit)
    assert folder_size(tmp_path / "gone") == 0  # a folder already removed holds nothing
    assert open_descriptors() == before  # every folder the walk opened is closed again


def test_blocks_a_file_holds_count_even_when_its_size_says_less(tmp_path):
    honest = tmp_path / "honest"
    honest.mkdir()
    (honest / "data").write_bytes(b"x" * 100_000)
    assert 100_000 <= folder_size(honest) <= used(honest) < 200_000  # honest: about its size
    sparse = tmp_path / "sparse"
    sparse.mkdir()
    descriptor = os.open(sparse / "f", os.O_WRONLY | os.O_CREAT)
    try:
        fallocate_keep_size(descriptor, 64 * 1024 * 1024)  # escapes prlimit --fsize: the size stays 0
    finally:
        os.close(descriptor)
    assert (sparse / "f").stat().st_size == 0
    assert folder_size(sparse) >= 64 * 1024 * 1024  # was 0


NOBODY = 65534

# As a grader that is not root, which cannot look into what its kernel (same user) made unreadable.
UNREADABLE = r"""
import json, os, sys, time
sys.path[:0] = json.loads(sys.argv[2])
from course_lib.grading.runner import folder_size
work = sys.argv[1]
found = {"honest": folder_size(work)}
os.chmod(os.path.join(work, "sub"), 0)  # cannot be listed
found["closed"] = folder_size(work)
os.chmod(os.path.join(work, "sub"), 0o400)  # listed, but its entries cannot be looked at
found["unsearchable"] = folder_size(work)
os.chmod(os.path.join(work, "sub"), 0o700)
os.chmod(work, 0)  # the working folder itself
found["top"] = folder_size(work)
os.chmod(work, 0o700)
found["again"] = folder_size(work)
print(json.dumps(found))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="drops from root to user 65534 (a grader that is not root)")
def test_a_folder_a_grader_that_is_not_root_may_not_look_into_counts_as_full():
    paths = [str(Path(runner.__file__).resolve().parents[2]), sysconfig.get_paths()["purelib"]]
    if not all(readable_by_others(Path(path)) for path in paths):
        pytest.skip("the course or its packages lie where user 65534 cannot pass")
    work = Path(tempfile.mkdtemp(prefix="course-unreadable-"))  # in TMPDIR: a folder user 65534 can reach
    try:
        (work / "sub").mkdir()
        (work / "sub" / "big").write_bytes(b"x" * 10_000_000)  # could as well be millions of files
        for path in (work, work / "sub", work / "sub" / "big"):
            os.chown(path, NOBODY, NOBODY)
        done = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                               sys.executable, "-I", "-c", UNREADABLE, str(work), json.dumps(paths)],
                              capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["honest"] >= 10_000_000 and found["again"] == found["honest"]  # honest: counted in full
    assert (found["closed"], found["unsearchable"], found["top"]) == (None, None, None)  # were 0, 0 and 0


HOLDER = r"""
import os, sys, time
path = sys.argv[1]
handle = open(path, "wb")
os.posix_fallocate(handle.fileno(), 0, int(sys.argv[2]))
if sys.argv[3] == "remove":
    os.unlink(path)
print("ready", flush=True)
time.sleep(60)
"""


def hold(path: Path, size: int, remove: bool) -> subprocess.Popen:
    """A process standing in for a kernel: it allocates ``size`` bytes to ``path`` and holds it open."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(size), "remove" if remove else "keep"],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"
    return process


class StandInManager:
    """Just what the runner asks of a kernel manager: is_alive(), provisioner.kill(), provisioner.process."""

    def __init__(self, dies_after: float | None = None, process: subprocess.Popen | None = None, on_kill=None):
        self.killed = 0
        self.dies = None if dies_after is None else time.monotonic() + dies_after
        self.process = process
        self.on_kill = on_kill
        self.provisioner = self

    async def kill(self):
        self.killed += 1
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        if self.on_kill is not None:
            self.on_kill()

    async def is_alive(self):
        return self.dies is None or time.monotonic() < self.dies


async def watch(folder: Path, km, seconds: float) -> dict:
    """The disk watch on ``folder`` for ``km``, for ``seconds`` (or until it stops the kernel): its flag."""
    flag = {}
    task = asyncio.ensure_future(runner._watch_disk(folder, km, flag))
    await asyncio.wait({task}, timeout=seconds)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return flag


def test_files_a_kernel_removed_but_holds_open_count_as_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "DISK_POLL", 0.05)
    monkeypatch.setattr(runner, "DISK_LIMIT", 32 * 1024 * 1024)
    honest_folder, hiding_folder = tmp_path / "honest", tmp_path / "hiding"
    honest_folder.mkdir()
    hiding_folder.mkdir()
    honest = hold(honest_folder / "kept", 4 * 1024 * 1024, remove=False)  # in its folder, counted there
    hiding = hold(hiding_folder / "gone", 64 * 1024 * 1024, remove=True)  # in no folder any more
    try:
        device = os.stat(tmp_path).st_dev
        assert held_files([honest.pid], device) == 0
        assert held_files([hiding.pid], device) >= 64 * 1024 * 1024
        assert folder_size(hiding_folder) < 64 * 1024 * 1024  # the walk alone sees nothing (was all there was)
        honest_km, hiding_km = StandInManager(process=honest), StandInManager(process=hiding)
        assert asyncio.run(watch(honest_folder, honest_km, 1)) == {} and honest_km.killed == 0
        assert asyncio.run(watch(hiding_folder, hiding_km, 1)) == {"disk": True} and hiding_km.killed == 1
    finally:
        for process in (honest, hiding):
            process.kill()
            process.wait()


def test_the_disk_watch_stops_a_kernel_whose_folder_it_cannot_count(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "DISK_POLL", 0.05)
    monkeypatch.setattr(runner, "FOLDER_ENTRIES", 50, raising=False)  # 100,000 in a real run
    crowded, honest = tmp_path / "crowded", tmp_path / "honest"
    for folder, files in ((crowded, 60), (honest, 10)):
        folder.mkdir()
        for n in range(files):
            (folder / f"f{n}").write_bytes(b"")

    km = StandInManager()
    assert asyncio.run(watch(honest, km, 0.6)) == {} and km.killed == 0
    assert asyncio.run(watch(crowded, km, 0.6)) == {"files": True} and km.killed == 1
    assert "left more than 50 files" in runner._stop_message("files")


class Disk:
    """A stand-in for the disk's free space (runner._free_space), moved by the test."""

    def __init__(self):
        self.free = 100 * 1024 ** 3

    def __call__(self, path):
        return self.free


@pytest.fixture
def disk(monkeypatch):
    stand_in = Disk()
    monkeypatch.setattr(runner, "_free_space", stand_in)
    monkeypatch.setattr(runner, "DISK_POLL", 0.05)
    monkeypatch.setattr(runner, "SPACE_GRACE", 0.3)
    monkeypatch.setattr(runner, "RELEASE_WAIT", 0.5)
    monkeypatch.setattr(runner, "DISK_LIMIT", 64 * 1024 * 1024)
    return stand_in


def test_a_fall_of_free_space_stops_the_kernel_and_blames_it_only_when_the_space_comes_back(tmp_path, disk):
    limit = runner.DISK_LIMIT

    async def scenario(drop: int, lasts: float, gives_back: bool):
        """The disk's free space falls by ``drop`` for ``lasts`` s once the watch runs; stopping the
        kernel gives it back or not."""
        folder = Path(tempfile.mkdtemp(dir=tmp_path))
        disk.free = 100 * 1024 ** 3
        km = StandInManager(on_kill=(lambda: setattr(disk, "free", disk.free + drop)) if gives_back else None)

        async def fall():
            await asyncio.sleep(0.2)
            disk.free -= drop
            await asyncio.sleep(lasts)
            if not km.killed:
                disk.free += drop  # another process deleted what it wrote

        faller = asyncio.ensure_future(fall())
        flag = await watch(folder, km, 1.5)
        faller.cancel()
        return flag, km.killed

    # Honest: within the limit, or a moment's dip from another process, stops nothing.
    assert asyncio.run(scenario(limit // 2, 2, gives_back=False)) == ({}, 0)
    assert asyncio.run(scenario(2 * limit, 0.1, gives_back=False)) == ({}, 0)
    # Another process keeps the space: the kernel is stopped (the disk must not fill), blamed for nothing.
    assert asyncio.run(scenario(2 * limit, 2, gives_back=False)) == ({"space": True}, 1)
    # The kernel held it where no count sees it (a descriptor in flight, say): it comes back as it stops.
    assert asyncio.run(scenario(2 * limit, 2, gives_back=True)) == ({"hidden": True}, 1)  # was ({}, 0)
    assert "came back" in runner._stop_message("hidden") and "none of it" in runner._stop_message("space")


def test_a_kernel_short_of_free_space_waits_for_the_runs_other_stops_and_looks_again(tmp_path, disk):
    """Stops on free space are taken one at a time in a run (a lock in its scratch folder): a kernel
    that sees the disk fall while another job's kernel is being stopped for it looks again first."""
    limit = runner.DISK_LIMIT
    honest = tmp_path / "honest"
    honest.mkdir()

    async def scenario(given_back: bool):
        disk.free = 100 * 1024 ** 3
        km = StandInManager()
        lock = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)  # the run locks its scratch folder itself
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another job's kernel is being stopped for the space it hid
            task = asyncio.ensure_future(watch(honest, km, 2))
            await asyncio.sleep(0.1)
            disk.free -= 2 * limit
            await asyncio.sleep(1)  # past the grace: this kernel's watch waits for the lock
            assert km.killed == 0
            if given_back:
                disk.free += 2 * limit  # that kernel's processes ended, and what they held is free
        finally:
            os.close(lock)
        return await task, km.killed

    assert asyncio.run(scenario(given_back=True)) == ({}, 0)  # the other kernel took it: this one goes on
    assert asyncio.run(scenario(given_back=False)) == ({"space": True}, 1)  # still short: stopped, not blamed


def test_a_working_folder_is_deleted_only_while_no_stop_is_being_measured(tmp_path):
    """Deleting a folder frees space: were it to happen while another job measures what its stopped
    kernel gives back, that kernel would look as if it had held it."""
    sandbox = StandInSandbox("pass")
    workdir = sandbox.make_workdir(tmp_path, 0)

    async def scenario():
        lock = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)  # the run locks its scratch folder itself
        fcntl.flock(lock, fcntl.LOCK_EX)  # another job measures
        cleaning = asyncio.ensure_future(runner._clean_up(None, None, None, None, sandbox, workdir, 0,
                                                           runner._ErrorOutput()))
        await asyncio.sleep(0.5)
        waited = sandbox.cleaned == []
        os.close(lock)
        await cleaning
        return waited

    assert asyncio.run(scenario()) and sandbox.cleaned == [workdir] and not workdir.exists()


# --- what the channels keep ---------------------------------------------------------------------------


def test_a_reply_too_large_to_keep_stops_the_kernel(tmp_path):
    async def scenario():
        async with stand_in_kernel(tmp_path) as run:
            await run.dealer.send_multipart([b"<IDS|MSG>", b"", b"request"])
            request = await kernel_received(run.kernel["shell"])
            identities = request[:request.index(b"<IDS|MSG>")]
            # An honest error's reply carries its message twice: a 1.5 M-character one makes a 3 MB reply.
            run.kernel["shell"].send_multipart([*identities, *message("execute_reply", b"r" * 3_000_000)[1:]])
            got = await received(run.dealer)
            assert len(got) == 1 and len(got[0][-1]) == 3_000_000 and run.stops == []  # was a stop: relayed now
            run.kernel["shell"].send_multipart([*identities, *message("execute_reply",
                                                                      b"r" * (runner.MAX_REPLY_BYTES + 1))[1:]])
            await asyncio.sleep(0.5)
            assert run.stops == ["reply"]  # a reply past the limit still stops the kernel at once

    asyncio.run(scenario())


REPLIER = r"""
import sys
import zmq
folder, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
context = zmq.Context()
shell = context.socket(zmq.ROUTER)
shell.bind(f"ipc://{folder}/kernel-ipc-1")
iopub = context.socket(zmq.XPUB)
iopub.bind(f"ipc://{folder}/kernel-ipc-2")
control = context.socket(zmq.ROUTER)
control.bind(f"ipc://{folder}/kernel-ipc-4")
print("bound", flush=True)
request = shell.recv_multipart()
identities = request[:request.index(b"<IDS|MSG>")]
for _ in range(count):
    shell.send_multipart([*identities, b"<IDS|MSG>", b"", b'{"msg_type": "execute_reply", "msg_id": "m"}', b"{}",
                          b"{}", b"r" * size])
sys.stdin.read()
"""


def memory(key: str) -> int:
    """This process's ``VmRSS`` or ``VmHWM`` (peak), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def test_replies_the_client_does_not_read_wait_in_a_bounded_queue(tmp_path):
    """Replies as large as an iopub message are kept now: a kernel sending many the client never
    reads leaves the grader holding a few of them (QUEUE on each side), never all."""
    count, size = 40, runner.MAX_REPLY_BYTES - 4096  # 320 MB in all
    kernel = subprocess.Popen([sys.executable, "-c", REPLIER, str(tmp_path), str(count), str(size)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # its memory is not ours

    async def scenario():
        assert await asyncio.to_thread(kernel.stdout.readline) == "bound\n"
        async with stand_in_kernel(tmp_path, bind=False) as run:
            await run.dealer.send_multipart([b"<IDS|MSG>", b"", b"request"])
            try:
                Path("/proc/self/clear_refs").write_text("5")  # the peak counts from here
            except OSError:
                pytest.skip("this kernel does not let a process reset its peak memory")
            before = memory("VmRSS")
            ends = time.monotonic() + 60
            while run.channels.received < count * size and time.monotonic() < ends:
                await asyncio.sleep(0.05)
            grown = memory("VmHWM") - before
            kept = await received(run.dealer)  # what waited for the client
            return run.channels.received, grown, len(kept), list(run.stops)

    try:
        read, grown, kept, stops = asyncio.run(scenario())
    finally:
        kernel.kill()
        kernel.wait()
    assert read >= count * size and stops == []  # every reply read (was a stop at the first: over 1 MB)
    assert 1 <= kept <= 2 * runner.QUEUE + 1
    print(f"grader's memory grew by {grown / 2**20:.0f} MB while {read / 2**20:.0f} MB of replies went unread")
    # The queue on both sides, the reply being read and its copy on the way: about 7 (56 MB), never 40.
    assert grown < 10 * runner.MAX_REPLY_BYTES


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


def probe_client(probes: int) -> runner._GradingClient:
    nb = v4.new_notebook()
    for _ in range(probes):
        nb.cells.append(v4.new_code_cell(""))
        nb.cells[-1].metadata["grading"] = "probe"
    return runner._GradingClient(nb, None, "T0")


def printed(client: runner._GradingClient, index: int, text: str) -> None:
    client.output([], {"msg_type": "stream", "content": {"text": text}}, None, index)


def test_one_large_answer_leaves_the_other_questions_lines_alone():
    client = probe_client(6)
    budget = runner.question_budget(6)
    large = "T0 " + "w" * (budget - 10) + "\n"  # a wrong but large answer, within its question's budget
    for index in range(5):
        printed(client, index, large)
    printed(client, 5, "T0 " + "[1, 2]" + "\n")
    assert [len(client.collectors[index].lines) for index in range(6)] == [1] * 6  # was [1, 1, 1, 1, 0, 1]
    assert client.collectors[5].lines == ["[1, 2]"] and not client.cut
    printed(client, 0, large)  # one question's own budget still holds
    assert len(client.collectors[0].lines) == 1 and client.collectors[0].cut and client.cut
    assert sum(len(line) for c in client.collectors.values() for line in c.lines) <= 6 * budget


def test_a_notebooks_answers_are_kept_within_an_overall_budget():
    """17 questions (ex02) each answered with lines of 4-byte characters, one left unfinished: the
    run keeps at most MAX_TAGGED_TOTAL characters of them in all (was 17 x 2 M), and each
    question's honest answer (the course's largest is 0.2 M characters) still fits its own floor."""
    client = probe_client(17)
    smile = "\U0001F600"
    for index in range(17):
        printed(client, index, "T0 " + smile * 400_000 + "\n")  # a wrong answer of 1.6 MB: kept
        printed(client, index, "T0 " + smile * 1_500_000)  # a line left unfinished (held while it arrives)
    pieces = [piece for c in client.collectors.values() for piece in [*c.lines, *c._pieces]]
    assert sum(map(len, pieces)) <= runner.MAX_TAGGED_TOTAL  # was 17 x 1.9 M = 32 M characters (130 MB)
    assert all(len(c.lines) == 1 for c in client.collectors.values()) and client.cut
    honest = probe_client(17)
    for index in range(17):
        printed(honest, index, "T0 " + "[0.5, 1.5]" * 20_000 + "\n")  # 0.2 M characters each
    assert all(len(c.lines) == 1 for c in honest.collectors.values()) and not honest.cut
    assert runner.question_budget(2) == runner.MAX_TAGGED_QUESTION  # a short notebook's answers: as before
    assert runner.question_budget(17) >= runner.MIN_TAGGED_QUESTION > 200_000


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


def test_a_kernel_that_cannot_start_says_why_in_its_own_words(tmp_path):
    """Its error output until then is the sandbox's (its cover script naming a folder it refuses,
    bubblewrap, Python), never a student's: the note keeps its end, escaped and bounded."""
    refused = StandInSandbox("import sys\n"
                             "sys.stderr.write('sandbox: /tmp/pub\\n\\x1b]0;x\\x07 is a link now: refused\\n')\n"
                             "sys.exit(125)")
    result = asyncio.run(run_cells(["x = 1"], [], "T0", refused, 0, tmp_path, notebook_timeout=30,
                                   startup_timeout=10))
    note = result.notes[0]
    assert result.status == "crashed"
    assert note.startswith("kernel failure: the kernel exited before it opened its sockets")
    assert note.endswith("; its error output: sandbox: /tmp/pub / \\x1b]0;x\\x07 is a link now: refused")  # was none
    assert note.isprintable()
    silent = StandInSandbox("import sys; sys.exit(125)")  # honest: nothing said, nothing added
    result = asyncio.run(run_cells(["x = 1"], [], "T0", silent, 0, tmp_path, notebook_timeout=30, startup_timeout=10))
    assert result.notes == ["kernel failure: the kernel exited before it opened its sockets"]
    chatty = StandInSandbox("import sys, time\nsys.stderr.write('x' * 1_000_000 + '\\nlast words\\n')\n"
                            "sys.stderr.flush()\ntime.sleep(60)")  # more than a pipe holds: read as it comes
    result = asyncio.run(run_cells(["x = 1"], [], "T0", chatty, 0, tmp_path, notebook_timeout=30, startup_timeout=3))
    note = result.notes[0]
    assert note.startswith("kernel failure: the kernel did not start within 3 s; its error output: xxx")
    assert note.endswith(" / last words") and len(note) < 400  # its end, never the megabyte
    assert refused.cleaned == refused.made and chatty.cleaned == chatty.made


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


def test_an_honest_long_error_is_named_and_only_a_reply_past_the_limit_stops_its_kernel(kernels):
    sandbox, slot, scratch = kernels
    cells = ["x = 1", "raise ValueError('short message')",  # honest: an error, and its name
             "y = 2\nraise ValueError('z' * 1_500_000)",  # honest too: a 3 MB reply (was a stop, y lost)
             "raise ValueError('z' * 5_000_000)",  # a 10 MB reply: stops its kernel at once
             "w = 3"]
    started = time.monotonic()
    result = asyncio.run(run_cells(cells, ["print('T0', x + y + w)", "raise KeyError('probe detail')"], "T0",
                                   sandbox, slot, scratch, cell_timeout=10, notebook_timeout=120))
    records = result.cells
    assert (records[2].status, records[2].error) == ("error", "ValueError")  # was "ValueError: short message"
    assert (records[3].status, records[3].error) == ("error", "ValueError")  # was ("died", reply over 1 MB)
    assert (records[4].status, records[4].error) == ("died", runner._stop_message("reply"))
    assert records[5].status == "ok" and result.probe_lines[6] == ["6"]  # what the long error's cell set is kept
    assert records[7].error == "KeyError: 'probe detail'"  # the grader's own cell keeps its message
    assert result.status == "crashed" and result.restarts == 1 and time.monotonic() - started < 40


FORGED = """import json, time
kernel = get_ipython().kernel
header = json.dumps({"msg_id": "forged", "msg_type": "stream", "session": "s", "username": "u",
                     "date": "2024-01-01T00:00:00Z", "version": "5.3"}).encode()
kernel.iopub_socket.send_multipart([b"stream", b"<IDS|MSG>", b"[[3, -1, 4], 'hidden 48611']", header, b"{}", b"{}",
                                    json.dumps({"name": "stdout", "text": "x"}).encode()])
time.sleep(2)"""


def test_a_message_the_client_cannot_read_is_named_by_its_type_only(kernels):
    """A signature the kernel chose (a probe's hidden inputs, say) would reach the feedback in the
    error's text (ValueError: Invalid Signature: b'...'); only the error's name does."""
    sandbox, slot, scratch = kernels
    result = asyncio.run(run_cells(["x = 1", FORGED], ["print('T0', x)"], "T0", sandbox, slot, scratch,
                                   cell_timeout=20, notebook_timeout=60))
    assert result.cells[1].status == "ok"  # honest: the cell before it ran
    assert result.status == "crashed"
    assert result.notes == ["kernel failure: the grader could not go on reading the kernel's messages (ValueError)"]
    # Was "kernel failure: ValueError: Invalid Signature: b\"[[3, -1, 4], 'hidden 48611']\"".
    assert not any("48611" in note for note in result.notes)


class RefusedOnRestart:
    """The run's sandbox, refusing every working folder after the first (a folder to cover that
    was swapped for a link meanwhile, say, whose name another user chose)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.made = 0

    def make_workdir(self, scratch, slot):
        self.made += 1
        if self.made > 1:
            raise SandboxError("/tmp/pub\n\x1b[2J was a folder any user may write to and now leads to /etc")
        return self.sandbox.make_workdir(scratch, slot)

    def __getattr__(self, name):
        return getattr(self.sandbox, name)


def test_a_sandbox_refused_on_a_restart_keeps_what_was_read(kernels):
    sandbox, slot, scratch = kernels
    refusing = RefusedOnRestart(sandbox)
    result = asyncio.run(run_cells(["x = 1"], ["print('T0', x)", "import os\nos._exit(3)"], "T0", refusing, slot,
                                   scratch, cell_timeout=20, notebook_timeout=60))  # was: SandboxError raised
    assert refusing.made == 2 and result.status == "crashed"
    assert result.probe_lines == {2: ["1"]}  # read by the first kernel, kept (was lost with the whole row)
    note = result.notes[-1]
    assert note.startswith("kernel failure: its sandbox could not be made: SandboxError: /tmp/pub\\x0a\\x1b[2J was")
    assert note.isprintable()


class FreeSpace:
    """The disk's free space as the watch sees it (runner._free_space), moved by what a kernel does
    in its working folder: a file ``others`` there stands for another process writing (the first
    kernel's only), a file ``held`` locked by the kernel for space it holds until it ends."""

    FULL = 10 ** 13

    def __init__(self):
        self.first = None

    def __call__(self, path):
        path = Path(path)
        if self.first not in (None, path):
            return self.FULL
        if (path / "others").exists():
            self.first = path
            return self.FULL - 3 * runner.DISK_LIMIT
        try:
            handle = os.open(path / "held", os.O_RDONLY)
        except OSError:
            return self.FULL
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return self.FULL  # its kernel has ended
        except BlockingIOError:
            self.first = path
            return self.FULL - 3 * runner.DISK_LIMIT
        finally:
            os.close(handle)


WORKDIR = "import fcntl, os, sys, time\nwork = os.path.dirname(sys.argv[sys.argv.index('-f') + 1])\n"


def test_a_kernel_stopped_for_free_space_runs_again_counted_only_if_it_held_the_space(kernels, monkeypatch):
    """MAX_RESTARTS 0: a counted restart gives up at once, a free one runs the notebook again."""
    sandbox, slot, scratch = kernels
    monkeypatch.setattr(runner, "MAX_RESTARTS", 0)
    monkeypatch.setattr(runner, "SPACE_GRACE", 0.5)
    monkeypatch.setattr(runner, "RELEASE_WAIT", 1.5)
    others = WORKDIR + "open(os.path.join(work, 'others'), 'w').close()\ntime.sleep(8)"
    holds = WORKDIR + "held = open(os.path.join(work, 'held'), 'w')\nfcntl.flock(held, fcntl.LOCK_EX)\ntime.sleep(8)"

    def run(cell):
        monkeypatch.setattr(runner, "_free_space", FreeSpace())
        return asyncio.run(run_cells(["x = 1", cell, "y = 2"], ["print('T0', x + y)"], "T0", sandbox, slot, scratch,
                                     cell_timeout=20, notebook_timeout=90))

    result = run(others)  # honest: another process filled the disk while the cell ran
    assert (result.status, result.restarts, result.cells[2].status) == ("ok", 1, "ok")  # run again, not counted
    assert result.probe_lines == {4: ["3"]} and runner.SPACE_NOTE in result.notes
    result = run(holds)  # the kernel held the space: it came back when it was stopped
    assert (result.cells[2].status, result.cells[2].error) == ("died", runner._stop_message("hidden"))  # was "ok"
    assert result.status == "crashed" and "gave up after repeated kernel restarts" in result.notes


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


# --- a grader that is not root: bubblewrap, the working folder on disk ----------------------------------

NONROOT_RUN = r"""
import asyncio, json, site, sys, tempfile
site.addsitedir(sys.argv[1])
from pathlib import Path
from course_lib.grading import runner
from course_lib.grading.sandbox import claim_slot, detect_sandbox, release_slot

runner.DISK_LIMIT = 100 * 2**20
runner.MAX_RESTARTS = 1
sandbox = detect_sandbox("bwrap")
scratch = Path(tempfile.mkdtemp(prefix="course-watch-"))
slot = claim_slot()
found = {}
try:
    for name, cell in json.loads(sys.argv[2]).items():
        result = asyncio.run(runner.run_cells(["x = 1", cell, "y = 2"], ["print('T0', x + y)"], "T0", sandbox, slot,
                                              scratch, cell_timeout=40, notebook_timeout=120))
        found[name] = {"status": result.status, "cell": [result.cells[2].status, result.cells[2].error],
                       "lines": list(result.probe_lines.values()), "notes": result.notes}
finally:
    release_slot(slot)
print(json.dumps({"root": sandbox.root, "mode": sandbox.mode, "found": found}))
"""

HIDING = {
    # Blocks allocated without a size: escapes prlimit --fsize, was counted 0.
    "keep size": WORKDIR + ("import ctypes\nlibc = ctypes.CDLL(None)\n"
                            "libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]\n"
                            "handle = os.open(os.path.join(work, 'sparse'), os.O_WRONLY | os.O_CREAT)\n"
                            "assert libc.fallocate(handle, 1, 0, 300 << 20) == 0\ntime.sleep(20)"),
    # A folder the grader (the same user, not root) may not look into: was counted 0.
    "closed folder": WORKDIR + ("os.mkdir(os.path.join(work, 'h'))\n"
                                "open(os.path.join(work, 'h', 'f'), 'wb').write(b'x' * 1000)\n"
                                "os.chmod(os.path.join(work, 'h'), 0)\ntime.sleep(20)"),
    # Removed, still open: in no folder.
    "removed": WORKDIR + ("kept = open(os.path.join(work, 'gone'), 'wb')\n"
                          "os.posix_fallocate(kept.fileno(), 0, 200 << 20)\n"
                          "os.unlink(os.path.join(work, 'gone'))\ntime.sleep(20)"),
    # Removed, and its only descriptor sent over a socket and closed: in no folder and no process.
    "in flight": WORKDIR + ("import socket\nends = socket.socketpair()\n"
                            "handle = os.open(os.path.join(work, 'sent'), os.O_RDWR | os.O_CREAT)\n"
                            "os.posix_fallocate(handle, 0, 200 << 20)\nos.unlink(os.path.join(work, 'sent'))\n"
                            "socket.send_fds(ends[0], [b'x'], [handle])\nos.close(handle)\ntime.sleep(20)"),
    "honest": "import time\ntime.sleep(1)\nz = 3",
}


@pytest.mark.skipif(os.geteuid() != 0, reason="drops from root to user 65534 (a grader that is not root)")
def test_a_grader_that_is_not_root_stops_every_way_of_hiding_disk_space(tmp_path):
    """In bubblewrap as user 65534, each attack takes 200 to 300 MB under a 100 MB limit (as 20 s of the
    cell's time, had it not been stopped): each is stopped; the honest kernel keeps its answer."""
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap is not installed")
    purelib = sysconfig.get_paths()["purelib"]
    python = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    if not (os.path.exists(python) and readable_by_others(Path(purelib))
            and readable_by_others(Path(runner.__file__).resolve().parents[2])):
        pytest.skip("user 65534 cannot reach this course's interpreter and packages")
    home = Path(tempfile.mkdtemp(prefix="course-nobody-"))  # the user's own TMPDIR and home
    os.chown(home, NOBODY, NOBODY)
    try:
        done = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "env", "-i",
                               f"HOME={home}", f"TMPDIR={home}", "PATH=/usr/local/bin:/usr/bin:/bin",
                               python, "-c", NONROOT_RUN, purelib, json.dumps(HIDING)],
                              capture_output=True, text=True, timeout=600, cwd=home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert (report["root"], report["mode"]) == (False, "bwrap")
    found = report["found"]
    print(json.dumps(found, indent=1))
    assert (found["honest"]["status"], found["honest"]["lines"]) == ("ok", [["3"]])  # honest: its answer
    disk = runner._stop_message("disk").replace(f"{runner.DISK_LIMIT // 2**20}", "100")
    for name, error in (("keep size", disk), ("closed folder", runner._stop_message("files")), ("removed", disk)):
        assert found[name]["cell"] == ["died", error], (name, found[name])  # each was "ok", 20 s later
        assert (found[name]["status"], found[name]["lines"]) == ("crashed", [["3"]])  # run again without it
    flight = found["in flight"]  # what it held came back as it stopped, each time: counted, then given up
    assert flight["cell"][0] == "died" and "came back when the kernel was stopped" in flight["cell"][1]
    assert flight["status"] == "crashed" and "gave up after repeated kernel restarts" in flight["notes"]
