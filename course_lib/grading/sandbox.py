"""Where and how a submission's kernel runs: the sandbox around every student kernel.

Three protections, chosen by what the grader is allowed to do (see the table in docs/sandbox.md):

``bwrap`` (default when bubblewrap works)
    The kernel runs in a bubblewrap sandbox: new user, PID, network, IPC and UTS namespaces, a
    file system that holds only the system's read-only directories, the Python environment,
    ``course_lib`` and a private, writable working folder. Nothing else of the machine, the
    repository, the instructor's files or the other submissions is visible. When the grader runs
    as root, the kernel first drops to an unprivileged user id of its own (one per parallel job)
    with ``setpriv``, so bubblewrap runs unprivileged too. Before that drop, still as root and in a
    mount namespace of its own, the kernel's command binds the read-only folders into a staging
    folder any user can traverse, so a course cloned where other users cannot pass (a 0700 home,
    ``/root``, a ``mktemp -d`` folder) still reaches the sandbox; bubblewrap binds them from there
    back to their own paths.
``setpriv`` (root without bubblewrap)
    The kernel runs as an unprivileged user id of its own, in new network, IPC, UTS, PID and
    mount namespaces, in a private working folder. The file system is the machine's, so the
    instructor's files are protected only by their permissions: the grader refuses to start while
    a protected path (instructor folder, solutions, secret, roster, submissions, output) is
    readable by others, and refuses this mode while the Python packages or ``course_lib`` are out
    of the kernel's reach. Every folder of the machine that any user may write to (``/tmp``,
    ``/var/tmp``, ``/dev/shm``, ...; found by :func:`world_writable_folders` when the sandbox is
    chosen) is covered, in the kernel's own mount namespace, by a small private tmpfs, and every
    writable mount of the machine is read-only there (a file any user may write, a folder made
    world-writable after the scan), so the kernel can write only to sized memory; it starts in its
    working folder as that covered tree shows it. A folder to cover that is no longer the folder
    of that name when a kernel starts (a link now, renamed, gone) is passed over, never followed;
    only /tmp and /dev/shm must still be themselves, or no kernel starts. When ``auto`` falls
    back to this mode because bubblewrap failed, :meth:`Sandbox.describe` says so and why.
``none`` (only when asked for)
    No isolation beyond resource limits; for trying things out on your own notebooks.

In every mode the kernel starts with an empty environment (no secret can leak through it), with
resource limits (address space, file size, CPU time, open files, and processes when root) set by
``prlimit``, and talks to the grader over Unix sockets inside its working folder, which the grader
pins and connects to once (``runner.KernelChannels``). As root, where a cgroup (v2, else v1) is writable, each kernel also runs in a control group of its own: one memory
limit for its whole process tree, a bounded number of tasks and one core (see
:func:`cgroup_support`). Job numbers, hence the kernels' user ids, are leased per run
(:func:`claim_slot`), so two runs on one machine never reach each other's kernels.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import re
import shutil
import stat
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.grading.submissions import printable, shorten

__all__ = ["SandboxError", "Sandbox", "detect_sandbox", "readable_by_others", "closed_folder", "claim_slot",
           "hold_slot", "release_slot", "cgroup_support", "world_writable_folders", "start_failure"]

MODES = ("auto", "bwrap", "setpriv", "none")
DEFAULT_UID_BASE = 62000
HOME = "/home/student"  # inside the bubblewrap sandbox

# Ran by the sandboxed interpreter in isolated mode (-I): it sees only the site directories we
# name, so neither PYTHON* variables nor a user site can change what the kernel imports.
_LAUNCHER = (
    "import site, sys\n"
    "for d in {sites!r}: site.addsitedir(d)\n"
    "sys.argv[0] = 'ipykernel_launcher'\n"
    "from ipykernel import kernelapp\n"
    "kernelapp.launch_new_instance()\n"
)

_SELF_TEST = (
    "import site, sys, json, os\n"
    "for d in {sites!r}: site.addsitedir(d)\n"
    "import ipykernel, numpy, sympy, course_lib.arithmetic\n"
    "print(json.dumps({{'uid': os.getuid(), 'cwd': os.getcwd(),\n"
    "                  'course_lib': os.path.dirname(course_lib.arithmetic.__file__)}}))\n"
)


class SandboxError(RuntimeError):
    """The requested sandbox cannot be used here; the message says why and what to do.

    Every name in the message is shown through :func:`~course_lib.grading.submissions.printable`:
    folders and files other users may name (a world-writable folder, a submission) reach root's
    terminal as one line of plain text, never as escape sequences.
    """


def readable_by_others(path: Path) -> bool:
    """Whether a user who is neither the owner nor in the group could read ``path``.

    A file is out of reach when some folder above it lacks the others' ``x`` bit, or when the
    file itself (or, for a folder, the folder) lacks the others' ``r`` bit.

    Examples
    --------
    >>> readable_by_others(Path("/etc/hostname"))
    True
    """
    return closed_folder(path) is None


_SLOT_LOCKS: dict = {}
SLOT_FOLDER_ROOT = "/run/course-grade"  # root's leases: a folder only root can write, whatever TMPDIR says


def _slot_folder() -> Path:
    """The folder of this user's slot leases, created private and checked to be ours.

    Root's leases live in ``/run/course-grade`` so that two runs with different ``TMPDIR``s
    still see each other's leases; a normal user's in their temporary folder.
    """
    if os.geteuid() == 0 and os.path.isdir(os.path.dirname(SLOT_FOLDER_ROOT)):
        folder = Path(SLOT_FOLDER_ROOT)
    else:
        folder = Path(tempfile.gettempdir()) / f"course-grade-slots-{os.geteuid()}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    # Another user could have made the folder first (in /tmp) to share or steal our leases.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise SandboxError(f"{printable(folder)} must be a folder owned by user {os.geteuid()} with mode 0700 "
                           f"(it holds the grading runs' job leases); remove it and try again")
    return folder


def _lease(folder: Path, slot: int) -> bool:
    """Take slot ``slot``'s lease for this process's life; False when another process holds it."""
    fd = os.open(folder / f"{slot}.lock", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    _SLOT_LOCKS[slot] = fd
    return True


def claim_slot(limit: int = 1000) -> int:
    """A job number no other grading run on this machine is using, held until released or the process ends.

    Each job's kernels run as user id ``uid_base + slot``, so two grading runs at once must never
    share a slot: the lease is an ``flock`` on a file in a folder only this user can write.

    Examples
    --------
    >>> first, second = claim_slot(), claim_slot()
    >>> first != second
    True
    >>> release_slot(first), release_slot(second)
    (None, None)
    """
    folder = _slot_folder()
    for slot in range(limit):
        if slot not in _SLOT_LOCKS and _lease(folder, slot):
            return slot
    raise SandboxError(f"all {limit} grading slots are in use")


def hold_slot(slot: int) -> None:
    """Make sure this process holds slot ``slot`` (taking it if free), or raise SandboxError.

    Examples
    --------
    >>> slot = claim_slot()
    >>> hold_slot(slot)  # already ours
    >>> release_slot(slot)
    """
    if slot not in _SLOT_LOCKS and not _lease(_slot_folder(), slot):
        raise SandboxError(f"job slot {slot} (user id of its kernels) is held by another grading run; "
                           "take a free one with claim_slot()")


def release_slot(slot: int) -> None:
    """Give a slot from :func:`claim_slot` back.

    Examples
    --------
    >>> release_slot(claim_slot())
    """
    fd = _SLOT_LOCKS.pop(slot, None)
    if fd is not None:
        os.close(fd)


def closed_folder(path: Path, need: str = "r") -> Path | None:
    """The first folder that keeps other users from ``path``, or None when none does.

    That is the first folder above ``path`` without the others' ``x`` bit, else ``path`` itself
    when it lacks the others' ``need`` bit (``"r"`` to read it, ``"x"`` to pass through it) or
    does not exist.

    Raises
    ------
    ValueError
        If ``need`` is neither ``"r"`` nor ``"x"``.

    Examples
    --------
    >>> closed_folder(Path("/usr/bin")) is None
    True
    >>> closed_folder(Path("/nonexistent/file"))
    PosixPath('/nonexistent')
    """
    if need not in ("r", "x"):
        raise ValueError(f"need must be 'r' or 'x', got {need!r}")
    path = Path(path).absolute()
    try:
        for parent in reversed(path.parents):
            if not parent.stat().st_mode & stat.S_IXOTH:
                return parent
        return None if path.stat().st_mode & (stat.S_IROTH if need == "r" else stat.S_IXOTH) else path
    except OSError as err:
        return Path(err.filename) if err.filename else path


# Ran by `sh` as root in the kernel's own mount namespace, before privileges are dropped: with
# `mount` as $1, binds each read-only source onto its empty mount point in the staging folder
# ($2 $3, $4 $5, ... up to "--"), then runs the rest of the command. Paths arrive as arguments,
# never as code.
_STAGE_SCRIPT = (
    'm=$1; shift; while [ "$1" != -- ]; do "$m" --rbind -- "$1" "$2" || exit 125; shift 2; done; '
    'shift; exec "$@"'
)
STAGE = "ro"  # the staging folder's name, next to the kernels' working folders

# Ran by `sh` as root in a setpriv kernel's own mount namespace, before privileges are dropped:
# with `mount` as $1, `mountpoint` as $2 and the kernel's working folder as $3, carries out
# operations of three words each (up to "--"), enters the working folder by its path and runs the
# rest of the command there. `readonly OPTIONS POINT` remounts the mount at POINT with OPTIONS
# (its own flags and ro); `cover OPTIONS FOLDER` mounts a tmpfs over FOLDER; `must-cover OPTIONS
# FOLDER` the same for a folder every kernel relies on (/tmp, /dev/shm); `tmpfs OPTIONS FOLDER`
# mounts a tmpfs on FOLDER, which must be there; `keep SOURCE TARGET` binds SOURCE onto TARGET,
# made first; `move SOURCE TARGET` moves a mount.
# A folder to remount or cover is entered first and must still be the folder of that name, not a
# link to another (`at`): the mount goes onto the folder entered (`.`, not looked up again), so a
# link swapped in meanwhile is never followed. A POINT or a FOLDER gone, or no longer itself
# (a link now, renamed away, out of root's reach), since the command was made is passed over:
# nothing of the machine is reached through that name any more, and what lies there is on a
# file system made read-only just before. Only `must-cover` and `move` (a folder holding the
# kernel's own) refuse such a folder (exit 125, the reason on stderr): a kernel must not start
# without them. `at` compares `pwd -P` with a sentinel after it, since `$(...)` drops trailing
# newlines and a folder may be named "pub<newline>"; messages go through printf, since dash's
# echo reads backslashes in a name as escapes. The kernel must not start in a folder entered
# before the covers were laid: that folder stays in the machine's uncovered tree, and `..` would
# climb the machine's own folders from there. `mount -n`: this namespace's mounts are never
# recorded in the machine's /run/mount/utab. Paths arrive as arguments, never as code.
_COVER_SCRIPT = (
    'umask 022; m=$1; p=$2; w=$3; shift 3; '
    "no() { printf 'sandbox: %s\\n' \"$1\" >&2; exit 125; }; "
    'at() { cd -P -- "$1" 2>/dev/null && [ "$(pwd -P; echo x)" = "$1\nx" ]; }; '
    'gone() { no "$1 is no longer the folder of that name (a link now?): no kernel starts"; }; '
    'while [ "$1" != -- ]; do case $1 in '
    'readonly) t=$3; if [ -d "$3" ] || [ -L "$3" ]; then t=; ! at "$3" || t=.; fi; '
    '[ -z "$t" ] || [ ! -e "$t" ] || "$m" -nc -o "remount,bind,$2" -- "$t" 2>/dev/null || ! "$p" -q -- "$t" '
    '|| no "could not make $3 read-only";; '
    'cover) if { [ -e "$3" ] || [ -L "$3" ]; } && at "$3"; then "$m" -nc -t tmpfs -o "$2" tmpfs . || exit 125; fi;; '
    'must-cover) if [ -e "$3" ] || [ -L "$3" ]; then at "$3" || gone "$3"; '
    '"$m" -nc -t tmpfs -o "$2" tmpfs . || exit 125; fi;; '
    'tmpfs) "$m" -n -t tmpfs -o "$2" tmpfs "$3" || exit 125;; '
    'keep) mkdir -p -- "$3" && "$m" -n --rbind -- "$2" "$3" || exit 125;; '
    'move) at "$3" || gone "$3"; "$m" -nc --move -- "$2" . || exit 125;; '
    '*) exit 125;; esac; shift 3; done; shift; cd -P -- "$w" || exit 125; exec "$@"'
)
# Folders every kernel relies on: covered without fail, or no kernel starts (only root could swap them).
ESSENTIAL_COVERS = ("/tmp", "/dev/shm")


def start_failure(stderr: str) -> str:
    r"""Why a kernel's command stopped, from what it wrote on stderr: one line of plain text ("" if nothing).

    A refusal of the kernel's own scripts (``sandbox: ...``, its folder name possibly holding
    newlines) is kept whole, else the last line; names are shown through
    :func:`~course_lib.grading.submissions.printable` and the text is at most 300 characters.

    Examples
    --------
    >>> print(start_failure("warning\nsandbox: /srv/pub\n is no longer the folder of that name\n"))
    sandbox: /srv/pub\x0a is no longer the folder of that name
    >>> print(start_failure("bwrap: \x1b]0;x\x07 no permission\n")), start_failure("")
    bwrap: \x1b]0;x\x07 no permission
    (None, '')
    """
    text = str(stderr).strip()
    mark = text.rfind("\nsandbox: ")
    said = text if text.startswith("sandbox: ") and mark < 0 else (
        text[mark + 1:] if mark >= 0 else (text.splitlines() or [""])[-1])
    return shorten(printable(said), 300)


COVER_STAGE = "cover"  # in root's lease folder: where a cover is built before it is moved in place
# File systems without folders a kernel could fill (kernel interfaces), never scanned nor remounted.
_PSEUDO_FILE_SYSTEMS = {"proc", "sysfs", "cgroup", "cgroup2", "devpts", "securityfs", "debugfs", "tracefs",
                        "bpf", "pstore", "configfs", "fusectl", "binfmt_misc", "autofs", "efivarfs",
                        "selinuxfs", "rpc_pipefs", "nsfs"}


def _mountinfo(source: str = "/proc/self/mountinfo") -> list[dict]:
    r"""This process's mounts, in mountinfo order: ``id``, ``parent`` (its id), ``point``, ``type`` and ``options``.

    The options are the mount's and its file system's together (``ro`` may be either). A mount
    point is kept as the file system names it: bytes that are not UTF-8 (any user may mount a
    FUSE file system on a folder so named) stay as :func:`os.fsdecode` keeps them, so they
    reach a command as the same bytes, and any other character but the four mountinfo escapes
    (a no-break space, a carriage return) stays part of the name.

    Examples
    --------
    >>> line = b"40 27 0:40 / /home/al\xff\\040x\r\xc2\xa0y rw,nosuid - fuse.sshfs al@host: rw\n"
    >>> source = Path(tempfile.mkdtemp()) / "mountinfo"; _ = source.write_bytes(line)
    >>> os.fsencode(_mountinfo(str(source))[0]["point"])
    b'/home/al\xff x\r\xc2\xa0y'
    >>> _force_rmtree(source.parent)
    """
    mounts = []
    with open(source, "rb") as handle:
        for line in handle:
            # Fields are parted by single spaces; a name may hold any other byte (str.split() would
            # also part it at a no-break space, bytes.split() at a carriage return).
            fields = [os.fsdecode(part) for part in line.rstrip(b"\n").split(b" ")]
            dash = fields.index("-")
            # mountinfo escapes spaces, tabs, newlines and backslashes in octal (\040).
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            mounts.append({"id": int(fields[0]), "parent": int(fields[1]), "point": point,
                           "type": fields[dash + 1],
                           "options": {*fields[5].split(","), *fields[dash + 3].split(",")}})
    return mounts


def _mounts() -> list[tuple[str, str, set]]:
    """This process's mounts, in mount order: ``(mount point, file system type, options)``.

    The options are the mount's and its file system's together (``ro`` may be either).
    """
    return [(m["point"], m["type"], m["options"]) for m in _mountinfo()]


def _writable_mounts() -> list[str]:
    """Mount points of the machine's writable file systems, kernel interfaces left out."""
    return [point for point, fstype, options in _mounts()
            if fstype not in _PSEUDO_FILE_SYSTEMS and "ro" not in options]


# A mount's own flags, named again when it is remounted read-only (the others would be cleared).
_MOUNT_FLAGS = ("nosuid", "nodev", "noexec", "noatime", "nodiratime", "relatime", "strictatime", "nosymfollow")


def _reached(mounts: list[dict]) -> set[int]:
    """The ids of the mounts a lookup of their own mount point reaches (the top one there).

    Worked out from mountinfo alone, nothing is looked up on the file systems (a FUSE mount may
    never answer): a lookup starts at the root mount and, at each folder of the path, steps onto
    the last mount made there on the mount it is in. A mount stacked over another, or over a
    folder above it, hides it.

    Examples
    --------
    >>> listed = [{"id": 2, "parent": 1, "point": "/"}, {"id": 3, "parent": 2, "point": "/a/b"},
    ...           {"id": 4, "parent": 2, "point": "/a"}, {"id": 5, "parent": 4, "point": "/a"},
    ...           {"id": 6, "parent": 5, "point": "/a/c"}]
    >>> sorted(_reached(listed))  # 3 lies below /a, which 4 and then 5 cover
    [2, 5, 6]
    """
    known = {mount["id"] for mount in mounts}
    top = {(mount["parent"], mount["point"]): mount["id"] for mount in mounts}
    roots = [mount["id"] for mount in mounts if mount["point"] == "/" and mount["parent"] not in known]
    if not roots:
        return known  # not a tree we can follow: treat every mount as reachable
    reached = set()
    for mount in mounts:
        here = roots[0]
        parts = mount["point"].strip("/").split("/") if mount["point"] != "/" else []
        for path in ["/", *("/" + "/".join(parts[:n]) for n in range(1, len(parts) + 1))]:
            while (here, path) in top and top[(here, path)] != here:
                here = top[(here, path)]
        if here == mount["id"]:
            reached.add(here)
    return reached


def _machine_mounts(own: str) -> list[tuple[str, str]]:
    """The writable mounts a kernel could write to, with the options that remount each read-only.

    Every writable mount a lookup of its path reaches (:func:`_reached`) is listed, whoever may
    pass the folders above it now: their owner may open them while the kernel runs (an NFS
    home), and remounting costs nothing. Only kernel interfaces, anything below /proc and /sys,
    and the mounts at or below ``own`` (the run's working folders) are left out. Read from
    mountinfo alone: no mount point is looked at, so a mount whose file system never answers
    cannot hold the grader up.
    """
    mounts = _mountinfo()
    reached = _reached(mounts)
    return [(mount["point"], ",".join(["ro", *(flag for flag in _MOUNT_FLAGS if flag in mount["options"])]))
            for mount in mounts
            if mount["id"] in reached and mount["type"] not in _PSEUDO_FILE_SYSTEMS and "ro" not in mount["options"]
            and not (_inside(mount["point"], own) or _inside(mount["point"], "/proc")
                     or _inside(mount["point"], "/sys"))]


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies below it (by name, no link followed)."""
    return os.path.commonpath([path, folder]) == folder


def world_writable_folders(roots=None) -> list[str]:
    """The outermost folders any user may reach and write to, on ``roots``' file systems (default: the machine's).

    Each root is walked without leaving its file system and without following links; a folder
    with the others' ``w`` and ``x`` bits is listed and not entered (a cover over it hides what it
    holds); a folder without the others' ``x`` bit is not entered either (no other user gets
    past it). By default the roots are the mount points of every writable file system but the
    kernel's interfaces (proc, sysfs, cgroups, devpts, ...). A root that cannot be read is skipped.

    Examples
    --------
    >>> base = Path(tempfile.mkdtemp()); base.chmod(0o755)
    >>> (base / "deep" / "drop").mkdir(parents=True); (base / "deep" / "drop").chmod(0o1777)
    >>> world_writable_folders([base]) == [str(base / "deep" / "drop")]
    True
    >>> base.chmod(0o700); world_writable_folders([base])  # no other user gets in
    []
    >>> _force_rmtree(base)
    """
    roots = _writable_mounts() if roots is None else [os.path.abspath(r) for r in roots]
    found: list[str] = []
    for root in sorted(set(roots), key=lambda r: (r.count("/"), r)):
        if any(_inside(root, folder) for folder in found) or closed_folder(Path(root), need="x") is not None:
            continue  # hidden with a covered folder, or out of other users' reach
        try:
            info = os.lstat(root)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            continue
        if info.st_mode & stat.S_IWOTH:
            found.append(root)
            continue
        stack = [root]
        while stack:
            try:
                entries = list(os.scandir(stack.pop()))
            except OSError:
                continue
            for entry in entries:
                try:
                    if not entry.is_dir(follow_symlinks=False):
                        continue
                    entry_info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if entry_info.st_dev != info.st_dev or not entry_info.st_mode & stat.S_IXOTH:
                    continue  # another mount (walked as a root of its own), or closed to other users
                if entry_info.st_mode & stat.S_IWOTH:
                    found.append(entry.path)
                else:
                    stack.append(entry.path)
    return sorted(folder for folder in found if not any(other != folder and _inside(folder, other)
                                                        for other in found))


# --- one control group per kernel ----------------------------------------------------------------

PIDS_PER_KERNEL = 256  # tasks (processes and threads) in one kernel's whole tree
CPU_PERIOD_US = 100_000
CONTROLLERS = ("memory", "pids", "cpu")
# Ran by `sh` as root before anything else of the kernel's command: it moves itself into the
# kernel's control groups ($1 ... up to "--"), so every process the kernel ever starts is counted
# there, then runs the rest of the command.
_JOIN_SCRIPT = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'


def _own_cgroups() -> tuple[dict, str]:
    """This process's control groups: {v1 controller: folder} and its cgroup2 folder ("" if none)."""
    mounts_v1, mount_v2 = {}, ""
    for point, fstype, options in _mounts():
        if fstype == "cgroup2" and not mount_v2:
            mount_v2 = point
        elif fstype == "cgroup":
            for controller in CONTROLLERS:
                if controller in options:
                    mounts_v1.setdefault(controller, point)
    v1, v2 = {}, ""
    with open("/proc/self/cgroup") as handle:
        for line in handle:
            _, names, path = line.rstrip("\n").split(":", 2)
            if names == "" and mount_v2:
                v2 = os.path.join(mount_v2, path.lstrip("/"))
            for controller in names.split(","):
                if controller in mounts_v1:
                    v1[controller] = os.path.join(mounts_v1[controller], path.lstrip("/"))
    return v1, v2


def cgroup_support() -> tuple[int, dict]:
    """Where this process may make one control group per kernel: ``(version, {controller: folder})``.

    cgroup v2 is used when its ``memory`` and ``pids`` controllers can be delegated below this
    process's own group, else v1's ``memory``, ``pids`` and ``cpu`` hierarchies when they are
    writable; ``(0, {})`` when neither is (a grader that is not root, say). Kernels' groups are
    made below the grader's own, so whatever limits the grader has also bound its kernels.

    Examples
    --------
    >>> version, folders = cgroup_support()
    >>> version in (0, 1, 2) and (version == 0) == (folders == {})
    True
    """
    if os.geteuid() != 0 or sys.platform != "linux":
        return 0, {}
    try:
        v1, v2 = _own_cgroups()
    except (OSError, ValueError):
        return 0, {}
    if v2:
        try:
            available = Path(v2, "cgroup.controllers").read_text().split()
            if {"memory", "pids"} <= set(available):
                wanted = [c for c in CONTROLLERS if c in available]
                Path(v2, "cgroup.subtree_control").write_text(" ".join("+" + c for c in wanted))
                if _probe(v2):
                    return 2, {c: v2 for c in wanted}
        except OSError:
            pass  # a group with processes of its own cannot delegate controllers: try v1
    usable = {c: folder for c, folder in v1.items() if _probe(folder)}
    if {"memory", "pids"} <= set(usable):
        return 1, usable
    return 0, {}


def _probe(folder: str) -> bool:
    """Whether a child group can be made (and removed) in ``folder``."""
    child = os.path.join(folder, f"course-probe-{os.getpid()}")
    try:
        os.mkdir(child)
        os.rmdir(child)
        return True
    except OSError:
        return False


def _kill_group(folder: Path, seconds: float = 10.0) -> None:
    """Kill every process in the control group ``folder`` (children forked meanwhile too)."""
    try:
        (folder / "cgroup.kill").write_text("1")  # v2, Linux >= 5.14: the kernel does it atomically
    except OSError:
        pass
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)


def _remove_group(folder: Path, seconds: float = 5.0) -> None:
    """Remove an emptied control group; its last processes may take a moment to be reaped."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return  # an empty group left behind costs nothing; never fail a grading for it
            _kill_group(folder, 0.5)
            time.sleep(0.02)


def _which(name: str) -> str | None:
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin")


def _site_dirs() -> list[str]:
    """The grader's site-packages folders (where ipykernel, numpy, sympy and course_lib live)."""
    dirs = []
    candidates = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *sys.path]
    for d in candidates:
        if d and d.rstrip("/").endswith(("site-packages", "dist-packages")) and d not in dirs and os.path.isdir(d):
            dirs.append(d)
    return dirs


def _interpreter_candidates() -> list[str]:
    """Interpreters able to import the grader's site-packages: same Python version first."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    seen, out = set(), []
    for candidate in (
        getattr(sys, "_base_executable", None),
        os.path.realpath(sys.executable),
        os.path.join(sys.base_prefix, "bin", f"python{version}"),
        f"/usr/bin/python{version}",
        f"/usr/local/bin/python{version}",
        shutil.which(f"python{version}"),
    ):
        if candidate and os.path.isfile(candidate) and candidate not in seen:
            seen.add(candidate)
            out.append(candidate)
    return out


def _prefix_of(interpreter: str) -> str:
    """The installation folder holding ``interpreter`` (``/usr`` for ``/usr/bin/python3.11``)."""
    return str(Path(interpreter).parent.parent)


@dataclass
class Sandbox:
    """A way to run kernels; build one with :func:`detect_sandbox`.

    Examples
    --------
    >>> Sandbox(mode="none", interpreter=sys.executable, sites=[]).uid_for(1) is None
    True
    """

    mode: str
    interpreter: str
    sites: list[str]
    memory_mb: int = 2048
    disk_mb: int = 512
    cpu_seconds: int = 600
    uid_base: int = DEFAULT_UID_BASE
    readonly: list[str] = field(default_factory=list)
    root: bool = field(default_factory=lambda: os.geteuid() == 0)
    tools: dict = field(default_factory=dict)
    # Why stronger sandboxes were not used (filled by detect_sandbox), for error messages.
    passed_over: list[str] = field(default_factory=list)
    # Where each kernel gets control groups of its own (see cgroup_support); 0: none.
    cgroup_version: int = 0
    cgroup_folders: dict = field(default_factory=dict)
    shm_mb: int = 64  # the kernel's private /dev/shm
    tmp_mb: int = 64  # its private /tmp; in setpriv mode, each private folder laid over a world-writable one
    # setpriv mode: the machine's world-writable folders, each covered by a private tmpfs in the
    # kernel's mount namespace (filled by detect_sandbox; /dev/shm is covered in any case).
    covered: list[str] = field(default_factory=list)
    _groups: dict = field(default_factory=dict, repr=False)  # working folder -> its kernel's groups

    # --- identities and folders ---------------------------------------------------------------

    def uid_for(self, slot: int) -> int | None:
        """The unprivileged user id of parallel job ``slot`` (root modes only)."""
        if not self.root or self.mode == "none":
            return None
        return self.uid_base + slot

    def make_workdir(self, parent: Path, slot: int) -> Path:
        """A fresh private working folder for one kernel, owned by the kernel's user.

        As root it is a tmpfs of ``disk_mb`` MB, so no kernel can fill the disk.
        """
        uid = self.uid_for(slot)
        if self.mode == "setpriv" and uid is not None:
            self._check_covered()
        if uid is not None:
            hold_slot(slot)  # its user id must be ours alone: the clean-up kills that user's processes
        workdir = Path(tempfile.mkdtemp(prefix=f"job{slot}-", dir=parent))
        try:
            self._groups[str(workdir)] = self._make_groups(workdir)
        except OSError as err:
            _force_rmtree(workdir)
            raise SandboxError(f"could not make the kernel's control group: {printable(err)}") from err
        if self.stages:
            self._make_stage(Path(parent) / STAGE)
        if self.mode == "setpriv" and uid is not None:
            self._cover_stage().mkdir(mode=0o700, exist_ok=True)
        if uid is not None:
            options = f"size={self.disk_mb}m,mode=0700,uid={uid},gid={uid},nosuid,nodev"
            mounted = subprocess.run([self.tools["mount"], "-t", "tmpfs", "-o", options, "tmpfs", str(workdir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, encoding="utf-8",
                                     errors="surrogateescape")
            if mounted.returncode != 0:
                self._remove_groups(workdir)
                _force_rmtree(workdir)
                raise SandboxError(f"could not mount a private tmpfs: {printable(mounted.stderr.strip())}")
        os.chmod(workdir, 0o700)
        return workdir

    def _check_covered(self) -> None:
        """Refuse, naming it, a folder every kernel relies on (/tmp, /dev/shm) that now leads elsewhere.

        Any other folder to cover that a local user has swapped for a link (or renamed, or
        removed) since the sandbox was chosen is passed over by the kernel's cover script, never
        followed: the read-only remount of its file system already keeps the kernel out, and one
        user's folder must not stop every kernel. Only root could swap the folders checked here.
        """
        for folder in self.covered:
            if folder in self._essential() and os.path.lexists(folder) and os.path.realpath(folder) != folder:
                raise SandboxError(
                    f"{printable(folder)} was a folder any user may write to when the sandbox was chosen and now "
                    f"leads to {printable(os.path.realpath(folder))} (a link was put in its place): no kernel "
                    "starts, since every kernel needs its private cover there. Remove the link and grade again "
                    "(the grader then looks for the world-writable folders anew)")

    @staticmethod
    def _essential() -> set:
        """The covered folders no kernel may start without: ESSENTIAL_COVERS, /dev/shm where its link leads."""
        return {*ESSENTIAL_COVERS, os.path.realpath("/dev/shm")}

    @property
    def stages(self) -> bool:
        """Whether read-only folders reach bubblewrap through a staging folder (bwrap as root)."""
        return self.mode == "bwrap" and self.uid_for(0) is not None

    def _make_stage(self, stage: Path) -> None:
        """Empty mount points, one per read-only source, in a folder every user can traverse.

        They stay empty on the machine: the binds exist only in each kernel's own mount
        namespace, so deleting the folder can never reach the sources.
        """
        stage.mkdir(mode=0o711, exist_ok=True)
        os.chmod(stage, 0o711)  # traversal only: the names are known, nothing is listed
        for index, source in enumerate(self.readonly):
            point = stage / str(index)
            if os.path.isdir(source):
                point.mkdir(mode=0o755, exist_ok=True)
            else:
                point.touch(mode=0o644, exist_ok=True)

    def _cover_stage(self) -> Path:
        """An empty folder only root can reach, outside the folders covered if the machine allows."""
        return _slot_folder() / COVER_STAGE

    def cover_operations(self, workdir: Path, mounts: list[tuple[str, str]] | None = None) -> list[str]:
        """The operations of the setpriv kernel's cover script (see ``_COVER_SCRIPT``) for ``workdir``.

        First every writable mount of the machine is made read-only in the kernel's mount
        namespace (``mounts``: ``(mount point, options)`` pairs; by default read now by
        :func:`_machine_mounts`, the run's own working folders left out), so what the covers cannot
        know of stays out of the kernel's reach too: a file any user may write, a folder made
        world-writable after the sandbox was chosen. Then a private tmpfs goes over /dev/shm
        (``shm_mb``) and over each world-writable folder (``tmp_mb``); one that is no longer the
        folder of that name when the kernel starts is passed over (``cover``), except /tmp and
        /dev/shm (``must-cover``, see ``ESSENTIAL_COVERS``). What the kernel needs below such a
        folder (its working folder, the Python installation, ``course_lib``: a course cloned under
        /tmp, say) is bound into the new tmpfs at its own path before the tmpfs is moved over the
        folder.

        Examples
        --------
        >>> box = Sandbox(mode="setpriv", interpreter=sys.executable, sites=[], covered=["/var/tmp"], root=True)
        >>> box.cover_operations(Path("/srv/work"), mounts=[("/", "ro,relatime")])  # doctest: +NORMALIZE_WHITESPACE
        ['readonly', 'ro,relatime', '/', 'must-cover', 'size=64m,mode=1777,nosuid,nodev', '/dev/shm',
         'cover', 'size=64m,mode=1777,nosuid,nodev', '/var/tmp']
        """
        # Where /dev/shm is a link (to /run/shm), the folder it leads to is the one to cover.
        shm = os.path.realpath("/dev/shm")
        essential = self._essential()
        sizes = {shm: self.shm_mb, **{folder: self.tmp_mb for folder in self.covered if folder != shm}}
        needed = sorted({os.path.abspath(p) for p in (str(workdir), *self.readonly)})
        needed = [p for p in needed if not any(other != p and _inside(p, other) for other in needed)]
        if mounts is None:
            mounts = _machine_mounts(os.path.dirname(os.path.abspath(workdir)))
        operations = [word for point, options in mounts for word in ("readonly", options, point)]
        stage = str(self._cover_stage())
        # Outer folders first; the one holding the stage last, since its cover hides the stage.
        for folder in sorted(sizes, key=lambda f: (_inside(stage, f), f.count("/"), f)):
            options = f"size={sizes[folder]}m,mode=1777,nosuid,nodev"
            kept = [p for p in needed if p != folder and _inside(p, folder)]
            if not kept:
                operations += ["must-cover" if folder in essential else "cover", options, folder]
                continue
            operations += ["tmpfs", options, stage]
            for path in kept:
                operations += ["keep", path, stage + path[len(folder.rstrip("/")):]]
            operations += ["move", stage, folder]
        return operations

    def _make_groups(self, workdir: Path) -> list[Path]:
        """One control group per controller for the kernel of ``workdir``, with its limits set.

        The whole process tree shares one memory limit (files in its in-memory folders count
        too), at most PIDS_PER_KERNEL tasks and one core, so no kernel can starve a neighbour.
        """
        if not self.cgroup_version:
            return []
        name = f"course-kernel-{os.getpid()}-{workdir.name}"
        memory = str(self.memory_mb * 1024 * 1024)
        if self.cgroup_version == 2:
            settings = {"memory.max": memory, "memory.swap.max": "0", "pids.max": str(PIDS_PER_KERNEL),
                        "cpu.max": f"{CPU_PERIOD_US} {CPU_PERIOD_US}"}
        else:
            settings = {"memory.limit_in_bytes": memory, "memory.memsw.limit_in_bytes": memory,
                        "pids.max": str(PIDS_PER_KERNEL), "cpu.cfs_period_us": str(CPU_PERIOD_US),
                        "cpu.cfs_quota_us": str(CPU_PERIOD_US)}
        groups = []
        for folder in dict.fromkeys(self.cgroup_folders.values()):  # v2: one folder for all
            group = Path(folder) / name
            group.mkdir(mode=0o755)
            groups.append(group)
            for key, value in settings.items():
                if (group / key).exists():
                    try:
                        (group / key).write_text(value)
                    except OSError:
                        if not key.startswith("memory.memsw") and not key.startswith("memory.swap"):
                            raise  # swap accounting may be off; everything else must hold
        return groups

    def oom_kills(self, workdir: Path) -> int:
        """How many of the kernel's processes its memory limit has killed so far (0 without a group).

        Examples
        --------
        >>> Sandbox(mode="none", interpreter=sys.executable, sites=[]).oom_kills(Path("/nonexistent"))
        0
        """
        for group in self._groups.get(str(workdir), []):
            for name in ("memory.events", "memory.oom_control"):  # v2, v1
                try:
                    text = (group / name).read_text()
                except OSError:
                    continue
                for line in text.splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        return 0

    def _remove_groups(self, workdir: Path) -> None:
        for group in self._groups.pop(str(workdir), []):
            _kill_group(group)
            _remove_group(group)

    def cleanup(self, workdir: Path, slot: int) -> None:
        """Kill whatever the kernel left running, then delete its working folder and its groups."""
        uid = self.uid_for(slot)
        groups = self._groups.get(str(workdir), [])
        for group in groups:
            # Membership reaches exactly this kernel's processes, however many it forked.
            _kill_group(group)
        if uid is not None:
            # `kill -1` as that user reaches every process of that user and nothing else; the
            # user id is leased to this run alone (hold_slot), so no other run's kernel is hit.
            subprocess.run(
                [self.tools["setpriv"], f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 self.tools["kill"], "-KILL", "-1"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
            )
            subprocess.run([self.tools["umount"], "--lazy", str(workdir)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        _force_rmtree(workdir)
        self._remove_groups(workdir)

    # --- the kernel command ------------------------------------------------------------------

    def home(self, workdir: Path) -> str:
        """The kernel's home and working folder: a size-limited tmpfs inside bubblewrap."""
        return HOME if self.mode == "bwrap" else str(workdir)

    def environment(self, workdir: Path) -> list[str]:
        """``NAME=value`` pairs: the kernel's whole environment."""
        w = self.home(workdir)
        return [
            "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
            f"HOME={w}", f"TMPDIR={w}", f"IPYTHONDIR={w}/.ipython", f"MPLCONFIGDIR={w}/.matplotlib",
            f"JUPYTER_RUNTIME_DIR={w}/.jupyter", f"JUPYTER_DATA_DIR={w}/.jupyter",
            f"JUPYTER_CONFIG_DIR={w}/.jupyter", "MPLBACKEND=Agg",
            # One thread per numerical library keeps parallel kernels from fighting over cores
            # and keeps the address-space limit meaningful.
            "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "MKL_NUM_THREADS=1", "MALLOC_ARENA_MAX=2",
        ]

    def python_argv(self, kernel: bool = True) -> list[str]:
        code = (_LAUNCHER if kernel else _SELF_TEST).format(sites=self.sites)
        argv = [self.interpreter, "-I", "-B", "-c", code]
        if kernel:
            argv += ["-f", "{connection_file}", "--HistoryManager.enabled=False",
                     "--IPKernelApp.capture_fd_output=False"]
        return argv

    def limits(self) -> list[str]:
        memory = self.memory_mb * 1024 * 1024
        argv = [self.tools["prlimit"], f"--as={memory}", f"--fsize={256 * 1024 * 1024}", "--core=0",
                f"--cpu={self.cpu_seconds}", "--nofile=256"]
        if self.uid_for(0) is not None:
            # Counted per user id, and each job has its own: stops fork bombs, not siblings.
            argv.append("--nproc=256")
        return argv + ["--"]

    def bwrap_argv(self, workdir: Path, stage: Path | None = None) -> list[str]:
        """The bubblewrap command; with ``stage``, read-only folder ``n`` is bound from ``stage/n``."""
        w = str(workdir)
        argv = [self.tools["bwrap"], "--unshare-all", "--die-with-parent", "--new-session",
                "--clearenv", "--cap-drop", "ALL"]
        for pair in self.environment(workdir):
            name, value = pair.split("=", 1)
            argv += ["--setenv", name, value]
        # /tmp and the home folder live in memory: keep them small. They are mounted first so
        # that the read-only binds below stay visible even when the course itself lives under
        # /tmp (a CI clone, say). The working folder (the Unix sockets and the connection file)
        # is the grader's, bound at the same path.
        # bubblewrap's /dev and its root are tmpfs without a size, writable by the kernel:
        # /dev/shm gets a sized tmpfs of its own, and /dev and / are made read-only (last).
        argv += ["--proc", "/proc", "--dev", "/dev", "--size", str(self.shm_mb * 1024 * 1024), "--tmpfs", "/dev/shm",
                 "--remount-ro", "/dev", "--size", str(self.tmp_mb * 1024 * 1024), "--tmpfs", "/tmp",
                 "--size", str(self.disk_mb * 1024 * 1024), "--tmpfs", HOME]
        for name in ("usr", "etc"):
            argv += ["--ro-bind", f"/{name}", f"/{name}"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = Path("/") / name
            if path.is_symlink():
                argv += ["--symlink", os.readlink(path), f"/{name}"]
            elif path.is_dir():
                argv += ["--ro-bind", f"/{name}", f"/{name}"]
        for index, path in enumerate(self.readonly):
            argv += ["--ro-bind", str(stage / str(index)) if stage is not None else path, path]
        argv += ["--bind", w, w, "--remount-ro", "/", "--chdir", HOME, "--"]
        return argv

    def argv(self, workdir: Path, slot: int, kernel: bool = True) -> list[str]:
        """The full command that starts a kernel (or, with ``kernel=False``, the self-test)."""
        argv = [self.tools["env"], "-i", *self.environment(workdir), *self.limits()]
        groups = self._groups.get(str(workdir), [])
        if groups:
            argv = [self.tools["sh"], "-c", _JOIN_SCRIPT, "sh", *(str(g / "cgroup.procs") for g in groups),
                    "--", *argv]
        uid = self.uid_for(slot)
        if self.mode == "setpriv":
            argv += [self.tools["unshare"], "--net", "--ipc", "--uts", "--pid", "--fork", "--kill-child",
                     "--mount-proc", "--"]
            if uid is not None:
                # The machine's /dev/shm, /tmp and every other folder all users may write to are
                # shared and sized by the machine (a kernel once filled 70 GB of disk there): in
                # the kernel's own mount namespace (made by --mount-proc, private), root makes the
                # machine's writable mounts read-only and lays a small private tmpfs over each
                # such folder; the kernel then starts in its working folder as that tree shows it.
                argv += [self.tools["sh"], "-c", _COVER_SCRIPT, "sh", self.tools["mount"], self.tools["mountpoint"],
                         str(workdir), *self.cover_operations(workdir), "--"]
        stage = workdir.parent / STAGE if self.stages else None
        if stage is not None:
            # Root resolves the sources, whatever folders above them are closed to other users;
            # the unprivileged bubblewrap below only has to traverse the staging folder.
            argv += [self.tools["unshare"], "--mount", "--propagation", "private", "--",
                     self.tools["sh"], "-c", _STAGE_SCRIPT, "sh", self.tools["mount"]]
            for index, path in enumerate(self.readonly):
                argv += [path, str(stage / str(index))]
            argv.append("--")
        if uid is not None:
            argv += [self.tools["setpriv"], f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                     "--no-new-privs", "--"]
        if self.mode == "bwrap":
            argv += self.bwrap_argv(workdir, stage)
        return argv + self.python_argv(kernel)

    @property
    def fallback(self) -> str:
        """Why bubblewrap was not used, when ``auto`` fell back from it to a weaker mode; "" otherwise.

        Examples
        --------
        >>> Sandbox(mode="setpriv", interpreter=sys.executable, sites=[],
        ...         passed_over=["bwrap: bwrap not installed"]).fallback
        'bwrap: bwrap not installed'
        """
        failed = [problem for problem in self.passed_over if problem.startswith("bwrap")]
        return "; ".join(failed) if self.mode != "bwrap" else ""

    def describe(self) -> str:
        """One line for the grader's log: which protection holds, and loudly any fall-back from bubblewrap.

        Names (the covered folders, which other users may name; the interpreter) are shown through
        :func:`~course_lib.grading.submissions.printable`, so the line is plain text on a terminal.
        """
        if self.uid_for(0) is not None:
            who = "as root: each kernel runs as its own unprivileged user"
        else:
            who = "as root" if self.root else "as a normal user"
        what = {
            "bwrap": "bubblewrap sandbox (private file system view, no network, own PID namespace)",
            "setpriv": "unprivileged user, no network; files protected by their permissions; the machine's "
                       f"file systems read-only; a private {self.shm_mb} MB /dev/shm and a private {self.tmp_mb} MB "
                       "tmpfs over each world-writable folder "
                       f"({', '.join(map(printable, sorted(set(self.covered) - {'/dev/shm'}))) or 'none found'})",
            "none": "NO SANDBOX (resource limits only)",
        }[self.mode]
        if self.fallback:
            what = (f"WARNING: FELL BACK from bubblewrap to {self.mode} mode, which shows the kernels the "
                    f"machine's own files, because bubblewrap could not be used ({self.fallback}); install or "
                    f"repair bubblewrap for the stronger sandbox; {what}")
        if self.cgroup_version:
            limit = (f"memory limit {self.memory_mb} MB per kernel (its whole process tree, in a cgroup "
                     f"v{self.cgroup_version} of its own with {PIDS_PER_KERNEL} tasks and one core)")
        else:
            limit = f"memory limit {self.memory_mb} MB per process (no cgroup available)"
        return f"sandbox: {what}; {who}; {limit}; python {printable(self.interpreter)}"

    # --- checks ------------------------------------------------------------------------------

    def self_test(self, parent: Path) -> dict:
        """Run the sandboxed interpreter once; return what it reports or raise SandboxError."""
        slot = claim_slot()
        try:
            workdir = self.make_workdir(parent, slot)
            try:
                result = subprocess.run(self.argv(workdir, slot, kernel=False), capture_output=True,
                                        encoding="utf-8", errors="surrogateescape", timeout=120, cwd=workdir)
            finally:
                self.cleanup(workdir, slot)
        finally:
            release_slot(slot)
        if result.returncode != 0:
            raise SandboxError(
                f"the {self.mode} sandbox could not start {printable(self.interpreter)}: "
                f"{start_failure(result.stderr) or 'exit ' + str(result.returncode)}"
                + self._unreadable_hint()
            )
        try:
            return json.loads(result.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError) as err:
            raise SandboxError(f"the {self.mode} sandbox self-test printed "
                               f"{printable(shorten(result.stdout.strip(), 300))!r}") from err

    def _unreadable_hint(self) -> str:
        """Why an unprivileged kernel may fail to import: read-only folders closed to others."""
        if self.uid_for(0) is None:
            return ""
        both = stat.S_IROTH | stat.S_IXOTH
        closed = [p for p in self.readonly if os.path.isdir(p) and os.stat(p).st_mode & both != both]
        if not closed:
            return ""
        return (f" ({', '.join(map(printable, closed))} cannot be read by other users, and the kernels run as "
                "unprivileged users: `chmod -R o+rX` them, or reinstall them with umask 022)")

    def check_protected(self, paths) -> None:
        """In ``setpriv`` mode, refuse to run while a protected path is readable by others."""
        if self.mode != "setpriv":
            return
        exposed = sorted({str(p) for p in paths if p is not None and readable_by_others(Path(p))})
        if exposed:
            why = f" (bubblewrap was not used: {'; '.join(self.passed_over)})" if self.passed_over else ""
            raise SandboxError(
                "without bubblewrap the kernels see the machine's files, and these are readable by "
                "other users: " + ", ".join(map(printable, exposed))
                + ". Run `chmod go-rwx` on them (or on a folder above them), or install bubblewrap "
                f"(`apt-get install bubblewrap`){why}."
            )


def _force_rmtree(path: Path) -> None:
    """Delete the folder ``path`` and everything in it, read-only folders included; never follow a link.

    A kernel may leave read-only folders, symbolic links and folders nested tens of thousands
    deep behind. Folders are opened without following links and made writable through that open
    folder itself, so a link to some other file is removed as a link and the file it names keeps
    its mode. No recursion and at most four open folders: every folder below ``path`` is moved,
    by a rename that follows no link, into one holding folder made inside ``path`` and emptied
    from there, one at a time. Best effort: what cannot be deleted stays.

    Examples
    --------
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "ro").mkdir(); (folder / "ro" / "f").write_text("x"); (folder / "ro").chmod(0o500)
    1
    >>> here = os.open(folder, os.O_RDONLY)
    >>> for _ in range(3000):  # deeper than a path can name, and than Python's recursion limit
    ...     os.mkdir("d", dir_fd=here); inner = os.open("d", os.O_RDONLY, dir_fd=here); os.close(here); here = inner
    >>> os.close(here)
    >>> _force_rmtree(folder); folder.exists()
    False
    """
    path = os.path.abspath(path)
    try:
        parent = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        name = os.path.basename(path)
        top = _open_folder(parent, name)
        if top is None:
            _unlink(parent, name)  # not a folder (a file or a link), or out of reach
            return
        try:
            holding = next(f".removing-{n}" for n in itertools.count() if not _exists(top, f".removing-{n}"))
            try:
                os.mkdir(holding, 0o700, dir_fd=top)
                hold = _open_folder(top, holding)
            except OSError:
                hold = None
            if hold is not None:
                try:
                    moved = _empty(top, hold, 0, skip=holding)
                    done = 0
                    while done < moved:  # folders are numbered in the order they were moved in
                        inner = _open_folder(hold, str(done))
                        if inner is not None:
                            try:
                                moved = _empty(inner, hold, moved)
                            finally:
                                os.close(inner)
                        _rmdir(hold, str(done))
                        done += 1
                finally:
                    os.close(hold)
                _rmdir(top, holding)
            else:
                _empty(top, None, 0)
        finally:
            os.close(top)
        _rmdir(parent, name)
    finally:
        os.close(parent)


def _exists(folder: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
        return True
    except FileNotFoundError:
        return False
    except OSError:
        return True


def _empty(folder: int, hold: int | None, moved: int, skip: str | None = None) -> int:
    """Unlink what the open ``folder`` holds but its folders, which go into ``hold`` as "0", "1", ...
    from ``moved`` on; return the next number. Without ``hold``, folders stay."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return moved
    for entry in entries:
        if entry.name == skip:
            continue
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_folder = False
        if not is_folder:
            _unlink(folder, entry.name)
        elif hold is not None:
            _writable(folder, entry.name)  # moving a folder rewrites its "..": it must be writable
            try:
                os.rename(entry.name, str(moved), src_dir_fd=folder, dst_dir_fd=hold)
                moved += 1
            except OSError:
                pass
    return moved


def _writable(parent: int, name: str) -> None:
    """Make the folder ``name`` in ``parent`` writable through itself (a link is left alone)."""
    try:
        # O_PATH | O_NOFOLLOW | O_DIRECTORY opens a real folder only: a link fails here.
        handle = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=parent)
    except OSError:
        return
    try:
        # chmod through /proc/self/fd reaches the open folder itself, never a link's target.
        os.chmod(f"/proc/self/fd/{handle}", 0o700)
    except OSError:
        pass  # not ours to change: its entries may still be removable
    finally:
        os.close(handle)


def _open_folder(parent: int, name: str) -> int | None:
    """``name`` in ``parent`` opened for listing, made writable through itself; None if it is no folder."""
    _writable(parent, name)
    try:
        # O_NOFOLLOW | O_DIRECTORY opens a real folder only: a link fails here.
        return os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=parent)
    except OSError:
        return None


def _unlink(parent: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=parent)
    except OSError:
        pass  # best effort, as the clean-up as a whole


def _rmdir(parent: int, name: str) -> None:
    try:
        os.rmdir(name, dir_fd=parent)
    except OSError:
        pass  # not empty: something in it could not be removed


def _tools(names) -> dict:
    found = {name: _which(name) for name in names}
    return {name: path for name, path in found.items() if path}


def detect_sandbox(mode: str = "auto", memory_mb: int = 2048, cpu_seconds: int = 600,
                   uid_base: int = DEFAULT_UID_BASE, scratch: Path | None = None, disk_mb: int = 512) -> Sandbox:
    """Choose and verify the sandbox for this machine.

    ``auto`` prefers bubblewrap, then (as root) ``setpriv``; it never silently falls back to no
    sandbox, and a fall-back to ``setpriv`` is named, with bubblewrap's failure, by
    :meth:`Sandbox.describe`. For ``setpriv`` the machine's world-writable folders are found
    here (:func:`world_writable_folders`), to be covered in each kernel. The chosen sandbox is
    tested by starting the interpreter in it once.

    Raises
    ------
    ValueError
        If ``mode`` is not one of auto, bwrap, setpriv, none.
    SandboxError
        If no sandbox of the requested kind works here.

    Examples
    --------
    ``detect_sandbox().describe()`` on this machine, as root with bubblewrap installed:
    ``'sandbox: bubblewrap sandbox (private file system view, no network, own PID namespace); as root: ...'``.
    """
    if mode not in MODES:
        raise ValueError(f"sandbox must be one of {', '.join(MODES)}, got {mode!r}")
    root = os.geteuid() == 0
    tools = _tools(["env", "prlimit", "setpriv", "unshare", "bwrap", "kill", "mount", "umount", "mountpoint", "sh"])
    cgroup_version, cgroup_folders = cgroup_support() if "sh" in tools else (0, {})
    for required in ("env", "prlimit"):
        if required not in tools:
            raise SandboxError(f"`{required}` (util-linux/coreutils) is missing")
    wanted = [mode] if mode != "auto" else (["bwrap", "setpriv"] if root else ["bwrap"])
    problems = []
    scratch = Path(scratch or tempfile.gettempdir())
    closed = closed_folder(scratch, need="x") if root and mode != "none" else None
    if closed is not None:
        raise SandboxError(f"the kernels' users cannot pass {printable(closed)} to reach their working folders in "
                           f"{printable(scratch)}: point TMPDIR at a folder every user can pass, like /tmp")
    for candidate in wanted:
        needs = {"bwrap": ["bwrap"], "setpriv": ["setpriv", "unshare", "kill", "mount", "umount", "mountpoint"],
                 "none": []}[candidate]
        if root and candidate != "none":
            needs += ["setpriv", "kill", "mount", "umount", "unshare", "sh"]
        if candidate == "setpriv" and not root:
            problems.append("setpriv: needs root")
            continue
        missing = [n for n in needs if n not in tools]
        if missing:
            problems.append(f"{candidate}: {', '.join(missing)} not installed")
            continue
        covered = []
        if candidate == "setpriv":
            unreachable = _unreachable([*_site_dirs(), _course_lib_dir()])
            if unreachable:
                problems.append(unreachable)
                continue
            covered = world_writable_folders()
        parent = Path(tempfile.mkdtemp(prefix="course-sandbox-test-", dir=scratch))
        os.chmod(parent, 0o711)
        try:
            for interpreter in _interpreter_candidates():
                if candidate == "setpriv" and closed_folder(Path(interpreter)) is not None:
                    # setpriv runs it with root's rights still in hand, but its own library
                    # would then be out of the kernel's reach.
                    problems.append(f"setpriv with {printable(interpreter)}: closed to other users by "
                                    f"{printable(closed_folder(Path(interpreter)))}")
                    continue
                # What the kernel reads: bound into bubblewrap; kept visible under setpriv's covers.
                readonly = sorted({*_site_dirs(), _prefix_of(interpreter), _course_lib_dir()} - {"/usr"})
                box = Sandbox(mode=candidate, interpreter=interpreter, sites=_site_dirs(),
                              memory_mb=memory_mb, cpu_seconds=cpu_seconds, uid_base=uid_base, disk_mb=disk_mb,
                              readonly=readonly, root=root, tools=tools, cgroup_version=cgroup_version,
                              cgroup_folders=cgroup_folders, covered=covered)
                try:
                    report = box.self_test(parent)
                except (SandboxError, subprocess.TimeoutExpired, OSError) as err:
                    # A SandboxError's names are printable already; another error's text is shown so too.
                    said = str(err) if isinstance(err, SandboxError) else printable(err)
                    problems.append(f"{candidate} with {printable(interpreter)}: {said}")
                    continue
                if candidate == "bwrap" and report.get("course_lib") != _course_lib_dir():
                    problems.append(f"{candidate}: course_lib imported from {printable(report.get('course_lib'))}")
                    continue
                box.passed_over = problems
                return box
        finally:
            _force_rmtree(parent)
    raise SandboxError(
        "no usable sandbox: " + "; ".join(problems)
        + ". Install bubblewrap (`apt-get install bubblewrap`) or, to grade without any isolation, "
        "pass --sandbox none."
    )


def _unreachable(paths) -> str:
    """Why setpriv-mode kernels, on the machine's own files, cannot import from ``paths`` ("" if they can)."""
    blocked = {}
    for path in paths:
        folder = closed_folder(Path(path))
        if folder is not None:
            blocked.setdefault(str(folder), path)
    if not blocked:
        return ""
    where = "; ".join(f"{printable(path)} (closed by {printable(folder)}, "
                      f"mode {stat.S_IMODE(os.stat(folder).st_mode):o})"
                      if os.path.exists(folder) else printable(path) for folder, path in blocked.items())
    return (
        "setpriv: its kernels run as unprivileged users on the machine's own files and cannot reach "
        f"{where}. Bubblewrap would bind these folders in as root; without it, keep the course and its "
        ".venv where other users can pass (`chmod o+x` on the closed folders; the grader still refuses "
        "while instructor files are readable by others)"
    )


def _course_lib_dir() -> str:
    import course_lib

    return str(Path(course_lib.__file__).resolve().parent)
