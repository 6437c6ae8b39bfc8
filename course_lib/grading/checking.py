"""``check("ex02.3")``: is this answer right? Judged in the student's own kernel.

It reads only the public checks file that ``course release`` writes (kinds, points, public
checks, examples, and for value questions salted digests of the expected answer and of common
mistakes) and the answer in the notebook's namespace. It never sees a hidden test or a solution,
and it awards no points: the grader does that, in its own process.

For a value question, ✅ means the answer's digest equals the expected answer's digest for the
parameters in the notebook: the answer is right, and the grader will find it so. ❌ names the
mistake when the answer equals a declared common mistake. For a ``Choice`` of several options,
❌ names the options decided wrongly, found by one digest per option, with their hints. When no
digest belongs to the parameters in the notebook (they were edited, or this copy of the course
lacks the student's variant), check() says it cannot judge the answer here and checks only its
form.

A per-student folder made by ``course release --roster`` carries its own check files,
``check_files/exNN.json`` beside its notebooks (the defaults' digests and that student's).
check() looks for that file beside the running notebook (when JupyterLab or VS Code names it)
and in the kernel's working folder (Jupyter starts a kernel in its notebook's folder). Anyone
can put a file there, so check() takes only answer digests from it (each checked to be hex
digits of a digest's length, a mistake's number one that the course declares), and adds them to
the course's own ``course_lib/grading/public/`` file, which alone gives the questions, kinds,
public checks, examples and hints: nothing in a check file is ever evaluated or shown. A file
whose questions differ from the course's own set, or that holds anything else where digests
belong, or is larger than :data:`MAX_CHECK_FILE_BYTES`, is ignored, and the verdict names it.
When a notebook released for a student has no check file there, check() names the missing file
and the folders it looked in.

A failed public example names the call and says the result differs (and how its shape differs,
for a matrix or a tuple); an expression wrong at a public point gives its own value there.
Neither ever shows an expected value: it may be another question's answer.

Public checks are the instructor's Python expressions over ``answer`` and the parameters
(:func:`check_holds`); the grader's feedback evaluates them the same way. A check that cannot be
evaluated on an answer says nothing about it, so its message is never shown for it.
"""

from __future__ import annotations

import builtins
import json
import math
import os
import random
import re
import stat
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["check", "practice", "verdict", "check_holds", "Feedback", "CHECK_FILES", "MAX_CHECK_FILE_BYTES"]

_PUBLIC_DIR = Path(__file__).resolve().parent / "public"
# The folder of a per-student release's check files, beside the student's notebooks.
CHECK_FILES = "check_files"
# A per-student check file holds digests only (a few kB per set): a larger one is not read.
MAX_CHECK_FILE_BYTES = 1 << 20
_DIGEST = re.compile(r"[0-9a-f]{32}")       # kinds.answer_digest, and a salt
_FINGERPRINT = re.compile(r"[0-9a-f]{16}")  # kinds.parameter_fingerprint
_ID = re.compile(r"^((?:ex|l)\d\d)\.\d+$")  # exercise sets exNN, lessons' questions lNN
_SAFE_BUILTINS = {name: getattr(builtins, name)
                  for name in ("abs", "all", "any", "len", "max", "min", "range", "round", "sorted", "sum",
                               "set", "tuple", "list", "int", "float", "isinstance", "zip", "enumerate")}

PASSED, WRONG, NOT_ATTEMPTED = "passed", "wrong", "not attempted"
CANNOT_JUDGE, FORM_CHECKED = "cannot judge", "form checked"

# The verdict's word and colour come first: without an emoji font (Debian's Chromium) the
# messages' leading ✅ ❌ ⏳ ⚠️ render as empty boxes, so they are replaced by a word and a mark
# every font has.
_LOOKS = {
    PASSED: ("Right", "✓", "#1a7f37"),
    WRONG: ("Not right yet", "✗", "#b42318"),
    NOT_ATTEMPTED: ("Not attempted", "…", "#5f6368"),
    CANNOT_JUDGE: ("Cannot judge here", "!", "#9a6700"),
    FORM_CHECKED: ("Form checked", "✓", "#0b5cad"),
    "unknown": ("Unknown question", "?", "#9a6700"),
}
_GLYPH = re.compile(r"^(?:✅|❌|⏳|⚠️|⚠|☑️|☑|❓)\ufe0f?\s*")

# Numbers drawn by practice() for a lesson's questions: question ID -> parameters.
_PRACTICE: dict = {}


@lru_cache(maxsize=None)
def _public(set_id: str):
    """The course's own public checks file of ``set_id`` (the defaults' digests), or None."""
    path = _PUBLIC_DIR / f"{set_id}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


class _NotACheckFile(ValueError):
    """A per-student check file that does not fit the course's own set; the message says why."""


@lru_cache(maxsize=32)
def _check_file(path: str, stamp: tuple):
    """The JSON data of a per-student check file, read up to :data:`MAX_CHECK_FILE_BYTES`.

    Keyed by the file's mtime and size too, so a check file put back or replaced is read again.
    """
    # O_NONBLOCK: a named pipe put in the file's place cannot stall check()
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise _NotACheckFile("it is not a regular file")
        data = handle.read(MAX_CHECK_FILE_BYTES + 1)
    if len(data) > MAX_CHECK_FILE_BYTES:
        raise _NotACheckFile(f"it is larger than {MAX_CHECK_FILE_BYTES // 2**20} MB")
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested too deeply
        raise _NotACheckFile("it is not JSON text") from None


def _student_tables(data, own: dict) -> list:
    """The digest tables of a per-student check file's ``data``, one per question of the course's
    own public file ``own``: a table, a list of tables for a pool (one per version), or None for
    a question without digests.

    Only each question's ``id``, ``digests`` and ``versions`` are read (a check file written by an
    earlier release also holds the public checks: they are never read). Raises
    :class:`_NotACheckFile` when the questions or versions differ from ``own``'s or a table holds
    anything but digests (:func:`_table_problem`).
    """
    set_id = own["id"]
    if not isinstance(data, dict) or data.get("id") != set_id or not isinstance(data.get("questions"), list):
        raise _NotACheckFile(f"it is not a check file of {set_id}")
    theirs = data["questions"]
    if [q.get("id") if isinstance(q, dict) else None for q in theirs] != [q["id"] for q in own["questions"]]:
        raise _NotACheckFile(f"its questions are not those of this course's {set_id}")
    tables = []
    for mine, item in zip(own["questions"], theirs):
        if "versions" not in mine:
            tables.append(_table(item, mine))
            continue
        versions = item.get("versions")
        if not isinstance(versions, list) or len(versions) != len(mine["versions"]) \
                or not all(isinstance(v, dict) for v in versions):
            raise _NotACheckFile(f"{mine['id']} does not have this course's {len(mine['versions'])} versions")
        tables.append([_table(version, own_version) for version, own_version in zip(versions, mine["versions"])])
    return tables


def _table(item: dict, question: dict):
    """``item``'s digest table for the course's own ``question`` (None when it has none)."""
    if "digests" not in question:
        if "digests" in item:
            raise _NotACheckFile(f"it has digests for {question['id']}, which this course judges otherwise")
        return None
    table = item.get("digests")
    problem = _table_problem(table, question)
    if problem:
        raise _NotACheckFile(f"{question['id']}: {problem}")
    return table


def _table_problem(table, question: dict) -> str | None:
    """What in a digest table is not digests of the course's own ``question`` (None: all is).

    A table maps parameter fingerprints to entries of hex digests (:meth:`Question.digest_entry`):
    ``salt``, ``answer``, ``mistakes`` (digest and the number of a mistake ``question`` declares),
    and ``options`` (one per option of a ``Choice`` of several options).
    """
    from course_lib.grading import kinds

    def digests(value, count=None):
        return isinstance(value, list) and (count is None or len(value) == count) \
            and all(isinstance(x, str) and _DIGEST.fullmatch(x) for x in value)

    if not isinstance(table, dict):
        return "its digests are not a table"
    declared = len(question.get("mistake_hints", []))
    kind = kinds.kind_from_json(question["kind"])
    options = len(kind.letters) if isinstance(kind, kinds.Choice) and kind.multiple else None
    for fingerprint, entry in table.items():
        if not _FINGERPRINT.fullmatch(fingerprint):
            return "a parameter fingerprint is not 16 hex digits"
        if not isinstance(entry, dict) or not {"salt", "answer", "mistakes"} <= set(entry) \
                <= {"salt", "answer", "mistakes", "options"}:
            return "an entry holds other fields than salt, answer, mistakes and options"
        if not (isinstance(entry["salt"], str) and _DIGEST.fullmatch(entry["salt"]) and entry["answer"]
                and digests(entry["answer"])):
            return "a salt or an answer digest is not 32 hex digits"
        mistakes = entry["mistakes"]
        if not isinstance(mistakes, list) or not all(
                isinstance(m, list) and len(m) == 2 and digests(m[:1]) and type(m[1]) is int and 0 <= m[1] < declared
                for m in mistakes):
            return f"a mistake is not a digest with the number of one of its {declared} declared mistakes"
        if "options" in entry and (options is None or not digests(entry["options"], options)):
            return "its option digests are not one per option"
    return None


def _with_student_digests(own: dict, tables: list) -> dict:
    """The course's own public file with a per-student file's digest ``tables`` added; for a
    fingerprint in both, the course's own entry stays."""
    questions = []
    for question, table in zip(own["questions"], tables):
        if isinstance(table, list):
            versions = [version if extra is None else dict(version, digests=extra | version["digests"])
                        for version, extra in zip(question["versions"], table)]
            question = dict(question, versions=versions)
        elif table is not None:
            question = dict(question, digests=table | question["digests"])
        questions.append(question)
    return dict(own, questions=questions)


def _notebook_named(namespace) -> Path | None:
    """The running notebook's file as the front end names it in the kernel (JupyterLab's
    ``__session__``, VS Code's ``__vsc_ipynb_file__``), or None when it names none that exists."""
    for key in ("__session__", "__vsc_ipynb_file__"):
        value = namespace.get(key)
        if isinstance(value, str) and value.endswith(".ipynb") and Path(value).is_file():
            return Path(value).resolve()
    return None


def _search_folders(namespace) -> list[Path]:
    """Where a per-student folder's ``check_files/`` may be: beside the running notebook, and the
    kernel's working folder (Jupyter starts a notebook's kernel in the notebook's folder)."""
    folders = []
    named = _notebook_named(namespace)
    if named is not None:
        folders.append(named.parent)
    try:
        here = Path.cwd().resolve()
    except OSError:  # the working folder was deleted under the kernel
        here = None
    if here is not None and here not in folders:
        folders.append(here)
    return folders


@dataclass(frozen=True)
class _Origin:
    """Where a verdict's digests came from: the course's own public file and a per-student check
    file's (``file``), or the course's alone (``file`` None) after looking in ``folders``;
    ``ignored`` says which check file was found there and not read, and why."""

    file: Path | None
    folders: tuple
    ignored: str | None = None


def _locate(set_id: str, namespace) -> tuple:
    """``(public, origin)``: the course's own public file of ``set_id`` (None when the course has no
    such set), with the digests of the first per-student check file found added when it fits."""
    own = _public(set_id)
    folders = _search_folders(namespace)
    if own is None:
        return None, _Origin(None, tuple(folders))
    for folder in folders:
        path = folder / CHECK_FILES / f"{set_id}.json"
        if not path.is_file():
            continue
        try:
            info = path.stat()
            tables = _student_tables(_check_file(str(path), (info.st_mtime_ns, info.st_size)), own)
        except _NotACheckFile as err:
            why = str(err)
        except OSError as err:
            why = f"it cannot be read ({err.strerror or err})"
        else:
            return _with_student_digests(own, tables), _Origin(path, tuple(folders))
        return own, _Origin(None, tuple(folders), ignored=f"check() ignored {path}: {why}.")
    return own, _Origin(None, tuple(folders))


def _released_student(set_id: str, notebook: str, namespace, folders) -> str | None:
    """The student the running notebook of ``set_id`` was released for (its metadata names them;
    the notebook is the one the front end names, or ``notebook`` in one of ``folders``), or None."""
    from course_lib.grading.submissions import read_bytes, released_student

    named = _notebook_named(namespace)
    for path in ([named] if named else []) + [Path(folder) / notebook for folder in folders]:
        try:
            student = released_student(json.loads(read_bytes(path)), set_id)
        except (OSError, ValueError, RecursionError):  # missing, or not a notebook
            continue
        if student:
            return student
    return None


def _namespace():
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython is always there in a notebook
        shell = None
    if shell is not None:
        return shell.user_ns
    return sys._getframe(2).f_globals


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


class Feedback:
    """A verdict as a notebook shows it: a coloured word first ("Right", "Not right yet", …),
    then the message; plain text starts with the same word.

    Examples
    --------
    >>> print(Feedback("wrong", "❌ ex02.1: not the expected answer."))
    ✗ Not right yet — ex02.1: not the expected answer.
    """

    def __init__(self, status: str, message: str):
        self.status, self.message = status, message

    def _parts(self):
        word, mark, colour = _LOOKS.get(self.status, _LOOKS["unknown"])
        return word, mark, colour, _GLYPH.sub("", self.message)

    def __str__(self) -> str:
        word, mark, _, text = self._parts()
        return f"{mark} {word} — {text}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html

        word, mark, colour, text = self._parts()
        first, _, rest = text.partition("\n")
        # `name` in a message is code, as in the plain text; escaped first, so nothing else becomes markup
        lines = [_CODE_SPAN.sub(r"<code>\1</code>", html.escape(line))
                 for line in [first] + [line.strip() for line in rest.splitlines()]]
        return (f'<div class="course-verdict" data-status="{html.escape(self.status)}" '
                f'style="border-left:4px solid {colour};padding:2px 8px;font-family:sans-serif">'
                f'<b style="color:{colour}">{mark} {word}</b> — ' + "<br>".join(lines) + "</div>")


def _show(feedback: Feedback) -> None:
    """Display as HTML in a notebook (plain text as its fallback); print outside one."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is always there in a notebook
        print(feedback)
        return
    if get_ipython() is None:
        print(feedback)
    else:
        display(feedback)


def check(qid) -> None:
    """Check your answer to question ``qid`` (e.g. ``"ex02.3"``) and show a short verdict.

    The verdict starts with a word: "Right" means your answer is right for your parameters
    (the grader gives the points when it grades); "Not right yet" says what is off (for a choice
    of several options: which options you decided wrongly). For a function or an expression,
    "Right" means it passed the public examples; the grader tests it further.

    Examples
    --------
    >>> check("ex99.1")
    ? Unknown question — There is no exercise set ex99 in this course; question IDs look like "ex02.3" (or "l02.1" in a lesson).
    """
    _show(Feedback(*verdict(qid, _namespace())))


def practice(qid, lesson: bool = False) -> None:
    """Draw new numbers for a lesson's check-yourself question ``qid`` (e.g. ``"l02.1"``).

    It shows the question with the new numbers; answer it in the same answer cell and run
    ``check(qid)`` again, which then judges your answer for these numbers. Call it again for other
    numbers, or with ``lesson=True`` to go back to the numbers in the lesson's text.

    Examples
    --------
    >>> practice("ex02.1")
    practice() draws new numbers for a lesson's check-yourself questions (IDs like 'l02.1'); an exercise set's numbers are your own variant.
    """
    print(_practice(qid, lesson, random.Random()))


def _practice(qid, lesson: bool, rng) -> str:
    if not isinstance(qid, str) or not _ID.match(qid) or not qid.startswith("l"):
        return ("practice() draws new numbers for a lesson's check-yourself questions (IDs like 'l02.1'); "
                "an exercise set's numbers are your own variant.")
    public = _public(_ID.match(qid).group(1))
    questions = {q["id"]: q for q in (public or {}).get("questions", [])}
    if qid not in questions:
        return f"There is no check-yourself question {qid} in this course."
    question, draws = questions[qid], (public or {}).get("draws", [])
    if "ask" not in question or not draws:
        return f"{qid} has no numbers to draw again: its answer does not depend on numbers."
    if lesson:
        _PRACTICE.pop(qid, None)
        return (f"Back to the lesson's numbers for {qid}: {question['ask'].format(**public['defaults'])}\n"
                f'Your answer goes in `{question["name"]}`; then run check("{qid}").')
    uses = question.get("uses", [])
    current = _PRACTICE.get(qid, public["defaults"])
    # numbers that differ from the current ones and from the lesson's own, for this question
    fresh = [d for d in draws if all(any(d[p] != seen[p] for p in uses) for seen in (current, public["defaults"]))]
    fresh = fresh or [d for d in draws if any(d[p] != current[p] for p in uses)] or draws
    _PRACTICE[qid] = drawn = rng.choice(fresh)
    return (f"New numbers for {qid}: {question['ask'].format(**drawn)}\n"
            f'Put your answer in `{question["name"]}`, run that cell, then run check("{qid}"). '
            f'practice("{qid}", lesson=True) goes back to the lesson\'s numbers.')


def verdict(qid, namespace: dict) -> tuple[str, str]:
    """``(status, message)`` for question ``qid`` answered in ``namespace``.

    ``status`` is "passed", "wrong", "not attempted", "cannot judge" (no digests for the
    parameters in ``namespace``: edited, or a variant whose check file is missing), "form
    checked" (a set that gives no right/wrong feedback) or "unknown". Questions, public checks and
    digests come from the course's own public file; a per-student release's
    ``check_files/<set>.json`` beside the notebook adds its digests only, and one that does not fit
    the course's set is ignored, which the message says, naming it.

    Examples
    --------
    >>> verdict("ex02.1", {"o1": ..., "i1": 9, "k1": 4})[0]
    'not attempted'
    >>> verdict("ex02.1", {"o1": 2.5, "i1": 9, "k1": 4})[1].splitlines()[0]
    '❌ ex02.1: Expected a whole number, but your answer is the number 2.5.'
    >>> verdict("ex02.1", {"o1": 6, "i1": 9, "k1": 4})[0]
    'passed'
    >>> verdict("ex02.1", {"o1": 7, "i1": 9, "k1": 4})[1].splitlines()[0]
    '❌ ex02.1: not the expected answer.'
    >>> verdict("ex02.1", {"o1": 3, "i1": 5, "k1": 3})[0]
    'cannot judge'
    """
    if not isinstance(qid, str) or not _ID.match(qid):
        return "unknown", f'❓ check() needs a question ID such as "ex02.3" (or "l02.1" in a lesson), got {qid!r}.'
    set_id = _ID.match(qid).group(1)
    public, origin = _locate(set_id, namespace)
    if public is None:
        return "unknown", (f'❓ There is no exercise set {set_id} in this course; question IDs look like "ex02.3" '
                           '(or "l02.1" in a lesson).')
    status, message = _judge(qid, public, namespace, origin)
    if origin.ignored and status != CANNOT_JUDGE:  # _cannot_judge says so in its own words
        message += f"\n   Note: {origin.ignored}"
    return status, message


def _judge(qid, public, namespace, origin):
    """``verdict`` for ``qid`` of a set the course has, its ``public`` file found as ``origin`` says."""
    questions = {q["id"]: q for q in public["questions"]}
    if qid not in questions:
        known = ", ".join(questions)
        return "unknown", f"❓ There is no question {qid}; this exercise set has {known}."
    question = questions[qid]
    if "versions" in question:  # a pool: the notebook's PARAMETERS cell says which version it holds
        parameter, count = question["version_parameter"], len(question["versions"])
        number = namespace.get(parameter)
        if parameter not in namespace:
            return _not_attempted(qid, f"the parameter `{parameter}` is not defined. Run the notebook's "
                                       "cells from the top (the PARAMETERS cells first).")
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < count:
            return CANNOT_JUDGE, (f"⚠️ {qid}: `{parameter}` says which version of this question your notebook "
                                    f"holds (0-{count - 1}), but it is {number!r}. Put back the value your "
                                    "notebook was released with.")
        question = dict(question["versions"][number], version_parameter=parameter)
    return _run(question, public, namespace, origin)


def _points(question) -> str:
    points = question["points"]
    return f"{points:g} point{'s' if points != 1 else ''}"


def _not_attempted(qid, why):
    return NOT_ATTEMPTED, f"⏳ {qid} not attempted yet: {why}"


def _wrong(qid, message, hint=""):
    text = f"❌ {qid}: {message}"
    if hint:
        text += f"\n   Hint: {hint}"
    return WRONG, text


def _run(question, public, namespace, origin):
    from course_lib.grading import kinds
    from course_lib.grading._encode import decode_input, encode
    from course_lib.grading.values import decode, evaluate_exact

    qid, name = question["id"], question["name"]
    kind = kinds.kind_from_json(question["kind"])
    hint = question.get("hint", "")
    if name not in namespace:
        return _not_attempted(qid, f"`{name}` is not defined yet. Write your answer in its cell, run that "
                                   "cell, then run this check again.")
    value = namespace[name]
    if value is Ellipsis:
        return _not_attempted(qid, f"`{name}` is still `...`. Replace the `...` with your answer and run the cell.")

    form_only = public.get("feedback") == "form-only"
    if isinstance(kind, kinds.Function):
        if not callable(value):
            return _wrong(qid, f"`{name}` should be a function.", hint)
        for example in question.get("examples", []):
            try:
                result = value(*decode_input(example["args"]))
            except NotImplementedError:
                return _not_attempted(qid, f"`{name}` still raises NotImplementedError. Write its body, "
                                           "run the cell, then run this check again.")
            except Exception as err:  # noqa: BLE001 - report whatever the student's code raised
                return _wrong(qid, f"`{example['call']}` raised {type(err).__name__}: {err}", hint)
            got = decode(encode(result))
            problem = kind.result.form(got)
            if problem:
                return _wrong(qid, f"`{example['call']}` returned something of the wrong form. {problem}", hint)
            if form_only:
                continue
            want = decode(example["expected"])
            if kind.result.compare(got, want).fraction != 1:
                return _wrong(qid, _example_differs(example["call"], kind.result, got, want), hint)
        if form_only:
            return _form_checked(qid, question, "your function runs on the public examples and returns "
                                                f"{kind.result.describe()}")
        return PASSED, (f"✅ {qid} passed the public checks ({len(question.get('examples', []))} examples). "
                        f"The grader tries it on hidden inputs for its {_points(question)}.")

    answer = decode(encode(value))
    problem = kind.form(answer)
    if problem:
        return _wrong(qid, problem, hint)
    if form_only:
        return _form_checked(qid, question, f"your answer is {kind.describe()}")
    plain = _plain_answer(kind, answer)
    params = {}
    drawn = qid in _PRACTICE and public.get("lesson")
    source = (_PRACTICE[qid] if drawn else public["defaults"]) if "defaults" in public else namespace
    for parameter in sorted({p for c in question.get("checks", []) for p in c.get("uses", [])}
                            | set(question.get("uses", []))):
        if parameter not in source:
            return _not_attempted(qid, f"the parameter `{parameter}` is not defined. Run the notebook's "
                                       "cells from the top (the PARAMETERS cells first).")
        params[parameter] = source[parameter]

    mistake = None
    if "digests" in question:
        fingerprint = kinds.parameter_fingerprint({p: params[p] for p in question["uses"]})
        entry = question["digests"].get(fingerprint)
        if entry is not None:
            digest = kinds.answer_digest(entry["salt"], kind.canonical(answer))
            if digest in entry["answer"]:
                if public.get("lesson"):
                    return PASSED, f"✅ {qid} is right{' for the numbers practice() drew' if drawn else ''}."
                return PASSED, (f"✅ {qid} is right for your parameters. The grader will confirm it "
                                f"when it grades, for its {_points(question)}.")
            mistake = next((number for wrong, number in entry["mistakes"] if digest == wrong), None)
            if drawn and _is_lessons_answer(question, kind, answer, public):
                # the likelier slip after practice(): the old answer kept (it may also be a mistake's)
                also = "" if mistake is None or isinstance(kind, kinds.Choice) else (
                    f"\n   It is also what a common mistake gives for the new numbers: "
                    f"{question['mistake_hints'][mistake]}")
                return WRONG, (f"❌ {qid}: that is the answer for the lesson's own numbers; practice() drew new "
                               f"ones. Work it out for those (practice(\"{qid}\", lesson=True) goes back).{also}")
            if mistake is not None and not isinstance(kind, kinds.Choice):
                return WRONG, (f"❌ {qid}: not the expected answer; it is what a common mistake gives.\n"
                               f"   Hint: {question['mistake_hints'][mistake]}")
    failed = _failed_check(question, plain, params)
    if failed:
        return _wrong(qid, failed["message"], failed.get("hint") or hint)
    if "digests" in question:
        if entry is None:
            return _cannot_judge(question, public, namespace, origin)
        if isinstance(kind, kinds.Choice):
            return _choice_wrong(question, kind, answer, entry, mistake)
        off = _entries_off(kind, answer, entry)
        return _wrong(qid, f"not the expected answer{off}.", hint)
    mistake = _expression_mistake(question, kind, answer)
    if mistake is not None:
        return mistake
    for item in question.get("points_at", []):
        point, want = item["point"], decode(item["expected"])
        where = ", ".join(f"{name}={point[name]}" for name in kind.symbols if name in point)
        try:
            got = evaluate_exact(kind._normalize(answer), point)
        except (ValueError, ZeroDivisionError, TypeError):
            return _wrong(qid, f"Your expression cannot be evaluated at {where}.", hint)
        if got != want:
            shown = str(got.numerator) if got.denominator == 1 else str(got)
            return _wrong(qid, f"At {where} your expression gives {shown}, which is not right there.", hint)
    count = len(question.get("points_at", []))
    where = f"gives the right values at the {count} public test point{'s' if count != 1 else ''}" if count \
        else "passed the public checks"
    return PASSED, (f"✅ {qid} {where}. The grader compares it with the expected expression at every valid "
                    f"point, for its {_points(question)}.")


def _is_lessons_answer(question, kind, answer, public) -> bool:
    """Whether ``answer`` is the right answer for the lesson's own numbers (by its digest)."""
    from course_lib.grading import kinds

    defaults = public.get("defaults", {})
    fingerprint = kinds.parameter_fingerprint({p: defaults[p] for p in question["uses"] if p in defaults})
    entry = question["digests"].get(fingerprint)
    text = kind.canonical(answer)
    return entry is not None and text is not None and kinds.answer_digest(entry["salt"], text) in entry["answer"]


def _entries_off(kind, answer, entry) -> str:
    """"; entries [0, 1] and [1, 2] are off (indices from 0)" from a lesson's per-entry digests, or ""."""
    from course_lib.grading.kinds import answer_digest

    table = entry.get("entries")
    text = kind.canonical(answer)
    if not table or text is None:
        return ""
    got = json.loads(text)
    rows = len(table["shape"]) == 2
    flat = [x for row in got for x in row] if rows else got
    if (rows and [len(got), len(got[0]) if got else 0] != table["shape"]) or len(flat) != len(table["digests"]):
        shape = "x".join(map(str, table["shape"]))
        return f"; the expected answer has {'shape ' + shape if rows else shape + ' items'}"
    off = [n for n, (x, want) in enumerate(zip(flat, table["digests"]))
           if answer_digest(entry["salt"], f"entry {n}|{json.dumps(x, separators=(',', ':'))}") != want]
    if not off:
        return ""
    # numpy's indices, from 0, as the lessons count rows, columns and units
    width = table["shape"][1] if rows else 1
    names = [f"[{n // width}, {n % width}]" if rows else f"[{n}]" for n in off]
    what = ("entry" if rows else "item") if len(off) == 1 else ("entries" if rows else "items")
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    return f"; {what} {listed} {'is' if len(off) == 1 else 'are'} off (indices from 0)"


def _choice_wrong(question, kind, answer, entry, mistake):
    """❌ for a wrong choice: the options decided wrongly (never which way they should go) and their hints.

    With ``multiple`` the options are found by their digests (:meth:`Choice.decided_wrongly`)
    and named, with its hint, only when a single option is off in an answer that chooses some
    options but not all: naming two or more would let one call with an empty or a full answer, or
    with one true letter of a question with three true options, list the answer key. ❌
    otherwise gives their number. For a single choice only the chosen option is named, as naming the right one would
    give it away.
    """
    from course_lib.grading.kinds import _listing

    qid = question["id"]
    chosen = kind.chosen(answer)
    wrong = kind.decided_wrongly(entry["salt"], answer, entry["options"]) if "options" in entry else []
    if kind.multiple and wrong and (len(wrong) > 1 or not 0 < len(chosen) < len(kind.letters)):
        summary = (f"{len(wrong)} of the {len(kind.letters)} options are decided wrongly; check() names an "
                   f"option once it is the only one left.")
        wrong = []
    elif kind.multiple and wrong:
        others = len(kind.letters) - len(wrong)
        also = f"; the other {others} option{'s are' if others != 1 else ' is'} right" if others else ""
        summary = f"option{'s' if len(wrong) > 1 else ''} {_listing(wrong)} {'are' if len(wrong) > 1 else 'is'} " \
                  f"decided wrongly{also}."
    elif kind.multiple:  # a public file without option digests
        summary = "not the expected choice."
    else:
        wrong, summary = chosen, f"option {chosen[0]} is not the right choice."
    lines = [f"❌ {qid}: {summary}"]
    shown = kind.shown_hints(answer, wrong)
    lines += [f"   option {letter}: {text}" for letter, text in shown]
    if mistake is not None:
        lines.append(f"   Hint: {question['mistake_hints'][mistake]}")
    elif not shown and question.get("hint"):
        lines.append(f"   Hint: {question['hint']}")
    return WRONG, "\n".join(lines)


def _example_differs(call: str, kind, got, want) -> str:
    """Why a public example failed, naming the call and never the expected value.

    For a matrix or a tuple of numbers (``kind``, the function's result kind) a shape that
    differs is said in words; otherwise the result is only said to differ.

    Examples
    --------
    >>> from course_lib.grading.kinds import Int, IntTuple
    >>> _example_differs("f(1)", IntTuple(), (1, 2), (1, 2, 3))
    '`f(1)` returned 2 items; the expected result has 3 items.'
    >>> _example_differs("f(1)", Int(), 4, 5)
    '`f(1)` returned a result that is not the expected one.'
    """
    mine, theirs = _shape(kind, got), _shape(kind, want)
    if mine is not None and theirs is not None and mine != theirs:
        if isinstance(mine, tuple):
            return (f"`{call}` returned a {mine[0]}x{mine[1]} matrix; the expected result is "
                    f"{theirs[0]}x{theirs[1]}.")
        return (f"`{call}` returned {mine} item{'s' if mine != 1 else ''}; the expected result "
                f"has {theirs} item{'s' if theirs != 1 else ''}.")
    return f"`{call}` returned a result that is not the expected one."


def _shape(kind, value):
    """(rows, columns) of a matrix result, the number of items of a tuple result, else None."""
    from course_lib.grading import kinds

    try:
        if isinstance(kind, kinds.Matrix):
            rows = kind._rows(value)
            return None if rows is None else (len(rows), len(rows[0]) if rows else 0)
        if isinstance(kind, kinds.IntTuple):
            items = kind._items(value)
            return None if items is None else len(items)
    except (TypeError, ValueError, IndexError):
        return None
    return None


def _expression_mistake(question, kind, answer):
    """❌ with a mistake's hint when the expression's values at the public points are a declared mistake's."""
    from course_lib.grading.kinds import answer_digest, values_at

    table = question.get("mistakes_at")
    if not table:
        return None
    digest = answer_digest(table["salt"], values_at(kind._normalize(answer), [p["point"] for p in question["points_at"]]))
    for wrong, number in table["mistakes"]:
        if digest == wrong:
            return WRONG, (f"❌ {question['id']}: not the expected expression; it is what a common mistake gives.\n"
                           f"   Hint: {question['mistake_hints'][number]}")
    return None


def _cannot_judge(question, public, namespace, origin):
    """⚠️ for a well-formed answer whose parameters have no digests in the check file check() read.

    With a per-student check file the parameters differ from the released ones; with one that
    check() ignored, that file is named and why; without one, a notebook released for a student
    (its metadata says so) lacks its check file, which is named with the folders check() looked
    in; otherwise either may be the case.
    """
    # A pool's version is chosen by a parameter of its own, which its answer need not read.
    names = ", ".join(f"`{name}`" for name in question["uses"] + [question.get("version_parameter")] if name)
    tried = "the form is right and the public checks pass" if question.get("checks") else "the form is right"
    lead = (f"⚠️ {question['id']}: {tried}, but check() cannot judge this answer here: it has no answer digests "
            f"for these values of {names}.")
    wanted = f"{CHECK_FILES}/{public['id']}.json"
    looked = " and ".join(str(folder) for folder in origin.folders) or "no folder (the working folder is gone)"
    if origin.file is not None:
        why = (f"They differ from the values this notebook was released with ({origin.file} holds the digests "
               f"of those): put back the original PARAMETERS cell to get a verdict.")
    elif origin.ignored:
        why = (f"{origin.ignored} Put the {CHECK_FILES} folder that came with your notebooks beside this notebook "
               f"(or ask your instructor for it), keep the original PARAMETERS cell, then run this check again.")
    elif (student := _released_student(public["id"], public["notebook"], namespace, origin.folders)):
        why = (f"This notebook was released for {student}, and its check file {wanted} is missing: check() "
               f"looked for it in {looked}. Put the {CHECK_FILES} folder that came with your notebooks beside "
               f"this notebook (or ask your instructor for it), then run this check again.")
    else:
        why = (f"Either they were edited (put back the original PARAMETERS cell to get a verdict) or this notebook "
               f"was released for you and its check file {wanted} is missing (check() looked for it in "
               f"{looked}; ask your instructor).")
    return CANNOT_JUDGE, f"{lead} {why} The grader always uses your original parameters."


def check_holds(test: str, parameters: dict, answer) -> bool | None:
    """Whether a public check's ``test`` is true for ``answer`` and these parameters.

    The parameters, ``answer``, ``math``, ``floor`` and ``ceil`` are the expression's globals:
    a generator or comprehension in the test has a scope of its own that sees globals only, so
    names handed to ``eval`` as locals would be undefined there. Parameters are read as plain
    data (numbers, nested tuples), so a numpy array in a notebook and the declaration's list
    give the same result.

    Parameters
    ----------
    test : str
        A Python expression over ``answer`` and parameter names, with a few safe builtins.
    parameters : dict
        Parameter name -> value.
    answer : object
        The answer as public checks see it (an int, a tuple of ints, rows, an expression).

    Returns
    -------
    bool or None
        The test's truth, or None when it cannot be evaluated on this answer (it raised):
        that says nothing about the answer.

    Examples
    --------
    >>> check_holds("all(0 <= p <= k13 - 1 for p in answer)", {"k13": 11}, (4, 5))
    True
    >>> check_holds("all(0 <= p <= k13 - 1 for p in answer)", {"k13": 11}, (4, 11))
    False
    >>> check_holds("answer[3] > 0", {}, (1, 2)) is None
    True
    """
    scope = {name: _plain_parameter(value) for name, value in parameters.items()}
    scope.update(answer=answer, math=math, floor=math.floor, ceil=math.ceil, __builtins__=_SAFE_BUILTINS)
    try:
        return bool(eval(test, scope))  # noqa: S307 - the instructor's text, with safe builtins only
    except Exception:  # noqa: BLE001 - whatever the test raised, it did not judge the answer
        return None


def _plain_parameter(value):
    """A parameter as public checks see it: numbers and nested tuples, as in the declaration."""
    from course_lib.grading._encode import encode
    from course_lib.grading.values import ArrayValue, decode

    def nested(item):
        if isinstance(item, ArrayValue):
            return _unflatten(item.shape, item.entries)
        if isinstance(item, tuple):
            return tuple(nested(x) for x in item)
        return item

    return nested(decode(encode(value)))


def _unflatten(shape, entries):
    """Row-major ``entries`` as nested tuples of ``shape`` (a 0-d array is its one entry)."""
    if not shape:
        return entries[0]
    step = len(entries) // shape[0] if shape[0] else 0
    return tuple(_unflatten(shape[1:], entries[n * step:(n + 1) * step]) for n in range(shape[0]))


def _failed_check(question, plain, params):
    """The first public check this answer fails, or None; one that cannot be evaluated is skipped."""
    for check_ in question.get("checks", []):
        if check_holds(check_["test"], {p: params[p] for p in check_.get("uses", [])}, plain) is False:
            return check_
    return None


def _form_checked(qid, question, what):
    return FORM_CHECKED, (f"☑️ {qid}: form checked ({what}). This exercise set gives no right/wrong feedback "
                          f"before grading; the grader decides its {_points(question)}.")


def _plain_answer(kind, answer):
    """The answer as public checks see it: ints, tuples of ints, rows, a SymPy expression, or letters
    (a tuple of the chosen letters, sorted; one letter for a single choice; an order's letters)."""
    from course_lib.grading import kinds

    if isinstance(kind, kinds.Int):
        return kinds.as_int(answer)
    if isinstance(kind, kinds.IntTuple):
        return tuple(kind._items(answer))
    if isinstance(kind, kinds.Matrix):
        return kind._rows(answer)
    if isinstance(kind, kinds.Expression):
        return kind._normalize(answer)
    if isinstance(kind, kinds.Choice):
        return tuple(kind.chosen(answer)) if kind.multiple else kind.chosen(answer)[0]
    if isinstance(kind, kinds.Order):
        return tuple(kind.sequence(answer))
    return answer
