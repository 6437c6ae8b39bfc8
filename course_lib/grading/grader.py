"""Grade submissions: run each in a fresh sandboxed kernel, compare answers in this process.

Only plain JSON leaves a student's kernel: each probe cell prints one line behind a tag the
student cannot predict. Expected answers, reference functions and hidden inputs exist only
here. Anything a submission does — wrong types, rigged objects, patched libraries, fake output,
endless loops, crashes, memory hogs — ends up as a score for that submission, never as an
exception in the grader.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import multiprocessing
import os
import random
import re
import secrets
import sys
import tempfile
import time
import traceback
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from course_lib.grading import _encode, _probe, kinds
from course_lib.grading.bounded import ERROR, MEMORY, NOT_RUN, OK, TIMEOUT, map_bounded
from course_lib.grading.runner import run_cells
from course_lib.grading.sandbox import Sandbox, claim_slot, release_slot
from course_lib.grading.spec import ExerciseSet, Question, encode_input
from course_lib.grading.submissions import (
    MAX_NOTEBOOK_BYTES, Submission, collect, listing, printable, read_bytes, released_student, set_number_of, shorten,
)
from course_lib.grading.values import Unsupported, decode, describe, describe_type

__all__ = ["Options", "QuestionResult", "SubmissionResult", "grade_submission", "grade_many",
           "identify", "read_submission", "released_for", "STATUSES", "NEEDS_ATTENTION"]

# "student mismatch" and "not in roster" arise only when a roster is given (see Options.roster);
# "duplicate" marks files not graded because their student handed in several for one set;
# "missing" is a rostered student who handed in nothing for a set the run grades (course grade --roster);
# "needs roster" is a per-student variant graded without a roster: not graded, since its
# student's parameters are unknown.
STATUSES = ("ok", "timeout", "crashed", "invalid notebook", "student mismatch", "not in roster", "duplicate",
            "missing", "needs roster")
# Every row that is not "ok" asks the instructor to look at its reason (`course grade` exits 1).
NEEDS_ATTENTION = tuple(status for status in STATUSES if status != "ok")
MAX_CELL_NOTES = 10  # cells that failed, named one by one in the feedback; the rest are counted
_NAME_WIDTH = 60  # characters of a name from a notebook's metadata that a reason repeats
_SET_PREFIX = re.compile(r"^(\d\d)_")


@dataclass
class Options:
    """How to grade: timeouts in seconds, the variants' secret, the roster, hidden inputs' seed.

    ``notebook_timeout`` bounds the whole of one submission's grading: reading it, its kernel's
    start, its cells, the probe cells and the comparison of its answers. The kernel may use it
    less the time kept for stopping it (:data:`STOP_RESERVE`) and for comparing
    (``3 * score_timeout``), each at most a quarter of it; comparing gets what is left, at most
    ``3 * score_timeout`` (each question ``score_timeout``).

    ``roster`` (the student IDs of ``course release --roster``) turns on the identity checks:
    a submission in a folder not on the roster, or whose notebook was released for another
    student, is graded as its folder's student and flagged. Without it, a per-student variant
    is not graded (status ``needs roster``). The memory limit belongs to the
    :class:`~course_lib.grading.sandbox.Sandbox`.

    Examples
    --------
    >>> Options(cell_timeout=10).notebook_timeout
    300.0
    """

    cell_timeout: float = 30.0
    notebook_timeout: float = 300.0
    secret: bytes | None = None
    hidden_seed: int | None = None
    call_timeout: float = 5.0
    roster: tuple | None = None
    # The grader's own work on one submission's answers: seconds per question (3 times that for
    # all its questions) and MB of memory beyond the grader's own.
    score_timeout: float = 10.0
    score_memory: float = 1024.0


@dataclass
class QuestionResult:
    """One question's points and messages for one submission."""

    id: str
    points: float
    max_points: float
    status: str  # correct, partly correct, incorrect, not attempted, raised an error, not graded
    messages: list = field(default_factory=list)


@dataclass
class SubmissionResult:
    """One submission's row of the gradebook, with what its feedback needs.

    ``reason`` says why the status is not ``ok`` (empty when it is); ``released_for`` names the
    student a ``needs roster`` variant was released for.
    """

    path: str
    student: str
    set_id: str
    status: str
    questions: list = field(default_factory=list)
    total: float = 0.0
    max_points: float = 0.0
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    reason: str = ""
    released_for: str = ""


# --- reading and identifying submissions ------------------------------------------------------

def identify(path: Path, sets: dict) -> tuple[str, ExerciseSet | None]:
    """(student, exercise set) of a submission: the set comes from the file name's leading number
    (``02_...ipynb`` is ex02); the student is the first folder under the submissions root for a
    :class:`~course_lib.grading.submissions.Submission`, else the folder holding the file.
    Metadata is never trusted.

    Examples
    --------
    >>> identify(Path("submitted/alice/02_convolution_arithmetic.ipynb"), {})
    ('alice', None)
    """
    # Resolved, so that `..` or `.` never becomes a student.
    student = path.student if isinstance(path, Submission) else Path(os.path.realpath(Path(path).parent)).name
    number, _renamed = set_number_of(Path(path).name)
    exercise_set = sets.get(f"ex{number}") if number else None
    return student, exercise_set


def _load_notebook(path: Path) -> dict:
    """A notebook file's JSON; ValueError with a reason a student can act on if it is not one.

    Read with :func:`~course_lib.grading.submissions.read_bytes`: never through a link, never a
    pipe or a device, never more than 20 MB.
    """
    raw = read_bytes(path if isinstance(path, Submission) else Path(path), MAX_NOTEBOOK_BYTES)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}); "
                         "a notebook saved by Jupyter always is") from err
    except UnicodeDecodeError as err:
        raise ValueError(f"not UTF-8 text (byte {err.start} cannot be read); a notebook saved by Jupyter always is") from err
    except RecursionError as err:
        raise ValueError("not a Jupyter notebook (its JSON is nested too deeply)") from err
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise ValueError("not a Jupyter notebook (valid JSON, but without the notebook's list of cells)")
    if data.get("nbformat") != 4:
        raise ValueError(f"a Jupyter notebook of format version {data.get('nbformat')!r}, not 4; "
                         "open it in a current Jupyter and save it again")
    if not isinstance(data.get("cells"), list):
        raise ValueError("not a Jupyter notebook (its `cells` is not a list)")
    return data


def _code_cells(data: dict) -> list:
    sources = []
    for number, cell in enumerate(data["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise ValueError(f"cell {number} is not a notebook cell")
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise ValueError(f"cell {number} has no readable source")
        if cell["cell_type"] == "code":
            sources.append((number, source))
    return sources


def read_submission(path: Path) -> list[str]:
    """``(cell number, source)`` of a notebook file's code cells.

    Raises
    ------
    ValueError
        If the file is not a version-4 Jupyter notebook; the message says why (too large,
        not valid JSON and where, not a notebook, an old format, a malformed cell).

    Examples
    --------
    >>> import course_lib
    >>> root = Path(course_lib.__file__).parent.parent
    >>> read_submission(root / "exercises" / "02_convolution_arithmetic.ipynb")[0]
    (3, 'from itertools import product\\n\\nimport numpy as np\\nimport sympy\\n\\nfrom course_lib.grading import check')
    """
    return _code_cells(_load_notebook(path))


def released_for(path: Path) -> str | None:
    """The student a notebook was released for (``course release --roster`` writes it into the
    notebook's metadata), or None: a shared exercise notebook, or not a readable notebook.

    What makes a submission's row ``needs roster`` when it is graded without one (the row's
    ``released_for`` names the same student); the grader never takes a student's parameters from it.

    Examples
    --------
    >>> import course_lib
    >>> released_for(Path(course_lib.__file__).parent.parent / "exercises" / "02_convolution_arithmetic.ipynb") is None
    True
    """
    try:
        return released_student(_load_notebook(path))
    except (OSError, ValueError):
        return None


def _refused(submission: Submission, sets: dict) -> SubmissionResult:
    """The row of a submission that is not run at all (a link, a pipe, a duplicate, ...): 0 points."""
    student, exercise_set = identify(submission, sets)
    result = SubmissionResult(submission.path, student, exercise_set.id if exercise_set else "?",
                              submission.problem[0], reason=submission.problem[1])
    if exercise_set:
        result.max_points = exercise_set.max_points
        result.questions = [QuestionResult(q.id, 0.0, q.points, "not graded") for q in exercise_set.questions]
    return result


def _name_reason(path: Path, sets: dict) -> str:
    """Why a file name names no exercise set, with the names that would."""
    expected = ", ".join(sorted(s.notebook for s in sets.values())) or "none: no exercise set is declared"
    match = _SET_PREFIX.match(path.name)
    if match:
        return (f"file name {path.name} starts with {match.group(1)}_, but there is no exercise set "
                f"ex{match.group(1)} (expected one of {expected})")
    return f"file name {path.name} does not match any exercise set's notebook (expected one of {expected})"


# --- probes ------------------------------------------------------------------------------------

def _probe_sources() -> tuple[str, str]:
    """The encoder's and the probe's source, pasted into every probe cell."""
    return inspect.getsource(_encode), inspect.getsource(_probe)


# The probe cell binds nothing from the student's namespace but the answer itself: it loads
# `builtins` under a private name, runs the encoder and the probe in a fresh namespace whose
# builtins are the real ones, and hands them the student's namespace explicitly. A student's
# variable called `type`, `dict`, `print` or `exec` cannot change how an answer is read.
_PROBE_CELL = '''def {fn}():
    import builtins as _builtins
    _scope = {{"__builtins__": _builtins, "__name__": "course_probe"}}
    _builtins.exec({encoder!r}, _scope)
    _builtins.exec({probe!r}, _scope)
    _scope[{entry!r}](_builtins.globals(), {config!r})
{fn}()
del {fn}
'''


def _probe_cell(entry: str, config: dict) -> str:
    """The source of one probe cell that runs ``_probe.<entry>`` with ``config``.

    Examples
    --------
    >>> source = _probe_cell("read_value", {"id": "ex02.1", "name": "o1", "tag": "T"})
    >>> source.startswith("def _probe_") and "_builtins.globals()" in source
    True
    """
    encoder, probe = _probe_sources()
    return _PROBE_CELL.format(fn=f"_probe_{secrets.token_hex(6)}", encoder=encoder, probe=probe, entry=entry,
                              config=json.dumps(config))


@dataclass
class _Plan:
    """What the grader asks one submission, and what it expects (never sent to the kernel)."""

    question: Question
    probe: str
    expected: object = None
    calls: list = field(default_factory=list)  # for functions: (group index or "example", args)
    call_timeout: float = 0.0  # for functions: the limit of one call, in seconds
    budget: float = 0.0  # for functions: the limit of all calls together, in seconds


def _plan(exercise_set: ExerciseSet, params: dict, tag: str, rng: random.Random, call_timeout: float,
          budget: float) -> list[_Plan]:
    """One plan per question, value questions first.

    Every value is read before any function is called: nothing a function computes from its
    hidden inputs can reach a value answer and, from there, the feedback.
    """
    plans = []
    for question in exercise_set.questions_at(params):
        if question.is_function:
            calls = [("example", tuple(args)) for args in question.examples]
            for number, group in enumerate(question.hidden):
                calls += [(number, args) for args in group.inputs(rng)]
            limit = min(question.kind.time_limit, call_timeout, budget)
            config = {"id": question.id, "name": question.name, "tag": tag, "call_timeout": limit,
                      "budget": budget, "calls": [[group, encode_input(list(args))] for group, args in calls]}
            plans.append(_Plan(question, _probe_cell("call_function", config), calls=calls, call_timeout=limit,
                               budget=budget))
        else:
            config = {"id": question.id, "name": question.name, "tag": tag}
            plans.append(_Plan(question, _probe_cell("read_value", config), expected=question.answer(params)))
    return sorted(plans, key=lambda plan: plan.question.is_function)


# --- scoring -------------------------------------------------------------------------------------

def _round(value: float) -> float:
    return round(value + 1e-12, 2)


def _payload(lines: list[str], qid: str):
    for line in reversed(lines):
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict) and data.get("id") == qid:
            return data
    return None


def _public_messages(question: Question, params: dict, answer) -> list[str]:
    """Messages of the public checks this answer fails, judged as check() judges them.

    A check that cannot be evaluated on this answer is left out: its message would be false.
    """
    from course_lib.grading.checking import _plain_answer, check_holds

    try:
        plain = _plain_answer(question.kind, answer)
    except Exception:  # noqa: BLE001 - a malformed answer already got its form message
        return []
    return [f"Public check: {check_.message}" for check_ in question.checks
            if check_holds(check_.test, params, plain) is False]


def _mistake_hint(question: Question, params: dict, answer) -> str | None:
    """The hint of the first declared mistake this answer equals (for the student's parameters).

    "Equals" is the question's own comparison giving full credit against the mistake's value.
    """
    for mistake in question.mistakes:
        try:
            wrong = mistake.answer(params)
            if wrong is not None and question.kind.compare(answer, wrong).fraction == 1:
                return mistake.hint
        except Exception:  # noqa: BLE001 - a mistake that cannot be computed here is no match
            continue
    return None


def _teach(result: QuestionResult, question: Question, mistake_hint: str | None = None,
           option_hints: list | None = None) -> QuestionResult:
    """Add what to think about to a question that lost points: the hints of a choice's options
    decided wrongly (``(letter, hint)`` pairs), the matching mistake's hint, or else the question's
    general hint. All are the instructor's declared text, never an answer."""
    if result.points >= result.max_points:
        return result
    for letter, hint in option_hints or []:
        result.messages.append(_sentence(f"Option {letter}: {hint}"))
    if mistake_hint:
        result.messages.append(_sentence(f"This is a common mistake: {mistake_hint}"))
    elif option_hints:
        pass  # the options' own hints say more than the question's general one
    elif question.hint:
        result.messages.append(_sentence(f"Hint: {question.hint}"))
    return result


def _sentence(text: str) -> str:
    return text if text.rstrip().endswith((".", "!", "?", ")", "`")) else text.rstrip() + "."


def _score_value(plan: _Plan, payload, params: dict) -> QuestionResult:
    question = plan.question
    result = QuestionResult(question.id, 0.0, question.points, "incorrect")
    if payload.get("missing"):
        result.status = "not attempted"
        result.messages.append(f"`{question.name}` is not defined in your notebook.")
        return _teach(result, question)
    if "error" in payload or "value" not in payload:
        result.status = "not graded"
        result.messages.append(f"Your answer could not be read ({payload.get('error', 'no value')}).")
        return _teach(result, question)
    answer = decode(payload["value"])
    if answer is Ellipsis:
        result.status = "not attempted"
        result.messages.append(f"`{question.name}` is still `...`.")
        return _teach(result, question)
    try:
        verdict = question.kind.compare(answer, plan.expected)
    except Exception as err:  # noqa: BLE001 - never let one answer stop the grader
        verdict = kinds.Verdict(Fraction(0), f"Your answer could not be compared ({type(err).__name__}).")
    result.points = _round(question.points * float(verdict.fraction))
    result.status = "correct" if verdict.fraction == 1 else "partly correct" if verdict.fraction > 0 else "incorrect"
    result.messages.append(verdict.message)
    if verdict.fraction == 1:
        return result
    try:
        well_formed = question.kind.form(answer) is None
    except Exception:  # noqa: BLE001
        well_formed = False
    if well_formed and isinstance(answer, (int, float)) and not isinstance(answer, bool):
        # What the grader read is the variable's value after the last cell: a later cell that
        # reassigns it is the usual surprise.
        result.messages.append(f"At the end of your notebook `{question.name}` is {describe(answer)}.")
    if well_formed:
        result.messages += _public_messages(question, params, answer)
    return _teach(result, question, _mistake_hint(question, params, answer) if well_formed else None,
                  _option_hints(question, plan.expected, answer) if well_formed else None)


def _option_hints(question: Question, expected, answer) -> list:
    """``(letter, hint)`` of the options of a choice this answer decides wrongly (see
    :meth:`~course_lib.grading.kinds.Choice.shown_hints`); empty for other kinds."""
    if not isinstance(question.kind, kinds.Choice):
        return []
    try:
        return question.kind.shown_hints(answer, question.kind.wrong_options(answer, expected))
    except Exception:  # noqa: BLE001 - an instructor's malformed answer is reported by compare()
        return []


_SHORT_CALL = 120  # a public example's call is shown only when its text is at most this long


def _raised(name) -> str:
    """How feedback names an exception a student's function raised: a built-in exception's name,
    else no name at all (a class the function made itself could be named after its inputs)."""
    import builtins

    name = str(name)
    known = getattr(builtins, name, None) if name.isidentifier() else None
    if isinstance(known, type) and issubclass(known, BaseException):
        return f"raised {name}"
    return "raised an exception of its own class"


def _score_function(plan: _Plan, payload) -> QuestionResult:
    """Credit per hidden group; feedback names groups, never an input or a returned value.

    A student's function can read the hidden inputs it is given (even before its first call,
    from the probe's frame), so whatever it returns or raises is described by type and shape
    only, and a public example's call is shown only when it is short.
    """
    question = plan.question
    result = QuestionResult(question.id, 0.0, question.points, "incorrect")
    if payload.get("missing"):
        result.status = "not attempted"
        result.messages.append(f"`{question.name}` is not defined in your notebook.")
        return _teach(result, question)
    if "value" in payload:
        value = decode(payload["value"])
        result.status = "not attempted" if value is Ellipsis else "incorrect"
        result.messages.append(question.kind.form(value) or f"`{question.name}` is not a function.")
        return _teach(result, question)
    results = payload.get("results")
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        result.status = "not graded"
        result.messages.append("Your function could not be called.")
        return _teach(result, question)
    if any(r.get("raised") == "NotImplementedError" for r in results) and \
            all(r.get("raised") == "NotImplementedError" or r.get("skipped") for r in results):
        result.status = "not attempted"
        result.messages.append(f"`{question.name}` still raises NotImplementedError.")
        return _teach(result, question)
    reference = question.reference
    group_ok = {number: True for number in range(len(question.hidden))}
    too_slow = {"call": 0, "budget": 0}  # hidden calls that failed for time, by limit
    kind = question.kind.result
    for position, (group, args) in enumerate(plan.calls):
        outcome = results[position] if position < len(results) else {"interrupted": True}
        if "ok" in outcome:
            try:
                expected = reference(*[_copy(a) for a in args])
            except Exception as err:  # noqa: BLE001 - an instructor bug, reported but not fatal
                print(f"course grade: the reference of {question.id} failed on {args!r}: {err}", file=sys.stderr)
                continue
            got = decode(outcome["ok"])
            try:
                passed = kind.compare(got, expected).fraction == 1
            except Exception:  # noqa: BLE001
                passed = False
            why = f"returned {describe_type(got)}" if not passed else ""
        elif outcome.get("time") in too_slow:
            passed = False
            if group != "example":
                too_slow[outcome["time"]] += 1
            why = (f"took longer than {plan.call_timeout:g} s" if outcome["time"] == "call"
                   else f"was not run (all calls together may take {plan.budget:g} s)")
        elif outcome.get("skipped"):
            passed, why = False, "was skipped"
        elif "raised" in outcome:
            passed, why = False, _raised(outcome["raised"])
        else:
            passed, why = False, "was interrupted"
        if group == "example":
            if not passed:
                call = f"{question.name}({', '.join(repr(a) for a in args)})"
                shown = f"`{call}`" if len(call) <= _SHORT_CALL else f"{question.name} on a public example"
                result.messages.append(f"Public example: {shown} {why}, which is not the expected result.")
        elif not passed:
            group_ok[group] = False
    weights = [g.weight for g in question.hidden]
    earned = sum(w for number, w in enumerate(weights) if group_ok[number])
    fraction = Fraction(earned, sum(weights))
    result.points = _round(question.points * float(fraction))
    result.status = "correct" if fraction == 1 else "partly correct" if fraction > 0 else "incorrect"
    passed_titles = [g.title for n, g in enumerate(question.hidden) if group_ok[n]]
    failed_titles = [g.title for n, g in enumerate(question.hidden) if not group_ok[n]]
    summary = f"Hidden tests: {len(passed_titles)} of {len(question.hidden)} groups passed."
    if failed_titles:
        summary += " Not yet right for: " + "; ".join(failed_titles) + "."
    result.messages.insert(0, summary)
    if too_slow["call"]:
        result.messages.append(
            f"Time: on {too_slow['call']} hidden input(s) your function took longer than {plan.call_timeout:g} s, "
            "the limit for one call; those count as wrong. The course's solutions take milliseconds.")
    if too_slow["budget"]:
        result.messages.append(
            f"Time: all calls of this question together may take {plan.budget:g} s; your function used them up, "
            f"and the {too_slow['budget']} hidden input(s) it had no time for count as wrong.")
    return _teach(result, question)


def _copy(value):
    """A fresh copy of a hidden input, so the reference sees what the student's function saw."""
    return _encode.decode_input(json.loads(json.dumps(encode_input(value))))


# --- one submission --------------------------------------------------------------------------------

_CELL_FAILURES = ("timeout", "skipped", "died", "out of memory")


def _identity_problem(student: str, released: str | None, roster) -> tuple[str, str] | None:
    """(status, reason) when a roster is given and the submission's student is in doubt.

    The folder names the student and decides the parameters; the notebook's metadata only
    raises the flag (a copied notebook, or one filed in the wrong folder).

    Examples
    --------
    >>> _identity_problem("bob", "alice", ("alice", "bob"))[0]
    'student mismatch'
    >>> _identity_problem("zed", None, ("alice",))[0], _identity_problem("alice", "alice", ("alice",))
    ('not in roster', None)
    """
    if roster is None:
        return None
    if released is not None and released != student:
        shown = shorten(released, _NAME_WIDTH)  # the metadata's text: the student's to make long
        also = "" if released in roster else f"; {shown} is not on the roster either"
        return ("student mismatch",
                f"this notebook was released for {shown} (its metadata) but handed in from {student}'s "
                f"folder; graded with {student}'s parameters{also}")
    if student not in roster:
        return ("not in roster", f"{student} (the folder's name) is not on the roster; graded with the "
                                 "parameters the secret gives that ID")
    return None


def _run_reason(run, code_numbers, plans) -> str:
    """Why a run timed out or crashed, by cell number (the student's numbering) or question."""
    problems = []
    students = [record for record in run.cells if record.kind == "student"]
    for number, record in zip(code_numbers, students):
        if record.status in _CELL_FAILURES:
            problems.append(f"cell {number}: {record.error or record.status}")
    probes = [record for record in run.cells if record.kind == "probe"]
    for plan, record in zip(plans, probes):
        if record.status in _CELL_FAILURES:
            problems.append(f"reading the answer to {plan.question.id}: {record.error or record.status}")
    problems += run.notes
    fallback = {"timeout": "a time limit was reached", "crashed": "the kernel died"}.get(run.status, "")
    return listing(problems, shown=3, width=200, sep="; ") or fallback


def _error_name(record) -> str:
    """The name of the exception a student's cell raised, as the feedback shows it: the type's name
    only, never its message (the student's text: what a cell read, a link), and "an exception" when
    the "name" is not a Python name (a class can be given any text as its name)."""
    name = record.error.split(":", 1)[0].strip()
    return name if name.isidentifier() and len(name) <= _probe.MAX_RAISED_NAME else "an exception"


def _cell_notes(code_numbers, run) -> list[str]:
    """The feedback's notes on the student's cells that did not run cleanly: the first
    :data:`MAX_CELL_NOTES` by number and what happened (for a cell that raised, the exception's
    name only: :func:`_error_name`), then how many more."""
    students = [record for record in run.cells if record.kind == "student"]
    failed = [f"Cell {number}: {_error_name(record) if record.status == 'error' else record.error or record.status}."
              for number, record in zip(code_numbers, students) if record.status not in ("ok", "not run")]
    return listing(failed, shown=MAX_CELL_NOTES, width=400, sep=None, more="And {:,} more cells did not run cleanly.")


_HEADING = re.compile(r"#{1,2}\s")
_QUESTION = re.compile(r"(?:##|#)\s*(ex\d+\.\d+)(?![\d.])")


def _question_cells(data: dict) -> dict:
    """``{question ID: [code cell numbers]}``: the code cells below a question's ``## exNN.M``
    heading (up to the next heading), and any code cell whose first line is ``# exNN.M``."""
    owned: dict = {}
    current = None
    for number, cell in enumerate(data["cells"], start=1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        first = source.lstrip().split("\n", 1)[0]
        if cell.get("cell_type") == "markdown":
            if _HEADING.match(first):
                match = _QUESTION.match(first) if first.startswith("##") else None
                current = match.group(1) if match else None
            continue
        if cell.get("cell_type") != "code":
            continue
        match = _QUESTION.match(first) if first.startswith("#") and not first.startswith("##") else None
        for qid in {current, match.group(1) if match else None} - {None}:
            owned.setdefault(qid, []).append(number)
    return owned


# Python's parser can take time that grows faster than a cell's length (on Python 3.11, an
# f-string holding many expressions after much non-ASCII text takes over a second at 100,000
# characters, and 20 ms at 10,000): a cell longer than _MAX_PARSED is read as text, and so is
# every cell once a notebook's parsed cells reach _MAX_PARSED_IN_ALL characters in all.
_MAX_PARSED = 10_000
_MAX_PARSED_IN_ALL = 100_000


@dataclass(frozen=True)
class _Bindings:
    """What a cell's code binds: ``sure``, the names it assigns, defines or imports (anywhere in
    it); ``maybe``, the names it may set without naming them as a target: the identifiers it holds
    as strings (``globals()["o"] = ...``), and ``*`` for a star import."""

    sure: frozenset
    maybe: frozenset


def _bindings(source: str) -> _Bindings | None:
    """What a cell's code binds, or None when it is not read as code: it is longer than
    :data:`_MAX_PARSED`, or Python cannot parse it (an IPython magic, a syntax error). Parsed with
    warnings off, so that a student's code (an invalid escape sequence, say) never writes to the
    grader's stderr.

    Examples
    --------
    >>> _bindings("o, r = divmod(i, k)\\nfrom math import *").sure == {"o", "r"}, _bindings("%time o = 1")
    (True, None)
    """
    if len(source) > _MAX_PARSED:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    sure, maybe = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            sure.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            sure.add(node.name)
        elif isinstance(node, ast.alias):
            if node.name == "*":
                maybe.add("*")
            else:
                sure.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            maybe.add(node.value)
    return _Bindings(frozenset(sure), frozenset(maybe))


def _assigned_as_text(source: str, name: str) -> bool:
    """Whether a line of a cell's text starts by assigning ``name`` (``o = ...``, ``o += ...``, also
    behind IPython's ``%time``) or by defining it (``def o``, ``class o``)."""
    name = re.escape(name)
    return re.search(rf"(?m)^[ \t]*(?:%{{1,2}}\w+[ \t]+)*(?:{name}[ \t]*(?:[-+*/%&|^@]|//|\*\*|>>|<<)?=(?!=)"
                     rf"|(?:async[ \t]+)?(?:def|class)[ \t]+{name}(?!\w))", source) is not None


def _sets_name(source: str, name: str, bindings=...) -> bool | None:
    """Whether a cell's code sets the top-level ``name``: True when it assigns, defines or imports
    it; False when it does not; None when it may: it holds the name as a string or imports ``*``.
    A cell not read as code (:func:`_bindings`: an IPython magic, a syntax error, a long cell) is
    read as text: True when a line of it starts by assigning or defining the name, None when it
    holds the name as a word otherwise (``%time print(o)`` only reads it), False when it does not
    hold it. ``bindings`` are the cell's :func:`_bindings` when they are known already.

    Examples
    --------
    >>> _sets_name("o, r = divmod(i, k)", "o"), _sets_name("print(o + 1)", "o"), _sets_name("g()['o'] = 1", "o")
    (True, False, None)
    >>> _sets_name("%time o = 1", "o"), _sets_name("%time print(o)", "o"), _sets_name("%time print(x)", "o")
    (True, None, False)
    """
    if bindings is ...:
        bindings = _bindings(source)
    if bindings is not None:
        if name in bindings.sure:
            return True
        return None if name in bindings.maybe or "*" in bindings.maybe else False
    if _assigned_as_text(source, name):
        return True
    return None if re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", source) else False


def _raised_cells(data: dict, code_numbers, run, names: dict, deadline: float | None = None) -> dict:
    """``{question ID: (cell number, exception name)}`` for each question whose answer a cell that
    raised was to set: the first of the question's cells (:func:`_question_cells`) that raised and
    sets its answer's name (``names``: question ID to name; :func:`_sets_name` True), when none of
    its cells that ran cleanly may set it (:func:`_sets_name` True or None). When in doubt, no cell
    is blamed: a stub that ran (``o = ...``) beside a scratch cell that raised is no such question
    (the answer was simply not given), nor is one whose cell that raised only reads the name. The
    exception is named by :func:`_error_name`.

    Only the questions holding a cell that raised are looked at; each cell is parsed at most once,
    and at most :data:`_MAX_PARSED_IN_ALL` characters of a notebook in all (then cells are read as
    text). Past ``deadline`` (a ``time.monotonic()`` value: the end of the submission's time limit)
    nothing is read any more: every cell is in doubt, so no further question is marked."""
    students = dict(zip(code_numbers, (record for record in run.cells if record.kind == "student")))
    sources = dict(_code_cells(data))
    known = {}  # cell number: its _bindings
    room = _MAX_PARSED_IN_ALL

    def sets(number: int, name: str) -> bool | None:
        nonlocal room
        if deadline is not None and time.monotonic() > deadline:
            return None
        if number not in known:
            source = sources[number]
            known[number] = None
            if len(source) <= min(room, _MAX_PARSED):
                room -= len(source)
                known[number] = _bindings(source)
        return _sets_name(sources[number], name, known[number])

    raised = {}
    for qid, numbers in _question_cells(data).items():
        name = names.get(qid)
        ran = [number for number in numbers if number in students]
        failed = [number for number in ran if students[number].status == "error"]
        if not name or not failed:
            continue
        first = next((number for number in failed if sets(number, name) is True), None)
        if first is None:
            continue
        if any(students[number].status == "ok" and sets(number, name) is not False for number in ran):
            continue
        raised[qid] = (first, _error_name(students[first]))
    return raised


def _mark_raised(questions: list, raised: dict) -> None:
    """Tell a question whose answer was never set because the cell meant to set it raised from one
    left untouched: status "raised an error", and the cell and the exception's name come first."""
    for question in questions:
        if question.status == "not attempted" and question.id in raised:
            number, name = raised[question.id]
            question.status = "raised an error"
            question.messages.insert(0, f"Cell {number} of this question raised {name}, so your answer was not set.")


def _score_one(run, plan: _Plan, index: int, params: dict) -> QuestionResult:
    """One question's result from its probe cell's output (run in :func:`_score_bounded`'s child)."""
    record = run.cells[index]
    payload = _payload(run.probe_lines.get(index, []), plan.question.id)
    if payload is None:
        why = {"timeout": "took too long", "skipped": "took too long", "died": "crashed the kernel",
               "out of memory": "ran out of memory"}.get(record.status, "could not run")
        return _teach(QuestionResult(plan.question.id, 0.0, plan.question.points, "not graded",
                                     [f"Reading your answer {why}."]), plan.question)
    if plan.question.is_function:
        return _score_function(plan, payload)
    return _score_value(plan, payload, params)


def _warn(text: str) -> None:
    """A grader problem on stderr, line by line: text a student chose (in an exception's message)
    reaches the terminal only through :func:`~course_lib.grading.submissions.printable`."""
    print("\n".join(printable(line) for line in str(text).splitlines()), file=sys.stderr)


def _scoring_reserve(options: Options) -> float:
    """Seconds of a submission's ``notebook_timeout`` kept for comparing its answers."""
    return min(options.score_timeout * 3, options.notebook_timeout / 4)


# Seconds a run may need after its own time to stop its kernel: shut it down, kill whatever it
# left running and remove its sandbox (about a second; longer on a loaded machine). An interrupt
# is never waited for past the run's time (runner.run_cells).
STOP_RESERVE = 5.0


def _stop_reserve(options: Options) -> float:
    """Seconds of a submission's ``notebook_timeout`` kept for stopping its kernel after its run's
    time: :data:`STOP_RESERVE`, at most a quarter of the limit (what is not used goes to comparing)."""
    return min(STOP_RESERVE, options.notebook_timeout / 4)


def _score_bounded(run, plans, params: dict, options: Options, deadline: float | None = None) -> tuple[list, list]:
    """(question results, limits) with every question scored under the grader's own limits.

    Decoding and comparing run in a forked child (:func:`~course_lib.grading.bounded.map_bounded`):
    a question whose comparison takes longer than ``options.score_timeout`` s or more than
    ``options.score_memory`` MB gets 0 with the reason, and the other questions go on. All of
    them together get ``3 * options.score_timeout`` s, and never past ``deadline`` (a
    ``time.monotonic()`` value: the end of the submission's ``notebook_timeout``). ``limits``
    holds ``(status, reason)`` for the row, status ``timeout`` or ``crashed``.
    """
    probes = [record.index for record in run.cells if record.kind == "probe"]
    items = list(zip(probes, plans))
    total = options.score_timeout * 3
    cut = deadline is not None and deadline - time.monotonic() < total  # the notebook's limit comes first
    if cut:
        total = deadline - time.monotonic()
    if total > 0.01:
        outcomes = map_bounded(lambda item: _score_one(run, item[1], item[0], params), items,
                               seconds=options.score_timeout, memory_mb=options.score_memory, total_seconds=total)
    else:
        outcomes = [(NOT_RUN, None)] * len(items)
    results, limits = [], []
    for (_, plan), (status, value) in zip(items, outcomes):
        question = plan.question
        if status == OK:
            results.append(value)
            continue
        row = "timeout"
        if status == ERROR:  # a grader bug: said on stderr, and the question is not graded
            _warn(f"course grade: scoring {question.id} failed: {value}")
            message, limit = "Your answer could not be compared (a grader error).", ""
        elif status == TIMEOUT:
            message = f"Comparing your answer took longer than {options.score_timeout:g} s, the grader's limit."
            limit = f"comparing the answer to {question.id} took longer than {options.score_timeout:g} s"
        elif status == MEMORY:
            message = f"Comparing your answer needed more than {options.score_memory:g} MB, the grader's limit."
            limit = f"comparing the answer to {question.id} needed more than {options.score_memory:g} MB"
            row = "crashed"
        elif cut:
            message = (f"Not compared: your notebook's time limit ({options.notebook_timeout:g} s, for running "
                       "and grading it) ran out first.")
            limit = (f"the notebook's time limit ({options.notebook_timeout:g} s, for running and grading it) "
                     "ran out while comparing its answers")
        else:
            message = (f"Not compared: comparing this notebook's answers took longer than "
                       f"{options.score_timeout * 3:g} s in all.")
            limit = f"comparing the answers took longer than {options.score_timeout * 3:g} s in all"
        results.append(_teach(QuestionResult(question.id, 0.0, question.points, "not graded", [message]), question))
        if limit and limit not in [why for _, why in limits]:
            limits.append((row, limit))
    return results, limits


def _out_of_time(result: SubmissionResult, options: Options) -> None:
    """A run that had not ended at the notebook's time limit, so nothing of it was kept (its kernel
    would not start, or not stop, within the time kept for that): every question 0."""
    result.status = "timeout"
    result.reason = (f"the notebook's time limit ({options.notebook_timeout:g} s, for running and grading it) "
                     "ran out before its kernel was stopped (it was still starting, running or stopping); "
                     "no answer was read")
    result.notes.append(result.reason[0].upper() + result.reason[1:] + ".")
    for question in result.questions:
        question.messages.append("Not read: your notebook's time limit ran out first.")


def grade_submission(path, sets: dict, options: Options, sandbox: Sandbox, slot: int, scratch: Path) -> SubmissionResult:
    """Grade one notebook file. Never raises: every failure becomes a status and a reason.

    The whole of it, this process's own work included, ends within ``options.notebook_timeout``
    (and the moment it takes to stop a kernel): the kernel's run is given the limit less
    :func:`_stop_reserve` and :func:`_scoring_reserve`, and a run still going at the limit is
    abandoned (:func:`_out_of_time`).

    Examples
    --------
    With ``sets = load_sets(Path("instructor/sets"))`` and ``sandbox = detect_sandbox()``,
    ``grade_submission("submitted/alice/02_convolution_arithmetic.ipynb", sets, Options(), sandbox, 0,
    Path("/tmp"))`` returns alice's :class:`SubmissionResult` (total, status, one result per question).
    """
    started = time.monotonic()
    deadline = started + options.notebook_timeout
    submission, path = path, Path(path)  # a Submission knows its student and how to open it safely
    student, exercise_set = identify(submission, sets)
    result = SubmissionResult(str(path), student, exercise_set.id if exercise_set else "?", "ok")
    if exercise_set and set_number_of(path.name)[1]:
        result.notes.append(f"Your file is named {path.name}, a copy's or a download's name: it was graded as "
                            f"{exercise_set.id} ({exercise_set.notebook}).")
    try:
        if exercise_set is None:
            result.status = "invalid notebook"
            result.reason = _name_reason(path, sets)
            return result
        result.max_points = exercise_set.max_points
        result.questions = [QuestionResult(q.id, 0.0, q.points, "not graded") for q in exercise_set.questions]
        try:
            data = _load_notebook(submission)
            cells = _code_cells(data)
        except OSError as err:
            result.status, result.reason = "invalid notebook", f"the file could not be read ({err.strerror or err})"
            return result
        except ValueError as err:
            result.status, result.reason = "invalid notebook", str(err)
            return result
        released = released_student(data)
        if options.roster is None and released is not None:
            # Its parameters are the roster's and the secret's: graded without them, every answer
            # would be compared with the default parameters' and lose its points.
            result.status, result.released_for = "needs roster", released
            result.reason = (f"per-student variant (released for {shorten(released, _NAME_WIDTH)}): grade with "
                             "--roster ROSTER and the secret the release used")
            return result
        identity = _identity_problem(student, released, options.roster)
        # Rostered IDs are plain letters, digits, '.', '_' and '-': printable() leaves them as
        # they are; a folder name that is not UTF-8 gets its escaped, encodable form.
        params = exercise_set.parameters_for(printable(student), options.secret)
        tag = secrets.token_hex(16)
        seed = options.hidden_seed if options.hidden_seed is not None else secrets.randbits(64)
        rng = random.Random(f"{seed}:{exercise_set.id}:{printable(student)}")
        # A function probe stops calling in time to print what it has before its cell's timeout.
        plans = _plan(exercise_set, params, tag, rng, options.call_timeout, budget=options.cell_timeout * 0.7)
        run = asyncio.run(_run(cells, plans, tag, options, sandbox, slot, scratch, deadline=deadline,
                               run_until=deadline - _stop_reserve(options) - _scoring_reserve(options)))
        if run is None:
            _out_of_time(result, options)
            return result
        result.status = run.status
        code_numbers = [number for number, _ in cells]
        result.notes += _cell_notes(code_numbers, run)
        result.notes += [note[0].upper() + note[1:] + "." for note in run.notes]
        result.questions, limits = _score_bounded(run, plans, params, options, deadline)
        _mark_raised(result.questions, _raised_cells(data, code_numbers, run,
                                                     {plan.question.id: plan.question.name for plan in plans},
                                                     deadline))
        order = {question.id: number for number, question in enumerate(exercise_set.questions)}
        result.questions.sort(key=lambda qr: order[qr.id])
        result.total = _round(sum(q.points for q in result.questions))
        if run.status != "ok":
            result.reason = _run_reason(run, code_numbers, plans)
        if limits:
            # A comparison past the grader's own limits is the submission's doing: its row says so.
            if run.status == "ok":
                result.status = "timeout" if any(row == "timeout" for row, _ in limits) else "crashed"
            result.reason = "; ".join(filter(None, [result.reason, *(why for _, why in limits)]))
        if identity:
            # Who handed it in matters more to the instructor than how it ran; keep both.
            also = f"; the run's own status: {run.status} ({result.reason})" if run.status != "ok" else ""
            result.status, result.reason = identity[0], identity[1] + also
    except Exception as err:  # noqa: BLE001 - a grader bug must not stop the class's grading
        result.status = "crashed"
        result.reason = shorten(f"grader error: {type(err).__name__}: {err}", 300)
        result.notes.append(shorten(f"Grader error: {type(err).__name__}: {err}", 300))
        _warn(traceback.format_exc())
    finally:
        result.seconds = time.monotonic() - started
    return result


async def _run(cells, plans, tag, options, sandbox, slot, scratch, run_until: float, deadline: float):
    """The submission's run, given the time until ``run_until``; None if it is still going at
    ``deadline`` (a kernel that would not start, or stop): it is then cancelled, which stops and
    cleans it up, and whatever it had read is lost. ``deadline`` is a last resort: the run ends
    its cells at ``run_until`` and then needs a few seconds to stop its kernel, which the margin
    between the two (:func:`_stop_reserve` and :func:`_scoring_reserve`) leaves it."""
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, _context: None)  # leftovers of killed kernels
    seconds = max(run_until - time.monotonic(), 0.1)
    run = run_cells([source for _, source in cells], [p.probe for p in plans], tag, sandbox, slot, scratch,
                    cell_timeout=options.cell_timeout, notebook_timeout=seconds,
                    startup_timeout=max(1, int(min(60.0, seconds))))  # nbclient takes whole seconds
    try:
        return await asyncio.wait_for(run, timeout=max(deadline - time.monotonic(), 0.1))
    except asyncio.TimeoutError:
        return None


# --- many submissions in parallel ----------------------------------------------------------------

_WORKER: dict = {}


def _init_worker(sets, options, sandbox, scratch):
    _WORKER.update(slot=claim_slot(), sets=sets, options=options, sandbox=sandbox, scratch=scratch)


def _grade_in_worker(path):
    w = _WORKER
    return grade_submission(path, w["sets"], w["options"], w["sandbox"], w["slot"], w["scratch"])


class Progress:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, total: int, stream=None):
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.started = time.monotonic()
        self.counts: dict = {}
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_decile = -1

    def update(self, result: SubmissionResult) -> None:
        self.done += 1
        self.counts[result.status] = self.counts.get(result.status, 0) + 1
        elapsed = time.monotonic() - self.started
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        counts = " ".join(f"{k}:{v}" for k, v in sorted(self.counts.items()))
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                f"{elapsed / self.done:.2f} s/submission  {counts}")
        if self.tty:
            self.stream.write("\r" + line + (" " * 4) + ("\n" if self.done == self.total else ""))
            self.stream.flush()
        else:
            decile = self.done * 10 // max(self.total, 1)
            if decile != self._last_decile or self.done == self.total:
                self._last_decile = decile
                self.stream.write(line + "\n")
                self.stream.flush()


def grade_many(paths, sets: dict, options: Options, sandbox: Sandbox, jobs: int | None = None,
               progress: bool = True, scratch: Path | None = None) -> list[SubmissionResult]:
    """Grade every path with ``jobs`` parallel kernels; results in a stable order.

    Examples
    --------
    ``course grade submitted/ --out gradebook.csv --jobs 2`` is, in essence,
    ``write_gradebook(Path("gradebook.csv"), grade_many(paths, sets, Options(), detect_sandbox(), jobs=2), sets)``.
    ``paths`` are :class:`~course_lib.grading.submissions.Submission` objects (from
    :func:`~course_lib.grading.submissions.collect`) or plain paths, which are collected here
    (duplicates refused). Links, pipes, duplicates and the like get their row without a kernel.
    """
    paths = list(paths)
    if not all(isinstance(p, Submission) for p in paths):
        paths = collect(paths, sets)
    bar = Progress(len(paths)) if progress else None
    results = {p.path: _refused(p, sets) for p in paths if p.problem}
    for result in results.values():
        if bar:
            bar.update(result)
    paths = [p for p in paths if not p.problem]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(paths) or 1))
    base = Path(tempfile.mkdtemp(prefix="course-grade-", dir=scratch))
    os.chmod(base, 0o711)  # kernels' users must reach their own folders inside, nothing more
    try:
        if jobs == 1:
            slot = claim_slot()
            try:
                for path in paths:
                    results[path.path] = grade_submission(path, sets, options, sandbox, slot, base)
                    if bar:
                        bar.update(results[path.path])
            finally:
                release_slot(slot)
        else:
            context = multiprocessing.get_context("fork")
            pending = list(paths)
            while pending:
                try:
                    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                             initargs=(sets, options, sandbox, base)) as pool:
                        futures = {pool.submit(_grade_in_worker, p): p for p in pending}
                        for future in as_completed(futures):
                            path = futures[future]
                            results[path.path] = future.result()
                            pending.remove(path)
                            if bar:
                                bar.update(results[path.path])
                except BrokenProcessPool:
                    # A grader worker died (never a student's doing, but never fatal either).
                    if pending:
                        path = pending.pop(0)
                        student, exercise_set = identify(path, sets)
                        results[path.path] = SubmissionResult(path.path, student,
                                                              exercise_set.id if exercise_set else "?", "crashed",
                                                              notes=["The grader's worker process died."],
                                                              reason="the grader's worker process died")
                        if bar:
                            bar.update(results[path.path])
    finally:
        from course_lib.grading.sandbox import _force_rmtree

        _force_rmtree(base)
    return sorted(results.values(), key=lambda r: (r.set_id, r.student, r.path))
