"""``course release``: exercise notebooks (and per-student variants) from the solution notebooks.

A solution notebook is the one source of its exercise notebook. Release replaces every marked
solution by its stub (:mod:`course_lib.grading.markers`), clears outputs, puts a first cell
saying the file is generated and from what, writes every question's heading
(``## ex02.1 · <title> (N points)``) from the declaration, so the notebook and the grader's
feedback name a question alike, rewrites the ``# PARAMETERS`` cells for a student's variant,
and writes the public checks file that ``check()`` reads (for a student's variant, a file of
that student's answer digests in the student's folder).
"""

from __future__ import annotations

import ast
import copy
import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from course_lib.grading.checking import CHECK_FILES
from course_lib.grading.markers import MarkerError, has_markers, solution_lines, strip_solutions
from course_lib.grading.spec import ExerciseSet, QuestionPool

__all__ = [
    "ReleaseError", "Layout", "exercise_notebook", "release", "check_release", "read_roster",
    "parameters_in", "render_parameters", "read_secret", "STUDENT_ID", "course_sets", "check_lesson",
    "student_check_file",
]

PARAMETERS_MARK = "# PARAMETERS"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ID_COMMENT = re.compile(r"^#\s*(ex\d\d\.\d+)\b")
_HEADING = re.compile(r"^##\s*(ex\d\d\.\d+)(?![\d.])")
_VERSION_MARK = re.compile(r"^<!--\s*(?:version\s+(\d+)|end of versions)\s*-->\s*$")
_CHECK_CALL = re.compile(r"""\bcheck\(\s*["'](ex\d\d\.\d+)["']\s*\)""")
_LESSON_CHECK_CALL = re.compile(r"""\bcheck\(\s*["'](l\d\d\.\d+)["']\s*\)""")
LESSON_HEADING = "### Check yourself · "


class ReleaseError(ValueError):
    """A solution notebook and its declaration disagree, or a marker is wrong."""


@dataclass
class Layout:
    """Where the course's folders are: inputs under ``root``, outputs under ``out`` (default root)."""

    root: Path
    out: Path | None = None

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def sets(self) -> Path:
        return self.root / "instructor" / "sets"

    @property
    def secret(self) -> Path:
        return self.root / "instructor" / "secret.key"

    @property
    def lessons(self) -> Path:
        return self.root / "instructor" / "lessons"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def exercises(self) -> Path:
        return (self.out or self.root) / "exercises"

    @property
    def public(self) -> Path:
        return (self.out or self.root) / "course_lib" / "grading" / "public"


def _nbformat():
    import nbformat  # slow to import (~1 s); only release and grading need it

    return nbformat


def _is_parameter_cell(cell) -> bool:
    return cell.cell_type == "code" and cell.source.lstrip().startswith(PARAMETERS_MARK)


def _literal(node):
    """The value of a parameter's right-hand side: a literal, or ``np.array(<literal>)``."""
    if isinstance(node, ast.Call) and ast.unparse(node.func) in ("np.array", "numpy.array") and len(node.args) == 1:
        node = node.args[0]
    return ast.literal_eval(node)


def _assignments(source: str, where: str):
    """``(names, value_nodes, statement)`` for each top-level assignment of a PARAMETERS cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise ReleaseError(f"{where}: a PARAMETERS cell must be valid Python ({err.msg}, line {err.lineno})") from err
    for statement in tree.body:
        if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            raise ReleaseError(f"{where}: a PARAMETERS cell may only hold assignments like `i1, k1 = 4, 3`")
        target, value = statement.targets[0], statement.value
        if isinstance(target, ast.Name):
            yield [target.id], [value], statement
        elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts) \
                and all(isinstance(t, ast.Name) for t in target.elts):
            yield [t.id for t in target.elts], list(value.elts), statement
        else:
            raise ReleaseError(f"{where}: cannot read the parameter assignment {ast.unparse(statement)!r}")


def parameters_in(nb, name: str = "<notebook>") -> dict:
    """The values assigned in a notebook's PARAMETERS cells.

    Examples
    --------
    >>> from nbformat import v4
    >>> nb = v4.new_notebook(cells=[v4.new_code_cell("# PARAMETERS\\ni1, k1 = 4, 3\\nx = np.array([[1, 2]])")])
    >>> parameters_in(nb)
    {'i1': 4, 'k1': 3, 'x': [[1, 2]]}
    """
    params = {}
    for index, cell in enumerate(nb.cells):
        if not _is_parameter_cell(cell):
            continue
        where = f"{name}, cell {index + 1}"
        for names, values, _ in _assignments(cell.source, where):
            for var, node in zip(names, values):
                if var in params:
                    raise ReleaseError(f"{where}: the parameter {var} is assigned twice")
                try:
                    params[var] = _literal(node)
                except ValueError as err:
                    raise ReleaseError(f"{where}: the parameter {var} must be a literal value") from err
    return params


def _render(node, value) -> str:
    text = _render_value(value)
    if isinstance(node, ast.Call):
        return f"{ast.unparse(node.func)}({text})"
    return text


def _render_value(value) -> str:
    if isinstance(value, list) and value and all(isinstance(row, list) for row in value):
        return "[" + ",\n ".join(repr(row) for row in value) + "]"
    return repr(value)


def render_parameters(source: str, params: dict, where: str = "<cell>") -> str:
    """A PARAMETERS cell's source with its values replaced by ``params`` (a student's variant).

    Examples
    --------
    >>> print(render_parameters("# PARAMETERS\\ni1, k1 = 4, 3  # Figure 2.1", {"i1": 9, "k1": 2}))
    # PARAMETERS
    i1, k1 = 9, 2  # Figure 2.1
    """
    lines = source.split("\n")
    edits = []
    for names, values, statement in _assignments(source, where):
        rendered = [_render(node, params[var]) for var, node in zip(names, values)]
        text = f"{', '.join(names)} = {', '.join(rendered)}"
        if len(names) == 1 and "\n" in rendered[0]:
            indent = " " * (len(names[0]) + 3 + rendered[0].index("[") + 1)
            first, *rest = rendered[0].split("\n")
            text = f"{names[0]} = " + "\n".join([first] + [indent + r.lstrip() for r in rest])
        start, end = statement.lineno - 1, statement.end_lineno - 1
        tail = lines[end][statement.end_col_offset:]
        edits.append((start, end, text + tail))
    for start, end, text in reversed(edits):
        lines[start:end + 1] = text.split("\n")
    return "\n".join(lines)


def _clean_metadata(metadata) -> dict:
    tags = metadata.get("tags")
    return {"tags": list(tags)} if tags else {}


def _note_cell(exercise_set: ExerciseSet, student: str | None):
    nbformat = _nbformat()
    text = (
        f"**Generated file.** `course release` made this notebook from "
        f"`solutions/{exercise_set.notebook}`; instructors change that notebook (and "
        f"`instructor/sets/`), never this one.\n\n"
        f"Students: work in this notebook. Replace every `...` and every "
        f"`raise NotImplementedError()` with your own code, run the cell, then run the "
        f"`check(\"...\")` cell below it for immediate feedback."
    )
    if student:
        text += f"\n\nThis copy is for **{student}**: its PARAMETERS cells hold your own values."
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = "generated-from"
    return cell


def exercise_notebook(solution, exercise_set: ExerciseSet, student: str | None = None, params: dict | None = None):
    """The exercise version of a solution notebook (a new notebook object).

    Raises
    ------
    ReleaseError
        For a marker error, a PARAMETERS cell that disagrees with the declaration, or a question
        whose ID, answer or check call is missing from the notebook.

    Examples
    --------
    ``course release`` writes ``exercise_notebook(nbformat.read("solutions/02_convolution_arithmetic.ipynb", 4),
    sets["ex02"])`` to ``exercises/02_convolution_arithmetic.ipynb``; with ``student`` and ``params`` it
    makes that student's variant instead.
    """
    nbformat = _nbformat()
    name = f"solutions/{exercise_set.notebook}"
    found = parameters_in(solution, name)
    if found != exercise_set.parameters:
        differ = sorted(k for k in set(found) | set(exercise_set.parameters)
                        if found.get(k) != exercise_set.parameters.get(k))
        raise ReleaseError(
            f"{name}: the PARAMETERS cells and {exercise_set.source or exercise_set.id} disagree about "
            + ", ".join(differ)
        )
    _check_questions(solution, exercise_set, name)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "course": {"exercise_set": exercise_set.id, "generated_from": name},
    }
    if student:
        nb.metadata["course"]["student"] = student
    nb.cells.append(_note_cell(exercise_set, student))
    for index, cell in enumerate(solution.cells):
        where = f"{name}, cell {index + 1}"
        new = copy.deepcopy(cell)
        new.metadata = _clean_metadata(cell.metadata)
        if cell.cell_type == "code":
            try:
                source = strip_solutions(cell.source, where)
            except MarkerError as err:
                raise ReleaseError(str(err)) from err
            if params is not None and _is_parameter_cell(cell):
                source = render_parameters(source, params, where)
            new.source = source
            new.outputs = []
            new.execution_count = None
        else:
            if has_markers(cell.source):
                raise ReleaseError(f"{where}: solution markers belong in code cells, not in {cell.cell_type} cells")
            if cell.cell_type == "markdown":
                chosen = params if params is not None else exercise_set.parameters
                new.source = with_heading(version_text(cell.source, exercise_set, chosen, where), exercise_set)
        nb.cells.append(new)
    return nb


def with_heading(source: str, exercise_set: ExerciseSet) -> str:
    """A markdown cell's source with its question heading written from the declaration.

    A cell whose first line starts ``## ex02.1`` is that question's heading cell; the rest of
    the line is replaced by the declared title and points. Other cells are returned unchanged.

    Examples
    --------
    >>> import course_lib
    >>> from course_lib.grading.spec import load_sets
    >>> ex02 = load_sets(Path(course_lib.__file__).parent.parent / "instructor" / "sets")["ex02"]
    >>> print(with_heading("## ex02.1 · an old title\\n\\nText.", ex02))
    ## ex02.1 · Relationship 1: no zero padding, unit strides (1 point)
    <BLANKLINE>
    Text.
    """
    first, newline, rest = source.partition("\n")
    match = _HEADING.match(first)
    if not match:
        return source
    try:
        question = exercise_set.question(match.group(1))
    except KeyError:
        raise ReleaseError(f"a heading names {match.group(1)}, which {exercise_set.id} does not declare") from None
    return question.heading + newline + rest


def version_text(source: str, exercise_set: ExerciseSet, params: dict, where: str = "<cell>") -> str:
    """A pool's heading cell with only the text of the version ``params`` hold.

    The cell marks each version's text with a line ``<!-- version N -->`` and the end of the
    last with ``<!-- end of versions -->``; text before and after is common to all versions.
    Other cells are returned unchanged, and may not hold such marks.

    Examples
    --------
    >>> from course_lib.grading import kinds
    >>> from course_lib.grading.spec import Question
    >>> versions = [Question("ex09.1", "a1", "T", 1, kinds.Int(), answer=lambda P, n=n: n) for n in (1, 2)]
    >>> ex09 = ExerciseSet("ex09", "09_x.ipynb", "X", {"version1": 1}, [QuestionPool("version1", versions)])
    >>> text = "## ex09.1\\nCount.\\n<!-- version 0 -->\\nOne?\\n<!-- version 1 -->\\nTwo?\\n<!-- end of versions -->"
    >>> print(version_text(text, ex09, {"version1": 1}))
    ## ex09.1
    Count.
    Two?
    """
    lines = source.split("\n")
    marks = [(n, _VERSION_MARK.match(line)) for n, line in enumerate(lines) if _VERSION_MARK.match(line)]
    heading = _HEADING.match(source)
    question = exercise_set.question(heading.group(1)) if heading and heading.group(1) in \
        {q.id for q in exercise_set.questions} else None
    if not isinstance(question, QuestionPool):
        if marks:
            raise ReleaseError(f"{where}: version marks belong in the heading cell of a pool's question")
        return source
    numbers = [m.group(1) for _, m in marks]
    wanted = [str(n) for n in range(len(question.versions))] + [None]
    if numbers != wanted:
        raise ReleaseError(f"{where}: {question.id} is a pool of {len(question.versions)} versions; its heading "
                           f"cell needs the lines <!-- version 0 --> ... <!-- version {len(question.versions) - 1} "
                           "--> and <!-- end of versions -->, in that order")
    question.at(params)  # refuses a value that names no version
    number = params[question.parameter]
    start, end = marks[number][0], marks[number + 1][0]
    kept = lines[:marks[0][0]] + lines[start + 1:end] + lines[marks[-1][0] + 1:]
    return "\n".join(kept)


def _check_questions(solution, exercise_set: ExerciseSet, name: str) -> None:
    answer_cells, check_calls, headings = {}, set(), []
    for index, cell in enumerate(solution.cells):
        if cell.cell_type == "markdown" and _HEADING.match(cell.source):
            headings.append(_HEADING.match(cell.source).group(1))
        if cell.cell_type != "code":
            continue
        check_calls.update(_CHECK_CALL.findall(cell.source))
        match = _ID_COMMENT.match(cell.source.lstrip())
        if match:
            if match.group(1) in answer_cells:
                raise ReleaseError(f"{name}, cell {index + 1}: a second answer cell for {match.group(1)}")
            answer_cells[match.group(1)] = (index, cell.source)
    for question in exercise_set.questions:
        if headings.count(question.id) != 1:
            raise ReleaseError(f"{name}: {question.id} needs exactly one markdown cell starting with its heading "
                               f"`## {question.id} · ...` (found {headings.count(question.id)}); release writes "
                               "the title from the declaration")
        if question.id not in answer_cells:
            raise ReleaseError(f"{name}: no answer cell starts with the comment `# {question.id}`")
        index, source = answer_cells[question.id]
        where = f"{name}, cell {index + 1}"
        try:
            marked = solution_lines(source, where)
        except MarkerError as err:
            raise ReleaseError(str(err)) from err
        if not marked:
            raise ReleaseError(f"{where}: the answer cell of {question.id} has no solution markers")
        if question.name not in _defined_names(source):
            raise ReleaseError(f"{where}: the answer cell of {question.id} does not define `{question.name}`")
        if question.id not in check_calls:
            raise ReleaseError(f'{name}: no cell calls check("{question.id}")')
    unknown = (set(answer_cells) | check_calls | set(headings)) - {q.id for q in exercise_set.questions}
    if unknown:
        raise ReleaseError(f"{name}: question IDs not declared in {exercise_set.id}: {', '.join(sorted(unknown))}")


def _defined_names(source: str) -> set:
    """Names a cell assigns or defines at top level."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in getattr(node, "targets", [getattr(node, "target", None)]):
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def course_sets(layout: Layout) -> dict[str, ExerciseSet]:
    """Every set ``course release`` writes: the exercise sets and the lessons' check-yourself questions.

    Examples
    --------
    >>> import course_lib
    >>> sets = course_sets(Layout(Path(course_lib.__file__).parent.parent))
    >>> [set_id for set_id in sets if set_id.startswith("l")][:1]
    ['l00']
    """
    from course_lib.grading.spec import load_sets

    lessons = load_sets(layout.lessons) if layout.lessons.is_dir() else {}
    return load_sets(layout.sets) | lessons


def check_lesson(lesson, lesson_set: ExerciseSet, name: str) -> None:
    """Raise :class:`ReleaseError` unless a lesson notebook asks every check-yourself question of
    ``lesson_set`` as declared: a heading ``### Check yourself · <title>`` with the declared title,
    a code cell that defines the answer's name, and a ``check("lNN.M")`` cell.

    Examples
    --------
    >>> from nbformat import v4
    >>> from course_lib.grading.kinds import Int
    >>> from course_lib.grading.spec import Question
    >>> quiz = ExerciseSet("l01", "01_x.ipynb", "T", {}, [Question("l01.1", "cy1", "Count", 1, Int(), answer=lambda P: 3)])
    >>> nb = v4.new_notebook(cells=[v4.new_markdown_cell("### Check yourself · Count"),
    ...                             v4.new_code_cell("cy1 = ..."), v4.new_code_cell('check("l01.1")')])
    >>> check_lesson(nb, quiz, "01_x.ipynb")
    >>> nb.cells[0].source = "### Check yourself · Counting"
    >>> check_lesson(nb, quiz, "01_x.ipynb")
    Traceback (most recent call last):
    ...
    course_lib.grading.release.ReleaseError: 01_x.ipynb: l01.1 needs one markdown cell starting with `### Check yourself · Count` (its declared title), found 0
    """
    headings, defined, calls = [], set(), set()
    for cell in lesson.cells:
        if cell.cell_type == "markdown":
            headings += [line[len(LESSON_HEADING):].strip() for line in cell.source.splitlines()
                         if line.startswith(LESSON_HEADING)]
        elif cell.cell_type == "code":
            calls.update(_LESSON_CHECK_CALL.findall(cell.source))
            try:
                defined |= _defined_names(cell.source)
            except SyntaxError:  # a cell with IPython syntax defines no answer
                pass
    for question in lesson_set.questions:
        if headings.count(question.title) != 1:
            raise ReleaseError(f"{name}: {question.id} needs one markdown cell starting with "
                               f"`{LESSON_HEADING}{question.title}` (its declared title), found "
                               f"{headings.count(question.title)}")
        if question.name not in defined:
            raise ReleaseError(f"{name}: no code cell defines `{question.name}`, the answer to {question.id}")
        if question.id not in calls:
            raise ReleaseError(f'{name}: no cell calls check("{question.id}")')
    unknown = calls - {q.id for q in lesson_set.questions}
    if unknown:
        raise ReleaseError(f"{name}: check() calls name questions {lesson_set.id} does not declare: "
                           f"{', '.join(sorted(unknown))}")


def _writes(nb) -> str:
    return _nbformat().writes(nb)


def planned_files(layout: Layout, sets: dict) -> dict[Path, str]:
    """Every file ``course release`` writes (path -> text), without writing anything.

    Examples
    --------
    >>> import course_lib
    >>> from course_lib.grading.spec import load_sets
    >>> root = Path(course_lib.__file__).parent.parent
    >>> names = sorted(p.name for p in planned_files(Layout(root), load_sets(root / "instructor" / "sets")))
    >>> names[:2], names[-1] == f"{max(load_sets(root / 'instructor' / 'sets'))}.json"  # a notebook and a public file per set
    (['01_discrete_convolution.ipynb', '02_convolution_arithmetic.ipynb'], True)
    """
    nbformat = _nbformat()
    files = {}
    for exercise_set in sets.values():
        if exercise_set.is_lesson:
            lesson_path = layout.notebooks / exercise_set.notebook
            if not lesson_path.is_file():
                raise ReleaseError(f"{exercise_set.id}: no lesson notebook at {lesson_path}")
            check_lesson(nbformat.read(lesson_path, as_version=4), exercise_set, f"notebooks/{exercise_set.notebook}")
            files[layout.public / f"{exercise_set.id}.json"] = exercise_set.public_json()
            continue
        solution_path = layout.solutions / exercise_set.notebook
        if not solution_path.is_file():
            raise ReleaseError(f"{exercise_set.id}: no solution notebook at {solution_path}")
        solution = nbformat.read(solution_path, as_version=4)
        files[layout.exercises / exercise_set.notebook] = _writes(exercise_notebook(solution, exercise_set))
        files[layout.public / f"{exercise_set.id}.json"] = exercise_set.public_json()
    return files


def release(layout: Layout, sets: dict) -> list[Path]:
    """Write the exercises and public checks files; return the paths written.

    Examples
    --------
    ``course release`` is ``release(Layout(root), load_sets(root / "instructor" / "sets"))``.
    """
    files = planned_files(layout, sets)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(files)


def check_release(layout: Layout, sets: dict) -> list[str]:
    """Paths (relative to the root) whose committed content differs from a fresh release.

    Examples
    --------
    >>> import course_lib
    >>> from course_lib.grading.spec import load_sets
    >>> root = Path(course_lib.__file__).parent.parent
    >>> check_release(Layout(root), load_sets(root / "instructor" / "sets"))
    []
    """
    stale = []
    for path, text in planned_files(layout, sets).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(str(path.relative_to(layout.root)) if path.is_relative_to(layout.root) else str(path))
    known = {layout.exercises / s.notebook for s in sets.values() if not s.is_lesson}
    for extra in sorted(layout.exercises.glob("*.ipynb")):
        if extra not in known:
            stale.append(f"{extra.relative_to(layout.root)} (no solution notebook generates it)")
    return sorted(stale)


def read_roster(path: Path) -> list[str]:
    """Student IDs from a roster CSV with a ``student_id`` column (other columns are ignored).

    Examples
    --------
    >>> import tempfile
    >>> roster = Path(tempfile.mkdtemp()) / "roster.csv"
    >>> _ = roster.write_text("student_id,name\\nalice,Alice\\nbob,Bob\\n")
    >>> read_roster(roster)
    ['alice', 'bob']
    """
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "student_id" not in reader.fieldnames:
            raise ReleaseError(f"{path}: the roster needs a `student_id` column")
        students = []
        for number, row in enumerate(reader, start=2):
            student = (row.get("student_id") or "").strip()
            if not STUDENT_ID.match(student):
                raise ReleaseError(f"{path}, line {number}: student IDs use letters, digits, '.', '_' or '-', got {student!r}")
            if student in students:
                raise ReleaseError(f"{path}, line {number}: {student} is listed twice")
            students.append(student)
    return students


def read_secret(path: Path, create: bool = False) -> bytes:
    """The instructor's secret (kept outside the bundle); made (mode 0600) when ``create``.

    ``COURSE_SECRET``, when set, wins over the file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "secret.key"
    >>> len(read_secret(path, create=True)) >= 16 and oct(path.stat().st_mode & 0o777) == "0o600"
    True
    """
    import os
    import secrets

    env = os.environ.get("COURSE_SECRET")
    if env:
        return env.encode()
    path = Path(path)
    if not path.is_file():
        if not create:
            raise ReleaseError(f"no instructor secret at {path} (set COURSE_SECRET or pass --secret-file)")
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    text = path.read_text().strip()
    if len(text) < 16:
        raise ReleaseError(f"{path}: the secret must be at least 16 characters long")
    return text.encode()


def release_variants(layout: Layout, sets: dict, students: list[str], secret: bytes, out: Path) -> list[Path]:
    """One exercise notebook per student and set, with the student's own parameters, and its check file.

    Each student's folder ``out/<student_id>/`` holds the notebooks and ``check_files/<set>.json``
    (:func:`student_check_file`): the digests of the defaults and of that student's variant only
    (salted with ``secret``), which ``check()`` reads beside the notebook. The folder works as
    it is in any copy of the course; it holds no answer and no other student's digests.

    It also writes ``out/course_lib/grading/public/<set>.json``, the public checks with the
    digests of every student's variant (and of the defaults), for one copy of the course that
    all students share in place of its ``course_lib/grading/public/``. Returns the notebooks' paths.

    Examples
    --------
    ``course release --roster roster.csv --out release/`` writes ``release/<student_id>/<notebook>``
    and ``release/<student_id>/check_files/<set>.json`` with
    ``release_variants(Layout(root), sets, read_roster(roster), read_secret(secret_file), out)``.
    """
    nbformat = _nbformat()
    written = []
    public = Layout(layout.root, out=Path(out)).public
    public.mkdir(parents=True, exist_ok=True)
    for exercise_set in sets.values():
        if exercise_set.is_lesson:  # no variants: the same public checks as the course's own
            (public / f"{exercise_set.id}.json").write_text(exercise_set.public_json(), encoding="utf-8")
            continue
        solution = nbformat.read(layout.solutions / exercise_set.notebook, as_version=4)
        variants = []
        for student in students:
            params = exercise_set.parameters_for(student, secret)
            variants.append(params)
            nb = exercise_notebook(solution, exercise_set, student=student, params=params)
            path = Path(out) / student / exercise_set.notebook
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_writes(nb), encoding="utf-8")
            written.append(path)
            checks = path.parent / CHECK_FILES / f"{exercise_set.id}.json"
            checks.parent.mkdir(exist_ok=True)
            checks.write_text(student_check_file(exercise_set, params, secret), encoding="utf-8")
        public.mkdir(parents=True, exist_ok=True)
        (public / f"{exercise_set.id}.json").write_text(exercise_set.public_json(variants, secret), encoding="utf-8")
    return written


def student_check_file(exercise_set: ExerciseSet, params: dict, secret: bytes) -> str:
    """A student's ``check_files/<set>.json``: each question's ID and the answer digests of the
    defaults and of ``params`` (salted with ``secret``), a pool's version by version.

    It holds nothing else: ``check()`` takes the questions, kinds, public checks, examples and
    hints from the course's own public file, and only digests from a check file, which anyone
    can put beside a notebook.

    Examples
    --------
    >>> import course_lib
    >>> from course_lib.grading.spec import load_sets
    >>> ex02 = load_sets(Path(course_lib.__file__).parent.parent / "instructor" / "sets")["ex02"]
    >>> data = json.loads(student_check_file(ex02, ex02.parameters, b"k"))
    >>> sorted(data), sorted(data["questions"][0])
    (['_generated', 'id', 'questions'], ['digests', 'id'])
    """
    def digests(question: dict) -> dict:
        return {"digests": question["digests"]} if "digests" in question else {}

    questions = [{"id": q["id"], "versions": [digests(v) for v in q["versions"]]} if "versions" in q
                 else {"id": q["id"]} | digests(q) for q in exercise_set.public([params], secret)["questions"]]
    data = {"_generated": f"by `course release --roster`: answer digests of {exercise_set.id} for one "
                          "student; check() reads its questions and public checks from the course",
            "id": exercise_set.id, "questions": questions}
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
