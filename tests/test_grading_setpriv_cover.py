"""setpriv mode: what a kernel can reach of the machine's disk, beyond the folders the covers know of.

As root, each kernel in forced ``setpriv`` mode is graded beside the honest part of its own run
(it still runs every cell, writes its home and the private /tmp): a kernel that climbs ``..``
from its working folder, with the scratch folder below a world-writable folder under /tmp; a
world-writable file and a folder made world-writable after the sandbox was chosen; folders and
mounts other local users name and change: a world-writable folder named with a trailing newline
or terminal escapes, one swapped for a link after the sandbox was chosen (passed over, never
followed; refused, named as plain text, only for /tmp and /dev/shm), a mount point whose name is
not UTF-8, a mount closed to other users when the kernel starts and opened later. Nothing a
kernel writes reaches the machine's disk. Two checks need no kernel: names reach root's terminal
as plain text, and the mounts to make read-only are read from the mount table alone.

Every check looks only at what its own run made; hostile names live in a tmpfs of a mount
namespace of the test's own, so another grading run on the machine never meets them. Run under
``flock /tmp/course-grading.lock``: it starts real kernels.
"""

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import course_lib.grading.sandbox as sandbox_module
from course_lib.grading.runner import run_cells
from course_lib.grading.sandbox import (Sandbox, SandboxError, _force_rmtree, _inside, claim_slot, detect_sandbox,
                                        readable_by_others, release_slot)
from test_grading_sandbox_limits import ROOT, scratch_folder, skip_without_setpriv

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")

CLIMB = """# Climb `..` from the working folder the kernel starts in, trying to write at every level.
import os
start = os.getcwd()
levels = []
for _ in range(16):
    here = os.getcwd()
    try:
        with open(NAME, "w") as handle:
            handle.write("escaped")
        levels.append([here, True])
    except OSError:
        levels.append([here, False])
    if here == "/":
        break
    os.chdir("..")"""


def run(box, scratch: Path, cells: list[str], probe: str) -> tuple:
    """Run ``cells`` and then ``probe`` (which prints one ``T0`` line of JSON) in one kernel of ``box``."""
    slot = claim_slot()
    try:
        result = asyncio.run(run_cells(cells, [probe], "T0", box, slot, scratch, cell_timeout=60,
                                       notebook_timeout=120))
    finally:
        release_slot(slot)
    lines = [line for lines in result.probe_lines.values() for line in lines]
    return result, json.loads(lines[0]) if lines else None


def test_a_setpriv_kernel_climbing_out_of_its_folder_writes_nothing_to_the_disk():
    """The scratch folder lies in a world-writable folder under /tmp (TMPDIR=/tmp/grading, mode 1777).

    The kernel used to start in its working folder as the machine's tree holds it, below the
    covers: two `..` led to that world-writable folder on the disk. Now it starts there as its
    covered tree shows it: the levels it can write are its own folder and the private /tmp.
    """
    skip_without_setpriv()
    shared = Path(tempfile.mkdtemp(prefix="course-climb-", dir="/tmp"))
    name = f"escaped-{os.getpid()}-{time.monotonic_ns()}"
    try:
        shared.chmod(0o1777)
        scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=shared))
        scratch.chmod(0o711)
        box = detect_sandbox("setpriv")
        assert any(_inside(str(shared), folder) for folder in box.covered), box.covered
        cells = [CLIMB.replace("NAME", repr(name)), "answer = sum(range(10))"]
        result, (start, levels, answer) = run(box, scratch, cells,
                                              "import json\nprint('T0', json.dumps([start, levels, answer]))")
        assert result.status == "ok", (result.notes, [(c.status, c.error) for c in result.cells])
        # The honest part: the kernel starts in its own folder, writes it and the private /tmp.
        assert answer == 45 and start.startswith(f"{scratch}/job"), start
        written = [here for here, wrote in levels if wrote]
        assert levels[-1][0] == "/" and written == [start, "/tmp"], levels
        # Nothing on the machine, at any level the kernel climbed through.
        real = [Path(start), *Path(start).parents]
        assert not [str(folder) for folder in real if os.path.lexists(folder / name)]
        assert not list(shared.rglob(name))
    finally:
        for folder in (Path("/tmp"), Path("/")):
            if os.path.lexists(folder / name):
                os.unlink(folder / name)
        _force_rmtree(shared)


WRITE_WHAT_THE_COVERS_MISS = """# Append to a file any user may write; write into folders the covers do not know of.
import os
tried = {}
for path, mode in ((SHARED_FILE, "a"), (LATE_FOLDER + "/late.txt", "w"), (MOVED_FOLDER + "/moved.txt", "w"),
                   (os.environ["HOME"] + "/home.txt", "w"), ("/tmp/tmp.txt", "w")):
    try:
        with open(path, mode) as handle:
            handle.write("written by the kernel")
        tried[path] = "written"
    except OSError as err:
        tried[path] = type(err).__name__ + ": " + (err.strerror or "")"""


def test_what_the_covers_miss_is_read_only_to_a_setpriv_kernel():
    """A world-writable file, a folder made world-writable after detection, a covered folder renamed away.

    The covers know only the world-writable folders found when the sandbox was chosen: the kernel
    used to append to the file (up to 256 MB) and write into both folders on the disk. Now the
    machine's writable mounts are read-only in its mount namespace. The honest part: it still
    writes its home and the private /tmp.
    """
    skip_without_setpriv()
    (ROOT / "build").mkdir(exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="course-missed-", dir=ROOT / "build"))  # on the disk, ignored by git
    scratch = scratch_folder("course-missed-")
    shared, late, drop, moved = base / "shared.txt", base / "late", base / "drop", base / "moved"
    try:
        base.chmod(0o755)
        shared.write_text("original")
        shared.chmod(0o666)
        drop.mkdir()
        drop.chmod(0o1777)
        box = detect_sandbox("setpriv")
        assert str(drop) in box.covered and str(late) not in box.covered, box.covered
        late.mkdir()
        late.chmod(0o1777)
        drop.rename(moved)  # gone from where it was found: nothing is covered there
        cells = [WRITE_WHAT_THE_COVERS_MISS.replace("SHARED_FILE", repr(str(shared)))
                 .replace("LATE_FOLDER", repr(str(late))).replace("MOVED_FOLDER", repr(str(moved)))]
        result, tried = run(box, scratch, cells, "import json\nprint('T0', json.dumps(tried))")
        assert result.status == "ok", (result.notes, [(c.status, c.error) for c in result.cells])
        home = [path for path in tried if path.endswith("/home.txt")]
        assert tried.pop(home[0]) == "written" and tried.pop("/tmp/tmp.txt") == "written", tried
        assert set(tried.values()) == {"OSError: Read-only file system"}, tried
        assert shared.read_text() == "original" and os.listdir(late) == [] and os.listdir(moved) == []
        assert not os.listdir(scratch)
    finally:
        _force_rmtree(base)
        _force_rmtree(scratch)


def test_a_mount_point_gone_since_the_command_was_made_does_not_stop_a_kernel(monkeypatch):
    """Mounts come and go while a run grades (another run's working folders): the kernel still starts.

    The kernel's command lists the machine's mounts to make read-only; one no longer mounted
    there, or gone altogether, by the time its cover script runs is passed over. The sandbox's
    own start-up check then runs in its working folder.
    """
    skip_without_setpriv()
    scratch = scratch_folder("course-unmounted-")
    try:
        box = detect_sandbox("setpriv")
        unmounted, gone = scratch / "unmounted", scratch / "gone"
        unmounted.mkdir()
        listed = sandbox_module._machine_mounts
        monkeypatch.setattr(sandbox_module, "_machine_mounts",
                            lambda own: [*listed(own), (str(unmounted), "ro"), (str(gone), "ro")])
        report = box.self_test(scratch)
        assert report["uid"] >= box.uid_base, report  # an unprivileged user of its own
        assert Path(report["cwd"]).parent == scratch and Path(report["cwd"]).name.startswith("job"), report
        unmounted.rmdir()
        assert not os.listdir(scratch)
    finally:
        _force_rmtree(scratch)


# --- folders and mounts other users name: in a mount namespace of the test's own ---------------------

# Ran as root by a child Python in a mount namespace of its own (see `own_namespace`): BASE is a
# fresh folder on the disk, covered there by a private tmpfs that holds whatever hostile names a
# test makes, so no other grading run on this machine (CI's, say) ever meets them.
CHILD = """
import asyncio, json, os, subprocess, sys, threading, time
from pathlib import Path
import course_lib.grading.sandbox as sandbox_module
from course_lib.grading.runner import run_cells
from course_lib.grading.sandbox import SandboxError, _force_rmtree, claim_slot, detect_sandbox, release_slot

base = Path(BASE)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=" + MODE, "tmpfs", str(base)], check=True)
scratch = Path(SCRATCH)
report = {"base": str(base)}

def run(box, cells):
    slot = claim_slot()
    try:
        result = asyncio.run(run_cells(cells, ["import json\\nprint('T0', json.dumps([answer, tried]))"], "T0",
                                       box, slot, scratch, cell_timeout=60, notebook_timeout=120))
    finally:
        release_slot(slot)
    lines = [line for lines in result.probe_lines.values() for line in lines]
    report.update(status=result.status, notes=result.notes, errors=[[c.status, c.error] for c in result.cells],
                  probe=json.loads(lines[0]) if lines else None)
"""

# The kernel's cells: the honest part (an answer, its home, the private /tmp) and the writes a test names.
TRY_WRITES = """import os
answer = sum(range(10))
tried = {}
for path, mode in [("~/home.txt", "w"), ("/tmp/tmp.txt", "w"), *PATHS]:
    try:
        with open(os.path.expanduser(path), mode) as handle:
            handle.write("written by the kernel")
        tried[path] = "written"
    except OSError as err:
        tried[path] = type(err).__name__ + ": " + (err.strerror or "")"""


def own_namespace(code: str, mode: str = "755") -> dict:
    """Run ``CHILD`` and then ``code`` as root in a mount namespace of their own; the ``report`` it prints.

    The child mounts a tmpfs (``mode``) over a fresh folder ``base`` under build/ and works in a
    scratch folder of its own; both are gone when it ends.
    """
    (ROOT / "build").mkdir(exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="course-names-", dir=ROOT / "build"))  # on the disk, ignored by git
    scratch = scratch_folder("course-names-")
    try:
        base.chmod(0o755)
        source = (CHILD.replace("BASE", repr(str(base))).replace("SCRATCH", repr(str(scratch)))
                  .replace("MODE", repr(mode)) + code + "\nprint(json.dumps(report))\n")
        shown = subprocess.run(["unshare", "--mount", "--propagation", "private", "--", sys.executable, "-c", source],
                               capture_output=True, text=True, timeout=400, cwd="/")
        assert shown.returncode == 0, shown.stderr[-4000:]
        assert not os.listdir(base) and not os.listdir(scratch)  # nothing reached the disk, nothing left
        return json.loads(shown.stdout.strip().splitlines()[-1])
    finally:
        _force_rmtree(base)
        _force_rmtree(scratch)


def test_a_world_writable_folder_named_with_a_newline_or_escapes_is_covered_like_any_other():
    """Folders named ``pub<newline>`` and ``<ESC>]0;pwned<BEL><ESC>[2J``, mode 1777, in a folder others can pass.

    The cover script compared the folder it entered with ``$(pwd -P)``, which drops trailing
    newlines: it refused ``pub<newline>`` in every kernel, so any local user could stop setpriv
    grading altogether (here the sandbox's own start-up check failed: no usable sandbox). The
    sandbox line printed the other name raw, a terminal title and a cleared screen on root's
    terminal. Now both are covered, named as plain text, and the honest kernel runs every cell.
    """
    skip_without_setpriv()
    report = own_namespace("""
odd, escapes = base / "pub\\n", base / "\\x1b]0;pwned\\x07\\x1b[2J"
for folder in (odd, escapes):
    folder.mkdir()
    folder.chmod(0o1777)
box = detect_sandbox("setpriv")
report.update(covered=[str(odd) in box.covered, str(escapes) in box.covered], said=box.describe())
run(box, [TRY_WRITES.replace("PATHS", repr([(str(odd / "note"), "w"), (str(escapes / "note"), "w")]))])
report.update(left=os.listdir(odd) + os.listdir(escapes))
""".replace("TRY_WRITES", repr(TRY_WRITES)))
    assert report["covered"] == [True, True], report
    said = report["said"]
    assert not re.search(r"[\x00-\x1f\x7f]", said), said
    assert f"{report['base']}/pub\\x0a" in said and f"{report['base']}/\\x1b]0;pwned\\x07\\x1b[2J" in said, said
    assert report["status"] == "ok", report
    answer, tried = report["probe"]
    assert answer == 45 and set(tried.values()) == {"written"} and len(tried) == 4, tried
    assert report["left"] == [], report  # written to the covers, in memory


def test_a_link_put_in_place_of_a_covered_folder_is_passed_over_and_never_followed():
    """A local user who owns the parent of a world-writable folder swaps it for a link after detection.

    Its cover used to land on the link's target (the standard library, say) in every kernel, and
    then the grader refused to start any kernel while the link stood: one user's folder stopped
    every row. Now the kernel's cover script passes that folder over, never following the link:
    the kernel writes nothing through it (the target's file system is read-only in its
    namespace) and the target keeps its files. Only /tmp and /dev/shm must still be themselves
    (here a folder named with a backslash and escapes is made one of them): the grader refuses,
    naming it as plain text, and a link swapped in after that check is refused by the cover
    script, whose message (printf: dash's echo would stop at ``\\c``) names the whole folder.
    """
    skip_without_setpriv()
    report = own_namespace("""
from course_lib.grading.sandbox import start_failure
drop, shared, target = base / "drop", base / "shared\\\\c-\\x1b]0;pwned\\x07", base / "target"
for folder in (drop, shared):
    folder.mkdir()
    folder.chmod(0o1777)
target.mkdir(mode=0o755)
(target / "keep.txt").write_text("kept")
box = detect_sandbox("setpriv")
report.update(covered=[str(drop) in box.covered, str(shared) in box.covered], shared=str(shared))

def swap(folder):
    folder.rename(base / "moved")
    folder.symlink_to(target)

def restore(folder):
    folder.unlink()
    (base / "moved").rename(folder)

sandbox_module.ESSENTIAL_COVERS = (*sandbox_module.ESSENTIAL_COVERS, str(shared))
swap(shared)
slot = claim_slot()
try:
    try:
        box.make_workdir(scratch, slot)
        report["refused"] = None
    except SandboxError as err:
        report["refused"] = str(err)
    restore(shared)
    workdir = box.make_workdir(scratch, slot)
    try:
        swap(shared)  # after the grader's check, before the kernel's covers
        shown = subprocess.run(box.argv(workdir, slot, kernel=False), capture_output=True, timeout=120, cwd=workdir)
        said = os.fsdecode(shown.stderr)
        report.update(exit=shown.returncode, stderr=said, said=start_failure(said))
    finally:
        box.cleanup(workdir, slot)
finally:
    release_slot(slot)
restore(shared)
swap(drop)  # a folder no kernel relies on: passed over
run(box, ["kept = open(" + repr(str(target / "keep.txt")) + ").read()\\n"
          + TRY_WRITES.replace("PATHS", repr([(str(drop / "note"), "w"), (str(shared / "note"), "w")]))
          .replace("answer = sum(range(10))", "answer = [kept, sum(range(10))]")])
report.update(target=sorted(os.listdir(target)), mode=oct(target.stat().st_mode & 0o7777),
              left=os.listdir(shared) + os.listdir(base / "moved"))
""".replace("TRY_WRITES", repr(TRY_WRITES)))
    assert report["covered"] == [True, True], report
    shared = report["shared"]
    shown = shared.replace("\\", "\\\\").replace("\x1b", "\\x1b").replace("\x07", "\\x07")
    refused = report["refused"] or ""
    assert f"{shown} was a folder any user may write to" in refused, report
    assert not re.search(r"[\x00-\x1f\x7f]", refused), refused
    assert report["exit"] == 125, report
    assert f"sandbox: {shared} is no longer the folder of that name" in report["stderr"], report["stderr"]
    assert report["said"] == f"sandbox: {shown} is no longer the folder of that name (a link now?): no kernel starts"
    # The honest kernel: the folder swapped for a link is passed over; the restored one is covered.
    assert report["status"] == "ok", report
    answer, tried = report["probe"]
    assert answer == ["kept", 45], answer
    assert tried.pop(f"{report['base']}/drop/note") == "OSError: Read-only file system", tried
    assert set(tried.values()) == {"written"} and len(tried) == 3, tried
    assert report["target"] == ["keep.txt"] and report["mode"] == "0o755" and report["left"] == [], report


def test_a_mount_point_named_with_bytes_that_are_not_utf8_is_made_read_only():
    r"""A tmpfs mounted on a folder named ``\xff-mnt`` (any user with fusermount can make one), a 1777 ``\xfe-drop``.

    Reading the mount table as UTF-8 raised UnicodeDecodeError at every kernel start (here when
    the sandbox was chosen). Now the names pass to the kernel's cover script as the same bytes:
    the mount is read-only to the kernel and the folder is covered, while the honest kernel runs
    every cell.
    """
    skip_without_setpriv()
    report = own_namespace("""
mounted, drop = base / os.fsdecode(b"\\xff-mnt"), base / os.fsdecode(b"\\xfe-drop")
mounted.mkdir()
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=755", "tmpfs", str(mounted)], check=True)
(mounted / "shared.txt").write_text("original")
(mounted / "shared.txt").chmod(0o666)
drop.mkdir()
drop.chmod(0o1777)
box = detect_sandbox("setpriv")
report.update(listed=str(mounted) in dict(sandbox_module._machine_mounts(str(scratch))),
              covered=str(drop) in box.covered, said=box.describe())
run(box, [TRY_WRITES.replace("PATHS", repr([(str(mounted / "shared.txt"), "a"), (str(drop / "note"), "w")]))])
report.update(kept=(mounted / "shared.txt").read_text(), left=os.listdir(drop))
subprocess.run(["umount", str(mounted)], check=True)
""".replace("TRY_WRITES", repr(TRY_WRITES)))
    assert report["listed"] and report["covered"], report
    assert f"{report['base']}/\\xfe-drop" in report["said"], report["said"]
    assert report["status"] == "ok", report
    answer, tried = report["probe"]
    shared = os.fsdecode(os.fsencode(report["base"]) + b"/\xff-mnt/shared.txt")
    assert answer == 45 and tried.pop(shared) == "OSError: Read-only file system", tried
    assert set(tried.values()) == {"written"} and len(tried) == 3, tried
    assert report["kept"] == "original" and report["left"] == [], report


def test_a_mount_closed_to_other_users_when_the_kernel_starts_is_read_only_too():
    """A mount in a folder only its owner can pass (0700) when the kernel starts; the owner opens it (0755) later.

    Only mounts other users could reach at the kernel's start were made read-only: this one was
    left writable, and once its owner opened it the kernel appended to a file any user may
    write there. Now every writable mount is read-only in the kernel's namespace, whoever may
    reach it; the honest kernel still writes its home and the private /tmp.
    """
    skip_without_setpriv()
    report = own_namespace("""
(base / "shared.txt").write_text("original")
(base / "shared.txt").chmod(0o666)
box = detect_sandbox("setpriv")

def open_up():
    # Once the kernel's command is made (its connection file written), the owner opens the folder.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(scratch.glob("job*/kernel.json")):
        time.sleep(0.05)
    base.chmod(0o755)

opener = threading.Thread(target=open_up)
opener.start()
waiting = ("import os, time\\nfor _ in range(600):\\n    if os.access(BASE, os.X_OK):\\n        break\\n"
           "    time.sleep(0.05)")
run(box, [waiting.replace("BASE", repr(str(base))),
          TRY_WRITES.replace("PATHS", repr([(str(base / "shared.txt"), "a")]))])
opener.join()
report.update(kept=(base / "shared.txt").read_text())
""".replace("TRY_WRITES", repr(TRY_WRITES)), mode="700")
    assert report["status"] == "ok", report
    answer, tried = report["probe"]
    assert answer == 45 and tried.pop(f"{report['base']}/shared.txt") == "OSError: Read-only file system", tried
    assert set(tried.values()) == {"written"} and len(tried) == 2, tried
    assert report["kept"] == "original", report


# --- without kernels ---------------------------------------------------------------------------------

def test_the_sandbox_line_and_its_refusals_show_names_as_plain_text():
    """Names other users choose (a world-writable folder, a submission) reach root's terminal escaped.

    The sandbox line and the refusal to run with readable instructor files printed them raw: a
    folder named ``<ESC>]0;pwned<BEL><ESC>[2J`` set the terminal's title and cleared it. The
    control: plain names are shown as they are.
    """
    hostile = "/srv/\x1b]0;pwned\x07\x1b[2J"
    box = Sandbox(mode="setpriv", interpreter=sys.executable, sites=[], covered=[hostile, "/var/tmp"], root=True)
    said = box.describe()
    assert "/srv/\\x1b]0;pwned\\x07\\x1b[2J" in said and "/var/tmp" in said and "\x1b" not in said, said
    folder = Path(tempfile.mkdtemp(prefix="course-names-"))  # submissions other users can read
    try:
        folder.chmod(0o755)
        plain, named = folder / "alice.ipynb", folder / "bob\x1b[2J.ipynb"
        for path in (plain, named):
            path.write_text("{}")
            path.chmod(0o644)
        if not readable_by_others(plain):
            pytest.skip(f"{folder} is closed to other users here")
        with pytest.raises(SandboxError) as refused:
            box.check_protected([plain, named])
    finally:
        _force_rmtree(folder)
    assert f"{plain}, {folder}/bob\\x1b[2J.ipynb" in str(refused.value), refused.value
    assert "\x1b" not in str(refused.value)


def test_the_mounts_to_make_read_only_are_read_from_the_mount_table_alone(monkeypatch):
    """No mount point is looked at as root while the grader works out a kernel's command.

    Each mount point was stat'ed and opened in the grader's event loop at every kernel start: a
    FUSE file system that never answers (a user's, mounted with allow_other) would hold the
    grader up. The control: the same writable mounts are listed as the table holds, / among them
    when it is writable.
    """
    def refuse(*args, **kwargs):
        raise AssertionError(f"looked at {args[0]!r}")

    expected = sandbox_module._machine_mounts("/nonexistent-run")
    with monkeypatch.context() as patched:
        for name in ("stat", "lstat", "open", "access"):
            patched.setattr(os, name, refuse)
        try:
            listed = sandbox_module._machine_mounts("/nonexistent-run")
        except AssertionError as err:  # kept until the file system calls are back, then shown
            listed = err
    assert listed == expected, listed
    table = sandbox_module._mounts()
    if any(point == "/" and "ro" not in options for point, _, options in table):
        assert "/" in dict(expected), expected
