"""The grader's own work is bounded, and its feedback never shows what a function was given.

Unit tests for the limits (no kernel), then one batch graded by `grade_many`: answers built to
make the grader compute for hours, a function that reads its hidden inputs and tries to get
them echoed back, a correct but slow function, and honest controls whose scores must not move.
"""

import math
import re
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
import sympy

from course_lib.grading import kinds
from course_lib.grading.bounded import map_bounded
from course_lib.grading.grader import Options, _Plan, _raised, _score_function, grade_many
from course_lib.grading.spec import load_sets
from course_lib.grading.values import ArrayValue, UnsafeExpression, parse_srepr

from test_grading_grader import HOSTILE, ROOT, SOLUTION, cells_of, notebook, write

SETS = load_sets(ROOT / "instructor" / "sets")
NB = {set_id: ROOT / "solutions" / SETS[set_id].notebook for set_id in ("ex02", "ex03", "ex04", "ex06")}


# --- the limits, without a kernel ----------------------------------------------------------------

def test_a_power_whose_exponent_is_not_a_plain_number_is_refused_at_once():
    started = time.monotonic()
    with pytest.raises(UnsafeExpression, match="exponent is not a plain number"):
        parse_srepr("Pow(Integer(3), Mul(Integer(1), Integer(1000000000)))")
    with pytest.raises(UnsafeExpression):
        parse_srepr("Pow(Integer(3), Add(Integer(1), Integer(99999999)))")
    assert time.monotonic() - started < 1
    i, s = sympy.symbols("i s")
    for honest in (i ** 2, 1 / s, sympy.sqrt(s), 2 ** i, i ** 0.5):
        assert parse_srepr(sympy.srepr(honest)) == honest


def test_a_matrix_entry_with_a_huge_expansion_is_not_expanded():
    entry = sum(sympy.symbols("a0:12")) ** 64
    assert kinds.expansion_size(entry) > kinds.MAX_EXPANDED_TERMS
    started = time.monotonic()
    verdict = kinds.Matrix().compare(ArrayValue((1, 2), (entry, 1), "sympy"), [[1, 1]])
    assert (verdict.fraction, time.monotonic() - started < 2) == (0, True)
    a, b = sympy.symbols("a b")  # small symbolic entries are still proved equal
    assert kinds.Matrix().compare(ArrayValue((1, 1), ((a + b) ** 2,), "sympy"), [[a * a + 2 * a * b + b * b]]).fraction == 1


def test_map_bounded_stops_one_item_and_goes_on():
    started = time.monotonic()
    out = map_bounded(lambda n: time.sleep(n) or n * 2, [0, 60, 1e-3, 60, 0], seconds=0.5, memory_mb=256,
                      total_seconds=30)
    assert [status for status, _ in out] == ["ok", "timeout", "ok", "timeout", "ok"]
    assert out[2] == ("ok", 2e-3) and time.monotonic() - started < 10
    assert map_bounded(lambda n: bytearray(n), [4 * 1024 ** 3, 0], seconds=10, memory_mb=256) == \
        [("memory", None), ("ok", bytearray())]
    assert map_bounded(lambda n: 1 / n, [0], seconds=5, memory_mb=256)[0][0] == "error"
    assert [s for s, _ in map_bounded(time.sleep, [0.2, 0.2, 5], seconds=5, memory_mb=256,
                                      total_seconds=1)] == ["ok", "ok", "not run"]
    with pytest.raises(ValueError, match="seconds must be > 0"):
        map_bounded(abs, [1], seconds=0, memory_mb=256)


def test_function_feedback_describes_results_by_type_only():
    question = SETS["ex03"].question("ex03.9")
    import random

    hidden = question.hidden[0].inputs(random.Random(0))[:2]
    calls = [("example", tuple(question.examples[0]))] + [(0, args) for args in hidden]
    assert len(calls) == 3
    secret = 10 ** 60 + 123456789
    payload = {"id": question.id, "results": [{"ok": {"t": "int", "v": secret}},
                                              {"raised": "Leak_65_4"}, {"time": "call"}]}
    result = _score_function(_Plan(question, "", calls=calls, call_timeout=5, budget=21), payload)
    text = " ".join(result.messages)
    assert str(secret)[:12] not in text and "65" not in text.replace("ex03", "")
    assert "returned a whole number" in text
    assert "took longer than 5 s, the limit for one call" in text
    assert _raised("TypeError") == "raised TypeError" and _raised("Leak_65_4") == "raised an exception of its own class"


# --- one run: hostile answers beside honest controls ------------------------------------------------

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("bounds")
    sub = base / "submitted"
    for set_id, path in NB.items():
        write(sub, "control", path.name, notebook(path))
    write(sub, "pow_bomb", NB["ex02"].name, notebook(NB["ex02"], extra=cells_of("pow_bomb")))
    write(sub, "slow_compare", NB["ex02"].name, notebook(NB["ex02"], extra=cells_of("slow_compare")))
    write(sub, "expand_bomb", NB["ex04"].name, notebook(NB["ex04"], extra=cells_of("expand_bomb")))
    write(sub, "leaker", NB["ex03"].name, notebook(NB["ex03"], extra=cells_of("leaking_function")))
    write(sub, "slow_function", NB["ex06"].name, notebook(NB["ex06"], extra=cells_of("slow_function")))
    options = Options(cell_timeout=10, notebook_timeout=120, score_timeout=1.5)
    from course_lib.grading.sandbox import detect_sandbox

    started = time.monotonic()
    results = grade_many(sorted(sub.rglob("*.ipynb")), SETS, options, detect_sandbox("auto"), jobs=2, progress=False)
    seconds = time.monotonic() - started
    out = base / "feedback"
    from course_lib.grading.gradebook import write_feedback

    write_feedback(out, results, SETS)
    rows = {(r.student, r.set_id): r for r in results}
    return {"rows": rows, "seconds": seconds, "feedback": out}


def points(result, qid):
    return next(q.points for q in result.questions if q.id == qid)


def feedback_of(graded, student, set_id):
    return (graded["feedback"] / student / SETS[set_id].notebook.replace(".ipynb", ".md")).read_text()


pytestmark_linux = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")


@pytestmark_linux
def test_the_run_finishes_and_the_controls_keep_full_marks(graded):
    assert graded["seconds"] < 120  # a hang guard, not a benchmark
    for set_id in NB:
        control = graded["rows"][("control", set_id)]
        assert (control.total, control.status) == (SETS[set_id].max_points, "ok"), control.reason


@pytestmark_linux
def test_bombs_cost_only_their_own_question(graded):
    full02, full04 = SETS["ex02"].max_points, SETS["ex04"].max_points
    pow_bomb = graded["rows"][("pow_bomb", "ex02")]
    assert (pow_bomb.total, pow_bomb.status) == (full02 - SETS["ex02"].question("ex02.1").points, "ok")
    expand = graded["rows"][("expand_bomb", "ex04")]
    assert (expand.total, points(expand, "ex04.1")) == (full04 - SETS["ex04"].question("ex04.1").points, 0)
    slow = graded["rows"][("slow_compare", "ex02")]
    assert (slow.total, slow.status) == (full02 - SETS["ex02"].question("ex02.9").points, "timeout")
    assert slow.reason == "comparing the answer to ex02.9 took longer than 1.5 s"
    assert "Comparing your answer took longer than 1.5 s" in feedback_of(graded, "slow_compare", "ex02")


@pytestmark_linux
def test_feedback_never_shows_what_a_function_was_given(graded):
    leaker = graded["rows"][("leaker", "ex03")]
    # Values are read before any function runs: the stash in total_parameters came too late.
    assert points(leaker, "ex03.6") == SETS["ex03"].question("ex03.6").points
    assert points(leaker, "ex03.9") == 0
    text = feedback_of(graded, "leaker", "ex03")
    assert not re.search(r"\d{7}", text), text
    assert "Leak_" not in text and "returned a whole number" in text
    question = SETS["ex03"].question("ex03.9")
    for group in question.hidden:
        for case in group.cases:
            assert repr(case[2]) not in text


@pytestmark_linux
def test_a_slow_correct_function_is_told_why_it_lost_points(graded):
    slow = graded["rows"][("slow_function", "ex06")]
    assert points(slow, "ex06.10") < SETS["ex06"].question("ex06.10").points
    text = feedback_of(graded, "slow_function", "ex06")
    assert "Time: all calls of this question together may take 7 s" in text
