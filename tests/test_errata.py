"""The errata page (docs/ERRATA.md) and the lessons' Erratum / Common mistake boxes agree, and no
file in the repository points to material a student's clone does not have."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ERRATA = ROOT / "docs" / "ERRATA.md"
BOX = re.compile(r"^> \*\*(Erratum|Common mistake)\*\*", re.MULTILINE)


def normalized(text: str) -> str:
    """Markdown as one line: blockquote markers and line breaks become single spaces."""
    return " ".join(re.sub(r"(?m)^>\s?", "", text).split())


def cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def rows() -> list[tuple[str, str]]:
    """(notebook path, quote) of every row of the page's tables."""
    found = []
    for line in ERRATA.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| ---") or set(line) <= set("|- "):
            continue
        path = re.search(r"`(notebooks/[^`]+\.ipynb)`", line)
        quote = re.search(r'\| "(.*)" \|$', line)
        if path and quote:
            found.append((path.group(1), quote.group(1).replace('\\"', '"')))
    return found


def boxes() -> list[tuple[str, int, str]]:
    """(notebook path, cell index, box text) of every Erratum / Common mistake box in the lessons."""
    found = []
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for index, cell in enumerate(cells(notebook)):
            if cell["cell_type"] != "markdown":
                continue
            text = source(cell)
            for match in BOX.finditer(text):
                end = re.search(r"\n(?!>)", text[match.start():])
                box = text[match.start(): match.start() + end.start()] if end else text[match.start():]
                found.append((str(notebook.relative_to(ROOT)), index, normalized(box)))
    return found


def test_the_page_has_rows_and_the_lessons_have_boxes():
    assert len(rows()) >= 25 and len(boxes()) >= 15


@pytest.mark.parametrize("path, quote", rows())
def test_every_row_quotes_its_lesson(path, quote):
    notebook = ROOT / path
    assert notebook.exists(), f"{path} does not exist"
    texts = [normalized(source(cell)) for cell in cells(notebook)]
    assert any(normalized(quote) in text for text in texts), f"{path} does not contain {quote!r}"


def test_every_box_is_on_the_page_and_followed_by_its_evidence():
    listed = rows()
    for path, index, box in boxes():
        assert any(p == path and normalized(q) in box for p, q in listed), \
            f"{path} cell {index}: the box {box[:80]!r} is not on docs/ERRATA.md"
        following = cells(ROOT / path)[index + 1: index + 4]
        assert any(cell["cell_type"] == "code" for cell in following), \
            f"{path} cell {index}: no code cell shows the box's statement within the next three cells"


def test_no_file_points_outside_the_repository():
    outside = ["..", "/shared"]           # built from parts, so this test does not match itself
    patterns = ["".join(outside), "/" + "work/", "FACTS" + ".md", "shared/" + "sources"]
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    offenders = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.suffix in {".png", ".gif", ".zip"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{name}: {p}" for p in patterns if p in text]
    assert not offenders, offenders
