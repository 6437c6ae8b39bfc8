"""Limits that hold per kernel, not per process; runs that do not meet; a clean-up that follows no link.

Hostile kernels (memory spread over forked children, files in /dev/shm and the sandbox's own
folders, a fork bomb of busy loops) are graded beside honest controls in one run with two
parallel kernels: the controls must keep full marks, status ``ok`` and their usual speed, and the
machine must not feel it. Two grading runs started at once must not touch each other's kernels.
"""

import csv
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from course_lib.grading.grader import Options, grade_many
from course_lib.grading.sandbox import _force_rmtree, cgroup_support, detect_sandbox
from course_lib.grading.spec import load_sets
from test_grading_grader import NB02, SOLUTION, notebook, write

ROOT = Path(__file__).resolve().parent.parent
SETS = load_sets(ROOT / "instructor" / "sets")
FULL02 = SETS["ex02"].max_points
MEMORY_MB = 1024
CHILD_MB = 300  # six of them: twice the limit in sum, under a third of it each
KERNEL_USERS = range(62000, 63000)

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


def meminfo(field: str) -> int:
    """A /proc/meminfo field in MB."""
    text = Path("/proc/meminfo").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) // 1024


class Watch(threading.Thread):
    """Samples, until stopped, the machine's shared memory and the memory each kernel user holds."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.shmem_before = meminfo("Shmem")
        self.shmem_peak = self.shmem_before
        self.user_peak: dict = {}

    def run(self):
        while not self.stop.wait(0.2):
            self.shmem_peak = max(self.shmem_peak, meminfo("Shmem"))
            per_user: dict = {}
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    text = status.read_text()
                except OSError:
                    continue
                uid = int(re.search(r"^Uid:\s+(\d+)", text, re.M).group(1))
                if uid not in KERNEL_USERS:
                    continue
                try:
                    # Proportional set size: pages shared by forked processes are counted once.
                    rollup = (status.parent / "smaps_rollup").read_text()
                except OSError:
                    continue
                pss = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
                if pss:
                    per_user[uid] = per_user.get(uid, 0) + int(pss.group(1))
            for uid, kb in per_user.items():
                self.user_peak[uid] = max(self.user_peak.get(uid, 0), kb // 1024)


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
    watch = Watch()
    watch.start()
    started = time.monotonic()
    try:
        results = grade_many(paths, SETS, Options(cell_timeout=30, notebook_timeout=90), sandbox, jobs=2,
                             progress=False)
    finally:
        watch.stop.set()
        watch.join()
    return {"results": {r.student: r for r in results}, "seconds": time.monotonic() - started,
            "watch": watch, "sandbox": sandbox}


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


def test_files_in_memory_cannot_grow_the_machines_shared_memory(hostile_batch):
    watch = hostile_batch["watch"]
    # The hostile kernel tried 400 MB in each of /dev/shm, /dev and /; only /dev/shm takes any,
    # and no more than its size. Honest kernels keep a few MB in their folders.
    grown = watch.shmem_peak - watch.shmem_before
    assert grown < hostile_batch["sandbox"].shm_mb + 150, grown


@needs_cgroups
def test_no_kernel_group_or_process_is_left_behind(hostile_batch):
    version, folders = cgroup_support()
    for folder in set(folders.values()):
        assert not list(Path(folder).glob("course-kernel-*")), folder
    # Zombies (state Z) hold nothing; the machine's init reaps them when it gets to them.
    table = subprocess.run(["ps", "-eo", "uid=,stat=,args="], capture_output=True, text=True).stdout
    alive = [line for line in table.splitlines() if int(line.split()[0]) in KERNEL_USERS and "Z" not in line.split()[1]]
    assert not alive


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
        code = ("import sys; sys.path.insert(0, sys.argv[1]); from sandbox import _force_rmtree; "
                "_force_rmtree(sys.argv[2])")
        # The clean-up's own module, copied where the unprivileged user can import it.
        shutil.copy(ROOT / "course_lib" / "grading" / "sandbox.py", base / "sandbox.py")
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
