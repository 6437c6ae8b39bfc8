"""Question pools: one slot, several versions, drawn per student like the parameters.

A pool's version number is a parameter; release keeps only that version's text, check() and the
grader judge the answer against that version, and separation is checked for that version.
"""

import json
import random
import sys
from dataclasses import replace

import nbformat
import pytest

from course_lib.grading import checking as check_module
from course_lib.grading.grader import Options, grade_many
from course_lib.grading.kinds import Choice, Int
from course_lib.grading.release import ReleaseError, exercise_notebook, version_text
from course_lib.grading.spec import ExerciseSet, Mistake, Question, QuestionPool

CLAIMS_0 = Choice(("s = 1 keeps the size", "p = 0 adds zeros"), option_hints={"B": "p = 0 adds nothing."})
CLAIMS_1 = Choice(("k = 1 copies the input", "d = 2 doubles k", "a floor drops units"),
                  option_hints={"B": "d = 2 spans 2(k - 1) + 1 units."})


def versions():
    return [
        Question("ex96.1", "claims1", "Which claims hold", 2, CLAIMS_0, answer=lambda P: ("A",),
                 mistakes=[Mistake(lambda P: ("A", "B"), "Padding 0 adds nothing.")], hint="One by one."),
        Question("ex96.1", "claims1", "Which claims hold", 2, CLAIMS_1, answer=lambda P: ("A", "C"),
                 mistakes=[Mistake(lambda P: ("A", "B", "C"), "Dilation inserts d - 1 gaps.")], hint="One by one."),
    ]


def size_versions():
    return [
        Question("ex96.2", "o2", "A size", 1, Int(), answer=lambda P: P["i2"] - 2,
                 mistakes=[Mistake(lambda P: P["i2"] - 3, "you subtracted k, not k - 1")]),
        Question("ex96.2", "o2", "A size", 1, Int(), answer=lambda P: (P["i2"] - 3) // 2 + 1,
                 mistakes=[Mistake(lambda P: P["i2"] - 2, "you ignored the stride")]),
    ]


def generate(rng):
    return {"version1": rng.randrange(2), "version2": rng.randrange(2), "i2": rng.randrange(7, 12)}


def exercise_set(defaults=None):
    parameters = defaults or {"version1": 0, "version2": 0, "i2": 7}
    return ExerciseSet("ex96", "96_pools.ipynb", "Pools", parameters,
                       [QuestionPool("version1", versions()), QuestionPool("version2", size_versions())],
                       generate=generate)


HEADING_1 = ("## ex96.1 · old title\n\nDecide each claim.\n<!-- version 0 -->\nA: s = 1 ... B: p = 0 ...\n"
             "<!-- version 1 -->\nA: k = 1 ... B: d = 2 ... C: a floor ...\n<!-- end of versions -->\n"
             "Answer with letters.")
HEADING_2 = ("## ex96.2 · old title\n\n<!-- version 0 -->\nKernel 3, stride 1.\n<!-- version 1 -->\n"
             "Kernel 3, stride 2.\n<!-- end of versions -->")


def solution_notebook():
    cells = [
        nbformat.v4.new_markdown_cell("# Pools"),
        nbformat.v4.new_code_cell("# PARAMETERS\nversion1, version2 = 0, 0\ni2 = 7"),
        nbformat.v4.new_markdown_cell(HEADING_1),
        nbformat.v4.new_code_cell('# ex96.1\n### BEGIN SOLUTION\nclaims1 = ("A", "AC")[version1]\n### END SOLUTION'),
        nbformat.v4.new_code_cell('check("ex96.1")'),
        nbformat.v4.new_markdown_cell(HEADING_2),
        nbformat.v4.new_code_cell("# ex96.2\n### BEGIN SOLUTION\no2 = (i2 - 2, (i2 - 3) // 2 + 1)[version2]\n"
                                  "### END SOLUTION"),
        nbformat.v4.new_code_cell('check("ex96.2")'),
    ]
    return nbformat.v4.new_notebook(cells=cells)


# --- the declaration ------------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, text", [
    (lambda: QuestionPool("version1", versions()[:1]), ValueError, "at least two"),
    (lambda: QuestionPool("version 1", versions()), ValueError, "parameter"),
    (lambda: QuestionPool("version1", [versions()[0], size_versions()[0]]), ValueError, "same ID"),
    (lambda: ExerciseSet("ex96", "96_pools.ipynb", "P", {"i2": 7}, [QuestionPool("version1", versions())]),
     ValueError, "not one of the set's parameters"),
    (lambda: ExerciseSet("ex96", "96_pools.ipynb", "P", {"version1": 2}, [QuestionPool("version1", versions())]),
     ValueError, "version number 0-1, got 2"),
    (lambda: ExerciseSet("l96", "96_pools.ipynb", "P", {},
                         [QuestionPool("version1", [replace(v, id="l96.1") for v in versions()])]),
     ValueError, "no versions"),
])
def test_bad_pools_are_refused_with_what_is_wrong(make, error, text):
    with pytest.raises(error, match=text):
        make()


def test_a_pool_resolves_to_the_version_the_parameters_hold():
    ex96 = exercise_set({"version1": 1, "version2": 0, "i2": 9})
    held = ex96.questions_at(ex96.parameters)
    assert [q.kind for q in held] == [CLAIMS_1, Int()]
    assert ex96.expected(ex96.parameters) == {"ex96.1": ("A", "C"), "ex96.2": 7}


def test_separation_is_checked_for_the_version_held():
    # Version 1 of ex96.2 (stride 2) at i = 7: the answer is 3, ignoring the stride gives 5.
    ex96 = exercise_set()
    assert ex96.separation_problems({"version1": 0, "version2": 1, "i2": 7}) == []
    # At i = 3 with stride 2 the answer is 1 and ignoring the stride gives 1: not separated.
    assert ex96.separation_problems({"version1": 0, "version2": 1, "i2": 3}) == \
        ["ex96.2: mistake 0 ('you ignored the stride') gives the answer"]
    drawn = [ex96.draw(random.Random(seed)) for seed in range(200)]
    assert {(p["version1"], p["version2"]) for p in drawn} == {(0, 0), (0, 1), (1, 0), (1, 1)}


# --- the release ------------------------------------------------------------------------------------

def test_release_keeps_only_the_text_of_the_version_held():
    ex96 = exercise_set()
    assert version_text(HEADING_1, ex96, {"version1": 1}) == \
        "## ex96.1 · old title\n\nDecide each claim.\nA: k = 1 ... B: d = 2 ... C: a floor ...\nAnswer with letters."
    nb = exercise_notebook(solution_notebook(), ex96, student="ana", params={"version1": 1, "version2": 0, "i2": 9})
    text = "\n".join(cell.source for cell in nb.cells)
    assert "C: a floor" in text and "s = 1 ..." not in text and "<!--" not in text
    assert "Kernel 3, stride 1." in text and "stride 2" not in text
    assert "version1, version2 = 1, 0" in text and "i2 = 9" in text
    assert "## ex96.1 · Which claims hold (2 points)" in text
    defaults = "\n".join(c.source for c in exercise_notebook(solution_notebook(), ex96).cells)
    assert "s = 1 ..." in defaults and "C: a floor" not in defaults


@pytest.mark.parametrize("source, text", [
    (HEADING_1.replace("<!-- end of versions -->\n", ""), "needs the lines"),
    (HEADING_1.replace("version 1", "version 2"), "needs the lines"),
    ("## ex96.3 · x\n<!-- version 0 -->\n", "version marks belong in the heading cell of a pool"),
    ("Some text\n<!-- end of versions -->", "version marks belong in the heading cell of a pool"),
])
def test_badly_marked_versions_are_refused(source, text):
    with pytest.raises(ReleaseError, match=text):
        version_text(source, exercise_set(), {"version1": 0, "version2": 0, "i2": 7})


# --- check() --------------------------------------------------------------------------------------

@pytest.fixture
def public(monkeypatch, tmp_path):
    """check() reading ex96's public file, with the digests of three students' variants."""
    ex96 = exercise_set()
    variants = [{"version1": 1, "version2": 1, "i2": 9}, {"version1": 0, "version2": 1, "i2": 11}]
    (tmp_path / "ex96.json").write_text(ex96.public_json(variants, secret=b"k"))
    monkeypatch.setattr(check_module, "_PUBLIC_DIR", tmp_path)
    check_module._public.cache_clear()
    yield json.loads((tmp_path / "ex96.json").read_text())
    check_module._public.cache_clear()


def test_the_public_file_holds_each_version_with_its_own_digests(public):
    pool = public["questions"][0]
    assert pool["version_parameter"] == "version1" and len(pool["versions"]) == 2
    assert [v["kind"]["options"][0] for v in pool["versions"]] == ["s = 1 keeps the size", "k = 1 copies the input"]
    sizes = public["questions"][1]["versions"]
    # The defaults hold version 0 of ex96.2; both listed variants hold version 1 (i2 = 9 and 11).
    assert (len(sizes[0]["digests"]), len(sizes[1]["digests"])) == (1, 2)


def test_check_judges_the_version_the_notebook_holds(public):
    verdict = check_module.verdict
    assert verdict("ex96.1", {"claims1": "A", "version1": 0})[0] == "passed"
    assert verdict("ex96.1", {"claims1": "AC", "version1": 1})[0] == "passed"
    status, message = verdict("ex96.1", {"claims1": "A", "version1": 1})
    assert status == "wrong" and "option C" in message
    status, message = verdict("ex96.1", {"claims1": "ABC", "version1": 1})
    assert status == "wrong" and "Dilation inserts d - 1 gaps." in message
    assert verdict("ex96.2", {"o2": 4, "version2": 1, "i2": 9})[0] == "passed"
    status, message = verdict("ex96.2", {"o2": 7, "version2": 1, "i2": 9})
    assert status == "wrong" and "you ignored the stride" in message
    status, message = verdict("ex96.2", {"o2": 4, "version2": 1, "i2": 7})  # no student holds this variant
    assert status == "cannot judge" and "for these values of `i2`, `version2`." in message


def test_a_version_nobody_was_given_cannot_be_judged_and_the_message_names_its_parameter(monkeypatch, tmp_path):
    (tmp_path / "ex96.json").write_text(exercise_set().public_json())  # the defaults hold version 0 only
    monkeypatch.setattr(check_module, "_PUBLIC_DIR", tmp_path)
    check_module._public.cache_clear()
    try:
        status, message = check_module.verdict("ex96.1", {"claims1": "AC", "version1": 1})
    finally:
        check_module._public.cache_clear()
    assert status == "cannot judge" and "for these values of `version1`." in message


def test_check_asks_for_the_version_parameter_and_refuses_one_out_of_range(public):
    status, message = check_module.verdict("ex96.1", {"claims1": "A"})
    assert status == "not attempted" and "`version1` is not defined" in message
    status, message = check_module.verdict("ex96.1", {"claims1": "A", "version1": 5})
    assert status == "cannot judge" and "(0-1), but it is 5" in message


# --- the grader -------------------------------------------------------------------------------------

def answers_notebook(version1, version2, i2, claims1, o2):
    cells = [f"version1, version2 = {version1}, {version2}\ni2 = {i2}", f"claims1 = {claims1!r}", f"o2 = {o2}"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    for cell in nb.cells:
        cell.pop("id", None)
    nb.nbformat_minor = 4
    return nb


def test_the_grader_grades_against_the_version_the_student_was_given(tmp_path):
    if sys.platform != "linux":
        pytest.skip("the sandbox needs Linux")
    from course_lib.grading.sandbox import detect_sandbox

    # Without a roster every student has the defaults: here version 1 of both questions, i2 = 9.
    ex96 = exercise_set({"version1": 1, "version2": 1, "i2": 9})
    submissions = {"right": (1, 1, 9, "AC", 4), "version0": (1, 1, 9, "A", 7)}
    for student, answers in submissions.items():
        (tmp_path / student).mkdir()
        nbformat.write(answers_notebook(*answers), tmp_path / student / "96_pools.ipynb")
    results = grade_many(sorted(tmp_path.rglob("*.ipynb")), {"ex96": ex96}, Options(cell_timeout=20),
                         detect_sandbox("auto"), jobs=2, progress=False)
    graded = {r.student: r for r in results}
    assert graded["right"].total == ex96.max_points == 3
    by_id = {q.id: q for q in graded["version0"].questions}
    assert by_id["ex96.2"].points == 0 and any("you ignored the stride" in m for m in by_id["ex96.2"].messages)
    assert 0 < by_id["ex96.1"].points < 2
