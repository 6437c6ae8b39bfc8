"""setpriv mode: what a kernel can reach of the machine's disk, beyond the folders the covers know of.

As root, each kernel in forced ``setpriv`` mode is graded beside the honest part of its own run
(it still runs every cell, writes its home and the private /tmp): a kernel that climbs ``..``
from its working folder, with the scratch folder below a world-writable folder under /tmp; a
link put in place of a world-writable folder after the sandbox was chosen (refused, and the
link's target keeps what it holds); a world-writable file and a folder made world-writable
after the sandbox was chosen. Nothing a kernel writes reaches the machine's disk.

Every check looks only at what its own run made. Run under ``flock /tmp/course-grading.lock``:
it starts real kernels.
"""

import asyncio
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import course_lib.grading.sandbox as sandbox_module
from course_lib.grading.runner import run_cells
from course_lib.grading.sandbox import SandboxError, _force_rmtree, _inside, claim_slot, detect_sandbox, release_slot
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


def test_a_link_put_in_place_of_a_covered_folder_is_refused():
    """A local user who owns the parent of a world-writable folder swaps it for a link after detection.

    Its cover used to land on the link's target (the standard library, say) in every kernel.
    The grader refuses to start a kernel, naming the folder; a link swapped in after that check
    is refused by the kernel's cover script itself (exit 125), whose message names it too. Once
    the folder is back, an honest kernel runs and sees the target as it is.
    """
    skip_without_setpriv()
    (ROOT / "build").mkdir(exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="course-swap-", dir=ROOT / "build"))  # on the disk, ignored by git
    scratch = scratch_folder("course-swap-")
    drop, moved, target = base / "drop", base / "moved", base / "target"
    try:
        base.chmod(0o755)
        drop.mkdir()
        drop.chmod(0o1777)
        target.mkdir(mode=0o755)
        (target / "keep.txt").write_text("kept")
        box = detect_sandbox("setpriv")
        assert str(drop) in box.covered, box.covered

        def swap():
            drop.rename(moved)
            drop.symlink_to(target)

        def restore():
            drop.unlink()
            moved.rename(drop)

        swap()
        slot = claim_slot()
        try:
            with pytest.raises(SandboxError, match=re.escape(f"{drop} was a folder any user may write to")):
                box.make_workdir(scratch, slot)
            restore()
            workdir = box.make_workdir(scratch, slot)
            try:
                swap()  # after the grader's check, before the kernel's covers
                shown = subprocess.run(box.argv(workdir, slot, kernel=False), capture_output=True, text=True,
                                       timeout=120, cwd=workdir)
                assert shown.returncode == 125, (shown.returncode, shown.stdout, shown.stderr)
                assert f"sandbox: {drop} is no longer the folder of that name" in shown.stderr, shown.stderr
            finally:
                box.cleanup(workdir, slot)
        finally:
            release_slot(slot)
        restore()
        assert (target / "keep.txt").read_text() == "kept" and stat.S_IMODE(target.stat().st_mode) == 0o755
        # The honest control: with the folder back, a kernel runs, sees the target and writes the cover.
        cells = [f"kept = open({str(target / 'keep.txt')!r}).read()\n"
                 f"open({str(drop / 'note')!r}, 'w').write('in memory')"]
        result, kept = run(box, scratch, cells, "import json\nprint('T0', json.dumps(kept))")
        assert result.status == "ok", (result.notes, [(c.status, c.error) for c in result.cells])
        assert kept == "kept" and os.listdir(drop) == []
        assert not os.listdir(scratch)
    finally:
        if drop.is_symlink():
            drop.unlink()
        _force_rmtree(base)
        _force_rmtree(scratch)


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
