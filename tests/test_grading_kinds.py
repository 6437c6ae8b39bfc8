"""Answers as data: encoding in the kernel, safe decoding and comparison in the grader, check()."""

import contextlib
import io
import json
import random
from fractions import Fraction
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.grading import checking as check_module
from course_lib.grading._encode import decode_input, encode
from course_lib.grading.grader import _plan, _score_function, _score_value
from course_lib.grading.kinds import Expression, Int, IntTuple, Matrix, Number, kind_from_json
from course_lib.grading.markers import strip_solutions
from course_lib.grading.release import render_parameters
from course_lib.grading.spec import load_sets
from course_lib.grading.values import ArrayValue, Unsupported, UnsafeExpression, decode, evaluate_exact, parse_srepr

ROOT = Path(__file__).resolve().parent.parent


def roundtrip(value):
    """What the grader sees of a kernel value: encoded, sent as JSON text, decoded."""
    return decode(json.loads(json.dumps(encode(value))))


# --- encoding and decoding ---------------------------------------------------------------------

class AlwaysEqual:
    def __eq__(self, other):
        return True


class EqualInt(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


def test_rigged_objects_arrive_as_plain_values_or_type_names():
    assert roundtrip(AlwaysEqual()) == Unsupported("AlwaysEqual")
    got = roundtrip(EqualInt(999))
    assert type(got) is int and got == 999
    assert Int().compare(got, 20).fraction == 0
    assert Int().compare(roundtrip(AlwaysEqual()), 20).fraction == 0
    assert IntTuple(length=2).compare(roundtrip((AlwaysEqual(), EqualInt(3))), (2, 2)).fraction == 0


def test_numpy_and_sympy_values_roundtrip():
    assert roundtrip(np.int64(7)) == 7
    assert roundtrip(np.array([[1, 2], [3, 4]])) == ArrayValue((2, 2), (1, 2, 3, 4), "numpy")
    matrix = roundtrip(sympy.Matrix([[sympy.Symbol("w"), 1]]))
    assert matrix.shape == (1, 2) and matrix.entries == (sympy.Symbol("w"), 1)
    i, s = sympy.symbols("i s", integer=True)
    assert roundtrip(sympy.floor(i / s) + 1) == sympy.floor(i / s) + 1
    assert roundtrip(...) is Ellipsis
    assert roundtrip((1, [2.5, None])) == (1, (2.5, None))
    assert decode_input(json.loads(json.dumps([{"tuple": ["fc", 3]}]))) == [("fc", 3)]


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch /tmp/pwned')",
    "Symbol('x').__class__",
    "Integer(1).evalf()",
    "eval('1')",
    "Pow(Integer(10), Integer(100000000))",
    "Pow(Pow(Integer(10), Integer(64)), Integer(64))",
    "Integer(" + "9" * 200 + ")",
    "Function('f')(Symbol('x'))",
    "Symbol('x', evaluate=True)",
    "lambda: 1",
    "(" * 5000 + "1" + ")" * 5000,
    "Add(" * 300 + "Integer(1)" + ")" * 300,
])
def test_hostile_srepr_text_is_refused_without_running_anything(text):
    with pytest.raises(UnsafeExpression):
        parse_srepr(text)
    assert decode({"t": "sympy", "v": text}).__class__ is Unsupported


def test_decode_never_raises_on_garbage():
    for garbage in [None, [], {"t": "seq", "v": 5}, {"t": "int", "v": "3"}, {"t": "array", "shape": [2], "v": []},
                    {"t": "float", "v": "nope"}, {"t": "dict", "v": [[1]]}, {"t": "zzz"}]:
        assert isinstance(decode(garbage), Unsupported)


# --- kinds -------------------------------------------------------------------------------------

def test_int_accepts_integral_floats_and_sympy_integers_but_not_truth_values():
    assert Int().compare(20.0, 20).fraction == 1
    assert Int().compare(sympy.Integer(20), 20).fraction == 1
    assert Int().compare(True, 1).fraction == 0
    assert Int().compare(20.5, 20).fraction == 0


def test_number_tolerance_and_nan():
    assert Number(rel_tol=1e-3).compare(0.975, 0.97508).fraction == 1
    assert Number(rel_tol=1e-3).compare(0.98, 0.97508).fraction == 0
    assert Number().compare(float("nan"), 1.0).fraction == 0


def test_int_tuple_partial_and_unordered():
    assert IntTuple(length=4).compare((1, 2, 3, 5), (1, 2, 3, 4)).fraction == Fraction(3, 4)
    assert IntTuple(length=4, partial=False).compare((1, 2, 3, 5), (1, 2, 3, 4)).fraction == 0
    kind = IntTuple(item_length=3, unordered=True)
    assert kind.compare(((2, 1, 0), (3, 1, 1)), [(3, 1, 1), (2, 1, 0)]).fraction == 1
    verdict = kind.compare(((2, 1, 0), (9, 9, 9)), [(3, 1, 1), (2, 1, 0)])
    assert verdict.fraction == 0 and "does not belong" in verdict.message and "missing" in verdict.message
    assert kind.form(((2, 1, 0), (2, 1, 0))) == "Your list names the same item more than once."


def test_expression_floor_needs_the_grid_and_the_grid_is_exact():
    i, k, s, p = sympy.symbols("i k s p")
    kind = Expression({"i": (1, 14), "k": (1, 7), "s": (1, 4), "p": (0, 3)}, "k <= i + 2 * p")
    reference = sympy.floor((i + 2 * p - k) / s) + 1
    equivalent = [
        (i + 2 * p - k) // s + 1,
        sympy.ceiling((i + 2 * p - k + 1) / s),
        sympy.floor(i / s + 2 * p / s - k / s) + 1,
        sympy.floor((i + 2 * p - k + s) / s),
    ]
    for candidate in equivalent:
        assert kind.compare(roundtrip(candidate), reference).fraction == 1, candidate
    wrong = [(i + 2 * p - k) / s + 1, sympy.floor((i + p - k) / s) + 1, sympy.ceiling((i + 2 * p - k) / s) + 1,
             sympy.Symbol("q") + i]
    for candidate in wrong:
        assert kind.compare(roundtrip(candidate), reference).fraction == 0, candidate


def test_expression_without_floor_is_decided_by_simplify():
    F, M, N, L = sympy.symbols("F M N L", positive=True)
    kind = Expression({"F": (1, 6), "M": (1, 6), "N": (1, 6), "L": (1, 5)})
    verdict = kind.compare(roundtrip(F * M * N * L + F), F * (M * N * L + 1))
    assert verdict.fraction == 1 and "simplification" in verdict.message
    assert kind.compare(roundtrip(F * M * N * L), F * (M * N * L + 1)).fraction == 0


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(1, 8), st.integers(1, 5), st.integers(0, 4))
def test_exact_evaluation_matches_integer_floor_division(i_, k_, s_, p_):
    i, k, s, p = sympy.symbols("i k s p")
    value = evaluate_exact(sympy.floor((i + 2 * p - k) / s) + 1, {"i": i_, "k": k_, "s": s_, "p": p_})
    assert value == (i_ + 2 * p_ - k_) // s_ + 1


def test_matrix_compares_numpy_and_sympy_entries():
    kind = Matrix(shape=(2, 2))
    assert kind.compare(roundtrip(np.array([[1, 2], [3, 4]])), [[1, 2], [3, 4]]).fraction == 1
    assert kind.compare(roundtrip(sympy.Matrix([[1, 2], [3, 4]])), [[1, 2], [3, 4]]).fraction == 1
    assert kind.compare(roundtrip([[1, 2], [3, 4]]), [[1, 2], [3, 4]]).fraction == 1
    assert kind.compare(roundtrip(np.array([[1, 2], [3, 5]])), [[1, 2], [3, 4]]).message == "3 of 4 entries are right."
    assert "2x2" in kind.compare(roundtrip(np.zeros((3, 3))), [[1, 2], [3, 4]]).message
    w = sympy.Symbol("w")
    assert Matrix().compare(roundtrip(sympy.Matrix([[2 * w + w]])), [[3 * w]]).fraction == 1


def test_kinds_roundtrip_through_the_public_file():
    for kind in [Int(), Number(rel_tol=1e-3), IntTuple(length=2), IntTuple(item_length=3, unordered=True),
                 Expression({"i": (1, 3)}, "i > 1"), Matrix(shape=(3, 3))]:
        assert kind_from_json(json.loads(json.dumps(kind.to_json()))) == kind


# --- check() in the student's kernel -----------------------------------------------------------

@pytest.fixture(scope="module")
def sets():
    return load_sets(ROOT / "instructor" / "sets")


def namespace_of(notebook: Path, *, solutions: bool, params: dict | None = None) -> dict:
    """Run a notebook's code cells in-process (check() calls silenced) and return its namespace."""
    nb = nbformat.read(notebook, as_version=4)
    namespace = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source if solutions else strip_solutions(cell.source)
        if params is not None and source.startswith("# PARAMETERS"):
            source = render_parameters(source, params)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, str(notebook), "exec"), namespace)
    return namespace


def test_check_says_not_attempted_for_untouched_stubs(sets):
    for exercise_set in sets.values():
        namespace = namespace_of(ROOT / "solutions" / exercise_set.notebook, solutions=False)
        for question in exercise_set.questions:
            status, message = check_module.verdict(question.id, namespace)
            assert status == "not attempted", (question.id, message)
            assert message.startswith(f"⏳ {question.id} not attempted yet")


def test_check_passes_the_solutions(sets):
    for exercise_set in sets.values():
        namespace = namespace_of(ROOT / "solutions" / exercise_set.notebook, solutions=True)
        for question in exercise_set.questions:
            assert check_module.verdict(question.id, namespace)[0] == "passed", question.id


def test_check_explains_what_is_wrong_with_a_hint(sets):
    namespace = namespace_of(ROOT / "solutions" / "02_convolution_arithmetic.ipynb", solutions=True)
    namespace["o1"] = 2.5
    status, message = check_module.verdict("ex02.1", namespace)
    assert status == "wrong" and "whole number" in message and "Hint:" in message
    namespace["o1"] = 99
    assert "can't be larger than the input" in check_module.verdict("ex02.1", namespace)[1]
    i7 = namespace["i7"]
    namespace["same_output7"] = (i7 + 1, i7)        # i7 is there, but out of order
    assert "increasing order" in check_module.verdict("ex02.7", namespace)[1]
    i, k, s, p = (namespace[n] for n in "iksp")
    namespace["o_expr"] = (i + 2 * p - k) / s + 1
    assert "Without a floor" in check_module.verdict("ex02.9", namespace)[1]
    namespace["o_expr"] = sympy.floor((i + 2 * p - k) / s) + 2
    first = sets["ex02"].question("ex02.9").points_at[0]  # 12, 4, 3, 1: the floor of 10/3, plus 2
    assert first == {"i": 12, "k": 4, "s": 3, "p": 1}
    assert "At i=12, k=4, s=3, p=1 your expression gives 5, which is not right there." in check_module.verdict("ex02.9", namespace)[1]
    namespace["o_expr"] = AlwaysEqual()
    assert "AlwaysEqual" in check_module.verdict("ex02.9", namespace)[1]


def test_check_of_a_function_uses_its_public_examples(sets):
    namespace = namespace_of(ROOT / "solutions" / "03_layer_arithmetic.ipynb", solutions=True)
    examples = len(sets["ex03"].question("ex03.9").examples)
    assert f"{examples} examples" in check_module.verdict("ex03.9", namespace)[1]
    namespace["layer_arithmetic"] = lambda size, depth, layers: [(0, 0, 0, 0)] * len(layers)
    status, message = check_module.verdict("ex03.9", namespace)
    assert status == "wrong" and "layer_arithmetic(32, 3, [('conv', 6, 5, 1, 0)" in message
    namespace["layer_arithmetic"] = lambda size, depth, layers: 1 / 0
    assert "raised ZeroDivisionError" in check_module.verdict("ex03.9", namespace)[1]


def test_check_output_for_unknown_ids_is_friendly():
    assert check_module.verdict("ex02.99", {})[1].startswith("❓ There is no question ex02.99; this exercise set has ex02.1")
    assert check_module.verdict(3, {})[0] == "unknown"


def test_check_never_shows_hidden_inputs_or_answers(sets):
    """Everything check() can print comes from the public file; it holds no hidden input or answer."""
    for exercise_set in sets.values():
        public = (ROOT / "course_lib" / "grading" / "public" / f"{exercise_set.id}.json").read_text()
        for question in exercise_set.every_version():
            for group in question.hidden:
                for case in group.cases:
                    assert json.dumps(encode_args(case)) not in public
        defaults = exercise_set.expected(exercise_set.parameters)
        data = json.loads(public)
        for question in [v for q in data["questions"] for v in q.get("versions", [q])]:
            assert set(question) <= {"id", "name", "title", "points", "kind", "hint", "checks", "examples", "points_at",
                                     "uses", "mistake_hints", "digests", "mistakes_at"}


def encode_args(case):
    from course_lib.grading.spec import encode_input

    return encode_input(list(case))


# --- the solution notebooks are right for every variant ----------------------------------------

def score_namespace(exercise_set, namespace, params, seed=0):
    """Score answers held in a namespace the way the grader scores probe results."""
    plans = _plan(exercise_set, params, "TAG", random.Random(seed), 5.0, 30.0)
    results = []
    for plan in plans:
        name = plan.question.name
        if plan.question.is_function:
            outcomes = []
            for _, args in plan.calls:
                try:
                    outcomes.append({"ok": encode(namespace[name](*decode_input(json.loads(json.dumps(encode_args(args))))))})
                except NotImplementedError:
                    outcomes.append({"raised": "NotImplementedError"})
            results.append(_score_function(plan, {"id": plan.question.id, "results": outcomes}))
        else:
            results.append(_score_value(plan, {"id": plan.question.id, "value": encode(namespace[name])}, params))
    return results


@pytest.mark.parametrize("student", ["default", "alice", "bob", "carol", "dave", "eve"])
def test_solutions_score_full_marks_on_every_variant(sets, student):
    for exercise_set in sets.values():
        params = exercise_set.parameters_for(None if student == "default" else student, b"0123456789abcdef")
        namespace = namespace_of(ROOT / "solutions" / exercise_set.notebook, solutions=True, params=params)
        results = score_namespace(exercise_set, namespace, params)
        assert [r.status for r in results] == ["correct"] * len(results), [(r.id, r.messages) for r in results]
        assert sum(r.points for r in results) == exercise_set.max_points


def test_the_dqn_defaults_give_the_notes_numbers(sets):
    """The course notes' numbers for the Atari DQN network (checked, not copied).

    The set's defaults use other sizes (the paper's divisions are exact, and lesson 03 fills them
    in); the answers at the paper's network must still be the notes' numbers.
    """
    paper = dict(sets["ex03"].parameters, J=84, L=4, F1=16, M1=8, S1=4, F2=32, M2=4, S2=2, H=256, A=18)
    expected = {q.id: q.answer(paper) for q in sets["ex03"].questions[:6]}
    assert expected["ex03.1"] == (20, 9)
    assert expected["ex03.2"] == (257, 257, 2593, 257)
    assert expected["ex03.3"] == (6400, 2592, 256, 18)
    assert expected["ex03.4"] == (1644800, 666144, 663808, 4626)
    assert expected["ex03.5"] == (4112, 8224, 663808, 4626)
    assert expected["ex03.6"] == 680770


def test_untouched_exercises_score_zero_as_not_attempted(sets):
    for exercise_set in sets.values():
        params = exercise_set.parameters
        namespace = namespace_of(ROOT / "solutions" / exercise_set.notebook, solutions=False)
        results = score_namespace(exercise_set, namespace, params)
        assert {r.status for r in results} == {"not attempted"}
        assert sum(r.points for r in results) == 0


def test_fractions_arrive_as_exact_numbers_and_a_rigged_subclass_as_its_value():
    class Rigged(Fraction):
        numerator = property(lambda self: 999)

        def __eq__(self, other):
            return True

    assert roundtrip(Fraction(12, 2)) == Fraction(6) and Int().compare(roundtrip(Fraction(12, 2)), 6).fraction == 1
    assert roundtrip(Rigged(5, 2)) == Fraction(5, 2) and type(roundtrip(Rigged(5, 2))) is Fraction
    assert Int().form(roundtrip(Fraction(5, 2))) is not None
    assert decode({"t": "fraction", "v": [1, 0]}) == Unsupported("a fraction the grader cannot read")


def test_matrix_compares_against_a_sympy_or_numpy_expected_answer():
    """A declaration may return its matrix as a SymPy Matrix or a numpy array, not only as lists."""
    w0, w1 = sympy.symbols("w0 w1")
    kind = Matrix()
    answer = decode(encode(sympy.Matrix([[w0, w1], [0, w0]])))
    assert kind.compare(answer, sympy.Matrix([[w0, w1], [0, w0]])).fraction == 1
    assert kind.compare(answer, sympy.Matrix([[w1, w0], [0, w0]])).fraction == 0
    numbers = decode(encode(np.array([[1, 2], [3, 4]])))
    assert kind.compare(numbers, np.array([[1, 2], [3, 4]])).fraction == 1
    assert kind.compare(numbers, [[1, 2], [3, 5]]).fraction == 0


def test_matrix_symbols_compare_by_name_as_in_expressions():
    """A student who declares w0, w1 = sympy.symbols("w0 w1", real=True) answers the course's C."""
    import sympy

    from course_lib.grading._encode import encode
    from course_lib.grading.kinds import Matrix
    from course_lib.grading.values import decode

    plain = sympy.symbols("w0 w1")
    for assumptions in ({}, {"real": True}, {"integer": True}, {"positive": True}):
        w0, w1 = sympy.symbols("w0 w1", **assumptions)
        answer = decode(encode(sympy.Matrix([[w0, w1, 0], [0, w0, w1]])))
        assert Matrix().compare(answer, sympy.Matrix([[plain[0], plain[1], 0], [0, *plain]])).fraction == 1
        # a wrong entry is still wrong, whatever the assumptions
        assert Matrix().compare(answer, sympy.Matrix([[plain[1], plain[1], 0], [0, *plain]])).fraction == 0
