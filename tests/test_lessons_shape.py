"""Every lesson reads in short pieces and shows no Python reprs (LESSONS.md, "Short pieces").

A markdown cell over 200 words, a code cell over 15 lines (unless listed below with its reason)
or an output showing a library object as a dataclass repr fails here, in every lesson.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_WORDS, MAX_LINES = 200, 15
# (notebook, first line of the cell) -> why it may be longer than MAX_LINES
LONG_CELLS: dict[tuple[str, str], str] = {}
# `Name(field=…` or `Name(children=…` (a dataclass or widget repr) and `<… object at 0x…>`
REPR = re.compile(r"\b[A-Z_][A-Za-z0-9_]*\((?:[a-z_][a-z0-9_]*=|children=)|<[\w.]+ object at 0x")
# an output with one of these shows it instead of its text/plain
RICH = ("text/html", "text/markdown", "text/latex", "image/png", "image/svg+xml",
        "application/vnd.jupyter.widget-view+json")


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell) -> str:
    return "".join(cell["source"])


def test_there_are_lessons():
    assert len(LESSONS) >= 11


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_markdown_cells_are_short(path):
    long = [(n, len(_source(c).split()), _source(c)[:60]) for n, c in enumerate(_cells(path))
            if c["cell_type"] == "markdown" and len(_source(c).split()) > MAX_WORDS]
    assert not long, f"markdown cells over {MAX_WORDS} words (cell, words, start): {long}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_code_cells_are_short(path):
    long = []
    for n, cell in enumerate(_cells(path)):
        lines = _source(cell).strip().splitlines()
        if cell["cell_type"] == "code" and len(lines) > MAX_LINES and (path.name, lines[0]) not in LONG_CELLS:
            long.append((n, len(lines), lines[0]))
    assert not long, f"code cells over {MAX_LINES} lines (cell, lines, first line): {long}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_no_output_shows_a_repr(path):
    shown = []
    for n, cell in enumerate(_cells(path)):
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                text = "".join(output["text"])
            elif "data" in output and not any(kind in output["data"] for kind in RICH):
                text = "".join(output["data"].get("text/plain", ""))
            else:
                continue
            match = REPR.search(text)
            if match:
                shown.append((n, text[match.start():match.start() + 60]))
    assert not shown, f"outputs showing a Python repr (cell, text): {shown}"


def test_the_repr_pattern_tells_reprs_from_formulas():
    assert REPR.search("TransposedEquivalent(i_prime=3, i_stretched=5)")
    assert REPR.search("_ConvExplorer(children=(HBox(")
    assert REPR.search("<course_lib.widgets.X object at 0x7f00>")
    assert not REPR.search("Relationship 6 (zero padding): o = floor((i - k + 2*p)/s) + 1")
    assert not REPR.search("conv_output_size(8, 3, s=2) = 3")


def test_long_cells_listed_still_exist():
    """A listed exception whose cell is gone (or short now) must leave the list."""
    for (name, first), _reason in LONG_CELLS.items():
        cells = [c for c in _cells(ROOT / "notebooks" / name) if _source(c).strip().splitlines()[:1] == [first]]
        assert cells and len(_source(cells[0]).strip().splitlines()) > MAX_LINES, (name, first)
