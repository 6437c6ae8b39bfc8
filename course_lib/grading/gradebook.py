"""The gradebook CSV and the per-student feedback files.

The CSV has one row per submission in a stable order (exercise set, student, file) and stable
columns (student, exercise set, submission, one column per question ID in the sets involved,
total, maximum, status, reason), so re-grading the same files gives the same file. ``reason``
is empty when the status is ``ok`` and otherwise says why, in words the student's feedback
repeats. Feedback shows each question's points and messages (public-check messages, the
declared hint or the matching mistake's hint included) and never a hidden input, an expected
answer or a solution.

Everything a student controls (folder and file names, error names, reasons quoting them) is made
harmless on the way out: a CSV cell a spreadsheet would read as a formula gets a leading single
quote, and in the feedback names are code spans and other text cannot start a block, a link or
HTML (a word a Markdown renderer could turn into a link by itself, such as a bare URL, a bare
domain like ``evil.com`` or a file name like ``02_x.ipynb``, or an e-mail address, is shown as a
code span). Names are shown through
:func:`~course_lib.grading.submissions.printable` (bytes that are not UTF-8, control and invisible
characters as backslash escapes), so both files are always valid UTF-8.
Feedback files are ``DIR/<student>/<notebook stem>.md``, one per submission, never outside
``DIR``, each file name at most 255 bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from pathlib import Path

from course_lib.grading.submissions import printable, shorten

__all__ = ["write_gradebook", "gradebook_text", "feedback_markdown", "write_feedback", "format_points",
           "spreadsheet_safe"]

# OWASP's list for CSV injection: a spreadsheet evaluates a cell starting with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# Lone surrogates too: a text that holds one cannot be written as UTF-8.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
MAX_REASON = 1500  # characters of a reason; every part of one is bounded already, this is the last guard
MAX_NAME_BYTES = 255  # of one file name: what Linux file systems accept


def spreadsheet_safe(cell) -> str:
    """A CSV cell as text no spreadsheet evaluates: a leading ``'`` when it could start a formula.

    Cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (also after leading
    spaces) are escaped, as OWASP recommends; plain numbers such as ``-1.5`` stay numbers.

    Examples
    --------
    >>> print(spreadsheet_safe('=HYPERLINK("http://x", "y")'), spreadsheet_safe("  @SUM(A1)"), spreadsheet_safe("-1.5"))
    '=HYPERLINK("http://x", "y") '  @SUM(A1) -1.5
    >>> spreadsheet_safe("alice")
    'alice'
    """
    text = str(cell)
    if _NUMBER.fullmatch(text):
        return text
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START):
        return "'" + text
    return text


def _one_line(text: str) -> str:
    """Text with no line breaks or control characters, which could start a Markdown block."""
    return _CONTROL.sub("?", str(text))


def _code(text: str) -> str:
    """Text as a Markdown code span, whatever backticks it holds (nothing in it is interpreted)."""
    text = _one_line(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# A word a Markdown renderer could turn into a link on its own: GitHub's autolink extension links
# www., http:// and https://, mailto:, xmpp: and e-mail addresses; linkify (markdown-it's, as in
# VS Code's preview) and others also link any scheme's :// (whatever follows it), a
# protocol-relative //host (a host starts with anything but white space and ASCII's punctuation),
# and bare domains (evil.com, x.py, self.name: a dot between a character and two letters, a
# top-level domain's first). Such a link never spans white space, so the word that holds it is the
# unit to quote: a student's file name, a name from a notebook's metadata, a type's or a function's
# name that holds such a word is a code span wherever it stands, whatever the renderer's list of
# top-level domains. A false alarm (np.pad in a hint) costs only a code span.
_AUTOLINK = re.compile(r"""(?i)www\.|://|//[^\s!"#%&'()*,\-./:;?@\[\\\]_{}]|mailto:|xmpp:|[\w.+-]@[\w-]|.\.[^\W\d_]{2}""")
# Punctuation a sentence puts around a word: shown outside the word's code span (on its own it links
# nothing).
_LEADING, _TRAILING = "(\"'“‘", ".,;:!?)\"'”’"


def _escaped(text: str) -> str:
    # backticks too: one left bare could pair with a code span's and expose the text between
    return re.sub(r"([\\\[\]<>`])", r"\\\1", text)


def _inline_word(word: str) -> str:
    core = word.lstrip(_LEADING)
    lead = word[:len(word) - len(core)]
    kept = core.rstrip(_TRAILING)
    trail = core[len(kept):]
    unclosed = kept.count("(") - kept.count(")")
    while unclosed > 0 and trail.startswith(")"):  # a parenthesis of its own: f(x.py)
        kept, trail, unclosed = kept + ")", trail[1:], unclosed - 1
    if _AUTOLINK.search(kept):
        return _escaped(lead) + _code(kept) + _escaped(trail)  # nothing in a code span is a link
    return _code(word) if _AUTOLINK.search(word) else _escaped(word)


def _inline(text: str) -> str:
    """Text on one line that opens no link, image, HTML tag or code span (student-chosen names end up in
    it): ``\\``, ``[``, ``]``, ``<``, ``>`` and backticks are escaped, and a word that a renderer would
    link by itself (``http://…``, ``www.…``, an e-mail address, a bare domain such as ``evil.com``, a
    file name such as ``02_x.ipynb``: :data:`_AUTOLINK`) becomes a code span, the punctuation
    around it left outside.

    Examples
    --------
    >>> print(_inline("see [this](http://x.example) or www.x.example, <b>"))
    see `[this](http://x.example)` or `www.x.example`, \\<b\\>
    >>> print(_inline("released for evil.com/login (02_x.ipynb) in ex02.1, 0.5 s, e.g. // 2 (np.pad(x))."))
    released for `evil.com/login` (`02_x.ipynb`) in ex02.1, 0.5 s, e.g. // 2 (`np.pad(x)`).
    """
    return re.sub(r"\S+", lambda word: _inline_word(word.group()), _one_line(text))


MAX_MESSAGE = 600  # characters of one feedback line; longer ones are cut (a hostile value can be long)
# a code span as CommonMark reads one: a whole run of backticks, closed by a run of the same length
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def _markdown_line(text: str) -> str:
    """A feedback line that Markdown shows as text: one line, at most :data:`MAX_MESSAGE` characters,
    no link, image or HTML tag outside its code spans (inside a code span nothing is interpreted).

    Examples
    --------
    >>> print(_markdown_line("Option B: `x[0]` is <img src=x onerror=alert(1)> [here] http://x"))
    Option B: `x[0]` is \\<img src=x onerror=alert(1)\\> \\[here\\] `http://x`
    """
    text = _one_line(text)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 1] + "…"
    parts, last = [], 0
    for span in _CODE_SPAN.finditer(text):
        parts += [_inline(text[last:span.start()]), span.group(0)]
        last = span.end()
    parts.append(_inline(text[last:]))
    line = ""
    for part in parts:
        # a word _inline quoted right beside a code span: two fences side by side would read as one run
        line += (" " if line.endswith("`") and part.startswith("`") else "") + part
    return line


def format_points(value: float) -> str:
    """Points as text: no trailing zeros.

    Examples
    --------
    >>> format_points(2.0), format_points(1.5), format_points(0.67)
    ('2', '1.5', '0.67')
    """
    return f"{round(value, 2):g}"


def _question_order(qid: str):
    set_number, number = re.match(r"ex(\d+)\.(\d+)", qid).groups()
    return int(set_number), int(number)


def _reason(text: str) -> str:
    """A row's reason as the gradebook and the feedback show it: printable and bounded."""
    return shorten(printable(text), MAX_REASON)


def gradebook_text(results, sets: dict) -> str:
    """The gradebook as CSV text.

    Examples
    --------
    >>> from course_lib.grading.grader import SubmissionResult
    >>> bad = SubmissionResult("x/notes.ipynb", "x", "?", "invalid notebook", reason="not a notebook")
    >>> print(gradebook_text([bad], {}), end="")
    student,exercise_set,submission,total,max,status,reason
    x,?,x/notes.ipynb,0,0,invalid notebook,not a notebook
    """
    involved = sorted({r.set_id for r in results if r.set_id in sets})
    columns = sorted((q.id for s in involved for q in sets[s].questions), key=_question_order)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # New columns go last, so scripts that read columns by position keep working.
    writer.writerow([spreadsheet_safe(c) for c in
                     ["student", "exercise_set", "submission", *columns, "total", "max", "status", "reason"]])
    for r in results:
        points = {q.id: format_points(q.points) for q in r.questions}
        maximum = sets[r.set_id].max_points if r.set_id in sets else 0
        row = [printable(r.student), r.set_id, printable(r.path)]
        row += [points.get(c, "0" if r.set_id == c.split(".")[0] else "") for c in columns]
        row += [format_points(r.total), format_points(maximum), r.status, _reason(r.reason)]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()


def write_gradebook(path: Path, results, sets: dict) -> None:
    """Write :func:`gradebook_text` to ``path`` (folders made as needed).

    Examples
    --------
    ``course grade ... --out gradebook.csv`` ends with ``write_gradebook(Path("gradebook.csv"), results, sets)``.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # Names are printable already; backslashreplace only guards the encoding of the whole file.
    Path(path).write_text(gradebook_text(results, sets), encoding="utf-8", errors="backslashreplace")


def feedback_markdown(result, sets: dict) -> str:
    """One student's feedback for one submission, as Markdown.

    Examples
    --------
    >>> from course_lib.grading.grader import SubmissionResult
    >>> bad = SubmissionResult("x/notes.ipynb", "x", "?", "invalid notebook", reason="not a notebook")
    >>> print(*feedback_markdown(bad, {}).splitlines()[:8:2], sep=chr(10))
    # Feedback: ? · Unknown exercise set
    Student: `x` · file: `notes.ipynb`
    **Total: 0 / 0 points** (status: invalid notebook)
    Why: not a notebook.
    """
    exercise_set = sets.get(result.set_id)
    title = exercise_set.title if exercise_set else "Unknown exercise set"
    lines = [f"# Feedback: {result.set_id} · {title}", "",
             f"Student: {_code(printable(result.student))} · file: {_code(printable(Path(result.path).name))}", "",
             f"**Total: {format_points(result.total)} / {format_points(result.max_points)} points** "
             f"(status: {result.status})", ""]
    if result.reason:
        lines += [f"Why: {_inline(_reason(result.reason.rstrip('.')))}.", ""]
    if result.notes:
        lines += ["What happened while your notebook ran:", ""]
        lines += [f"- {_inline(printable(note))}" for note in result.notes]
        lines.append("")
    titles = {q.id: q.title for q in exercise_set.questions} if exercise_set else {}
    for q in result.questions:
        lines.append(f"## {q.id} · {titles.get(q.id, '')} — {format_points(q.points)} / "
                     f"{format_points(q.max_points)} ({q.status})")
        lines.append("")
        lines += [f"- {_markdown_line(line)}" for message in q.messages for line in str(message).splitlines()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _bounded_name(stem: str, tag: str, path: str) -> str:
    """``<stem><tag>.md`` in at most :data:`MAX_NAME_BYTES` bytes: a longer stem is cut and gets
    a short hash of the whole path, so cut names stay apart."""
    name = f"{stem}{tag}.md"
    if len(os.fsencode(name)) <= MAX_NAME_BYTES:
        return name
    tag = tag or "." + _digest(path)
    room = MAX_NAME_BYTES - len(os.fsencode(f"{tag}.md"))
    while len(os.fsencode(stem)) > room:  # by characters, so no UTF-8 character is split
        stem = stem[:-1]
    return f"{stem}{tag}.md"


def _digest(path: str) -> str:
    return hashlib.sha256(os.fsencode(path)).hexdigest()[:8]


def _feedback_names(results) -> dict:
    """Each result's feedback file name: its notebook's stem, unique within its student's folder
    and at most :data:`MAX_NAME_BYTES` bytes long."""
    stems: dict = {}
    for result in results:
        stems.setdefault((result.student, Path(result.path).stem), []).append(result.path)
    names, taken = {}, set()
    for (student, stem), paths in stems.items():
        for path in paths:
            # Two files with one name (a nested copy, a duplicate) must not share one feedback file.
            name = _bounded_name(stem, "" if len(paths) == 1 else "." + _digest(path), path)
            again = 1
            while (student, name) in taken:  # a stem that looks like another's cut stem and hash
                again += 1
                name = _bounded_name(stem, f".{_digest(path)}-{again}", path)
            taken.add((student, name))
            names[path] = name
    return names


def write_feedback(directory: Path, results, sets: dict) -> list[Path]:
    """Write ``DIRECTORY/<student>/<notebook stem>.md`` for every submission; return the paths.

    Two submissions of one student with the same file name get the stem and a short hash of their
    path; a name longer than 255 bytes is cut and gets that hash too. A row without a student (a
    file directly in the submissions folder) or without a file (a rostered student who handed in
    nothing) gets no feedback. A file that cannot be written, for whatever reason, does not stop
    the others.

    Raises
    ------
    OSError
        After writing all the others, if some files could not be written: a student that is not
        a plain folder name (``..``, a ``/``, over 255 bytes), a target that would lie outside
        ``directory``, or an error of the file system. The message counts them and names the first.

    Examples
    --------
    ``course grade ... --feedback feedback/`` writes ``feedback/alice/02_convolution_arithmetic.md``.
    """
    written, failed = [], []
    base = Path(directory).resolve()
    names = _feedback_names(results)
    for result in results:
        if not result.student or not result.path:  # a missing submission's row has nothing to explain
            continue
        target = base / printable(result.student) / names[result.path]
        try:
            target = _feedback_target(base, result.student, names[result.path])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(feedback_markdown(result, sets), encoding="utf-8", errors="backslashreplace")
        except Exception as err:  # noqa: BLE001 - one student's file must not cost the others theirs
            failed.append((target, err))
            continue
        written.append(target)
    if failed:
        target, err = failed[0]
        why = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        if not isinstance(err, (OSError, ValueError)):
            why = f"{type(err).__name__}: {why}"
        raise OSError(f"{len(failed)} of {len(failed) + len(written)} feedback files could not be written; "
                      f"the first, {printable(target)}: {printable(why)}")
    return written


def _feedback_target(base: Path, student: str, name: str) -> Path:
    """``base/<student>/<name>``; ValueError unless ``student`` is a plain folder name and the path
    stays inside ``base``."""
    if student in (".", "..") or "/" in student or "\0" in student or len(os.fsencode(student)) > MAX_NAME_BYTES:
        raise ValueError(f"student must be a plain folder name, got {printable(repr(student))}")
    target = base / student / name
    if not target.resolve().is_relative_to(base):
        raise ValueError(f"the feedback for {printable(repr(student))} would be written outside {base}: "
                         f"{target.resolve()}")
    return target
