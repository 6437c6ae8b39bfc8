"""What `course grade` and `course release` tell the instructor and the student.

Built on a tiny exercise set declared here (ex01, three questions, per-student variants), so the
tests do not depend on the course's own sets: feedback hints (a declared mistake's hint, else the
question's hint), the `needs roster` rows of per-student variants graded without a roster, the
gradebook's `reason` column, and the message when `course release --roster` creates the secret.
Run under `flock /tmp/course-grading.lock`: the batch below grades notebooks in real kernels.
"""

import csv
import re
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib.grading import grader
from course_lib.grading._encode import encode
from course_lib.grading.cli import _ungraded_variants_note, main
from course_lib.grading.grader import QuestionResult, SubmissionResult, _Plan, _score_function, _score_value
from course_lib.grading.gradebook import feedback_markdown, gradebook_text
from course_lib.grading.spec import ExerciseSet, Mistake, Question, load_sets

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")

NOTEBOOK = "01_tiny.ipynb"
SECRET = "t" * 40
HIDDEN_CASE = 48611  # a hidden input the feedback must never show

SET_SOURCE = f'''
from course_lib.grading.kinds import Function, Int, IntTuple
from course_lib.grading.spec import ExerciseSet, HiddenGroup, Mistake, Question


def _generate(rng):
    return {{"i": rng.randint(10, 40), "k": rng.randint(2, 5)}}


EXERCISE_SET = ExerciseSet(
    id="ex01", notebook="{NOTEBOOK}", title="Tiny", parameters={{"i": 7, "k": 3}}, generate=_generate,
    questions=[
        Question(id="ex01.1", name="o", title="Positions of the kernel", points=2, kind=Int(),
                 answer=lambda P: P["i"] - P["k"] + 1,
                 mistakes=[Mistake(lambda P: P["i"] - P["k"], "you counted the steps, not the positions")],
                 hint="Count the positions the kernel can take."),
        Question(id="ex01.2", name="pair", title="Sum and product", points=2, kind=IntTuple(length=2),
                 answer=lambda P: (P["i"] + P["k"], P["i"] * P["k"]), hint="Give (sum, product)."),
        Question(id="ex01.3", name="double", title="Doubling", points=1, kind=Function(Int()),
                 reference=lambda x: 2 * x, hidden=[HiddenGroup("large numbers", cases=[({HIDDEN_CASE},)], count=0)],
                 hint="Return twice its argument."),
    ],
)
'''

SOLUTION_CELLS = [  # markdown cells are the questions' headings, which release rewrites
    "# PARAMETERS\ni, k = 7, 3",
    "## ex01.1 · positions", "# ex01.1\no = i - k + 1  # SOLUTION", 'check("ex01.1")',
    "## ex01.2 · sum and product", "# ex01.2\npair = (i + k, i * k)  # SOLUTION", 'check("ex01.2")',
    "## ex01.3 · doubling",
    "# ex01.3\ndef double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION", 'check("ex01.3")',
]


def make_course(root: Path) -> Path:
    (root / "instructor" / "sets").mkdir(parents=True)
    (root / "instructor" / "sets" / "set01.py").write_text(SET_SOURCE)
    (root / "solutions").mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(c) if c.startswith("## ")
                                         else nbformat.v4.new_code_cell(c) for c in SOLUTION_CELLS])
    nbformat.write(nb, root / "solutions" / NOTEBOOK)
    return root


def tiny_set() -> ExerciseSet:
    """The same declaration as SET_SOURCE, for the tests that need no files."""
    namespace = {}
    exec(SET_SOURCE, namespace)  # noqa: S102 - the test's own text
    return namespace["EXERCISE_SET"]


def answered(released: Path, answers: dict, student: str | None = None):
    """A released notebook with its answer cells replaced (and, optionally, another student's name)."""
    nb = nbformat.read(released, as_version=4)
    cells = [cell for cell in nb.cells if not cell.source.startswith("check(")]
    for cell in cells:
        qid = cell.source.split("\n")[0].removeprefix("# ")
        if cell.cell_type == "code" and qid in answers:
            cell.source = f"# {qid}\n{answers[qid]}"
    nb.cells = cells
    if student:
        nb.metadata["course"]["student"] = student
    return nb


def put(folder: Path, student: str, name: str, content) -> Path:
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content)
    else:
        nbformat.write(content, path)
    return path


# --- feedback of one question (no kernel needed) -----------------------------------------------------

def score(question: Question, answer, params: dict) -> QuestionResult:
    plan = _Plan(question, probe="", expected=question.answer(params))
    return _score_value(plan, {"id": question.id, "value": encode(answer)}, params)


def test_a_declared_mistake_gets_its_own_hint_and_not_the_general_one():
    question = tiny_set().question("ex01.1")
    params = {"i": 23, "k": 4}
    result = score(question, 19, params)  # i - k: the declared mistake for these parameters
    assert result.points == 0
    assert "This is a common mistake: you counted the steps, not the positions." in result.messages
    assert not any(m.startswith("Hint:") for m in result.messages)
    assert not any("20" in m for m in result.messages)  # the expected answer, 23 - 4 + 1


def test_a_mistake_is_matched_with_the_students_own_parameters():
    question = tiny_set().question("ex01.1")
    # 19 is the mistake for (23, 4) but not for (30, 4): there it is just wrong.
    result = score(question, 19, {"i": 30, "k": 4})
    assert "Hint: Count the positions the kernel can take." in result.messages
    assert not any("common mistake" in m for m in result.messages)


def test_a_wrong_answer_gets_the_verdict_what_was_read_and_the_question_hint():
    question = tiny_set().question("ex01.1")
    result = score(question, 999, {"i": 23, "k": 4})
    verdict = question.kind.compare(999, 20).message  # whatever the kind says of a wrong value
    assert result.messages == [verdict, "At the end of your notebook `o` is the number 999.",
                               "Hint: Count the positions the kernel can take."]


def test_a_partly_right_tuple_names_the_items_that_are_off_and_gets_the_hint():
    question = tiny_set().question("ex01.2")
    result = score(question, (27, 0), {"i": 23, "k": 4})
    assert result.points == 1
    assert result.messages[0] == question.kind.compare((27, 0), (27, 92)).message
    assert "2" in result.messages[0]  # the item that is off
    assert result.messages[-1] == "Hint: Give (sum, product)."
    assert not any("92" in m for m in result.messages)  # the expected product


def test_a_right_answer_gets_no_hint():
    question = tiny_set().question("ex01.1")
    assert score(question, 20, {"i": 23, "k": 4}).messages == ["Correct."]


def test_a_mistake_that_cannot_be_computed_is_skipped():
    question = tiny_set().question("ex01.1")
    question.mistakes = [Mistake(lambda P: P["missing"], "never shown"), *question.mistakes]
    result = score(question, 19, {"i": 23, "k": 4})
    assert "This is a common mistake: you counted the steps, not the positions." in result.messages


def test_a_wrong_function_gets_the_question_hint_and_no_hidden_input():
    question = tiny_set().question("ex01.3")
    plan = _Plan(question, probe="", calls=[(0, (HIDDEN_CASE,))])
    result = _score_function(plan, {"id": "ex01.3", "results": [{"ok": encode(HIDDEN_CASE + 1)}]})
    assert result.points == 0
    assert result.messages[-1] == "Hint: Return twice its argument."
    assert not any(str(HIDDEN_CASE) in m for m in result.messages)


def test_unattempted_questions_get_the_hint_too():
    question = tiny_set().question("ex01.1")
    plan = _Plan(question, probe="", expected=20)
    result = _score_value(plan, {"id": "ex01.1", "value": encode(...)}, {"i": 23, "k": 4})
    assert result.status == "not attempted" and result.messages[-1].startswith("Hint:")


def test_reason_is_the_last_column_and_is_repeated_in_the_feedback():
    bad = SubmissionResult("x/homework.ipynb", "x", "?", "invalid notebook", reason="file name homework.ipynb")
    header, line = list(csv.reader(gradebook_text([bad], {}).splitlines()))
    assert header[-2:] == ["status", "reason"] and line[-1] == "file name homework.ipynb"
    # the file name, the student's to choose, is a code span (a renderer could link x.ipynb as a domain)
    assert "Why: file name `homework.ipynb`." in feedback_markdown(bad, {})


@pytest.mark.parametrize("content, reason", [
    ("this is not a notebook {", "not valid JSON (line 1, column 1"),
    ('{\n "cells": [],\n "nbformat": 4,\n', "not valid JSON (line 4"),
    ('{"a": 1}', "not a Jupyter notebook"),
    ('{"nbformat": 3, "worksheets": []}', "format version 3, not 4"),
    ('{"nbformat": 4, "cells": 3}', "its `cells` is not a list"),
])
def test_files_that_are_not_notebooks_are_refused_with_a_reason(tmp_path, content, reason):
    path = tmp_path / NOTEBOOK
    path.write_text(content)
    with pytest.raises(ValueError, match=re.escape(reason)):
        grader.read_submission(path)
    assert grader.released_for(path) is None


# --- end to end: release, grade, refuse ------------------------------------------------------------

@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base = tmp_path_factory.mktemp("tiny")
    root = make_course(base / "course")
    secret_file = base / "secret.key"
    secret_file.write_text(SECRET)
    roster = base / "roster.csv"
    roster.write_text("student_id\nalice\nbob\nerin\n")
    release = base / "release"
    assert main(["release", "--roster", str(roster), "--out", str(release), "--secret-file", str(secret_file),
                 "--root", str(root)]) == 0
    sub = base / "submitted"
    put(sub, "alice", NOTEBOOK, answered(release / "alice" / NOTEBOOK, {
        "ex01.1": "o = i - k", "ex01.2": "pair = (i + k, 0)", "ex01.3": "def double(x):\n    return x"}))
    put(sub, "bob", NOTEBOOK, answered(release / "bob" / NOTEBOOK, {
        "ex01.1": "o = 999", "ex01.2": "pair = (i + k, i * k)", "ex01.3": "def double(x):\n    return 2 * x"}))
    # erin hands in alice's released notebook, fully solved.
    put(sub, "erin", NOTEBOOK, answered(release / "alice" / NOTEBOOK, {
        "ex01.1": "o = i - k + 1", "ex01.2": "pair = (i + k, i * k)", "ex01.3": "def double(x):\n    return 2 * x"}))
    put(sub, "zed", NOTEBOOK, answered(release / "bob" / NOTEBOOK, {}, student="zed"))
    put(sub, "carol", "homework.ipynb", answered(release / "bob" / NOTEBOOK, {}))
    put(sub, "dave", NOTEBOOK, "{ this is not JSON")
    put(sub, "frank", NOTEBOOK, '{"title": "my notes"}')
    sets = load_sets(root / "instructor" / "sets")
    return {"root": root, "secret_file": secret_file, "roster": roster, "sub": sub, "base": base,
            "params": {s: sets["ex01"].parameters_for(s, SECRET.encode()) for s in ("alice", "bob")}}


def test_variants_without_a_roster_get_a_row_each_and_are_not_graded(course, capsys):
    out = course["base"] / "refused.csv"
    code = main(["grade", str(course["sub"]), "--out", str(out), "--feedback", str(course["base"] / "refused"),
                 "--quiet", "--root", str(course["root"])])
    err = capsys.readouterr().err
    assert code == 1  # rows need attention; 2 is for bad arguments only
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    assert set(rows) == {"alice", "bob", "erin", "zed", "carol", "dave", "frank"}
    for student, released in (("alice", "alice"), ("bob", "bob"), ("erin", "alice"), ("zed", "zed")):
        assert (rows[student]["status"], rows[student]["total"]) == ("needs roster", "0")
        assert rows[student]["reason"] == (f"per-student variant (released for {released}): grade with --roster "
                                           "ROSTER and the secret the release used")
    assert "Why: per-student variant (released for alice)" in (course["base"] / "refused" / "alice" /
                                                                NOTEBOOK.replace(".ipynb", ".md")).read_text()
    # the others are graded (here: refused for what they are) as with a roster
    assert rows["dave"]["reason"].startswith("not valid JSON") and rows["carol"]["status"] == "invalid notebook"
    assert "were not graded (status `needs roster`): 4 of them" in err and "--roster roster.csv" in err
    assert "the secret the release used" in err and "--secret-file" in err
    assert "(released for alice)" in err
    assert f"7 of 7 rows need attention (status not ok): see their `reason` column in {out}" in err


def test_shared_exercise_notebooks_are_not_refused(course):
    """The refusal is for variants only: a notebook released to everyone has no student in it."""
    shared = course["base"] / "shared"
    nb = answered(course["base"] / "release" / "bob" / NOTEBOOK, {})
    del nb.metadata["course"]["student"]
    put(shared, "bob", NOTEBOOK, nb)
    put(shared, "carol", "homework.ipynb", "{}")
    # what makes a row `needs roster`: a student named in the notebook's metadata
    assert [grader.released_for(path) for path in sorted(shared.rglob("*.ipynb"))] == [None, None]
    assert grader.released_for(course["base"] / "release" / "bob" / NOTEBOOK) == "bob"  # the control
    assert _ungraded_variants_note([]) is None


@pytest.fixture(scope="module")
def graded(course):
    out = course["base"] / "out"
    code = main(["grade", str(course["sub"]), "--out", str(out / "gradebook.csv"), "--feedback", str(out / "feedback"),
                 "--roster", str(course["roster"]), "--secret-file", str(course["secret_file"]),
                 "--jobs", "2", "--timeout", "20", "--quiet", "--root", str(course["root"])])
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    return {"code": code, "rows": rows, "out": out}


def feedback(graded, student, name=NOTEBOOK):
    return (graded["out"] / "feedback" / student / name.replace(".ipynb", ".md")).read_text()


def section(text: str, qid: str) -> str:
    return text.split(f"## {qid} ")[1].split("\n## ")[0]


def test_the_gradebook_has_a_reason_for_every_row_that_is_not_ok(graded):
    assert graded["code"] == 1  # some rows need attention
    rows = graded["rows"]
    assert set(rows) == {"alice", "bob", "erin", "zed", "carol", "dave", "frank"}
    for r in rows.values():
        assert (r["status"] == "ok") == (r["reason"] == ""), r
    assert rows["carol"]["status"] == "invalid notebook"
    assert rows["carol"]["reason"] == ("file name homework.ipynb does not match any exercise set's notebook "
                                       "(expected one of 01_tiny.ipynb)")
    assert rows["dave"]["reason"].startswith("not valid JSON (line 1, column 3")
    assert rows["frank"]["reason"].startswith("not a Jupyter notebook")
    for student in ("carol", "dave", "frank"):
        text = feedback(graded, student, "homework.ipynb" if student == "carol" else NOTEBOOK)
        # word for word; file names are code spans in the feedback
        assert f"Why: {rows[student]['reason']}." in text.replace("`", "")


def test_variants_are_graded_with_each_students_parameters(graded):
    rows = graded["rows"]
    assert (rows["alice"]["ex01.1"], rows["alice"]["ex01.2"], rows["alice"]["ex01.3"]) == ("0", "1", "0")
    assert (rows["bob"]["total"], rows["bob"]["status"]) == ("3", "ok")


def test_feedback_teaches_with_the_mistakes_hint_or_the_questions_hint(graded, course):
    alice = feedback(graded, "alice")
    params = course["params"]["alice"]
    first = section(alice, "ex01.1")
    assert "ex01.1 · Positions of the kernel — 0 / 2 (incorrect)" in alice
    assert "This is a common mistake: you counted the steps, not the positions." in first
    assert "Hint:" not in first
    assert not re.search(rf"\b{params['i'] - params['k'] + 1}\b", first)  # her expected answer
    second = section(alice, "ex01.2")
    verdict = tiny_set().question("ex01.2").kind.compare((1, 0), (1, 2)).message  # item 2 off
    assert verdict in second and "Hint: Give (sum, product)." in second
    assert not re.search(rf"\b{params['i'] * params['k']}\b", alice)
    third = section(alice, "ex01.3")
    assert "Not yet right for: large numbers." in third and "Hint: Return twice its argument." in third
    assert str(HIDDEN_CASE) not in alice and str(2 * HIDDEN_CASE) not in alice
    bob = feedback(graded, "bob")
    assert "Hint: Count the positions the kernel can take." in section(bob, "ex01.1")
    assert "common mistake" not in bob
    assert "Hint:" not in section(bob, "ex01.2") and "Hint:" not in section(bob, "ex01.3")


def test_a_notebook_released_for_someone_else_is_flagged(graded):
    erin = graded["rows"]["erin"]
    assert erin["status"] == "student mismatch"
    assert "released for alice" in erin["reason"] and "erin's folder" in erin["reason"]
    assert float(erin["total"]) < 5  # graded with erin's own parameters, not alice's
    assert "released for alice" in feedback(graded, "erin")


def test_a_student_missing_from_the_roster_is_flagged(graded):
    zed = graded["rows"]["zed"]
    assert zed["status"] == "not in roster" and "zed (the folder's name) is not on the roster" in zed["reason"]


# --- the secret ------------------------------------------------------------------------------------

def test_release_says_when_it_creates_the_secret_and_is_silent_after(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COURSE_SECRET", raising=False)
    root = make_course(tmp_path / "course")
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\nalice\n")
    secret = root / "instructor" / "secret.key"
    argv = ["release", "--roster", str(roster), "--out", str(tmp_path / "release"), "--root", str(root)]
    assert main(argv) == 0
    first = capsys.readouterr().err
    assert secret.is_file()
    assert f"created the instructor secret {secret}" in first
    assert "Back it up" in first and "no variant can be graded or generated again" in first
    assert main(argv) == 0
    assert capsys.readouterr().err == ""


def test_release_with_course_secret_set_creates_nothing_and_says_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COURSE_SECRET", "e" * 32)
    root = make_course(tmp_path / "course")
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\nalice\n")
    assert main(["release", "--roster", str(roster), "--out", str(tmp_path / "release"), "--root", str(root)]) == 0
    assert capsys.readouterr().err == ""
    assert not (root / "instructor" / "secret.key").exists()


HOSTILE_FOLDER = "/tmp/pub\x1b]0;pwned\x07\x1b[2J\u202e"  # a folder any local user may make and name


class _NamingSandbox:
    """A stand-in for a sandbox that names a hostile world-writable folder, or refuses because of it."""

    fallback = False

    def __init__(self, refuse: bool):
        self.refuse = refuse

    def check_protected(self, paths):
        from course_lib.grading.sandbox import SandboxError

        if self.refuse:
            raise SandboxError(f"cannot cover {HOSTILE_FOLDER}")

    def describe(self):
        return f"sandbox: setpriv; a private tmpfs over each world-writable folder ({HOSTILE_FOLDER})"


@pytest.mark.parametrize("refuse", [False, True])
def test_the_sandbox_line_and_its_refusal_reach_the_terminal_without_escape_sequences(tmp_path, monkeypatch,
                                                                                      capsys, refuse):
    from course_lib.grading import sandbox

    root = make_course(tmp_path / "course")
    put(tmp_path / "sub", "alice", NOTEBOOK, "not a notebook")  # refused without a kernel
    monkeypatch.setattr(sandbox, "detect_sandbox", lambda *args, **kwargs: _NamingSandbox(refuse))
    argv = ["grade", str(tmp_path / "sub"), "--out", str(tmp_path / "g.csv"), "--root", str(root)]
    if refuse:
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 3
    else:
        assert main(argv) == 1  # the control: graded, one row needs attention
    err = capsys.readouterr().err
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", err), repr(err)
    # still named, one line, readable
    said = "course grade: cannot cover /tmp/pub?]0;pwned??[2J\\u202e" if refuse else \
        "a private tmpfs over each world-writable folder (/tmp/pub?]0;pwned??[2J\\u202e)"
    assert said in err
