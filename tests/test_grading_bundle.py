"""`course bundle`: the zip students receive holds no solution line and no hidden test."""

import inspect
import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from course_lib.grading.bundle import BundleError, build_bundle
from course_lib.grading.cli import main
from course_lib.grading.markers import solution_lines, strip_solutions
from course_lib.grading.spec import encode_input, load_sets

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "course.zip"
    assert main(["bundle", str(out), "--root", str(ROOT)]) == 0
    with zipfile.ZipFile(out) as archive:
        texts = {}
        for name in archive.namelist():
            try:
                texts[name] = archive.read(name).decode("utf-8")
            except UnicodeDecodeError:
                texts[name] = ""
    return texts


def solution_code_lines():
    """Every line of solution code that the solution notebooks do not also show openly."""
    lines = set()
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        public = "\n".join(c.source if c.cell_type != "code" else strip_solutions(c.source) for c in nb.cells)
        for cell in nb.cells:
            if cell.cell_type == "code":
                for line in solution_lines(cell.source):
                    code = line.split("# SOLUTION")[0].strip()
                    # statements as short as `return y` or `else:` say nothing about a solution
                    if len(code) > 12 and code not in public:
                        lines.add(code)
    return lines


def test_the_bundle_holds_what_students_need(bundle):
    names = set(bundle)
    assert {"README.md", "environment.yml", "pyproject.toml", "course_lib/__init__.py",
            "course_lib/grading/public/ex02.json", "course_lib/grading/public/ex03.json",
            "exercises/02_convolution_arithmetic.ipynb", "exercises/03_layer_arithmetic.ipynb"} <= names
    assert {name.split("/")[0] for name in names} <= {"README.md", "environment.yml", "pyproject.toml", "Makefile",
                                                      "LICENSE", "LICENSE.md", "notebooks", "exercises", "course_lib",
                                                      "docs", "book"}
    # The README's links lead somewhere in what students receive, and its `make site` works there.
    assert {"docs/instructor.md", "docs/sandbox.md", "docs/ERRATA.md", "book/build_site.py", "book/conf.py"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "checkpoint" in n]


def test_no_solution_line_is_in_the_bundle(bundle):
    lines = solution_code_lines()
    assert len(lines) >= 20  # the test looks for something real
    for name, text in bundle.items():
        for line in lines:
            assert line not in text, f"{name} contains the solution line {line!r}"
        if name.endswith(".ipynb"):
            assert "SOLUTION" not in text, name


def test_no_hidden_test_is_in_the_bundle(bundle):
    sets = load_sets(ROOT / "instructor" / "sets")
    forbidden = []
    for exercise_set in sets.values():
        for question in exercise_set.every_version():
            for group in question.hidden:
                for case in group.cases:
                    forbidden += [json.dumps(encode_input(list(case))), repr(tuple(case))[1:-1]]
            for function in [question.reference, group.draw if question.hidden else None]:
                if function is not None:
                    body = inspect.getsource(function).splitlines()[2:]
                    forbidden += [line.strip() for line in body if len(line.strip()) > 20]
        forbidden += [line.strip() for line in inspect.getsource(exercise_set.generate).splitlines()[2:]
                      if len(line.strip()) > 20]
    assert len(forbidden) > 20
    for name, text in bundle.items():
        for item in forbidden:
            assert item not in text, f"{name} contains hidden-test material {item!r}"
    assert not [n for n in bundle if n.startswith(("instructor/", "solutions/", "tests/"))]


def test_the_secret_never_enters_the_bundle(bundle, tmp_path):
    secret = ROOT / "instructor" / "secret.key"
    if secret.exists():
        value = secret.read_text().strip()
        assert not [n for n, t in bundle.items() if value in t]
    assert "secret.key" not in "".join(bundle)


def _course_copy(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    for folder in ("solutions", "instructor", "exercises", "course_lib", "notebooks"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, course / folder,
                            ignore=shutil.ignore_patterns("__pycache__", "secret.key"))
    for name in ("README.md", "environment.yml", "pyproject.toml"):
        shutil.copy(ROOT / name, course / name)
    (course / "notebooks").mkdir(exist_ok=True)
    return course


def test_a_leaked_solution_line_stops_the_bundle(tmp_path):
    course = _course_copy(tmp_path)
    leak = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "o6 = (i6 + 2 * p6 - k6 - (k6 - 1) * (d6 - 1)) // s6 + 1")])
    nbformat.write(leak, course / "notebooks" / "leak.ipynb")
    with pytest.raises(BundleError, match=r"notebooks/leak.ipynb contains a line from solutions/02"):
        build_bundle(course, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


def test_a_leaked_hidden_test_stops_the_bundle(tmp_path):
    course = _course_copy(tmp_path)
    (course / "course_lib" / "cheat.py").write_text(
        'CASES = [(84, 4, [("conv", 16, 8, 4, 0), ("conv", 32, 4, 2, 0), ("fc", 256), ("fc", 18)])]\n')
    with pytest.raises(BundleError, match=r"course_lib/cheat.py contains a line from instructor/sets/set03.py"):
        build_bundle(course, tmp_path / "out.zip")
