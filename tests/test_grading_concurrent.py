"""Two grading runs on one machine: a run's own checks look only at what that run made.

A separate ``course grade`` process (with a TMPDIR of its own) grades honest notebooks in the
background. While one of its kernels is up, a second run grades in this process, and the
checks of that second run (no control group, kernel process, mount or file of its own left
behind: :func:`test_grading_sandbox_limits.leftovers`) must pass, although the background
run's kernel, working folder, mount and control group are there at that moment and a check of
the whole machine would have found them. Both runs grade every honest notebook in full.
Run under ``flock /tmp/course-grading.lock``: it grades in real kernels.
"""

import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_lib.grading.grader import Options, grade_many
from course_lib.grading.sandbox import detect_sandbox
from course_lib.grading.spec import load_sets
from test_grading_grader import NB02, SOLUTION, notebook, write
from test_grading_sandbox_limits import Watch, leftovers, mounts_under, scratch_folder

ROOT = Path(__file__).resolve().parent.parent
FULL02 = load_sets(ROOT / "instructor" / "sets")["ex02"].max_points
# An honest cell that keeps the background run's first kernel up while the second run grades.
WAIT = "import time\ntime.sleep(25)"

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux"),
    pytest.mark.skipif(not shutil.which("bwrap") and os.geteuid() != 0, reason="no sandbox without --sandbox none"),
]


def full_marks(gradebook: Path) -> list:
    return [(r["student"], r["status"], float(r["total"])) for r in csv.DictReader(gradebook.open())]


def test_a_runs_checks_pass_while_another_run_grades(tmp_path):
    background_scratch = scratch_folder("course-background-")
    scratch = scratch_folder("course-foreground-")
    write(tmp_path / "background", "ada", NB02, notebook(SOLUTION[NB02], extra=[WAIT]))
    write(tmp_path / "background", "bob", NB02, notebook(SOLUTION[NB02]))
    command = [sys.executable, "-c", "import sys; from course_lib.grading.cli import main; sys.exit(main(sys.argv[1:]))",
               "grade", str(tmp_path / "background"), "--out", str(tmp_path / "background.csv"), "--jobs", "1",
               "--timeout", "40", "--quiet", "--root", str(ROOT)]
    background = subprocess.Popen(command, env={**os.environ, "TMPDIR": str(background_scratch)},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not list(background_scratch.glob("course-grade-*/job*-*")):  # its first kernel's folder
            assert background.poll() is None and time.monotonic() < deadline, background.communicate()
            time.sleep(0.1)
        paths = [write(tmp_path / "foreground", student, NB02, notebook(SOLUTION[NB02])) for student in ("cy", "dee")]
        sandbox = detect_sandbox("auto")
        watch = Watch(scratch, sandbox)
        watch.start()
        try:
            results = grade_many(paths, load_sets(ROOT / "instructor" / "sets"), Options(cell_timeout=30), sandbox,
                                 jobs=2, progress=False, scratch=scratch)
        finally:
            watch.finish()
        # What the whole machine holds right now, besides this run: the background run's kernel.
        theirs = list(background_scratch.glob("course-grade-*/job*-*"))
        their_mounts = mounts_under(background_scratch)
        their_groups = [group for folder in set(sandbox.cgroup_folders.values())
                        for group in Path(folder).glob(f"course-kernel-{background.pid}-*")]
        left = leftovers(watch)
        assert background.poll() is None and theirs, "the background run ended too early to test anything"
        if sandbox.uid_for(0) is not None:  # as root: a tmpfs working folder and a control group per kernel
            assert their_mounts and (their_groups or not sandbox.cgroup_version), (their_mounts, their_groups)
        assert left == {}
        assert watch.slots and background.pid not in watch.graders, (watch.slots, watch.graders)
        their_slots = {int(folder.name[3:].split("-")[0]) for folder in theirs}
        assert not watch.slots & their_slots, (watch.slots, their_slots)  # leased to one run at a time
        assert [(r.student, r.status, r.total) for r in results] == [("cy", "ok", FULL02), ("dee", "ok", FULL02)]
        _, err = background.communicate(timeout=120)
        assert background.returncode == 0, err
        assert full_marks(tmp_path / "background.csv") == [("ada", "ok", FULL02), ("bob", "ok", FULL02)], err
        # The background run cleaned up after itself too.
        assert mounts_under(background_scratch) == [] and os.listdir(background_scratch) == []
    finally:
        try:
            background.communicate(timeout=120)  # killed, it could not clean up after itself
        except subprocess.TimeoutExpired:
            background.kill()
            background.communicate()
        shutil.rmtree(background_scratch, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
