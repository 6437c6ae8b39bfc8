"""The course's Markdown documents hold together: every relative link in README.md, docs/*.md and
instructor/README.md reaches a file of the course, and every ``#anchor`` a heading of its file
(GitHub's rules); the README leads with its two commands and points instructors to their guide."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "instructor" / "README.md"]

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


def prose_blocks(text: str) -> list[str]:
    """The paragraphs of a Markdown text outside fenced code blocks (code spans still in them)."""
    kept, inside = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            inside = not inside
            kept.append("")
        else:
            kept.append("" if inside else line)
    return re.split(r"\n\s*\n", "\n".join(kept))


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: its text lower-cased, punctuation dropped, spaces as hyphens.

    Examples
    --------
    >>> github_anchor("Check yourself and `practice()`")
    'check-yourself-and-practice'
    """
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)   # a link in a heading counts by its text
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file; a repeated heading gets ``-1``, ``-2``, … as on GitHub."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for block in prose_blocks(path.read_text(encoding="utf-8")):
        for line in block.splitlines():
            match = HEADING.match(line)
            if not match:
                continue
            base = github_anchor(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    """The link targets of a Markdown file, leaving out code blocks and code spans."""
    targets = []
    for block in prose_blocks(path.read_text(encoding="utf-8")):
        prose = CODE_SPAN.sub("", block)
        targets += INLINE_LINK.findall(prose) + DEFINITION.findall(prose)
    return targets


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """The relative links of ``path`` that reach no file under ``root``, or no heading of their file."""
    broken = []
    for target in links(path):
        if SCHEME.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / unquote(file_part)).resolve() if file_part else path.resolve()
        if not destination.is_relative_to(root.resolve()) or not destination.exists():
            broken.append(f"{target}: no such file in the course")
        elif anchor and (destination.suffix != ".md" or unquote(anchor) not in anchors(destination)):
            broken.append(f"{target}: no heading with the anchor #{anchor}")
    return broken


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(path):
    assert path.exists()
    assert broken_links(path) == []


@pytest.mark.parametrize("heading, anchor", [
    ("Check yourself and practice()", "check-yourself-and-practice"),
    ("Limits for a kernel's whole process tree", "limits-for-a-kernels-whole-process-tree"),
    ("Pools: one slot, several versions of a question", "pools-one-slot-several-versions-of-a-question"),
    ("`make` targets", "make-targets"),
    ("Relationships 1–6 (guide §2)", "relationships-16-guide-2"),
    ("Licence and attribution", "licence-and-attribution"),
    ("[Grading](instructor.md) *now*", "grading-now"),
    ("snake_case and  two spaces", "snake_case-and--two-spaces"),
])
def test_anchors_follow_githubs_rules(heading, anchor):
    assert github_anchor(heading) == anchor


def test_the_checker_finds_a_missing_file_a_missing_heading_and_ignores_code(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Grading\n\n## Grading\n", encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text(
        "# Page\n\n## First steps\n\n"
        "[fine](docs/other.md#grading), [repeated](docs/other.md#grading-1), [here](#first-steps),\n"
        "[web](https://example.org/x.md), [dir](docs/)\n\n"
        "[gone](docs/gone.md) and [no heading](docs/other.md#grading-2) and [nor here](#setting-up)\n"
        "[outside](../elsewhere.md)\n\n"
        "`[a span](missing.md)` and ``[a span with ` inside](missing.md)``\n\n"
        "```\n[in a fence](missing.md)\n```\n\n"
        "[ref]: docs/nothing.md\n",
        encoding="utf-8")
    assert broken_links(page, root=tmp_path) == [
        "docs/gone.md: no such file in the course",
        "docs/other.md#grading-2: no heading with the anchor #grading-2",
        "#setting-up: no heading with the anchor #setting-up",
        "../elsewhere.md: no such file in the course",
        "docs/nothing.md: no such file in the course",
    ]


def test_the_readme_leads_with_its_two_commands_after_one_paragraph():
    blocks = [b.strip() for b in (ROOT / "README.md").read_text(encoding="utf-8").split("\n\n") if b.strip()]
    title, introduction, commands = blocks[:3]
    assert title.startswith("# ") and "\n" not in title
    assert not introduction.startswith(("#", "```", "|", "-"))
    lines = commands.splitlines()
    assert lines[0] == lines[-1] == "```"
    assert [line.split("#")[0].strip() for line in lines[1:-1]] == ["make lab", "make test"]


def test_the_readme_points_to_the_instructors_and_the_sandbox_documents_before_its_first_section():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    top = readme[:readme.index("\n## ")]
    assert re.search(r"For instructors\W+\[[^\]]*\]\(docs/instructor\.md\)", top)
    assert re.search(r"How grading is sandboxed\W+\[[^\]]*\]\(docs/sandbox\.md\)", top)


def broken_table_rows(text: str) -> list[str]:
    """Lines that continue a Markdown table row without starting with ``|`` (a row wrapped in two,
    which renders as a stray paragraph after a cut-short table)."""
    found = []
    for block in prose_blocks(text):
        lines = block.splitlines()
        for before, line in zip(lines, lines[1:]):
            if before.lstrip().startswith("|") and line.strip() and not line.lstrip().startswith("|"):
                found.append(line.strip()[:60])
    return found


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_table_row_is_one_line(path):
    assert broken_table_rows(path.read_text(encoding="utf-8")) == []


def test_the_table_check_finds_a_row_wrapped_in_two():
    table = "| a | b |\n|---|---|\n| one | two\nwrapped |\n\n| fine | row |\n|---|---|\n"
    assert broken_table_rows(table) == ["wrapped |"]
