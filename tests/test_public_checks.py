"""Public checks tell the truth, in check() and in the grader's feedback, for every variant.

Every question of every exercise set and every lesson's check-yourself question is tried over
many variants drawn by the sets' own generator, on the right answer, on each declared mistake
and on near misses of the right form. A check's truth is worked out here on its own: its
expression evaluated with the parameters and ``answer`` as globals (what Python needs for a
generator in it to see them), letting any exception through.
"""

import json
import math
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy

from course_lib.grading import checking
from course_lib.grading import grader
from course_lib.grading._encode import encode
from course_lib.grading.kinds import (
    Choice, Expression, Int, IntTuple, Matrix, Number, Order, parameter_fingerprint, values_at,
)
from course_lib.grading.spec import Check, Question, load_sets
from course_lib.grading.values import decode

ROOT = Path(__file__).resolve().parent.parent
SECRET = b"a secret for the public checks test"
VARIANTS = 40  # drawn students per exercise set, besides the defaults


@pytest.fixture(scope="module")
def sets():
    return {**load_sets(ROOT / "instructor" / "sets"), **load_sets(ROOT / "instructor" / "lessons")}


def variants(exercise_set) -> list[dict]:
    """The defaults and VARIANTS students' parameters, from the set's own generator (for a lesson:
    the draws it ships for practice())."""
    if exercise_set.is_lesson:
        return [dict(exercise_set.parameters)] + exercise_set.practice_draws()
    drawn = [exercise_set.parameters_for(f"student{n}", SECRET) for n in range(VARIANTS)]
    return [dict(exercise_set.parameters)] + (drawn if exercise_set.generate else [])


@pytest.fixture(scope="module")
def roster_public(sets, tmp_path_factory):
    """Public checks files holding every drawn variant's digests (a roster release)."""
    folder = tmp_path_factory.mktemp("roster-public")
    for exercise_set in sets.values():
        text = exercise_set.public_json(variants(exercise_set)[1:], SECRET)
        (folder / f"{exercise_set.id}.json").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def defaults_public(sets, tmp_path_factory):
    """Public checks files with the defaults' digests only (what `course release` ships)."""
    folder = tmp_path_factory.mktemp("defaults-public")
    for exercise_set in sets.values():
        (folder / f"{exercise_set.id}.json").write_text(exercise_set.public_json(), encoding="utf-8")
    return folder


def judge(exercise_set, question, params: dict, held: dict):
    """check()'s verdict; a lesson's question is judged for ``params`` as practice() would draw them."""
    checking._PRACTICE.clear()
    if exercise_set.is_lesson and params != exercise_set.parameters:
        checking._PRACTICE[question.id] = params
    return checking.verdict(question.id, held)


@contextmanager
def judged_with(folder: Path):
    """check() reads its public files from ``folder`` inside the block."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checking, "_PUBLIC_DIR", folder)
        checking._public.cache_clear()
        try:
            yield
        finally:
            checking._public.cache_clear()
            checking._PRACTICE.clear()


def predicate(test: str, params: dict, plain) -> bool:
    """The check's truth for this answer; raises whatever the expression raises."""
    scope = {**params, "answer": plain, "math": math, "floor": math.floor, "ceil": math.ceil,
             "__builtins__": checking._SAFE_BUILTINS}
    return bool(eval(test, scope))  # noqa: S307 - the course's own check text


def truths(question: Question, params: dict, value, what: str) -> list[bool]:
    """Each public check's truth for ``value``; a check that raises fails the test."""
    plain = checking._plain_answer(question.kind, decode(encode(value)))
    result = []
    for check in question.checks:
        try:
            result.append(predicate(check.test, params, plain))
        except Exception as err:  # noqa: BLE001 - report which check cannot run on which answer
            pytest.fail(f"{question.id}: public check {check.test!r} raised {type(err).__name__}: {err} "
                        f"on {what} {value!r} with parameters {params}")
    return result


def notebook_value(kind, value):
    """The answer as a notebook would hold it: matrices as numpy arrays or SymPy matrices."""
    if isinstance(kind, Matrix):
        rows = matrix_rows(value)
        symbolic = any(isinstance(x, sympy.Basic) and not x.is_number for row in rows for x in row)
        return sympy.Matrix(rows) if symbolic else np.array(rows)
    return value


def namespace(params: dict, name: str, value, arrays: bool) -> dict:
    """A notebook's namespace; with ``arrays``, list parameters are numpy arrays as in the notebooks."""
    held = {k: np.array(v) if arrays and isinstance(v, list) else v for k, v in params.items()}
    return {**held, name: value}


def matrix_rows(value) -> list:
    return value.tolist() if hasattr(value, "tolist") else [list(r) for r in value]


def near_misses(kind, right) -> list:
    """Answers of the right answer's form that differ from it a little: an entry off by one, one
    item too many or too few, a number a little off."""
    if isinstance(kind, Int):
        return [right + d for d in (1, -1, 2, -2)]
    if isinstance(kind, Number):
        return [right * 1.1, right * 0.9, right / 2]
    if isinstance(kind, Expression):
        return [right + 1, right - 1, 2 * right]
    if isinstance(kind, Matrix):
        rows = matrix_rows(right)
        misses = []
        for r, c, d in ((0, 0, 1), (0, 0, -1), (-1, -1, 1)):
            changed = [list(row) for row in rows]
            changed[r][c] += d
            misses.append(changed)
        if len(rows) > 1:
            misses.append([list(row) for row in rows[:-1]])
        return misses
    if isinstance(kind, IntTuple):
        items = [tuple(x) if isinstance(x, (tuple, list)) else x for x in right]
        bump = (lambda x, d: (x[0] + d, *x[1:])) if kind.item_length else (lambda x, d: x + d)
        misses = [tuple(items[:n]) + (bump(items[n], d),) + tuple(items[n + 1:])
                  for d in (1, -1) for n in range(len(items))]
        if kind.length is None:  # free length: one item too few, one too many
            extra = (items[-1] if items else (0,) * (kind.item_length or 0)) if kind.item_length else None
            extra = bump(extra, 1) if kind.item_length else max(items, default=-1) + 1
            misses += [tuple(items[:-1]), tuple(items) + (extra,)]
        return misses
    if isinstance(kind, Choice):  # one option decided the other way
        if not kind.multiple:
            return [letter for letter in kind.letters if letter != right]
        chosen = set(right)
        return [tuple(sorted(chosen ^ {letter})) for letter in kind.letters]
    if isinstance(kind, Order):  # two neighbouring steps swapped
        items = list(right)
        return [tuple(items[:n] + [items[n + 1], items[n]] + items[n + 2:]) for n in range(len(items) - 1)]
    raise AssertionError(f"no near misses for {kind}")


def same_value(kind, value, other) -> bool:
    """Whether the two answers are the same answer by the kind's canonical forms."""
    return kind.canonical(decode(encode(value))) in set(kind.accepted(decode(encode(other))))


def published_mistake(question: Question, params: dict, value):
    """The number of the mistake check() names for ``value`` (the first one it equals whose value
    is not also right here), or None."""
    right = set(question.kind.accepted(decode(encode(question.answer(params)))))
    got = question.kind.canonical(decode(encode(value)))
    for number, mistake in enumerate(question.mistakes):
        wrong = mistake.answer(params)
        if wrong is None:
            continue
        accepted = set(question.kind.accepted(decode(encode(wrong))))
        if got in accepted and not accepted & right:
            return number
    return None


def expression_mistake(question: Question, value):
    """The number of the mistake whose values at the public points ``value`` shares, or None."""
    points = question.points_at
    right = values_at(question.answer({}), points)
    got = values_at(value, points)
    seen = {right}
    for number, mistake in enumerate(question.mistakes):
        theirs = values_at(mistake.answer({}), points)
        if theirs not in seen:
            if theirs == got:
                return number
            seen.add(theirs)
    return None


def wrong_answers(question: Question, params: dict) -> list[tuple[str, object]]:
    """Every declared mistake and the near misses of the right answer, of the right form, not right."""
    right = question.answer(params)
    found = [(f"mistake {n}", m.answer(params)) for n, m in enumerate(question.mistakes)]
    found += [("near miss", miss) for miss in near_misses(question.kind, right)]
    kept = []
    for what, value in found:
        if value is None:  # a mistake that cannot happen for these parameters
            continue
        value = notebook_value(question.kind, value)
        if question.kind.form(decode(encode(value))) is not None:
            continue
        if isinstance(question.kind, Expression):
            if values_at(value, question.points_at) == values_at(right, question.points_at):
                continue
        elif same_value(question.kind, value, right):
            continue
        kept.append((what, value))
    return kept


def entries_off(question: Question, params: dict, value) -> str:
    """What a lesson's check() adds for a matrix or ordered tuple: which entries differ (from 0)."""
    kind = question.kind
    if not isinstance(kind, (Matrix, IntTuple)) or getattr(kind, "unordered", False):
        return ""
    mine = json.loads(kind.canonical(decode(encode(value))))
    right = json.loads(kind.accepted(decode(encode(question.answer(params))))[0])
    if isinstance(kind, Matrix):
        if (len(mine), len(mine[0])) != (len(right), len(right[0])):
            return f"; the expected answer has shape {len(right)}x{len(right[0])}"
        off = [f"[{r}, {c}]" for r, row in enumerate(right) for c, x in enumerate(row) if mine[r][c] != x]
        what = "entry" if len(off) == 1 else "entries"
    else:
        if len(mine) != len(right):
            return f"; the expected answer has {len(right)} items"
        off = [f"[{n}]" for n, x in enumerate(right) if mine[n] != x]
        what = "item" if len(off) == 1 else "items"
    if not off:
        return ""
    listed = ", ".join(off[:-1]) + f" and {off[-1]}" if len(off) > 1 else off[0]
    return f"; {what} {listed} {'is' if len(off) == 1 else 'are'} off (indices from 0)"


def expected_wrong_message(question: Question, params: dict, value, lesson: dict | None = None) -> str:
    """The ❌ message check() owes this wrong answer, worked out from the declaration (``lesson``:
    a lesson's own numbers, when ``params`` are numbers practice() drew)."""
    number = published_mistake(question, params, value)
    if lesson is not None and params != lesson and question.kind.compare(
            decode(encode(value)), question.answer(lesson)).fraction == 1:
        also = "" if number is None else (f"\n   It is also what a common mistake gives for the new numbers: "
                                          f"{question.mistakes[number].hint}")
        return (f"❌ {question.id}: that is the answer for the lesson's own numbers; practice() drew new ones. "
                f'Work it out for those (practice("{question.id}", lesson=True) goes back).{also}')
    if number is not None:
        return (f"❌ {question.id}: not the expected answer; it is what a common mistake gives.\n"
                f"   Hint: {question.mistakes[number].hint}")
    for check, true in zip(question.checks, truths(question, params, value, "a wrong answer")):
        if not true:
            hint = check.hint or question.hint
            return f"❌ {question.id}: {check.message}" + (f"\n   Hint: {hint}" if hint else "")
    off = entries_off(question, params, value) if lesson is not None else ""
    return f"❌ {question.id}: not the expected answer{off}." + (f"\n   Hint: {question.hint}" if question.hint else "")


def value_questions(exercise_set, params=None):
    """The value questions a student with ``params`` (the defaults if None) answers: pools resolved."""
    held = exercise_set.questions_at(exercise_set.parameters if params is None else params)
    return [q for q in held if not q.is_function]


# One exercise set per solutions notebook and one check-yourself set per lesson, found by name.
SET_IDS = sorted(f"ex{path.name[:2]}" for path in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")) + sorted(
    f"l{path.name[:2]}" for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_every_set_and_lesson_is_covered(sets):
    assert sorted(sets) == sorted(SET_IDS)
    with_checks = {q.id for s in sets.values() for q in s.every_version() if q.checks}
    assert {"ex02.13", "ex02.14", "ex04.8", "ex05.6", "ex05.10"} <= with_checks
    for exercise_set in sets.values():
        if not exercise_set.is_lesson:  # many distinct variants, not one drawn many times
            fingerprints = {parameter_fingerprint(p) for p in variants(exercise_set)}
            assert len(fingerprints) > VARIANTS * 3 // 4, exercise_set.id


@pytest.mark.parametrize("set_id", SET_IDS)
def test_checks_hold_for_the_right_answer_and_it_gets_a_tick(sets, roster_public, set_id):
    exercise_set = sets[set_id]
    with judged_with(roster_public):
        for params in variants(exercise_set):
            for question in value_questions(exercise_set, params):
                right = notebook_value(question.kind, question.answer(params))
                if isinstance(question.kind, Expression):
                    assert right == question.answer(exercise_set.parameters), question.id
                assert all(truths(question, params, right, "the right answer")), (question.id, params)
                plain = checking._plain_answer(question.kind, decode(encode(right)))
                assert all(checking.check_holds(c.test, params, plain) for c in question.checks), question.id
                for arrays in (False, True):
                    status, message = judge(exercise_set, question, params, namespace(params, question.name, right, arrays))
                    if exercise_set.feedback == "form-only":
                        assert status == "form checked" and message.startswith("☑️"), (question.id, message)
                    else:
                        assert status == "passed" and message.startswith(f"✅ {question.id} "), (
                            question.id, params, message)


@pytest.mark.parametrize("set_id", SET_IDS)
def test_wrong_answers_fail_only_checks_that_are_false(sets, roster_public, set_id):
    """check() and the grader show a check's message only when its predicate is false, and a
    mistake's hint only for that mistake's answer."""
    exercise_set = sets[set_id]
    tried = 0
    with judged_with(roster_public):
        for index, params in enumerate(variants(exercise_set)):
            for question in value_questions(exercise_set, params):
                if index and isinstance(question.kind, Expression):
                    continue  # the same expression in every variant (the test above checks): one is enough
                for what, value in wrong_answers(question, params):
                    tried += 1
                    true = truths(question, params, value, what)
                    plain = checking._plain_answer(question.kind, decode(encode(value)))
                    assert [checking.check_holds(c.test, params, plain) for c in question.checks] == true
                    status, message = judge(exercise_set, question, params, namespace(params, question.name, value, True))
                    context = (question.id, what, value, params, message)
                    if exercise_set.feedback == "form-only":
                        assert status == "form checked", context
                        continue
                    assert status == "wrong", context
                    if isinstance(question.kind, Expression):
                        number = expression_mistake(question, value)
                        hint = question.mistakes[number].hint if number is not None else None
                        assert (hint is not None and message.endswith(f"Hint: {hint}")) or (
                            hint is None and "common mistake" not in message), context
                    elif isinstance(question.kind, Choice):  # the options decided wrongly, or the mistake
                        number = published_mistake(question, params, value)
                        if number is not None:
                            assert f"Hint: {question.mistakes[number].hint}" in message, context
                        else:
                            assert "decided wrongly" in message or "is not the right choice." in message, context
                    else:
                        assert message == expected_wrong_message(
                            question, params, value, exercise_set.parameters if exercise_set.is_lesson else None), context
                    # The grader's feedback: the same checks, and a mistake's hint only for its answer.
                    plan = grader._Plan(question, probe="", expected=question.answer(params))
                    result = grader._score_value(plan, {"value": encode(value)}, params)
                    shown = [m for m in result.messages if m.startswith("Public check: ")]
                    assert shown == [f"Public check: {c.message}" for c, t in zip(question.checks, true) if not t], (
                        *context, result.messages)
                    for mistake in question.mistakes:
                        if any(mistake.hint in m for m in result.messages):
                            assert any(m.hint == mistake.hint and m.answer(params) is not None
                                       and question.kind.compare(decode(encode(value)),
                                                                 m.answer(params)).fraction == 1
                                       for m in question.mistakes), (*context, result.messages)
    others = [q for q in value_questions(exercise_set) if not isinstance(q.kind, Expression)]
    assert tried >= len(variants(exercise_set)) * len(others)


@pytest.mark.parametrize("set_id", [s for s in SET_IDS if s.startswith("ex")])
def test_a_right_answer_is_never_called_wrong_where_its_digests_are_missing(sets, defaults_public, set_id):
    """With only the defaults' digests (a variant shipped without its table, or parameters edited
    in the notebook), the right answer for the notebook's parameters gets ⚠️, never ❌."""
    exercise_set = sets[set_id]
    judged = 0
    with judged_with(defaults_public):
        defaults = value_questions(exercise_set)
        for params in variants(exercise_set)[1:]:
            for question in value_questions(exercise_set, params):
                if not question.has_digests:
                    continue
                uses = question.uses(params)
                own = {name: params[name] for name in uses}
                right = notebook_value(question.kind, question.answer(params))
                status, message = checking.verdict(question.id, namespace(params, question.name, right, True))
                if parameter_fingerprint(own) == parameter_fingerprint({n: exercise_set.parameters[n] for n in uses}) \
                        and any(question is q for q in defaults):  # the defaults' version of a pool, too
                    assert status == "passed", (question.id, message)
                    continue
                judged += 1
                assert status == "cannot judge", (question.id, params, message)
                assert message.startswith(f"⚠️ {question.id}: the form is right") and "cannot judge" in message
                assert "❌" not in message and "✅" not in message
    assert judged >= VARIANTS // 2 * len([q for q in defaults if q.has_digests])


def test_function_questions_declare_no_checks_and_pass_their_examples(sets):
    """check() judges a function by its public examples; a check declared on one would never run."""
    functions = [(s, q) for s in sets.values() for q in s.every_version() if q.is_function]
    assert len(functions) >= 5
    for exercise_set, question in functions:
        assert not question.checks, question.id
        status, message = checking.verdict(question.id, {question.name: question.reference})
        assert status == "passed" and message.startswith(f"✅ {question.id} passed the public checks"), message


def test_the_reported_ex02_13_answer_is_told_it_is_wrong_not_out_of_range(sets):
    params = sets["ex02"].parameters  # k13 = 11: paddings 3 and 4 are in range, and wrong
    assert params["k13"] == 11
    status, message = checking.verdict("ex02.13", {**params, "paddings13": [3, 4]})
    assert status == "wrong" and message.startswith("❌ ex02.13: not the expected answer."), message
    status, message = checking.verdict("ex02.13", {**params, "paddings13": [3, 11]})
    assert message.startswith("❌ ex02.13: List only paddings with 0 <= p <= k13 - 1."), message


def test_a_check_that_cannot_run_is_never_shown_as_its_message(sets):
    """A check raising on an answer says nothing about it: neither check() nor the grader shows it."""
    assert checking.check_holds("answer[5] > 0", {}, (1, 2)) is None
    assert checking.check_holds("all(p < k for p in answer)", {"k": 3}, (1, 2)) is True
    assert checking.check_holds("all(p < k for p in answer)", {"k": np.int64(2)}, (1, 2)) is False
    public = {"id": "ex02.2", "checks": [{"test": "answer[5] > 0", "message": "never true of this", "uses": []},
                                         {"test": "answer > k", "message": "must exceed k", "uses": ["k"]}]}
    assert checking._failed_check(public, 2, {"k": 1}) is None
    assert checking._failed_check(public, 1, {"k": 1})["message"] == "must exceed k"
    question = sets["ex02"].question("ex02.2")
    raising = Question(question.id, question.name, question.title, question.points, question.kind,
                       answer=question.answer, checks=[Check("answer[5] > 0", "never true of this")])
    params = sets["ex02"].parameters
    assert grader._public_messages(raising, params, question.answer(params) + 1) == []
    assert grader._public_messages(question, params, 0) == [f"Public check: {question.checks[0].message}"]


def test_parameters_reach_checks_as_plain_data():
    """A numpy array in the notebook and the declaration's list give a check the same value."""
    for value in (np.array([[1, 2], [3, 4]]), [[1, 2], [3, 4]], ((1, 2), (3, 4))):
        assert checking.check_holds("w == ((1, 2), (3, 4)) and len(answer) == len(w[0])", {"w": value}, (0, 0))
    assert checking.check_holds("k + answer == 5", {"k": Fraction(4)}, 1)
