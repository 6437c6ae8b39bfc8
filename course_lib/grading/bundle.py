"""``course bundle OUT.zip``: what students receive, and proof that nothing secret is in it.

The bundle holds ``notebooks/``, ``exercises/``, ``course_lib/`` (without caches), the README, the
pages it links to (``docs/``), the web site's builder (``book/``) and the environment files.
Before writing, every text file is scanned: a line of solution code (from the solution notebooks'
marked regions) or a line of the instructor's exercise-set declarations (answers, reference
functions, hidden tests) anywhere in it stops the bundle with an error.
"""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

__all__ = ["BundleError", "bundle_members", "secret_lines", "build_bundle"]

TOP_FILES = ("README.md", "environment.yml", "pyproject.toml", "Makefile", "LICENSE", "LICENSE.md")
# book/: `make site` builds the course's web site from a bundle too
TOP_FOLDERS = ("notebooks", "exercises", "course_lib", "docs", "book")
_SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis"}
_SKIP_SUFFIXES = (".pyc", ".pyo", ".egg-info")
MIN_LINE = 20


class BundleError(RuntimeError):
    """The bundle would contain something students must not receive."""


def bundle_members(root: Path) -> list[Path]:
    """Files (relative to ``root``) that go into the bundle, sorted.

    Examples
    --------
    >>> import course_lib
    >>> root = Path(course_lib.__file__).parent.parent
    >>> names = [m.as_posix() for m in bundle_members(root)]
    >>> "course_lib/arithmetic.py" in names, any(n.startswith("solutions/") for n in names)
    (True, False)
    """
    root = Path(root)
    members = [Path(name) for name in TOP_FILES if (root / name).is_file()]
    for folder in TOP_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not (_SKIP_PARTS & set(relative.parts)) and not any(
                part.endswith(_SKIP_SUFFIXES) for part in relative.parts
            ):
                members.append(relative)
    return sorted(members)


def _solution_lines(root: Path) -> dict[str, str]:
    """Non-trivial lines of solution code -> the notebook they come from.

    A marked line that the notebook also shows openly (in a question's text, say) is no secret.
    """
    import nbformat

    from course_lib.grading.markers import solution_lines, strip_solutions

    lines = {}
    for notebook in sorted((root / "solutions").glob("*.ipynb")):
        nb = nbformat.read(notebook, as_version=4)
        marked, public = [], []
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                public.append(cell.source)
                continue
            where = f"{notebook.name}, cell {index + 1}"
            marked += solution_lines(cell.source, where)
            public.append(strip_solutions(cell.source, where))
        public_text = "\n".join(public)
        for line in marked:
            code = line.split("# SOLUTION")[0].strip()
            if len(code) >= MIN_LINE // 2 and any(c in code for c in "=()[]+-*/") and code not in public_text:
                lines[code] = f"solutions/{notebook.name}"
    return lines


def _declaration_lines(root: Path) -> dict[str, str]:
    """Lines of the instructor's answers and hidden tests: function bodies (answers, references,
    generators of variants and hidden inputs), lambdas, and the values of ``answer=``,
    ``reference=`` and ``cases=`` (bare strings, comments and short lines left out)."""
    lines = {}
    for module in sorted((root / "instructor").rglob("*.py")):
        text = module.read_text(encoding="utf-8")
        tree = ast.parse(text)
        secret, strings = set(), set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                for statement in body:
                    secret.update(range(statement.lineno, statement.end_lineno + 1))
            elif isinstance(node, ast.Lambda):
                secret.update(range(node.lineno, node.end_lineno + 1))
            elif isinstance(node, ast.keyword) and node.arg in ("answer", "reference", "cases"):
                secret.update(range(node.value.lineno, node.value.end_lineno + 1))
                if node.arg == "cases":
                    try:
                        cases = ast.literal_eval(node.value)
                    except ValueError:
                        cases = []
                    for case in cases:
                        lines[repr(tuple(case))] = f"{module.relative_to(root)}:{node.value.lineno} (a hidden input)"
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.update(range(node.lineno, node.end_lineno + 1))
        source_lines = text.split("\n")
        for number in sorted(secret - strings):
            code = source_lines[number - 1].strip()
            # a line with no operator or call (``except SomeError:``, ``else:``) computes nothing secret
            if len(code) >= MIN_LINE and not code.startswith("#") and any(c in code for c in "=()[]+-*/"):
                lines[code] = f"{module.relative_to(root)}:{number}"
    return lines


def secret_lines(root: Path) -> dict[str, str]:
    """Every line that must never reach a student, with where it comes from.

    Examples
    --------
    >>> import course_lib
    >>> origins = set(secret_lines(Path(course_lib.__file__).parent.parent).values())
    >>> "solutions/02_convolution_arithmetic.ipynb" in origins
    True
    """
    return {**_declaration_lines(root), **_solution_lines(root)}


def normalize(text: str) -> str:
    """Text with all white space removed and double quotes made single, so that re-spacing or
    re-quoting a secret line does not hide it.

    Examples
    --------
    >>> normalize('x = ("fc",  3)')
    "x=('fc',3)"
    """
    return "".join(text.split()).replace('"', "'")


def build_bundle(root: Path, out: Path) -> list[str]:
    """Write the student bundle to ``out``; return its member names.

    Raises
    ------
    BundleError
        If a member would contain a line of solution code or of the instructor's declarations.

    Examples
    --------
    What ``course bundle build/course.zip`` runs, from the repository's root::

        build_bundle(Path("."), Path("build/course.zip"))  # -> ['Makefile', 'README.md', ...]
    """
    root = Path(root)
    forbidden = {normalize(line): (line, origin) for line, origin in secret_lines(root).items()}
    members = bundle_members(root)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            data = (root / member).read_bytes()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if text is not None:
                flat = normalize(text)
                for key, (line, origin) in forbidden.items():
                    if key in flat:
                        raise BundleError(f"{member} contains a line from {origin}: {line!r}")
            info = zipfile.ZipInfo(member.as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_bytes(buffer.getvalue())
    return [m.as_posix() for m in members]
