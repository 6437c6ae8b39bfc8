"""Limits that hold per kernel, not per process; runs that do not meet; a clean-up that follows no link.

Hostile kernels (memory spread over forked children, files in /dev/shm and the sandbox's own
folders, a fork bomb of busy loops) are graded beside honest controls in one run with two
parallel kernels: the controls must keep full marks, status ``ok`` and their usual speed, and the
machine must not feel it. Two grading runs started at once must not touch each other's kernels.
In ``setpriv`` mode a kernel can write only to small in-memory folders, never to the machine's disk.

Every check looks only at what its own run made (its scratch folder, its job slots and their
user ids, its grader processes' control groups), so these tests pass while another grading run
works on the same machine (tests/test_grading_concurrent.py), and still fail when their own run
leaves something behind. :class:`Watch` and :func:`leftovers` are shared with those tests.
Run under ``flock /tmp/course-grading.lock``: it grades in real kernels.
"""

import asyncio
import csv
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

import pytest

from course_lib.grading.grader import Options, grade_many
from course_lib.grading.runner import run_cells
from course_lib.grading.sandbox import (_force_rmtree, _inside, _mounts, cgroup_support, claim_slot, closed_folder,
                                        detect_sandbox, readable_by_others, release_slot)
from course_lib.grading.spec import load_sets
from test_grading_grader import NB02, SOLUTION, notebook, write

ROOT = Path(__file__).resolve().parent.parent
SETS = load_sets(ROOT / "instructor" / "sets")
FULL02 = SETS["ex02"].max_points
MEMORY_MB = 1024
CHILD_MB = 300  # six of them: twice the limit in sum, under a third of it each
TICKS = os.sysconf("SC_CLK_TCK")

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")
needs_cgroups = pytest.mark.skipif(cgroup_support()[0] == 0, reason="no writable cgroup here (not root?)")

FORKED_MEMORY = f"""# Six children of {CHILD_MB} MB each: over the kernel's limit together, under it each.
import subprocess, sys, time
hold = ("import os, time\\nopen('/proc/self/oom_score_adj', 'w').write('1000')\\n"
        "block = bytearray({CHILD_MB} * 2**20)\\nblock[::4096] = b'x' * len(block[::4096])\\ntime.sleep(40)")
children = [subprocess.Popen([sys.executable, "-c", hold]) for _ in range(6)]
time.sleep(8)"""

FILLS_SHARED_MEMORY = """# Files in memory where the sandbox may have left room: /dev/shm, /dev, /.
import os
written = {}
for folder in ("/dev/shm", "/dev", "/"):
    written[folder] = 0
    try:
        with open(os.path.join(folder, "fill"), "wb") as handle:
            for _ in range(400):
                handle.write(b"x" * 2**20)
                written[folder] += 1
    except OSError:
        pass"""

FORK_BOMB = """# 200 busy loops, left running while the rest of the notebook (and its neighbour) run.
import os, time
for _ in range(200):
    try:
        if os.fork() == 0:
            while True:
                pass
    except OSError:
        break
time.sleep(20)"""


def scratch_folder(prefix: str) -> Path:
    """A fresh folder for one run's working folders, which the kernels' users can pass (like /tmp)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o711)
    return folder


def boot_seconds() -> float:
    """Seconds since boot: the clock of a process's start time in /proc/PID/stat."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def processes():
    """``(pid, parent pid, real uid, state, start in seconds since boot)`` of each process that can be read."""
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            status = (folder / "status").read_text()
            stat_line = (folder / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat_line[stat_line.rindex(")") + 2:].split()  # the name in (...) may hold spaces
        uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
        yield int(folder.name), int(fields[1]), uid, fields[0], int(fields[19]) / TICKS


def mounts_under(folder: Path) -> list[str]:
    """This process's mount points at or below ``folder``."""
    return [point for point, _, _ in _mounts() if _inside(point, str(folder))]


class Watch(threading.Thread):
    """Samples, until :meth:`finish`, what one grading run holds: the run of this process that works in ``scratch``.

    Its job slots (from its working folders' names, ``job<slot>-...``) and so its kernels' user
    ids; its grader processes (this process and its forked workers, which share its command
    line); the memory each of its kernel users holds; and the shared memory (files in memory)
    each of its kernels' control groups holds. Nothing of another run is counted.
    """

    def __init__(self, scratch: Path, sandbox):
        super().__init__(daemon=True)
        self.scratch, self.sandbox = Path(scratch), sandbox
        self.stop = threading.Event()
        self.started = boot_seconds()
        self.ended = None
        self.slots: set = set()
        self.graders = {os.getpid()}
        self.command = Path("/proc/self/cmdline").read_bytes()
        self.user_peak: dict = {}
        self.shmem_peak: dict = {}

    def uids(self) -> set:
        return {self.sandbox.uid_for(slot) for slot in self.slots} - {None}

    def groups(self) -> list[Path]:
        """Control groups made by this run's grader processes (named ``course-kernel-<pid>-<folder>``)."""
        return [group for folder in set(self.sandbox.cgroup_folders.values()) for pid in self.graders
                for group in Path(folder).glob(f"course-kernel-{pid}-*")]

    def sample(self) -> None:
        for job in self.scratch.glob("course-grade-*/job*-*"):
            found = re.fullmatch(r"job(\d+)-.+", job.name)
            if found:
                self.slots.add(int(found.group(1)))
        uids, per_user = self.uids(), {}
        for pid, parent, uid, _, _ in processes():
            if parent == os.getpid():
                try:
                    if Path(f"/proc/{pid}/cmdline").read_bytes() == self.command:
                        self.graders.add(pid)
                except OSError:
                    pass
            if uid not in uids:
                continue
            try:
                # Proportional set size: pages shared by forked processes are counted once.
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            pss = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
            if pss:
                per_user[uid] = per_user.get(uid, 0) + int(pss.group(1))
        for uid, kb in per_user.items():
            self.user_peak[uid] = max(self.user_peak.get(uid, 0), kb // 1024)
        for group in self.groups():
            try:
                shmem = re.search(r"^shmem (\d+)$", (group / "memory.stat").read_text(), re.M)
            except OSError:
                continue
            if shmem:
                self.shmem_peak[group.name] = max(self.shmem_peak.get(group.name, 0), int(shmem.group(1)) >> 20)

    def run(self):
        while not self.stop.wait(0.2):
            self.sample()

    def finish(self) -> None:
        """Stop sampling once the run is over (processes started later are not this run's)."""
        self.ended = boot_seconds()
        self.stop.set()
        self.join()
        self.sample()


def leftovers(watch: Watch) -> dict:
    """What the watched run left behind, by kind; empty when it cleaned up after itself.

    Its kernels' control groups, the live processes of its kernels' users started while it ran
    (a slot is leased to one run at a time, so another run's kernels started later are not
    counted; zombies hold nothing and init reaps them), and mounts and files in its scratch folder.
    """
    found = {
        "groups": [str(group) for group in watch.groups()],
        "processes": [(pid, uid, state) for pid, _, uid, state, start in processes()
                      if uid in watch.uids() and state != "Z" and watch.started - 1 <= start <= watch.ended],
        "mounts": mounts_under(watch.scratch),
        "files": sorted(os.listdir(watch.scratch)),
    }
    return {kind: items for kind, items in found.items() if items}


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("limits")
    sub = base / "submitted"
    middle = 'check("ex02.5")'
    # In this order, with two parallel jobs: the fork bomb (busy for its 20 s cell and its slowed
    # remaining cells) occupies one job while the other grades the memory attacks and then every
    # control, all of them beside the running bomb.
    paths = [write(sub, hostile, NB02, notebook(SOLUTION[NB02], insert_after=middle, extra=[cell]))
             for hostile, cell in (("fork_bomb", FORK_BOMB), ("forked_memory", FORKED_MEMORY),
                                   ("fills_shared_memory", FILLS_SHARED_MEMORY))]
    paths += [write(sub, f"control_{hostile}", NB02, notebook(SOLUTION[NB02]))
              for hostile in ("fork_bomb", "forked_memory", "fills_shared_memory")]
    sandbox = detect_sandbox("auto", memory_mb=MEMORY_MB)
    scratch = scratch_folder("course-limits-")
    watch = Watch(scratch, sandbox)
    watch.start()
    started = time.monotonic()
    try:
        results = grade_many(paths, SETS, Options(cell_timeout=30, notebook_timeout=90), sandbox, jobs=2,
                             progress=False, scratch=scratch)
    finally:
        watch.finish()
    yield {"results": {r.student: r for r in results}, "seconds": time.monotonic() - started,
           "watch": watch, "sandbox": sandbox, "left": leftovers(watch)}
    shutil.rmtree(scratch, ignore_errors=True)


@needs_cgroups
def test_honest_controls_beside_hostile_kernels_keep_full_marks_and_their_speed(hostile_batch):
    results = hostile_batch["results"]
    for name in ("fork_bomb", "forked_memory", "fills_shared_memory"):
        control = results[f"control_{name}"]
        assert (control.total, control.status) == (FULL02, "ok"), (name, control.reason)
        # About 2 s alone; 93 s beside the fork bomb when CPU was shared per process.
        assert control.seconds < 20, (name, control.seconds)
    # The memory and file attacks cost their kernels nothing but the attacking cell.
    for name in ("forked_memory", "fills_shared_memory"):
        assert results[name].total == FULL02, (name, results[name].reason)
    assert results["fork_bomb"].status in ("ok", "timeout")
    assert hostile_batch["seconds"] < 200


@needs_cgroups
def test_a_kernel_and_all_its_children_share_one_memory_limit(hostile_batch):
    peaks = hostile_batch["watch"].user_peak
    assert peaks, "no kernel process was seen"
    # Six children of 300 MB would hold 1.8 GB beside the kernel; together they get one limit.
    assert max(peaks.values()) < MEMORY_MB + 50, peaks
    assert max(peaks.values()) > 2 * CHILD_MB, peaks  # the attack did run: it held what it could


@needs_cgroups
def test_files_in_memory_cannot_grow_the_machines_shared_memory(hostile_batch):
    # Files in memory are charged to the kernel that writes them: its control group's shmem.
    # The hostile kernel tried 400 MB in each of /dev/shm, /dev and /; only /dev/shm takes any,
    # and no more than its size. Honest kernels keep a few MB in their folders.
    peaks = hostile_batch["watch"].shmem_peak
    shm_mb = hostile_batch["sandbox"].shm_mb
    assert peaks, "no kernel group of this run was seen"
    assert max(peaks.values()) < shm_mb + 40, peaks
    assert max(peaks.values()) > shm_mb - 8, peaks  # the attack did run: it filled /dev/shm


@needs_cgroups
def test_no_kernel_group_or_process_is_left_behind(hostile_batch):
    watch = hostile_batch["watch"]
    assert len(watch.slots) == 2 and len(watch.graders) >= 3, (watch.slots, watch.graders)  # it saw the run
    assert hostile_batch["left"] == {}


@pytest.mark.skipif(not shutil.which("bwrap"), reason="bubblewrap is not installed")
def test_bubblewrap_leaves_no_unsized_writable_folder():
    box = detect_sandbox("bwrap")
    workdir = Path(tempfile.mkdtemp(prefix="course-sized-"))
    try:
        script = ("for d in / /dev /usr; do touch $d/x 2>/dev/null && echo writable $d; done; "
                  "head -c 100000000 /dev/zero > /dev/shm/x 2>/dev/null; du -m /dev/shm/x | cut -f1")
        shown = subprocess.run(box.bwrap_argv(workdir) + ["/bin/sh", "-c", script], capture_output=True, text=True,
                               timeout=60)
        assert shown.stdout.split() == [str(box.shm_mb)], (shown.stdout, shown.stderr)
    finally:
        shutil.rmtree(workdir)


# --- setpriv: the machine's world-writable folders ------------------------------------------------

FILL_FOLDERS = """# 200 MB into each folder any user may write to, and into the home folder. It stops early once a
# folder has taken more than any private in-memory folder holds: the machine's disk is next.
import json, os
written = {}
for folder in FOLDERS + [os.environ["HOME"]]:
    written[folder] = 0
    try:
        with open(os.path.join(folder, NAME), "wb") as handle:
            for _ in range(200):
                handle.write(b"x" * 2**20)
                written[folder] += 1
    except OSError:
        pass
    if written[folder] > 100:
        break"""


def skip_without_setpriv() -> None:
    """Skip, saying why, where setpriv mode cannot run (a failure of the mode itself still fails)."""
    if os.geteuid() != 0:
        pytest.skip("setpriv mode needs root")
    if not (readable_by_others(Path(sysconfig.get_paths()["purelib"])) and readable_by_others(ROOT / "course_lib")):
        pytest.skip("the course lies where other users cannot pass, so setpriv mode refuses it "
                    "(tests/test_grading_location.py checks that refusal)")


def writable_by_find() -> list[str]:
    """The outermost folders other users can reach and write to, as `find` lists them on each writable mount."""
    listed = set()
    for point, fstype, options in _mounts():
        if "ro" in options or fstype in ("proc", "sysfs", "cgroup", "cgroup2", "devpts"):
            continue
        shown = subprocess.run(["find", point, "-xdev", "-type", "d", "-perm", "-0003", "-prune", "-print"],
                               capture_output=True, text=True, timeout=120)
        listed.update(line for line in shown.stdout.splitlines() if closed_folder(Path(line), need="x") is None)
    return sorted(f for f in listed if not any(other != f and _inside(f, other) for other in listed))


def free_mb(folders) -> dict:
    """Free MB on each file system holding one of ``folders``."""
    free = {}
    for folder in folders:
        info = os.statvfs(folder)
        free[os.stat(folder).st_dev] = info.f_bavail * info.f_frsize >> 20
    return free


def test_a_setpriv_kernel_writes_only_to_small_private_folders():
    """The kernel tries 200 MB in each world-writable folder and in its home: each stops at its small size.

    A world-writable folder made just before the sandbox is chosen (on the machine's disk, where
    no usual folder is) is found and covered too. Beside it, the honest part: the kernel still
    runs every cell, and a read-only folder under /tmp (a course cloned there) stays readable.
    """
    skip_without_setpriv()
    (ROOT / "build").mkdir(exist_ok=True)
    drop = Path(tempfile.mkdtemp(prefix="course-drop-", dir=ROOT / "build"))  # on the disk, ignored by git
    kept = Path(tempfile.mkdtemp(prefix="course-kept-", dir="/tmp"))
    scratch = scratch_folder("course-setpriv-")  # under /tmp: the working folder is kept too
    name = f"fill-{os.getpid()}-{time.monotonic_ns()}"
    folders = []
    try:
        drop.chmod(0o755)
        (drop / "drop").mkdir(mode=0o777)
        (drop / "drop").chmod(0o1777)
        kept.chmod(0o755)
        (kept / "kept_module.py").write_text("VALUE = 42\n")
        box = detect_sandbox("setpriv", disk_mb=32)
        assert box.mode == "setpriv" and "FELL BACK" not in box.describe()
        folders = writable_by_find()
        assert str(drop / "drop") in folders and set(folders) <= set(box.covered), (folders, box.covered)
        box.readonly.append(str(kept))
        box.sites.append(str(kept))
        before = free_mb(folders)
        cells = ["import kept_module\nvalue = kept_module.VALUE",
                 FILL_FOLDERS.replace("FOLDERS", repr(folders)).replace("NAME", repr(name))]
        slot = claim_slot()
        try:
            result = asyncio.run(run_cells(cells, ["import json\nprint('T0', json.dumps([value, written]))"], "T0",
                                           box, slot, scratch, cell_timeout=60, notebook_timeout=120))
        finally:
            release_slot(slot)
        after = free_mb(folders)
        assert result.status == "ok", (result.notes, [(c.status, c.error) for c in result.cells])
        value, written = json.loads(list(result.probe_lines.values())[0][0])
        assert value == 42
        homes = [folder for folder in written if folder not in folders]
        for folder, mb in written.items():
            size = box.disk_mb if folder in homes else box.shm_mb if folder == "/dev/shm" else box.tmp_mb
            assert 0 < mb <= size, (folder, mb, size)
        assert len(homes) == 1 and sorted(set(written) - set(homes)) == folders, written
        for device, mb in before.items():
            assert mb - after[device] < 50, (device, mb, after[device])
        assert not [f for f in folders if os.path.lexists(os.path.join(f, name))]
        assert not os.listdir(scratch)
    finally:
        for folder in folders:
            if os.path.lexists(os.path.join(folder, name)):
                os.unlink(os.path.join(folder, name))
        for folder in (drop, kept, scratch):
            _force_rmtree(folder)


def test_auto_says_loudly_when_it_falls_back_from_bubblewrap_to_setpriv(monkeypatch):
    """A bubblewrap that fails its self-test: the grader names the fall-back and the failure, and still grades."""
    skip_without_setpriv()
    fake = Path(tempfile.mkdtemp(prefix="course-fake-bwrap-"))
    scratch = scratch_folder("course-fallback-")
    try:
        fake.chmod(0o755)
        (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
        (fake / "bwrap").chmod(0o755)
        monkeypatch.setenv("PATH", f"{fake}:{os.environ.get('PATH', '/usr/bin:/bin')}")
        box = detect_sandbox("auto")
        said = box.describe()
        assert box.mode == "setpriv" and "setting up uid map: Permission denied" in box.fallback, box.passed_over
        assert said.startswith("sandbox: WARNING: FELL BACK from bubblewrap to setpriv mode"), said
        assert "bubblewrap could not be used (bwrap with " in said and "setting up uid map: Permission denied" in said
        # The honest control: graded in full under the fall-back.
        path = write(scratch / "submitted", "solver", NB02, notebook(SOLUTION[NB02]))
        [result] = grade_many([path], SETS, Options(cell_timeout=30), box, jobs=1, progress=False, scratch=scratch)
        assert (result.total, result.status) == (FULL02, "ok"), result.reason
    finally:
        _force_rmtree(fake)
        _force_rmtree(scratch)


# --- two runs at once ------------------------------------------------------------------------------

@pytest.mark.skipif(not shutil.which("bwrap") and os.geteuid() != 0, reason="no sandbox without --sandbox none")
def test_two_grading_runs_at_once_leave_each_other_alone(tmp_path):
    """Two `course grade` processes with their own TMPDIRs, started together, both grade in full."""
    runs = []
    for run in range(2):
        folder = tmp_path / f"run{run}"
        for student in ("ada", "bob", "cy"):
            write(folder / "submitted", student, NB02, notebook(SOLUTION[NB02]))
        scratch = Path(tempfile.mkdtemp(prefix=f"course-run{run}-"))
        scratch.chmod(0o711)  # reachable by the kernels' users, like /tmp
        command = [sys.executable, "-c", "import sys; from course_lib.grading.cli import main; sys.exit(main(sys.argv[1:]))",
                   "grade", str(folder / "submitted"), "--out", str(folder / "gradebook.csv"), "--jobs", "2",
                   "--quiet", "--root", str(ROOT)]
        env = {**os.environ, "TMPDIR": str(scratch)}
        runs.append((folder, scratch, subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                                       stderr=subprocess.PIPE, text=True)))
    try:
        for folder, _, process in runs:
            _, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
            rows = list(csv.DictReader((folder / "gradebook.csv").open()))
            assert [(r["student"], r["status"], float(r["total"])) for r in rows] == [
                (s, "ok", FULL02) for s in ("ada", "bob", "cy")], err
    finally:
        for _, scratch, process in runs:
            if process.poll() is None:
                process.kill()
            shutil.rmtree(scratch, ignore_errors=True)


# --- clean-up never follows a link -----------------------------------------------------------------

def test_clean_up_never_follows_a_link(tmp_path):
    """A kernel leaves a read-only folder holding a link to a file outside; the file keeps its mode."""
    base = Path(tempfile.mkdtemp(prefix="course-nofollow-"))
    try:
        base.chmod(0o755)
        outside = base / "outside.txt"
        outside.write_text("keep me")
        outside.chmod(0o640)
        tree = base / "tree"
        (tree / "ro" / "deeper").mkdir(parents=True)
        (tree / "ro" / "link").symlink_to(outside)
        (tree / "ro" / "deeper" / "dirlink").symlink_to(base)
        (tree / "ro" / "deeper").chmod(0o500)
        (tree / "ro").chmod(0o500)
        code = ("import sys; sys.path.insert(0, sys.argv[1]); from course_lib.grading.sandbox import _force_rmtree; "
                "_force_rmtree(sys.argv[2])")
        # The clean-up's own module and the standard-library-only modules it imports, copied where
        # the unprivileged user can import them (the clone may lie in a folder it cannot pass).
        for module in ("__init__.py", "grading/__init__.py", "grading/checking.py", "grading/sandbox.py",
                       "grading/submissions.py"):
            (base / "course_lib" / module).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / "course_lib" / module, base / "course_lib" / module)
        python = sys.executable
        command = [python, "-c", code, str(base), str(tree)]
        if os.geteuid() == 0:
            # As the attack did: an unprivileged grader, uid 65534, owning everything here.
            python = next((p for p in (f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}",
                                       "/usr/bin/python3") if os.path.exists(p)), None)
            if python is None:
                pytest.skip("no system Python for the unprivileged user")
            subprocess.run(["chown", "-hR", "65534:65534", str(base)], check=True)
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", python, "-c", code,
                       str(base), str(tree)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert not tree.exists()
        assert stat.S_IMODE(outside.stat().st_mode) == 0o640
        assert stat.S_IMODE(base.stat().st_mode) == 0o755
        assert outside.read_text() == "keep me"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_clean_up_removes_a_tree_deeper_than_a_path_can_name(tmp_path):
    """A kernel can nest tens of thousands of folders before the disk watch looks; all of it goes,
    read-only folders and links deep inside included, and a link's target keeps its file."""
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    folder = tmp_path / "left"
    folder.mkdir()
    here = os.open(folder, os.O_RDONLY)
    for depth in range(20_000):
        os.mkdir("d", dir_fd=here)
        if depth % 5000 == 0:
            os.symlink(str(tmp_path), "link", dir_fd=here)
            os.mkdir("ro", 0o500, dir_fd=here)
        inner = os.open("d", os.O_RDONLY, dir_fd=here)
        os.close(here)
        here = inner
    os.close(here)
    _force_rmtree(folder)
    assert not folder.exists()
    assert outside.read_text() == "keep" and sorted(p.name for p in tmp_path.iterdir()) == ["outside.txt"]
