"""The README says what the set declarations hold: the exercise table gives each set's notebook,
number of questions and points, and the totals below it; the topic map places every graded and
check-yourself question, and names none that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from course_lib.grading.spec import load_sets

ROOT = Path(__file__).resolve().parents[1]
SETS = load_sets(ROOT / "instructor" / "sets")
README = (ROOT / "README.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `(ex\d\d)` \| `exercises/([^`]+\.ipynb)` — .* \| (\d+) \| (\d+) \|$", re.MULTILINE)


def test_every_set_has_one_row_with_its_notebook_questions_and_points():
    rows = {m.group(1): (m.group(2), int(m.group(3)), int(m.group(4))) for m in ROW.finditer(README)}
    assert sorted(rows) == sorted(SETS)
    for set_id, exercise_set in SETS.items():
        assert rows[set_id] == (exercise_set.notebook, len(exercise_set.questions), exercise_set.max_points), set_id


def test_the_totals_line_adds_the_table_up():
    questions = sum(len(s.questions) for s in SETS.values())
    points = sum(s.max_points for s in SETS.values())
    assert f"**{questions} graded questions, {points:g} points**" in README
    assert questions >= 90


def _topic_map_ids() -> set[str]:
    """Question IDs the README's topic map names, ranges like `ex03.1`–`ex03.9` expanded."""
    table = README.index("\n|", README.index("**Topic map**"))
    topic = README[table:README.index("\n\n", table)]
    ids = set(re.findall(r"`((?:ex|l)\d\d\.\d+)`", topic))
    for set_id, low, high in re.findall(r"`(ex\d\d)\.(\d+)`–`ex\d\d\.(\d+)`", topic):
        ids |= {f"{set_id}.{n}" for n in range(int(low), int(high) + 1)}
    return ids


def test_the_topic_map_places_every_question_and_names_no_other():
    lessons = load_sets(ROOT / "instructor" / "lessons")
    questions = {q.id for s in [*SETS.values(), *lessons.values()] for q in s.questions}
    named = _topic_map_ids()
    assert questions - named == set(), "questions the topic map does not place"
    assert named - questions == set(), "IDs in the topic map that no set declares"
