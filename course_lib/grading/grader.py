"""Grade submissions: run each in a fresh sandboxed kernel, compare answers in this process.

Only plain JSON leaves a student's kernel: each probe cell prints one line behind a tag the
student cannot predict. Expected answers, reference functions and hidden inputs exist only
here. Anything a submission does — wrong types, rigged objects, patched libraries, fake output,
endless loops, crashes, memory hogs — ends up as a score for that submission, never as an
exception in the grader.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import math
import multiprocessing
import os
import random
import re
import secrets
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from course_lib.grading import _encode, kinds
from course_lib.grading.runner import run_cells
from course_lib.grading.sandbox import Sandbox, claim_slot, release_slot
from course_lib.grading.spec import ExerciseSet, Question, encode_input
from course_lib.grading.values import Unsupported, decode, describe

__all__ = ["Options", "QuestionResult", "SubmissionResult", "grade_submission", "grade_many",
           "identify", "read_submission", "released_for", "STATUSES"]

# "student mismatch" and "not in roster" arise only when a roster is given (see Options.roster).
STATUSES = ("ok", "timeout", "crashed", "invalid notebook", "student mismatch", "not in roster")
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
_SET_PREFIX = re.compile(r"^(\d\d)_")


@dataclass
class Options:
    """How to grade: timeouts in seconds, the variants' secret, the roster, hidden inputs' seed.

    ``roster`` (the student IDs of ``course release --roster``) turns on the identity checks:
    a submission in a folder not on the roster, or whose notebook was released for another
    student, is graded as its folder's student and flagged. The memory limit belongs to the
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


@dataclass
class QuestionResult:
    """One question's points and messages for one submission."""

    id: str
    points: float
    max_points: float
    status: str  # correct, partly correct, incorrect, not attempted, not graded
    messages: list = field(default_factory=list)


@dataclass
class SubmissionResult:
    """One submission's row of the gradebook, with what its feedback needs.

    ``reason`` says why the status is not ``ok`` (empty when it is).
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


# --- reading and identifying submissions ------------------------------------------------------

def identify(path: Path, sets: dict) -> tuple[str, ExerciseSet | None]:
    """(student, exercise set) of a submission: the student is its folder's name, the set comes
    from the file name's leading number (``02_...ipynb`` is ex02). Metadata is never trusted.

    Examples
    --------
    >>> identify(Path("submitted/alice/02_convolution_arithmetic.ipynb"), {})
    ('alice', None)
    """
    path = Path(path)
    student = path.parent.name or "unknown"
    match = _SET_PREFIX.match(path.name)
    exercise_set = sets.get(f"ex{match.group(1)}") if match else None
    return student, exercise_set


def _load_notebook(path: Path) -> dict:
    """A notebook file's JSON; ValueError with a reason a student can act on if it is not one."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"the file is {size // 1024 // 1024} MB; notebooks over 20 MB are not graded")
    try:
        data = json.loads(path.read_bytes())
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


def _released_student(data: dict) -> str | None:
    course = data.get("metadata", {}).get("course") if isinstance(data.get("metadata"), dict) else None
    student = course.get("student") if isinstance(course, dict) else None
    return student if isinstance(student, str) and student else None


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

    Only used to notice variants graded without their roster, or handed in from another
    student's folder; the grader never takes a student's parameters from it.

    Examples
    --------
    >>> import course_lib
    >>> released_for(Path(course_lib.__file__).parent.parent / "exercises" / "02_convolution_arithmetic.ipynb") is None
    True
    """
    try:
        return _released_student(_load_notebook(path))
    except (OSError, ValueError):
        return None


def _name_reason(path: Path, sets: dict) -> str:
    """Why a file name names no exercise set, with the names that would."""
    expected = ", ".join(sorted(s.notebook for s in sets.values())) or "none: no exercise set is declared"
    match = _SET_PREFIX.match(path.name)
    if match:
        return (f"file name {path.name} starts with {match.group(1)}_, but there is no exercise set "
                f"ex{match.group(1)} (expected one of {expected})")
    return f"file name {path.name} does not match any exercise set's notebook (expected one of {expected})"


# --- probes ------------------------------------------------------------------------------------

def _encoder_source() -> str:
    source = inspect.getsource(_encode)
    return "\n".join("    " + line if line else "" for line in source.split("\n"))


_VALUE_PROBE = '''def {fn}():
    import json as _json
{encoder}
    _ns = globals()
    _out = {{"id": {qid!r}}}
    try:
        if {name!r} not in _ns:
            _out["missing"] = True
        else:
            _out["value"] = encode(_ns[{name!r}])
    except BaseException as _err:
        _out["error"] = type(_err).__name__
    print({tag!r} + " " + _json.dumps(_out))
{fn}()
del {fn}
'''

_FUNCTION_PROBE = '''def {fn}():
    import contextlib as _contextlib, io as _io, json as _json, signal as _signal, time as _time
{encoder}
    class _CallTimeout(Exception):
        pass
    def _alarm(signum, frame):
        raise _CallTimeout()
    _ns = globals()
    _out = {{"id": {qid!r}}}
    try:
        if {name!r} not in _ns:
            _out["missing"] = True
        elif not callable(_ns[{name!r}]):
            _out["value"] = encode(_ns[{name!r}])
        else:
            _f = _ns[{name!r}]
            _results = []
            _out["results"] = _results
            try:
                _previous = _signal.signal(_signal.SIGALRM, _alarm)
            except (ValueError, OSError):
                _previous = None
            _start = _time.monotonic()
            for _args in _json.loads({inputs!r}):
                if _time.monotonic() - _start > {budget!r}:
                    _results.append({{"raised": "not run (out of time)"}})
                    continue
                _sink = _io.StringIO()
                try:
                    if _previous is not None:
                        _signal.setitimer(_signal.ITIMER_REAL, {call_timeout!r})
                    try:
                        with _contextlib.redirect_stdout(_sink), _contextlib.redirect_stderr(_sink):
                            _r = _f(*decode_input(_args))
                    finally:
                        if _previous is not None:
                            _signal.setitimer(_signal.ITIMER_REAL, 0)
                    _results.append({{"ok": encode(_r)}})
                except NotImplementedError:
                    _results.append({{"raised": "NotImplementedError"}})
                except _CallTimeout:
                    _results.append({{"raised": "took too long"}})
                except KeyboardInterrupt:
                    _results.append({{"raised": "interrupted"}})
                    break
                except BaseException as _err:
                    _results.append({{"raised": type(_err).__name__}})
            if _previous is not None:
                _signal.signal(_signal.SIGALRM, _previous)
    except BaseException as _err:
        _out["error"] = type(_err).__name__
    print({tag!r} + " " + _json.dumps(_out))
{fn}()
del {fn}
'''


@dataclass
class _Plan:
    """What the grader asks one submission, and what it expects (never sent to the kernel)."""

    question: Question
    probe: str
    expected: object = None
    calls: list = field(default_factory=list)  # for functions: (group index or "example", args)


def _plan(exercise_set: ExerciseSet, params: dict, tag: str, rng: random.Random, call_timeout: float,
          budget: float) -> list[_Plan]:
    encoder = _encoder_source()
    plans = []
    for question in exercise_set.questions:
        fn = f"_probe_{secrets.token_hex(6)}"
        if question.is_function:
            calls = [("example", tuple(args)) for args in question.examples]
            for number, group in enumerate(question.hidden):
                calls += [(number, args) for args in group.inputs(rng)]
            inputs = json.dumps([encode_input(list(args)) for _, args in calls])
            probe = _FUNCTION_PROBE.format(fn=fn, encoder=encoder, qid=question.id, name=question.name,
                                           inputs=inputs, tag=tag, call_timeout=call_timeout, budget=budget)
            plans.append(_Plan(question, probe, calls=calls))
        else:
            probe = _VALUE_PROBE.format(fn=fn, encoder=encoder, qid=question.id, name=question.name, tag=tag)
            plans.append(_Plan(question, probe, expected=question.answer(params)))
    return plans


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
    """Messages of the public checks this answer fails (the same ones check() shows)."""
    from course_lib.grading.checking import _SAFE_BUILTINS, _plain_answer

    messages = []
    try:
        plain = _plain_answer(question.kind, answer)
    except Exception:  # noqa: BLE001 - a malformed answer already got its form message
        return messages
    for check_ in question.checks:
        scope = {**params, "answer": plain, "math": math, "floor": math.floor, "ceil": math.ceil}
        try:
            ok = bool(eval(check_.test, {"__builtins__": _SAFE_BUILTINS}, scope))  # noqa: S307 - instructor's text
        except Exception:  # noqa: BLE001
            ok = False
        if not ok:
            messages.append(f"Public check: {check_.message}")
    return messages


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


def _teach(result: QuestionResult, question: Question, mistake_hint: str | None = None) -> QuestionResult:
    """Add what to think about to a question that lost points: the matching mistake's hint, or
    the question's general hint. Both are the instructor's declared text, never an answer."""
    if result.points >= result.max_points:
        return result
    if mistake_hint:
        result.messages.append(_sentence(f"This is a common mistake: {mistake_hint}"))
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
    return _teach(result, question, _mistake_hint(question, params, answer) if well_formed else None)


def _score_function(plan: _Plan, payload) -> QuestionResult:
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
    if not isinstance(results, list):
        result.status = "not graded"
        result.messages.append(f"Your function could not be called ({payload.get('error', 'no results')}).")
        return _teach(result, question)
    if results and all(isinstance(r, dict) and r.get("raised") == "NotImplementedError" for r in results):
        result.status = "not attempted"
        result.messages.append(f"`{question.name}` still raises NotImplementedError.")
        return _teach(result, question)
    reference = question.reference
    group_ok = {number: True for number in range(len(question.hidden))}
    kind = question.kind.result
    for position, (group, args) in enumerate(plan.calls):
        outcome = results[position] if position < len(results) and isinstance(results[position], dict) else None
        try:
            expected = reference(*[_copy(a) for a in args])
        except Exception as err:  # noqa: BLE001 - an instructor bug, reported but not fatal
            print(f"course grade: the reference of {question.id} failed on {args!r}: {err}", file=sys.stderr)
            continue
        if outcome is None:
            passed, why = False, "was not run (an earlier call was interrupted)"
        elif "ok" in outcome:
            got = decode(outcome["ok"])
            try:
                passed = kind.compare(got, expected).fraction == 1
            except Exception:  # noqa: BLE001
                passed = False
            why = f"returned {describe(got)}" if not passed else ""
        else:
            raised = str(outcome.get("raised", "an error"))[:80]
            passed = False
            why = raised if raised in ("took too long", "interrupted", "not run (out of time)") else f"raised {raised}"
        if group == "example":
            if not passed:
                call = f"{question.name}({', '.join(repr(a) for a in args)})"
                result.messages.append(f"Public example: `{call}` {why}, which is not the expected result.")
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
        also = "" if released in roster else f"; {released} is not on the roster either"
        return ("student mismatch",
                f"this notebook was released for {released} (its metadata) but handed in from {student}'s "
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
    if len(problems) > 3:
        problems = problems[:3] + [f"and {len(problems) - 3} more"]
    fallback = {"timeout": "a time limit was reached", "crashed": "the kernel died"}.get(run.status, "")
    return "; ".join(problems) or fallback

def grade_submission(path, sets: dict, options: Options, sandbox: Sandbox, slot: int, scratch: Path) -> SubmissionResult:
    """Grade one notebook file. Never raises: every failure becomes a status and a reason.

    Examples
    --------
    With ``sets = load_sets(Path("instructor/sets"))`` and ``sandbox = detect_sandbox()``,
    ``grade_submission("submitted/alice/02_convolution_arithmetic.ipynb", sets, Options(), sandbox, 0,
    Path("/tmp"))`` returns alice's :class:`SubmissionResult` (total, status, one result per question).
    """
    started = time.monotonic()
    path = Path(path)
    student, exercise_set = identify(path, sets)
    result = SubmissionResult(str(path), student, exercise_set.id if exercise_set else "?", "ok")
    try:
        if exercise_set is None:
            result.status = "invalid notebook"
            result.reason = _name_reason(path, sets)
            return result
        result.max_points = exercise_set.max_points
        result.questions = [QuestionResult(q.id, 0.0, q.points, "not graded") for q in exercise_set.questions]
        try:
            data = _load_notebook(path)
            cells = _code_cells(data)
        except OSError as err:
            result.status, result.reason = "invalid notebook", f"the file could not be read ({err.strerror or err})"
            return result
        except ValueError as err:
            result.status, result.reason = "invalid notebook", str(err)
            return result
        identity = _identity_problem(student, _released_student(data), options.roster)
        params = exercise_set.parameters_for(student, options.secret)
        tag = secrets.token_hex(16)
        seed = options.hidden_seed if options.hidden_seed is not None else secrets.randbits(64)
        rng = random.Random(f"{seed}:{exercise_set.id}:{student}")
        # A function probe stops calling in time to print what it has before its cell's timeout.
        plans = _plan(exercise_set, params, tag, rng, min(options.call_timeout, options.cell_timeout / 4),
                      budget=options.cell_timeout * 0.6)
        run = asyncio.run(_run(cells, plans, tag, options, sandbox, slot, scratch))
        result.status = run.status
        code_numbers = [number for number, _ in cells]
        students = [record for record in run.cells if record.kind == "student"]
        for number, record in zip(code_numbers, students):
            if record.status not in ("ok", "not run"):
                result.notes.append(f"Cell {number}: {record.error or record.status}.")
        result.notes += [note[0].upper() + note[1:] + "." for note in run.notes]
        probes = [record.index for record in run.cells if record.kind == "probe"]
        result.questions = []
        for index, plan in zip(probes, plans):
            record = run.cells[index]
            payload = _payload(run.probe_lines.get(index, []), plan.question.id)
            if payload is None:
                why = {"timeout": "took too long", "skipped": "took too long", "died": "crashed the kernel",
                       "out of memory": "ran out of memory"}.get(record.status, "could not run")
                qr = _teach(QuestionResult(plan.question.id, 0.0, plan.question.points, "not graded",
                                           [f"Reading your answer {why}."]), plan.question)
            elif plan.question.is_function:
                qr = _score_function(plan, payload)
            else:
                qr = _score_value(plan, payload, params)
            result.questions.append(qr)
        result.total = _round(sum(q.points for q in result.questions))
        if run.status != "ok":
            result.reason = _run_reason(run, code_numbers, plans)
        if identity:
            # Who handed it in matters more to the instructor than how it ran; keep both.
            also = f"; the run's own status: {run.status} ({result.reason})" if run.status != "ok" else ""
            result.status, result.reason = identity[0], identity[1] + also
    except Exception as err:  # noqa: BLE001 - a grader bug must not stop the class's grading
        result.status = "crashed"
        result.reason = f"grader error: {type(err).__name__}: {err}"
        result.notes.append(f"Grader error: {type(err).__name__}: {err}")
        traceback.print_exc(file=sys.stderr)
    finally:
        result.seconds = time.monotonic() - started
    return result


async def _run(cells, plans, tag, options, sandbox, slot, scratch):
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, _context: None)  # leftovers of killed kernels
    return await run_cells([source for _, source in cells], [p.probe for p in plans], tag, sandbox, slot,
                           scratch, cell_timeout=options.cell_timeout, notebook_timeout=options.notebook_timeout)


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
    """
    paths = [str(p) for p in paths]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(paths) or 1))
    base = Path(tempfile.mkdtemp(prefix="course-grade-", dir=scratch))
    os.chmod(base, 0o711)  # kernels' users must reach their own folders inside, nothing more
    bar = Progress(len(paths)) if progress else None
    results = {}
    try:
        if jobs == 1:
            slot = claim_slot()
            try:
                for path in paths:
                    results[path] = grade_submission(path, sets, options, sandbox, slot, base)
                    if bar:
                        bar.update(results[path])
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
                            results[path] = future.result()
                            pending.remove(path)
                            if bar:
                                bar.update(results[path])
                except BrokenProcessPool:
                    # A grader worker died (never a student's doing, but never fatal either).
                    if pending:
                        path = pending.pop(0)
                        student, exercise_set = identify(Path(path), sets)
                        results[path] = SubmissionResult(path, student, exercise_set.id if exercise_set else "?",
                                                         "crashed", notes=["The grader's worker process died."],
                                                         reason="the grader's worker process died")
                        if bar:
                            bar.update(results[path])
    finally:
        from course_lib.grading.sandbox import _force_rmtree

        _force_rmtree(base)
    return sorted(results.values(), key=lambda r: (r.set_id, r.student, r.path))
