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
HTML. Feedback files are ``DIR/<student>/<notebook stem>.md``, one per submission, never outside ``DIR``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

__all__ = ["write_gradebook", "gradebook_text", "feedback_markdown", "write_feedback", "format_points",
           "spreadsheet_safe"]

# OWASP's list for CSV injection: a spreadsheet evaluates a cell starting with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


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


def _inline(text: str) -> str:
    """Text on one line that opens no link, image or HTML tag (student-chosen names end up in it)."""
    return re.sub(r"([\\\[\]<>])", r"\\\1", _one_line(text))


MAX_MESSAGE = 600  # characters of one feedback line; longer ones are cut (a hostile value can be long)
# a code span as CommonMark reads one: a whole run of backticks, closed by a run of the same length
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def _markdown_line(text: str) -> str:
    """A feedback line that Markdown shows as text: one line, at most :data:`MAX_MESSAGE` characters,
    no link, image or HTML tag outside its code spans (inside a code span nothing is interpreted).

    Examples
    --------
    >>> print(_markdown_line("Option B: `x[0]` is <img src=x onerror=alert(1)> [here](http://x)"))
    Option B: `x[0]` is \\<img src=x onerror=alert(1)\\> \\[here\\](http://x)
    """
    text = _one_line(text)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 1] + "…"
    parts, last = [], 0
    for span in _CODE_SPAN.finditer(text):
        parts += [_inline(text[last:span.start()]), span.group(0)]
        last = span.end()
    parts.append(_inline(text[last:]))
    return "".join(parts)


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
        row = [r.student, r.set_id, r.path]
        row += [points.get(c, "0" if r.set_id == c.split(".")[0] else "") for c in columns]
        row += [format_points(r.total), format_points(maximum), r.status, r.reason]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()


def write_gradebook(path: Path, results, sets: dict) -> None:
    """Write :func:`gradebook_text` to ``path`` (folders made as needed).

    Examples
    --------
    ``course grade ... --out gradebook.csv`` ends with ``write_gradebook(Path("gradebook.csv"), results, sets)``.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(gradebook_text(results, sets), encoding="utf-8")


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
             f"Student: {_code(result.student)} · file: {_code(Path(result.path).name)}", "",
             f"**Total: {format_points(result.total)} / {format_points(result.max_points)} points** "
             f"(status: {result.status})", ""]
    if result.reason:
        lines += [f"Why: {_inline(result.reason.rstrip('.'))}.", ""]
    if result.notes:
        lines += ["What happened while your notebook ran:", ""]
        lines += [f"- {_inline(note)}" for note in result.notes]
        lines.append("")
    titles = {q.id: q.title for q in exercise_set.questions} if exercise_set else {}
    for q in result.questions:
        lines.append(f"## {q.id} · {titles.get(q.id, '')} — {format_points(q.points)} / "
                     f"{format_points(q.max_points)} ({q.status})")
        lines.append("")
        lines += [f"- {_markdown_line(line)}" for message in q.messages for line in str(message).splitlines()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _feedback_names(results) -> dict:
    """Each result's feedback file name: its notebook's stem, made unique within its student's folder."""
    stems: dict = {}
    for result in results:
        stems.setdefault((result.student, Path(result.path).stem), []).append(result.path)
    names = {}
    for (_student, stem), paths in stems.items():
        for path in paths:
            # Two files with one name (a nested copy, a duplicate) must not share one feedback file.
            tag = "" if len(paths) == 1 else "." + hashlib.sha256(path.encode()).hexdigest()[:8]
            names[path] = f"{stem}{tag}.md"
    return names


def write_feedback(directory: Path, results, sets: dict) -> list[Path]:
    """Write ``DIRECTORY/<student>/<notebook stem>.md`` for every submission; return the paths.

    Two submissions of one student with the same file name get the stem and a short hash of their
    path. A row without a student (a file directly in the submissions folder) or without a file (a
    rostered student who handed in nothing) gets no feedback.

    Raises
    ------
    ValueError
        If a student is not a plain folder name (``..``, a ``/``), or a target would lie outside ``directory``.

    Examples
    --------
    ``course grade ... --feedback feedback/`` writes ``feedback/alice/02_convolution_arithmetic.md``.
    """
    written = []
    base = Path(directory).resolve()
    names = _feedback_names(results)
    for result in results:
        if not result.student or not result.path:  # a missing submission's row has nothing to explain
            continue
        if result.student in (".", "..") or "/" in result.student or "\0" in result.student:
            raise ValueError(f"student must be a plain folder name, got {result.student!r}")
        target = base / result.student / names[result.path]
        if not target.resolve().is_relative_to(base):
            raise ValueError(f"the feedback for {result.student!r} would be written outside {base}: {target.resolve()}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(feedback_markdown(result, sets), encoding="utf-8")
        written.append(target)
    return written

