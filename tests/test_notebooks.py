"""Notebook hygiene: nbval directives live in cell tags, never in what students read.

Every explorer cell carries the ``nbval-ignore-output`` tag: an explorer's output lives in widget
state in the saved notebook but arrives as a fresh view when nbval runs it, so its output cannot
be compared. The tag keeps ``# NBVAL_…`` comments out of student-facing cells.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(path for folder in ("notebooks", "solutions", "exercises")
                   for path in (ROOT / folder).glob("*.ipynb"))
NBVAL_COMMENT = re.compile(r"^\s*#\s*NBVAL", re.MULTILINE | re.IGNORECASE)
EXPLORER_CALL = re.compile(r"\b\w+_explorer\(")


def problems(notebook: dict) -> list:
    """What breaks the rule in ``notebook`` (its JSON): one line per offending code cell."""
    found = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if NBVAL_COMMENT.search(source):
            found.append(f"cell {index}: an '# NBVAL' comment (use a cell tag instead)")
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
        if EXPLORER_CALL.search(code) and "nbval-ignore-output" not in cell.get("metadata", {}).get("tags", []):
            found.append(f"cell {index}: calls an explorer without the 'nbval-ignore-output' tag")
    return found


def _cell(source, tags=None):
    return {"cell_type": "code", "source": source, "metadata": {"tags": tags} if tags else {}, "outputs": []}


def test_the_rule_catches_comments_and_untagged_explorers():
    assert problems({"cells": [_cell("# NBVAL_IGNORE_OUTPUT\nx = 1")]}) == [
        "cell 0: an '# NBVAL' comment (use a cell tag instead)"]
    assert problems({"cells": [_cell(["from course_lib import widgets\n", "widgets.conv_explorer(i=5)"])]}) == [
        "cell 0: calls an explorer without the 'nbval-ignore-output' tag"]
    assert problems({"cells": [_cell("widgets.transposed_explorer()", ["nbval-ignore-output"]),
                               _cell("# conv_explorer() is below"),
                               {"cell_type": "markdown", "source": "# NBVAL in prose is fine", "metadata": {}}]}) == []


def test_there_are_notebooks_to_check():
    assert any(path.parent.name == "notebooks" for path in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_notebook_uses_cell_tags_not_nbval_comments(path):
    assert problems(json.loads(path.read_text(encoding="utf-8"))) == []
