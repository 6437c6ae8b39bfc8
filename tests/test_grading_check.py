"""check() tells right from wrong by salted digests, names declared mistakes, and ships no answer."""

import dataclasses
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy

from course_lib.grading import checking as check_module
from course_lib.grading._encode import encode
from course_lib.grading.kinds import Choice, Int, IntTuple, Matrix, Number, Order
from course_lib.grading.release import Layout, release, release_variants
from course_lib.grading.spec import load_sets
from course_lib.grading.values import decode

ROOT = Path(__file__).resolve().parent.parent
SECRET = b"a test secret, not the course's one"
STUDENTS = ["alice", "bob", "carol", "dave", "erin", "frank"]
ARRAYS = {"x10", "w10"}  # parameters a notebook holds as numpy arrays


@pytest.fixture(scope="module")
def sets():
    return load_sets(ROOT / "instructor" / "sets")


@pytest.fixture(scope="module")
def roster_public(sets, tmp_path_factory):
    """The public checks files of a roster release (the defaults and every student's variant)."""
    out = tmp_path_factory.mktemp("release")
    release_variants(Layout(ROOT), sets, STUDENTS, SECRET, out)
    return out / "course_lib" / "grading" / "public"


@pytest.fixture
def public_dir(monkeypatch):
    """Point check() at another public folder for one test."""
    def use(folder: Path):
        monkeypatch.setattr(check_module, "_PUBLIC_DIR", folder)
        check_module._public.cache_clear()
    yield use
    check_module._public.cache_clear()


def value_questions(sets):
    return [(s, q) for s in sets.values() for q in s.every_version() if q.has_digests]


def namespace_for(params: dict, name: str, value) -> dict:
    namespace = {k: np.array(v) if k in ARRAYS else v for k, v in params.items()}
    namespace[name] = value
    return namespace


def accepted(kind, value) -> set:
    return set(kind.accepted(decode(encode(value))))


def right_forms(kind, value) -> list:
    """The expected answer written in several ways the grader accepts."""
    if isinstance(kind, Int):
        return [value, float(value), np.int64(value), Fraction(value), sympy.Integer(value)]
    if isinstance(kind, Number):
        return [value, np.float64(value), float(f"{value:.4g}")]
    if isinstance(kind, IntTuple) and kind.unordered:
        return [list(value), list(reversed(value)), set(value)]
    if isinstance(kind, IntTuple) and any(isinstance(x, (tuple, list)) for x in value):  # tuples of tuples
        return [tuple(tuple(x) for x in value), [list(x) for x in value]]
    if isinstance(kind, IntTuple):
        return [tuple(value), list(value), np.array(value), tuple(float(x) for x in value)]
    if isinstance(kind, Choice) and not kind.multiple:
        return [value, value.lower(), [value], {value}]
    if isinstance(kind, Choice):
        return ["".join(value), ", ".join(value).lower(), list(value), set(value)]
    if isinstance(kind, Order):
        return ["".join(value), ", ".join(value), list(value), tuple(x.lower() for x in value)]
    if isinstance(kind, Matrix):
        rows = matrix_rows(value)
        if any(isinstance(x, sympy.Basic) and not x.is_number for row in rows for x in row):  # symbolic
            return [sympy.Matrix(rows), rows, sympy.ImmutableMatrix(rows)]
        return [np.array(rows), np.array(rows, dtype=float), sympy.Matrix(rows), rows]
    raise AssertionError(f"no forms for {kind}")


def matrix_rows(value) -> list:
    """A matrix answer (nested lists, numpy array or SymPy Matrix) as a list of lists."""
    return value.tolist() if hasattr(value, "tolist") else [list(r) for r in value]


def wrong_candidates(kind, value) -> list:
    """Answers of the right form that are near the expected one, but not it."""
    if isinstance(kind, Int):
        return [value + d for d in (1, -1, 2, -2, 3, 5)]
    if isinstance(kind, Number):
        return [value * f for f in (1.1, 0.9, 1.3, 0.7)]
    if isinstance(kind, IntTuple) and kind.unordered:
        # One item too many: a triple for ex02.8's settings, a number for lists of numbers.
        extra = (5, 3, 4)[:kind.item_length] if kind.item_length else max(value, default=0) + 1
        return [list(value)[1:], list(value) + [extra]] if len(value) > 1 else [list(value) + [extra]]
    if isinstance(kind, IntTuple) and any(isinstance(x, (tuple, list)) for x in value):  # tuples of tuples
        bumped = lambda item, d: (item[0] + d, *item[1:]) if len(item) else (d,)  # noqa: E731
        return [tuple(value[:n]) + (bumped(tuple(value[n]), d),) + tuple(value[n + 1:])
                for d in (1, 2) for n in range(len(value))]
    if isinstance(kind, IntTuple):
        return [tuple(value[:n]) + (value[n] + d,) + tuple(value[n + 1:]) for d in (1, 2) for n in range(len(value))]
    if isinstance(kind, Choice) and not kind.multiple:
        return [letter for letter in kind.letters if letter != value]
    if isinstance(kind, Choice):  # one option decided the other way
        return ["".join(sorted(set(value) ^ {letter})) for letter in kind.letters]
    if isinstance(kind, Order):  # two neighbours swapped
        return ["".join(value[:n]) + value[n + 1] + value[n] + "".join(value[n + 2:]) for n in range(len(value) - 1)]
    if isinstance(kind, Matrix):
        changed = []
        for d in (1, 2, -1):
            rows = sympy.Matrix(matrix_rows(value))
            rows[0, 0] += d
            changed.append(rows if rows.free_symbols else np.array(rows.tolist(), dtype=float))
        return changed
    raise AssertionError(f"no wrong answers for {kind}")


def variants(sets, exercise_set, question=None):
    """The defaults and the roster's parameters; with ``question``, only those that hold it (a pool's version)."""
    every = [("defaults", exercise_set.parameters)] + [
        (student, exercise_set.parameters_for(student, SECRET)) for student in STUDENTS]
    return [(who, params) for who, params in every
            if question is None or any(question is q for q in exercise_set.questions_at(params))]


def is_right(question, params, value) -> bool:
    return question.kind.canonical(decode(encode(value))) in accepted(question.kind, question.answer(params))


def expected_hint_number(question, params, value):
    """The number of the first declared mistake this value counts as, or None.

    A mistake that can be mistaken for the right answer with these parameters is not published.
    """
    right = accepted(question.kind, question.answer(params))
    got = question.kind.canonical(decode(encode(value)))
    for number, mistake in enumerate(question.mistakes):
        if mistake.answer(params) is None:  # the mistake cannot happen for these parameters
            continue
        wrong = accepted(question.kind, mistake.answer(params))
        if wrong & right:
            continue
        if got in wrong:
            return number
    return None


def test_every_value_question_of_ex02_and_ex03_declares_mistakes(sets):
    for _, question in value_questions(sets):
        if isinstance(question.kind, Choice) and not question.mistakes:
            # a choice's options carry its misconceptions: each must have its hint
            assert set(question.kind.option_hints) == set(question.kind.letters), question.id
            continue
        assert question.mistakes, question.id
        assert all(m.hint.strip() for m in question.mistakes)
    hints = [m.hint for m in sets["ex02"].question("ex02.2").mistakes]
    assert len(hints) == 2 and "padding" in hints[0] and "(2p)" in hints[1]


@pytest.mark.parametrize("where", ["committed", "roster"])
def test_right_answers_in_every_accepted_form_get_a_tick(sets, roster_public, public_dir, where):
    if where == "roster":
        public_dir(roster_public)
    for exercise_set, question in value_questions(sets):
        held = variants(sets, exercise_set, question)
        for who, params in (held if where == "roster" else [(w, p) for w, p in held if w == "defaults"]):
            right = question.answer(params)
            for form in right_forms(question.kind, right):
                status, message = check_module.verdict(question.id, namespace_for(params, question.name, form))
                assert status == "passed", (question.id, who, form, message)
                assert message.startswith(f"✅ {question.id} is right for your parameters")
                assert f"for its {question.points:g} point" in message


def test_wrong_answers_get_a_cross_and_the_general_hint_not_a_mistake_hint(sets, roster_public, public_dir):
    public_dir(roster_public)
    generic = 0
    for exercise_set, question in value_questions(sets):
        hints = [m.hint for m in question.mistakes]
        for who, params in variants(sets, exercise_set, question)[:3]:
            right = question.answer(params)
            for value in wrong_candidates(question.kind, right):
                if is_right(question, params, value) or expected_hint_number(question, params, value) is not None:
                    continue
                status, message = check_module.verdict(question.id, namespace_for(params, question.name, value))
                form = question.kind.form(decode(encode(value)))
                if form is not None:  # a candidate of the wrong form is told what is off with it
                    assert status == "wrong" and form in message, (question.id, who, value, message)
                    continue
                assert status == "wrong" and message.startswith(f"❌ {question.id}:"), (question.id, who, message)
                assert not any(hint in message for hint in hints), (question.id, who, value, message)
                if isinstance(question.kind, Choice):  # the options decided wrongly, with their hints
                    assert "decided wrongly" in message or "is not the right choice." in message, message
                    assert "Hint:" in message or "   option " in message, message
                    generic += 1
                elif "not the expected answer." in message:
                    assert message.endswith(f"Hint: {question.hint}")
                    generic += 1
                else:  # a public check objects first, with its own message
                    assert any(c.message in message for c in question.checks), message
    assert generic >= 2 * len(value_questions(sets))


def test_each_declared_mistake_gets_its_own_hint(sets, roster_public, public_dir):
    public_dir(roster_public)
    shown = set()
    for exercise_set, question in value_questions(sets):
        for who, params in variants(sets, exercise_set, question):
            for number, mistake in enumerate(question.mistakes):
                value = mistake.answer(params)
                if value is None:  # the mistake cannot happen for these parameters
                    continue
                if isinstance(question.kind, Matrix):
                    value = np.array(value)
                status, message = check_module.verdict(question.id, namespace_for(params, question.name, value))
                first = expected_hint_number(question, params, value)
                if is_right(question, params, value):  # for these parameters the mistake is right
                    assert status == "passed", (question.id, who, number, message)
                    continue
                if first is None:  # too close to the right answer to be told apart from it
                    assert status == "wrong" and "not the expected answer." in message
                    continue
                assert status == "wrong", (question.id, who, number, message)
                assert message.endswith(f"Hint: {question.mistakes[first].hint}"), (question.id, who, number, message)
                shown.add((question.id, first))
    declared = {(q.id, n) for _, q in value_questions(sets) for n in range(len(q.mistakes))}
    assert declared == shown, sorted(declared - shown)


def test_the_padding_mistakes_of_ex02_2(sets):
    params = dict(sets["ex02"].parameters)  # i2, k2, p2 = 5, 4, 2: the right answer is 6
    status, message = check_module.verdict("ex02.2", namespace_for(params, "o2", 2))
    assert status == "wrong" and "padding" in message and "✅" not in message
    assert check_module.verdict("ex02.2", namespace_for(params, "o2", 4))[1].endswith(
        "Hint: You counted the padding once; it is added on both sides (2p).")
    assert check_module.verdict("ex02.2", namespace_for(params, "o2", 6))[0] == "passed"
    shape = check_module.verdict("ex02.4", namespace_for(params, "shape4", (params["h4"], params["w4"])))
    assert shape[0] == "wrong" and "input's shape" in shape[1]
    zeros = check_module.verdict("ex02.10", namespace_for(params, "y10", np.zeros((3, 3))))
    assert zeros[0] == "wrong" and "not the expected answer" in zeros[1]
    flipped = check_module.verdict("ex02.10", namespace_for(params, "y10", np.array(
        sets["ex02"].question("ex02.10").mistakes[0].answer(params))))
    assert flipped[0] == "wrong" and "that is the flipped kernel" in flipped[1].lower()


def test_expression_mistakes_are_named_at_the_public_points(sets):
    for set_id, qid in (("ex02", "ex02.9"), ("ex03", "ex03.8")):
        question = sets[set_id].question(qid)
        params = sets[set_id].parameters
        assert question.mistakes
        for mistake in question.mistakes:
            status, message = check_module.verdict(qid, {question.name: mistake.answer(params)})
            assert status == "wrong" and message.endswith(f"Hint: {mistake.hint}"), (qid, message)
        assert check_module.verdict(qid, {question.name: question.answer(params)})[0] == "passed"
        status, message = check_module.verdict(qid, {question.name: question.answer(params) + 7})
        assert status == "wrong" and "which is not right there." in message
        assert not any(m.hint in message for m in question.mistakes)


def test_form_checks_come_first(sets):
    params = sets["ex02"].parameters
    status, message = check_module.verdict("ex02.4", namespace_for(params, "shape4", (3, 3, 3)))
    assert status == "wrong" and "Expected 2 items" in message
    status, message = check_module.verdict("ex02.1", namespace_for(params, "o1", "2"))
    assert status == "wrong" and "whole number" in message


def test_edited_parameters_mean_check_can_no_longer_judge(sets):
    params = dict(sets["ex02"].parameters)
    namespace = namespace_for(params, "o2", 6)
    namespace["p2"] = 3
    for answer in (6, 8):  # right for the released numbers, and right for the edited ones
        namespace["o2"] = answer
        status, message = check_module.verdict("ex02.2", namespace)
        assert status == "cannot judge" and "cannot judge this answer here" in message and "original" in message
        assert "✅" not in message and "❌" not in message
        # no check file and no notebook released for a student here: both reasons, and where it looked
        assert "Either they were edited" in message and f"looked for it in {Path.cwd().resolve()}" in message
        assert "check file check_files/ex02.json is missing" in message
    namespace["o2"] = 6.5  # form checks still run
    assert check_module.verdict("ex02.2", namespace)[0] == "wrong"
    namespace = namespace_for(params, "y10", np.array(sets["ex02"].question("ex02.10").answer(params)))
    namespace["x10"] = namespace["x10"].copy()
    namespace["x10"][0, 0] += 1
    assert check_module.verdict("ex02.10", namespace)[0] == "cannot judge"
    namespace["x10"][0, 0] -= 1
    assert check_module.verdict("ex02.10", namespace)[0] == "passed"
    # An edit to a parameter the question does not read changes nothing.
    namespace["i1"] = 99
    assert check_module.verdict("ex02.10", namespace)[0] == "passed"


# A public check's text that writes a file: _SAFE_BUILTINS lack open(), but a class's globals have it.
WRITES_A_FILE = ("[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'catch_warnings'][0]()"
                 "._module.__builtins__['open']({marker!r}, 'w').close() is None")


def test_a_planted_check_file_runs_nothing_and_the_course_judges_with_its_own_checks(sets, tmp_path, monkeypatch):
    """check_files/ex02.json in the kernel's folder, as an earlier release wrote them (the whole public file
    with alice's digests), whose public checks, hints and examples were replaced: check() reads only its digests."""
    marker = tmp_path / "written by a check file"
    alice = sets["ex02"].parameters_for("alice", SECRET)
    data = json.loads(sets["ex02"].public_json([alice], SECRET))
    for question in data["questions"]:
        question["checks"] = [{"test": WRITES_A_FILE.format(marker=str(marker)), "uses": [], "message": "planted"}]
        question["hint"] = "planted hint"
        for example in question.get("examples", []):
            example.update(call="planted()", expected=encode(None))
    (tmp_path / check_module.CHECK_FILES).mkdir()
    (tmp_path / check_module.CHECK_FILES / "ex02.json").write_text(json.dumps(data))
    monkeypatch.chdir(tmp_path)
    own = {q["id"]: q for q in json.loads((ROOT / "course_lib/grading/public/ex02.json").read_text())["questions"]}
    defaults, o1 = sets["ex02"].parameters, sets["ex02"].question("ex02.1")
    assert o1.answer(alice) != o1.answer(defaults)
    for params in (defaults, alice):  # alice's right answer is right by the file's digests
        assert check_module.verdict("ex02.1", namespace_for(params, "o1", o1.answer(params)))[0] == "passed"
        for answer in (o1.answer(params) + 7, 0):  # 0 fails the course's own public check
            status, message = check_module.verdict("ex02.1", namespace_for(params, "o1", answer))
            assert status == "wrong" and "planted" not in message and message.endswith(own["ex02.1"]["hint"])
        assert own["ex02.1"]["checks"][0]["message"] in message
    function = sets["ex02"].question("ex02.17")
    status, message = check_module.verdict("ex02.17", {function.name: function.reference})
    assert status == "passed" and f"({len(own['ex02.17']['examples'])} examples)" in message
    status, message = check_module.verdict("ex02.17", {function.name: lambda *args: 1 / 0})
    assert status == "wrong" and f"`{own['ex02.17']['examples'][0]['call']}` raised ZeroDivisionError" in message
    assert not marker.exists()


def test_a_form_only_set_ships_no_digests_and_says_so(sets, tmp_path, public_dir):
    exam = dataclasses.replace(sets["ex02"], feedback="form-only")
    text = exam.public_json()
    data = json.loads(text)
    assert data["feedback"] == "form-only"
    assert all(not {"digests", "mistake_hints", "points_at"} & set(q) and q["checks"] == []
               for q in data["questions"])
    assert "padding once" not in text
    (tmp_path / "ex02.json").write_text(text)
    public_dir(tmp_path)
    params = exam.parameters
    for value in (6, 2):  # right and wrong get the same answer
        status, message = check_module.verdict("ex02.2", namespace_for(params, "o2", value))
        assert status == "form checked"
        assert "form checked" in message and "gives no right/wrong feedback before grading" in message
    assert check_module.verdict("ex02.2", namespace_for(params, "o2", 2.5))[0] == "wrong"
    i, k, s, p = sympy.symbols("i k s p", integer=True)
    assert check_module.verdict("ex02.9", {"o_expr": (i + k) / s})[0] == "form checked"


def test_public_files_hold_no_plain_answer(sets, roster_public):
    for exercise_set in sets.values():
        for folder in (ROOT / "course_lib" / "grading" / "public", roster_public):
            text = (folder / f"{exercise_set.id}.json").read_text()
            for who, params in variants(sets, exercise_set):
                for question in exercise_set.questions_at(params):
                    if not question.has_digests:
                        continue
                    right = question.answer(params)
                    canonical = question.kind.canonical(decode(encode(right)))
                    # (short forms such as "[0]" also occur in the public checks' own text)
                    assert canonical not in text or isinstance(question.kind, Int) or len(canonical) < 6
                    if isinstance(question.kind, Matrix):
                        # rows of 3 or fewer numbers also occur in the questions' own inputs
                        for row in (r for r in matrix_rows(right) if len(r) > 3):
                            for shown in (json.dumps(row, default=str), ", ".join(map(str, row)),
                                          ",".join(map(str, row))):
                                assert shown not in text, (question.id, who, row)
                    if isinstance(question.kind, Number):
                        assert repr(right) not in text and f"{right:.3f}" not in text
                    if isinstance(question.kind, IntTuple) and not question.kind.unordered and len(right) > 2:
                        # (pairs like "2, 1" also occur in the questions' own inputs)
                        assert ", ".join(map(str, right)) not in text
            data = json.loads(text)
            for question in data["questions"]:
                assert "digests" not in question or not any(
                    "expected" in json.dumps(entry) for entry in question["digests"].values())


def test_roster_public_file_holds_every_variant_and_the_committed_defaults(sets, roster_public):
    for exercise_set in sets.values():
        committed = json.loads((ROOT / "course_lib" / "grading" / "public" / f"{exercise_set.id}.json").read_text())
        roster = json.loads((roster_public / f"{exercise_set.id}.json").read_text())
        for mine, theirs in zip(committed["questions"], roster["questions"]):
            for fingerprint, entry in mine.get("digests", {}).items():
                assert theirs["digests"][fingerprint] == entry
            if "digests" in mine and not mine["uses"]:  # an answer that reads no parameter: one entry
                assert len(theirs["digests"]) == 1
            elif "digests" in mine:
                assert 1 < len(theirs["digests"]) <= len(STUDENTS) + 1
                assert len({e["salt"] for e in theirs["digests"].values()}) == len(theirs["digests"])


def test_release_is_byte_stable(sets, tmp_path):
    result = subprocess.run([sys.executable, "-m", "course_lib.grading.cli", "release", "--check"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for run in ("first", "second"):
        release(Layout(ROOT, out=tmp_path / run), sets)
        release_variants(Layout(ROOT), sets, STUDENTS, SECRET, tmp_path / f"roster-{run}")
    for sub in ("course_lib/grading/public/ex02.json", "course_lib/grading/public/ex03.json"):
        assert (tmp_path / "first" / sub).read_bytes() == (tmp_path / "second" / sub).read_bytes()
        assert (tmp_path / "first" / sub).read_bytes() == (ROOT / sub).read_bytes()
        assert (tmp_path / "roster-first" / sub).read_bytes() == (tmp_path / "roster-second" / sub).read_bytes()
    release_variants(Layout(ROOT), sets, STUDENTS, b"another secret, another salt", tmp_path / "other")
    sub = "course_lib/grading/public/ex02.json"
    assert (tmp_path / "other" / sub).read_bytes() != (tmp_path / "roster-first" / sub).read_bytes()


def test_lesson_questions_are_judged_right_wrong_and_mistaken():
    """A lesson's check-yourself questions (lNN): right, a declared mistake's hint, plain wrong."""
    lessons = load_sets(ROOT / "instructor" / "lessons")
    assert {"l00", "l01", "l02"} <= set(lessons)
    for lesson in lessons.values():
        for question in lesson.questions:
            right = question.answer(lesson.parameters)       # the lesson's own numbers
            status, message = check_module.verdict(question.id, {question.name: right})
            assert (status, message) == ("passed", f"✅ {question.id} is right."), message
            for mistake in question.mistakes:
                wrong = mistake.answer(lesson.parameters)
                if wrong is None:  # the slip cannot happen with these numbers
                    continue
                status, message = check_module.verdict(question.id, {question.name: wrong})
                assert status == "wrong" and mistake.hint in message, (question.id, wrong, message)
            status, message = check_module.verdict(question.id, {question.name: ...})
            assert status == "not attempted"


def test_no_notebook_promises_a_verdict_mark_that_check_no_longer_shows():
    """check() leads with a word; the marks it strips from its messages (✅ ❌ ⏳ ☑ ❓) must not be
    what a lesson or exercise tells students to look for."""
    import nbformat

    marks = set("✅❌⏳☑❓")
    assert all(check_module._GLYPH.match(mark) for mark in marks)  # the marks check() takes out
    found = []
    for notebook in sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("exercises/*.ipynb"),
                            *ROOT.glob("solutions/*.ipynb")]):
        for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
            if cell.cell_type == "markdown" and marks & set(cell.source):
                found.append(f"{notebook.relative_to(ROOT)}, cell {index + 1}")
    assert not found, found
