"""Run one submission's code, then the grader's probe cells, in a fresh sandboxed kernel.

Built on nbclient. The grader keeps nothing a student cell prints (only the name of an error it
raises, never its message); from probe cells it keeps only lines that start with the run's secret
tag, within a budget of their own per probe cell. A cell that times out is interrupted; a cell
that cannot be interrupted, kills the kernel or exhausts its memory is skipped and the notebook is
run again from the top in a new kernel, so one bad cell costs only what depends on it. A kernel
that takes more than :data:`DISK_LIMIT` of the disk its working folder lies on is stopped too
(:func:`_watch_disk`). A per-notebook deadline bounds everything, each kernel's start included:
at the deadline the run stops and returns what it has (the probe lines read so far).

The grader reaches a kernel only through :class:`KernelChannels`: once the kernel has bound its
Unix sockets, each is opened without following links and checked (a socket, the kernel's own,
in its working folder), pinned by a descriptor the grader holds, and connected once through
``/proc/self/fd``; nothing is ever reconnected by name, so a kernel that renames or replaces its
sockets cannot redirect the grader. The channels read the kernel's ZeroMQ frames themselves, so
what the grader holds is bounded by constants whatever the kernel sends: messages grading does not
read, or larger than their limit, are dropped as they arrive, and a kernel that sends more than
:data:`OUTPUT_LIMIT` bytes in all, or a reply larger than :data:`MAX_REPLY_BYTES` (a client would
wait for it in vain), is stopped.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import functools
import json
import os
import socket
import stat
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import v4

from course_lib.grading.sandbox import Sandbox
from course_lib.grading.submissions import printable, shorten

__all__ = ["CellRecord", "RunResult", "run_cells", "TagCollector", "KernelChannels", "ChannelError",
           "open_kernel_socket", "folder_size", "held_files", "kernel_processes", "question_budget"]

MAX_RESTARTS = 4
# Runs before the student's cells in every kernel: IPython's exit() would otherwise stop the
# kernel a moment later, in the middle of some innocent later cell (a death is blamed on the
# cell that is running when it is noticed).
SETUP = "get_ipython().ask_exit = lambda: None"
MAX_TAGGED_LINE = 2 * 1024 * 1024  # characters of one kept probe line (the course's largest: 0.2 M)
MAX_TAGGED_LINES = 64  # kept per probe cell
# Characters of probe lines a run keeps: each probe cell (one question's answer) has a budget of its
# own, so a large answer cannot push out another question's: MAX_TAGGED_TOTAL shared out equally
# among the run's probe cells, but never less than MIN_TAGGED_QUESTION (each question's floor) nor
# more than MAX_TAGGED_QUESTION (see question_budget). A run holds at most
# max(MAX_TAGGED_TOTAL, questions * MIN_TAGGED_QUESTION) characters of them: 8 M for up to 32
# questions (the course has at most 17), 32 MB even if every character takes 4 bytes.
MAX_TAGGED_TOTAL = 8 * 1024 * 1024
MAX_TAGGED_QUESTION = 2 * 1024 * 1024
MIN_TAGGED_QUESTION = 256 * 1024
INTERRUPT_GRACE = 5.0
DISK_LIMIT = 512 * 1024 * 1024  # bytes a kernel may take of the disk its working folder is on
DISK_POLL = 0.5
# The free-space watch (see _watch_disk): how long a shortfall must last before the kernel is
# stopped (its own count, which blames at once, acts first), how long the space that comes back
# is watched once it is stopped, and how long a stop waits for the run's others.
SPACE_GRACE = 3.0
RELEASE_WAIT = 2.0
RELEASE_POLL = 0.1
LOCK_WAIT = 30.0
LOCK_POLL = 0.05
MAX_KERNEL_PROCESSES = 1024  # processes of one kernel whose open files the disk watch looks at
FOLDER_DEPTH = 64  # levels folder_size walks (one descriptor per level); deeper counts as full
FOLDER_ENTRIES = 100_000  # entries folder_size counts; more counts as full

# --- what the grader holds of a kernel's messages (see KernelChannels) ---
RELAYED = ("shell", "iopub", "control")  # stdin and heartbeat are never connected
CHANNELS = (*RELAYED, "stdin", "hb")
READ_TYPES = frozenset({"status", "stream", "error"})  # the iopub messages grading reads
MAX_MESSAGE_BYTES = 8 * 1024 * 1024  # an iopub message (all its frames) the grader keeps
# A shell or control message the grader keeps; a larger one stops the kernel, whose client would
# otherwise wait for it in vain. As large as an iopub message: an error's reply holds its message
# twice, like the error's own message on iopub, so an honest error of up to about 4 M characters
# is replied to and named. QUEUE bounds how many such messages wait.
MAX_REPLY_BYTES = MAX_MESSAGE_BYTES
MAX_FRAMES = 16  # frames of one kept message (a Jupyter message has 7 without binary buffers)
MAX_HEADER_BYTES = 16 * 1024
MAX_ROUTING_FRAMES = 4  # frames before "<IDS|MSG>"
QUEUE = 2  # kept messages waiting for the client, per channel and side (ZeroMQ high-water marks)
OUTPUT_LIMIT = 512 * 1024 * 1024  # bytes one kernel may send in all; then it is stopped
SOCKET_POLL = 0.05  # seconds between looks for the kernel's sockets while it starts
BACKPRESSURE_POLL = 0.005  # seconds between tries to hand iopub messages to a client that is behind
CLOSE_GRACE = 3.0  # seconds for a kernel that closed its connections to be seen dead, if it is dying
CLOSE_POLL = 0.1  # seconds between looks at such a kernel
_CHUNK = 256 * 1024  # bytes read from a kernel socket at once

# ZMTP 3.0 (rfc.zeromq.org/spec/23) with the NULL mechanism, as ZeroMQ speaks it.
_GREETING = b"\xff" + bytes(8) + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\0") + bytes(32)
_MORE, _LONG, _COMMAND = 0x01, 0x02, 0x04
_DELIMITER = b"<IDS|MSG>"


def folder_size(path: Path, limit: int = FOLDER_ENTRIES) -> int | None:
    """Bytes the files under ``path`` take on disk; None when the walk cannot count them all.

    Each entry (and each folder itself) counts as ``max(st_size, st_blocks * 512)``: the blocks
    it holds count even when its size says less (``fallocate`` with ``FALLOC_FL_KEEP_SIZE`` keeps
    the size 0). The walk counts at most ``limit`` entries and FOLDER_DEPTH nested levels (one
    open descriptor per level). None means that how much the folder holds is unknown, and the
    disk watch treats it as full: a folder with more entries or folders nested deeper, and any
    folder or entry the grader may not open, list or stat (a grader that is not root cannot look
    into a folder its kernel made unreadable, where any number of files could hide). Every
    folder is opened from its parent's descriptor without following links (``O_NOFOLLOW``), so a
    kernel that swaps a folder for a link while it is counted cannot send the walk elsewhere; an
    entry that is gone by the time it is looked at counts 0, and ``path`` itself gone holds 0.

    Raises
    ------
    TypeError, ValueError
        If ``limit`` is not a positive whole number.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a").write_bytes(b"x" * 10)
    >>> folder_size(folder) >= 10
    True
    >>> _ = (folder / "b").write_bytes(b"")
    >>> folder_size(folder, limit=1) is None
    True
    """
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"limit must be an int, got {type(limit).__name__}")
    if limit <= 0:
        raise ValueError(f"limit must be > 0, got {limit}")
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        top = os.open(path, flags)
    except FileNotFoundError:
        return 0
    except OSError:  # made unreadable (or not a folder any more): nothing in it can be counted
        return None
    total, seen, open_folders = 0, 0, [top]
    try:
        # Depth first, one open folder per level: [descriptor, names of its subfolders still to walk].
        stack = [[top, None]]
        while stack:
            entry = stack[-1]
            if entry[1] is None:
                entry[1] = []
                try:
                    total += _on_disk(os.fstat(entry[0]))
                    with os.scandir(entry[0]) as listing:
                        for item in listing:
                            seen += 1
                            if seen > limit:
                                return None
                            try:
                                if item.is_dir(follow_symlinks=False):
                                    entry[1].append(item.name)
                                else:
                                    total += _on_disk(item.stat(follow_symlinks=False))
                            except FileNotFoundError:  # removed meanwhile: holds nothing now
                                pass
                except FileNotFoundError:
                    pass
                except OSError:  # a folder it may not list, or an entry it may not stat
                    return None
            if entry[1]:
                if len(stack) >= FOLDER_DEPTH:
                    return None
                try:
                    child = os.open(entry[1].pop(), flags, dir_fd=entry[0])
                except (FileNotFoundError, NotADirectoryError):  # gone, or no longer a folder
                    continue
                except OSError as err:
                    if err.errno == errno.ELOOP:  # a link now: not followed (the next look counts it)
                        continue
                    return None  # a folder it may not open
                open_folders.append(child)
                stack.append([child, None])
            else:
                stack.pop()
                os.close(open_folders.pop())
    finally:
        for handle in open_folders:
            os.close(handle)
    return total


def _on_disk(info: os.stat_result) -> int:
    """What one file takes: its size, or the blocks it holds when they are more."""
    return max(info.st_size, info.st_blocks * 512)


def kernel_processes(pid: int | None, limit: int = MAX_KERNEL_PROCESSES) -> list[int]:
    """``pid`` and every process below it (from ``/proc``), at most ``limit``; [] without ``pid``.

    Examples
    --------
    >>> kernel_processes(os.getpid())[0] == os.getpid()
    True
    """
    if pid is None:
        return []
    children: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return [pid]
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(name))
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
    found, queue = [], [pid]
    while queue and len(found) < limit:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def held_files(pids, device: int) -> int:
    """Bytes of deleted files on file system ``device`` that the processes ``pids`` hold open.

    A file its kernel removed while keeping it open is in no folder, yet holds its blocks until
    the last process holding it ends. Each file counts once (:func:`_on_disk`), however many
    descriptors hold it; a process or descriptor the grader may not look at counts nothing (the
    free-space watch still sees what it holds).
    """
    seen: dict[tuple[int, int], int] = {}
    for pid in pids:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                info = os.stat(f"/proc/{pid}/fd/{descriptor}")  # the open file itself
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_nlink == 0 and info.st_dev == device:
                seen[(info.st_dev, info.st_ino)] = _on_disk(info)
    return sum(seen.values())


def _kernel_usage(workdir: Path, pid: int | None) -> int | None:
    """What the kernel takes on its working folder's file system, as far as the grader can count
    it: its folder (:func:`folder_size`) and the deleted files its processes hold open
    (:func:`held_files`); None when the folder cannot be counted."""
    size = folder_size(workdir, FOLDER_ENTRIES)
    if size is None or pid is None:
        return size
    try:
        device = os.stat(workdir, follow_symlinks=False).st_dev
    except OSError:
        return size
    return size + held_files(kernel_processes(pid), device)


def _free_space(path: Path) -> int | None:
    """Bytes still free on the file system holding ``path`` (for users other than root), or None."""
    try:
        info = os.statvfs(path)
    except OSError:
        return None
    return info.f_bavail * info.f_frsize


def _kernel_pid(km) -> int | None:
    try:
        return km.provisioner.process.pid
    except AttributeError:  # not started, or gone
        return None


async def _kill(km) -> None:
    try:
        await km.provisioner.kill()
    except (AttributeError, OSError):  # already dead is fine
        pass


async def _watch_disk(workdir: Path, km, flag: dict) -> None:
    """Stop the kernel once it takes too much of the disk its working folder is on.

    The folder is on the machine's disk when the grader is not root (as root it is a tmpfs of a
    fixed size). Two measures, each in a thread so a large folder does not hold up the event loop:

    * What the kernel takes where the grader can count it (:func:`_kernel_usage`): past
      DISK_LIMIT the kernel is stopped (``"disk"``), and when it cannot be counted at all
      (``"files"``); the cell running then is blamed and skipped.
    * The file system's free space, for what no count sees (a file removed but kept open some
      other way, say: a descriptor sent over a socket and closed). When it has fallen, since the
      kernel started, by more than DISK_LIMIT beyond what the count grew, and still has
      SPACE_GRACE s later, the kernel is stopped: the disk must not fill. Other processes write
      to that disk too, so such a stop never blames a cell by itself. The grace lets the count
      of a kernel that took the space stop it first (and its clean-up free it). Stops of this
      kind, and every clean-up of a working folder, are taken one at a time in the run (a lock
      in its scratch folder), each stop after a fresh look: when another kernel of the run took
      the space, its stop or clean-up gives it back and the others go on. Then the space that
      comes back within RELEASE_WAIT s, as the stopped kernel's processes end, tells whose it
      was: more than half of DISK_LIMIT, and the kernel held it (``"hidden"``: the notebook is
      run again, the cell included, and the run counts the restart); less, and it was not the
      kernel's (``"space"``: the notebook is run again, and nothing counts).

    What this cannot tell apart: space another process frees, other than by a clean-up of this
    run, while a stopped kernel's is measured (a kernel of another run ending then, say) counts
    as the stopped kernel's; an honest kernel is then run again as one that held it (counted,
    never skipped). And a notebook that runs while other processes keep filling the disk by
    more than DISK_LIMIT in each of its runs is run again until its time runs out.

    ``flag["measuring"]`` is set while a stopped kernel's space is being measured: the caller
    waits for the watch before reading ``flag``.
    """
    pid = _kernel_pid(km)
    base_free = _free_space(workdir)
    base_own = await asyncio.to_thread(_kernel_usage, workdir, pid) or 0
    short_since = None
    while True:
        await asyncio.sleep(DISK_POLL)
        own = await asyncio.to_thread(_kernel_usage, workdir, pid)
        if own is None or own > DISK_LIMIT:
            flag["files" if own is None else "disk"] = True
            await _kill(km)
            return
        if _unexplained(_free_space(workdir), base_free, own - base_own) <= DISK_LIMIT:
            short_since = None
            continue
        if short_since is None:
            short_since = time.monotonic()
        if time.monotonic() - short_since < SPACE_GRACE:
            continue
        with _StopLock(workdir.parent) as lock:
            await lock.acquire()
            own = await asyncio.to_thread(_kernel_usage, workdir, pid)
            free = _free_space(workdir)
            if own is None or own > DISK_LIMIT:  # its own count has passed the limit meanwhile
                flag["files" if own is None else "disk"] = True
                await _kill(km)
                return
            if _unexplained(free, base_free, own - base_own) <= DISK_LIMIT:
                short_since = None  # another kernel's stop or clean-up gave the space back
                continue
            flag["measuring"] = True
            try:
                await _kill(km)
                came_back = await _space_back(workdir, free)
            finally:
                flag.pop("measuring", None)
            flag["hidden" if came_back > DISK_LIMIT // 2 else "space"] = True
            return


def _unexplained(free: int | None, base_free: int | None, grown: int) -> int:
    """How far the free space ``free`` fell below ``base_free`` beyond ``grown`` bytes (what the
    kernel's own count grew); 0 when either is unknown."""
    if base_free is None or free is None:
        return 0
    return base_free - free - max(0, grown)


async def _space_back(workdir: Path, before: int | None) -> int:
    """The most free space that came back, above ``before``, within RELEASE_WAIT s (the stopped
    kernel's processes end meanwhile, and what they held is freed)."""
    back, ends = 0, time.monotonic() + RELEASE_WAIT
    while before is not None and time.monotonic() < ends:
        await asyncio.sleep(RELEASE_POLL)
        free = _free_space(workdir)
        if free is not None:
            back = max(back, free - before)
        if back > DISK_LIMIT // 2:
            break
    return back


class _StopLock:
    """The run's lock for stops on free space: an ``flock`` on its scratch folder itself (no
    kernel reaches it, and no file is left there), shared by the run's jobs. :meth:`acquire` waits
    without blocking the event loop, at most LOCK_WAIT s (then it goes on without: the lock orders
    stops, nothing more)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.handle = None

    def __enter__(self):
        return self

    async def acquire(self) -> None:
        try:
            self.handle = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return
        ends = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > ends:
                    return
                await asyncio.sleep(LOCK_POLL)

    def __exit__(self, *exc):
        if self.handle is not None:
            os.close(self.handle)  # releases the lock
            self.handle = None
        return False


def question_budget(questions: int) -> int:
    """Characters of tagged lines kept for each of a run's ``questions`` probe cells.

    Examples
    --------
    >>> question_budget(2) == MAX_TAGGED_QUESTION, question_budget(17) * 17 <= MAX_TAGGED_TOTAL
    (True, True)
    >>> question_budget(100) == MIN_TAGGED_QUESTION
    True
    """
    return min(MAX_TAGGED_QUESTION, max(MIN_TAGGED_QUESTION, MAX_TAGGED_TOTAL // max(1, questions)))


class TagCollector:
    """Keep the lines of a stream that start with ``tag``; forget everything else as it arrives.

    At most MAX_TAGGED_LINES lines of at most MAX_TAGGED_LINE characters are kept, and no more
    than ``chars`` characters in all, the line still arriving included (MAX_TAGGED_QUESTION by
    default: a run gives each probe cell a collector of its own with :func:`question_budget`, so
    one question's large answer leaves the others' lines alone); ``cut`` says whether a tagged
    line was dropped for these limits. The cost is linear in the text fed, however it is split
    into pieces.

    Raises
    ------
    TypeError, ValueError
        If ``tag`` is not a non-empty string without white space, or ``chars`` is not a whole
        number >= 0.

    Examples
    --------
    >>> c = TagCollector("T0")
    >>> c.feed("noise\\nT0 {\\"a\\": "); c.feed("1}\\nmore noise")
    >>> c.lines, c.cut
    (['{"a": 1}'], False)
    """

    def __init__(self, tag: str, chars: int | None = None):
        if not isinstance(tag, str):
            raise TypeError(f"tag must be a str, got {type(tag).__name__}")
        if not tag or tag != "".join(tag.split()):
            raise ValueError(f"tag must be a non-empty string without white space, got {tag!r}")
        if chars is None:
            chars = MAX_TAGGED_QUESTION
        if isinstance(chars, bool) or not isinstance(chars, int):
            raise TypeError(f"chars must be an int, got {type(chars).__name__}")
        if chars < 0:
            raise ValueError(f"chars must be >= 0, got {chars}")
        self.tag = tag
        self.lines: list[str] = []
        self.cut = False  # a tagged line was dropped for the limits
        self._left = chars  # characters this collector may still keep
        self._prefix = tag + " "
        self._head = ""  # the line's first characters, up to len(prefix): is it tagged?
        self._pieces: list[str] = []  # the rest of a tagged line, as fed (joined once, at its end)
        self._size = 0
        self._discarding = False

    def feed(self, text: str) -> None:
        start, end = 0, len(text)
        while start < end:
            newline = text.find("\n", start)
            stop = end if newline < 0 else newline
            if not self._discarding and stop > start:
                self._take(text, start, stop)
            if newline < 0:
                return
            self._end_line()
            start = newline + 1

    def _take(self, text: str, start: int, stop: int) -> None:
        missing = len(self._prefix) - len(self._head)
        if missing > 0:
            self._head += text[start:min(stop, start + missing)]
            if not self._prefix.startswith(self._head):
                self._drop()
                return
            start = min(stop, start + missing)
        if self._size + stop - start > min(MAX_TAGGED_LINE, self._left):
            self.cut = True  # only a tagged line gets this far
            self._drop()
            return
        if stop > start:
            self._pieces.append(text[start:stop])
            self._size += stop - start

    def _end_line(self) -> None:
        if not self._discarding and self._head == self._prefix:
            if len(self.lines) < MAX_TAGGED_LINES and self._size <= self._left:
                self.lines.append("".join(self._pieces))
                self._left -= self._size
            else:
                self.cut = True
        self._head, self._pieces, self._size, self._discarding = "", [], 0, False

    def _drop(self) -> None:
        self._pieces, self._size, self._discarding = [], 0, True


@dataclass
class CellRecord:
    """What happened to one cell (the last time it ran)."""

    index: int
    kind: str  # "student" or "probe"
    status: str = "not run"  # ok, error, timeout, skipped, died, out of memory, not run
    error: str = ""


@dataclass
class RunResult:
    """Everything the grader keeps from one submission's run."""

    status: str  # ok, timeout, crashed
    cells: list[CellRecord]
    probe_lines: dict[int, list[str]] = field(default_factory=dict)
    restarts: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


# --- the grader's channel to a kernel --------------------------------------------------------------


class ChannelError(RuntimeError):
    """A kernel's socket cannot be used: not the kernel's own, never opened, or not speaking ZMTP."""


class _OverLimit(Exception):
    """The kernel has sent more than OUTPUT_LIMIT bytes: reading stops."""


def open_kernel_socket(folder: int, name: str, owner: int) -> int | None:
    """An ``O_PATH`` descriptor of the socket ``name`` in the open folder ``folder``; None while there is none.

    The name is opened without following links, and the descriptor must be a socket owned by user
    ``owner`` on the folder's own file system. Connecting to ``/proc/self/fd/<descriptor>``
    reaches that very socket, whatever happens to its name later; the caller closes the descriptor.

    Raises
    ------
    ChannelError
        If ``name`` is something else: a symbolic link, a file, a folder, another user's socket.
    TypeError, ValueError
        If ``folder`` or ``owner`` is not a whole number >= 0, or ``name`` is not one file name.

    Examples
    --------
    >>> import shutil, tempfile
    >>> place = tempfile.mkdtemp(); handle = os.open(place, os.O_PATH | os.O_DIRECTORY)
    >>> server = socket.socket(socket.AF_UNIX); server.bind(place + "/s"); server.listen()
    >>> pinned = open_kernel_socket(handle, "s", os.geteuid())
    >>> os.unlink(place + "/s"); os.symlink("/elsewhere", place + "/s")
    >>> client = socket.socket(socket.AF_UNIX); client.connect(f"/proc/self/fd/{pinned}")  # still the server
    >>> open_kernel_socket(handle, "s", os.geteuid())
    Traceback (most recent call last):
    course_lib.grading.runner.ChannelError: s is a symbolic link, not the kernel's socket
    >>> client.close(); server.close(); os.close(pinned); os.close(handle); shutil.rmtree(place)
    """
    for label, value in (("folder", folder), ("owner", owner)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{label} must be an int, got {type(value).__name__}")
        if value < 0:
            raise ValueError(f"{label} must be >= 0, got {value}")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"name must be one file name, got {name!r}")
    try:
        handle = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
    except FileNotFoundError:
        return None
    try:
        info, place = os.fstat(handle), os.fstat(folder)
        if stat.S_ISLNK(info.st_mode):
            raise ChannelError(f"{name} is a symbolic link, not the kernel's socket")
        if not stat.S_ISSOCK(info.st_mode):
            raise ChannelError(f"{name} is not a socket")
        if info.st_uid != owner:
            raise ChannelError(f"{name} belongs to user {info.st_uid}, not to the kernel's user {owner}")
        if info.st_dev != place.st_dev:
            raise ChannelError(f"{name} is not on the working folder's file system")
    except BaseException:
        os.close(handle)
        raise
    return handle


class _ProtocolError(Exception):
    """The kernel's side of a connection broke ZMTP."""


def _frame(body: bytes, flags: int = 0) -> bytes:
    """One ZMTP frame."""
    if len(body) > 255:
        return bytes([flags | _LONG]) + len(body).to_bytes(8, "big") + body
    return bytes([flags, len(body)]) + body


def _frames(parts) -> bytes:
    """A whole message: its parts as frames, all but the last marked MORE."""
    return b"".join(_frame(bytes(part), _MORE if n < len(parts) - 1 else 0) for n, part in enumerate(parts))


def _ready(socket_type: bytes) -> bytes:
    """The READY command of a socket of ``socket_type`` (DEALERs say their identity: none)."""
    properties = {b"Socket-Type": socket_type}
    if socket_type == b"DEALER":
        properties[b"Identity"] = b""
    body = b"\x05READY" + b"".join(bytes([len(k)]) + k + len(v).to_bytes(4, "big") + v for k, v in properties.items())
    return _frame(body, _COMMAND)


def _properties(body: bytes) -> dict:
    """The properties of a READY command's body."""
    if not body or body[0] != 5 or bytes(body[1:6]) != b"READY":
        raise _ProtocolError("the first command is not READY")
    found, at = {}, 6
    while at < len(body):
        size = body[at]
        name, at = bytes(body[at + 1:at + 1 + size]), at + 1 + size
        if at + 4 > len(body):
            raise _ProtocolError("a READY property is cut short")
        length = int.from_bytes(body[at:at + 4], "big")
        found[name], at = bytes(body[at + 4:at + 4 + length]), at + 4 + length
    if at != len(body):
        raise _ProtocolError("a READY property is cut short")
    return found


def _read_by_grading(frames: list) -> bool:
    """Whether an iopub message, as far as it has arrived, may be one grading reads.

    Judged on its header frame (``<IDS|MSG>``, signature, header, ...): only status, stream and
    error messages are read; the rest (display data, comm messages, ...) is dropped unparsed.
    """
    try:
        at = frames.index(_DELIMITER)
    except ValueError:
        return len(frames) < MAX_ROUTING_FRAMES
    if len(frames) != at + 3:
        return True  # the header has not arrived yet, or was judged already
    header = frames[at + 2]
    if len(header) > MAX_HEADER_BYTES:
        return False
    try:
        return json.loads(header).get("msg_type") in READ_TYPES
    except (ValueError, AttributeError):
        return False


class _Wire:
    """A ZMTP 3.0 connection to one kernel socket, read through a fixed buffer.

    Reading holds the buffer and what the caller chooses to keep, never more; every byte read is
    reported to ``count`` (which may raise to stop reading).
    """

    def __init__(self, sock: socket.socket, count):
        self.sock = sock
        self.count = count
        self.buffer = memoryview(bytearray(_CHUNK))
        self.start = self.end = 0
        self.oversized = 0  # messages dropped for their size or number of frames

    async def _fill(self) -> None:
        # sock_recv_into returns at once while data waits: without this, a flood would starve
        # the event loop (the other channels, nbclient's timers).
        await asyncio.sleep(0)
        got = await asyncio.get_running_loop().sock_recv_into(self.sock, self.buffer)
        if not got:
            raise EOFError("the kernel closed the connection")
        self.count(got)
        self.start, self.end = 0, got

    async def _byte(self) -> int:
        if self.start == self.end:
            await self._fill()
        self.start += 1
        return self.buffer[self.start - 1]

    async def read(self, size: int) -> bytearray:
        """The next ``size`` bytes (the caller has checked that it may keep them)."""
        out = bytearray(size)
        with memoryview(out) as view:
            done = 0
            while done < size:
                if self.start == self.end:
                    await self._fill()
                take = min(size - done, self.end - self.start)
                view[done:done + take] = self.buffer[self.start:self.start + take]
                done, self.start = done + take, self.start + take
        return out

    async def skip(self, size: int) -> None:
        """Read past the next ``size`` bytes, keeping none of them."""
        while size:
            if self.start == self.end:
                await self._fill()
            take = min(size, self.end - self.start)
            size, self.start = size - take, self.start + take

    async def frame(self) -> tuple[int, int]:
        """The next frame's flags and size."""
        flags = await self._byte()
        if flags & ~(_MORE | _LONG | _COMMAND):
            raise _ProtocolError(f"unknown frame flags {flags:#x}")
        size = int.from_bytes(await self.read(8), "big") if flags & _LONG else await self._byte()
        return flags, size

    async def handshake(self, socket_type: bytes, peer_types: set) -> None:
        """Greet the kernel's socket as a ``socket_type`` socket; SUB subscribes to everything."""
        loop = asyncio.get_running_loop()
        await loop.sock_sendall(self.sock, _GREETING + _ready(socket_type))
        greeting = await self.read(64)
        if greeting[0] != 0xFF or not greeting[9] & 1 or greeting[10] < 3 \
                or bytes(greeting[12:32]).rstrip(b"\0") != b"NULL":
            raise _ProtocolError("the kernel's socket does not speak ZMTP 3 with the NULL mechanism")
        flags, size = await self.frame()
        if not flags & _COMMAND or flags & _MORE or size > 4096:
            raise _ProtocolError("no READY command")
        if _properties(await self.read(size)).get(b"Socket-Type") not in peer_types:
            raise _ProtocolError(f"the kernel's socket is not one of {sorted(peer_types)}")
        if socket_type == b"SUB":
            await loop.sock_sendall(self.sock, _frame(b"\x01"))  # ZMTP 3.0: subscribe to every topic

    async def message(self, limit: int, wanted=None) -> list | None:
        """The next message's frames, or None when it was dropped as it arrived.

        A message is dropped once its frames add up to more than ``limit`` bytes or number more
        than MAX_FRAMES, or when ``wanted(frames so far)`` says no. Commands between messages
        (PING and the like) are skipped.
        """
        frames, total, keep, inside = [], 0, True, False
        while True:
            flags, size = await self.frame()
            if flags & _COMMAND:
                if inside or flags & _MORE:
                    raise _ProtocolError("a command inside a message")
                await self.skip(size)
                continue
            inside, total = True, total + size
            if keep and (total > limit or len(frames) == MAX_FRAMES):
                keep, frames = False, []
                self.oversized += 1
            if keep:
                frames.append(await self.read(size))
                if wanted is not None and not wanted(frames):
                    keep, frames = False, []
            else:
                await self.skip(size)
            if not flags & _MORE:
                return frames if keep else None


class KernelChannels:
    """The grader's only connection to one kernel: its shell, iopub and control sockets, relayed.

    :meth:`open` waits until the kernel has bound its sockets ``<prefix>-<port>`` in its working
    folder, pins each with :func:`open_kernel_socket` (a socket, the kernel user's, not a link),
    connects to it once through ``/proc/self/fd`` and speaks ZMTP 3.0 to it. A connection that is
    lost is never made again, so renaming or replacing a socket redirects nothing. jupyter_client
    sockets on ``context`` connect to :meth:`url` (``inproc://``); stdin and heartbeat get an
    address nothing serves.

    From the kernel, each channel holds at most the message arriving: iopub keeps status, stream
    and error messages up to MAX_MESSAGE_BYTES, shell and control replies up to MAX_REPLY_BYTES,
    each of at most MAX_FRAMES frames; everything else is read past and dropped. At most QUEUE
    kept messages per side wait for the client (iopub waits for it; replies to a client that is
    behind are dropped). ``on_stop(reason)`` is awaited once: ``"output"`` when the kernel has
    sent more than OUTPUT_LIMIT bytes (reading stops), ``"reply"`` when a reply was too large to
    keep (its client would wait for it until its time limit), ``"closed"`` when it closed a
    connection.

    Raises
    ------
    TypeError, ValueError
        If ``context`` is not a zmq.asyncio.Context or ``owner`` is not a user id.

    Examples
    --------
    :func:`run_cells` makes one per kernel (``_SandboxKernelManager``): ``KernelChannels(context,
    workdir, owner=62000)``; once the kernel runs, ``await channels.open({"shell": 1, "iopub": 2,
    "control": 4}, workdir / "kernel-ipc", 60, km.is_alive)``; its clients connect to
    ``channels.url("shell")`` and so on; ``await channels.close()`` at the end.
    """

    def __init__(self, context: zmq.asyncio.Context, workdir: Path, owner: int | None = None, on_stop=None):
        if not isinstance(context, zmq.asyncio.Context):
            raise TypeError(f"context must be a zmq.asyncio.Context, got {type(context).__name__}")
        if owner is not None and (isinstance(owner, bool) or not isinstance(owner, int)):
            raise TypeError(f"owner must be a user id (an int) or None, got {type(owner).__name__}")
        if owner is not None and owner < 0:
            raise ValueError(f"owner must be >= 0, got {owner}")
        self.context = context
        self.workdir = Path(workdir)
        self.owner = os.geteuid() if owner is None else owner
        self.on_stop = on_stop
        self.received = 0  # bytes the kernel has sent
        self.stopping = False  # once set, a lost connection is no news (a stop or the end of the run)
        self._token = uuid.uuid4().hex
        self._handles: list[int] = []
        self._sockets: list[socket.socket] = []
        self._wires: dict[str, _Wire] = {}
        self._relays: list = []
        self._tasks: set = set()

    @property
    def oversized(self) -> int:
        """Output (iopub) messages dropped so far for their size or their number of frames (a reply
        dropped for them stops the kernel instead)."""
        return self._wires["iopub"].oversized if "iopub" in self._wires else 0

    def url(self, channel: str) -> str:
        """The address a client socket connects to for ``channel`` (shell, iopub, stdin, control, hb)."""
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}")
        return f"inproc://course-kernel-{self._token}-{channel if channel in RELAYED else 'closed-' + channel}"

    async def open(self, ports: dict, prefix: Path, timeout: float, alive) -> None:
        """Wait for the kernel's sockets, check and pin them, connect and start relaying.

        ``ports`` maps shell, iopub and control to the numbers in the sockets' names; ``alive``
        is an async callable saying whether the kernel still runs.

        Raises
        ------
        ChannelError
            If a socket is not the kernel's, the kernel exits before it is connected, or
            ``timeout`` s pass.
        """
        prefix = Path(prefix)
        if prefix.parent != self.workdir:
            raise ValueError(f"prefix must name a file in {self.workdir}, got {prefix}")
        missing = [channel for channel in RELAYED if channel not in ports]
        if missing:
            raise ValueError(f"ports lacks {', '.join(missing)}")
        deadline = time.monotonic() + timeout
        folder = os.open(self.workdir, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        self._handles.append(folder)
        pinned: dict = {}
        while len(pinned) < len(RELAYED):
            for channel in RELAYED:
                if channel not in pinned:
                    handle = open_kernel_socket(folder, f"{prefix.name}-{ports[channel]}", self.owner)
                    if handle is not None:
                        self._handles.append(handle)
                        pinned[channel] = handle
            if len(pinned) == len(RELAYED):
                break
            if not await alive():
                raise ChannelError("the kernel exited before it opened its sockets")
            if time.monotonic() > deadline:
                raise ChannelError(f"the kernel did not open its sockets within {timeout:g} s")
            await asyncio.sleep(SOCKET_POLL)
        for channel in RELAYED:
            wire = await self._connect(pinned[channel], channel, deadline, alive)
            if channel == "iopub":
                relay = self.context.socket(zmq.XPUB)
                relay.setsockopt(zmq.XPUB_NODROP, 1)  # a client that is behind makes the relay wait
            else:
                relay = self.context.socket(zmq.ROUTER)
            relay.setsockopt(zmq.SNDHWM, QUEUE)
            relay.setsockopt(zmq.LINGER, 0)
            relay.bind(self.url(channel))
            self._relays.append(relay)
            self._start(self._from_kernel(channel, wire, relay))
            if channel != "iopub":
                self._start(self._to_kernel(wire.sock, relay))

    async def _connect(self, handle: int, channel: str, deadline: float, alive) -> _Wire:
        """A greeted connection to the pinned socket ``handle``; a refusal (bound, not yet listening)
        is retried while the kernel is ``alive()`` (a kernel that died there never listens)."""
        loop = asyncio.get_running_loop()
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
            sock.setblocking(False)
            self._sockets.append(sock)
            try:
                await asyncio.wait_for(loop.sock_connect(sock, f"/proc/self/fd/{handle}"),
                                       max(0.1, deadline - time.monotonic()))
                break
            except ConnectionRefusedError:
                if time.monotonic() > deadline:
                    raise ChannelError(f"the kernel's {channel} socket refused the connection") from None
                if not await alive():
                    raise ChannelError(f"the kernel exited before its {channel} socket took connections") from None
                await asyncio.sleep(SOCKET_POLL)
            except (asyncio.TimeoutError, OSError) as err:
                raise ChannelError(f"could not connect to the kernel's {channel} socket: {err!r}") from None
        wire = _Wire(sock, self._count)
        self._wires[channel] = wire
        try:
            await asyncio.wait_for(wire.handshake(b"SUB" if channel == "iopub" else b"DEALER",
                                                  {b"PUB", b"XPUB"} if channel == "iopub" else {b"ROUTER"}),
                                   max(0.1, deadline - time.monotonic()))
        except (asyncio.TimeoutError, EOFError, OSError, _ProtocolError, _OverLimit) as err:
            raise ChannelError(f"the kernel's {channel} socket did not greet the grader: {err!r}") from None
        return wire

    def _count(self, size: int) -> None:
        self.received += size
        if self.received > OUTPUT_LIMIT:
            if not self.stopping:
                self._start(self._stop("output"))
            raise _OverLimit()

    def _start(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _stop(self, reason: str) -> None:
        if self.stopping:
            return
        self.stopping = True
        if self.on_stop is not None:
            await self.on_stop(reason)

    async def _from_kernel(self, channel: str, wire: _Wire, relay) -> None:
        limit = MAX_MESSAGE_BYTES if channel == "iopub" else MAX_REPLY_BYTES
        wanted = _read_by_grading if channel == "iopub" else None
        try:
            if channel == "iopub":
                await relay.recv()  # the client's subscription: nothing is relayed before it
            while True:
                frames = await wire.message(limit, wanted)
                if frames is None:
                    if channel != "iopub":  # a reply too large to keep: its client would wait in vain
                        await self._stop("reply")
                    continue
                while True:
                    try:
                        await relay.send_multipart(frames, flags=zmq.NOBLOCK)
                        break
                    except zmq.Again:  # the client is behind: wait, reading nothing meanwhile
                        await asyncio.sleep(BACKPRESSURE_POLL)
        except _OverLimit:
            pass
        except (EOFError, OSError, _ProtocolError):
            await self._stop("closed")

    async def _to_kernel(self, sock: socket.socket, relay) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                await loop.sock_sendall(sock, _frames(await relay.recv_multipart()))
        except OSError:
            await self._stop("closed")

    async def close(self) -> None:
        """Stop relaying and close every connection, socket and descriptor (again: nothing happens)."""
        self.stopping = True
        tasks = [task for task in self._tasks if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for relay in self._relays:
            relay.close(linger=0)
        for sock in self._sockets:
            sock.close()
        for handle in self._handles:
            try:
                os.close(handle)
            except OSError:
                pass
        self._relays, self._sockets, self._handles = [], [], []


class _ChannelClient(AsyncKernelClient):
    """A kernel client whose sockets connect to its manager's :class:`KernelChannels`, never to a path."""

    def _make_url(self, channel: str) -> str:
        return self.parent.channels.url(channel)

    def start_channels(self, shell=True, iopub=True, stdin=True, hb=True, control=True):
        # No stdin (nbclient never answers input) and no heartbeat (the manager watches the process).
        super().start_channels(shell=shell, iopub=iopub, stdin=False, hb=False, control=control)


class _SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command is the sandbox's, reached only through :class:`KernelChannels`."""

    def __init__(self, spec: KernelSpec, owner: int | None, workdir: Path, socket_timeout: float = 60.0,
                 **kwargs):
        super().__init__(client_factory=_ChannelClient, **kwargs)
        self._sandbox_spec = spec
        self._owner = owner
        self._socket_timeout = socket_timeout
        self.channels = KernelChannels(self.context, workdir, owner)

    @property
    def kernel_spec(self):  # noqa: D401 - replaces the kernelspec lookup
        return self._sandbox_spec

    def _make_url(self, channel: str) -> str:
        return self.channels.url(channel)

    def client(self, **kwargs):
        kwargs.setdefault("context", self.context)  # where the channels' inproc addresses are
        return super().client(**kwargs)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self._owner is not None:
            os.chown(self.connection_file, self._owner, self._owner, follow_symlinks=False)

    def _reconcile_connection_info(self, info) -> None:
        # jupyter_client would read the connection file back from the kernel's folder; the grader
        # wrote it and holds what it says.
        if not self._equal_connections(info, self.get_connection_info()):
            raise ChannelError("the kernel's connection information is not the one the grader wrote")

    async def _async_post_start_kernel(self, **kw) -> None:
        ports = {channel: getattr(self, f"{channel}_port") for channel in RELAYED}
        await self.channels.open(ports, Path(self.ip), self._socket_timeout, self._async_is_alive)
        await super()._async_post_start_kernel(**kw)


class _GradingClient(NotebookClient):
    """nbclient, keeping only error names from student cells and tagged lines from probes."""

    def __init__(self, nb, km, tag: str, **kwargs):
        super().__init__(nb, km=km, **kwargs)
        self.tag = tag
        self.collectors: dict[int, TagCollector] = {}  # one per probe cell, each with its own budget
        self.budget = question_budget(sum(cell.metadata.get("grading") == "probe" for cell in nb.cells))
        self.errors: dict[int, str] = {}
        self._output_tasks: set[asyncio.Task] = set()

    @property
    def cut(self) -> bool:
        """Whether a probe cell's tagged line was dropped for the limits."""
        return any(collector.cut for collector in self.collectors.values())

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        task = asyncio.current_task()
        self._output_tasks.add(task)
        try:
            return await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        finally:
            self._output_tasks.discard(task)

    async def cancel_output_polls(self) -> None:
        """Stop the output readers a timed-out cell leaves behind (they would eat later output)."""
        tasks = [t for t in self._output_tasks if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def output(self, outs, msg, display_id, cell_index):
        kind = self.nb.cells[cell_index].metadata.get("grading", "student")
        msg_type = msg["msg_type"]
        content = msg.get("content", {})
        if msg_type == "error":
            name = str(content.get("ename", "Error"))[:80]
            if kind == "probe":  # the grader's own cells: their messages help to find a grader bug
                value = str(content.get("evalue", ""))[:300]
                self.errors[cell_index] = f"{name}: {value}" if value else name
            else:  # a student's cell: its name only, so no message of the student's leaves the sandbox
                self.errors[cell_index] = name
        elif msg_type == "stream" and kind == "probe":
            collector = self.collectors.get(cell_index)
            if collector is None:
                collector = self.collectors[cell_index] = TagCollector(self.tag, self.budget)
            collector.feed(str(content.get("text", "")))
        return None

    def clear_output(self, outs, msg, cell_index):
        return None

    def handle_comm_msg(self, outs, msg, cell_index):
        return None


def _context() -> zmq.asyncio.Context:
    context = zmq.asyncio.Context()
    # Defaults for every socket made from this context (pyzmq feature): the clients' sockets hold
    # at most QUEUE messages from the channels, whatever a kernel sends.
    context.setsockopt(zmq.RCVHWM, QUEUE)
    context.setsockopt(zmq.LINGER, 0)
    return context


OUT_OF_TIME = "the notebook ran out of time"
# Why the grader may stop a kernel. A stop for "hidden" or "space" blames no cell: the notebook is
# run again with it (see _watch_disk); every other stop skips the cell that was running.
_STOPS = ("disk", "files", "hidden", "space", "output", "reply", "closed")
_RERUN = ("hidden", "space")
ERROR_TAIL = 4096  # bytes of a kernel's error output kept while it starts (its last ones)
ERROR_SHOWN = 300  # characters of it a failed start's note shows


def _stop_message(reason: str) -> str:
    """A cell's error when the grader stopped its kernel for ``reason``."""
    return {"disk": f"wrote more than {DISK_LIMIT // 2**20} MB to disk; skipped",
            "files": (f"left more than {FOLDER_ENTRIES:,} files, or folders more than {FOLDER_DEPTH} deep, "
                      "or a folder the grader may not look into, in its working folder; skipped"),
            "hidden": (f"held more than {DISK_LIMIT // 2**21} MB of disk space where the grader cannot count it "
                       "(it came back when the kernel was stopped); run again"),
            "space": (f"stopped when the disk's free space fell by more than {DISK_LIMIT // 2**20} MB, none of it "
                      "held by this kernel; run again"),
            "output": f"sent more than {OUTPUT_LIMIT // 2**20} MB of output; skipped",
            "reply": f"sent the grader a reply larger than {MAX_REPLY_BYTES // 2**20} MB; skipped",
            "closed": (f"closed its connection to the grader and was still running {CLOSE_GRACE:g} s later; "
                       "skipped")}[reason]


SPACE_NOTE = (f"the notebook was run again from the top: the disk's free space fell by more than "
              f"{DISK_LIMIT // 2**20} MB while it ran, none of it held by its kernel")


async def _stop_kernel(km, flag: dict, reason: str) -> None:
    """The channels' ``on_stop``: kill the kernel that sent too much or closed its connection."""
    if reason == "closed":
        # A kernel that exits closes its sockets as it goes, and may take a moment to end: that
        # death is reported as such.
        waited = time.monotonic() + CLOSE_GRACE
        while await km.is_alive():
            if time.monotonic() >= waited:
                break
            await asyncio.sleep(CLOSE_POLL)
        else:  # it died within the grace
            return
    flag[reason] = True
    await _kill(km)


async def _settled(watcher, flag: dict) -> None:
    """Wait for the disk watch while it measures the space a kernel it stopped gives back: its
    verdict in ``flag`` says what the cell that was running gets."""
    if watcher is not None and flag.get("measuring") and not watcher.done():
        await asyncio.wait({watcher})


class _StartTimeout(Exception):
    """The kernel did not start, and answer, within the time it was given."""


class _ErrorOutput:
    """A kernel's standard error: a pipe the grader reads as it comes, so the kernel never blocks
    on it, and forgets, but for the last ERROR_TAIL bytes written while the kernel starts.

    Those say why a start failed (the sandbox's cover script naming a folder it refuses,
    bubblewrap, Python): no student code has run in that kernel yet. After the start nothing is
    kept. Past OUTPUT_LIMIT bytes the grader stops reading (the kernel's next writes there wait).
    """

    def __init__(self):
        self.read_end, self.write_end = os.pipe()  # neither is inherited but as the kernel's stderr
        os.set_blocking(self.read_end, False)
        self.keep = True
        self.received = 0
        self._tail = bytearray()
        self._loop = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.read_end, self._read)

    def launched(self) -> None:
        """The kernel's process has its own copy of the write end: the grader's goes."""
        if self.write_end is not None:
            os.close(self.write_end)
            self.write_end = None

    def _read(self) -> bool:
        """Read once; False when nothing more will be read."""
        try:
            data = os.read(self.read_end, _CHUNK)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if not data or self.received > OUTPUT_LIMIT:
            self._stop_reading()
            return False
        self.received += len(data)
        if self.keep:
            self._tail += data
            del self._tail[:-ERROR_TAIL]
        return True

    def _stop_reading(self) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self.read_end)
            self._loop = None

    def started(self) -> None:
        """The kernel has started: what it writes from now on is the student's, never kept."""
        self.keep = False
        self._tail = bytearray()

    def text(self) -> str:
        """What the kernel wrote while it started (read to the end now), as one escaped line of
        at most ERROR_SHOWN characters; "" when it wrote nothing."""
        for _ in range(ERROR_TAIL // _CHUNK + 16):
            if self._loop is None or not self._read():
                break
        lines = [line.strip() for line in self._tail.decode("utf-8", "replace").splitlines()]
        return _one_line(" / ".join(line for line in lines if line))

    def close(self) -> None:
        self._stop_reading()
        self.launched()
        if self.read_end is not None:
            os.close(self.read_end)
            self.read_end = None


async def _start(client: _GradingClient, workdir: Path, seconds: float, errors: _ErrorOutput) -> None:
    """Start the client's kernel in ``workdir`` and connect to it, all of it within ``seconds``;
    the kernel's standard error goes to ``errors``.

    nbclient's own ``async_setup_kernel`` would also register an ``atexit`` hook and signal
    handlers for every kernel, which a start that fails or is cancelled leaves behind (with the
    client and its manager); :func:`run_cells` stops and cleans up each kernel itself.

    Raises
    ------
    _StartTimeout
        If ``seconds`` pass first (the start is cancelled; the caller cleans up).
    """
    async def start() -> None:
        try:
            await client.async_start_new_kernel(cwd=str(workdir), stdout=subprocess.DEVNULL,
                                                stderr=errors.write_end)
        finally:
            errors.launched()
        await client.async_start_new_kernel_client()

    errors.start()
    try:
        await asyncio.wait_for(start(), seconds)
    except asyncio.TimeoutError:
        raise _StartTimeout(f"the kernel did not start within {seconds:.3g} s") from None


def _one_line(text: str) -> str:
    """``text`` as one line of at most ERROR_SHOWN characters (cut in the middle), every character
    :func:`~course_lib.grading.submissions.printable` escapes escaped but for the backslash: a
    message that quotes a name already escaped keeps that name as it is."""
    return shorten("".join(ch if ch == "\\" else printable(ch) for ch in text), ERROR_SHOWN)


def _failure(what: str, errors: _ErrorOutput | None = None) -> str:
    """A note on a kernel that could not start: ``what`` (the grader's words), and what the
    kernel wrote on its standard error meanwhile."""
    said = errors.text() if errors is not None else ""
    return f"kernel failure: {what}" + (f"; its error output: {said}" if said else "")


async def _to_the_end(coroutine):
    """Await ``coroutine`` to its end even when the caller is cancelled meanwhile, then pass the
    cancellation on: a kernel's clean-up must not stop half-way (leaving its processes, mounts,
    control group or folder behind) because the grader's deadline came."""
    task = asyncio.ensure_future(coroutine)
    cancelled = None
    while True:
        try:
            value = await asyncio.shield(task)
            break
        except asyncio.CancelledError as err:
            if task.done():  # the clean-up itself was cancelled, not its caller
                raise
            cancelled = err
    if cancelled is not None:
        raise cancelled
    return value


async def _clean_up(client, km, watcher, context, sandbox: Sandbox, workdir: Path | None, slot: int,
                    errors: _ErrorOutput) -> None:
    """Stop an attempt's kernel and free all it had: watcher, kernel, channels, sockets, its error
    output, sandbox. Whatever the attempt did not get to make is None and skipped."""
    if km is not None:
        km.channels.stopping = True  # the kernel is going: its closing connections are no news
    if watcher is not None:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    if km is not None:
        await _shutdown(client, km)
        await km.channels.close()
    errors.close()
    if context is not None:
        context.destroy(linger=0)
    if workdir is not None:
        # Deleting a folder frees space: never while another job of the run measures what its
        # stopped kernel gives back (see _watch_disk).
        with _StopLock(workdir.parent) as lock:
            await lock.acquire()
            sandbox.cleanup(workdir, slot)


async def run_cells(
    student_sources: list[str],
    probe_sources: list[str],
    tag: str,
    sandbox: Sandbox,
    slot: int,
    scratch: Path,
    cell_timeout: float = 30.0,
    notebook_timeout: float = 300.0,
    startup_timeout: float = 60.0,
) -> RunResult:
    """Execute the student's code cells then the probe cells; never raises for student behaviour.

    Everything, each kernel's start included, ends by ``notebook_timeout`` (and the moment it takes
    to stop a kernel and clean up): a kernel gets at most ``startup_timeout`` s to start, and never
    more than the time left; a cell still running at the end is stopped (status ``timeout``,
    without the usual interrupt), and the result holds what was read until then, probe lines
    included, with the note :data:`OUT_OF_TIME`. If the caller cancels it, the kernel is still
    stopped and cleaned up before the cancellation goes on.

    A kernel that cannot be made or started (its sandbox refused, say) crashes the run, which
    keeps what earlier kernels read; its note names why: the grader's words and the last of what
    the kernel wrote on its standard error while it started. A notebook is run again at most
    MAX_RESTARTS times, not counting a kernel stopped because the disk's free space fell for
    another process's doing (see :func:`_watch_disk`; the note :data:`SPACE_NOTE` says so).

    Parameters
    ----------
    student_sources, probe_sources : list of str
        Code of the submission's code cells, and of the grader's probe cells (run after them).
    tag : str
        Secret prefix of the probe's result lines.
    sandbox : Sandbox
        How kernels are started.
    slot : int
        Parallel job number (selects the unprivileged user id in root modes).
    scratch : Path
        Folder in which private working folders are made.
    cell_timeout, notebook_timeout, startup_timeout : float
        Seconds.
    """
    started = time.monotonic()
    deadline = started + notebook_timeout
    nb = v4.new_notebook()
    records = []
    for kind, sources in (("setup", [SETUP]), ("student", student_sources), ("probe", probe_sources)):
        for source in sources:
            cell = v4.new_code_cell(source)
            cell.metadata["grading"] = kind
            records.append(CellRecord(index=len(nb.cells), kind=kind))
            nb.cells.append(cell)
    sentinel = v4.new_code_cell("pass")
    sentinel.metadata["grading"] = "sentinel"
    nb.cells.append(sentinel)

    result = RunResult(status="ok", cells=records)
    skip: set[int] = set()
    timed_out = crashed = cut = False
    oversized = begun = 0
    counted = 0  # kernels stopped and started again that count against MAX_RESTARTS
    restart = free = False

    def stopped_by_grader(stop: str, index: int, record: CellRecord) -> None:
        """The grader stopped the kernel while cell ``index`` ran: run the notebook again, the
        cell skipped unless it is not to blame ("space") or may have been ("hidden")."""
        nonlocal crashed, restart, free
        restart = True
        record.status, record.error = "died", _stop_message(stop)
        if stop == "space":  # another process took the space: nothing to blame
            free = True
            if SPACE_NOTE not in result.notes:
                result.notes.append(SPACE_NOTE)
            return
        crashed = True
        if stop != "hidden":  # what it held came back as it stopped: run again, counted
            skip.add(index)

    while True:
        left = deadline - time.monotonic()
        if left <= 1:
            timed_out = True
            result.notes.append(OUT_OF_TIME)
            break
        result.restarts, begun = begun, begun + 1
        start_within = min(startup_timeout, left)  # a restarted kernel's start ends by the deadline too
        restart = free = False  # free: another process's doing, not counted
        flag: dict = {}
        workdir = context = km = client = watcher = None
        errors = _ErrorOutput()
        kernel_started = False

        try:
            # The sandbox is made within the attempt: a folder it refuses or a control group it
            # cannot make crashes this run (keeping what earlier kernels read), not the grader.
            workdir = sandbox.make_workdir(scratch, slot)
            spec = KernelSpec(argv=sandbox.argv(workdir, slot), display_name="sandboxed python",
                              language="python", interrupt_mode="message", env={}, metadata={})
            context = _context()
            km = _SandboxKernelManager(spec, sandbox.uid_for(slot), workdir, socket_timeout=startup_timeout,
                                       context=context, transport="ipc", ip=str(workdir / "kernel-ipc"),
                                       connection_file=str(workdir / "kernel.json"))
            client = _GradingClient(nb, km, tag, timeout=cell_timeout, allow_errors=True,
                                    startup_timeout=max(1, int(startup_timeout)), shutdown_kernel="immediate",
                                    interrupt_on_timeout=False, iopub_timeout=2, record_timing=False)
            km.channels.on_stop = functools.partial(_stop_kernel, km, flag)
            await _start(client, workdir, start_within, errors)
            kernel_started = True
            errors.started()
            watcher = asyncio.ensure_future(_watch_disk(workdir, km, flag))
            for index, cell in enumerate(nb.cells[:-1]):
                record = records[index]
                if index in skip or (record.kind == "probe" and index in result.probe_lines):
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 1:
                    timed_out = True
                    result.notes.append(OUT_OF_TIME)
                    break
                last = remaining < cell_timeout  # the cell's time limit is the notebook's
                client.timeout = max(1, int(min(cell_timeout, remaining)))
                client.errors.pop(index, None)
                try:
                    await client.async_execute_cell(cell, index)
                except CellTimeoutError:
                    await client.cancel_output_polls()
                    await _settled(watcher, flag)
                    if _stopped(flag):  # the grader stopped the kernel meanwhile: no interrupt reaches it
                        stopped_by_grader(_stopped(flag), index, record)
                        break
                    timed_out = True
                    record.status = "timeout"
                    skip.add(index)  # interrupted or not, a new kernel will not rerun it
                    if last or deadline - time.monotonic() <= 1:
                        # The notebook's time is up: no interrupt, no new kernel, nothing more runs.
                        record.error = "stopped when the notebook's time ran out"
                        result.notes.append(OUT_OF_TIME)
                        break
                    if not await _interrupt(client, km, len(nb.cells) - 1, deadline):
                        record.status = "skipped"
                        record.error = "still running after an interrupt; skipped"
                        restart = True
                        break
                    record.error = "interrupted after the time limit"
                    continue
                except DeadKernelError:
                    await _settled(watcher, flag)
                    stop = _stopped(flag)
                    if stop in (*_RERUN, "disk", "files", "output", "reply"):
                        stopped_by_grader(stop, index, record)
                        break
                    crashed = True
                    skip.add(index)
                    record.status = "died"
                    record.error = f"the kernel died{_exit_code(km)} while this cell ran; skipped"
                    if sandbox.oom_kills(workdir):
                        # The kernel's processes together passed its memory limit (its cgroup).
                        record.status, record.error = "out of memory", "ran out of memory; skipped"
                    elif stop:  # it closed its connections, still running
                        record.error = _stop_message(stop)
                    restart = True
                    break
                error = client.errors.get(index, "")
                if error.startswith("MemoryError"):
                    # Whatever filled the memory may still hold it: start again without it.
                    crashed = True
                    skip.add(index)
                    record.status, record.error = "out of memory", "ran out of memory; skipped"
                    restart = True
                    break
                record.status, record.error = ("error", error) if error else ("ok", "")
                if record.kind == "probe":
                    collector = client.collectors.get(index)
                    result.probe_lines[index] = list(collector.lines) if collector else []
        except _StartTimeout as err:
            if start_within < startup_timeout:  # the run's time ran out, not the kernel's start time
                timed_out = True
                result.notes.append(OUT_OF_TIME)
            else:
                crashed = True
                result.notes.append(_failure(str(err), errors))
        except Exception as err:  # noqa: BLE001 - a kernel that cannot start or talk is a crash, not ours
            crashed = True
            if km is None:  # the sandbox or the kernel's manager could not be made: the grader's words
                result.notes.append(_failure(f"its sandbox could not be made: {type(err).__name__}: "
                                             f"{_one_line(str(err))}"))
            elif not kernel_started:
                said = str(err) if isinstance(err, ChannelError) else f"it did not start ({type(err).__name__})"
                result.notes.append(_failure(said, errors))
            else:
                # What the kernel sent broke the client (a message it could not read, say): the
                # error's text may quote the kernel's bytes, so only its name is kept.
                result.notes.append(f"kernel failure: the grader could not go on reading the kernel's messages "
                                    f"({type(err).__name__})")
        finally:
            if client is not None:
                cut = cut or client.cut
            if km is not None:
                oversized += km.channels.oversized
            await _to_the_end(_clean_up(client, km, watcher, context, sandbox, workdir, slot, errors))
        if not restart:
            break
        if not free:
            counted += 1
            if counted > MAX_RESTARTS:
                result.notes.append("gave up after repeated kernel restarts")
                break
    if oversized:
        result.notes.append(f"{oversized} output message{'s' if oversized > 1 else ''} over the grader's "
                            f"limits ({MAX_MESSAGE_BYTES // 2**20} MB, {MAX_FRAMES} parts) went unread")
    if cut:
        budget = question_budget(len(probe_sources))
        result.notes.append(f"the answers' output passed the grader's limits ({MAX_TAGGED_LINES} lines and "
                            f"{_characters(budget)} characters per question, "
                            f"{_characters(MAX_TAGGED_LINE)} per line); the rest went unread")
    result.status = "crashed" if crashed else "timeout" if timed_out else "ok"
    result.seconds = time.monotonic() - started
    return result


def _characters(count: int) -> str:
    """``count`` characters, as a note shows it: "2 M", "481 K"."""
    return f"{count / 2**20:g} M" if count % 2**20 == 0 else f"{count // 2**10:,} K"


def _stopped(flag: dict) -> str:
    """Why the grader stopped the kernel (one of _STOPS), or "" when it did not."""
    return next((reason for reason in _STOPS if flag.get(reason)), "")


def _exit_code(km) -> str:
    """" (exit code N)" or " (killed by signal N)" for a dead kernel's process, if known."""
    try:
        code = km.provisioner.process.poll()
    except AttributeError:
        return ""
    if code is None:
        return ""
    return f" (killed by signal {-code})" if code < 0 else f" (exit code {code})"


async def _interrupt(client: _GradingClient, km, sentinel_index: int, deadline: float) -> bool:
    """Interrupt the busy kernel; True if it answers a trivial cell within the grace period (which
    ends by ``deadline``, the notebook's, at the latest)."""
    try:
        await km.interrupt_kernel()
        client.timeout = max(1, int(min(INTERRUPT_GRACE, deadline - time.monotonic())))
        await client.async_execute_cell(client.nb.cells[sentinel_index], sentinel_index)
        return True
    except (CellTimeoutError, DeadKernelError, RuntimeError, zmq.ZMQError):
        await client.cancel_output_polls()
        return False


async def _shutdown(client: _GradingClient, km) -> None:
    try:
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 - the process may already be gone; cleanup() kills the rest
        pass
    try:
        if client.kc is not None:
            client.kc.stop_channels()
    except Exception:  # noqa: BLE001
        pass
    try:
        await km.cleanup_resources()
    except Exception:  # noqa: BLE001
        pass
