"""Kinds of question: what form an answer must have, and how it is compared.

Each kind answers two questions about a decoded answer (see :mod:`course_lib.grading.values`):
``form(value)`` — is it the right sort of thing? (used by ``check()`` in the student's kernel and
by the grader) — and ``compare(value, expected)`` — how much of it is right? (used only by the
grader, in its own process, with the expected answer computed there).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import math
import signal
import string
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from course_lib.grading.values import (
    ArrayValue, CallableValue, SetValue, Unsupported, describe, describe_type, evaluate_exact,
)

__all__ = [
    "Kind", "Int", "Number", "IntTuple", "Choice", "Order", "Expression", "Matrix", "Function", "Verdict",
    "read_letters", "kind_from_json", "as_int", "answer_digest", "parameter_fingerprint", "values_at", "expansion_size",
]


@dataclass
class Verdict:
    """How much of an answer is right (a fraction in [0, 1]) and a message for the student."""

    fraction: Fraction
    message: str


def as_int(value):
    """The whole number ``value`` stands for, or ``None``.

    Accepts Python and SymPy integers, and floats and fractions with no fractional part; rejects
    truth values.

    Examples
    --------
    >>> as_int(20.0), as_int(sympy.Integer(9)), as_int(Fraction(12, 2)), as_int(True), as_int(2.5)
    (20, 9, 6, None, None)
    >>> as_int(sympy.Float(6.0)), as_int(ArrayValue((), (6,), "numpy"))
    (6, 6)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else None
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, sympy.Integer):
        return int(value)
    if isinstance(value, sympy.Float) and math.isfinite(float(value)) and float(value).is_integer():
        return int(value)
    if isinstance(value, ArrayValue) and value.shape == ():  # a 0-d numpy array holds one number
        return as_int(value.entries[0])
    return None


def _as_number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, ArrayValue) and value.shape == ():
        return _as_number(value.entries[0])
    if isinstance(value, (int, float, Fraction)):
        return float(value)
    if isinstance(value, sympy.Basic) and value.is_number and value.is_real:
        try:
            return float(value)
        except (TypeError, ValueError, OverflowError):
            return None
    return None


def _sequence(value):
    """A tuple for a tuple, list, set or 1-D array answer; None otherwise."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, ArrayValue) and len(value.shape) == 1:
        return value.entries
    return None


class Kind:
    """Base class; subclasses describe one kind of answer."""

    name = "kind"

    def to_json(self) -> dict:
        return {"kind": self.name}

    def describe(self) -> str:
        raise NotImplementedError

    def form(self, value) -> str | None:
        """``None`` if ``value`` has the right form, else a friendly sentence saying what is off."""
        raise NotImplementedError

    def compare(self, value, expected) -> Verdict:
        raise NotImplementedError

    def canonical(self, value) -> str | None:
        """One text for every way of writing the same answer (what ``check()`` digests).

        ``None`` when ``value`` has the wrong form, or when this kind is not judged by digests
        (expressions and functions).
        """
        return None

    def accepted(self, expected) -> list[str]:
        """The canonical texts of the answers :meth:`compare` takes as equal to ``expected``."""
        text = self.canonical(expected)
        return [] if text is None else [text]

    def _expected_form(self, value) -> str:
        return f"Expected {self.describe()}, but your answer is {describe(value)}."


@dataclass
class Int(Kind):
    """A whole number, compared exactly.

    Examples
    --------
    >>> Int().compare(20.0, 20).fraction
    Fraction(1, 1)
    >>> Int().form(3.5)
    'Expected a whole number, but your answer is the number 3.5.'
    """

    name = "int"

    def describe(self):
        return "a whole number"

    def form(self, value):
        return None if as_int(value) is not None else self._expected_form(value)

    def compare(self, value, expected):
        if self.form(value):
            return Verdict(Fraction(0), self.form(value))
        if as_int(value) == expected:
            return Verdict(Fraction(1), "Correct.")
        return Verdict(Fraction(0), "Not the expected value.")

    def canonical(self, value):
        """The number in decimal: ``6``, ``6.0``, ``np.int64(6)`` and ``Fraction(6)`` all give "6".

        Examples
        --------
        >>> Int().canonical(6.0), Int().canonical(sympy.Integer(6)), Int().canonical(6.5)
        ('6', '6', None)
        """
        number = as_int(value)
        return None if number is None else str(number)


@dataclass
class Number(Kind):
    """A real number, compared with a relative and an absolute tolerance.

    Examples
    --------
    >>> Number(rel_tol=1e-3).compare(0.9751, 0.97508).fraction
    Fraction(1, 1)
    """

    rel_tol: float = 1e-6
    abs_tol: float = 1e-12
    name = "number"

    def to_json(self):
        return {"kind": self.name, "rel_tol": self.rel_tol, "abs_tol": self.abs_tol}

    def describe(self):
        return "a number"

    def form(self, value):
        number = _as_number(value)
        if number is None:
            return self._expected_form(value)
        if not math.isfinite(number):
            return f"Your answer is {number}, which is not a finite number."
        return None

    def compare(self, value, expected):
        problem = self.form(value)
        if problem:
            return Verdict(Fraction(0), problem)
        if math.isclose(_as_number(value), float(expected), rel_tol=self.rel_tol, abs_tol=self.abs_tol):
            return Verdict(Fraction(1), "Correct.")
        return Verdict(Fraction(0), "Not the expected value (within the allowed rounding).")

    def _step(self, number: float) -> tuple[int, int]:
        """The cell width ``(mantissa, exponent)`` at ``number``: 1, 2 or 5 times a power of ten,
        at most a fifth of the tolerance there, so a cell sticks out of it by little."""
        fifth = max(abs(number) * self.rel_tol, self.abs_tol) / 5
        exponent = math.floor(math.log10(fifth))
        scaled = fifth / 10.0 ** exponent
        return (5 if scaled >= 5 else 2 if scaled >= 2 else 1), exponent

    def canonical(self, value):
        """The number's cell: ``"n*me-x"`` names the cell ``n * m * 10**-x`` the number rounds to.

        Examples
        --------
        >>> kind = Number(rel_tol=1e-3)
        >>> kind.canonical(0.97508), kind.canonical(Fraction(97508, 100000)), kind.canonical(0.9753)
        ('9751*1e-4', '9751*1e-4', '9753*1e-4')
        """
        if self.form(value):
            return None
        number = _as_number(value)
        mantissa, exponent = self._step(number)
        return f"{round(number / (mantissa * 10.0 ** exponent))}*{mantissa}e{exponent}"

    def accepted(self, expected):
        """Every cell holding a number within the tolerance of ``expected``.

        A number the grader accepts always falls in one of these cells; a number just outside
        the tolerance may share a cell with an accepted one (at most a fifth of the tolerance
        further away), so ``check()`` can call it right when the grader does not.

        Examples
        --------
        >>> cells = Number(rel_tol=1e-3).accepted(0.97508)
        >>> Number(rel_tol=1e-3).canonical(0.975) in cells, Number(rel_tol=1e-3).canonical(0.977) in cells
        (True, False)
        """
        centre = float(expected)
        reach = max(abs(centre) * self.rel_tol / (1 - self.rel_tol), self.abs_tol)
        count = 400  # sweep steps: far finer than the narrowest cell (a fiftieth of the tolerance)
        points = [centre - reach + 2 * reach * n / count for n in range(count + 1)]
        points = [y for y in points if math.isclose(y, centre, rel_tol=self.rel_tol, abs_tol=self.abs_tol)]
        # Where the cell width changes between two sweep points, a narrow cell can hide: add
        # the numbers on both sides of that boundary.
        extra = []
        for low, high in zip(points, points[1:]):
            if self._step(low) != self._step(high):
                for _ in range(80):
                    middle = (low + high) / 2
                    if middle in (low, high):
                        break
                    low, high = (middle, high) if self._step(middle) == self._step(low) else (low, middle)
                extra += [low, high]
        return sorted({self.canonical(y) for y in points + extra})


@dataclass
class IntTuple(Kind):
    """A tuple of whole numbers (or of tuples of whole numbers, with ``item_length``).

    ``length`` fixes how many items; ``partial`` gives credit per correct position; ``unordered``
    compares as sets (all or nothing).

    Examples
    --------
    >>> IntTuple(length=4).compare((257, 257, 2593, 258), (257, 257, 2593, 257)).fraction
    Fraction(3, 4)
    >>> IntTuple(item_length=3, unordered=True).compare(((3, 2, 1), (1, 1, 0)), [(1, 1, 0), (3, 2, 1)]).fraction
    Fraction(1, 1)
    >>> IntTuple(item_length=2).compare(ArrayValue((2, 2), (1, 4, 2, 5), "numpy"), [(1, 4), (2, 5)]).fraction
    Fraction(1, 1)
    """

    length: int | None = None
    unordered: bool = False
    partial: bool = True
    item_length: int | None = None
    name = "int_tuple"

    def to_json(self):
        return {"kind": self.name, "length": self.length, "unordered": self.unordered,
                "partial": self.partial, "item_length": self.item_length}

    def describe(self):
        items = "whole numbers" if self.item_length is None else f"tuples of {self.item_length} whole numbers"
        count = f"{self.length} " if self.length is not None else ""
        rows = "" if self.item_length is None else " (or a 2-D array, one row per item)"
        return f"a list or tuple of {count}{items}{rows}" + (" (in any order)" if self.unordered else "")

    def _sequence_of_items(self, value):
        """The answer's items; a 2-D array holds one item per row when items are tuples."""
        if isinstance(value, SetValue):
            return value.items
        if self.item_length is not None and isinstance(value, ArrayValue) and len(value.shape) == 2:
            return tuple(tuple(row) for row in value.rows())
        return _sequence(value)

    def _items(self, value):
        seq = self._sequence_of_items(value)
        if seq is None:
            return None
        if self.item_length is None:
            items = [as_int(x) for x in seq]
            return None if any(x is None for x in items) else items
        items = []
        for item in seq:
            inner = _sequence(item)
            if inner is None or len(inner) != self.item_length:
                return None
            numbers = tuple(as_int(x) for x in inner)
            if any(x is None for x in numbers):
                return None
            items.append(numbers)
        return items

    def _bad_item(self, value) -> str | None:
        """What is wrong with the first item that is not of the right form (items counted from 1)."""
        seq = self._sequence_of_items(value)
        if seq is None:
            return None
        for number, item in enumerate(seq, start=1):
            if self.item_length is None:
                if as_int(item) is None:
                    return f"item {number} of your answer is {describe(item)}, not a whole number"
                continue
            inner = _sequence(item)
            if inner is None or len(inner) != self.item_length:
                return (f"item {number} of your answer is {describe(item)}, not a list or tuple of "
                        f"{self.item_length} whole numbers")
            for place, entry in enumerate(inner, start=1):
                if as_int(entry) is None:
                    return f"item {number} of your answer has {describe(entry)} at place {place}, not a whole number"
        return None

    def form(self, value):
        items = self._items(value)
        if items is None:
            bad = self._bad_item(value)
            return f"Expected {self.describe()}, but {bad}." if bad else self._expected_form(value)
        if self.length is not None and len(items) != self.length:
            return f"Expected {self.length} items, but your tuple has {len(items)}."
        if self.unordered and len(set(items)) != len(items):
            return "Your list names the same item more than once."
        return None

    def compare(self, value, expected):
        problem = self.form(value)
        if problem:
            return Verdict(Fraction(0), problem)
        items = self._items(value)
        expected = [tuple(x) if self.item_length else int(x) for x in expected]
        if self.unordered:
            got, want = set(items), set(expected)
            if got == want:
                return Verdict(Fraction(1), "Correct.")
            parts = []
            if got - want:
                parts.append(f"{len(got - want)} of your items {'do' if len(got - want) > 1 else 'does'} not belong")
            if want - got:
                parts.append("some items are missing")
            return Verdict(Fraction(0), "Not quite: " + " and ".join(parts) + ".")
        if len(items) != len(expected):
            return Verdict(Fraction(0), f"Expected {len(expected)} items, but your tuple has {len(items)}.")
        right = [a == b for a, b in zip(items, expected)]
        if all(right):
            return Verdict(Fraction(1), "Correct.")
        wrong = ", ".join(str(n + 1) for n, ok in enumerate(right) if not ok)
        if not self.partial:
            return Verdict(Fraction(0), f"Not the expected tuple (items {wrong} are off).")
        return Verdict(Fraction(sum(right), len(right)),
                       f"{sum(right)} of {len(right)} items are right; item(s) {wrong} (counting from 1) are not.")

    def canonical(self, value):
        """The items as a JSON list of whole numbers (or of lists); sorted when ``unordered``.

        Examples
        --------
        >>> IntTuple(length=2).canonical((3.0, 4)), IntTuple(item_length=2, unordered=True).canonical(((3, 1), (1, 2)))
        ('[3,4]', '[[1,2],[3,1]]')
        """
        if self.form(value):
            return None
        items = self._items(value)
        if self.unordered:
            items = sorted(items)
        return json.dumps([list(x) if isinstance(x, tuple) else x for x in items], separators=(",", ":"))


# --- choices and orders: answers written as option letters -------------------------------------

_LETTERS = string.ascii_uppercase
# Characters a message may echo from a student's text (nothing markdown or a terminal reads).
_SHOWN = set(string.digits + ".;:/+-&()!?=")


def _span(letters: str) -> str:
    """How a message names a run of option letters: "A and B", "A–D"."""
    return f"{letters[0]} and {letters[1]}" if len(letters) == 2 else f"{letters[0]}–{letters[-1]}"


def _listing(letters) -> str:
    """Letters as words: "B", "B and D", "A, B and D"."""
    letters = list(letters)
    return letters[0] if len(letters) == 1 else ", ".join(letters[:-1]) + " and " + letters[-1]


def _labels(texts, what: str) -> tuple:
    """``texts`` as a tuple of 2 to 26 non-empty strings (an option's or an item's text)."""
    if isinstance(texts, str) or not isinstance(texts, (tuple, list)):
        raise TypeError(f"{what} must be a tuple of strings, got {type(texts).__name__}")
    texts = tuple(texts)
    if not 2 <= len(texts) <= len(_LETTERS):
        raise ValueError(f"{what} must hold 2 to {len(_LETTERS)} texts, got {len(texts)}")
    for number, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{what}[{number}] must be a string, got {type(text).__name__}")
        if not text.strip():
            raise ValueError(f"{what}[{number}] must not be empty, got {text!r}")
    return texts


def read_letters(value) -> tuple[list | None, str | None]:
    """The option letters an answer names, upper-case and in its order, or why it names none.

    The rule for every answer written as letters: a string of letters, with commas and white
    space between them allowed anywhere (``"AC"``, ``"A, C"``, ``"a c"``), or a list, tuple, set or
    1-D array whose items are one letter each (``["A", "C"]``, ``{"c", "a"}``); upper or lower case.
    Repeated and unknown letters are left for the kind to judge.

    Parameters
    ----------
    value : object
        A decoded answer (see :func:`course_lib.grading.values.decode`).

    Returns
    -------
    tuple
        ``(letters, None)``; ``(None, why)`` when the answer holds something that is not a
        letter; ``(None, None)`` when it is neither text nor a collection.

    Examples
    --------
    >>> read_letters("a, C"), read_letters(("C", "b")), read_letters(SetValue(("b",)))
    ((['A', 'C'], None), (['C', 'B'], None), (['B'], None))
    >>> read_letters("A;C")
    (None, "your answer also holds ';'")
    >>> read_letters(("A", "BC")), read_letters(3)
    ((None, "item 2 of your answer is 'BC', not one letter"), (None, None))
    """
    if isinstance(value, str):
        letters = []
        for character in value:
            if character == "," or character.isspace():
                continue
            if character not in string.ascii_letters:
                shown = f"'{character}'" if character in _SHOWN else "a character that is no letter, comma or space"
                return None, f"your answer also holds {shown}"
            letters.append(character.upper())
        return letters, None
    if isinstance(value, SetValue):
        items = value.items
    elif isinstance(value, (list, set, frozenset)):  # an instructor's answer, not decoded
        items = tuple(value)
    else:
        items = _sequence(value)
    if items is None:
        return None, None
    letters = []
    for number, item in enumerate(items, start=1):
        text = item.strip() if isinstance(item, str) else None
        if text is None or len(text) != 1 or text not in string.ascii_letters:
            if text is not None and text.isascii() and text.isalnum() and len(text) <= 12:
                shown = f"'{text}'"
            else:
                shown = describe(item)
            return None, f"item {number} of your answer is {shown}, not one letter"
        letters.append(text.upper())
    return letters, None


def _letter_problem(letters: list, known: str, what: str) -> str | None:
    """The first unknown or repeated letter, in words (None when there is none)."""
    for letter in letters:
        if letter not in known:
            return f"Your answer names {letter}, but the {what} are lettered {_span(known)}."
    for letter in known:
        if letters.count(letter) > 1:
            return f"Your answer names {letter} {'twice' if letters.count(letter) == 2 else 'more than once'}."
    return None


@dataclass
class Choice(Kind):
    """Choose the true claims (``multiple=True``) or the one right option (``multiple=False``).

    Options are labelled "A", "B", ... in order (``options[0]`` is "A"). The expected answer
    (``question.answer(P)``) is a tuple of the true options' letters (possibly empty) with
    ``multiple``, one letter (a str) without. Students answer with letters as
    :func:`read_letters` reads them: ``"AC"``, ``"A, C"``, ``"a c"``, ``["A", "C"]``, ``{"A", "C"}``;
    ``""`` or ``[]`` for none; exactly one letter for a single choice.

    With ``multiple`` every option counts on its own: the credit is the share of options decided
    right (chosen when true, left out when false), and the message names the others. A single
    choice is all or nothing. ``option_hints`` maps a letter to the misconception a wrong
    decision on that option shows; it is shown for an option decided wrongly (for a single
    choice: for the chosen option, when it is wrong).

    Examples
    --------
    >>> kind = Choice(("s = 1 keeps every unit", "p = 0 never pads", "k = 1 copies the input"),
    ...               option_hints={"B": "p = 0 means no zeros are added."})
    >>> kind.canonical("c, a"), kind.compare("A", ("A", "C")).message
    ('AC', '2 of 3 options are decided right; option C is not.')
    >>> kind.form("AE")
    'Your answer names E, but the options are lettered A–C.'
    >>> Choice(("yes", "no"), multiple=False).form("AB")
    'Choose one option; your answer names A and B.'
    """

    options: tuple[str, ...]
    multiple: bool = True
    option_hints: dict[str, str] = field(default_factory=dict)
    name = "choice"

    def __post_init__(self):
        self.options = _labels(self.options, "options")
        if not isinstance(self.multiple, bool):
            raise TypeError(f"multiple must be True or False, got {type(self.multiple).__name__}")
        if not isinstance(self.option_hints, dict):
            raise TypeError(f"option_hints must be a dict of letter -> hint, got {type(self.option_hints).__name__}")
        for letter, hint in self.option_hints.items():
            if letter not in self.letters:
                raise ValueError(f"option_hints keys must be option letters {_span(self.letters)}, got {letter!r}")
            if not isinstance(hint, str):
                raise TypeError(f"option_hints[{letter!r}] must be a string, got {type(hint).__name__}")
            if not hint.strip():
                raise ValueError(f"option_hints[{letter!r}] must be a non-empty string, got {hint!r}")

    @property
    def letters(self) -> str:
        """The options' letters, in order.

        Examples
        --------
        >>> Choice(("w", "x", "y", "z")).letters
        'ABCD'
        """
        return _LETTERS[:len(self.options)]

    def to_json(self):
        return {"kind": self.name, "options": list(self.options), "multiple": self.multiple,
                "option_hints": dict(self.option_hints)}

    def describe(self):
        if self.multiple:
            return f'the letters of the options you choose (such as "{self.letters[0]}{self.letters[-1]}", or "" for none)'
        return f"one letter ({_span(self.letters)})"

    def chosen(self, value) -> list | None:
        """The letters an answer chooses, sorted, or None when it has the wrong form.

        Examples
        --------
        >>> Choice(("a", "b", "c")).chosen(["c", "A"]), Choice(("a", "b", "c")).chosen("AA")
        (['A', 'C'], None)
        """
        return None if self.form(value) else sorted(read_letters(value)[0])

    def form(self, value):
        letters, why = read_letters(value)
        if letters is None:
            example = f'"{self.letters[0]}{self.letters[-1]}" or "{self.letters[0]}, {self.letters[-1]}"' \
                if self.multiple else f'"{self.letters[-1]}"'
            if why:
                return f"Write the letters of your choice, such as {example}; {why}."
            return self._expected_form(value)
        problem = _letter_problem(letters, self.letters, "options")
        if problem:
            return problem
        if not self.multiple and len(letters) != 1:
            if not letters:
                return f"Choose one option (one letter of {_span(self.letters)}); your answer names none."
            return f"Choose one option; your answer names {_listing(letters)}."
        return None

    def _expected(self, expected) -> set:
        letters, _ = read_letters(expected)
        if letters is None or _letter_problem(letters, self.letters, "options") or (not self.multiple and len(letters) != 1):
            raise ValueError(f"the expected answer {expected!r} is not {self.describe()}")
        return set(letters)

    def wrong_options(self, value, expected) -> list[str]:
        """The letters of the options ``value`` decides wrongly (chosen but false, or true but left out).

        Examples
        --------
        >>> Choice(("a", "b", "c", "d")).wrong_options("AB", ("A", "C"))
        ['B', 'C']
        """
        chosen, right = set(self.chosen(value)), self._expected(expected)
        return [letter for letter in self.letters if (letter in chosen) != (letter in right)]

    def compare(self, value, expected):
        problem = self.form(value)
        if problem:
            return Verdict(Fraction(0), problem)
        wrong = self.wrong_options(value, expected)
        if not wrong:
            return Verdict(Fraction(1), "Correct.")
        if not self.multiple:
            return Verdict(Fraction(0), f"Option {self.chosen(value)[0]} is not the right choice.")
        right = len(self.letters) - len(wrong)
        return Verdict(Fraction(right, len(self.letters)),
                       f"{right} of {len(self.letters)} options are decided right; "
                       f"option{'s' if len(wrong) > 1 else ''} {_listing(wrong)} {'are' if len(wrong) > 1 else 'is'} not.")

    def canonical(self, value):
        """The chosen letters, sorted and upper-case: "AC" for ``"c, a"`` and ``{"A", "C"}``; "" for none.

        Examples
        --------
        >>> Choice(("a", "b", "c")).canonical(SetValue(("c", "a"))), Choice(("a", "b")).canonical(())
        ('AC', '')
        """
        chosen = self.chosen(value)
        return None if chosen is None else "".join(chosen)

    def option_digests(self, salt: str, expected) -> list[str]:
        """One salted digest per option of its right state (``"A:1"`` true, ``"A:0"`` false), in order.

        ``check()`` compares them with the digests of a student's decisions
        (:meth:`decided_wrongly`) and so names the options decided wrongly without the answer.
        Each option has two states only: the digests hide nothing from someone who tries both.

        Examples
        --------
        >>> kind = Choice(("a", "b"))
        >>> kind.option_digests("00", ("B",)) == [answer_digest("00", "A:0"), answer_digest("00", "B:1")]
        True
        """
        right = self._expected(expected)
        return [answer_digest(salt, f"{letter}:{int(letter in right)}") for letter in self.letters]

    def decided_wrongly(self, salt: str, value, digests: list) -> list[str]:
        """The letters whose decision in ``value`` has another digest than the right one.

        Examples
        --------
        >>> kind = Choice(("a", "b", "c"))
        >>> kind.decided_wrongly("00", "AB", kind.option_digests("00", ("A", "C")))
        ['B', 'C']
        """
        chosen = set(self.chosen(value))
        return [letter for letter, right in zip(self.letters, digests)
                if answer_digest(salt, f"{letter}:{int(letter in chosen)}") != right]

    def shown_hints(self, value, wrong: list) -> list[tuple[str, str]]:
        """``(letter, hint)`` of the options whose hint a student who decided ``wrong`` wrongly sees.

        With ``multiple``: every option in ``wrong`` that has a hint. For a single choice: the
        chosen option's hint, when it is wrong (naming the right option would give it away).

        Examples
        --------
        >>> kind = Choice(("a", "b", "c"), multiple=False, option_hints={"B": "b is tempting", "C": "c is right"})
        >>> kind.shown_hints("B", ["B", "C"])
        [('B', 'b is tempting')]
        """
        if self.multiple:
            shown = wrong
        else:
            chosen = self.chosen(value)
            shown = chosen if chosen and chosen[0] in wrong else []
        return [(letter, self.option_hints[letter]) for letter in shown if letter in self.option_hints]


@dataclass
class Order(Kind):
    """Put the items in order: the answer is every item's letter once, in the right order.

    Items are labelled "A", "B", ... (``items[0]`` is "A"); the expected answer is a tuple of all
    letters, such as ``("C", "A", "B")``. Students answer with letters as :func:`read_letters`
    reads them: ``"CAB"``, ``"C, A, B"``, ``["C", "A", "B"]`` (not a set: it has no order). The
    credit is the share of items in their right place (all right: 1), and the message names the
    first position that is off. Declared mistakes (wrong orders) work as for any value question.

    Examples
    --------
    >>> kind = Order(("pad the input", "slide the kernel", "add the bias"))
    >>> kind.canonical("a, b, c"), kind.compare("ACB", ("A", "B", "C")).message
    ('ABC', '1 of 3 items are in their right place; position 2 (counting from 1) is the first that is off.')
    >>> kind.form("AB")
    'Your order leaves out C; put every item (A–C) in it once.'
    """

    items: tuple[str, ...]
    name = "order"

    def __post_init__(self):
        self.items = _labels(self.items, "items")

    @property
    def letters(self) -> str:
        """The items' letters, in the order they are listed.

        Examples
        --------
        >>> Order(("x", "y", "z")).letters
        'ABC'
        """
        return _LETTERS[:len(self.items)]

    def to_json(self):
        return {"kind": self.name, "items": list(self.items)}

    def describe(self):
        return f'the letters {_span(self.letters)}, each once, in order (such as "{self._example()}")'

    def _example(self) -> str:
        return self.letters[-1] + self.letters[:-1]

    def sequence(self, value) -> list | None:
        """The letters of an answer in its order, or None when it has the wrong form.

        Examples
        --------
        >>> Order(("x", "y", "z")).sequence(["c", "a", "b"]), Order(("x", "y", "z")).sequence("CA")
        (['C', 'A', 'B'], None)
        """
        return None if self.form(value) else read_letters(value)[0]

    def form(self, value):
        if isinstance(value, (SetValue, set, frozenset)):
            return (f'A set has no order: write the letters in order, such as "{self._example()}" or '
                    f'["{self._example()[0]}", "{self._example()[1]}", ...].')
        letters, why = read_letters(value)
        if letters is None:
            if why:
                return f'Write the letters in order, such as "{self._example()}" or "{", ".join(self._example())}"; {why}.'
            return self._expected_form(value)
        problem = _letter_problem(letters, self.letters, "items")
        if problem:
            return problem
        missing = [letter for letter in self.letters if letter not in letters]
        if missing:
            return f"Your order leaves out {_listing(missing)}; put every item ({_span(self.letters)}) in it once."
        return None

    def compare(self, value, expected):
        problem = self.form(value)
        if problem:
            return Verdict(Fraction(0), problem)
        want = self.sequence(expected)
        if want is None:
            raise ValueError(f"the expected answer {expected!r} is not {self.describe()}")
        got = self.sequence(value)
        right = [a == b for a, b in zip(got, want)]
        if all(right):
            return Verdict(Fraction(1), "Correct.")
        first = right.index(False) + 1
        return Verdict(Fraction(sum(right), len(right)),
                       f"{sum(right)} of {len(right)} items are in their right place; position {first} "
                       "(counting from 1) is the first that is off.")

    def canonical(self, value):
        """The letters in the answer's order, upper-case: "CAB" for ``"c, a, b"`` and ``["C", "A", "B"]``.

        Examples
        --------
        >>> Order(("x", "y", "z")).canonical(["c", "a", "b"]), Order(("x", "y", "z")).canonical("CAA")
        ('CAB', None)
        """
        letters = self.sequence(value)
        return None if letters is None else "".join(letters)


@contextmanager
def _time_limit(seconds: float):
    """Raise TimeoutError if the body runs longer than ``seconds`` (main thread only)."""
    try:
        previous = signal.signal(signal.SIGALRM, _raise_timeout)
    except ValueError:  # not the main thread: run without a limit
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _raise_timeout(signum, frame):
    raise TimeoutError


_PIECEWISE_FUNCTIONS = (sympy.floor, sympy.ceiling, sympy.Mod, sympy.Piecewise, sympy.Max, sympy.Min, sympy.Abs)


@dataclass
class Expression(Kind):
    """A SymPy expression in named integer symbols, checked for equivalence on a domain.

    ``symbols`` maps each allowed name to the inclusive range of the grid; ``condition`` (Python,
    over the names) keeps only valid points. Expressions without floor, ceiling, Mod, ...
    are compared by ``simplify``; the others (or when simplify cannot decide in time) on every
    valid grid point, exactly.

    Examples
    --------
    >>> i, k, s, p = sympy.symbols("i k s p")
    >>> kind = Expression({"i": (1, 12), "k": (1, 5), "s": (1, 3), "p": (0, 2)}, "k <= i + 2*p")
    >>> kind.compare((i + 2*p - k)//s + 1, sympy.floor((i + 2*p - k)/s) + 1).fraction
    Fraction(1, 1)
    >>> kind.compare((i + 2*p - k)/s + 1, sympy.floor((i + 2*p - k)/s) + 1).message
    'At i=1, k=1, s=3, p=1 your expression gives 5/3, which is not right there.'
    """

    symbols: dict = field(default_factory=dict)
    condition: str | None = None
    max_points: int = 3000
    name = "expression"

    def to_json(self):
        # A list keeps the author's order of the symbols (JSON objects get their keys sorted).
        return {"kind": self.name, "symbols": [[k, *v] for k, v in self.symbols.items()],
                "condition": self.condition}

    def describe(self):
        return "a SymPy expression in " + ", ".join(self.symbols)

    def _normalize(self, value):
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return sympy.Integer(value)
        if isinstance(value, float):
            return sympy.Float(value)
        if isinstance(value, Fraction):
            return sympy.Rational(value.numerator, value.denominator)
        if not isinstance(value, sympy.Expr):
            return None
        mapping = {}
        for symbol in value.free_symbols:
            if symbol.name not in self.symbols:
                return symbol
            mapping[symbol] = sympy.Symbol(symbol.name, integer=True)
        return value.xreplace(mapping)

    def form(self, value):
        normal = self._normalize(value)
        if normal is None:
            return self._expected_form(value)
        if isinstance(normal, sympy.Symbol) and normal.name not in self.symbols:
            return (f"Your expression uses the symbol {normal.name}; only "
                    f"{', '.join(self.symbols)} are allowed.")
        return None

    def points(self):
        names = list(self.symbols)
        ranges = [range(lo, hi + 1) for lo, hi in self.symbols.values()]
        points = []
        for combo in itertools.product(*ranges):
            point = dict(zip(names, combo))
            if self.condition is None or eval(self.condition, {"__builtins__": {}}, dict(point)):  # noqa: S307 - instructor's text
                points.append(point)
        if len(points) > self.max_points:
            step = math.ceil(len(points) / self.max_points)
            points = points[::step]
        return points

    def first_difference(self, value, expected):
        """The first grid point where the two expressions differ, and the student's value there."""
        for point in self.points():
            try:
                want = evaluate_exact(expected, point)
            except (ValueError, ZeroDivisionError):
                continue
            try:
                got = evaluate_exact(value, point)
            except (ValueError, ZeroDivisionError):
                got = "something undefined"
            if got != want:
                return point, got
        return None

    def compare(self, value, expected, simplify_seconds: float = 3.0):
        problem = self.form(value)
        if problem:
            return Verdict(Fraction(0), problem)
        value = self._normalize(value)
        expected = self._normalize(expected)
        if not (value.has(*_PIECEWISE_FUNCTIONS) or expected.has(*_PIECEWISE_FUNCTIONS)):
            try:
                with _time_limit(simplify_seconds):
                    if sympy.simplify(value - expected) == 0:
                        return Verdict(Fraction(1), "Correct (shown equal by simplification).")
            except (TimeoutError, RecursionError, TypeError, ValueError, AttributeError):
                pass
        difference = self.first_difference(value, expected)
        if difference is None:
            return Verdict(Fraction(1), "Correct (equal at every valid point checked).")
        point, got = difference
        where = ", ".join(f"{k}={v}" for k, v in point.items())
        shown = got if isinstance(got, str) else (str(got.numerator) if got.denominator == 1 else str(got))
        return Verdict(Fraction(0), f"At {where} your expression gives {shown}, which is not right there.")


MAX_EXPANDED_TERMS = 2000


def expansion_size(expr) -> int:
    """An upper bound on the number of terms ``sympy.expand(expr)`` produces (capped at 10**9).

    Computed from the expression tree without expanding anything: an Add adds its parts' sizes,
    a Mul multiplies them, a whole power ``b**n`` has at most ``size(b)**n`` terms; anything else
    counts as one term.

    Examples
    --------
    >>> a, b, c = sympy.symbols("a b c")
    >>> expansion_size((a + b) * (a + c)), expansion_size((a + b + c) ** 3), expansion_size(sympy.floor(a))
    (4, 27, 1)
    >>> expansion_size(sum(sympy.symbols("a0:12")) ** 64) > MAX_EXPANDED_TERMS
    True
    """
    cap = 10 ** 9
    if not isinstance(expr, sympy.Basic):
        return 1
    if expr.is_Add:
        return min(cap, sum(expansion_size(a) for a in expr.args))
    if expr.is_Mul:
        size = 1
        for a in expr.args:
            size = min(cap, size * expansion_size(a))
        return size
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 0:
        base = expansion_size(expr.base)
        if base <= 1:
            return 1
        exponent = int(expr.exp)
        return cap if exponent * math.log10(base) > 9 else min(cap, base ** exponent)
    return 1


def _by_name(expression):
    """``expression`` with every symbol replaced by a plain symbol of the same name.

    Examples
    --------
    >>> w = sympy.Symbol("w0", real=True)
    >>> _by_name(2 * w) - 2 * sympy.Symbol("w0")
    0
    """
    return expression.xreplace({symbol: sympy.Symbol(symbol.name) for symbol in expression.free_symbols
                                if isinstance(symbol, sympy.Symbol)})


@dataclass
class Matrix(Kind):
    """A 2-D numpy array or SymPy matrix, entries compared exactly (or with a tolerance).

    Examples
    --------
    >>> Matrix(shape=(2, 2)).compare(ArrayValue((2, 2), (1, 2, 3, 4), "numpy"), [[1, 2], [3, 5]]).message
    '3 of 4 entries are right.'
    """

    shape: tuple | None = None
    rel_tol: float = 1e-9
    name = "matrix"

    def to_json(self):
        return {"kind": self.name, "shape": list(self.shape) if self.shape else None, "rel_tol": self.rel_tol}

    def describe(self):
        size = f"{self.shape[0]}x{self.shape[1]} " if self.shape else ""
        return f"a {size}matrix (nested lists, a numpy array or a SymPy Matrix)"

    def _rows(self, value):
        if isinstance(value, ArrayValue) and len(value.shape) == 2:
            return value.rows()
        if isinstance(value, tuple) and value and all(isinstance(r, tuple) for r in value):
            if len({len(r) for r in value}) == 1:
                return value
        return None

    def form(self, value):
        rows = self._rows(value)
        if rows is None:
            return self._expected_form(value)
        shape = (len(rows), len(rows[0]) if rows else 0)
        if self.shape and shape != tuple(self.shape):
            return f"Expected a {self.shape[0]}x{self.shape[1]} matrix, but yours is {shape[0]}x{shape[1]}."
        for r, row in enumerate(rows, start=1):
            for c, x in enumerate(row, start=1):
                if _as_number(x) is None and not isinstance(x, sympy.Expr):
                    return (f"Entry ({r}, {c}) of your matrix (counting from 1) is {describe(x)}, "
                            "not a number or a SymPy expression.")
        return None

    def _equal(self, got, want):
        a, b = _as_number(got), _as_number(want)
        if a is not None and b is not None:
            return math.isclose(a, b, rel_tol=self.rel_tol, abs_tol=1e-12)
        if isinstance(got, sympy.Expr) or isinstance(want, sympy.Expr):
            try:
                # symbols compare by name, as in Expression answers: a student's w0 declared
                # real=True is the course's w0
                difference = _by_name(sympy.sympify(got)) - _by_name(sympy.sympify(want))
                # Expanding (a0 + ... + a11)**64 would run for hours: a difference whose
                # expansion would be that large is no entry of a course matrix.
                if expansion_size(difference) > MAX_EXPANDED_TERMS:
                    return False
                return sympy.expand(difference) == 0
            except (TypeError, ValueError, sympy.SympifyError):
                return False
        return False

    def compare(self, value, expected):
        problem = self.form(value)
        if problem:
            return Verdict(Fraction(0), problem)
        rows = self._rows(value)
        want = self._rows(expected) if isinstance(expected, ArrayValue) else None
        if want is None:  # a declaration's answer: nested lists, a numpy array or a SymPy Matrix
            want = expected.tolist() if hasattr(expected, "tolist") else expected
        want = [list(r) for r in want]
        if (len(rows), len(rows[0])) != (len(want), len(want[0])):
            return Verdict(Fraction(0), f"Your matrix is {len(rows)}x{len(rows[0])}, which is not the expected shape.")
        right = sum(self._equal(g, w) for gr, wr in zip(rows, want) for g, w in zip(gr, wr))
        total = len(want) * len(want[0])
        if right == total:
            return Verdict(Fraction(1), "Correct.")
        return Verdict(Fraction(0), f"{right} of {total} entries are right.")

    def canonical(self, value):
        """The rows as JSON: whole entries as integers (``3``, ``3.0`` and ``Integer(3)`` alike),
        other numbers rounded to 9 significant digits, symbolic entries as expanded SymPy text.

        Two float entries within the tolerance may still round apart (on either side of a
        rounding boundary): ``check()`` then says "not the expected answer" where the grader
        gives the points.

        Examples
        --------
        >>> Matrix().canonical(ArrayValue((1, 3), (1.0, 0.5, sympy.Integer(2)), "numpy"))
        '[[1,"5.00000000e-01",2]]'
        >>> Matrix().canonical([[3.9999999999999996, 1 / 3]]) == Matrix().canonical([[4, 0.3333333333]])
        True
        """
        if self.form(value):
            return None
        rows = []
        for row in self._rows(value):
            entries = []
            for entry in row:
                whole, number = as_int(entry), _as_number(entry)
                if whole is None and number is not None and math.isfinite(number):
                    # an entry that rounds to a whole number is that number: 3.9999999999999996,
                    # what float arithmetic makes of 4, must not differ from an exact 4
                    rounded = float(f"{number:.8e}")
                    if number.is_integer() or rounded.is_integer():
                        whole = int(number) if number.is_integer() else int(rounded)
                if whole is not None:
                    entries.append(whole)
                elif number is not None:
                    entries.append(f"{number:.8e}")
                elif expansion_size(entry) <= MAX_EXPANDED_TERMS:
                    entries.append("expr:" + sympy.sstr(sympy.expand(entry)))
                else:
                    entries.append("expr:" + sympy.sstr(entry))
            rows.append(entries)
        return json.dumps(rows, separators=(",", ":"))


@dataclass
class Function(Kind):
    """A function the student implements; ``result`` is the kind of what it returns.

    ``time_limit`` is how many seconds one call may take when the grader runs it (a call past
    it counts as a wrong result, and the feedback says so). All calls of a question together
    may take about 0.7 times the grader's cell timeout (21 s by default); the course's
    reference solutions and plain-Python loop solutions take milliseconds.

    Examples
    --------
    >>> Function(result=Matrix()).time_limit
    5.0
    >>> Function().form(3)
    'Expected a function, but your answer is a whole number.'
    """

    result: Kind = field(default_factory=Int)
    time_limit: float = 5.0
    name = "function"

    def __post_init__(self):
        if isinstance(self.time_limit, bool) or not isinstance(self.time_limit, (int, float)):
            raise TypeError(f"time_limit must be a number of seconds, got {type(self.time_limit).__name__}")
        if not 0 < self.time_limit <= 60:
            raise ValueError(f"time_limit must be in (0, 60] seconds, got {self.time_limit}")

    def to_json(self):
        data = {"kind": self.name, "result": self.result.to_json()}
        if self.time_limit != 5.0:  # the default stays out, so older public files stay valid
            data["time_limit"] = self.time_limit
        return data

    def describe(self):
        return "a function"

    def form(self, value):
        if isinstance(value, CallableValue):
            return None
        # By type only: a value here may have been computed by a function from hidden inputs.
        return f"Expected a function, but your answer is {describe_type(value)}."

    def compare(self, value, expected):
        return self.result.compare(value, expected)


def kind_from_json(data: dict) -> Kind:
    """Rebuild a kind from :meth:`Kind.to_json` (the public checks file).

    Examples
    --------
    >>> kind_from_json(IntTuple(length=2).to_json())
    IntTuple(length=2, unordered=False, partial=True, item_length=None)
    >>> kind_from_json(Choice(("yes", "no"), multiple=False, option_hints={"B": "why?"}).to_json())
    Choice(options=('yes', 'no'), multiple=False, option_hints={'B': 'why?'})
    """
    name = data["kind"]
    if name == "int":
        return Int()
    if name == "number":
        return Number(rel_tol=data["rel_tol"], abs_tol=data["abs_tol"])
    if name == "int_tuple":
        return IntTuple(length=data["length"], unordered=data["unordered"], partial=data["partial"],
                        item_length=data["item_length"])
    if name == "choice":
        return Choice(tuple(data["options"]), multiple=data["multiple"], option_hints=dict(data["option_hints"]))
    if name == "order":
        return Order(tuple(data["items"]))
    if name == "expression":
        return Expression({name: (lo, hi) for name, lo, hi in data["symbols"]}, data["condition"])
    if name == "matrix":
        return Matrix(shape=tuple(data["shape"]) if data["shape"] else None, rel_tol=data["rel_tol"])
    if name == "function":
        return Function(result=kind_from_json(data["result"]), time_limit=data.get("time_limit", 5.0))
    raise ValueError(f"unknown kind of question {name!r}")


# --- digests for check() -----------------------------------------------------------------------

def answer_digest(salt: str, text: str) -> str:
    """The salted digest of a canonical answer text (HMAC-SHA256, 32 hex digits).

    ``salt`` is hex; ``check()`` compares digests only, so the public file never holds an answer.

    Examples
    --------
    >>> answer_digest("00ff", Int().canonical(6.0)) == answer_digest("00ff", Int().canonical(6))
    True
    >>> answer_digest("00ff", "6") == answer_digest("00fe", "6")
    False
    """
    return hmac.new(bytes.fromhex(salt), text.encode(), hashlib.sha256).hexdigest()[:32]


def _plain_parameter(value):
    """A parameter's value as plain JSON data, however the notebook wrote it (or None)."""
    from course_lib.grading.values import ArrayValue

    if isinstance(value, ArrayValue):
        entries = list(value.entries)
        for size in reversed(value.shape[1:]):
            entries = [entries[n:n + size] for n in range(0, len(entries), size)]
        value = entries if value.shape else entries[0]
    if isinstance(value, (tuple, list)):
        items = [_plain_parameter(x) for x in value]
        return None if any(x is None for x in items) else items
    whole = as_int(value)
    if whole is not None:
        return whole
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        return "str:" + value
    return None


def parameter_fingerprint(values: dict) -> str | None:
    """A short fingerprint of parameter values (name -> value), the same for ``4`` and ``4.0``,
    for a list of rows and the numpy array holding them; ``None`` for a value of another kind.

    Examples
    --------
    >>> import numpy as np
    >>> parameter_fingerprint({"x": np.array([[1, 2]]), "k": 3}) == parameter_fingerprint({"k": 3.0, "x": [[1, 2]]})
    True
    >>> parameter_fingerprint({"k": 3}) == parameter_fingerprint({"k": 4})
    False
    """
    from course_lib.grading._encode import encode
    from course_lib.grading.values import decode

    plain = {}
    for name, value in values.items():
        plain[name] = _plain_parameter(decode(encode(value)))
        if plain[name] is None:
            return None
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def values_at(expression, points: list) -> str:
    """The canonical text of an expression's exact values at ``points`` ("undefined" where it has none).

    Examples
    --------
    >>> i, s = sympy.symbols("i s")
    >>> values_at(i / s, [{"i": 6, "s": 4}, {"i": 1, "s": 0}])
    '["3/2","undefined"]'
    """
    values = []
    for point in points:
        try:
            values.append(str(evaluate_exact(expression, point)))
        except (ValueError, ZeroDivisionError, TypeError, AttributeError):
            values.append("undefined")
    return json.dumps(values, separators=(",", ":"))
