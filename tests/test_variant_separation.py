"""Every variant a student can be given tells every declared mistake apart from the answer and
from every other mistake, and every hidden-test group of a function question has a public example.

2,000 variants of every exercise set are drawn the way a roster release draws them
(``ExerciseSet.draw``: a draw that lets a mistake pass for the answer or for another mistake is
drawn again); the defaults, which every student without a roster gets, must separate at once.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from course_lib.grading.spec import MAX_DRAWS, ExerciseSet, Question, QuestionPool, load_sets

ROOT = Path(__file__).resolve().parents[1]
SETS = load_sets(ROOT / "instructor" / "sets")
LESSONS = load_sets(ROOT / "instructor" / "lessons")
VARIANTS = 2000


@pytest.mark.parametrize("set_id", sorted(SETS) + sorted(LESSONS))
def test_the_defaults_separate_every_declared_mistake(set_id):
    exercise_set = SETS.get(set_id) or LESSONS[set_id]
    assert exercise_set.separation_problems(exercise_set.parameters) == []


@pytest.mark.parametrize("set_id", sorted(SETS))
def test_every_drawn_variant_separates_every_declared_mistake(set_id):
    exercise_set = SETS[set_id]
    if exercise_set.generate is None:
        pytest.skip(f"{set_id} has no variants")
    raw_draws = 0
    generate = exercise_set.generate

    def counting(rng):
        nonlocal raw_draws
        raw_draws += 1
        return generate(rng)

    exercise_set.generate = counting
    try:
        for seed in range(VARIANTS):
            params = exercise_set.draw(random.Random(seed))
            assert exercise_set.separation_problems(params) == [], seed
    finally:
        exercise_set.generate = generate
    # the generator itself must rarely make a mistake invisible: redrawing is a safety net
    assert raw_draws <= 1.5 * VARIANTS, f"{set_id}: {raw_draws} draws for {VARIANTS} variants"


@pytest.mark.parametrize("set_id", sorted(SETS))
def test_a_generator_draws_once_and_leaves_the_separation_to_draw(set_id, monkeypatch):
    """A generator that redraws until its mistakes separate would make the raw-draw bound above
    unable to fail (and duplicate ExerciseSet.draw): generate itself never asks for separation."""
    exercise_set = SETS[set_id]
    if exercise_set.generate is None:
        pytest.skip(f"{set_id} has no variants")
    exercise_set.generate(random.Random(-1))  # tables a generator builds once, on first use, are fine
    asked = []
    for cls in (Question, QuestionPool, ExerciseSet):
        original = cls.separation_problems
        monkeypatch.setattr(cls, "separation_problems",
                            lambda self, params, _original=original: asked.append(1) or _original(self, params))
    for seed in range(20):
        exercise_set.generate(random.Random(seed))
    assert not asked, f"{set_id}: generate() called separation_problems {len(asked)} times in 20 draws"


def test_a_mistake_that_always_gives_the_answer_is_refused():
    exercise_set = SETS["ex02"]
    question = exercise_set.questions[0]
    original = list(question.mistakes)
    try:
        question.mistakes.append(type(original[0])(question.answer, "the answer itself"))
        with pytest.raises(ValueError, match=f"no variant in {MAX_DRAWS} draws"):
            exercise_set.draw(random.Random(0))
    finally:
        question.mistakes[:] = original


@pytest.mark.parametrize("set_id", sorted(SETS))
def test_every_hidden_group_has_a_public_example(set_id):
    problems = [p for q in SETS[set_id].questions if q.is_function for p in q.uncovered_groups()]
    assert problems == []


def _toy_question():
    """o = i − k + 1 with the slips 'forgot +1' (never the answer) and 'i − 2' (the answer when k = 3)."""
    from course_lib.grading.kinds import Int
    from course_lib.grading.spec import Mistake

    def answer(P):
        if P["k"] > P["i"]:
            raise ValueError("k larger than i")
        return P["i"] - P["k"] + 1

    return Question("ex02.1", "o1", "T", 1, Int(), answer=answer,
                    mistakes=[Mistake(lambda P: P["i"] - P["k"], "forgot +1"),
                              Mistake(lambda P: P["i"] - 2, "right when k = 3")])


def test_separating_settings_keeps_exactly_the_settings_without_problems_in_grid_order():
    question = _toy_question()
    defaults = {"i": 6, "k": 4}
    grid = ((2, 3, 4, 9), range(1, 6))  # k = 9 > i: no layer, left out
    settings = question.separating_settings(("k", "i"), grid, defaults)
    expected = [(k, i) for k in (2, 3, 4, 9) for i in range(1, 6)
                if k <= i and not question.separation_problems({"k": k, "i": i})]
    assert list(settings) == expected
    assert settings == ((4, 4), (4, 5))  # k = 2: the two slips agree (i − 2); k = 3: one gives the answer
    # keep filters before separation is tried; the table is built once and reused
    odd = question.separating_settings(("k", "i"), grid, defaults, lambda P: P["i"] % 2 == 1)
    assert odd == ((4, 5),)
    assert question.separating_settings(("k", "i"), grid, defaults) is settings


def test_separating_settings_refuses_a_grid_that_does_not_match_its_names():
    question = _toy_question()
    with pytest.raises(ValueError, match="one sequence per name"):
        question.separating_settings(("k", "i"), ((2, 3),), {"i": 6, "k": 4})
    with pytest.raises(ValueError, match=r"\['j'\] are not parameters"):
        question.separating_settings(("j",), ((2, 3),), {"i": 6, "k": 4})
