"""Choice and Order questions: answers written as letters, per-option check() verdicts, the grader.

Also: check() never prints an expected value (a function's public example, an expression's
public points), since it may be another question's answer.
"""

import json
import string
import sys

import nbformat
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.grading import _encode, _probe
from course_lib.grading import checking as check_module
from course_lib.grading._encode import encode
from course_lib.grading.grader import Options, grade_many
from course_lib.grading.kinds import (
    Choice, Expression, Function, Int, IntTuple, Order, answer_digest, kind_from_json, read_letters,
)
from course_lib.grading.spec import ExerciseSet, HiddenGroup, Mistake, Question
from course_lib.grading.values import SetValue, decode

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent

CLAIMS = Choice(
    ("s = 1 keeps every output unit", "p = 0 adds zeros", "k = 1 copies the input (times w)", "d = 2 doubles k"),
    option_hints={"B": "p = 0 means no zeros at all.", "C": "A 1x1 kernel multiplies each unit by its one weight.",
                  "D": "Dilation d makes the kernel span d(k - 1) + 1 units, not 2k."},
)
SINGLE = Choice(("floor", "ceil", "round"), multiple=False,
                option_hints={"B": "Ceil would let the kernel hang over the padded input.",
                              "A": "This hint would name the right option; it is never shown."})
STEPS = Order(("slide the kernel", "pad the input", "add the bias"))
I = sympy.Symbol("i", integer=True)


def questions():
    return [
        Question("ex97.1", "claims", "True claims", 2, CLAIMS, answer=lambda P: ("A", "C"),
                 mistakes=[Mistake(lambda P: ("A", "B", "C"), "Padding 0 adds nothing.")],
                 hint="Take the claims one by one."),
        Question("ex97.2", "rounding", "Which rounding", 1, SINGLE, answer=lambda P: "A",
                 hint="The kernel must fit."),
        Question("ex97.3", "steps", "Steps in order", 3, STEPS, answer=lambda P: ("B", "A", "C"),
                 mistakes=[Mistake(lambda P: ("A", "B", "C"), "Pad before you slide: the kernel needs the zeros.")],
                 hint="What must exist before the kernel can slide?"),
        Question("ex97.4", "span", "Span of a stack", 1, Function(result=IntTuple()),
                 reference=lambda n: (n * 111_111, n), examples=[(4,)],
                 hidden=[HiddenGroup("small", cases=[(5,)])]),
        Question("ex97.5", "o_expr", "A size", 1, Expression({"i": (1, 9)}), answer=lambda P: 3 * I + 1000,
                 points_at=[{"i": 7}]),
    ]


def exercise_set(feedback="full"):
    return ExerciseSet("ex97", "97_choices.ipynb", "Choices and orders", {}, questions(), feedback=feedback)


def roundtrip(value):
    return decode(encode(value))


@pytest.fixture
def public(monkeypatch, tmp_path):
    """check() reading ex97's public file, written by the release code from the declaration above."""
    def use(feedback="full"):
        (tmp_path / "ex97.json").write_text(exercise_set(feedback).public_json())
        monkeypatch.setattr(check_module, "_PUBLIC_DIR", tmp_path)
        check_module._public.cache_clear()
        return json.loads((tmp_path / "ex97.json").read_text())
    yield use
    check_module._public.cache_clear()


# --- the kinds --------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", ["AC", "ac", "A, C", "a c", " c,a ", "A,C,", ["A", "C"], ("c", "a"),
                                    {"A", "C"}, frozenset("ca"), np.array(["A", "C"]), [" a", "C "]])
def test_every_documented_way_of_writing_letters_is_read_alike(answer):
    value = roundtrip(answer)
    assert CLAIMS.form(value) is None
    assert CLAIMS.canonical(value) == "AC"
    assert CLAIMS.compare(value, ("A", "C")).fraction == 1


def test_none_chosen_is_an_answer_of_a_multiple_choice_and_no_answer_of_a_single_one():
    for nothing in ("", " , ", [], (), set()):
        assert CLAIMS.form(roundtrip(nothing)) is None and CLAIMS.canonical(roundtrip(nothing)) == ""
        assert SINGLE.form(roundtrip(nothing)) == "Choose one option (one letter of A–C); your answer names none."
    assert CLAIMS.compare(roundtrip(""), ()).fraction == 1
    assert CLAIMS.compare(roundtrip(""), ("A", "C")).fraction == sympy.Rational(1, 2)


@pytest.mark.parametrize("kind, answer, message", [
    (CLAIMS, "AE", "Your answer names E, but the options are lettered A–D."),
    (CLAIMS, "ACA", "Your answer names A twice."),
    (CLAIMS, ["A", "a", "a"], "Your answer names A more than once."),
    (CLAIMS, "A;C", 'Write the letters of your choice, such as "AD" or "A, D"; your answer also holds \';\'.'),
    (CLAIMS, "A\u200bC", "your answer also holds a character that is no letter, comma or space."),
    (CLAIMS, ["AC"], "item 1 of your answer is 'AC', not one letter."),
    (CLAIMS, ["A", 3], "item 2 of your answer is the number 3, not one letter."),
    (CLAIMS, 3, 'Expected the letters of the options you choose (such as "AD", or "" for none), '
                "but your answer is the number 3."),
    (SINGLE, "AB", "Choose one option; your answer names A and B."),
    (SINGLE, ["b", "c", "a"], "Choose one option; your answer names B, C and A."),
    (SINGLE, "D", "Your answer names D, but the options are lettered A–C."),
    (SINGLE, 2, "Expected one letter (A–C), but your answer is the number 2."),
    (STEPS, {"A", "B", "C"}, 'A set has no order: write the letters in order, such as "CAB" or ["C", "A", ...].'),
    (STEPS, "BA", "Your order leaves out C; put every item (A–C) in it once."),
    (STEPS, "B", "Your order leaves out A and C; put every item (A–C) in it once."),
    (STEPS, "BAA", "Your answer names A twice."),
    (STEPS, "BACD", "Your answer names D, but the items are lettered A–C."),
    (STEPS, "B-A-C", 'Write the letters in order, such as "CAB" or "C, A, B"; your answer also holds \'-\'.'),
])
def test_answers_of_the_wrong_form_get_a_sentence_saying_what_is_off(kind, answer, message):
    problem = kind.form(roundtrip(answer))
    assert problem is not None and problem.endswith(message), problem
    assert kind.canonical(roundtrip(answer)) is None
    assert kind.compare(roundtrip(answer), kind.letters[:1] if not isinstance(kind, Order) else "BAC").fraction == 0


def test_a_multiple_choice_gives_credit_per_option_and_names_the_wrong_ones():
    verdict = CLAIMS.compare(roundtrip("AB"), ("A", "C"))
    assert (verdict.fraction, verdict.message) == (sympy.Rational(1, 2),
                                                   "2 of 4 options are decided right; options B and C are not.")
    verdict = CLAIMS.compare(roundtrip("ACD"), ("A", "C"))
    assert (verdict.fraction, verdict.message) == (sympy.Rational(3, 4),
                                                   "3 of 4 options are decided right; option D is not.")
    assert CLAIMS.compare(roundtrip("BD"), ("A", "C")).fraction == 0
    assert CLAIMS.wrong_options(roundtrip("AB"), ("A", "C")) == ["B", "C"]
    assert CLAIMS.shown_hints(roundtrip("AB"), ["B", "C"]) == [("B", CLAIMS.option_hints["B"]),
                                                               ("C", CLAIMS.option_hints["C"])]


def test_a_single_choice_is_all_or_nothing_and_shows_only_the_chosen_options_hint():
    assert SINGLE.compare(roundtrip("a"), "A").fraction == 1
    verdict = SINGLE.compare(roundtrip("B"), "A")
    assert (verdict.fraction, verdict.message) == (0, "Option B is not the right choice.")
    wrong = SINGLE.wrong_options(roundtrip("B"), "A")
    assert wrong == ["A", "B"]
    assert SINGLE.shown_hints(roundtrip("B"), wrong) == [("B", SINGLE.option_hints["B"])]
    assert SINGLE.shown_hints(roundtrip("C"), SINGLE.wrong_options(roundtrip("C"), "A")) == []  # C has no hint


def test_an_order_gets_credit_per_position_and_names_the_first_that_is_off():
    assert STEPS.compare(roundtrip("b, a, c"), ("B", "A", "C")).fraction == 1
    verdict = STEPS.compare(roundtrip(["B", "C", "A"]), ("B", "A", "C"))
    assert verdict.fraction == sympy.Rational(1, 3)
    assert verdict.message == "1 of 3 items are in their right place; position 2 (counting from 1) is the first that is off."
    assert STEPS.compare(roundtrip("ABC"), ("B", "A", "C")).message.startswith("1 of 3 items")
    assert STEPS.compare(roundtrip("ACB"), "BAC").fraction == 0


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 8).flatmap(lambda n: st.tuples(
    st.just(n), st.sets(st.sampled_from(string.ascii_uppercase[:n])), st.sets(st.sampled_from(string.ascii_uppercase[:n])),
    st.sampled_from([", ", "", " "]), st.booleans())))
def test_choice_credit_is_the_share_of_options_decided_right(case):
    n, chosen, right, separator, lower = case
    kind = Choice(tuple(f"claim {m}" for m in range(n)))
    text = separator.join(sorted(chosen, reverse=True))
    value = roundtrip(text.lower() if lower else text)
    verdict = kind.compare(value, tuple(sorted(right)))
    assert verdict.fraction == sympy.Rational(n - len(chosen ^ right), n)
    assert kind.canonical(value) == "".join(sorted(chosen))
    assert set(kind.wrong_options(value, tuple(right))) == chosen ^ right
    digests = kind.option_digests("0a1b", tuple(right))
    assert kind.decided_wrongly("0a1b", value, digests) == sorted(chosen ^ right)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 8).flatmap(lambda n: st.tuples(st.permutations(string.ascii_uppercase[:n]),
                                                     st.permutations(string.ascii_uppercase[:n]))))
def test_order_credit_is_the_share_of_items_in_their_place(case):
    got, want = case
    kind = Order(tuple(f"step {m}" for m in range(len(got))))
    verdict = kind.compare(roundtrip(list(got)), tuple(want))
    places = sum(a == b for a, b in zip(got, want))
    assert verdict.fraction == sympy.Rational(places, len(got))
    if places < len(got):
        first = next(n for n, (a, b) in enumerate(zip(got, want), start=1) if a != b)
        assert f"position {first} (counting" in verdict.message


def test_the_kinds_roundtrip_through_the_public_file_with_their_texts_and_hints():
    for kind in (CLAIMS, SINGLE, STEPS, Choice(("yes", "no"))):
        rebuilt = kind_from_json(json.loads(json.dumps(kind.to_json())))
        assert rebuilt == kind and type(rebuilt) is type(kind)
    data = CLAIMS.to_json()
    assert data["options"][2] == "k = 1 copies the input (times w)" and data["option_hints"]["D"].startswith("Dilation")
    assert STEPS.to_json() == {"kind": "order", "items": ["slide the kernel", "pad the input", "add the bias"]}


@pytest.mark.parametrize("make, error, text", [
    (lambda: Choice("AB"), TypeError, "options must be a tuple of strings, got str"),
    (lambda: Choice(("only one",)), ValueError, "options must hold 2 to 26 texts, got 1"),
    (lambda: Choice(("a", 2)), TypeError, "options[1] must be a string, got int"),
    (lambda: Choice(("a", " ")), ValueError, "options[1] must not be empty"),
    (lambda: Choice(("a", "b"), multiple=1), TypeError, "multiple must be True or False, got int"),
    (lambda: Choice(("a", "b"), option_hints={"C": "x"}), ValueError, "option_hints keys must be option letters A and B, got 'C'"),
    (lambda: Choice(("a", "b"), option_hints={"a": "x"}), ValueError, "got 'a'"),
    (lambda: Choice(("a", "b"), option_hints={"A": ""}), ValueError, "option_hints['A'] must be a non-empty string"),
    (lambda: Choice(("a", "b"), option_hints={"A": 3}), TypeError, "option_hints['A'] must be a string, got int"),
    (lambda: Choice(("a", "b"), option_hints=[("A", "x")]), TypeError, "option_hints must be a dict"),
    (lambda: Order(tuple("abcdefghijklmnopqrstuvwxyz!")), ValueError, "items must hold 2 to 26 texts, got 27"),
    (lambda: Order(["a", None]), TypeError, "items[1] must be a string, got NoneType"),
])
def test_bad_declarations_are_refused_with_the_parameter_named(make, error, text):
    with pytest.raises(error) as raised:
        make()
    assert text in str(raised.value)


def test_an_expected_answer_of_the_wrong_form_is_an_instructors_error():
    with pytest.raises(ValueError, match="is not one letter"):
        SINGLE.compare(roundtrip("A"), ("A", "B"))
    with pytest.raises(ValueError, match="not of its own kind"):
        Question("ex97.9", "x", "T", 1, STEPS, answer=lambda P: "AB").digest_entry({}, "00")


# --- encoding in the kernel ---------------------------------------------------------------------

def probe(value):
    """What the grader's probe reads from a kernel holding ``answer = value`` (without a kernel)."""
    import contextlib
    import io

    scope = {"__name__": "course_probe"}
    exec(__import__("inspect").getsource(_encode), scope)
    exec(__import__("inspect").getsource(_probe), scope)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        scope["read_value"]({"answer": value}, json.dumps({"id": "q", "name": "answer", "tag": "T"}))
    tag, _, payload = out.getvalue().strip().partition(" ")
    return decode(json.loads(payload)["value"])


def test_strings_lists_and_sets_of_strings_pass_the_probe():
    class Rigged(str):
        def upper(self):
            return "ABCD"

        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    assert probe("A, c") == "A, c" and type(probe(Rigged("a"))) is str
    assert probe(["A", "C"]) == ("A", "C") and probe(("C", "A", "B")) == ("C", "A", "B")
    assert isinstance(probe({"A", "C"}), SetValue) and sorted(probe({"A", "C"}).items) == ["A", "C"]
    assert probe(np.array(["C", "A"])).entries == ("C", "A")
    assert CLAIMS.canonical(probe(Rigged("b"))) == "B" and STEPS.canonical(probe([Rigged("c"), "a", "b"])) == "CAB"


# --- declarations: digests, separation ---------------------------------------------------------

def test_digest_entries_hold_one_digest_per_option_for_a_multiple_choice_only():
    entry = exercise_set().question("ex97.1").digest_entry({}, "ab")
    assert entry["answer"] == [answer_digest("ab", "AC")]
    assert entry["options"] == [answer_digest("ab", f"{letter}:{int(letter in 'AC')}") for letter in "ABCD"]
    assert [n for _, n in entry["mistakes"]] == [0]
    assert "options" not in exercise_set().question("ex97.2").digest_entry({}, "ab")
    steps = exercise_set().question("ex97.3").digest_entry({}, "ab")
    assert steps["answer"] == [answer_digest("ab", "BAC")] and steps["mistakes"] == [[answer_digest("ab", "ABC"), 0]]


def test_separation_problems_see_a_mistake_written_another_way():
    same = Question("ex97.1", "claims", "T", 1, CLAIMS, answer=lambda P: ("A", "C"),
                    mistakes=[Mistake(lambda P: "c, a", "same as the answer"), Mistake(lambda P: ["B"], "b"),
                              Mistake(lambda P: {"B"}, "b again")])
    assert same.separation_problems({}) == ["ex97.1: mistake 0 ('same as the answer') gives the answer",
                                            "ex97.1: mistake 2 ('b again') gives the same answer as mistake 1"]
    order = Question("ex97.3", "steps", "T", 1, STEPS, answer=lambda P: ("B", "A", "C"),
                     mistakes=[Mistake(lambda P: "bac", "the answer"), Mistake(lambda P: "ABC", "a real mistake")])
    assert order.separation_problems({}) == ["ex97.3: mistake 0 ('the answer') gives the answer"]
    assert exercise_set().separation_problems({}) == []


def test_the_public_file_holds_the_texts_and_hints_but_no_plain_answer(public):
    data = public()
    claims, rounding, steps = data["questions"][:3]
    assert kind_from_json(claims["kind"]) == CLAIMS and kind_from_json(steps["kind"]) == STEPS
    assert len(claims["digests"][next(iter(claims["digests"]))]["options"]) == 4
    text = json.dumps(data)
    for plain in ('"AC"', '"BAC"', "'A', 'C'", '["A", "C"]', '["B", "A", "C"]', '"B", "A", "C"'):
        assert plain not in text


# --- check() ------------------------------------------------------------------------------------

def test_check_ticks_a_right_choice_or_order_in_any_accepted_form(public):
    public()
    for name, qid, forms in (("claims", "ex97.1", ["AC", "c, a", ["A", "C"], {"c", "a"}, np.array(["A", "C"])]),
                             ("rounding", "ex97.2", ["A", "a", ["A"], {"a"}]),
                             ("steps", "ex97.3", ["BAC", "b, a, c", ["B", "A", "C"], ("b", "a", "c")])):
        for form in forms:
            status, message = check_module.verdict(qid, {name: form})
            assert (status, message.splitlines()[0]) == ("passed", f"✅ {qid} is right for your parameters. "
                                                         "The grader will confirm it when it grades, for its "
                                                         f"{exercise_set().question(qid).points:g} point"
                                                         f"{'s' if qid != 'ex97.2' else ''}."), (form, message)


def test_check_names_the_options_decided_wrongly_and_their_hints_never_which_way(public):
    public()
    status, message = check_module.verdict("ex97.1", {"claims": "ACD"})
    assert status == "wrong"
    assert message == ("❌ ex97.1: option D is decided wrongly; the other 3 options are right.\n"
                       f"   option D: {CLAIMS.option_hints['D']}")
    status, message = check_module.verdict("ex97.1", {"claims": "C"})
    assert message == ("❌ ex97.1: option A is decided wrongly; the other 3 options are right.\n"
                       "   Hint: Take the claims one by one.")  # A has no hint: the question's general one
    status, message = check_module.verdict("ex97.1", {"claims": "BD"})
    assert message == ("❌ ex97.1: 4 of the 4 options are decided wrongly; check() names an option once it is the "
                       "only one left.\n   Hint: Take the claims one by one.")


def test_check_names_an_option_only_when_it_is_the_only_one_off(public):
    """Naming every option decided wrongly would turn one call with "" (or with one true letter of
    a question with few true options) into the answer key."""
    public()
    for answer, count in (("", 2), ("ABCD", 2), ("B", 3), ("AD", 2)):
        status, message = check_module.verdict("ex97.1", {"claims": answer})
        first = message.splitlines()[0]
        assert status == "wrong" and first.startswith(f"❌ ex97.1: {count} of the 4 options"), message
        assert "option A" not in message and "option C" not in message and "option D:" not in message, message
    for wrong in ("AD", "C", "BD", "", "ABCD"):
        message = check_module.verdict("ex97.1", {"claims": wrong})[1].lower()
        for word in ("true", "false", "should", "choose", "left out", "not chosen"):
            assert word not in message, (wrong, message)


def test_check_shows_a_declared_mistakes_hint_with_the_options(public):
    public()
    status, message = check_module.verdict("ex97.1", {"claims": "ABC"})
    assert message == ("❌ ex97.1: option B is decided wrongly; the other 3 options are right.\n"
                       f"   option B: {CLAIMS.option_hints['B']}\n"
                       "   Hint: Padding 0 adds nothing.")
    status, message = check_module.verdict("ex97.3", {"steps": "abc"})
    assert (status, message) == ("wrong", "❌ ex97.3: not the expected answer; it is what a common mistake gives.\n"
                                          "   Hint: Pad before you slide: the kernel needs the zeros.")
    status, message = check_module.verdict("ex97.3", {"steps": "CAB"})
    assert (status, message) == ("wrong", "❌ ex97.3: not the expected answer.\n"
                                          "   Hint: What must exist before the kernel can slide?")


def test_check_of_a_single_choice_names_only_the_chosen_option(public):
    public()
    status, message = check_module.verdict("ex97.2", {"rounding": "b"})
    assert (status, message) == ("wrong", "❌ ex97.2: option B is not the right choice.\n"
                                          f"   option B: {SINGLE.option_hints['B']}")
    status, message = check_module.verdict("ex97.2", {"rounding": "C"})
    assert (status, message) == ("wrong", "❌ ex97.2: option C is not the right choice.\n   Hint: The kernel must fit.")
    for wrong in ("B", "C"):
        message = check_module.verdict("ex97.2", {"rounding": wrong})[1]
        assert "option A" not in message and SINGLE.option_hints["A"] not in message


def test_check_judges_the_form_first_and_only_the_form_in_an_exam(public):
    public()
    assert check_module.verdict("ex97.2", {"rounding": "AB"}) == (
        "wrong", "❌ ex97.2: Choose one option; your answer names A and B.\n   Hint: The kernel must fit.")
    assert check_module.verdict("ex97.3", {"steps": {"A", "B", "C"}})[1].startswith("❌ ex97.3: A set has no order")
    assert check_module.verdict("ex97.1", {"claims": ...})[0] == "not attempted"
    data = public("form-only")
    assert all("digests" not in q for q in data["questions"])
    for name, qid, right, wrong in (("claims", "ex97.1", "AC", "BD"), ("rounding", "ex97.2", "A", "C"),
                                    ("steps", "ex97.3", "BAC", "ABC")):
        said = {check_module.verdict(qid, {name: answer}) for answer in (right, wrong)}
        assert len(said) == 1 and next(iter(said))[0] == "form checked", said
    assert check_module.verdict("ex97.1", {"claims": "AX"})[0] == "wrong"


# --- check() never prints an expected value --------------------------------------------------------

def test_a_failed_public_example_names_the_call_but_not_the_expected_result(public):
    public()
    status, message = check_module.verdict("ex97.4", {"span": lambda n: (n, n)})
    assert (status, message.splitlines()[0]) == ("wrong", "❌ ex97.4: `span(4)` returned a result that is not the expected one.")
    status, message = check_module.verdict("ex97.4", {"span": lambda n: (n,)})
    assert message.splitlines()[0] == "❌ ex97.4: `span(4)` returned 1 item; the expected result has 2 items."
    status, message = check_module.verdict("ex97.4", {"span": lambda n: ((n, n),)})
    assert message.splitlines()[0] == "❌ ex97.4: `span(4)` returned something of the wrong form. Expected a list or tuple " \
                                      "of whole numbers, but item 1 of your answer is a list or tuple of 2 items, not a whole number."
    for wrong in (lambda n: (n, n), lambda n: (n,), lambda n: 7, lambda n: (444_443, 4)):
        assert "444444" not in check_module.verdict("ex97.4", {"span": wrong})[1]
    assert check_module.verdict("ex97.4", {"span": lambda n: (n * 111_111, n)})[0] == "passed"


def test_an_expression_wrong_at_a_public_point_gives_its_own_value_only(public):
    public()
    status, message = check_module.verdict("ex97.5", {"o_expr": 3 * I + 1})
    assert (status, message.splitlines()[0]) == ("wrong", "❌ ex97.5: At i=7 your expression gives 22, which is not right there.")
    assert "1021" not in message
    assert check_module.verdict("ex97.5", {"o_expr": 3 * I + 1000})[0] == "passed"


def test_the_course_function_examples_never_show_their_expected_results():
    """ex01.2's first public example returns a matrix: check() used to print it in full."""
    data = json.loads((ROOT / "course_lib" / "grading" / "public" / "ex01.json").read_text())
    question = next(q for q in data["questions"] if q["id"] == "ex01.2")
    example = question["examples"][0]
    expected = decode(example["expected"])
    rows = expected.rows() if hasattr(expected, "rows") else expected
    shape = (len(rows), len(rows[0]))
    status, message = check_module.verdict("ex01.2", {"conv2d_loop": lambda x, w, s, p: np.full(shape, -7.5)})
    assert status == "wrong" and example["call"] in message
    assert "returned a result that is not the expected one" in message
    assert not any(", ".join(map(str, row)) in message or str(list(row)) in message for row in rows)
    status, message = check_module.verdict("ex01.2", {"conv2d_loop": lambda x, w, s, p: np.zeros((shape[0] + 1, 1))})
    assert message.splitlines()[0].endswith(
        f"returned a {shape[0] + 1}x1 matrix; the expected result is {shape[0]}x{shape[1]}.")


# --- the grader, end to end ---------------------------------------------------------------------------

def answers_notebook(claims, rounding, steps):
    cells = ["import numpy as np", f"claims = {claims}", f"rounding = {rounding}", f"steps = {steps}",
             "def span(n):\n    return (n * 111_111, n)", "import sympy\ni = sympy.Symbol('i', integer=True)\no_expr = 3 * i + 1000"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    for cell in nb.cells:
        cell.pop("id", None)
    nb.nbformat_minor = 4
    return nb


SUBMISSIONS = {
    "right": ('"c, a"', '{"a"}', '["B", "A", "C"]'),
    "styles": ('np.array(["A", "C"])', '["a"]', '("b", "a", "c")'),
    "mistaken": ('"ABC"', '"B"', '"ABC"'),
    "half": ('"AD"', '"C"', '"BCA"'),
    "malformed": ('"AE"', '"AB"', '{"A", "B", "C"}'),
    "blank": ("...", "...", "..."),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if sys.platform != "linux":
        pytest.skip("the sandbox needs Linux")
    from course_lib.grading.sandbox import detect_sandbox

    sub = tmp_path_factory.mktemp("choices") / "submitted"
    for student, answers in SUBMISSIONS.items():
        (sub / student).mkdir(parents=True)
        nbformat.write(answers_notebook(*answers), sub / student / "97_choices.ipynb")
    results = grade_many(sorted(sub.rglob("*.ipynb")), {"ex97": exercise_set()}, Options(cell_timeout=20),
                         detect_sandbox("auto"), jobs=2, progress=False)
    return {r.student: r for r in results}


def points(result):
    return {q.id: q.points for q in result.questions}


def messages(result, qid):
    return next(q.messages for q in result.questions if q.id == qid)


def test_the_grader_gives_full_marks_to_right_answers_in_any_form(graded):
    for student in ("right", "styles"):
        assert graded[student].status == "ok" and graded[student].total == exercise_set().max_points, \
            [(q.id, q.messages) for q in graded[student].questions]


def test_the_grader_gives_credit_per_option_and_per_position_and_names_them(graded):
    half = graded["half"]
    assert points(half) == {"ex97.1": 1.0, "ex97.2": 0.0, "ex97.3": 1.0, "ex97.4": 1.0, "ex97.5": 1.0}
    assert messages(half, "ex97.1") == ["2 of 4 options are decided right; options C and D are not.",
                                        f"Option C: {CLAIMS.option_hints['C']}", f"Option D: {CLAIMS.option_hints['D']}"]
    assert messages(half, "ex97.2") == ["Option C is not the right choice.", "Hint: The kernel must fit."]
    assert messages(half, "ex97.3") == ["1 of 3 items are in their right place; position 2 (counting from 1) is the "
                                        "first that is off.", "Hint: What must exist before the kernel can slide?"]


def test_the_grader_names_declared_mistakes_and_the_chosen_options_hint(graded):
    mistaken = graded["mistaken"]
    assert points(mistaken)["ex97.1"] == 1.5 and points(mistaken)["ex97.2"] == 0 and points(mistaken)["ex97.3"] == 1
    assert messages(mistaken, "ex97.1") == ["3 of 4 options are decided right; option B is not.",
                                            f"Option B: {CLAIMS.option_hints['B']}",
                                            "This is a common mistake: Padding 0 adds nothing."]
    assert messages(mistaken, "ex97.2") == ["Option B is not the right choice.", f"Option B: {SINGLE.option_hints['B']}"]
    assert messages(mistaken, "ex97.3")[-1] == "This is a common mistake: Pad before you slide: the kernel needs the zeros."
    for result in graded.values():
        for question in result.questions:
            assert not any(SINGLE.option_hints["A"] in m for m in question.messages)


def test_the_grader_explains_a_wrong_form_and_an_empty_answer(graded):
    malformed, blank = graded["malformed"], graded["blank"]
    assert points(malformed) == {"ex97.1": 0.0, "ex97.2": 0.0, "ex97.3": 0.0, "ex97.4": 1.0, "ex97.5": 1.0}
    assert messages(malformed, "ex97.1")[0] == "Your answer names E, but the options are lettered A–D."
    assert messages(malformed, "ex97.2")[0] == "Choose one option; your answer names A and B."
    assert messages(malformed, "ex97.3")[0].startswith("A set has no order")
    assert [q.status for q in blank.questions[:3]] == ["not attempted"] * 3


def test_check_without_option_digests_says_only_wrong(public, tmp_path):
    data = public()
    for entry in data["questions"][0]["digests"].values():
        del entry["options"]
    (tmp_path / "ex97.json").write_text(json.dumps(data))
    check_module._public.cache_clear()
    assert check_module.verdict("ex97.1", {"claims": "AD"}) == (
        "wrong", "❌ ex97.1: not the expected choice.\n   Hint: Take the claims one by one.")
    assert check_module.verdict("ex97.1", {"claims": "CA"})[0] == "passed"
