"""The README's exercise table says what the set declarations hold: each set's notebook, its
number of questions and points, and the totals below the table."""

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
