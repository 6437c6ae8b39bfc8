"""No submission can stop, crash or empty a class's run of `course grade`.

Every submission gets a gradebook row and the exit status says whether rows need attention (0
all ok, 1 some need attention, 2 bad arguments, 3 an output could not be written); per-student
variants graded without a roster get a `needs roster` row while the others are graded; names
that are not UTF-8, control characters and 255-byte names stay harmless; thousands of files keep
the gradebook and the feedback small; a question whose cell raised says so; and a submission's
whole grading, the grader's comparisons included, ends within its notebook time limit. Each
beside an honest control.

Unit tests first (no kernel); the runs at the end grade notebooks in real kernels: run this module
under `flock /tmp/course-grading.lock`.
"""

import asyncio
import csv
import io
import json
import os
import re
import subprocess
import sys
import time
import warnings

import nbformat
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from course_lib.grading import grader
from course_lib.grading._encode import encode
from course_lib.grading.cli import EXIT_ATTENTION, EXIT_NOT_GRADED, EXIT_OK, EXIT_USAGE, main
from course_lib.grading.gradebook import _digest, feedback_markdown, gradebook_text, write_feedback, write_gradebook
from course_lib.grading.grader import (NEEDS_ATTENTION, STATUSES, Options, QuestionResult, SubmissionResult,
                                       _Plan, _mark_raised, _raised_cells, _score_bounded, grade_many,
                                       grade_submission)
from course_lib.grading.kinds import Expression, Int
from course_lib.grading.runner import CellRecord, RunResult
from course_lib.grading.spec import ExerciseSet, Question
from course_lib.grading.submissions import collect, listing, printable, shorten
from test_grading_cli import NOTEBOOK, SOLUTION_CELLS, make_course, tiny_set

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox and byte file names as on Linux")

SETS = {"ex01": tiny_set()}
HANG_GUARD = 600
NOT_UTF8 = b"\xff\xfe"  # a folder name no UTF-8 decoder reads
LONG = "01_" + "x" * 246 + ".ipynb"  # 255 bytes: the longest file name Linux allows
CSV_HOSTILE = '=HYPERLINK("evil.example")\x1b[2J'


def honest(replace: dict | None = None, student: str | None = None):
    """The tiny set's solution as a student hands it in (no check() cells), answers replaced by ``replace``."""
    cells = []
    for source in SOLUTION_CELLS:
        if source.startswith("check("):
            continue
        qid = source.split("\n")[0].removeprefix("# ")
        if replace and qid in replace:
            source = f"# {qid}\n{replace[qid]}"
        cells.append(nbformat.v4.new_markdown_cell(source) if source.startswith("## ")
                     else nbformat.v4.new_code_cell(source))
    nb = nbformat.v4.new_notebook(cells=cells)
    if student:
        nb.metadata["course"] = {"student": student}
    return nb


def put(folder, name, content) -> None:
    """Write a notebook or text at ``folder/<name parts>`` (parts may be bytes: names that are not UTF-8)."""
    path = os.path.join(os.fsencode(folder), *(os.fsencode(part) for part in name))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(content if isinstance(content, str) else nbformat.writes(content))


def refused_run(tmp_path, results):
    """Write the gradebook and feedback of ``results`` and return (gradebook bytes, feedback paths)."""
    write_gradebook(tmp_path / "gradebook.csv", results, SETS)
    written = write_feedback(tmp_path / "feedback", results, SETS)
    return (tmp_path / "gradebook.csv").read_bytes(), written


# --- 1. exit status --------------------------------------------------------------------------------

def test_every_status_but_ok_needs_attention():
    assert set(NEEDS_ATTENTION) == set(STATUSES) - {"ok"} and "needs roster" in STATUSES


@pytest.mark.parametrize("argv", [
    ["grade", "--out", "g.csv"],  # no submissions
    ["grade", "SUB", "--out", "g.csv", "--timeout", "0"],
    ["grade", "SUB", "--out", "g.csv", "--roster", "no-such-roster.csv"],
    ["grade", "EMPTY", "--out", "g.csv"],  # a folder with nothing to grade
    ["grade", "SUB", "--out", "g.csv", "--root", "NOWHERE"],
])
def test_bad_arguments_exit_2_and_grade_nothing(tmp_path, argv, capsys):
    root = make_course(tmp_path / "course")
    put(tmp_path / "sub", ("alice", NOTEBOOK), "{}")
    (tmp_path / "empty").mkdir()
    names = {"SUB": str(tmp_path / "sub"), "EMPTY": str(tmp_path / "empty"), "NOWHERE": str(tmp_path),
             "g.csv": str(tmp_path / "g.csv")}
    argv = [names.get(arg, arg) for arg in argv] + (["--root", str(root)] if "--root" not in argv else [])
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == EXIT_USAGE
    assert not (tmp_path / "g.csv").exists() and capsys.readouterr().err


class _Sandbox:
    """A stand-in for the sandbox: nothing to check, nothing to say."""

    fallback = False

    def check_protected(self, paths):
        return None

    def describe(self):
        return "test sandbox"


@pytest.mark.parametrize("where", ["detect_sandbox", "grade_many"])
def test_an_unexpected_error_exits_3_with_its_traceback_and_one_line_saying_so(tmp_path, monkeypatch, capsys, where):
    """Python's own exit status for an uncaught exception is 1, which `course grade` uses for rows that
    need attention: a full disk or a grader bug must not look like that."""
    from course_lib.grading import sandbox

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    root = make_course(tmp_path / "course")
    put(tmp_path / "sub", ("alice", NOTEBOOK), honest())
    if where == "detect_sandbox":
        monkeypatch.setattr(sandbox, "detect_sandbox", full_disk)
    else:
        monkeypatch.setattr(sandbox, "detect_sandbox", lambda *args, **kwargs: _Sandbox())
        monkeypatch.setattr(grader, "grade_many", full_disk)
    with pytest.raises(SystemExit) as stopped:
        main(["grade", str(tmp_path / "sub"), "--out", str(tmp_path / "g.csv"), "--quiet", "--root", str(root)])
    assert stopped.value.code == EXIT_NOT_GRADED
    err = capsys.readouterr().err
    assert "Traceback (most recent call last):" in err and "in full_disk" in err
    assert err.splitlines()[-1] == ("course grade: could not grade or write: OSError: [Errno 28] No space left on "
                                    "device (the traceback is above)")


def test_bad_arguments_still_exit_2_and_usable_runs_0_with_the_error_handling_in_place(tmp_path, monkeypatch):
    """The control: what is not an unexpected error keeps its own exit status."""
    from course_lib.grading import sandbox

    root = make_course(tmp_path / "course")
    put(tmp_path / "sub", ("alice", NOTEBOOK), "not a notebook")  # refused without a kernel
    (tmp_path / "empty").mkdir()
    monkeypatch.setattr(sandbox, "detect_sandbox", lambda *args, **kwargs: _Sandbox())
    argv = ["grade", str(tmp_path / "sub"), "--out", str(tmp_path / "g.csv"), "--quiet", "--root", str(root)]
    assert main(argv) == EXIT_ATTENTION
    with pytest.raises(SystemExit) as stopped:
        main(argv[:1] + [str(tmp_path / "empty")] + argv[2:])
    assert stopped.value.code == EXIT_USAGE


# --- 3. names ----------------------------------------------------------------------------------------

def test_printable_names_never_collide_and_honest_names_stay_as_they_are():
    names = [os.fsdecode(b"\xff\xfe"), "\\xff\\xfe", "a\x1b", "a\\x1b", "a\u0085", os.fsdecode(b"a\x85"),
             "\ud800", "a\u202eb"]
    shown = [printable(name) for name in names]
    assert len(set(shown)) == len(names), shown
    for text in shown:
        text.encode("utf-8")  # always encodable
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text), text
    for plain in ("alice", "bob.smith-2", "01_convolution_arithmetic.ipynb", "Ünïcødé"):
        assert printable(plain) == plain


INVISIBLE = ("\u200b", "\u00ad", "\u2060", "\ufeff", "\u061c", "\u200d", "\u2028", "\u2029", "\U000e0041")


def unprintable(text: str) -> str:
    """The name :func:`printable` was given: its escapes undone (``\\xNN`` from 80 up is a byte that is
    not UTF-8, as os.fsdecode keeps it)."""
    def undo(match):
        escape = match.group(1)
        if escape == "\\":
            return "\\"
        code = int(escape[1:], 16)
        return chr(0xDC00 + code) if escape[0] == "x" and code >= 0x80 else chr(code)

    return re.sub(r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})", undo, text)


def test_invisible_characters_are_escaped_so_a_name_never_passes_for_another():
    import unicodedata

    for invisible in INVISIBLE:
        shown = printable(f"al{invisible}ice")
        assert shown != "alice" and invisible not in shown, repr(shown)
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in shown), repr(shown)
        assert unprintable(shown) == f"al{invisible}ice"
    assert printable("al\u200bice") == "al\\u200bice" and printable("x\U000e0041") == "x\\U000e0041"
    # honest names, accents and other scripts included, are left as they are
    for plain in ("Ünïcødé", "José", "Łukasz", "Ольга", "李雷", "محمد", "e\u0301"):
        assert printable(plain) == plain


# Default_Ignorable_Code_Point as Unicode's DerivedCoreProperties.txt lists it (the same since Unicode 14.0):
# characters no renderer shows, of categories Cf, Mn (U+034F, variation selectors), Lo (Hangul fillers)
# and Cn (reserved).
DEFAULT_IGNORABLE = [(0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
                     (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
                     (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
                     (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF)]


def test_characters_that_show_nothing_or_a_mere_space_are_escaped():
    """A name holding U+034F between its letters looks like "alice": every Default_Ignorable_Code_Point and
    every space but U+0020 (U+00A0, U+3000, ...) is escaped; honest names, spaces between words
    included, stay as they are."""
    import unicodedata

    ignorable = [chr(code) for low, high in DEFAULT_IGNORABLE for code in range(low, high + 1)]
    spaces = [chr(code) for code in range(0x80, 0x3001) if unicodedata.category(chr(code)) == "Zs"]
    assert {"\u00a0", "\u2007", "\u3000"} <= set(spaces)
    for char in ignorable + spaces:
        shown = printable(f"al{char}ice")
        assert char not in shown and shown != "alice", f"U+{ord(char):04X}"
        assert unprintable(shown) == f"al{char}ice"
    assert [printable(f"al{c}ice") for c in "\u034f\ufe0f\u3164\u00a0"] == [
        "al\\u034fice", "al\\ufe0fice", "al\\u3164ice", "al\\u00a0ice"]
    assert printable("x\U000e0100") == "x\\U000e0100"
    try:  # Unicode's own data as the regex module has it, whatever its version
        import regex
    except ImportError:
        regex = None
    if regex is not None:
        everything = "".join(map(chr, range(0x110000)))
        listed = "".join(regex.findall(r"\p{Default_Ignorable_Code_Point}", everything))
        assert len(listed) > 4000 and not set(printable(listed)) & set(listed)
    for plain in ("Ünïcødé", "José María", "김민준", "Łukasz", "Ольга", "李雷", "e\u0301", "😀"):
        assert printable(plain) == plain


@given(st.text(st.characters(exclude_categories=()), max_size=40))
def test_printable_is_one_to_one(name):
    shown = printable(name)
    shown.encode("utf-8")
    assert unprintable(shown) == name


def test_a_gradebook_with_names_that_are_not_utf8_is_written_for_everyone(tmp_path):
    sub = tmp_path / "sub"
    put(sub, (NOT_UTF8, NOTEBOOK), "{}")  # its own bytes: os.fsencode paths
    put(sub, ("alice", NOTEBOOK), "not a notebook")
    put(sub, ("zed", "notes.ipynb"), "{}")
    results = grade_many(collect([sub], SETS), SETS, Options(), sandbox=None, jobs=1, progress=False)
    assert len(results) == 3  # read and refused without a kernel
    text, written = refused_run(tmp_path, results)
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(text.decode("utf-8")))}  # strict UTF-8
    assert set(rows) == {"alice", "\\xff\\xfe", "zed"}
    assert rows["\\xff\\xfe"]["submission"].endswith("sub/\\xff\\xfe/01_tiny.ipynb")
    assert rows["alice"]["reason"].startswith("not valid JSON")  # the honest names' rows are as before
    assert rows["alice"]["submission"].endswith("sub/alice/01_tiny.ipynb")
    assert sorted(p.parent.name for p in written) == sorted(["alice", os.fsdecode(NOT_UTF8), "zed"])
    feedback = (tmp_path / "feedback" / os.fsdecode(NOT_UTF8) / "01_tiny.md").read_bytes().decode("utf-8")
    assert "Student: `\\xff\\xfe`" in feedback


def test_feedback_names_stay_within_255_bytes_unique_and_honest_ones_unchanged(tmp_path):
    long_paths = [f"s/bob/{LONG}", f"s/bob/v2/{LONG}", f"s/bob/{LONG[:-6]}.ipynb/{LONG}"]
    results = [SubmissionResult(path, "bob", "ex01", "duplicate", reason="three") for path in long_paths]
    results += [SubmissionResult(f"s/bob/{'é' * 125}x.ipynb", "bob", "ex01", "duplicate", reason="x"),
                SubmissionResult(f"s/bob/v3/{'é' * 125}x.ipynb", "bob", "ex01", "duplicate", reason="x"),
                SubmissionResult("s/carol/01_tiny.ipynb", "carol", "ex01", "ok"),
                SubmissionResult("s/dan/01_tiny.ipynb", "dan", "ex01", "duplicate", reason="two"),
                SubmissionResult("s/dan/v2/01_tiny.ipynb", "dan", "ex01", "duplicate", reason="two")]
    written = write_feedback(tmp_path, results, SETS)  # ENAMETOOLONG stopped the run here
    assert len(written) == len(set(written)) == len(results)
    assert all(len(os.fsencode(p.name)) <= 255 for p in written)
    assert all(p.name.endswith(".md") for p in written)
    assert all(p.name.startswith("01_xxxx") for p in written[:3])
    assert all(p.name.startswith("é" * 100) for p in written[3:5])  # cut between characters, not bytes
    assert written[5].relative_to(tmp_path).as_posix() == "carol/01_tiny.md"  # the honest name, unchanged
    assert sorted(p.name for p in written[6:]) == sorted(f"01_tiny.{_digest(p)}.md" for p in
                                                         ("s/dan/01_tiny.ipynb", "s/dan/v2/01_tiny.ipynb"))


def test_control_characters_and_formulas_stay_harmless_in_both_files():
    result = SubmissionResult(f"s/{CSV_HOSTILE}/01_tiny.ipynb", CSV_HOSTILE, "ex01", "invalid notebook",
                              reason=f"{CSV_HOSTILE}\n(the folder's name) is not on the roster \ud800")
    text = gradebook_text([result], SETS)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["student"] == "'" + '=HYPERLINK("evil.example")\\x1b[2J'
    assert row["reason"].startswith("'=HYPERLINK") and "\\x0a(the folder's name)" in row["reason"]
    feedback = feedback_markdown(result, SETS)
    for written in (text, feedback):
        written.encode("utf-8")
        assert not any(ord(c) < 32 and c != "\n" for c in written)


def test_a_feedback_file_that_cannot_be_written_does_not_stop_the_others(tmp_path):
    (tmp_path / "alice").write_text("a file where alice's feedback folder would go")
    results = [SubmissionResult(f"s/{name}/01_tiny.ipynb", name, "ex01", "ok") for name in ("alice", "bob", "carol")]
    with pytest.raises(OSError, match="1 of 3 feedback files could not be written; the first, .*alice"):
        write_feedback(tmp_path, results, SETS)
    assert (tmp_path / "bob" / "01_tiny.md").exists() and (tmp_path / "carol" / "01_tiny.md").exists()


def test_a_student_that_is_no_folder_name_does_not_stop_the_others_feedback(tmp_path):
    results = [SubmissionResult(f"s/{name}/01_tiny.ipynb", name, "ex01", "ok") for name in ("..", "bob", "carol")]
    with pytest.raises(OSError, match=r"1 of 3 feedback files could not be written; the first, .*: student must be "
                                      "a plain folder name"):
        write_feedback(tmp_path / "feedback", results, SETS)
    assert (tmp_path / "feedback" / "bob" / "01_tiny.md").exists()
    assert (tmp_path / "feedback" / "carol" / "01_tiny.md").exists()
    assert sorted(os.listdir(tmp_path)) == ["feedback"]  # nothing beside the folder


def test_an_output_that_cannot_be_written_exits_3_after_writing_the_rest(tmp_path):
    root = make_course(tmp_path / "course")
    for student in ("alice", "bob"):
        put(tmp_path / "sub", (student, NOTEBOOK), "{}")  # refused for what they are: no kernel
    (tmp_path / "feedback").mkdir()
    (tmp_path / "feedback" / "alice").write_text("in the way")
    run = subprocess.run([sys.executable, "-m", "course_lib.grading.cli", "grade", str(tmp_path / "sub"), "--out",
                          str(tmp_path / "g.csv"), "--feedback", str(tmp_path / "feedback"), "--quiet",
                          "--root", str(root)], capture_output=True, text=True, timeout=HANG_GUARD)
    assert run.returncode == EXIT_NOT_GRADED, run.stderr
    assert "1 of 2 feedback files could not be written" in run.stderr
    assert len((tmp_path / "g.csv").read_text().splitlines()) == 3
    assert (tmp_path / "feedback" / "bob" / "01_tiny.md").exists()


def test_a_grader_error_quoting_student_text_is_bounded_and_inert(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise ValueError("\x1b[2J" + "x" * 5000 + os.fsdecode(b"\xff"))

    monkeypatch.setattr(grader, "_plan", broken)
    put(tmp_path, ("alice", NOTEBOOK), honest())
    result = grade_submission(tmp_path / "alice" / NOTEBOOK, SETS, Options(), None, 0, tmp_path)
    assert result.status == "crashed" and result.reason.startswith("grader error: ValueError: ")
    assert len(result.reason) <= 300  # one row, however long the message
    err = capsys.readouterr().err
    err.encode("utf-8")
    assert "\x1b" not in err and "\\x1b[2J" in err and "Traceback" in err  # said, escaped, on stderr
    assert "\x1b" not in gradebook_text([result], SETS)


# --- 4. bounded output -------------------------------------------------------------------------------

def test_listing_names_a_few_items_each_bounded():
    assert listing([f"f{n}" for n in range(3000)]) == "f0, f1, f2, f3, f4, and 2,995 more"
    assert listing(["a" * 500], width=20) == "a" * 10 + "…" + "a" * 9
    assert listing(["a", "b"]) == "a, b"  # a short list is whole
    assert shorten("short", 80) == "short"
    with pytest.raises(ValueError, match="shown must be an integer >= 1"):
        listing(["a"], shown=0)
    with pytest.raises(ValueError, match="width must be an integer >= 2"):
        shorten("a", 1)


def test_a_duplicates_reason_is_bounded_however_many_files(tmp_path):
    sub = tmp_path / "sub"
    for n in range(3000):
        put(sub, ("mallory", f"01_t{n:04d}.ipynb"), "{}")
    put(sub, ("bob", NOTEBOOK), "{}")
    put(sub, ("bob", "v2", NOTEBOOK), "{}")
    found = collect([sub], SETS)
    reasons = {s.problem[1] for s in found if s.student == "mallory"}
    (reason,) = reasons
    assert reason.startswith("3000 files for ex01 in mallory's folder (01_t0000.ipynb, ") and len(reason) < 300
    assert "and 2,995 more); none is graded" in reason
    assert {s.problem[1] for s in found if s.student == "bob"} == {  # a short list is named whole, as before
        f"2 files for ex01 in bob's folder ({NOTEBOOK}, v2/{NOTEBOOK}); none is graded: hand in exactly one"}


def test_a_reason_is_cut_in_both_files_and_a_short_one_is_whole():
    from course_lib.grading.gradebook import MAX_REASON

    long, short = (SubmissionResult("s/a/01_tiny.ipynb", "a", "ex01", "crashed", reason=text)
                   for text in ("cell 1: " + "x" * 100_000, "cell 1: the kernel died"))
    row = next(csv.DictReader(io.StringIO(gradebook_text([long], SETS))))
    assert len(row["reason"]) == MAX_REASON and row["reason"].startswith("cell 1: xxx")
    assert max(len(line) for line in feedback_markdown(long, SETS).splitlines()) < MAX_REASON + 20
    assert next(csv.DictReader(io.StringIO(gradebook_text([short], SETS))))["reason"] == "cell 1: the kernel died"


def test_a_notebook_with_thousands_of_failing_cells_gets_a_bounded_note_list():
    run = RunResult("ok", [CellRecord(n, "student", "error", f"NameError: name 'x{n}' is not defined")
                           for n in range(5000)])
    notes = grader._cell_notes(list(range(1, 5001)), run)
    assert len(notes) == grader.MAX_CELL_NOTES + 1 and notes[-1] == "And 4,990 more cells did not run cleanly."
    honest_run = RunResult("ok", [CellRecord(0, "student", "ok"), CellRecord(1, "student", "error", "ValueError: x")])
    assert grader._cell_notes([3, 4], honest_run) == ["Cell 4: ValueError."]


def test_the_feedback_names_a_cells_error_and_never_repeats_its_message():
    """A student cell's exception message is the student's text (a file it read, a link): only the
    exception's name reaches the feedback, and a "name" that is not one is not repeated either."""
    run = RunResult("crashed", [
        CellRecord(0, "student", "error", "FileNotFoundError: [Errno 2] see http://evil.example/" + "s3cret" * 40),
        CellRecord(1, "student", "error", "<img src=x> http://evil.example: s3cret"),
        CellRecord(2, "student", "error", "LinAlgError: Singular matrix"),
        CellRecord(3, "student", "timeout", "interrupted after the time limit"),  # the grader's own words
        CellRecord(4, "student", "died", "the kernel died (killed by signal 9) while this cell ran; skipped")])
    notes = grader._cell_notes([2, 3, 5, 8, 9], run)
    assert notes == ["Cell 2: FileNotFoundError.", "Cell 3: an exception.", "Cell 5: LinAlgError.",
                     "Cell 8: interrupted after the time limit.",
                     "Cell 9: the kernel died (killed by signal 9) while this cell ran; skipped."]
    text = feedback_markdown(SubmissionResult("s/a/01_tiny.ipynb", "a", "ex01", "crashed", notes=notes), SETS)
    assert "s3cret" not in text and "evil.example" not in text and "Singular" not in text


# --- 5. a cell that raised ---------------------------------------------------------------------------

NAMES = {"ex01.1": "o", "ex01.2": "pair", "ex01.3": "double"}


def fake_run(errors: dict, count: int) -> RunResult:
    """A run of ``count`` student cells; ``errors`` maps a cell's position to its error text."""
    return RunResult("ok", [CellRecord(n, "student", "error" if n in errors else "ok", errors.get(n, ""))
                            for n in range(count)])


def test_a_question_whose_cell_raised_says_so_and_an_untouched_one_stays_not_attempted():
    data = nbformat.from_dict(honest({"ex01.1": "o = 1 / 0"}))
    cells = grader._code_cells(data)
    numbers = [number for number, _ in cells]
    position = next(n for n, (_, source) in enumerate(cells) if "1 / 0" in source)
    hostile_name = "<img src=x>`Leak" + "x" * 200
    run = fake_run({position: "ZeroDivisionError: division by zero 48611",
                    len(cells) - 1: f"{hostile_name}: secret 48611"}, len(cells))
    raised = _raised_cells(data, numbers, run, NAMES)
    assert raised["ex01.1"] == (numbers[position], "ZeroDivisionError")
    assert raised["ex01.3"][1] == "an exception"  # not a name: not repeated
    questions = [QuestionResult("ex01.1", 0, 2, "not attempted", ["`o` is not defined in your notebook."]),
                 QuestionResult("ex01.2", 0, 2, "not attempted", ["`pair` is still `...`."]),
                 QuestionResult("ex01.3", 0, 1, "not attempted", ["`double` still raises NotImplementedError."])]
    _mark_raised(questions, raised)
    assert [q.status for q in questions] == ["raised an error", "not attempted", "raised an error"]
    assert questions[0].messages == [f"Cell {numbers[position]} of this question raised ZeroDivisionError, so your "
                                     "answer was not set.", "`o` is not defined in your notebook."]
    text = feedback_markdown(SubmissionResult("s/a/01_tiny.ipynb", "a", "ex01", "ok", questions=questions), SETS)
    assert "(raised an error)" in text and "(not attempted)" in text
    assert "48611" not in text and "division by zero" not in text and "<img" not in text.replace("\\<img", "")


def test_an_answer_that_was_set_is_graded_as_it_is_whatever_raised():
    data = nbformat.from_dict(honest())
    numbers = [number for number, _ in grader._code_cells(data)]
    raised = _raised_cells(data, numbers, fake_run({1: "ValueError: late"}, len(numbers)), NAMES)
    right = [QuestionResult("ex01.1", 2, 2, "correct", ["Correct."])]
    _mark_raised(right, raised)
    assert right[0].status == "correct" and right[0].messages == ["Correct."]


def mixed_notebook(cells: list[str]):
    """A notebook holding ex01.1's heading, then these code cells."""
    return nbformat.from_dict(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("i, k = 7, 3"), nbformat.v4.new_markdown_cell("## ex01.1 · positions"),
        *(nbformat.v4.new_code_cell(source) for source in cells)]))


@pytest.mark.parametrize("cells, errors, expected", [
    # the stub ran and an unrelated scratch cell raised: the answer was simply never given
    (["# ex01.1\no = ...", "scratch = 1 / 0"], {2: "ZeroDivisionError: division by zero"}, None),
    (["# ex01.1\no = ...", "print(o + 1)"], {2: "TypeError: unsupported"}, None),
    # the only cell that assigns it raised: that is why the answer was not set
    (["# ex01.1\no = 1 / 0", "scratch = 2"], {1: "ZeroDivisionError: division by zero"}, (3, "ZeroDivisionError")),
    (["# ex01.1\nfor j in range(3):\n    o, r = divmod(i, j)"], {1: "ZeroDivisionError: x"}, (3, "ZeroDivisionError")),
    # a cell IPython reads but Python does not (a magic): read as text, it names the answer
    (["%time o = undefined_name"], {1: "NameError: name 'undefined_name' is not defined"}, (3, "NameError")),
])
def test_raised_an_error_only_when_the_cell_that_sets_the_answer_raised(cells, errors, expected):
    data = mixed_notebook(cells)
    numbers = [number for number, _ in grader._code_cells(data)]
    raised = _raised_cells(data, numbers, fake_run(errors, len(numbers)), NAMES)
    assert raised.get("ex01.1") == expected
    questions = [QuestionResult("ex01.1", 0, 2, "not attempted", ["`o` is still `...`."])]
    _mark_raised(questions, raised)
    assert questions[0].status == ("not attempted" if expected is None else "raised an error")
    if expected is None:
        assert questions[0].messages == ["`o` is still `...`."]


@pytest.mark.parametrize("cells, errors, expected", [
    # a cell that raised but only reads the name is not why the answer was not set
    (["%time print(o)"], {1: "NameError: name 'o' is not defined"}, None),
    (["print(o)"], {1: "NameError: name 'o' is not defined"}, None),
    # in doubt (the name only as a string), no cell is blamed
    (['globals()["o"] = 1 / 0'], {1: "ZeroDivisionError: division by zero"}, None),
    # the control: a magic cell whose line assigns the answer is still named
    (["%%time\no = 1 / 0"], {1: "ZeroDivisionError: division by zero"}, (3, "ZeroDivisionError")),
    (["o = undefined_name + 1"], {1: "NameError: name 'undefined_name' is not defined"}, (3, "NameError")),
])
def test_a_cell_that_raised_is_blamed_only_when_it_sets_the_answer(cells, errors, expected):
    data = mixed_notebook(cells)
    numbers = [number for number, _ in grader._code_cells(data)]
    assert _raised_cells(data, numbers, fake_run(errors, len(numbers)), NAMES).get("ex01.1") == expected


def f_string_cell(length: int) -> str:
    """A cell Python 3.11 needs over a second to parse at 99,000 characters (250 kB as UTF-8): an f-string
    holding thousands of expressions after much text of 4-byte characters."""
    stuffing = length // 2
    return 'o = f"' + "\U0001f600" * stuffing + "{i}" * ((length - stuffing - 8) // 3) + '"'


def test_finding_the_cell_that_raised_takes_little_time_whatever_the_cells_hold():
    """Four such cells, each in two questions' sections: with no cell raised, and with one, the grader's
    look at which cell raised stays well under a second (it took over 10 s, outside every limit); so
    do forty cells just under the length still parsed."""
    heavy = [f"# ex01.2\n{f_string_cell(99_000)}" for _ in range(4)]
    capped = [f_string_cell(9_990) for _ in range(40)]
    for cells in (heavy, heavy + ["o = 1 / 0"], capped + ["o = 1 / 0"]):
        data = mixed_notebook(cells)
        numbers = [number for number, _ in grader._code_cells(data)]
        errors = {len(numbers) - 1: "ZeroDivisionError: division by zero"} if "o = 1 / 0" in cells else {}
        started = time.perf_counter()
        raised = _raised_cells(data, numbers, fake_run(errors, len(numbers)), NAMES)
        assert time.perf_counter() - started < 1.0
        assert raised == {}  # the cells that ran set `o`: nothing to blame


def test_each_cell_is_parsed_once_and_only_where_a_cell_raised(monkeypatch):
    parsed = []
    parse = grader.ast.parse
    monkeypatch.setattr(grader.ast, "parse", lambda source, *args, **kwargs: parsed.append(source) or
                        parse(source, *args, **kwargs))
    # a `# ex01.2` cell below ex01.1's heading belongs to both questions
    data = mixed_notebook(["# ex01.2\npair = 1 / 0"])
    numbers = [number for number, _ in grader._code_cells(data)]
    raised = _raised_cells(data, numbers, fake_run({1: "ZeroDivisionError: division by zero"}, len(numbers)), NAMES)
    assert raised == {"ex01.2": (3, "ZeroDivisionError")} and len(parsed) == 1
    parsed.clear()
    honest_data = nbformat.from_dict(honest())
    numbers = [number for number, _ in grader._code_cells(honest_data)]
    assert _raised_cells(honest_data, numbers, fake_run({}, len(numbers)), NAMES) == {} and parsed == []


def test_reading_the_cells_writes_no_warning_to_the_graders_stderr():
    data = mixed_notebook(['o = "\\d\x1b[2J" + 1 / 0'])  # an invalid escape sequence: Python warns when it parses it
    numbers = [number for number, _ in grader._code_cells(data)]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        raised = _raised_cells(data, numbers, fake_run({1: "ZeroDivisionError: division by zero"}, len(numbers)), NAMES)
    assert [str(warning.message) for warning in seen] == []
    assert raised == {"ex01.1": (3, "ZeroDivisionError")}  # the control: still read, and named


def test_past_the_deadline_no_cell_is_blamed():
    data = mixed_notebook(["# ex01.1\no = 1 / 0"])
    numbers = [number for number, _ in grader._code_cells(data)]
    run = fake_run({1: "ZeroDivisionError: division by zero"}, len(numbers))
    assert _raised_cells(data, numbers, run, NAMES, deadline=time.monotonic() - 1) == {}
    assert _raised_cells(data, numbers, run, NAMES, deadline=time.monotonic() + 60) == {
        "ex01.1": (3, "ZeroDivisionError")}


# --- 6. the notebook's time limit bounds the grader's own work ----------------------------------------

I, K = sympy.symbols("i k")
SLOW_TERMS = 400  # as tests/grading_fixtures/hostile/slow_compare.cells: terms that are 0 on the grid


def slow_set() -> ExerciseSet:
    """Two expression questions on a grid of 2420 points: comparing a padded answer takes seconds each."""
    kind = {"symbols": {"i": (1, 80), "k": (1, 40)}, "condition": "k <= i"}
    return ExerciseSet(id="ex05", notebook="05_slow.ipynb", title="Slow", parameters={"i0": 7}, questions=[
        Question(id="ex05.1", name="o", title="A number", points=1, kind=Int(), answer=lambda P: P["i0"] + 1),
        Question(id="ex05.2", name="e2", title="First", points=2, kind=Expression(**kind), answer=lambda P: I - K + 1),
        Question(id="ex05.3", name="e3", title="Second", points=2, kind=Expression(**kind), answer=lambda P: I - K + 1),
    ])


def slow_notebook(padded: bool):
    pad = f" + sum(sympy.Min(0, i + j) for j in range(1, {SLOW_TERMS}))" if padded else ""
    cells = ["import sympy\ni, k = sympy.symbols('i k')\ni0 = 7", "o = i0 + 1", f"e2 = i - k + 1{pad}",
             f"e3 = i - k + 1{pad}"]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])


def test_scoring_stops_at_the_notebooks_deadline_and_an_honest_answer_is_compared():
    exercise_set = slow_set()
    question = exercise_set.question("ex05.2")
    padded = I - K + 1 + sum(sympy.Min(0, I + j) for j in range(1, SLOW_TERMS))
    outcomes = {}
    for label, answer in (("slow", padded), ("honest", I - K + 1)):
        line = '{"id": "ex05.2", "value": %s}' % __import__("json").dumps(encode(answer))
        run = RunResult("ok", [CellRecord(0, "probe", "ok")], probe_lines={0: [line]})
        options = Options(notebook_timeout=8, score_timeout=30)
        started = time.monotonic()
        results, limits = _score_bounded(run, [_Plan(question, "", expected=I - K + 1)], {}, options,
                                         deadline=started + 2)
        outcomes[label] = (results[0], limits, time.monotonic() - started)
    result, limits, seconds = outcomes["slow"]
    assert seconds < 3 and result.points == 0 and result.status == "not graded"
    assert "your notebook's time limit (8 s, for running and grading it) ran out first" in result.messages[0]
    assert limits == [("timeout", "the notebook's time limit (8 s, for running and grading it) ran out while "
                                  "comparing its answers")]
    result, limits, _ = outcomes["honest"]
    assert (result.points, result.status, limits) == (2, "correct", [])


def test_a_run_that_never_ends_is_stopped_at_the_notebooks_limit(tmp_path, monkeypatch):
    """Kernel start, cells, probes: whatever the run is doing at the deadline, it is stopped and cleaned up."""
    seen = {}

    async def endless(*args, notebook_timeout, **kwargs):
        seen["given"] = notebook_timeout
        try:
            await asyncio.sleep(3600)
        finally:
            seen["cleaned up"] = True

    monkeypatch.setattr(grader, "run_cells", endless)
    put(tmp_path, ("alice", NOTEBOOK), honest())
    options = Options(notebook_timeout=4)
    result = grade_submission(tmp_path / "alice" / NOTEBOOK, SETS, options, None, 0, tmp_path)
    assert result.seconds < options.notebook_timeout + 1 and seen["cleaned up"]
    assert seen["given"] <= options.notebook_timeout * 3 / 4  # a quarter is kept for comparing
    assert (result.status, result.total) == ("timeout", 0)
    assert result.reason == ("the notebook's time limit (4 s, for running and grading it) ran out before its kernel "
                             "was stopped (it was still starting, running or stopping); no answer was read")
    assert all(q.messages == ["Not read: your notebook's time limit ran out first."] for q in result.questions)


def test_a_run_that_needs_seconds_to_stop_after_its_time_is_still_read(tmp_path, monkeypatch):
    """A run that uses its time to the end and then takes seconds to stop its kernel and clean up
    (a loaded machine) still comes back before the notebook's limit, and its answers count."""
    seen = {}

    async def slow_to_stop(student_sources, probe_sources, tag, *args, notebook_timeout, **kwargs):
        seen["given"] = notebook_timeout
        await asyncio.sleep(notebook_timeout)  # its cells use all the time they are given
        await asyncio.sleep(3)  # and its kernel takes a while to stop
        line = json.dumps({"id": "ex01.1", "value": encode(5)})  # right: 7 - 3 + 1
        return RunResult("timeout", [CellRecord(n, "probe", "ok" if n == 0 else "not run")
                                     for n in range(len(probe_sources))], probe_lines={0: [line]})

    monkeypatch.setattr(grader, "run_cells", slow_to_stop)
    put(tmp_path, ("alice", NOTEBOOK), honest())
    options = Options(notebook_timeout=10)
    result = grade_submission(tmp_path / "alice" / NOTEBOOK, SETS, options, None, 0, tmp_path)
    first = next(q for q in result.questions if q.id == "ex01.1")
    assert (first.points, first.status) == (2, "correct"), first.messages
    assert result.seconds < options.notebook_timeout + 1
    assert seen["given"] <= options.notebook_timeout / 2 + 0.1  # a quarter for stopping, a quarter for comparing
    assert result.status == "timeout" and "ran out before its kernel" not in result.reason


# --- end to end: one class, real kernels (run under the lock) -----------------------------------------

def course_grade(args, cwd):
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "course_lib.grading.cli", "grade", *map(str, args), "--jobs", "2",
                          "--timeout", "20", "--quiet"], cwd=cwd, capture_output=True, timeout=HANG_GUARD)
    return run, time.monotonic() - started


@pytest.fixture(scope="module")
def class_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    root = make_course(base / "course")
    sub = base / "submitted"
    put(sub, ("alice", NOTEBOOK), honest())
    put(sub, (NOT_UTF8, NOTEBOOK), honest())
    put(sub, ("raiser", NOTEBOOK), honest({"ex01.1": "o = 1 / 0", "ex01.2": "pair = ..."}))
    put(sub, ("victor", NOTEBOOK), honest(student="victor"))  # a variant: no roster given
    for n in range(3000):
        put(sub, ("mallory", f"01_t{n:04d}.ipynb"), "{}")
    put(sub, ("longnames", LONG), "{}")
    put(sub, ("longnames", "v2", LONG), "{}")
    put(sub, (CSV_HOSTILE, NOTEBOOK), "{}")
    out = base / "out"
    run, seconds = course_grade([sub, "--out", out / "gradebook.csv", "--feedback", out / "feedback",
                                 "--root", root], base)
    # The control: honest notebooks alone.
    control, _ = course_grade([sub / "alice" / NOTEBOOK, "--out", base / "control.csv", "--root", root], base)
    text = (out / "gradebook.csv").read_bytes()
    rows = {}
    for row in csv.DictReader(io.StringIO(text.decode("utf-8"))):
        rows.setdefault(row["student"], []).append(row)
    feedback = [path for path in (out / "feedback").rglob("*") if path.is_file()]
    return {"run": run, "seconds": seconds, "rows": rows, "text": text, "feedback": feedback,
            "folder": out / "feedback", "out": out, "control": control,
            "control_rows": list(csv.DictReader((base / "control.csv").open()))}


def only(class_run, student):
    (row,) = class_run["rows"][student]
    return row


def test_honest_notebooks_alone_exit_0(class_run):
    control = class_run["control"]
    assert control.returncode == EXIT_OK, control.stderr
    assert [(r["student"], r["total"], r["status"]) for r in class_run["control_rows"]] == [("alice", "5", "ok")]
    assert b"need attention" not in control.stderr


def test_the_class_run_finishes_with_a_row_for_everyone_and_exit_1(class_run):
    run = class_run["run"]
    assert run.returncode == EXIT_ATTENTION, run.stderr
    assert sum(len(rows) for rows in class_run["rows"].values()) == 3000 + 7
    needing = sum(row["status"] != "ok" for rows in class_run["rows"].values() for row in rows)
    gradebook = os.fsencode(class_run["out"] / "gradebook.csv")
    assert f"{needing:,} of 3,007 rows need attention (status not ok): see their `reason` column in ".encode() \
        + gradebook in run.stderr
    assert b"\x1b" not in run.stderr and b"\xff" not in run.stderr  # nothing a name holds reaches the terminal raw
    for rows in class_run["rows"].values():
        for row in rows:
            assert (row["status"] == "ok") == (row["reason"] == ""), row
    assert (only(class_run, "alice")["total"], only(class_run, "alice")["status"]) == ("5", "ok")


def test_a_variant_without_a_roster_gets_its_row_and_the_others_are_graded(class_run):
    victor = only(class_run, "victor")
    assert (victor["status"], victor["total"]) == ("needs roster", "0")
    assert victor["reason"].startswith("per-student variant (released for victor): grade with --roster ROSTER")
    assert b"were not graded (status `needs roster`): 1 of them" in class_run["run"].stderr


def test_a_folder_name_that_is_not_utf8_is_graded_and_shown_escaped(class_run):
    row = only(class_run, "\\xff\\xfe")
    assert (row["total"], row["status"]) == ("5", "ok")
    text = (class_run["folder"] / os.fsdecode(NOT_UTF8) / "01_tiny.md").read_bytes().decode("utf-8")
    assert "Student: `\\xff\\xfe`" in text and "**Total: 5 / 5 points**" in text


def test_long_names_csv_and_terminal_hostile_names_stay_harmless(class_run):
    rows = class_run["rows"]["longnames"]
    assert [r["status"] for r in rows] == ["duplicate", "duplicate"]
    written = [p for p in class_run["feedback"] if p.parent.name == "longnames"]
    assert len(written) == 2 and all(len(os.fsencode(p.name)) <= 255 for p in written)
    # written after the long names: everyone sorted later still has feedback
    assert (class_run["folder"] / "raiser" / "01_tiny.md").exists()
    hostile = only(class_run, "'" + '=HYPERLINK("evil.example")\\x1b[2J')
    assert hostile["status"] == "invalid notebook"
    assert b"\x1b" not in class_run["text"]


def test_thousands_of_tiny_files_keep_the_gradebook_and_feedback_small(class_run):
    assert len(class_run["text"]) < 2 * 1024 * 1024
    assert sum(p.stat().st_size for p in class_run["feedback"]) < 4 * 1024 * 1024
    mallory = class_run["rows"]["mallory"]
    assert len(mallory) == 3000 and {r["status"] for r in mallory} == {"duplicate"}
    assert all("and 2,995 more" in r["reason"] and len(r["reason"]) < 300 for r in mallory)
    assert class_run["seconds"] < HANG_GUARD


def test_a_cell_that_raised_is_not_called_not_attempted(class_run):
    raiser = only(class_run, "raiser")
    assert (raiser["ex01.1"], raiser["ex01.2"], raiser["ex01.3"], raiser["status"]) == ("0", "0", "1", "ok")
    text = (class_run["folder"] / "raiser" / "01_tiny.md").read_text()
    first = text.split("## ex01.1 ")[1].split("\n## ")[0]
    assert "(raised an error)" in first and "raised ZeroDivisionError, so your answer was not set." in first
    assert "division by zero" not in first
    second = text.split("## ex01.2 ")[1].split("\n## ")[0]
    assert "(not attempted)" in second and "raised" not in second  # the untouched control


@pytest.fixture(scope="module")
def slow_run(tmp_path_factory):
    from course_lib.grading.sandbox import detect_sandbox

    base = tmp_path_factory.mktemp("slow")
    put(base, ("slow", "05_slow.ipynb"), slow_notebook(padded=True))
    put(base, ("control", "05_slow.ipynb"), slow_notebook(padded=False))
    options = Options(cell_timeout=10, notebook_timeout=10)  # the grader's own limits as by default
    results = grade_many(sorted(base.rglob("*.ipynb")), {"ex05": slow_set()}, options, detect_sandbox("auto"),
                         jobs=2, progress=False)
    return {r.student: r for r in results}, options


def test_a_slow_comparison_ends_within_the_notebooks_limit_and_the_control_keeps_full_marks(slow_run):
    results, options = slow_run
    control, slow = results["control"], results["slow"]
    assert (control.total, control.status) == (5, "ok"), control.reason
    # Before, comparing the two padded answers alone took 2 x 10 s past a 10 s notebook limit.
    assert slow.seconds < options.notebook_timeout + 1.5, slow.seconds
    assert slow.status == "timeout" and slow.total == 1  # its number was compared first and counts
    assert "for running and grading it" in slow.reason
