"""The submission tree is not trusted: links, pipes, devices, huge files, nesting, duplicates, names.

The unit tests of `course_lib.grading.submissions` and of the gradebook's escaping run no kernel.
The two end-to-end runs of `course grade` (in a subprocess, with a hang guard) grade notebooks in
real kernels: run this module under `flock /tmp/course-grading.lock`.
"""

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_lib.grading.cli import main
from course_lib.grading.gradebook import feedback_markdown, gradebook_text, spreadsheet_safe, write_feedback
from course_lib.grading.grader import Options, SubmissionResult, grade_many, released_for
from course_lib.grading.submissions import MAX_NOTEBOOK_BYTES, Submission, collect, read_bytes
from test_grading_cli import NOTEBOOK, SECRET, answered, make_course, put, tiny_set

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="links, pipes and O_NOFOLLOW as on Linux")

SETS = {"ex01": tiny_set()}
LINK = "a symbolic link, not a file (links are not followed)"
HANG_GUARD = 600  # seconds; a grading run that reads a pipe or /dev/zero never ends


@pytest.fixture
def tree(tmp_path):
    """A course with a solution, and a submissions folder with one honest notebook."""
    root = make_course(tmp_path / "course")
    sub = tmp_path / "submitted"
    put(sub, "alice", NOTEBOOK, "{}")
    return {"root": root, "sub": sub, "solution": root / "solutions" / NOTEBOOK}


def by_student(found):
    return {(s.student, s.parts): s.problem for s in found}


def remove_chain(top: Path) -> None:
    """Delete a chain of folders ``top/d/d/...`` too deep for shutil.rmtree (it recurses)."""
    here = os.getcwd()
    os.chdir(top)
    depth = 0
    try:
        while os.path.isdir("d"):
            os.chdir("d")
            depth += 1
        for _ in range(depth):
            for name in os.listdir("."):
                os.unlink(name)  # the chain's only files; its folders are already gone
            os.chdir("..")
            os.rmdir("d")
    finally:
        os.chdir(here)


# --- what is collected ----------------------------------------------------------------------------

def test_a_link_to_a_solution_or_to_another_students_file_is_refused_unread(tree):
    sub = tree["sub"]
    (sub / "mallory").mkdir()
    os.symlink(tree["solution"], sub / "mallory" / NOTEBOOK)
    (sub / "eve").mkdir()
    os.symlink(Path("..") / "alice" / NOTEBOOK, sub / "eve" / NOTEBOOK)
    found = by_student(collect([sub], SETS))
    assert found[("mallory", ("mallory", NOTEBOOK))] == ("invalid notebook", LINK)
    assert found[("eve", ("eve", NOTEBOOK))] == ("invalid notebook", LINK)
    assert found[("alice", ("alice", NOTEBOOK))] is None
    for student in ("mallory", "eve"):
        with pytest.raises(ValueError, match="a symbolic link, not a file"):
            read_bytes(Submission(str(sub), (student, NOTEBOOK), student))
        assert released_for(sub / student / NOTEBOOK) is None


def test_a_linked_folder_is_not_walked_and_gets_a_row(tree):
    sub = tree["sub"]
    (sub / "trudy").mkdir()
    os.symlink(sub / "alice", sub / "trudy" / "work")
    os.symlink(tree["root"] / "solutions", sub / "zoe")  # a whole student folder that is a link
    found = collect([sub], SETS)
    assert [(s.student, s.parts, s.problem) for s in found if s.student in ("trudy", "zoe")] == [
        ("trudy", ("trudy", "work"), ("invalid notebook", "a symbolic link to a folder, not followed")),
        ("zoe", ("zoe",), ("invalid notebook", "a symbolic link to a folder, not followed")),
    ]
    assert sum(s.parts[-1] == NOTEBOOK for s in found) == 1  # alice's, found once


def test_a_named_pipe_is_refused_without_blocking(tree):
    sub = tree["sub"]
    (sub / "piper").mkdir()
    os.mkfifo(sub / "piper" / NOTEBOOK)
    assert by_student(collect([sub]))[("piper", ("piper", NOTEBOOK))] == ("invalid notebook", "a named pipe, not a file")
    started = time.monotonic()
    with pytest.raises(ValueError, match="^a named pipe, not a file$"):
        read_bytes(sub / "piper" / NOTEBOOK)  # no writer: a blocking open would never return
    assert time.monotonic() - started < 5


def test_a_link_to_dev_zero_is_never_read(tree):
    sub = tree["sub"]
    (sub / "zero").mkdir()
    os.symlink("/dev/zero", sub / "zero" / NOTEBOOK)
    assert by_student(collect([sub]))[("zero", ("zero", NOTEBOOK))] == ("invalid notebook", LINK)
    with pytest.raises(ValueError, match="a symbolic link"):
        read_bytes(sub / "zero" / NOTEBOOK)


def test_a_device_named_on_the_command_line_is_refused_unopened():
    found = collect(["/dev/null"])
    assert [(s.student, s.problem) for s in found] == [("dev", ("invalid notebook", "a device, not a file"))]
    with pytest.raises(ValueError, match="^a device, not a file$"):
        read_bytes(Path("/dev/null"))


def test_an_oversized_file_is_refused_before_it_is_read(tree):
    big = tree["sub"] / "huge" / NOTEBOOK
    big.parent.mkdir()
    with open(big, "wb") as f:
        f.truncate(MAX_NOTEBOOK_BYTES + 1)  # sparse: 20 MB of zeros that cost no disk
    with pytest.raises(ValueError, match=r"^larger than the 20 MB limit \(20\.0 MB\)"):
        read_bytes(big)
    exact = tree["sub"] / "huge" / "02_x.ipynb"
    with open(exact, "wb") as f:
        f.truncate(MAX_NOTEBOOK_BYTES)
    assert len(read_bytes(exact)) == MAX_NOTEBOOK_BYTES


def test_a_file_or_folder_swapped_for_a_link_after_the_walk_is_still_not_followed(tree):
    sub = tree["sub"]
    put(sub, "bob", f"deep/{NOTEBOOK}", "{}")
    put(sub, "carl", NOTEBOOK, "{}")
    found = {s.student: s for s in collect([sub])}
    (sub / "bob" / "deep" / NOTEBOOK).unlink()
    (sub / "bob" / "deep").rmdir()
    os.symlink(tree["root"] / "solutions", sub / "bob" / "deep")
    (sub / "carl" / NOTEBOOK).unlink()
    os.symlink(tree["solution"], sub / "carl" / NOTEBOOK)
    with pytest.raises(ValueError, match="^deep above it is a symbolic link, not a folder"):
        read_bytes(found["bob"])
    with pytest.raises(ValueError, match="^a symbolic link, not a file"):
        read_bytes(found["carl"])
    assert read_bytes(found["alice"]) == b"{}"


def test_the_student_is_the_first_folder_however_deep_the_notebook(tree):
    sub = tree["sub"]
    put(sub, "mallory", f"bob/{NOTEBOOK}", "{}")
    put(sub, "bob", f"drafts/final/{NOTEBOOK}", "{}")
    found = by_student(collect([sub], SETS))
    assert found == {("alice", ("alice", NOTEBOOK)): None, ("bob", ("bob", "drafts", "final", NOTEBOOK)): None,
                     ("mallory", ("mallory", "bob", NOTEBOOK)): None}


def test_folders_nested_thousands_deep_are_walked_and_read(tree):
    path = str(tree["sub"] / "bob")
    os.mkdir(path)
    for _ in range(1500):  # deeper than Python's recursion limit, within PATH_MAX (os.makedirs recurses)
        path += "/d"
        os.mkdir(path)
    Path(path, NOTEBOOK).write_text("{}")
    try:
        (found,) = [s for s in collect([tree["sub"]], SETS) if s.student == "bob"]
        assert len(found.parts) == 1502 and found.problem is None
        assert read_bytes(found) == b"{}"
    finally:
        remove_chain(tree["sub"] / "bob")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_a_folder_that_cannot_be_read_gets_a_row_and_the_walk_goes_on(tree):
    locked = tree["sub"] / "bob" / "locked"
    locked.mkdir(parents=True)
    locked.chmod(0)
    try:
        found = by_student(collect([tree["sub"]], SETS))
    finally:
        locked.chmod(0o700)
    assert found[("bob", ("bob", "locked"))][1].startswith("a folder that cannot be read")
    assert found[("alice", ("alice", NOTEBOOK))] is None


def test_folders_nested_beyond_path_max_get_a_row_and_the_walk_goes_on(tree):
    here = os.getcwd()
    os.mkdir(tree["sub"] / "bob")
    os.chdir(tree["sub"] / "bob")
    try:
        for _ in range(2100):  # 4200 characters: more than PATH_MAX
            os.mkdir("d")
            os.chdir("d")
    finally:
        os.chdir(here)
    try:
        found = collect([tree["sub"]], SETS)
    finally:
        remove_chain(tree["sub"] / "bob")
    (bob,) = [s for s in found if s.student == "bob"]
    assert bob.problem[0] == "invalid notebook"
    assert bob.problem[1].endswith("(File name too long)")
    assert [(s.student, s.problem) for s in found if s.student != "bob"] == [("alice", None)]


def test_a_file_directly_in_the_submissions_folder_belongs_to_no_student(tree):
    put(tree["sub"], ".", NOTEBOOK, "{}")
    (top,) = [s for s in collect([tree["sub"]], SETS) if len(s.parts) == 1]
    assert top.student == ""
    assert top.problem[0] == "invalid notebook" and top.problem[1].startswith("not in a student's folder")


def test_a_file_named_on_the_command_line_belongs_to_its_resolved_folder(tree):
    alice = tree["sub"] / "alice"
    found = collect([alice / NOTEBOOK, alice / ".." / "alice" / NOTEBOOK, tree["sub"]])
    assert [(s.student, s.problem) for s in found] == [("alice", None)]  # one file, listed once
    assert collect([alice / "." / NOTEBOOK])[0].student == "alice"


def test_checkpoints_and_other_files_are_not_submissions(tree):
    put(tree["sub"], "alice", f".ipynb_checkpoints/{NOTEBOOK}", "{}")
    put(tree["sub"], "alice", "data.csv", "x")
    assert [s.parts for s in collect([tree["sub"]], SETS)] == [("alice", NOTEBOOK)]


def test_duplicates_are_all_refused_by_default(tree):
    put(tree["sub"], "alice", f"v2/{NOTEBOOK}", "{}")
    put(tree["sub"], "alice", "01_other.ipynb", "{}")
    found = collect([tree["sub"]], SETS)
    assert len(found) == 3
    for s in found:
        assert s.problem[0] == "duplicate"
        assert s.problem[1] == (f"3 files for ex01 in alice's folder (01_other.ipynb, {NOTEBOOK}, v2/{NOTEBOOK}); "
                                "none is graded: hand in exactly one")


def test_latest_grades_the_newest_and_names_it_in_the_others(tree):
    sub = tree["sub"]
    newer, older = put(sub, "alice", f"v2/{NOTEBOOK}", "{}"), sub / "alice" / NOTEBOOK
    os.utime(older, ns=(1_000_000_000, 1_000_000_000))
    os.utime(newer, ns=(2_000_000_000, 2_000_000_000))
    found = {s.parts: s.problem for s in collect([sub], SETS, duplicates="latest")}
    assert found[("alice", "v2", NOTEBOOK)] is None
    assert found[("alice", NOTEBOOK)] == ("duplicate", f"not graded: a newer submission for ex01, v2/{NOTEBOOK}, "
                                                       "was graded")
    os.utime(older, ns=(2_000_000_000, 2_000_000_000))  # a tie: the later path wins
    found = {s.parts: s.problem for s in collect([sub], SETS, duplicates="latest")}
    assert found[("alice", "v2", NOTEBOOK)] is None and found[("alice", NOTEBOOK)][0] == "duplicate"


def test_other_students_and_other_sets_are_not_duplicates(tree):
    put(tree["sub"], "bob", NOTEBOOK, "{}")
    put(tree["sub"], "alice", "02_next.ipynb", "{}")
    assert all(s.problem is None for s in collect([tree["sub"]], {**SETS, "ex02": None}))


def test_bad_arguments_are_refused_clearly(tree):
    with pytest.raises(ValueError, match="duplicates must be one of refuse, latest, got 'newest'"):
        collect([tree["sub"]], SETS, duplicates="newest")
    with pytest.raises(TypeError, match="items must be a list of paths"):
        collect(str(tree["sub"]))
    with pytest.raises(TypeError, match="items must hold paths, got int 3"):
        collect([3])
    with pytest.raises(TypeError, match="path must be a Submission or a path"):
        read_bytes(3)


def test_refused_submissions_get_their_row_without_a_kernel(tree):
    sub = tree["sub"]
    os.symlink(tree["solution"], sub / "alice" / "01_copy.ipynb")
    put(sub, "dup", NOTEBOOK, "{}")
    put(sub, "dup", f"v2/{NOTEBOOK}", "{}")
    refused = [s for s in collect([sub], SETS) if s.problem]
    results = grade_many(refused, SETS, Options(), sandbox=None, jobs=1, progress=False)
    assert [(r.student, r.status, r.total, r.max_points) for r in results] == [
        ("alice", "invalid notebook", 0, 5), ("dup", "duplicate", 0, 5), ("dup", "duplicate", 0, 5)]
    assert all(q.points == 0 for r in results for q in r.questions)


# --- what is written ------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["=1+2", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "  =1", " \t-x", "-", "=",
                                  '=HYPERLINK("evil.example","click")'])
def test_a_cell_that_could_be_a_formula_is_escaped(cell):
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["alice", "-1", "-1.5", "0", "12", "a=b", "ex01.1", ""])
def test_other_cells_are_left_alone(cell):
    assert spreadsheet_safe(cell) == cell


def test_every_column_of_the_gradebook_is_escaped():
    rows = [SubmissionResult('@x/=HYPERLINK("evil.example","click")/01_tiny.ipynb', '=HYPERLINK("evil.example","click")',
                             "ex01", "invalid notebook", reason="-2+3 (the folder's name) is not on the roster"),
            SubmissionResult("x/01_tiny.ipynb", "x", "ex01", "ok", total=1.5)]
    (header, evil, honest) = list(csv.reader(gradebook_text(rows, SETS).splitlines()))
    assert evil[:3] == ['\'=HYPERLINK("evil.example","click")', "ex01",
                        '\'@x/=HYPERLINK("evil.example","click")/01_tiny.ipynb']
    assert evil[-1] == "'-2+3 (the folder's name) is not on the roster"
    assert honest == ["x", "ex01", "x/01_tiny.ipynb", "0", "0", "0", "1.5", "5", "ok", ""]
    assert not any(cell.lstrip().startswith(("=", "+", "-", "@")) for row in (header, evil) for cell in row)


def test_feedback_cannot_be_turned_into_markdown_blocks_links_or_html():
    result = SubmissionResult("s/x`y\n# Title/01_tiny.ipynb", "x`y\n# Title", "ex01", "crashed",
                              reason="cell 1: [click](http://evil.example) <img src=x>",
                              notes=["Cell 1: ![pixel](http://evil.example/p.png)\n\n# Fake grade: 100."])
    text = feedback_markdown(result, SETS)
    assert "Student: ``x`y\\x0a# Title`` · file: `01_tiny.ipynb`" in text  # as in the gradebook
    assert "Why: cell 1: `[click](http://evil.example)` \\<img src=x\\>." in text  # a link's text, in a code span
    assert "- Cell 1: `![pixel](http://evil.example/p.png)\\x0a\\x0a#` Fake grade: 100." in text
    assert not any(line.startswith("# Fake") or line.startswith("# Title") for line in text.splitlines())


def test_feedback_files_stay_in_their_folder_and_are_never_shared(tmp_path):
    same_stem = [SubmissionResult(f"s/bob/{p}01_tiny.ipynb", "bob", "ex01", "duplicate", reason="two")
                 for p in ("", "v2/")]
    others = [SubmissionResult("s/mallory/bob/01_tiny.ipynb", "mallory", "ex01", "ok"),
              SubmissionResult("s/01_tiny.ipynb", "", "ex01", "invalid notebook", reason="not in a student's folder")]
    written = write_feedback(tmp_path, same_stem + others, SETS)
    assert len(written) == len(set(written)) == 3
    assert sorted(p.relative_to(tmp_path).parts[0] for p in written) == ["bob", "bob", "mallory"]
    assert all(p.name.startswith("01_tiny") and p.suffix == ".md" for p in written)
    for name in ("..", ".", "a/../../b"):
        with pytest.raises(OSError, match="student must be a plain folder name"):
            write_feedback(tmp_path / "f", [SubmissionResult("s/x/01_tiny.ipynb", name, "ex01", "ok")], SETS)
    assert not (tmp_path / "01_tiny.md").exists() and not (tmp_path.parent / "01_tiny.md").exists()


# --- end to end: `course grade` on a hostile tree (real kernels: run under the lock) ---------------

FULL = {"ex01.1": "o = i - k + 1", "ex01.2": "pair = (i + k, i * k)", "ex01.3": "def double(x):\n    return 2 * x"}
PARTIAL = {**FULL, "ex01.1": "o = 999"}  # 3 of 5 points
HYPERLINK = '=HYPERLINK("evil.example","click")'


def grade(args, cwd):
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "course_lib.grading.cli", "grade", *args, "--jobs", "2",
                          "--timeout", "20", "--quiet"], cwd=cwd, capture_output=True, text=True,
                         timeout=HANG_GUARD)
    return run, time.monotonic() - started


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    root = make_course(base / "course")
    secret_file = base / "secret.key"
    secret_file.write_text(SECRET)
    students = ["alice", "bob", "mallory", "eve", "trudy", "piper", "zero", "huge", "nester", "dup", "late"]
    roster = base / "roster.csv"
    roster.write_text("student_id\n" + "\n".join(students) + "\n")
    release = base / "release"
    assert main(["release", "--roster", str(roster), "--out", str(release), "--secret-file", str(secret_file),
                 "--root", str(root)]) == 0
    sub = base / "submitted"
    put(sub, "alice", NOTEBOOK, answered(release / "alice" / NOTEBOOK, FULL))
    put(sub, "bob", NOTEBOOK, answered(release / "bob" / NOTEBOOK, PARTIAL))
    (sub / "mallory").mkdir()
    os.symlink(root / "solutions" / NOTEBOOK, sub / "mallory" / NOTEBOOK)
    (sub / "eve").mkdir()
    os.symlink(sub / "alice" / NOTEBOOK, sub / "eve" / NOTEBOOK)
    (sub / "trudy").mkdir()
    os.symlink(sub / "alice", sub / "trudy" / "work")
    (sub / "piper").mkdir()
    os.mkfifo(sub / "piper" / NOTEBOOK)
    (sub / "zero").mkdir()
    os.symlink("/dev/zero", sub / "zero" / NOTEBOOK)
    (sub / "huge").mkdir()
    with open(sub / "huge" / NOTEBOOK, "wb") as f:
        f.truncate(MAX_NOTEBOOK_BYTES + 1)
    # nester hands in a notebook in a folder named after bob, solved with bob's parameters.
    put(sub, "nester", f"bob/{NOTEBOOK}", answered(release / "bob" / NOTEBOOK, FULL))
    put(sub, "dup", NOTEBOOK, answered(release / "dup" / NOTEBOOK, FULL))
    put(sub, "dup", f"guess2/{NOTEBOOK}", answered(release / "dup" / NOTEBOOK, PARTIAL))
    for name in (HYPERLINK, "-2+3"):
        put(sub, name, NOTEBOOK, answered(release / "alice" / NOTEBOOK, {}, student=name))
    put(sub, ".", NOTEBOOK, answered(release / "alice" / NOTEBOOK, FULL))
    out = base / "out"
    run, seconds = grade([str(sub), "--out", str(out / "gradebook.csv"), "--feedback", str(out / "feedback"),
                          "--roster", str(roster), "--secret-file", str(secret_file), "--root", str(root)], base)
    table = list(csv.reader((out / "gradebook.csv").open()))
    rows = {}
    for r in csv.DictReader((out / "gradebook.csv").open()):
        rows.setdefault(r["student"], []).append(r)
    # --duplicates latest on a second tree: the newer, partial guess counts.
    late = base / "late"
    older = put(late, "late", NOTEBOOK, answered(release / "late" / NOTEBOOK, FULL))
    newer = put(late, "late", f"again/{NOTEBOOK}", answered(release / "late" / NOTEBOOK, PARTIAL))
    os.utime(older, ns=(1_000_000_000,) * 2)
    os.utime(newer, ns=(2_000_000_000,) * 2)
    late_run, late_seconds = grade([str(late), "--out", str(base / "late.csv"), "--duplicates", "latest",
                                    "--roster", str(roster), "--secret-file", str(secret_file), "--root", str(root)],
                                   base)
    return {"run": run, "seconds": seconds, "rows": rows, "table": table, "feedback": out / "feedback",
            "late": late_run, "late_rows": list(csv.DictReader((base / "late.csv").open()))}


def only(hostile, student):
    (row,) = hostile["rows"][student]
    return row


def test_the_run_finishes_and_honest_students_keep_their_scores(hostile):
    assert hostile["run"].returncode == 1, hostile["run"].stderr  # finished; some rows need attention
    assert "rows need attention" in hostile["run"].stderr
    assert hostile["seconds"] < HANG_GUARD
    assert (only(hostile, "alice")["total"], only(hostile, "alice")["status"]) == ("5", "ok")
    assert (only(hostile, "bob")["total"], only(hostile, "bob")["status"]) == ("3", "ok")


@pytest.mark.parametrize("student, reason", [
    ("mallory", LINK), ("eve", LINK), ("zero", LINK), ("piper", "a named pipe, not a file"),
    ("trudy", "a symbolic link to a folder, not followed"),
])
def test_links_pipes_and_devices_score_nothing_and_say_why(hostile, student, reason):
    row = only(hostile, student)
    assert (row["status"], row["reason"], row["total"]) == ("invalid notebook", reason, "0")


def test_an_oversized_file_scores_nothing_and_says_why(hostile):
    row = only(hostile, "huge")
    assert row["status"] == "invalid notebook" and row["reason"].startswith("larger than the 20 MB limit")


def test_a_nested_folder_named_after_another_student_changes_nothing(hostile):
    assert only(hostile, "nester")["submission"].endswith(f"nester/bob/{NOTEBOOK}")
    nester = only(hostile, "nester")  # graded as nester, flagged because it is bob's released notebook
    assert nester["status"] == "student mismatch" and "released for bob" in nester["reason"]
    assert "handed in from nester's folder" in nester["reason"]
    assert len(hostile["rows"]["bob"]) == 1
    bob = (hostile["feedback"] / "bob" / NOTEBOOK.replace(".ipynb", ".md")).read_text()
    assert "**Total: 3 / 5 points**" in bob
    assert (hostile["feedback"] / "nester" / NOTEBOOK.replace(".ipynb", ".md")).exists()


def test_duplicates_are_refused_with_every_file_listed(hostile):
    rows = hostile["rows"]["dup"]
    assert len(rows) == 2
    for row in rows:
        assert (row["status"], row["total"]) == ("duplicate", "0")
        assert f"({NOTEBOOK}, guess2/{NOTEBOOK})" in row["reason"]
    assert len(list((hostile["feedback"] / "dup").iterdir())) == 2


def test_latest_grades_only_the_newest(hostile):
    assert hostile["late"].returncode == 1, hostile["late"].stderr  # the older file's duplicate row
    rows = {Path(r["submission"]).parent.name: r for r in hostile["late_rows"]}
    assert (rows["again"]["status"], rows["again"]["total"]) == ("ok", "3")
    assert rows["late"]["status"] == "duplicate"
    assert rows["late"]["reason"] == f"not graded: a newer submission for ex01, again/{NOTEBOOK}, was graded"


def test_a_file_outside_every_student_folder_is_refused(hostile):
    row = only(hostile, "")
    assert row["status"] == "invalid notebook" and row["reason"].startswith("not in a student's folder")


def test_formula_folder_names_and_reasons_are_escaped_in_the_csv(hostile):
    assert only(hostile, "'" + HYPERLINK)["status"] == "not in roster"
    minus = only(hostile, "'-2+3")
    assert minus["reason"].startswith("'-2+3 (the folder's name) is not on the roster")
    for row in hostile["table"]:
        for cell in row:
            assert not cell.lstrip().startswith(("=", "+", "@", "\t", "\r")), row
            assert not cell.startswith("-") or cell.lstrip("-").replace(".", "").isdigit(), row
