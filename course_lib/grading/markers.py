"""Strict solution markers: turn a solution notebook's code into an exercise stub.

Two markers exist, and nothing else that looks like one is accepted:

* a block between a line ``### BEGIN SOLUTION`` and a line ``### END SOLUTION`` becomes
  ``# YOUR CODE HERE`` followed by ``raise NotImplementedError()``, at the block's indentation;
* a one-line assignment ending in ``# SOLUTION`` (``o = 3  # SOLUTION``) keeps its target and
  loses its value (``o = ...``).

Nested, unclosed or stray markers raise :class:`MarkerError` naming the notebook and the cell.
"""

from __future__ import annotations

import ast
import re

__all__ = ["MarkerError", "BEGIN", "END", "strip_solutions", "solution_lines", "has_markers"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_LINE_MARK = re.compile(r"#\s*SOLUTION\s*$")
# Anything a hurried author might type for a marker; only the exact forms above are accepted.
_LOOKS_LIKE_BLOCK = re.compile(r"#+\s*(BEGIN|END)\s*SOLUTION", re.IGNORECASE)
_LOOKS_LIKE_LINE = re.compile(r"#\s*SOLUTION\b", re.IGNORECASE)


class MarkerError(ValueError):
    """A solution marker is nested, unclosed, stray or malformed."""

    def __init__(self, where: str, line_number: int, message: str):
        super().__init__(f"{where}, line {line_number}: {message}")
        self.where = where
        self.line_number = line_number


def _stub_assignment(code: str, where: str, number: int) -> str:
    """``target = value`` -> ``target = ...`` (one ``...`` per name for tuple targets)."""
    try:
        tree = ast.parse(code.strip())
    except SyntaxError:
        tree = None
    if tree is None or len(tree.body) != 1 or not isinstance(tree.body[0], (ast.Assign, ast.AnnAssign)):
        raise MarkerError(
            where, number,
            "`# SOLUTION` must end a complete one-line assignment such as `o = 3  # SOLUTION`, "
            f"got {code.strip()!r}",
        )
    node = tree.body[0]
    if node.value is None:
        raise MarkerError(where, number, f"`# SOLUTION` needs an assignment with a value, got {code.strip()!r}")
    # Keep the author's own spelling of the target(s): everything before the value.
    prefix = code.strip().encode()[: node.value.col_offset].decode().rstrip()
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    sizes = {len(t.elts) for t in targets if isinstance(t, (ast.Tuple, ast.List))}
    value = ", ".join(["..."] * sizes.pop()) if len(sizes) == 1 else "..."
    return f"{prefix} {value}"


def _scan(source: str, where: str):
    """Yield ``(kind, line_number, line)`` with kind in 'code', 'begin', 'end', 'solution', 'in-block'."""
    in_block = None
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if in_block is not None:
                raise MarkerError(where, number, f"nested `{BEGIN}` (the block opened on line {in_block} is not closed)")
            in_block = number
            yield "begin", number, line
        elif stripped == END:
            if in_block is None:
                raise MarkerError(where, number, f"`{END}` without a matching `{BEGIN}`")
            in_block = None
            yield "end", number, line
        elif _LOOKS_LIKE_BLOCK.search(line):
            raise MarkerError(
                where, number,
                f"malformed solution marker {stripped!r}: write exactly `{BEGIN}` or `{END}` on a line of its own",
            )
        elif _LINE_MARK.search(line) and line.rstrip().endswith("SOLUTION"):
            if in_block is not None:
                raise MarkerError(where, number, f"`# SOLUTION` line inside the `{BEGIN}` block opened on line {in_block}")
            yield "solution", number, line
        elif _LOOKS_LIKE_LINE.search(line):
            raise MarkerError(
                where, number,
                f"malformed solution marker in {stripped!r}: end a one-line assignment with `# SOLUTION`",
            )
        else:
            yield ("in-block" if in_block is not None else "code"), number, line
    if in_block is not None:
        raise MarkerError(where, in_block, f"`{BEGIN}` is never closed by `{END}`")


def has_markers(source: str) -> bool:
    """Whether ``source`` contains anything that looks like a solution marker.

    Examples
    --------
    >>> has_markers("o = 3  # SOLUTION")
    True
    >>> has_markers("o = 3")
    False
    """
    return bool(_LOOKS_LIKE_BLOCK.search(source) or _LOOKS_LIKE_LINE.search(source))


def strip_solutions(source: str, where: str = "<cell>") -> str:
    """Replace every marked solution in one code cell's ``source`` by its stub.

    Parameters
    ----------
    source : str
        The cell's code.
    where : str
        Names the notebook and cell in error messages.

    Returns
    -------
    str
        The exercise version of the cell.

    Raises
    ------
    MarkerError
        For nested, unclosed, stray or malformed markers.

    Examples
    --------
    >>> print(strip_solutions("o = (5 - 3) + 1  # SOLUTION"))
    o = ...
    >>> print(strip_solutions("def f(i):\\n    ### BEGIN SOLUTION\\n    return i\\n    ### END SOLUTION"))
    def f(i):
        # YOUR CODE HERE
        raise NotImplementedError()
    >>> strip_solutions("### END SOLUTION", where="02.ipynb, cell 4")
    Traceback (most recent call last):
    ...
    course_lib.grading.markers.MarkerError: 02.ipynb, cell 4, line 1: `### END SOLUTION` without a matching `### BEGIN SOLUTION`
    """
    out = []
    for kind, number, line in _scan(source, where):
        if kind == "begin":
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE")
            out.append(f"{indent}raise NotImplementedError()")
        elif kind == "solution":
            indent = line[: len(line) - len(line.lstrip())]
            code = _LINE_MARK.sub("", line).rstrip()
            out.append(indent + _stub_assignment(code, where, number))
        elif kind == "code":
            out.append(line)
    return "\n".join(out)


def solution_lines(source: str, where: str = "<cell>") -> list[str]:
    """The lines of ``source`` that only the solution holds (block bodies, marked lines).

    Examples
    --------
    >>> solution_lines("x = 1\\ny = x + 2  # SOLUTION")
    ['y = x + 2  # SOLUTION']
    """
    return [line for kind, _, line in _scan(source, where) if kind in ("in-block", "solution")]
