"""The exercise generator: strict markers, golden files, parameters, and the committed exercises."""

import copy
import os
import random
import shutil
from pathlib import Path

import nbformat
import pytest

from course_lib.grading.kinds import Int
from course_lib.grading.markers import MarkerError, solution_lines, strip_solutions
from course_lib.grading.release import (
    Layout, ReleaseError, check_release, exercise_notebook, parameters_in, planned_files, read_roster,
    release, release_variants, render_parameters,
)
from course_lib.grading.spec import ExerciseSet, Question, load_sets

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "grading_fixtures" / "golden"


# --- markers ---------------------------------------------------------------------------------

def test_line_marker_keeps_the_target_and_drops_the_value():
    assert strip_solutions("o = (i - k) + 1  # SOLUTION") == "o = ..."
    assert strip_solutions("    x: int = 3  # SOLUTION") == "    x: int = ..."
    assert strip_solutions("a, b = 1, 2  # SOLUTION") == "a, b = ..., ..."
    assert strip_solutions("print(1)\ny = 2") == "print(1)\ny = 2"


def test_block_marker_becomes_a_stub_at_its_indentation():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\nz = 1"
    assert strip_solutions(source) == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\nz = 1"
    assert solution_lines(source) == ["    y = x + 1", "    return y"]


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "line 2: nested"),
    ("x = 1\n### BEGIN SOLUTION\nx = 2", "line 2: `### BEGIN SOLUTION` is never closed"),
    ("x = 1\n### END SOLUTION", "line 2: `### END SOLUTION` without a matching"),
    ("## BEGIN SOLUTION\nx = 1\n### END SOLUTION", "line 1: malformed solution marker"),
    ("### begin solution", "line 1: malformed"),
    ("x = 1  #SOLUTION!", "line 1: malformed solution marker"),
    ("### BEGIN SOLUTION\nx = 1  # SOLUTION\n### END SOLUTION", "line 2: `# SOLUTION` line inside"),
    ("for n in range(3):  # SOLUTION", "line 1: `# SOLUTION` must end a complete one-line assignment"),
    ("x = (1 +  # SOLUTION\n 2)", "line 1: `# SOLUTION` must end a complete"),
])
def test_bad_markers_are_errors_naming_notebook_cell_and_line(source, message):
    with pytest.raises(MarkerError) as caught:
        strip_solutions(source, where="solutions/07_x.ipynb, cell 4")
    assert str(caught.value).startswith("solutions/07_x.ipynb, cell 4, ")
    assert message in str(caught.value)


# --- golden files ------------------------------------------------------------------------------

def _sample_set():
    return ExerciseSet(
        id="ex01", notebook="01_sample.ipynb", title="Sample",
        parameters={"i1": 4, "k1": 3, "grid": [[1, 2], [3, 4]]},
        questions=[
            Question(id="ex01.1", name="o1", title="One", points=1, kind=Int(), answer=lambda P: 2),
            Question(id="ex01.2", name="area", title="Two", points=1, kind=Int(), answer=lambda P: 0),
        ],
    )


def test_exercise_notebook_matches_its_golden_file():
    solution = nbformat.read(GOLDEN / "01_sample.solution.json", as_version=4)
    made = nbformat.writes(exercise_notebook(solution, _sample_set()))
    expected_path = GOLDEN / "01_sample.exercise.json"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(made, encoding="utf-8")
    assert made == expected_path.read_text(encoding="utf-8")


def test_golden_exercise_has_stubs_no_outputs_and_a_generated_note():
    nb = nbformat.read(GOLDEN / "01_sample.exercise.json", as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "Generated file" in first.source
    assert "solutions/01_sample.ipynb" in first.source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    text = "\n".join(c.source for c in code)
    assert "o1 = ...\nprint(o1)" in text
    assert "size: int = ...\nlow, high = ..., ..." in text
    assert "    raise NotImplementedError()" in text
    assert "SOLUTION" not in text and "w * h" not in text and "(i1 - k1)" not in text
    assert [c.metadata for c in nb.cells if c.get("id") == "answer-2"] == [{"tags": ["keep-me"]}]


def test_release_writes_every_heading_from_the_declaration():
    nb = nbformat.read(GOLDEN / "01_sample.exercise.json", as_version=4)
    headings = [c.source.split("\n")[0] for c in nb.cells if c.source.startswith("## ex01")]
    assert headings == ["## ex01.1 · One (1 point)", "## ex01.2 · Two (1 point)"]
    assert "stale title" not in nbformat.writes(nb)
    solution = nbformat.read(GOLDEN / "01_sample.solution.json", as_version=4)
    renamed = _sample_set()
    renamed.questions[1].title, renamed.questions[1].points = "A new title", 2
    made = exercise_notebook(solution, renamed)
    assert "## ex01.2 · A new title (2 points)\n\nA size" in [c.source for c in made.cells if c.get("id") == "heading-2"][0]


def test_release_refuses_missing_repeated_or_undeclared_headings():
    solution = nbformat.read(GOLDEN / "01_sample.solution.json", as_version=4)
    without = copy.deepcopy(solution)
    without.cells = [c for c in without.cells if c.get("id") != "heading-1"]
    with pytest.raises(ReleaseError, match=r"ex01.1 needs exactly one markdown cell starting with its heading"):
        exercise_notebook(without, _sample_set())
    twice = copy.deepcopy(solution)
    twice.cells.append(nbformat.v4.new_markdown_cell("## ex01.1 · again"))
    with pytest.raises(ReleaseError, match=r"\(found 2\)"):
        exercise_notebook(twice, _sample_set())
    stray = copy.deepcopy(solution)
    stray.cells.append(nbformat.v4.new_markdown_cell("## ex01.7 · not declared"))
    with pytest.raises(ReleaseError, match="ex01.7"):
        exercise_notebook(stray, _sample_set())


def test_release_refuses_a_notebook_that_disagrees_with_its_declaration():
    solution = nbformat.read(GOLDEN / "01_sample.solution.json", as_version=4)
    changed = _sample_set()
    changed.parameters = dict(changed.parameters, k1=5)
    with pytest.raises(ReleaseError, match="disagree about k1"):
        exercise_notebook(solution, changed)
    missing_check = nbformat.read(GOLDEN / "01_sample.solution.json", as_version=4)
    missing_check.cells = [c for c in missing_check.cells if 'check("ex01.2")' not in c.source]
    with pytest.raises(ReleaseError, match=r'no cell calls check\("ex01.2"\)'):
        exercise_notebook(missing_check, _sample_set())
    stray = nbformat.read(GOLDEN / "01_sample.solution.json", as_version=4)
    stray.cells[4].source += "\n### END SOLUTION"
    with pytest.raises(ReleaseError, match=r"01_sample.ipynb, cell 5, line 4: `### END SOLUTION` without"):
        exercise_notebook(stray, _sample_set())


def test_parameters_are_read_and_rewritten_for_a_variant():
    solution = nbformat.read(GOLDEN / "01_sample.solution.json", as_version=4)
    assert parameters_in(solution) == {"i1": 4, "k1": 3, "grid": [[1, 2], [3, 4]]}
    source = solution.cells[2].source
    new = render_parameters(source, {"i1": 11, "k1": 5, "grid": [[7, 8], [9, 10]]})
    assert new == "# PARAMETERS\ni1, k1 = 11, 5\ngrid = np.array([[7, 8],\n                 [9, 10]])"
    solution.cells[2].source = new
    assert parameters_in(solution) == {"i1": 11, "k1": 5, "grid": [[7, 8], [9, 10]]}


# --- the course's own exercise sets ------------------------------------------------------------

@pytest.fixture(scope="module")
def sets():
    return load_sets(ROOT / "instructor" / "sets")


def test_committed_exercises_are_what_release_writes(sets):
    assert check_release(Layout(ROOT), sets) == []


def test_release_into_a_fresh_folder_reproduces_the_committed_files(sets, tmp_path):
    written = release(Layout(ROOT, out=tmp_path), sets)
    assert len(written) == 2 * len(sets)
    for path in written:
        committed = ROOT / path.relative_to(tmp_path)
        assert path.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), committed


def test_a_hand_edit_to_an_exercise_is_detected(sets, tmp_path):
    for folder in ("solutions", "instructor", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("secret.key"))
    shutil.copytree(ROOT / "course_lib" / "grading" / "public", tmp_path / "course_lib" / "grading" / "public")
    assert check_release(Layout(tmp_path), sets) == []
    target = tmp_path / "exercises" / "02_convolution_arithmetic.ipynb"
    target.write_text(target.read_text().replace("o1 = ...", "o1 = 2"))
    (tmp_path / "exercises" / "99_stray.ipynb").write_text("{}")
    assert check_release(Layout(tmp_path), sets) == [
        "exercises/02_convolution_arithmetic.ipynb", "exercises/99_stray.ipynb (no solution notebook generates it)",
    ]


def test_every_question_has_one_id_used_by_cell_check_and_declaration(sets):
    for exercise_set in sets.values():
        solution = nbformat.read(ROOT / "solutions" / exercise_set.notebook, as_version=4)
        text = "\n".join(c.source for c in solution.cells)
        for question in exercise_set.questions:
            assert text.count(f"# {question.id}\n") == 1
            assert text.count(f'check("{question.id}")') == 1
    total = sum(len(s.questions) for s in sets.values())
    assert total >= 12


def test_solution_and_exercise_headings_are_the_declarations_titles(sets):
    for exercise_set in sets.values():
        for folder in ("solutions", "exercises"):
            nb = nbformat.read(ROOT / folder / exercise_set.notebook, as_version=4)
            headings = [c.source.split("\n")[0] for c in nb.cells
                        if c.cell_type == "markdown" and c.source.startswith(f"## {exercise_set.id}.")]
            assert headings == [q.heading for q in exercise_set.questions], folder


def test_solution_notebooks_hold_the_declared_defaults(sets):
    for exercise_set in sets.values():
        solution = nbformat.read(ROOT / "solutions" / exercise_set.notebook, as_version=4)
        assert parameters_in(solution) == exercise_set.parameters


def test_roster_release_writes_one_variant_per_student(sets, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\nalice,Alice A.\nbob,Bob B.\n")
    out = tmp_path / "release"
    written = release_variants(Layout(ROOT), sets, read_roster(roster), b"x" * 32, out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == [
        f"{student}/{s.notebook}" for student in ("alice", "bob") for s in sets.values()
    ]
    alice = nbformat.read(out / "alice" / "03_layer_arithmetic.ipynb", as_version=4)
    bob = nbformat.read(out / "bob" / "03_layer_arithmetic.ipynb", as_version=4)
    assert parameters_in(alice) == sets["ex03"].parameters_for("alice", b"x" * 32)
    assert parameters_in(alice) != parameters_in(bob)
    assert "for **alice**" in alice.cells[0].source
    assert "NotImplementedError" in "\n".join(c.source for c in alice.cells)
    public = sorted(p.name for p in (out / "course_lib" / "grading" / "public").iterdir())
    assert public == [f"{s.id}.json" for s in sets.values()]


@pytest.mark.parametrize("text, message", [
    ("name\nalice\n", "needs a `student_id` column"),
    ("student_id\nalice\nalice\n", "listed twice"),
    ("student_id\n../etc\n", "student IDs use letters"),
])
def test_bad_rosters_are_refused(tmp_path, text, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(text)
    with pytest.raises(ReleaseError, match=message):
        read_roster(roster)


def test_generated_variants_are_valid_for_many_students(sets):
    rng = random.Random(5)
    for exercise_set in sets.values():
        for n in range(300):
            params = exercise_set.parameters_for(f"s{rng.random()}", b"secret-secret-secret")
            assert set(params) == set(exercise_set.parameters)
            expected = exercise_set.expected(params)  # raises if a variant is not a valid convolution
            assert all(v is not None for v in expected.values())
    assert sets["ex02"].parameters_for("a", b"k" * 16) != sets["ex02"].parameters_for("b", b"k" * 16)


def test_planned_files_include_the_public_checks(sets):
    files = planned_files(Layout(ROOT), sets)
    names = sorted(p.relative_to(ROOT).as_posix() for p in files)
    assert {"course_lib/grading/public/ex02.json", "exercises/02_convolution_arithmetic.ipynb"} <= set(names)
    assert names == sorted([f"course_lib/grading/public/{s.id}.json" for s in sets.values()]
                           + [f"exercises/{s.notebook}" for s in sets.values()])


def test_lessons_check_yourself_questions_are_released_and_asked_as_declared():
    from course_lib.grading.release import course_sets

    everything = course_sets(Layout(ROOT))
    lessons = {set_id: s for set_id, s in everything.items() if s.is_lesson}
    assert lessons, "no lesson declares check-yourself questions"
    # every lesson notebook's check-yourself questions are declared, and the public files are current
    assert check_release(Layout(ROOT), everything) == []
    for lesson in lessons.values():
        assert (ROOT / "notebooks" / lesson.notebook).is_file()
        # a lesson's numbers may be drawn again (practice()), but none of its questions is a function
        assert not any(q.is_function for q in lesson.every_version())
        assert bool(lesson.generate) == any(q.ask for q in lesson.questions), lesson.id
    # lessons are never graded: the grader's sets are the exercise sets only
    from course_lib.grading.cli import _sets

    assert set(_sets(ROOT)) == {set_id for set_id in everything if set_id.startswith("ex")}


def test_a_lesson_heading_that_differs_from_the_declaration_is_refused(tmp_path):
    from course_lib.grading.release import check_lesson, course_sets

    lesson = course_sets(Layout(ROOT))["l02"]
    nb = nbformat.read(ROOT / "notebooks" / lesson.notebook, as_version=4)
    check_lesson(nb, lesson, lesson.notebook)
    question = lesson.questions[0]
    for cell in nb.cells:
        if cell.cell_type == "markdown" and question.title in cell.source:
            cell.source = cell.source.replace(question.title, question.title + " (edited)")
    with pytest.raises(ReleaseError, match=f"{question.id} needs one markdown cell"):
        check_lesson(nb, lesson, lesson.notebook)
