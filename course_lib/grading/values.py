"""Read a student's encoded answer back into plain values, safely, in the grader's process.

Nothing from the student's kernel is ever evaluated: SymPy expressions arrive as ``srepr`` text
and are rebuilt by walking their syntax tree with a short list of allowed SymPy classes and size
limits, so a hostile string can neither run code nor make the grader compute for hours.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from fractions import Fraction

import sympy
from sympy.functions.elementary.piecewise import ExprCondPair

__all__ = [
    "Unsupported", "CallableValue", "ArrayValue", "SetValue", "DictValue",
    "decode", "parse_srepr", "UnsafeExpression", "evaluate_exact", "describe", "describe_type",
]

MAX_NODES = 5000
MAX_INT_DIGITS = 100
MAX_EXPONENT = 64
MAX_EXPONENT_PRODUCT = 256


@dataclass(frozen=True)
class Unsupported:
    """An answer of a type the grader does not accept (its type name, or why)."""

    type: str


@dataclass(frozen=True)
class CallableValue:
    """A function (or other callable) given where a value was expected."""

    name: str


@dataclass(frozen=True)
class ArrayValue:
    """A numpy array or SymPy matrix: its shape and its entries in row-major order."""

    shape: tuple
    entries: tuple
    source: str  # "numpy" or "sympy"

    def rows(self):
        """Entries as nested tuples (2-D only).

        Examples
        --------
        >>> ArrayValue((2, 2), (1, 2, 3, 4), "numpy").rows()
        ((1, 2), (3, 4))
        """
        r, c = self.shape
        return tuple(tuple(self.entries[i * c:(i + 1) * c]) for i in range(r))


@dataclass(frozen=True)
class SetValue:
    """A set answer: its items (in no particular order)."""

    items: tuple


@dataclass(frozen=True)
class DictValue:
    """A dictionary answer: its (key, value) pairs."""

    pairs: tuple


class UnsafeExpression(ValueError):
    """An ``srepr`` string the grader refuses to rebuild."""


_CLASSES = {
    name: getattr(sympy, name)
    for name in (
        "Symbol", "Integer", "Rational", "Float", "Add", "Mul", "Pow", "floor", "ceiling", "Mod",
        "Max", "Min", "Abs", "Piecewise", "StrictLessThan", "LessThan",
        "StrictGreaterThan", "GreaterThan", "Equality", "Unequality", "And", "Or", "Not", "Tuple",
    )
}
_CLASSES["ExprCondPair"] = ExprCondPair
_CONSTANTS = {
    "pi": sympy.pi, "E": sympy.E, "oo": sympy.oo, "zoo": sympy.zoo, "nan": sympy.nan,
    "true": sympy.true, "false": sympy.false, "I": sympy.I,
}
_SYMBOL_ASSUMPTIONS = {
    "integer", "positive", "negative", "nonnegative", "nonpositive", "real", "rational",
    "nonzero", "zero", "finite", "even", "odd", "prime", "composite", "commutative", "extended_real",
    "complex", "natural",
}


def parse_srepr(text: str):
    """Rebuild a SymPy object from ``srepr`` text without evaluating any code.

    Raises
    ------
    UnsafeExpression
        If the text uses anything but plain arithmetic, floor, ceiling, Mod, Max, Min, Abs,
        Piecewise and relations, or exceeds the size limits.

    Examples
    --------
    >>> parse_srepr("Add(Symbol('i'), Integer(1))")
    i + 1
    >>> parse_srepr("__import__('os').system('true')")
    Traceback (most recent call last):
    ...
    course_lib.grading.values.UnsafeExpression: not allowed in a SymPy expression: a call to an attribute
    """
    if not isinstance(text, str) or len(text) > 200_000:
        raise UnsafeExpression("the expression is too long")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        raise UnsafeExpression("not a SymPy srepr string") from err
    count = [0]
    try:
        return _build(tree.body, count, 1)
    except RecursionError as err:
        raise UnsafeExpression("the expression is nested too deeply") from err


def _literal(node):
    if isinstance(node, ast.Constant) and type(node.value) in (int, str, bool, float):
        if type(node.value) is int and len(str(abs(node.value))) > MAX_INT_DIGITS:
            raise UnsafeExpression(f"a number with more than {MAX_INT_DIGITS} digits")
        if type(node.value) is str and len(node.value) > 1000:
            raise UnsafeExpression("a string that is too long")
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand)
        if type(value) in (int, float):
            return -value
    raise UnsafeExpression("not allowed in a SymPy expression: " + _what(node))


def _what(node) -> str:
    if isinstance(node, ast.Call) and not isinstance(node.func, ast.Name):
        return "a call to an attribute" if isinstance(node.func, ast.Attribute) else "a nested call"
    if isinstance(node, ast.Call):
        return f"{node.func.id}(...)"
    if isinstance(node, ast.Name):
        return f"the name {node.id}"
    return type(node).__name__


def _exponent_weight(node) -> int:
    """How much a Pow may multiply digit counts: its literal exponent's size.

    Read from the text, before anything is built: an exponent must be ``Integer(n)``,
    ``Rational(p, q)``, a ``Symbol`` or ``-1``-like literal. Anything else (``Mul(10**9, 1)``, an
    ``Add``, a nested ``Pow``) would be evaluated by SymPy first and could be any size.
    """
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("Integer", "Rational"):
        values = [abs(_literal(a)) for a in node.args if type(_literal(a)) is int]
        return max(values or [1])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Symbol":
        return 1
    if isinstance(node, ast.Name) and node.id in ("I", "pi", "E"):
        return 1
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Float" and node.args:
        try:
            size = abs(float(_literal(node.args[0])))
        except (TypeError, ValueError) as err:
            raise UnsafeExpression("an unreadable Float") from err
        if size <= MAX_EXPONENT:
            return max(1, math.ceil(size))
    raise UnsafeExpression("a power whose exponent is not a plain number or symbol")


def _build(node, count, exponent_product):
    count[0] += 1
    if count[0] > MAX_NODES:
        raise UnsafeExpression(f"more than {MAX_NODES} parts")
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise UnsafeExpression("not allowed in a SymPy expression: " + _what(node))
    if isinstance(node, ast.Tuple):
        return tuple(_build(e, count, exponent_product) for e in node.elts)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CLASSES):
        raise UnsafeExpression("not allowed in a SymPy expression: " + _what(node))
    name = node.func.id
    if name == "Symbol":
        if len(node.args) != 1:
            raise UnsafeExpression("Symbol needs one name")
        symbol_name = _literal(node.args[0])
        assumptions = {}
        for keyword in node.keywords:
            if keyword.arg not in _SYMBOL_ASSUMPTIONS or type(_literal(keyword.value)) is not bool:
                raise UnsafeExpression(f"unknown Symbol assumption {keyword.arg!r}")
            assumptions[keyword.arg] = _literal(keyword.value)
        if type(symbol_name) is not str:
            raise UnsafeExpression("a Symbol's name must be text")
        return sympy.Symbol(symbol_name, **assumptions)
    if name in ("Integer", "Rational"):
        args = [_literal(a) for a in node.args]
        if node.keywords or not all(type(a) is int for a in args) or not 1 <= len(args) <= 2:
            raise UnsafeExpression(f"{name} needs whole numbers")
        return _CLASSES[name](*args)
    if name == "Float":
        if not node.args or len(node.args) > 1:
            raise UnsafeExpression("Float needs one number")
        value = _literal(node.args[0])
        precision = 53
        for keyword in node.keywords:
            if keyword.arg != "precision" or type(_literal(keyword.value)) is not int:
                raise UnsafeExpression("Float takes only a precision")
            precision = min(max(_literal(keyword.value), 1), 200)
        try:
            return sympy.Float(value, precision=precision)
        except (ValueError, TypeError) as err:
            raise UnsafeExpression("an unreadable Float") from err
    if node.keywords:
        raise UnsafeExpression(f"{name} takes no keyword arguments here")
    if name == "Pow":
        if len(node.args) != 2:
            raise UnsafeExpression("Pow needs a base and an exponent")
        weight = _exponent_weight(node.args[1])
        if weight > MAX_EXPONENT or exponent_product * weight > MAX_EXPONENT_PRODUCT:
            raise UnsafeExpression("a power with too large an exponent")
        base = _build(node.args[0], count, exponent_product * weight)
        exponent = _build(node.args[1], count, exponent_product)
        return sympy.Pow(base, exponent)
    args = [_build(a, count, exponent_product) for a in node.args]
    try:
        return _CLASSES[name](*args)
    except (TypeError, ValueError, AttributeError) as err:
        raise UnsafeExpression(f"{name} with arguments SymPy rejects") from err


def decode(data, _depth: int = 0):
    """Python value of an encoded answer (see :mod:`course_lib.grading._encode`).

    Unknown or malformed parts become :class:`Unsupported`; this never raises.

    Examples
    --------
    >>> decode({"t": "seq", "v": [{"t": "int", "v": 20}, {"t": "int", "v": 9}]})
    (20, 9)
    >>> decode({"t": "other", "type": "AlwaysEqual"})
    Unsupported(type='AlwaysEqual')
    """
    try:
        return _decode(data, _depth)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError, OverflowError):
        return Unsupported("an answer the grader could not read")


def _decode(data, depth):
    if depth > 30 or not isinstance(data, dict):
        return Unsupported("an answer the grader could not read")
    tag = data.get("t")
    if tag == "int" and type(data["v"]) is int:
        return data["v"]
    if tag == "float":
        return float(str(data["v"])[:100])
    if tag == "bool":
        return bool(data["v"])
    if tag == "fraction":
        numerator, denominator = data["v"]
        if type(numerator) is not int or type(denominator) is not int or denominator <= 0 \
                or max(len(str(abs(numerator))), len(str(denominator))) > MAX_INT_DIGITS:
            return Unsupported("a fraction the grader cannot read")
        return Fraction(numerator, denominator)
    if tag == "str":
        return str(data["v"])
    if tag == "none":
        return None
    if tag == "ellipsis":
        return Ellipsis
    if tag == "seq":
        return tuple(_decode(x, depth + 1) for x in data["v"])
    if tag == "set":
        return SetValue(tuple(_decode(x, depth + 1) for x in data["v"]))
    if tag == "dict":
        return DictValue(tuple((_decode(k, depth + 1), _decode(v, depth + 1)) for k, v in data["v"]))
    if tag == "array":
        shape = tuple(int(n) for n in data["shape"])
        entries = tuple(_decode(x, depth + 1) for x in data["v"])
        if math.prod(shape) != len(entries):
            return Unsupported("an array whose shape does not match its entries")
        return ArrayValue(shape, entries, "numpy")
    if tag == "matrix":
        shape = tuple(int(n) for n in data["shape"])
        try:
            entries = tuple(parse_srepr(x) for x in data["v"])
        except UnsafeExpression as err:
            return Unsupported(f"a matrix the grader cannot read ({err})")
        if math.prod(shape) != len(entries):
            return Unsupported("a matrix whose shape does not match its entries")
        return ArrayValue(shape, entries, "sympy")
    if tag == "sympy":
        try:
            return parse_srepr(data["v"])
        except UnsafeExpression as err:
            return Unsupported(f"a SymPy expression the grader cannot read ({err})")
    if tag == "callable":
        return CallableValue(str(data.get("name", "function"))[:100])
    if tag == "other":
        return Unsupported(str(data.get("type", "object"))[:100])
    return Unsupported("an answer the grader could not read")


MAX_SHOWN = 24  # characters of a student's number or name that a description may repeat


def _few(text: str) -> str:
    """At most :data:`MAX_SHOWN` characters of student-chosen text: a description carries no more of it."""
    text = str(text)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"


def describe(value) -> str:
    """A few words naming what kind of value a student gave; it repeats at most a few dozen
    characters of the value (a long number or name is cut).

    Examples
    --------
    >>> describe(3.5)
    'the number 3.5'
    >>> describe((1, 2))  # a list arrives as a tuple: the grader cannot tell them apart
    'a list or tuple of 2 items'
    >>> describe(10 ** 40)
    'the number 10000000000000000000000…'
    """
    if value is Ellipsis:
        return "`...` (nothing yet)"
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"the truth value {value}"
    if isinstance(value, (int, float)):
        return f"the number {_few(repr(value))}"
    if isinstance(value, Fraction):
        return f"the fraction {_few(value)}"
    if isinstance(value, str):
        return "a piece of text"
    if isinstance(value, tuple):
        return f"a list or tuple of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, ArrayValue) and not value.shape:
        return f"a 0-d array holding {describe(value.entries[0])}"
    if isinstance(value, ArrayValue):
        return _shape_words(value)
    if isinstance(value, SetValue):
        return f"a set of {len(value.items)} items"
    if isinstance(value, DictValue):
        return "a dictionary"
    if isinstance(value, CallableValue):
        return f"the function {_few(value.name)}"
    if isinstance(value, Unsupported):
        return f"an object of type {_few(value.type)}" if " " not in value.type else _few(value.type)
    if isinstance(value, sympy.Basic):
        return "a SymPy expression"
    return "an answer of an unexpected kind"


def _shape_words(value: ArrayValue) -> str:
    """An array's or matrix's shape in words: "a 2x3 array", "a 1-D array of 9 entries".

    Examples
    --------
    >>> _shape_words(ArrayValue((9,), (0,) * 9, "numpy")), _shape_words(ArrayValue((2, 3), (0,) * 6, "sympy"))
    ('a 1-D array of 9 entries', 'a 2x3 SymPy matrix')
    """
    what = "array" if value.source == "numpy" else "SymPy matrix"
    if len(value.shape) > 4 or any(len(str(n)) > 6 for n in value.shape):
        # a shape is the student's too: a long one could carry what a function was called with
        return f"a {len(value.shape)}-D {what} of a very large shape"
    if len(value.shape) == 1:
        return f"a 1-D {what} of {value.shape[0]} entr{'ies' if value.shape[0] != 1 else 'y'}"
    return f"a {'x'.join(map(str, value.shape))} {what}"


def describe_type(value) -> str:
    """What sort of value a student gave, by its type and shape only, never by its contents.

    For anything a student's function returned: a function can read the hidden inputs it is
    called with, so its results (and the names of their types) may carry them.

    Examples
    --------
    >>> describe_type(123456789), describe_type((1, 2)), describe_type(ArrayValue((2, 3), (0,) * 6, "numpy"))
    ('a whole number', 'a list or tuple of 2 items', 'a 2x3 array')
    >>> describe_type(Unsupported("Secret_4_7_1"))
    'an object of a type the grader does not accept'
    """
    if value is Ellipsis or value is None:
        return describe(value)
    if isinstance(value, bool):
        return "a truth value"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a floating-point number"
    if isinstance(value, Fraction):
        return "a fraction"
    if isinstance(value, str):
        return "a piece of text"
    if isinstance(value, tuple):
        return f"a list or tuple of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, ArrayValue):
        if not value.shape:
            return "a 0-d array"
        return _shape_words(value)
    if isinstance(value, SetValue):
        return f"a set of {len(value.items)} items"
    if isinstance(value, DictValue):
        return "a dictionary"
    if isinstance(value, CallableValue):
        return "a function"
    if isinstance(value, sympy.Basic):
        return "a SymPy number" if value.is_number else "a SymPy expression"
    return "an object of a type the grader does not accept"


# --- exact evaluation on integer grids (floor expressions) -------------------------------------

_MAX_BITS = 100_000


def evaluate_exact(expr, values: dict):
    """Evaluate a SymPy expression exactly at integer ``values`` (name -> int).

    Uses fractions, so ``floor((i - k)/s)`` is exact; raises ``ValueError`` for anything it
    cannot evaluate exactly or safely (unknown names, huge powers, division by zero).

    Examples
    --------
    >>> i, k, s = sympy.symbols("i k s")
    >>> evaluate_exact(sympy.floor((i - k) / s) + 1, {"i": 6, "k": 3, "s": 2})
    Fraction(2, 1)
    """
    return _eval(expr, values, [0])


def _eval(expr, values, steps):
    steps[0] += 1
    if steps[0] > 20 * MAX_NODES:
        raise ValueError("too long to evaluate")
    if isinstance(expr, (bool, sympy.logic.boolalg.BooleanAtom)):
        return bool(expr)
    if isinstance(expr, int):
        return Fraction(expr)
    if expr.is_Integer or expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    if expr.is_Float:
        return Fraction(float(expr))
    if expr.is_Symbol:
        if expr.name not in values:
            raise ValueError(f"unknown symbol {expr.name}")
        return Fraction(values[expr.name])
    args = expr.args
    if expr.is_Add:
        return sum((_eval(a, values, steps) for a in args), Fraction(0))
    if expr.is_Mul:
        product = Fraction(1)
        for a in args:
            product *= _eval(a, values, steps)
        return product
    if expr.is_Pow:
        base, exponent = _eval(args[0], values, steps), _eval(args[1], values, steps)
        if exponent.denominator != 1:
            raise ValueError("a fractional power")
        bits = max(base.numerator.bit_length(), base.denominator.bit_length(), 1)
        if bits * abs(exponent.numerator) > _MAX_BITS:
            raise ValueError("a power that is too large")
        return base ** int(exponent)
    if isinstance(expr, sympy.floor):
        return Fraction(math.floor(_eval(args[0], values, steps)))
    if isinstance(expr, sympy.ceiling):
        return Fraction(math.ceil(_eval(args[0], values, steps)))
    if isinstance(expr, sympy.Mod):
        return _eval(args[0], values, steps) % _eval(args[1], values, steps)
    if isinstance(expr, sympy.Abs):
        return abs(_eval(args[0], values, steps))
    if isinstance(expr, sympy.Max):
        return max(_eval(a, values, steps) for a in args)
    if isinstance(expr, sympy.Min):
        return min(_eval(a, values, steps) for a in args)
    if isinstance(expr, sympy.Piecewise):
        for piece, condition in args:
            if _eval(condition, values, steps):
                return _eval(piece, values, steps)
        raise ValueError("no piece applies")
    if isinstance(expr, sympy.core.relational.Relational):
        left, right = _eval(args[0], values, steps), _eval(args[1], values, steps)
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
                "==": left == right, "!=": left != right}[expr.rel_op]
    if isinstance(expr, sympy.And):
        return all(_eval(a, values, steps) for a in args)
    if isinstance(expr, sympy.Or):
        return any(_eval(a, values, steps) for a in args)
    if isinstance(expr, sympy.Not):
        return not _eval(args[0], values, steps)
    raise ValueError(f"cannot evaluate {type(expr).__name__} exactly")
