"""What the grader writes is inert and short: student-chosen text never becomes Markdown markup,
a link or a control character, and a description repeats only a few dozen characters of a value.
Every student gets a row (a rostered one without a submission: `missing`), and a copy's or a
download's file name grades as its set."""

import re

from course_lib.grading.gradebook import MAX_MESSAGE, feedback_markdown
from course_lib.grading.grader import QuestionResult, SubmissionResult
from course_lib.grading.values import MAX_SHOWN, ArrayValue, CallableValue, Unsupported, describe, describe_type

HOSTILE = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "[click](http://evil.example)",
           "![pixel](http://evil.example/p.png)", "line one\nline two\x1b[2J", "`` <b>`x`</b> ``"]


def _feedback(messages):
    question = QuestionResult("ex02.1", 0.0, 1.0, "wrong", messages=list(messages))
    result = SubmissionResult("alice/02_convolution_arithmetic.ipynb", "alice", "ex02", "ok", questions=[question])
    return feedback_markdown(result, {})


def _outside_code_spans(line: str) -> str:
    return re.sub(r"(`+)(?!`).+?(?<!`)\1(?!`)", "", line)


def test_hostile_text_in_a_message_opens_no_tag_link_or_image():
    text = _feedback([f"Your answer is an object of type {name}." for name in HOSTILE])
    for line in text.splitlines():
        outside = _outside_code_spans(line)
        assert not re.search(r"(?<!\\)<[a-zA-Z/!]", outside), line
        assert not re.search(r"(?<!\\)\]\(", outside), line
        assert "\x1b" not in line
    assert "line two" in text and "\nline two" not in text.replace("- line two", "")


def _outside_spans(line: str) -> str:
    """The text of a Markdown line outside its code spans, read as CommonMark reads them: a
    backslash escapes the next punctuation character, and a run of backticks opens a span that the
    next run of the same length closes (inside a span nothing is escaped)."""
    out, at = [], 0
    while at < len(line):
        char = line[at]
        if char == "\\" and at + 1 < len(line) and not line[at + 1].isalnum() and not line[at + 1].isspace():
            out.append(line[at:at + 2])
            at += 2
            continue
        if char == "`":
            run = re.match("`+", line[at:]).group()
            close = re.search(rf"(?<!`){run}(?!`)", line[at + len(run):])
            if close:
                at += len(run) + close.end()
                continue
            out.append(run)
            at += len(run)
            continue
        out.append(char)
        at += 1
    return "".join(out)


# GitHub's autolink extension (GFM spec, "Autolinks (extension)"): www., http:// and https:// links,
# e-mail addresses and mailto:/xmpp: links, found in text (never in a code span).
_GFM_AUTOLINK = re.compile(r"(?i)www\.|https?://|mailto:|xmpp:|[a-z0-9.+_-]@[a-z0-9_-]+\.[a-z0-9_-]")
BARE_LINKS = ["http://evil.example/x", "https://evil.example", "www.evil.example", "WWW.Evil.example/p",
              "mailto:a@evil.example", "xmpp:a@evil.example", "someone@evil.example", "(www.evil.example)",
              "*http://evil.example*", "[x](http://evil.example)", "<http://evil.example>", "x`y http://evil.example",
              "\\`http://evil.example", "`a``http://evil.example`"]


def test_bare_links_in_student_text_are_shown_but_never_linked():
    question = QuestionResult("ex02.1", 0.0, 1.0, "incorrect",
                              messages=[f"Your answer is {link}." for link in BARE_LINKS] +
                                       [f"`x`{link}" for link in BARE_LINKS])
    result = SubmissionResult("s/alice/02_x.ipynb", "alice", "ex02", "crashed", questions=[question],
                              reason="cell 1: " + " ".join(BARE_LINKS),
                              notes=[f"Cell {n}: {link}" for n, link in enumerate(BARE_LINKS)])
    text = feedback_markdown(result, {})
    for line in text.splitlines():
        assert not _GFM_AUTOLINK.search(_outside_spans(line)), line
    assert text.lower().count("evil.example") == 4 * len(BARE_LINKS)  # each shown, as text
    mistune = __import__("pytest").importorskip("mistune")
    html = mistune.create_markdown(plugins=["url", "strikethrough", "table"])(text)  # a renderer that autolinks
    assert "<a " not in html and "evil.example" in html


def test_honest_feedback_without_links_reads_as_before():
    messages = ["Public example: `conv(x[0], 3)` raised ValueError, which is not the expected result.",
                "Hint: output_padding must stay below max(s, d); A @ B is a product.", "`o` is still `...`."]
    text = _feedback(messages)
    assert [line for line in text.splitlines() if line.startswith("- ")] == [f"- {m}" for m in messages]


def test_an_honest_message_keeps_its_code_spans_and_words():
    text = _feedback(["Public example: `conv(x[0], 3)` raised ValueError, which is not the expected result.",
                      "Hint: output_padding must stay below max(s, d)."])
    assert "`conv(x[0], 3)`" in text
    assert "- Hint: output_padding must stay below max(s, d)." in text


def test_a_long_message_is_cut():
    text = _feedback(["x" * 100_000])
    assert max(len(line) for line in text.splitlines()) <= MAX_MESSAGE + 4


def test_descriptions_repeat_only_a_few_characters_of_a_value():
    long_number = 10 ** 3000
    for description in (describe(long_number), describe(CallableValue("f" * 500)),
                        describe(Unsupported("T" * 500)), describe_type(Unsupported("T" * 500))):
        assert len(description) <= MAX_SHOWN + 40, description
    # a shape is the student's too: thousands of digits in it must not come back
    huge = ArrayValue((long_number, 1), (), "numpy")
    assert len(describe_type(huge)) < 60 and "000000" not in describe_type(huge)
    # honest values are described as before
    assert describe(3.5) == "the number 3.5" and describe_type(ArrayValue((2, 3), (0,) * 6, "numpy")) == "a 2x3 array"


def test_a_rostered_student_without_a_submission_gets_a_missing_row(tmp_path):
    from course_lib.grading.cli import _missing_rows
    from course_lib.grading.gradebook import gradebook_text, write_feedback
    from pathlib import Path

    from course_lib.grading.spec import load_sets

    sets = load_sets(Path(__file__).resolve().parent.parent / "instructor" / "sets")
    handed_in = [SubmissionResult("s/alice/02_convolution_arithmetic.ipynb", "alice", "ex02", "ok"),
                 SubmissionResult("s/bob/02_convolution_arithmetic.ipynb", "bob", "ex02", "ok")]
    missing = _missing_rows(handed_in, ("alice", "bob", "carol"), sets)
    assert [(r.student, r.set_id, r.status) for r in missing] == [("carol", "ex02", "missing")]
    text = gradebook_text(handed_in + missing, sets)
    assert "carol,ex02,,0," in text and text.rstrip().endswith("missing,no submission of ex02 from this rostered student")
    # the honest students' feedback is written, and nothing for a file that does not exist
    written = write_feedback(tmp_path, handed_in + missing, sets)
    assert sorted(p.parent.name for p in written) == ["alice", "bob"]


def test_the_refusal_names_paths_not_reprs():
    from course_lib.grading import cli
    from course_lib.grading.grader import SubmissionResult

    row = SubmissionResult("submitted/bob/02_x.ipynb\x1b[2J", "bob", "ex02", "needs roster", released_for="bob\x1b[2J")
    message = cli._ungraded_variants_note([row])
    assert "submitted/bob/02_x.ipynb?[2J (released for bob?[2J)" in message and "SubmissionResult(" not in message


def test_a_student_whose_file_names_no_set_gets_no_missing_row_besides_it():
    from pathlib import Path

    from course_lib.grading.cli import _missing_rows
    from course_lib.grading.spec import load_sets

    sets = load_sets(Path(__file__).resolve().parent.parent / "instructor" / "sets")
    rows = [SubmissionResult("s/alice/02_convolution_arithmetic.ipynb", "alice", "ex02", "ok"),
            SubmissionResult("s/trudy/link", "trudy", "?", "invalid notebook", reason="a link, not followed")]
    assert _missing_rows(rows, ("alice", "trudy"), sets) == []


def test_backticks_and_backslashes_cannot_unescape_a_tag():
    from course_lib.grading.gradebook import _markdown_line

    for hostile in ("\\`<img src=x onerror=alert(1)>`", "```<b>`", "`` `<img src=x>` ``x<i>", "a`b``<img>``"):
        line = _markdown_line(f"type {hostile}")
        # CommonMark: an escaped backslash stays a backslash; every < outside a code span is escaped
        outside = re.sub(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", "", line)
        assert not re.search(r"(?<!\\)<[a-zA-Z/]", outside.replace("\\\\", "")), (hostile, line)


def test_a_copys_or_downloads_name_grades_as_its_set():
    from pathlib import Path

    from course_lib.grading.grader import identify
    from course_lib.grading.spec import load_sets

    sets = load_sets(Path(__file__).resolve().parent.parent / "instructor" / "sets")
    for name in ("Copy of 03_layer_arithmetic.ipynb", "Copy of Copy of 03_layer_arithmetic.ipynb",
                 "03_layer_arithmetic (1).ipynb", "03_layer_arithmetic - Copy.ipynb"):
        assert identify(Path(f"submitted/alice/{name}"), sets)[1].id == "ex03", name
    # the honest name, and names that hold no set, are read as before
    assert identify(Path("submitted/alice/03_layer_arithmetic.ipynb"), sets)[1].id == "ex03"
    assert identify(Path("submitted/alice/Copy of notes.ipynb"), sets)[1] is None
    assert identify(Path("submitted/alice/Copy of 99_x.ipynb"), sets)[1] is None


def test_the_feedback_says_how_a_renamed_file_was_read(tmp_path):
    from pathlib import Path

    from course_lib.grading.grader import Options, grade_submission
    from course_lib.grading.spec import load_sets

    sets = load_sets(Path(__file__).resolve().parent.parent / "instructor" / "sets")
    (tmp_path / "alice").mkdir()
    for name, noted in (("Copy of 03_layer_arithmetic.ipynb", True), ("03_layer_arithmetic.ipynb", False)):
        notebook = tmp_path / "alice" / name
        notebook.write_text("not a notebook")  # read and refused before any kernel starts
        result = grade_submission(notebook, sets, Options(), None, 0, tmp_path)
        assert result.set_id == "ex03" and result.status == "invalid notebook"
        assert any("graded as ex03" in note for note in result.notes) == noted


# markdown-it's linkify (linkify-it, as VS Code's Markdown preview uses it) links more than GitHub: a bare
# domain whose top-level domain it knows (any two letters, or one of its list) and a //host link.
_LINKIFY_TLDS = "[a-z]{2}|com|net|org|edu|gov|biz|info|name|pro|web|xxx|aero|asia|coop|museum|shop|рф"
_LINKIFY = re.compile(rf"(?i)(?<![\w.@-])(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?:{_LINKIFY_TLDS})(?![\w-])|//(?:localhost|\w)")
DOMAINS = ["evil.co/login", "evil.com", "pay.evil.example", "x.py", "self.name", "☃.com", "evil.рф", "//localhost",
           "(evil.co)", "evil.co.", "EVIL.COM"]


def _rendered_links(text: str) -> list:
    """The links markdown-it with linkify makes of ``text``, when it is installed; else None."""
    try:
        from markdown_it import MarkdownIt
        import linkify_it  # noqa: F401 - markdown-it's linkify needs it
    except ImportError:
        return None
    return re.findall(r"<a [^>]*>", MarkdownIt("commonmark", {"linkify": True}).enable("linkify").render(text))


def _assert_no_link(text: str) -> None:
    for line in text.splitlines():
        outside = _outside_spans(line)
        assert not _GFM_AUTOLINK.search(outside) and not _LINKIFY.search(outside), line
    assert _rendered_links(text) in (None, [])


def test_names_from_metadata_and_file_names_never_become_links(tmp_path):
    """Student-chosen names reach a row's reason and notes as plain text: a name from the notebook's
    metadata, a file name, a folder name, a type's name. Whatever word a renderer could link is a code
    span, under GitHub's rules and linkify's alike, and still shows."""
    import json
    from pathlib import Path

    from course_lib.grading.grader import Options, _identity_problem, _refused, grade_submission
    from course_lib.grading.spec import load_sets
    from course_lib.grading.submissions import collect

    sets = load_sets(Path(__file__).resolve().parent.parent / "instructor" / "sets")
    results = []
    for number, domain in enumerate(DOMAINS):
        folder, variant = tmp_path / f"s{number}" / "alice", tmp_path / f"s{number}" / "victor"
        folder.mkdir(parents=True)
        variant.mkdir()
        # a variant's metadata names a student (graded without a roster: no kernel starts)
        notebook = {"nbformat": 4, "nbformat_minor": 5, "cells": [],
                    "metadata": {"course": {"student": f"see {domain} now", "exercise_set": "ex03"}}}
        (variant / "03_layer_arithmetic.ipynb").write_text(json.dumps(notebook))
        # a copy's name, a name that names no set, and two files for one set (a file name holds no /)
        named = domain.replace("/", "")
        (folder / f"Copy of 03_see {named} now.ipynb").write_text("not a notebook")
        (folder / f"notes {named}.ipynb").write_text("{}")
        (folder / f"02_a {named}.ipynb").write_text("{}")
        (folder / "02_b.ipynb").write_text("{}")
        for submission in collect([folder.parent], sets):
            results.append(_refused(submission, sets) if submission.problem else
                           grade_submission(submission, sets, Options(), None, 0, tmp_path))
        mismatch = SubmissionResult("s/bob/03_x.ipynb", "bob", "ex03", "student mismatch",
                                    reason=_identity_problem("bob", domain, ("bob",))[1])
        typed = QuestionResult("ex03.1", 0.0, 1.0, "incorrect",
                               [f"Your answer is {describe(Unsupported(domain))}.", f"Your answer is {describe(CallableValue(domain))}."])
        results += [mismatch, SubmissionResult("s/bob/03_x.ipynb", "bob", "ex03", "ok", questions=[typed])]
    assert {r.status for r in results} >= {"needs roster", "invalid notebook", "duplicate", "student mismatch"}
    for result in results:
        _assert_no_link(feedback_markdown(result, sets))
    text = "".join(feedback_markdown(result, sets) for result in results)
    for domain in DOMAINS:
        assert domain.strip("(.)") in text  # shown, as text


def test_question_ids_numbers_and_plain_words_stay_plain_text():
    result = SubmissionResult("s/alice/02_x.ipynb", "alice", "ex02", "timeout",
                              reason="reading the answer to ex02.1: took too long",
                              notes=["Cell 4: interrupted after 0.5 s, e.g. in a loop."])
    text = feedback_markdown(result, {})
    assert "Why: reading the answer to ex02.1: took too long." in text
    assert "- Cell 4: interrupted after 0.5 s, e.g. in a loop." in text
    _assert_no_link(text)
