"""Right answers written in many honest styles get full credit.

Each solution notebook of ex01-ex06 is graded twice, with a last cell that rewrites every
answer in another accepted form (Fraction, numpy scalars, 0-d arrays, np.matrix, SymPy
Integer/Rational/Float(6.0), lists, arrays of Fractions, ...) and then reuses the builtins' names
(`type`, `list`, `str`, `dict`, `len`, `sum`, `print`, `range`, `isinstance`) as variables, as a
debugging cell may. One `grade_many` run, two kernels.
"""

import sys
import time

import pytest

from course_lib.grading.checking import verdict
from course_lib.grading.grader import Options, grade_many
from course_lib.grading.sandbox import detect_sandbox

from test_grading_grader import ROOT, notebook, write
from test_grading_grader import SETS

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")

SHADOWED = ("type", "list", "str", "dict", "len", "sum", "print", "range", "isinstance")

# Kernel-side helpers: `_restyle(value, kind, n)` gives the n-th accepted form of a right answer.
RESTYLE = '''
import builtins as _builtins, fractions as _fractions, types as _types
import numpy as _np, sympy as _sp

_INT = [_fractions.Fraction, _np.int64, _np.array, _sp.Integer, lambda v: _sp.Float(v), float, _np.float64,
        lambda v: _sp.Rational(2 * v, 2)]
_NUMBER = [lambda v: _fractions.Fraction(v), _np.float64, _np.array, _sp.Float,
           lambda v: _sp.Rational(*_fractions.Fraction(v).as_integer_ratio())]
_SEQ = [list, tuple, _np.array]


def _whole(v, n):
    return _INT[n % len(_INT)](int(v))


def _restyle(value, kind, n):
    if kind == "int":
        return _whole(value, n)
    if kind == "number":
        return _NUMBER[n % len(_NUMBER)](float(value))
    if kind == "int_tuple":
        items = [tuple(_whole(x, n + 1) for x in item) if isinstance(item, (tuple, list)) else _whole(item, n)
                 for item in value]
        nested = any(isinstance(item, tuple) for item in items)
        container = _SEQ[n % (2 if nested else 3)]
        return container(items) if container is not _np.array else _np.array(items, dtype=object)
    if kind == "matrix":
        whole = _fractions.Fraction if n % 2 else _np.int64
        rows = [[x if isinstance(x, _sp.Basic) and not x.is_Integer else whole(int(x)) for x in row]
                for row in _sp.Matrix(value).tolist()]
        symbolic = any(isinstance(x, _sp.Basic) and not x.is_number for row in rows for x in row)
        styles = [_np.matrix, _sp.Matrix, lambda r: r, lambda r: _np.array(r, dtype=object)]
        if not symbolic:
            styles.append(lambda r: _np.array(r, dtype=float))
        return styles[n % len(styles)](rows)
    return value


def _clean(function, n, result_kind):
    """The function as a student whose own code needs none of the reused names would have it,
    returning its result in the n-th style."""
    scope = dict(globals(), **{name: getattr(_builtins, name) for name in SHADOWED})
    plain = _types.FunctionType(function.__code__, scope, function.__name__, function.__defaults__,
                                function.__closure__)

    def styled(*args):
        result = plain(*args)
        if n % 2 and result_kind == "matrix":
            return _np.matrix(result)
        return _builtins.list(result) if _builtins.isinstance(result, tuple) else result

    return styled
'''


def restyle_cell(set_id: str, n: int) -> str:
    lines = [f"SHADOWED = {SHADOWED!r}", RESTYLE]
    for number, question in enumerate(SETS[set_id].questions_at(SETS[set_id].parameters)):
        if question.is_function:
            # Helpers the function calls keep the notebook's real builtins through the copy too.
            lines.append(f"{question.name} = _clean({question.name}, {n + number}, {question.kind.result.name!r})")
        else:
            lines.append(f"{question.name} = _restyle({question.name}, {question.kind.name!r}, {n + number})")
    # A debugging cell reuses the builtins' names; nothing below may call them any more.
    lines.append('for type in ("conv", "pool"):\n    pass')
    lines.append('list, str, dict, len, sum = [1, 2], "text", {"a": 1}, 3, 0')
    lines.append("print, range, isinstance = None, (0, 5), True")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    sub = tmp_path_factory.mktemp("honest") / "submitted"
    for set_id in ("ex01", "ex02", "ex03", "ex04", "ex05", "ex06"):
        path = ROOT / "solutions" / SETS[set_id].notebook
        for n in (0, 3):
            write(sub, f"style{n}", path.name, notebook(path, extra=[restyle_cell(set_id, n)]))
    started = time.monotonic()
    results = grade_many(sorted(sub.rglob("*.ipynb")), SETS, Options(cell_timeout=20), detect_sandbox("auto"),
                         jobs=2, progress=False)
    return results, time.monotonic() - started


def test_every_honest_style_gets_full_credit(graded):
    results, seconds = graded
    assert len(results) == 12 and seconds < 300
    lost = {(r.student, r.set_id): {q.id: q.messages for q in r.questions if q.points < q.max_points}
            for r in results}
    assert lost == {key: {} for key in lost}
    assert all((r.total, r.status) == (SETS[r.set_id].max_points, "ok") for r in results)


def test_check_is_not_fooled_by_reused_builtin_names():
    defaults = SETS["ex02"].parameters
    namespace = {"o1": defaults["i1"] - defaults["k1"] + 1, "i1": defaults["i1"], "k1": defaults["k1"],
                 **{name: None for name in SHADOWED}}
    assert verdict("ex02.1", namespace)[0] == "passed"


def test_numeric_kinds_accept_exact_and_numpy_forms_and_name_the_wrong_item():
    from fractions import Fraction

    import numpy as np
    import sympy

    from course_lib.grading import kinds
    from course_lib.grading._encode import encode
    from course_lib.grading.values import decode, describe

    for six in (Fraction(6), np.int64(6), np.float64(6.0), np.array(6), np.array(6.0), sympy.Integer(6),
                sympy.Rational(12, 2), sympy.Float(6.0), 6.0):
        assert kinds.Int().compare(decode(encode(six)), 6).fraction == 1, six
        assert kinds.Number().compare(decode(encode(six)), 6.0).fraction == 1, six
    assert kinds.IntTuple(length=3).compare(decode(encode((Fraction(1), np.array(2), sympy.Float(3.0)))),
                                            (1, 2, 3)).fraction == 1
    assert kinds.Matrix().compare(decode(encode(np.matrix([[1, 2], [3, 4]]))), [[1, 2], [3, 4]]).fraction == 1
    assert "item 2 of your answer is the number 2.5" in kinds.IntTuple(length=3).form((1, 2.5, 3))
    assert "place 2" in kinds.IntTuple(item_length=2).form(((1, 2), (3, "x")))
    assert kinds.Matrix().form(decode(encode([[1, 2], [3, "x"]]))).startswith("Entry (2, 2) of your matrix")
    assert describe(decode(encode(np.array(2.5)))) == "a 0-d array holding the number 2.5"


def test_a_range_answer_is_its_items_and_a_huge_one_is_refused():
    from course_lib.grading import kinds
    from course_lib.grading._encode import encode
    from course_lib.grading.values import decode

    assert decode(encode(range(10, 13))) == (10, 11, 12)
    assert kinds.IntTuple(unordered=True).form(decode(encode(range(10, 13)))) is None
    assert kinds.IntTuple().form(decode(encode(range(10 ** 9)))) is not None
