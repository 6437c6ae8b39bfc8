"""A per-student folder of `course release --roster` works as it is: check() finds its check files.

Each student's folder is judged in a fresh Python process started in that folder, with the course's
installed course_lib (whose own public checks hold only the defaults' digests), as a student who
opens the folder in a clone of the course does.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_lib.grading import checking
from course_lib.grading.kinds import parameter_fingerprint
from course_lib.grading.release import parameters_in
from course_lib.grading.spec import load_sets

ROOT = Path(__file__).resolve().parent.parent
SECRET = "a test secret for per-student folders"
STUDENTS = ["alice", "bob", "carol"]
SET_ID, NOTEBOOK = "ex05", "05_transposed_convolution.ipynb"  # 14 questions: values, functions, a pool
WRONG_ID = "ex05.5"  # an Int question: its right answer + 1 is wrong

# Runs in the student's folder: the notebook's own PARAMETERS cells, then every question of the set
# answered with the instructor's answers for the parameters of `answers_from`, each followed by
# check(); prints what check() printed, by question ID ("wrong": WRONG_ID's answer + 1).
STUDENT_RUN = r'''
import contextlib, io, json, sys
from pathlib import Path
import nbformat
import numpy as np
from course_lib.grading import check
from course_lib.grading.release import parameters_in
from course_lib.grading.spec import load_sets

root, set_id, notebook, answers_from, wrong_id = sys.argv[1:6]
for cell in nbformat.read(notebook, as_version=4).cells:
    if cell.cell_type == "code" and cell.source.lstrip().startswith("# PARAMETERS"):
        exec(cell.source)
params = parameters_in(nbformat.read(answers_from, as_version=4))

def run(qid):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        check(qid)
    return out.getvalue().strip()

shown = {}
for question in load_sets(Path(root) / "instructor" / "sets")[set_id].questions_at(params):
    right = question.reference if question.is_function else question.answer(params)
    globals()[question.name] = right
    shown[question.id] = run(question.id)
    if question.id == wrong_id:
        globals()[question.name] = right + 1
        shown["wrong"] = run(question.id)
        globals()[question.name] = right
print(json.dumps(shown))
'''


@pytest.fixture(scope="module")
def sets():
    return load_sets(ROOT / "instructor" / "sets")


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """`course release --roster` for three students, as the instructor runs it."""
    folder = tmp_path_factory.mktemp("release")
    roster = folder / "roster.csv"
    roster.write_text("student_id,name\n" + "".join(f"{s},{s.title()}\n" for s in STUDENTS))
    out = folder / "out"
    result = subprocess.run([sys.executable, "-m", "course_lib.grading.cli", "release", "--root", str(ROOT),
                             "--roster", str(roster), "--out", str(out)],
                            cwd=folder, capture_output=True, text=True, env={**os.environ, "COURSE_SECRET": SECRET})
    assert result.returncode == 0, result.stderr
    return out


def student_run(folder: Path, answers_from: Path) -> dict:
    """What check() shows for every question of SET_ID, in a fresh process started in ``folder``."""
    result = subprocess.run([sys.executable, "-c", STUDENT_RUN, str(ROOT), SET_ID, NOTEBOOK, str(answers_from),
                             WRONG_ID], cwd=folder, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def notebook_namespace(notebook: Path) -> dict:
    """The names a notebook's PARAMETERS cells define, as they are after running them."""
    namespace = {"np": np}
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("# PARAMETERS"):
            exec(cell.source, namespace)  # noqa: S102 - the course's own released notebook
    return namespace


@pytest.fixture
def fresh_reads():
    """check()'s cached public files are read again for each test."""
    checking._public.cache_clear()
    yield
    checking._public.cache_clear()


def test_each_students_folder_judges_right_answers_right_and_a_wrong_one_wrong(sets, released):
    for student in STUDENTS:
        folder = released / student
        shown = student_run(folder, folder / NOTEBOOK)
        questions = [q.id for q in sets[SET_ID].questions]
        assert list(shown) == questions[:questions.index(WRONG_ID) + 1] + ["wrong"] + \
            questions[questions.index(WRONG_ID) + 1:]
        right = {qid: text for qid, text in shown.items() if qid != "wrong"}
        assert all(text.startswith("✓ Right — ") for text in right.values()), (student, right)
        assert shown["wrong"].startswith("✗ Not right yet — "), shown["wrong"]


def test_a_students_answers_in_another_students_folder_are_not_right(sets, released):
    def answers(student):
        params = parameters_in(nbformat.read(released / student / NOTEBOOK, as_version=4))
        return {q.id: q.answer(params) for q in sets[SET_ID].questions_at(params) if not q.is_function}

    mine, theirs = answers("alice"), answers("bob")
    differ = [qid for qid in mine if mine[qid] != theirs[qid]]  # equal answers are right in both folders
    assert len(differ) >= 8
    shown = student_run(released / "bob", released / "alice" / NOTEBOOK)
    for qid in differ:
        assert shown[qid].startswith("✗ Not right yet — "), (qid, shown[qid])


def test_a_folder_without_its_check_files_names_the_missing_file(sets, released, tmp_path):
    folder = tmp_path / "alice"
    shutil.copytree(released / "alice", folder)
    shutil.rmtree(folder / checking.CHECK_FILES)
    shown = student_run(folder, folder / NOTEBOOK)
    cannot = {qid: text for qid, text in shown.items() if text.startswith("! Cannot judge here")}
    assert len(cannot) >= 8
    for text in cannot.values():
        assert f"released for alice, and its check file check_files/{SET_ID}.json is missing" in text
        assert f"looked for it in {folder.resolve()}" in text
        assert "put back" not in text and "PARAMETERS" not in text
    assert not any(text.startswith("✗") for qid, text in shown.items() if qid != "wrong")


def test_edited_parameters_in_a_students_folder_say_put_them_back(sets, released, monkeypatch, fresh_reads):
    folder = released / "bob"
    monkeypatch.chdir(folder)
    namespace = notebook_namespace(folder / NOTEBOOK)
    params = parameters_in(nbformat.read(folder / NOTEBOOK, as_version=4))
    question = sets[SET_ID].question(WRONG_ID)
    namespace[question.name] = question.answer(params)
    assert checking.verdict(WRONG_ID, namespace)[0] == "passed"  # control: the released values
    name = question.uses(params)[0]
    namespace[name] += 1
    status, message = checking.verdict(WRONG_ID, namespace)
    assert status == "cannot judge"
    assert "differ from the values this notebook was released with" in message
    assert "put back the original PARAMETERS cell" in message and "missing" not in message


def test_the_notebook_named_by_the_front_end_is_followed_to_its_check_files(sets, released, tmp_path,
                                                                              monkeypatch, fresh_reads):
    notebook = released / "carol" / NOTEBOOK
    monkeypatch.chdir(tmp_path)  # a kernel started elsewhere than the notebook's folder
    namespace = notebook_namespace(notebook)
    params = parameters_in(nbformat.read(notebook, as_version=4))
    question = sets[SET_ID].question(WRONG_ID)
    namespace[question.name] = question.answer(params)
    status, message = checking.verdict(WRONG_ID, namespace)
    assert status == "cannot judge" and f"looked for it in {tmp_path.resolve()};" in message  # control
    assert "Either they were edited" in message  # no notebook found: both reasons are given
    namespace["__session__"] = str(notebook)  # what JupyterLab's kernel is told
    assert checking.verdict(WRONG_ID, namespace)[0] == "passed"
    del namespace["__session__"]
    namespace["__vsc_ipynb_file__"] = str(notebook)  # what VS Code's kernel is told
    assert checking.verdict(WRONG_ID, namespace)[0] == "passed"


def test_a_check_file_put_back_is_read_again(sets, released, tmp_path, monkeypatch, fresh_reads):
    folder = tmp_path / "bob"
    shutil.copytree(released / "bob", folder)
    monkeypatch.chdir(folder)
    namespace = notebook_namespace(folder / NOTEBOOK)
    params = parameters_in(nbformat.read(folder / NOTEBOOK, as_version=4))
    question = sets[SET_ID].question(WRONG_ID)
    namespace[question.name] = question.answer(params)
    assert checking.verdict(WRONG_ID, namespace)[0] == "passed"
    (folder / "moved").mkdir()
    (folder / checking.CHECK_FILES).rename(folder / "moved" / checking.CHECK_FILES)
    status, message = checking.verdict(WRONG_ID, namespace)
    assert status == "cannot judge" and "released for bob" in message
    (folder / "moved" / checking.CHECK_FILES).rename(folder / checking.CHECK_FILES)
    assert checking.verdict(WRONG_ID, namespace)[0] == "passed"


def test_a_students_folder_ships_only_public_digests_of_the_defaults_and_their_own(sets, released):
    exercise_sets = {set_id: s for set_id, s in sets.items() if not s.is_lesson}
    roster_public = released / "course_lib" / "grading" / "public"
    for student in STUDENTS:
        folder = released / student
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        assert files == sorted([s.notebook for s in exercise_sets.values()]
                               + [f"{checking.CHECK_FILES}/{set_id}.json" for set_id in exercise_sets])
        for set_id, exercise_set in exercise_sets.items():
            own = exercise_set.parameters_for(student, SECRET.encode())
            others = [exercise_set.parameters_for(s, SECRET.encode()) for s in STUDENTS if s != student]
            mine = json.loads((folder / checking.CHECK_FILES / f"{set_id}.json").read_text())
            everyone = json.loads((roster_public / f"{set_id}.json").read_text())
            committed = json.loads((ROOT / "course_lib" / "grading" / "public" / f"{set_id}.json").read_text())
            # digests only: check() takes everything else from the course's own file
            assert set(mine) == {"_generated", "id", "questions"} and mine["id"] == set_id
            assert _without_digests(mine)["questions"] == [
                {"id": q["id"]} | ({"versions": [{}] * len(q["versions"])} if "versions" in q else {})
                for q in committed["questions"]]
            for question, shared in zip(_tables(mine), _tables(everyone), strict=True):
                uses = shared["uses"]  # (a question's own file says which parameters it reads)
                allowed = {parameter_fingerprint({p: params[p] for p in uses}) for params in (exercise_set.parameters, own)}
                other = {parameter_fingerprint({p: params[p] for p in uses}) for params in others}
                assert set(question["digests"]) <= allowed, (student, shared["id"])
                assert not set(question["digests"]) & (other - allowed), (student, shared["id"])
                assert all(shared["digests"][fp] == entry for fp, entry in question["digests"].items())


def _first_entry(data: dict) -> dict:
    """The first digest entry of a check file's data (of its first question with digests)."""
    return next(iter(next(q for q in data["questions"] if "digests" in q)["digests"].values()))


def _edited(change):
    """A check file's text changed by ``change(data)``."""
    def edit(text):
        data = json.loads(text)
        change(data)
        return json.dumps(data)
    return edit


# A released check file made not to fit the course's ex05, and what check() says of it.
MISFITS = {
    "another set's": (_edited(lambda d: d.update(id="ex03")), "it is not a check file of ex05"),
    "a question fewer": (_edited(lambda d: d["questions"].pop()), "its questions are not those of"),
    "a pool's version fewer": (_edited(lambda d: d["questions"][10]["versions"].pop()),
                               "ex05.11 does not have this course's 2 versions"),
    "digests for a function": (_edited(lambda d: d["questions"][0].update(digests={})),
                               "it has digests for ex05.1, which this course judges otherwise"),
    "a salt that is not hex": (_edited(lambda d: _first_entry(d).update(salt="z" * 32)), "ex05.2: a salt or"),
    "code for a digest": (_edited(lambda d: _first_entry(d)["answer"].append("__import__('os').system('id')")),
                          "ex05.2: a salt or an answer digest is not 32 hex digits"),
    "an undeclared mistake": (_edited(lambda d: _first_entry(d)["mistakes"].append([_first_entry(d)["salt"], 5])),
                              "ex05.2: a mistake is not a digest with the number of one of its 5 declared"),
    "a mistake numbered true": (_edited(lambda d: _first_entry(d)["mistakes"].append([_first_entry(d)["salt"], True])),
                                "ex05.2: a mistake is not"),
    "a hint in an entry": (_edited(lambda d: _first_entry(d).update(hint="planted")), "ex05.2: an entry holds other"),
    "not JSON": (lambda text: text[:-3], "it is not JSON text"),
    "too large": (lambda text: text + " " * checking.MAX_CHECK_FILE_BYTES, "it is larger than 1 MB"),
}


@pytest.mark.parametrize("misfit", list(MISFITS))
def test_a_check_file_that_does_not_fit_the_course_is_ignored_and_named(sets, released, tmp_path, monkeypatch,
                                                                         fresh_reads, misfit):
    folder = tmp_path / "bob"
    shutil.copytree(released / "bob", folder)
    monkeypatch.chdir(folder)
    path = folder.resolve() / checking.CHECK_FILES / f"{SET_ID}.json"
    question = sets[SET_ID].question(WRONG_ID)
    namespace = notebook_namespace(folder / NOTEBOOK)
    namespace[question.name] = question.answer(parameters_in(nbformat.read(folder / NOTEBOOK, as_version=4)))
    defaults = notebook_namespace(ROOT / "exercises" / NOTEBOOK)
    defaults[question.name] = question.answer(sets[SET_ID].parameters)
    for held in (namespace, defaults):  # control: the file as released judges bob's numbers and the defaults'
        status, message = checking.verdict(WRONG_ID, held)
        assert status == "passed" and "Note" not in message
    change, why = MISFITS[misfit]
    path.write_text(change(path.read_text()))
    status, message = checking.verdict(WRONG_ID, namespace)
    assert status == "cannot judge" and f"check() ignored {path}: {why}" in message, message
    assert "missing" not in message and "Put the check_files folder that came with your notebooks" in message
    status, message = checking.verdict(WRONG_ID, defaults)  # the course's own digests still judge
    assert status == "passed" and message.splitlines()[-1].strip().startswith(f"Note: check() ignored {path}: {why}")


def _tables(public: dict) -> list:
    """Every question (each pool's versions in its place) that has a digest table."""
    questions = [v for q in public["questions"] for v in q.get("versions", [q])]
    return [q for q in questions if "digests" in q]


def _without_digests(public: dict) -> dict:
    def strip(question):
        question = {k: v for k, v in question.items() if k != "digests"}
        if "versions" in question:
            question["versions"] = [strip(v) for v in question["versions"]]
        return question

    return public | {"questions": [strip(q) for q in public["questions"]]}


def test_make_release_passes_the_roster_and_its_arguments():
    def planned(*args):
        result = subprocess.run(["make", "-n", "release", *args], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return [line for line in result.stdout.splitlines() if "course release" in line]

    assert planned("ROSTER=roster.csv", "RELEASE_ARGS=--out build/variants --secret-file k.key") == [
        '.venv/bin/course release --roster "roster.csv" --out build/variants --secret-file k.key']
    assert [line.rstrip() for line in planned()] == [".venv/bin/course release"]  # control: the course's own
