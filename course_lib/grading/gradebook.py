"""The gradebook CSV and the per-student feedback files.

The CSV has one row per submission in a stable order (exercise set, student, file) and stable
columns (student, exercise set, submission, one column per question ID in the sets involved,
total, maximum, status, reason), so re-grading the same files gives the same file. ``reason``
is empty when the status is ``ok`` and otherwise says why, in words the student's feedback
repeats. Feedback shows each question's points and messages (public-check messages, the
declared hint or the matching mistake's hint included) and never a hidden input, an expected
answer or a solution.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

__all__ = ["write_gradebook", "gradebook_text", "feedback_markdown", "write_feedback", "format_points"]


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
    writer.writerow(["student", "exercise_set", "submission", *columns, "total", "max", "status", "reason"])
    for r in results:
        points = {q.id: format_points(q.points) for q in r.questions}
        maximum = sets[r.set_id].max_points if r.set_id in sets else 0
        row = [r.student, r.set_id, r.path]
        row += [points.get(c, "0" if r.set_id == c.split(".")[0] else "") for c in columns]
        row += [format_points(r.total), format_points(maximum), r.status, r.reason]
        writer.writerow(row)
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
    Student: **x** · file: `notes.ipynb`
    **Total: 0 / 0 points** (status: invalid notebook)
    Why: not a notebook.
    """
    exercise_set = sets.get(result.set_id)
    title = exercise_set.title if exercise_set else "Unknown exercise set"
    lines = [f"# Feedback: {result.set_id} · {title}", "",
             f"Student: **{result.student}** · file: `{Path(result.path).name}`", "",
             f"**Total: {format_points(result.total)} / {format_points(result.max_points)} points** "
             f"(status: {result.status})", ""]
    if result.reason:
        lines += [f"Why: {result.reason.rstrip('.')}.", ""]
    if result.notes:
        lines += ["What happened while your notebook ran:", ""]
        lines += [f"- {note}" for note in result.notes]
        lines.append("")
    titles = {q.id: q.title for q in exercise_set.questions} if exercise_set else {}
    for q in result.questions:
        lines.append(f"## {q.id} · {titles.get(q.id, '')} — {format_points(q.points)} / "
                     f"{format_points(q.max_points)} ({q.status})")
        lines.append("")
        lines += [f"- {message}" for message in q.messages]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_feedback(directory: Path, results, sets: dict) -> list[Path]:
    """Write ``DIRECTORY/<student>/<notebook stem>.md`` for every submission; return the paths.

    Examples
    --------
    ``course grade ... --feedback feedback/`` writes ``feedback/alice/02_convolution_arithmetic.md``.
    """
    written = []
    for result in results:
        stem = Path(result.path).stem
        target = Path(directory) / result.student / f"{stem}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(feedback_markdown(result, sets), encoding="utf-8")
        written.append(target)
    return written
