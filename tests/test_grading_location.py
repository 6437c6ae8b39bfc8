"""`course grade` in a course kept where other users cannot pass: a 0700 folder, with its own venv.

Kernels run as unprivileged user ids, which cannot traverse such a folder, yet the sandbox must
still reach the course's venv and ``course_lib`` there (and only those). Each test copies the
working tree (not a ``git clone``: a clone holds only committed work, and these tests must test
the code they run beside) into a fresh 0700 folder, makes a real venv inside it whose
site-packages are hard links to this environment's (fast, no network), installs the copy into it
in editable mode as ``make setup`` would, and grades with that venv's ``course`` command.
"""

import csv
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from course_lib.grading.sandbox import SandboxError, closed_folder, detect_sandbox
from course_lib.grading.spec import load_sets
from test_grading_grader import EXERCISE, NB02, SOLUTION, cells_of, notebook, write
from test_grading_sandbox_limits import mounts_under, scratch_folder

ROOT = Path(__file__).resolve().parent.parent
# Not the course: what a copy of it never needs (and .venv is rebuilt inside the copy).
SKIP = shutil.ignore_patterns(".venv", ".git", "build", ".pytest_cache", ".hypothesis")
NORMAL_UID = 1000  # an ordinary user, as in tests/test_grading_grader.py

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux"),
    pytest.mark.skipif(not shutil.which("bwrap"), reason="bubblewrap is not installed"),
]


def _link_or_copy(source, target):
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed: copy instead
        shutil.copy2(source, target)


def private_course(base_python: str) -> Path:
    """A 0700 folder holding a copy of the course and, inside it, a venv made with ``base_python``."""
    home = Path(tempfile.mkdtemp(prefix="course-private-"))  # mode 0700, like `mktemp -d`
    course = home / "course"
    shutil.copytree(ROOT, course, ignore=SKIP, symlinks=True)
    venv = course / ".venv"
    subprocess.run([base_python, "-m", "venv", "--without-pip", str(venv)], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = venv / "lib" / version / "site-packages"
    shutil.rmtree(site)
    # Every package but this checkout's own editable install; byte code too, or the first
    # import of sympy would spend many seconds compiling.
    shutil.copytree(sysconfig.get_paths()["purelib"], site, copy_function=_link_or_copy, symlinks=True,
                    ignore=shutil.ignore_patterns("__editable__*course_lib*", "course_lib-*.dist-info"))
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps",
                                "--disable-pip-version-check", "-e", str(course)],
                               capture_output=True, text=True, timeout=600)
    if installed.returncode != 0:
        # No build back-end at hand without a network: the older kind of editable install.
        (site / "course_lib.pth").write_text(f"{course}\n")
    return home


def submissions(course: Path, folder: Path) -> None:
    """An honest, correct submission, and one that tries to read the instructor's files."""
    solver = write(folder, "solver", NB02, notebook(course / "solutions" / NB02))
    write(folder, "reader", NB02, notebook(course / "exercises" / NB02,
                                           extra=cells_of("read_instructor", ROOT=course, OTHER=solver)))


def grade(course: Path, sub: Path, out: Path, sandbox: str = "bwrap", user: int | None = None,
          scratch: Path | None = None):
    """Run the copy's own ``course grade`` with a clean environment (as ``user``, in ``scratch`` if given)."""
    command = [str(course / ".venv" / "bin" / "course"), "grade", str(sub), "--out", str(out),
               "--root", str(course), "--sandbox", sandbox, "--jobs", "2", "--timeout", "20"]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(course.parent), "LANG": "C.UTF-8"}
    if scratch is not None:
        env["TMPDIR"] = str(scratch)  # the run's working folders: its own, whatever else runs here
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=course, env=env)


def check_gradebook(course: Path, out: Path) -> None:
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    deserved = load_sets(course / "instructor" / "sets")["ex02"].max_points
    assert float(rows["solver"]["max"]) == deserved
    assert (float(rows["solver"]["total"]), rows["solver"]["status"]) == (deserved, "ok")
    assert (rows["reader"]["total"], rows["reader"]["status"]) == ("0", "ok")


@pytest.fixture(scope="module")
def as_root_copy():
    if os.geteuid() != 0:
        pytest.skip("grades as root")
    home = private_course(getattr(sys, "_base_executable", sys.executable))
    yield home
    shutil.rmtree(home, ignore_errors=True)


def test_root_grades_a_course_kept_in_a_private_folder(as_root_copy):
    home = as_root_copy
    course = home / "course"
    assert os.stat(home).st_mode & 0o777 == 0o700
    sub, out = home / "submitted", home / "gradebook.csv"
    submissions(course, sub)
    scratch = scratch_folder("course-location-")
    try:
        result = grade(course, sub, out, scratch=scratch)
        assert result.returncode == 0, result.stderr
        assert "bubblewrap" in result.stderr and "its own unprivileged user" in result.stderr
        check_gradebook(course, out)
        # The binds lived in the kernels' own mount namespaces: none of this run's is left on the
        # machine (another run's may be: only this run's scratch folder is looked at).
        assert mounts_under(scratch) == [] and os.listdir(scratch) == []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def test_the_copy_uses_its_own_venv(as_root_copy):
    """The sandbox binds the private venv's packages and course_lib, not this checkout's."""
    course = as_root_copy / "course"
    shown = subprocess.run(
        [str(course / ".venv" / "bin" / "python"), "-c",
         "from course_lib.grading.sandbox import detect_sandbox; print(detect_sandbox('bwrap').readonly)"],
        capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin"}, cwd=course)
    assert shown.returncode == 0, shown.stderr
    readonly = eval(shown.stdout)  # noqa: S307 - a list of paths printed by our own code
    assert str(course / "course_lib") in readonly
    assert any(path.startswith(str(course / ".venv")) for path in readonly)
    assert not any(path.startswith(str(ROOT)) for path in readonly)


def test_setpriv_mode_refuses_and_says_why(as_root_copy):
    """Without bubblewrap the kernels use the machine's own files: they cannot reach the venv."""
    course = as_root_copy / "course"
    sub = as_root_copy / "submitted-setpriv"
    write(sub, "solver", NB02, notebook(course / "solutions" / NB02))
    result = grade(course, sub, as_root_copy / "setpriv.csv", sandbox="setpriv")
    assert result.returncode != 0
    assert "cannot reach" in result.stderr and str(as_root_copy) in result.stderr
    assert "apt-get install bubblewrap" in result.stderr
    assert not (as_root_copy / "setpriv.csv").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="drops from root to an ordinary user")
def test_a_normal_user_grades_a_course_in_their_private_home():
    # The user cannot run root's interpreter (under /root): their venv is made from the system's.
    python = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    if not os.path.exists(python):
        pytest.skip(f"no {python} for the unprivileged user")
    home = private_course(python)
    try:
        course = home / "course"
        sub, out = home / "submitted", home / "gradebook.csv"
        submissions(course, sub)
        # Their home and what they write are theirs; the linked packages stay root's (readable).
        for path in [home, *sub.rglob("*")]:
            os.chown(path, NORMAL_UID, NORMAL_UID)
        os.chown(sub, NORMAL_UID, NORMAL_UID)
        assert os.stat(home).st_mode & 0o777 == 0o700
        result = grade(course, sub, out, user=NORMAL_UID)
        assert result.returncode == 0, result.stderr
        assert "bubblewrap" in result.stderr and "as a normal user" in result.stderr
        check_gradebook(course, out)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_closed_folder_names_the_folder_that_shuts_others_out():
    base = Path(tempfile.mkdtemp(prefix="course-closed-"))
    try:
        base.chmod(0o755)
        if closed_folder(base) is not None:
            pytest.skip(f"{closed_folder(base)} already shuts others out of the temporary folder")
        home = base / "home"
        (home / "course").mkdir(parents=True)
        (home / "course").chmod(0o755)
        home.chmod(0o700)
        assert closed_folder(home / "course") == home
        assert closed_folder(home, need="x") == home and closed_folder(home) == home
        home.chmod(0o711)  # passable, not listable
        assert closed_folder(home / "course") is None
        assert (closed_folder(home, need="x"), closed_folder(home)) == (None, home)
        assert closed_folder(home / "missing") == home / "missing"
        with pytest.raises(ValueError, match="need must be"):
            closed_folder(home, need="w")
    finally:
        shutil.rmtree(base)


@pytest.mark.skipif(os.geteuid() != 0, reason="kernels run as other users only when the grader is root")
def test_a_working_folder_the_kernels_cannot_reach_is_refused_up_front():
    closed = Path(tempfile.mkdtemp(prefix="course-closed-tmp-"))
    try:
        with pytest.raises(SandboxError, match="point TMPDIR at a folder every user can pass"):
            detect_sandbox("bwrap", scratch=closed / "tmp")
    finally:
        shutil.rmtree(closed)
