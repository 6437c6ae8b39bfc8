"""How an exercise set is declared: questions, points, public checks, hidden tests, variants.

An instructor writes one Python module per exercise set (in ``instructor/sets/``, never shipped)
that defines ``EXERCISE_SET = ExerciseSet(...)``. From it, ``course release`` writes the public
part (kinds, points, public checks, public examples) to ``course_lib/grading/public/<id>.json``
for ``check()``; answers, reference functions and hidden tests stay in the module.

For a value question the public file holds no answer, only salted digests: a table keyed by the
fingerprint of the parameters the question reads (one entry for the defaults, one per distinct
student variant in a roster release), each entry with its salt, the digests of every canonical
form the grader accepts (:meth:`~course_lib.grading.kinds.Kind.accepted`) and the digests of the
declared mistakes, each tied to its hint by number; a ``Choice(multiple=True)`` entry also holds
one digest per option of its right state (``"A:1"`` or ``"A:0"``), which a reader of the file
can undo by trying both. A mistake that equals the right answer for a
variant is left out of that variant's entry. Sets with ``feedback="form-only"`` ship no digests,
no public checks and no expected values.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import itertools
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from course_lib.grading import kinds as _kinds
from course_lib.grading._encode import encode
from course_lib.grading.values import decode

__all__ = [
    "Check", "Mistake", "HiddenGroup", "Question", "QuestionPool", "ExerciseSet", "load_sets", "variant_seed",
    "encode_input", "PUBLIC_DIR",
]

PUBLIC_DIR = Path(__file__).resolve().parent / "public"
MAX_DRAWS = 200
# How many sets of new numbers a lesson ships for ``practice()`` (digests only, drawn from a fixed seed).
PRACTICE_DRAWS = 24
"""How many times :meth:`ExerciseSet.draw` draws a variant before it gives up."""
# Exercise sets are exNN (graded, lesson NN's exercises); a lesson's check-yourself questions are
# lNN (never graded: check() only).
_SET_ID = re.compile(r"^(ex|l)(\d\d)$")
_ID = re.compile(r"^((?:ex|l)\d\d)\.(\d+)$")


@dataclass(frozen=True)
class Check:
    """A public check: ``test`` (Python, over ``answer`` and the set's parameters) must be true.

    ``message`` says what is wrong when it is not; ``hint`` suggests what to do.
    """

    test: str
    message: str
    hint: str = ""


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer of a value question and the hint that names the mistake.

    ``answer(parameters)`` computes the wrong answer for a student's parameters, the way the
    question's ``answer`` computes the right one; ``hint`` says what went wrong ("you counted the
    padding once"). ``check()`` and the grader's feedback show the hint when a student's answer
    equals the wrong one. ``answer`` returns None where the mistake cannot happen for these
    parameters (leaving out a padding of 0, say); it is then left out of that variant.

    Examples
    --------
    >>> m = Mistake(lambda P: P["i"] - P["k"] + 1, "you left out the padding")
    >>> m.answer({"i": 5, "k": 3}), m.hint
    (3, 'you left out the padding')
    """

    answer: Callable[[dict], Any]
    hint: str


@dataclass
class HiddenGroup:
    """A group of hidden inputs for a function question, worth ``weight`` of its points.

    ``cases`` are fixed inputs (argument tuples) and ``draw(rng)`` returns one fresh argument
    tuple; ``count`` fresh ones are drawn at every grading. The group scores only if the
    student's function matches the reference on all of them. ``example`` is the public example
    (one of the question's ``examples``) that stands for this group, so that a ✅ from
    ``check()`` means every group has been tried once; the question's text names the groups.
    """

    title: str
    cases: list = field(default_factory=list)
    draw: Callable[[random.Random], tuple] | None = None
    count: int = 8
    weight: int = 1
    example: tuple | None = None

    def inputs(self, rng: random.Random) -> list[tuple]:
        fresh = [self.draw(rng) for _ in range(self.count)] if self.draw else []
        return [tuple(c) for c in self.cases] + fresh


@dataclass
class Question:
    """One graded question; ``id`` is its stable ID (``ex02.3``) everywhere."""

    id: str
    name: str
    title: str
    points: float
    kind: _kinds.Kind
    answer: Callable[[dict], Any] | None = None
    reference: Callable | None = None
    hidden: list[HiddenGroup] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    examples: list[tuple] = field(default_factory=list)
    points_at: list[dict] = field(default_factory=list)
    hint: str = ""
    mistakes: list[Mistake] = field(default_factory=list)
    # A lesson's question restated over its parameters (``str.format``), printed by ``practice()``
    # with new numbers, e.g. "A kernel of size k = {k1} slides over i = {i1} units: how many placements?"
    ask: str = ""
    _settings_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def is_function(self) -> bool:
        return isinstance(self.kind, _kinds.Function)

    @property
    def has_digests(self) -> bool:
        """Whether check() judges this question by digests (values, not expressions or functions)."""
        return not self.is_function and not isinstance(self.kind, _kinds.Expression)

    @property
    def heading(self) -> str:
        """The question's heading in the notebooks: ``## ex02.1 · <title> (N points)``.

        Examples
        --------
        >>> Question("ex02.1", "o1", "Relationship 1", 1, _kinds.Int(), answer=lambda P: 0).heading
        '## ex02.1 · Relationship 1 (1 point)'
        """
        return f"## {self.id} · {self.title} ({self.points:g} point{'s' if self.points != 1 else ''})"

    def uses(self, parameters: dict) -> list[str]:
        """The parameters this question's answer and mistakes read (its digests depend on those).

        Examples
        --------
        >>> q = Question("ex02.1", "o1", "T", 1, _kinds.Int(), answer=lambda P: P["i"] - P["k"] + 1,
        ...              mistakes=[Mistake(lambda P: P["i"] - P["k"], "forgot +1")])
        >>> q.uses({"i": 4, "k": 3, "s": 1})
        ['i', 'k']
        """
        read = set()

        class Recording(dict):
            def __getitem__(self, key):
                read.add(key)
                return dict.__getitem__(self, key)

            def get(self, key, default=None):
                read.add(key)
                return dict.get(self, key, default)

        for function in [self.answer] + [m.answer for m in self.mistakes]:
            function(Recording(parameters))
        return sorted(read)

    def digest_entry(self, parameters: dict, salt: str) -> dict:
        """The digests of the right answer and of the declared mistakes for these parameters.

        Examples
        --------
        >>> q = Question("ex02.1", "o1", "T", 1, _kinds.Int(), answer=lambda P: P["i"] - P["k"] + 1,
        ...              mistakes=[Mistake(lambda P: P["i"] - P["k"], "forgot +1"),
        ...                        Mistake(lambda P: P["i"] - 2, "right when k = 3")])
        >>> entry = q.digest_entry({"i": 4, "k": 3}, "00")
        >>> entry["answer"] == [_kinds.answer_digest("00", "2")], [n for _, n in entry["mistakes"]]
        (True, [0])

        A question that chooses several options (:class:`~course_lib.grading.kinds.Choice`)
        also gets one digest per option, of its right state:

        >>> q = Question("l07.1", "claims", "T", 1, _kinds.Choice(("a", "b")), answer=lambda P: ("B",))
        >>> q.digest_entry({}, "00")["options"] == [_kinds.answer_digest("00", "A:0"), _kinds.answer_digest("00", "B:1")]
        True
        """
        right = {_kinds.answer_digest(salt, t) for t in self.kind.accepted(decode(encode(self.answer(parameters))))}
        if not right:
            raise ValueError(f"{self.id}: the expected answer {self.answer(parameters)!r} is not of its own kind")
        seen, mistakes = set(right), []
        for number, mistake in enumerate(self.mistakes):
            value = mistake.answer(parameters)
            if value is None:  # the mistake cannot happen for these parameters
                continue
            wrong = {_kinds.answer_digest(salt, t) for t in self.kind.accepted(decode(encode(value)))}
            if wrong & right:  # this mistake gives the right answer for these parameters
                continue
            mistakes += [[digest, number] for digest in sorted(wrong - seen)]
            seen |= wrong
        entry = {"salt": salt, "answer": sorted(right), "mistakes": mistakes}
        if isinstance(self.kind, _kinds.Choice) and self.kind.multiple:
            # One digest per option, so check() can name the options decided wrongly.
            entry["options"] = self.kind.option_digests(salt, decode(encode(self.answer(parameters))))
        return entry

    def uncovered_groups(self) -> list[str]:
        """The hidden groups of a function question with no public example standing for them.

        Examples
        --------
        >>> q = Question("ex09.1", "f", "T", 1, _kinds.Function(_kinds.Int()), reference=abs,
        ...              examples=[(-1,)], hidden=[HiddenGroup("negative", example=(-1,)), HiddenGroup("zero")])
        >>> q.uncovered_groups()
        ["ex09.1: hidden group 'zero' has no public example"]
        """
        examples = {tuple(map(repr, e)) for e in self.examples}
        return [f"{self.id}: hidden group {group.title!r} has no public example" for group in self.hidden
                if group.example is None or tuple(map(repr, group.example)) not in examples]

    def separation_problems(self, parameters: dict) -> list[str]:
        """Where these parameters let a declared mistake pass for the answer or for another mistake.

        A value question tells a mistake apart when its canonical forms share nothing with the
        answer's or with another mistake's; an expression question when its values at the public
        points differ. A mistake that returns None cannot happen here and is skipped. Every
        variant a student is given must have no problem (see :meth:`ExerciseSet.parameters_for`).

        Examples
        --------
        >>> q = Question("ex02.1", "o1", "T", 1, _kinds.Int(), answer=lambda P: P["i"] - P["k"] + 1,
        ...              mistakes=[Mistake(lambda P: P["i"] - P["k"], "forgot +1"),
        ...                        Mistake(lambda P: P["i"] - 2, "right when k = 3")])
        >>> q.separation_problems({"i": 4, "k": 3})
        ["ex02.1: mistake 1 ('right when k = 3') gives the answer"]
        >>> q.separation_problems({"i": 6, "k": 4})
        []
        """
        if self.is_function:
            return []
        if isinstance(self.kind, _kinds.Expression):
            expression = self.answer(parameters)
            if not self.points_at or not self.mistakes:
                return []
            def texts(value):
                return {_kinds.values_at(value, self.points_at)}
        else:
            expression = None
            def texts(value):
                return set(self.kind.accepted(decode(encode(value))))
        right = texts(expression if expression is not None else self.answer(parameters))
        problems, seen = [], []
        for number, mistake in enumerate(self.mistakes):
            value = mistake.answer(parameters)
            if value is None:
                continue
            wrong = texts(value)
            label = f"mistake {number} ({mistake.hint[:40]!r})"
            if wrong & right:
                problems.append(f"{self.id}: {label} gives the answer")
            for other, other_texts in seen:
                if wrong & other_texts:
                    problems.append(f"{self.id}: {label} gives the same answer as mistake {other}")
            seen.append((number, wrong))
        return problems

    def separating_settings(self, names, grid, defaults: dict, keep: Callable[[dict], bool] | None = None,
                            refused: tuple = (ValueError,)) -> tuple:
        """Every setting of a small grid of parameters at which this question's mistakes separate.

        ``names`` are parameters of ``defaults`` and ``grid`` holds one sequence of values per name;
        a setting is kept when ``keep`` (if given) accepts it and :meth:`separation_problems` finds
        nothing at ``defaults`` with the setting in place. A setting whose answer raises one of
        ``refused`` (a kernel larger than its input, a framework's refusal) is no layer and is left
        out. Settings come as value tuples in the order of ``itertools.product(*grid)``, so a
        generator draws one with ``rng.choice`` and a seed always gives the same variant. The table
        is built on the first call and kept (per grid, defaults and ``keep``): a set built at import
        pays nothing until a variant is drawn.

        Examples
        --------
        >>> q = Question("ex02.1", "o1", "T", 1, _kinds.Int(), answer=lambda P: P["i"] - P["k"] + 1,
        ...              mistakes=[Mistake(lambda P: P["i"] - 2, "right when k = 3")])
        >>> q.separating_settings(("k",), ((2, 3, 4),), {"i": 6, "k": 4})
        ((2,), (4,))
        """
        names = tuple(names)
        grid = tuple(tuple(values) for values in grid)
        if len(names) != len(grid):
            raise ValueError(f"separating_settings: grid has {len(grid)} sequences of values for "
                             f"{len(names)} names; give one sequence per name")
        unknown = [name for name in names if name not in defaults]
        if unknown:
            raise ValueError(f"separating_settings: names {unknown} are not parameters of defaults")
        key = (names, grid, keep, refused, repr(sorted(defaults.items())))
        if key not in self._settings_cache:
            settings = []
            for values in itertools.product(*grid):
                setting = {**defaults, **dict(zip(names, values))}
                if keep is not None and not keep(setting):
                    continue
                try:
                    if not self.separation_problems(setting):
                        settings.append(values)
                except refused:
                    continue
            self._settings_cache[key] = tuple(settings)
        return self._settings_cache[key]

    def _mistakes_at(self, expression, parameters: dict) -> dict:
        """Digests of the declared mistakes' values at the public points of an expression question."""
        salt = hashlib.sha256(f"course check() salt|{self.id}|points_at".encode()).hexdigest()[:32]
        right = _kinds.answer_digest(salt, _kinds.values_at(expression, self.points_at))
        seen, mistakes = {right}, []
        for number, mistake in enumerate(self.mistakes):
            digest = _kinds.answer_digest(salt, _kinds.values_at(mistake.answer(parameters), self.points_at))
            if digest not in seen:  # a mistake right at every public point cannot be told apart there
                mistakes.append([digest, number])
                seen.add(digest)
        return {"salt": salt, "mistakes": mistakes}

    def public(self, parameters: dict, form_only: bool = False) -> dict:
        """The part of this question a student may see (goes to the public checks file).

        With ``form_only`` (an exam) it holds no public checks and no expected values.
        """
        data = {
            "id": self.id, "name": self.name, "title": self.title, "points": self.points,
            "kind": self.kind.to_json(), "hint": self.hint,
            "checks": [] if form_only else [
                {"test": c.test, "message": c.message, "hint": c.hint, "uses": _names_in(c.test, parameters)}
                for c in self.checks],
        }
        if self.is_function:
            data["examples"] = [
                {"args": encode_input(list(args)), "call": _call_text(self.name, args)}
                | ({} if form_only else {"expected": encode(self.reference(*args))})
                for args in self.examples
            ]
        if isinstance(self.kind, _kinds.Expression) and not form_only:
            expression = self.answer(parameters)
            data["points_at"] = [
                {"point": dict(point), "expected": encode(int(_kinds.evaluate_exact(expression, point)))}
                for point in self.points_at
            ]
            if self.mistakes and self.points_at:
                data["mistake_hints"] = [m.hint for m in self.mistakes]
                data["mistakes_at"] = self._mistakes_at(expression, parameters)
        if self.has_digests and not form_only:
            data["uses"] = self.uses(parameters)
            data["mistake_hints"] = [m.hint for m in self.mistakes]
        if self.ask:
            data["ask"] = self.ask
        return data

    def entry_digests(self, parameters: dict, salt: str) -> dict | None:
        """Digests of each entry of a matrix or ordered tuple answer, so that ``check()`` can say
        which entries are off without knowing their values; None for other kinds.

        Examples
        --------
        >>> q = Question("l04.2", "y", "T", 1, _kinds.IntTuple(length=2), answer=lambda P: (P["a1"], 7))
        >>> entries = q.entry_digests({"a1": 3}, "00")
        >>> entries["shape"], entries["digests"][1] == _kinds.answer_digest("00", "entry 1|7")
        ([2], True)
        """
        kind = self.kind
        if not (isinstance(kind, _kinds.Matrix) or (isinstance(kind, _kinds.IntTuple) and not kind.unordered)):
            return None
        canonical = next(iter(kind.accepted(decode(encode(self.answer(parameters))))), None)
        if canonical is None:
            return None
        return entry_digest_table(json.loads(canonical), salt, rows=isinstance(kind, _kinds.Matrix))


@dataclass
class QuestionPool:
    """One question slot filled, per student, by one of several versions of a question.

    ``versions`` are questions (:class:`Question`) with the slot's ID, answer name and points; their texts,
    kinds, answers, mistakes and hints may differ. The notebook's PARAMETERS cell holds the
    version's number in ``parameter`` (0, 1, ...), which the set's ``generate`` draws like any
    other parameter; ``course release`` keeps only that version's text in a student's notebook
    (the heading cell marks each version's text with ``<!-- version N -->``), ``check()`` and
    the grader judge the answer against that version.

    Examples
    --------
    >>> v0 = Question("ex02.9", "o9", "T", 1, _kinds.Int(), answer=lambda P: P["i"] - 2)
    >>> v1 = Question("ex02.9", "o9", "T", 1, _kinds.Int(), answer=lambda P: P["i"] + 2)
    >>> pool = QuestionPool("version9", [v0, v1])
    >>> pool.id, pool.at({"version9": 1, "i": 5}).answer({"i": 5})
    ('ex02.9', 7)
    """

    parameter: str
    versions: list[Question]

    def __post_init__(self):
        if not isinstance(self.parameter, str) or not self.parameter.isidentifier():
            raise ValueError(f"parameter must name the PARAMETERS variable that holds the version, got {self.parameter!r}")
        if len(self.versions) < 2 or not all(isinstance(v, Question) for v in self.versions):
            raise ValueError(f"versions must be at least two Questions, got {self.versions!r}")
        first = self.versions[0]
        for version in self.versions[1:]:
            if (version.id, version.name, version.points) != (first.id, first.name, first.points):
                raise ValueError(f"{first.id}: every version of a pool needs the same ID, answer name and points "
                                 f"({version.id}, {version.name!r}, {version.points} differ)")

    id = property(lambda self: self.versions[0].id)
    name = property(lambda self: self.versions[0].name)
    points = property(lambda self: self.versions[0].points)
    title = property(lambda self: self.versions[0].title)
    heading = property(lambda self: self.versions[0].heading)
    is_function = property(lambda self: all(v.is_function for v in self.versions))

    def at(self, parameters: dict) -> Question:
        """The version these parameters hold.

        Raises
        ------
        ValueError
            If ``parameters[self.parameter]`` is not the number of a version.
        """
        number = parameters.get(self.parameter)
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < len(self.versions):
            raise ValueError(f"{self.id}: the parameter {self.parameter} must be a version number "
                             f"0-{len(self.versions) - 1}, got {number!r}")
        return self.versions[number]

    def separation_problems(self, parameters: dict) -> list[str]:
        """The separation problems of the version these parameters hold (see :meth:`Question.separation_problems`)."""
        return self.at(parameters).separation_problems(parameters)

    def uncovered_groups(self) -> list[str]:
        """The hidden groups without a public example, over every version."""
        return [problem for version in self.versions for problem in version.uncovered_groups()]


def _names_in(test: str, parameters: dict) -> list[str]:
    """The parameters a check's test refers to (check() needs only those)."""
    import ast

    return sorted({n.id for n in ast.walk(ast.parse(test, mode="eval")) if isinstance(n, ast.Name)} & set(parameters))


def _call_text(name: str, args: tuple) -> str:
    return f"{name}({', '.join(repr(a) for a in args)})"


def encode_input(value):
    """JSON for a hidden or public input: tuples are marked so the kernel can rebuild them.

    Examples
    --------
    >>> encode_input([("fc", 256)])
    [{'tuple': ['fc', 256]}]
    """
    if isinstance(value, tuple):
        return {"tuple": [encode_input(v) for v in value]}
    if isinstance(value, list):
        return [encode_input(v) for v in value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    raise TypeError(f"hidden inputs must be numbers, text, lists or tuples, got {type(value).__name__}")


@dataclass
class ExerciseSet:
    """An exercise set: its notebook, parameters (defaults and per-student variants), questions."""

    id: str
    notebook: str
    title: str
    parameters: dict
    questions: list[Question]
    generate: Callable[[random.Random], dict] | None = None
    source: Path | None = None
    # "full": check() compares value answers with salted digests of the expected answer and of
    # the declared mistakes; "form-only" (an exam): check() judges only an answer's form.
    feedback: str = "full"

    def __post_init__(self):
        if not isinstance(self.id, str) or not _SET_ID.match(self.id):
            raise ValueError(f"exercise set id must look like 'ex02' (an exercise set) or 'l02' (a lesson's "
                             f"check-yourself questions), got {self.id!r}")
        if self.feedback not in ("full", "form-only"):
            raise ValueError(f"{self.id}: feedback must be 'full' or 'form-only', got {self.feedback!r}")
        if not re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", self.notebook) or self.notebook[:2] != self.number:
            raise ValueError(f"{self.id}: notebook must be named like '{self.number}_topic.ipynb', got {self.notebook!r}")
        ids, names = set(), set()
        for question in self.questions:
            match = _ID.match(question.id)
            if not match or match.group(1) != self.id:
                raise ValueError(f"{self.id}: question ID {question.id!r} must look like '{self.id}.N'")
            if question.id in ids or question.name in names:
                raise ValueError(f"{self.id}: {question.id} repeats a question ID or an answer name")
            ids.add(question.id)
            names.add(question.name)
            if isinstance(question, QuestionPool):
                if self.is_lesson:
                    raise ValueError(f"{question.id}: a lesson's check-yourself questions have no versions")
                if question.parameter not in self.parameters:
                    raise ValueError(f"{question.id}: its pool's parameter {question.parameter} is not one of the "
                                     "set's parameters (the PARAMETERS cell must hold it)")
                question.at(self.parameters)  # the defaults must name a version
                if len({v.title for v in question.versions}) != 1:
                    raise ValueError(f"{question.id}: every version of a pool needs the same title")
            for version in getattr(question, "versions", [question]):
                if self.is_lesson and version.is_function:
                    raise ValueError(f"{version.id}: a lesson's check-yourself questions are value questions, "
                                     "not functions")
                if self.is_lesson and self.generate is not None and version.has_digests \
                        and version.uses(self.parameters) and not version.ask:
                    raise ValueError(f"{version.id}: a lesson question whose numbers practice() draws again needs "
                                     "`ask`, the question restated over its parameters")
                if version.ask:
                    try:
                        version.ask.format(**self.parameters)
                    except (KeyError, IndexError, ValueError) as err:
                        raise ValueError(f"{version.id}: `ask` must be a format string over the set's parameters "
                                         f"{sorted(self.parameters)}: {err!r}") from None
                if version.is_function and (version.reference is None or not version.hidden):
                    raise ValueError(f"{version.id}: a function question needs a reference and hidden groups")
                if not version.is_function and version.answer is None:
                    raise ValueError(f"{version.id}: needs an answer(parameters) function")

    @property
    def number(self) -> str:
        return self.id[-2:]

    @property
    def is_lesson(self) -> bool:
        """True for a lesson's check-yourself questions (``l01``): checked, never graded."""
        return self.id.startswith("l")

    @property
    def max_points(self) -> float:
        return sum(q.points for q in self.questions)

    def question(self, qid: str) -> Question | QuestionPool:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def questions_at(self, params: dict) -> list[Question]:
        """The questions a student with these parameters answers: each pool's version resolved.

        Examples
        --------
        >>> import course_lib
        >>> ex03 = load_sets(Path(course_lib.__file__).parent.parent / "instructor" / "sets")["ex03"]
        >>> len(ex03.questions_at(ex03.parameters)) == len(ex03.questions)
        True
        """
        return [q.at(params) if isinstance(q, QuestionPool) else q for q in self.questions]

    def every_version(self) -> list[Question]:
        """Every question a student may be given: each pool's versions in place of the pool.

        Examples
        --------
        >>> import course_lib
        >>> ex03 = load_sets(Path(course_lib.__file__).parent.parent / "instructor" / "sets")["ex03"]
        >>> [q.id for q in ex03.every_version()][:2]
        ['ex03.1', 'ex03.2']
        """
        return [version for q in self.questions for version in getattr(q, "versions", [q])]

    def parameters_for(self, student: str | None, secret: bytes | None) -> dict:
        """The student's parameters: the defaults, or the variant from (student, secret).

        A drawn variant in which a declared mistake would pass for the answer or for another
        mistake (:meth:`separation_problems`) is drawn again, from the same generator, up to
        :data:`MAX_DRAWS` times; the result depends only on (secret, set, student).
        """
        if student is None or secret is None or self.generate is None:
            return dict(self.parameters)
        return self.draw(random.Random(variant_seed(secret, self.id, student)))

    def draw(self, rng: random.Random) -> dict:
        """One variant from ``generate(rng)`` that separates every declared mistake (redrawn until it does).

        Raises
        ------
        ValueError
            If ``generate`` returns other parameter names, or no separating variant comes up in
            :data:`MAX_DRAWS` draws (a mistake that always coincides: fix the declaration).
        """
        for _ in range(MAX_DRAWS):
            params = self.generate(rng)
            if set(params) != set(self.parameters):
                raise ValueError(f"{self.id}: generate() must return the parameters {sorted(self.parameters)}")
            if not self.separation_problems(params):
                return params
        raise ValueError(f"{self.id}: no variant in {MAX_DRAWS} draws separates every declared mistake; last "
                         f"problems: {self.separation_problems(params)}")

    def separation_problems(self, params: dict) -> list[str]:
        """Every place where ``params`` let a declared mistake pass for an answer or another mistake.

        Examples
        --------
        >>> import course_lib
        >>> sets = load_sets(Path(course_lib.__file__).parent.parent / "instructor" / "sets")
        >>> sets["ex06"].separation_problems(sets["ex06"].parameters)
        []
        """
        return [problem for question in self.questions for problem in question.separation_problems(params)]

    def practice_draws(self) -> list[dict]:
        """The new numbers a lesson ships for ``practice()``: :data:`PRACTICE_DRAWS` separating draws
        from a seed fixed by the lesson's id (so a release reproduces its public file), each
        different from the lesson's own numbers; empty for an exercise set or a lesson without
        ``generate``.

        Examples
        --------
        >>> q = Question("l99.1", "y", "T", 1, _kinds.Int(), answer=lambda P: P["i1"] - 2, ask="i = {i1}?")
        >>> lesson = ExerciseSet("l99", "99_x.ipynb", "T", {"i1": 5}, [q], generate=lambda rng: {"i1": rng.randint(3, 9)})
        >>> draws = lesson.practice_draws()
        >>> len(draws), {"i1": 5} in draws
        (6, False)
        """
        if not self.is_lesson or self.generate is None:
            return []
        rng, draws = random.Random(f"{self.id} practice"), []
        for _ in range(PRACTICE_DRAWS * 4):
            params = self.draw(rng)
            if params != self.parameters and params not in draws:
                draws.append(params)
            if len(draws) == PRACTICE_DRAWS:
                break
        return draws

    def expected(self, params: dict) -> dict:
        """Expected answers of the value questions for these parameters."""
        return {q.id: q.answer(params) for q in self.questions_at(params) if not q.is_function}

    def public(self, variants: list[dict] = (), secret: bytes | None = None) -> dict:
        """Everything ``check()`` needs, and nothing the grader keeps hidden.

        The digest tables hold the defaults' entry and one entry per distinct variant in
        ``variants`` (the students' parameters, salted with ``secret``).
        """
        form_only = self.feedback == "form-only"
        if self.is_lesson:
            variants = self.practice_draws()
        questions = []
        for question in self.questions:
            if isinstance(question, QuestionPool):
                versions = []
                for number, version in enumerate(question.versions):
                    holding = [v for v in variants if v.get(question.parameter) == number]
                    versions.append(self._question_public(version, holding, secret, form_only,
                                                          defaults=self.parameters[question.parameter] == number))
                questions.append({"id": question.id, "name": question.name, "title": question.title,
                                  "points": question.points, "version_parameter": question.parameter,
                                  "versions": versions})
            else:
                questions.append(self._question_public(question, variants, secret, form_only))
        return {
            "_generated": f"by `course release` from the instructor's declaration of {self.id}; do not edit",
            "id": self.id, "title": self.title, "notebook": self.notebook, "feedback": self.feedback,
            "lesson": self.is_lesson,
            "parameters": sorted(self.parameters), "questions": questions,
        } | ({"defaults": dict(self.parameters), "draws": list(variants)} if self.is_lesson else {})

    def _question_public(self, question: Question, variants, secret, form_only: bool, defaults: bool = True) -> dict:
        data = question.public(self.parameters, form_only)
        if "uses" in data:
            data["digests"] = self._digest_table(question, data["uses"], variants, secret, defaults)
        return data

    def _digest_table(self, question: Question, uses: list, variants, secret, defaults: bool = True) -> dict:
        table = {}
        for params in [self.parameters] * defaults + list(variants):
            if question.uses(params) != uses:
                raise ValueError(f"{question.id}: its answer reads other parameters for a variant than for "
                                 f"the defaults ({question.uses(params)} instead of {uses})")
            fingerprint = _kinds.parameter_fingerprint({name: params[name] for name in uses})
            if fingerprint is None:
                raise ValueError(f"{question.id}: its parameters must be numbers, text or lists of them")
            if fingerprint in table:
                continue
            label = f"{self.id}|{question.id}|{fingerprint}".encode()
            if params is self.parameters or secret is None:
                # The defaults' salt is fixed, so a release reproduces the committed file exactly.
                salt = hashlib.sha256(b"course check() salt|" + label).hexdigest()[:32]
            else:
                salt = hmac.new(secret, b"check() salt|" + label, hashlib.sha256).hexdigest()[:32]
            table[fingerprint] = question.digest_entry(params, salt)
            entries = question.entry_digests(params, salt) if self.is_lesson else None
            if entries:  # a lesson's check() says which entries are off (lessons give no points)
                table[fingerprint]["entries"] = entries
        return table

    def public_json(self, variants: list[dict] = (), secret: bytes | None = None) -> str:
        """The public checks file's text (see :meth:`public`)."""
        return json.dumps(self.public(variants, secret), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def entry_digest_table(entries: list, salt: str, rows: bool = False) -> dict:
    """``{"shape": [...], "digests": [...]}`` for canonical entries: a list of items, or with
    ``rows`` a list of equally long rows (a matrix), whose entries are digested row by row.

    Examples
    --------
    >>> table = entry_digest_table([[1, 2], [3, 4]], "00", rows=True)
    >>> table["shape"], len(table["digests"])
    ([2, 2], 4)
    """
    if rows:
        flat = [json.dumps(x, separators=(",", ":")) for row in entries for x in row]
        shape = [len(entries), len(entries[0]) if entries else 0]
    else:
        flat = [json.dumps(x, separators=(",", ":")) for x in entries]
        shape = [len(entries)]
    return {"shape": shape, "digests": [_kinds.answer_digest(salt, f"entry {n}|{text}") for n, text in enumerate(flat)]}


def variant_seed(secret: bytes, set_id: str, student: str) -> int:
    """A seed only the holder of ``secret`` can compute for (set, student).

    Examples
    --------
    >>> variant_seed(b"k", "ex02", "alice") == variant_seed(b"k", "ex02", "alice")
    True
    >>> variant_seed(b"k", "ex02", "alice") == variant_seed(b"k", "ex02", "bob")
    False
    """
    digest = hmac.new(secret, f"{set_id}:{student}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def load_sets(directory: Path) -> dict[str, ExerciseSet]:
    """Import every ``*.py`` in ``directory`` that defines ``EXERCISE_SET``; keyed by set id.

    Examples
    --------
    >>> import course_lib
    >>> sets = load_sets(Path(course_lib.__file__).parent.parent / "instructor" / "sets")
    >>> sorted(sets)[:3], sets["ex02"].question("ex02.1").title
    (['ex01', 'ex02', 'ex03'], 'Relationship 1: no zero padding, unit strides')
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"no exercise-set folder at {directory}")
    sets = {}
    for path in sorted(directory.glob("*.py")):
        name = f"_course_exercise_set_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        exercise_set = getattr(module, "EXERCISE_SET", None)
        if exercise_set is None:
            continue
        exercise_set.source = path
        if exercise_set.id in sets:
            raise ValueError(f"exercise set {exercise_set.id} is declared twice ({path})")
        sets[exercise_set.id] = exercise_set
    return sets
