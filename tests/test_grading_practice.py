"""practice(): a lesson's check-yourself questions drawn again with new numbers, judged by digests;
a lesson's matrix or tuple answer that is off names its wrong entries; verdicts lead with a word."""

import json
import random

import numpy as np
import pytest

from course_lib.grading import checking as check_module
from course_lib.grading.kinds import Int, IntTuple, Matrix
from course_lib.grading.spec import PRACTICE_DRAWS, ExerciseSet, Mistake, Question


def _lesson():
    questions = [
        Question("l99.1", "cy1", "Placements", 1, Int(), answer=lambda P: (P["i1"] - P["k1"]) // P["s1"] + 1,
                 mistakes=[Mistake(lambda P: (P["i1"] - P["k1"]) // P["s1"], "You forgot the +1.")],
                 hint="Count the starts.", ask="i = {i1}, k = {k1}, s = {s1}: how many placements?"),
        Question("l99.2", "cy2", "A matrix", 1, Matrix(shape=(2, 2)),
                 answer=lambda P: [[P["i1"], 0], [0, P["k1"]]], ask="Diagonal of {i1} and {k1}?"),
        Question("l99.3", "cy3", "A tuple", 1, IntTuple(length=3), answer=lambda P: (P["i1"], P["k1"], P["s1"]),
                 ask="Write ({i1}, {k1}, {s1})."),
    ]

    def draw(rng):
        return {"i1": rng.randint(7, 15), "k1": rng.randint(2, 4), "s1": rng.randint(2, 3)}

    return ExerciseSet("l99", "99_practice.ipynb", "Practice", {"i1": 8, "k1": 3, "s1": 2}, questions, generate=draw)


@pytest.fixture
def lesson(tmp_path, monkeypatch):
    exercise_set = _lesson()
    (tmp_path / "l99.json").write_text(exercise_set.public_json(), encoding="utf-8")
    monkeypatch.setattr(check_module, "_PUBLIC_DIR", tmp_path)
    monkeypatch.setattr(check_module, "_PRACTICE", {})
    check_module._public.cache_clear()
    yield exercise_set, json.loads((tmp_path / "l99.json").read_text())
    check_module._public.cache_clear()


def test_the_public_file_ships_draws_and_digests_but_no_answer(lesson):
    exercise_set, public = lesson
    assert public["defaults"] == exercise_set.parameters
    assert len(public["draws"]) == PRACTICE_DRAWS and exercise_set.parameters not in public["draws"]
    text = json.dumps(public["questions"][0])
    assert len(public["questions"][0]["digests"]) == len({(d["i1"], d["k1"], d["s1"]) for d in public["draws"]}) + 1
    assert '"answer": [' in text and '"ask"' in text
    # the expected answers are not in the file in the clear: only digests (hex) follow "answer"
    for entry in public["questions"][0]["digests"].values():
        assert all(len(d) == 32 and int(d, 16) >= 0 for d in entry["answer"])


def test_practice_draws_new_numbers_and_check_judges_against_them(lesson):
    exercise_set, public = lesson
    question = exercise_set.question("l99.1")
    text = check_module._practice("l99.1", False, random.Random(3))
    drawn = check_module._PRACTICE["l99.1"]
    assert drawn in public["draws"] and drawn != exercise_set.parameters
    assert question.ask.format(**drawn) in text and 'check("l99.1")' in text
    right = question.answer(drawn)
    assert check_module.verdict("l99.1", {"cy1": right}) == ("passed", "✅ l99.1 is right for the numbers practice() drew.")
    status, message = check_module.verdict("l99.1", {"cy1": right - 1})
    assert status == "wrong" and "You forgot the +1." in message   # also when it is the lesson's answer
    if right != question.answer(exercise_set.parameters):  # the lesson's answer is now wrong
        assert check_module.verdict("l99.1", {"cy1": question.answer(exercise_set.parameters)})[0] == "wrong"
    back = check_module._practice("l99.1", True, random.Random(0))
    assert "Back to the lesson's numbers" in back and "l99.1" not in check_module._PRACTICE
    assert check_module.verdict("l99.1", {"cy1": 3})[0] == "passed"


def test_practice_refuses_exercise_sets_and_unknown_questions(lesson):
    assert "lesson's check-yourself questions" in check_module._practice("ex02.1", False, random.Random(0))
    assert "no check-yourself question l99.7" in check_module._practice("l99.7", False, random.Random(0))
    assert "lesson's check-yourself questions" in check_module._practice(7, False, random.Random(0))


def test_a_matrix_or_tuple_that_is_off_names_its_wrong_entries(lesson):
    status, message = check_module.verdict("l99.2", {"cy2": np.array([[8, 0], [1, 3]])})
    assert status == "wrong" and "entry [1, 0] is off (indices from 0)" in message
    status, message = check_module.verdict("l99.2", {"cy2": [[8, 1], [1, 4]]})
    assert "entries [0, 1], [1, 0] and [1, 1] are off" in message
    status, message = check_module.verdict("l99.3", {"cy3": (8, 3, 5)})
    assert "item [2] is off" in message
    assert check_module.verdict("l99.3", {"cy3": [8, 3, 2]})[0] == "passed"


def test_every_draw_of_the_course_lessons_is_judged(lesson):
    """Right answers pass and declared mistakes are named for every shipped draw."""
    exercise_set, public = lesson
    for drawn in public["draws"]:
        check_module._PRACTICE["l99.1"] = drawn
        question = exercise_set.question("l99.1")
        assert check_module.verdict("l99.1", {"cy1": question.answer(drawn)})[0] == "passed"
        assert "+1" in check_module.verdict("l99.1", {"cy1": question.mistakes[0].answer(drawn)})[1]
        if question.mistakes[0].answer(drawn) == question.answer(exercise_set.parameters):
            assert "lesson's own numbers" in check_module.verdict("l99.1", {"cy1": question.mistakes[0].answer(drawn)})[1]


def test_a_lesson_question_with_numbers_needs_ask():
    question = Question("l98.1", "cy", "T", 1, Int(), answer=lambda P: P["i1"])
    with pytest.raises(ValueError, match="needs `ask`"):
        ExerciseSet("l98", "98_x.ipynb", "T", {"i1": 3}, [question], generate=lambda rng: {"i1": 4})
    question.ask = "i = {i2}?"
    with pytest.raises(ValueError, match="format string over the set's parameters"):
        ExerciseSet("l98", "98_x.ipynb", "T", {"i1": 3}, [question], generate=lambda rng: {"i1": 4})


@pytest.mark.parametrize("status, message, word", [
    ("passed", "✅ l02.1 is right.", "Right"),
    ("wrong", "❌ ex02.1: not the expected answer.\n   Hint: count.", "Not right yet"),
    ("not attempted", "⏳ ex02.1 not attempted yet: `o1` is still `...`.", "Not attempted"),
    ("cannot judge", "⚠️ ex02.1: the form is right", "Cannot judge here"),
    ("form checked", "☑️ ex02.1: form checked", "Form checked"),
    ("unknown", "❓ There is no question", "Unknown question"),
])
def test_feedback_leads_with_a_word_in_html_and_plain_text(status, message, word):
    feedback = check_module.Feedback(status, message)
    plain, page = str(feedback), feedback._repr_html_()
    assert plain.split(" — ")[0].endswith(word) and f"{word}</b>" in page
    for glyph in "✅❌⏳⚠☑❓":
        assert glyph not in plain and glyph not in page
    assert "color:#" in page and ("Hint: count." in page) == ("Hint" in message)
    # a name in backticks is code on the page, never a literal backtick
    assert "`" not in page and ("<code>o1</code> is still <code>...</code>" in page) == ("`o1`" in message)


def test_feedback_html_escapes_what_a_message_quotes():
    page = check_module.Feedback("wrong", "ex02.1: your value `<b>x</b>` and `a & b`")._repr_html_()
    assert "<code>&lt;b&gt;x&lt;/b&gt;</code>" in page and "<code>a &amp; b</code>" in page


def test_the_lessons_own_answer_for_drawn_numbers_is_named_as_such(lesson):
    exercise_set, public = lesson
    question = exercise_set.question("l99.1")
    own = question.answer(exercise_set.parameters)
    drawn = next(d for d in public["draws"] if question.answer(d) != own
                 and all(m.answer(d) != own for m in question.mistakes))
    check_module._PRACTICE["l99.1"] = drawn
    status, message = check_module.verdict("l99.1", {"cy1": own})
    assert status == "wrong" and "the answer for the lesson's own numbers" in message


def test_practice_never_offers_the_lessons_own_numbers_as_new(lesson):
    exercise_set, public = lesson
    uses = ("i1", "k1", "s1")
    for seed in range(40):
        check_module._practice("l99.1", False, random.Random(seed))
        drawn = check_module._PRACTICE["l99.1"]
        assert any(drawn[p] != exercise_set.parameters[p] for p in uses)
