"""The grader end to end: real kernels in the sandbox, honest and hostile submissions.

One module-scoped batch runs every submission below through `course grade` (two parallel kernels),
and the tests read its gradebook and feedback. Each hostile submission must be scored exactly as
its honest answers deserve, the grader must finish, and the others must be unaffected.
"""

import csv
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import uuid
from pathlib import Path

import nbformat
import pytest

import course_lib

from course_lib.grading.cli import main
from course_lib.grading.grader import Options, grade_many
from course_lib.grading.release import render_parameters
from course_lib.grading.sandbox import SandboxError, claim_slot, detect_sandbox, readable_by_others, release_slot
from course_lib.grading.spec import load_sets

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "grading_fixtures" / "hostile"
SOLUTION = {n: ROOT / "solutions" / n for n in ("02_convolution_arithmetic.ipynb", "03_layer_arithmetic.ipynb")}
EXERCISE = {n: ROOT / "exercises" / n for n in SOLUTION}
NB02, NB03 = sorted(SOLUTION)
TOKEN = uuid.uuid4().hex[:12]
# Points as the gradebook writes them, from the declarations (so a set can grow without editing here).
SETS = load_sets(ROOT / "instructor" / "sets")
MAX02, MAX03 = (f"{SETS[s].max_points:g}" for s in ("ex02", "ex03"))
# The "partial" submission below loses all of ex02.9 and half a point of ex02.3.
PARTIAL02 = f"{SETS['ex02'].max_points - SETS['ex02'].question('ex02.9').points - 0.5:g}"

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")


def cells_of(name: str, **fill) -> list[str]:
    text = (HOSTILE / f"{name}.cells").read_text()
    for key, value in fill.items():
        text = text.replace("{" + key + "}", str(value))
    return [part.strip("\n") for part in text.split("# %%\n")]


def notebook(base: Path, *, insert_after: str | None = None, extra=(), replace: dict | None = None):
    nb = nbformat.read(base, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if replace:
            for old, new in replace.items():
                if old in cell.source:
                    cell.source = new
    new_cells = [nbformat.v4.new_code_cell(source) for source in extra]
    if insert_after is None:
        nb.cells += new_cells
    else:
        at = next(n for n, c in enumerate(nb.cells) if insert_after in c.source) + 1
        nb.cells[at:at] = new_cells
    for cell in nb.cells:
        cell.pop("id", None)
    nb.nbformat_minor = 4
    return nb


def write(folder: Path, student: str, name: str, nb) -> Path:
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, str):
        path.write_text(nb)
    else:
        nbformat.write(nb, path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    sub, out = base / "submitted", base / "out"
    out.mkdir()
    other = write(sub, "solver", NB02, notebook(SOLUTION[NB02]))
    write(sub, "solver", NB03, notebook(SOLUTION[NB03]))
    write(sub, "blank", NB02, notebook(EXERCISE[NB02]))
    write(sub, "blank", NB03, notebook(EXERCISE[NB03]))
    write(sub, "partial", NB02, notebook(SOLUTION[NB02], replace={
        "o_expr = sympy.floor": "# ex02.9\no_expr = (i + 2 * p - k) / s + 1",
        "p_half = k3 // 2": "# ex02.3\nhalf_full3 = (k3 // 2, i3, k3 - 1, i3 + k3)",
    }))
    fill = {"ROOT": ROOT, "OTHER": other, "OUTDIR": out, "TOKEN": TOKEN}
    for name in ("always_equal", "monkeypatch", "redefined_check", "fake_output", "read_instructor"):
        write(sub, name, NB02, notebook(EXERCISE[NB02], extra=cells_of(name, **fill)))
    middle = 'check("ex02.5")'
    for name in ("write_outside", "infinite_loop", "exits", "kill_kernel", "huge_output", "memory_hog",
                 "disk_filler"):
        write(sub, name, NB02, notebook(SOLUTION[NB02], insert_after=middle, extra=cells_of(name, **fill)))
    write(sub, "hostile_function", NB03, notebook(SOLUTION[NB03], replace={
        "def layer_arithmetic": "\n".join(cells_of("hostile_function"))}))
    write(sub, "broken", NB02, "this is not a notebook {")
    write(sub, "broken", NB03, '{"nbformat": 4, "cells": 3}')
    write(sub, "misnamed", "notes.ipynb", notebook(SOLUTION[NB02]))
    before = digest(other)
    gradebook = out / "gradebook.csv"
    # What this run leaves behind is told apart from another grading run's on the same machine.
    from test_grading_sandbox_limits import Watch, leftovers, scratch_folder  # that module imports this one

    scratch = scratch_folder("course-batch-")
    watch = Watch(scratch, detect_sandbox("auto"))
    watch.start()
    saved, tempfile.tempdir = tempfile.tempdir, str(scratch)
    try:
        code = main(["grade", str(sub), "--out", str(gradebook), "--feedback", str(out / "feedback"),
                     "--jobs", "2", "--timeout", "6", "--notebook-timeout", "90", "--quiet", "--root", str(ROOT)])
    finally:
        tempfile.tempdir = saved
        watch.finish()
    left = leftovers(watch)
    shutil.rmtree(scratch, ignore_errors=True)
    rows = {(r["student"], r["exercise_set"]): r for r in csv.DictReader(gradebook.open())}
    return {"code": code, "rows": rows, "gradebook": gradebook, "out": out, "sub": sub, "other": other,
            "other_before": before, "left": left}


def row(batch, student, set_id="ex02"):
    return batch["rows"][(student, set_id)]


def test_the_run_finishes_with_one_row_per_submission(batch):
    assert batch["code"] == 1  # finished; the hostile rows (timeout, crashed, invalid) need attention
    assert len(batch["rows"]) == 21
    assert list(csv.reader(batch["gradebook"].open()))[0][:4] == ["student", "exercise_set", "submission", "ex02.1"]


def test_solutions_score_full_marks_and_untouched_exercises_zero(batch):
    for set_id in ("ex02", "ex03"):
        solver, blank = row(batch, "solver", set_id), row(batch, "blank", set_id)
        assert (solver["total"], solver["status"]) == (solver["max"], "ok")
        assert (blank["total"], blank["status"]) == ("0", "ok")
    assert row(batch, "solver")["max"] == MAX02 and row(batch, "solver", "ex03")["max"] == MAX03
    for name, set_id in ((NB02, "ex02"), (NB03, "ex03")):  # every cell of an untouched exercise runs
        feedback = (batch["out"] / "feedback" / "blank" / name.replace(".ipynb", ".md")).read_text()
        assert "What happened" not in feedback
        assert feedback.count("(not attempted)") == len(SETS[set_id].questions)


def test_honest_partial_answers_get_exactly_their_points(batch):
    partial = row(batch, "partial")
    assert partial["ex02.9"] == "0" and partial["ex02.3"] == "1.5"
    assert (partial["total"], partial["status"]) == (PARTIAL02, "ok")


@pytest.mark.parametrize("student", ["always_equal", "monkeypatch", "redefined_check", "fake_output",
                                     "read_instructor"])
def test_cheating_with_wrong_answers_scores_zero(batch, student):
    assert (row(batch, student)["total"], row(batch, student)["status"]) == ("0", "ok")


@pytest.mark.parametrize("student, status", [
    ("write_outside", "ok"), ("infinite_loop", "timeout"), ("exits", "crashed"), ("kill_kernel", "crashed"),
    ("memory_hog", "crashed"), ("disk_filler", "ok"),
])
def test_disruptive_cells_cost_nothing_but_themselves(batch, student, status):
    if student == "disk_filler" and os.geteuid() != 0:
        # A normal user's working folder is on disk and watched: the kernel is stopped, not refused.
        status = "crashed"
    assert (row(batch, student)["total"], row(batch, student)["status"]) == (MAX02, status)


def test_a_huge_output_costs_nothing_but_time(batch):
    assert row(batch, "huge_output")["total"] == MAX02
    assert row(batch, "huge_output")["status"] in ("ok", "timeout")


def test_a_hanging_rigged_function_scores_zero_and_the_rest_counts(batch):
    hostile = row(batch, "hostile_function", "ex03")
    # Its own check("ex03.9") cell hangs too: that cell times out, nothing else is lost.
    rest = f"{SETS['ex03'].max_points - SETS['ex03'].question('ex03.9').points:g}"
    assert (hostile["ex03.9"], hostile["total"], hostile["status"]) == ("0", rest, "timeout")


def test_files_that_are_not_notebooks_get_a_row(batch):
    for student, set_id in [("broken", "ex02"), ("broken", "ex03"), ("misnamed", "?")]:
        assert (row(batch, student, set_id)["status"], row(batch, student, set_id)["total"]) == ("invalid notebook", "0")


def test_every_row_that_is_not_ok_says_why(batch):
    for (student, set_id), r in batch["rows"].items():
        assert (r["status"] == "ok") == (r["reason"] == ""), (student, set_id, r["reason"])
    assert row(batch, "misnamed", "?")["reason"].startswith("file name notes.ipynb does not match")
    assert "02_convolution_arithmetic.ipynb, 03_layer_arithmetic.ipynb" in row(batch, "misnamed", "?")["reason"]
    assert row(batch, "broken")["reason"].startswith("not valid JSON (line 1, column 1")
    assert row(batch, "broken", "ex03")["reason"] == "not a Jupyter notebook (its `cells` is not a list)"
    assert "interrupted after the time limit" in row(batch, "infinite_loop")["reason"]
    assert "the kernel died" in row(batch, "kill_kernel")["reason"]
    assert row(batch, "hostile_function", "ex03")["reason"].startswith("cell ")
    misnamed = (batch["out"] / "feedback" / "misnamed" / "notes.md").read_text()
    # File names in the feedback are code spans (never links); the words are the gradebook's.
    assert f"Why: {row(batch, 'misnamed', '?')['reason']}." in misnamed.replace("`", "")


def _visible(path: Path) -> bool:
    """Whether ``path`` exists, as far as the grader's user can tell (a normal user cannot look
    into /root, and neither can the kernels running as that user)."""
    try:
        return path.exists()
    except PermissionError:
        return False


def test_nothing_was_written_outside_the_sandbox(batch):
    assert digest(batch["other"]) == batch["other_before"]
    assert stat.S_IMODE(batch["other"].stat().st_mode) != 0o777
    for path in [ROOT / "instructor" / f"pwned-{TOKEN}.txt", ROOT / f"pwned-{TOKEN}.txt",
                 batch["out"] / f"pwned-{TOKEN}.txt", Path(f"/tmp/pwned-{TOKEN}.txt"),
                 Path(f"/root/pwned-{TOKEN}.txt"), Path(f"/etc/pwned-{TOKEN}.txt")]:
        assert not _visible(path), path


def test_no_process_of_a_sandbox_user_survives(batch):
    # kill_kernel starts `sleep 1000` in a session of its own; nothing of this run may outlive it.
    assert batch["left"] == {}


def test_feedback_shows_points_and_public_messages_but_no_hidden_test(batch):
    feedback = batch["out"] / "feedback"
    partial = (feedback / "partial" / "02_convolution_arithmetic.md").read_text()
    assert f"**Total: {PARTIAL02} / {MAX02} points** (status: ok)" in partial
    title = load_sets(ROOT / "instructor" / "sets")["ex02"].question("ex02.3").title  # one source of titles
    assert f"## ex02.3 · {title} — 1.5 / 2 (partly correct)" in partial
    assert "your expression gives" in partial
    hostile = (feedback / "hostile_function" / "03_layer_arithmetic.md").read_text()
    assert "Hidden tests: 0 of 4 groups passed." in hostile
    sets = load_sets(ROOT / "instructor" / "sets")
    question = sets["ex03"].question("ex03.9")
    for group in question.hidden:
        for case in group.cases:
            assert repr(case[2]) not in hostile and str(case[0]) + ", " + str(case[1]) not in hostile
    for text in (p.read_text() for p in feedback.rglob("*.md")):
        assert "SOLUTION" not in text and "reference" not in text.lower()
    exits = (feedback / "exits" / "02_convolution_arithmetic.md").read_text()
    assert "while this cell ran; skipped" in exits


def test_regrading_gives_the_same_gradebook(batch, tmp_path):
    chosen = [batch["sub"] / "solver" / NB03, batch["sub"] / "partial" / NB02, batch["sub"] / "blank" / NB03]
    outputs = []
    for run in range(2):
        out = tmp_path / f"gradebook{run}.csv"
        assert main(["grade", *map(str, chosen), "--out", str(out), "--jobs", "2", "--quiet",
                     "--root", str(ROOT)]) == 0
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 4


def test_variants_are_graded_from_roster_and_secret_not_from_the_notebook(tmp_path):
    secret_file = tmp_path / "secret.key"
    secret_file.write_text("s" * 40)
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\nalice\nmallory\n")
    release = tmp_path / "release"
    assert main(["release", "--roster", str(roster), "--out", str(release), "--secret-file", str(secret_file),
                 "--root", str(ROOT)]) == 0
    sets = load_sets(ROOT / "instructor" / "sets")
    params = sets["ex03"].parameters_for("alice", ("s" * 40).encode())
    solved = notebook(SOLUTION[NB03])
    for cell in solved.cells:
        if cell.source.startswith("# PARAMETERS"):
            cell.source = render_parameters(cell.source, params)
    sub = tmp_path / "submitted"
    write(sub, "alice", NB03, solved)
    stolen = nbformat.reads(nbformat.writes(solved), as_version=4)
    stolen.metadata["course"] = {"student": "mallory"}
    write(sub, "mallory", NB03, stolen)  # alice's work, handed in by mallory
    write(sub, "nobody", NB03, notebook(SOLUTION[NB03]))  # default parameters, not a variant
    out = tmp_path / "gradebook.csv"
    # 1: mallory's row (student mismatch) and nobody's (not in roster) need attention
    assert main(["grade", str(sub), "--out", str(out), "--roster", str(roster), "--secret-file", str(secret_file),
                 "--jobs", "2", "--quiet", "--root", str(ROOT)]) == 1
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    assert rows["alice"]["total"] == MAX03
    assert float(rows["mallory"]["total"]) < float(MAX03)
    assert float(rows["nobody"]["total"]) < float(MAX03)
    assert rows["mallory"]["ex03.9"] == "4"  # the function is right for any input


# --- the other sandboxes ---------------------------------------------------------------------------

def test_readable_by_others_follows_every_folder_above(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "file").write_text("x")
    (private / "file").chmod(0o644)
    assert not readable_by_others(private / "file")
    private.chmod(0o755)
    assert readable_by_others(private / "file") == readable_by_others(tmp_path)


@pytest.mark.skipif(os.geteuid() != 0, reason="setpriv mode needs root")
def test_setpriv_sandbox_refuses_readable_instructor_files_and_blocks_private_ones(tmp_path):
    if not (readable_by_others(Path(sysconfig.get_paths()["purelib"])) and readable_by_others(ROOT / "course_lib")):
        pytest.skip("the course lies where other users cannot pass, so setpriv mode refuses it "
                    "(tests/test_grading_location.py checks that refusal)")
    sandbox = detect_sandbox("setpriv")
    assert sandbox.uid_for(0) is not None
    with pytest.raises(SandboxError, match="readable by other users"):
        sandbox.check_protected([ROOT / "instructor"])
    course = tmp_path / "course"  # pytest's tmp folders are private (0700) to root
    for folder in ("instructor", "solutions"):
        shutil.copytree(ROOT / folder, course / folder, ignore=shutil.ignore_patterns("secret.key"))
    sandbox.check_protected([course / "instructor", course / "solutions"])
    sub = tmp_path / "submitted"
    other = write(sub, "solver", NB02, notebook(SOLUTION[NB02]))
    write(sub, "reader", NB02, notebook(EXERCISE[NB02], extra=cells_of("read_instructor", ROOT=course, OTHER=other)))
    write(sub, "writer", NB02, notebook(SOLUTION[NB02], insert_after='check("ex02.5")', extra=cells_of(
        "write_outside", ROOT=course, OTHER=other, OUTDIR=tmp_path, TOKEN=TOKEN)))
    before = digest(other)
    sets = load_sets(course / "instructor" / "sets")
    results = {r.student: r for r in grade_many(sorted(sub.rglob("*.ipynb")), sets, Options(cell_timeout=10),
                                                sandbox, jobs=2, progress=False)}
    full = sets["ex02"].max_points
    assert (results["solver"].total, results["reader"].total, results["writer"].total) == (full, 0, full)
    assert digest(other) == before
    assert not list(course.rglob(f"pwned-{TOKEN}.txt")) and not (tmp_path / f"pwned-{TOKEN}.txt").exists()


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("bwrap"), reason="runs the grader as a normal user")
def test_bubblewrap_sandbox_for_a_grader_that_is_not_root():
    """The instructor is an ordinary user (uid 1000): bubblewrap alone keeps their files out of reach."""
    if not readable_by_others(Path(sysconfig.get_paths()["purelib"])):
        pytest.skip("root's venv lies where user 1000 cannot pass (tests/test_grading_location.py "
                    "grades as a normal user with a venv in their own private home)")
    work = Path(tempfile.mkdtemp(prefix="course-nonroot-"))
    try:
        course = work / "course"
        for folder in ("instructor", "solutions"):
            shutil.copytree(ROOT / folder, course / folder, ignore=shutil.ignore_patterns("secret.key"))
        (course / "instructor" / "secret.key").write_text("t" * 40)
        sub = work / "submitted"
        other = write(sub, "solver", NB02, notebook(SOLUTION[NB02]))
        write(sub, "reader", NB02, notebook(EXERCISE[NB02], extra=cells_of("read_instructor", ROOT=course, OTHER=other)))
        write(sub, "writer", NB02, notebook(SOLUTION[NB02], insert_after='check("ex02.5")', extra=cells_of(
            "write_outside", ROOT=course, OTHER=other, OUTDIR=work, TOKEN=TOKEN)))
        subprocess.run(["chown", "-R", "1000:1000", str(work)], check=True)
        work.chmod(0o700)
        out = work / "gradebook.csv"
        # The venv's interpreter lives under /root here: the user runs the system Python on the
        # venv's packages, as a user with their own environment would.
        python = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
        if not os.path.exists(python):
            pytest.skip(f"no {python} for the unprivileged user")
        launcher = ("import site, sys; site.addsitedir(%r); from course_lib.grading.cli import main; "
                    "sys.exit(main(sys.argv[1:]))" % sysconfig.get_paths()["purelib"])
        result = subprocess.run(
            ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "env", f"HOME={work}",
             "PATH=/usr/local/bin:/usr/bin:/bin", python, "-c", launcher, "grade", str(sub),
             "--out", str(out), "--root", str(course), "--sandbox", "bwrap", "--jobs", "2", "--timeout", "10"],
            capture_output=True, text=True, timeout=300, cwd=work,
        )
        assert result.returncode == 0, result.stderr
        assert "as a normal user" in result.stderr
        rows = {r["student"]: r for r in csv.DictReader(out.open())}
        assert (rows["solver"]["total"], rows["reader"]["total"], rows["writer"]["total"]) == (MAX02, "0", MAX02)
        assert not list(work.rglob(f"pwned-{TOKEN}.txt"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_a_kernel_that_fills_its_working_folder_is_stopped(monkeypatch):
    """The watch on the working folder (the only guard for a grader that is not root)."""
    import asyncio

    from course_lib.grading import runner

    monkeypatch.setattr(runner, "DISK_LIMIT", 50 * 1024 * 1024)
    sandbox = detect_sandbox("auto", disk_mb=128)
    fill = ("import os, sys, time\nfolder = os.path.dirname(sys.argv[sys.argv.index('-f') + 1])\n"
            "with open(os.path.join(folder, 'big'), 'wb') as handle:\n"
            "    handle.write(b'x' * 100_000_000)\ntime.sleep(30)")
    scratch = Path(tempfile.mkdtemp(prefix="course-disk-"))  # reachable by the kernels' users
    scratch.chmod(0o711)
    slot = claim_slot()  # slot 0 may be another grading run's on a shared machine
    try:
        result = asyncio.run(runner.run_cells(["x = 1", fill, "y = 2"], ["print('T0', x + y)"], "T0", sandbox, slot,
                                              scratch, cell_timeout=60, notebook_timeout=120))
    finally:
        release_slot(slot)
        shutil.rmtree(scratch, ignore_errors=True)
    assert result.cells[2].error == "wrote more than 50 MB to disk; skipped"
    assert result.status == "crashed" and list(result.probe_lines.values()) == [["3"]]


@pytest.mark.skipif(not shutil.which("bwrap"), reason="bubblewrap is not installed")
def test_auto_picks_bubblewrap_when_it_is_installed():
    box = detect_sandbox("auto")
    assert box.mode == "bwrap", box.passed_over
    assert str(Path(course_lib.__file__).resolve().parent) in box.readonly


@pytest.mark.skipif(not shutil.which("bwrap"), reason="bubblewrap is not installed")
def test_read_only_folders_under_tmp_stay_visible_in_bubblewrap():
    """A course cloned under /tmp (as CI may do) must not vanish under the sandbox's own /tmp."""
    box = detect_sandbox("bwrap")
    shared = Path(tempfile.mkdtemp(prefix="course-visible-", dir="/tmp"))
    workdir = Path(tempfile.mkdtemp(prefix="course-work-", dir="/tmp"))
    try:
        os.chmod(shared, 0o755)
        (shared / "marker.txt").write_text("visible")
        box.readonly = [*box.readonly, str(shared)]
        shown = subprocess.run(box.bwrap_argv(workdir) + ["/bin/cat", str(shared / "marker.txt")],
                               capture_output=True, text=True, timeout=60)
        assert shown.stdout == "visible", shown.stderr
    finally:
        shutil.rmtree(shared)
        shutil.rmtree(workdir)
