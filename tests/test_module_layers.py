"""The math modules' imports run one way.

``numeric`` and ``symbolic`` both build on ``connectivity`` (C's sparsity pattern, padding and
output sizes), which needs only numpy, ``arithmetic`` and ``_validate``; neither imports the
other, not even inside a function. No math module imports a drawing, widget or grading module.
Imports are read from the source with :mod:`ast`, so an import hidden in a function body that
no test happens to call is still found.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import course_lib

PACKAGE = Path(course_lib.__file__).resolve().parent
MATH_MODULES = ("arithmetic", "connectivity", "numeric", "symbolic", "sampling", "frameworks", "recordings",
                "deconvolution", "upsampling", "checkerboard")
PRESENTATION = ("matplotlib", "ipywidgets", "course_lib.draw", "course_lib.widgets", "course_lib.figures",
                "course_lib.grading")


def imported_modules(source: str, package: str = "course_lib") -> set[str]:
    """Every module an import in ``source`` can load, at any depth of the syntax tree.

    ``from course_lib import numeric`` counts as importing ``course_lib.numeric`` (the name may
    be a submodule); relative imports are resolved against ``package``; ``importlib.import_module``
    and ``__import__`` with a literal name count as imports.
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0]
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def imports_of(module: str) -> set[str]:
    return imported_modules((PACKAGE / f"{module}.py").read_text())


def loads(imports: set[str], target: str) -> bool:
    """Whether any of ``imports`` is ``target`` or a submodule of it."""
    return any(name == target or name.startswith(target + ".") for name in imports)


# --- the import finder itself ---------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "import course_lib.symbolic",
        "import course_lib.symbolic as sym",
        "from course_lib.symbolic import conv_matrix_pattern",
        "from course_lib import arithmetic, symbolic",
        "from . import symbolic",
        "from .symbolic import kernel_symbols",
        "def f():\n    if True:\n        from course_lib.symbolic import conv_matrix\n    return conv_matrix",
        "class A:\n    def f(self):\n        import course_lib.symbolic",
        "import importlib\nimportlib.import_module('course_lib.symbolic')",
        "__import__('course_lib.symbolic')",
    ],
)
def test_finder_sees_every_form_of_import(source):
    assert loads(imported_modules(source), "course_lib.symbolic")


@pytest.mark.parametrize(
    "source",
    ["import course_lib.symbolics", "from course_lib import numeric", "symbolic = 1", "'course_lib.symbolic'"],
)
def test_finder_does_not_see_imports_that_are_not_there(source):
    assert not loads(imported_modules(source), "course_lib.symbolic")


# --- the layering ---------------------------------------------------------------------------


def test_numeric_does_not_import_symbolic():
    assert not loads(imports_of("numeric"), "course_lib.symbolic")


def test_symbolic_does_not_import_numeric():
    assert not loads(imports_of("symbolic"), "course_lib.numeric")


def test_numeric_and_symbolic_share_the_connectivity_module():
    assert loads(imports_of("numeric"), "course_lib.connectivity")
    assert loads(imports_of("symbolic"), "course_lib.connectivity")


def test_connectivity_needs_only_numpy_arithmetic_and_validation():
    third_party = {name.split(".")[0] for name in imports_of("connectivity")}
    third_party -= set(sys.stdlib_module_names) | {"__future__", "course_lib"}
    assert third_party == {"numpy"}
    # `from course_lib._validate import check_int` is listed as course_lib._validate(.check_int)
    course = {name.split(".")[1] for name in imports_of("connectivity") if name.startswith("course_lib.")}
    assert course <= {"arithmetic", "_validate"}


@pytest.mark.parametrize("module", MATH_MODULES)
def test_math_modules_import_no_drawing_widgets_or_grading(module):
    imports = imports_of(module)
    assert not [target for target in PRESENTATION if loads(imports, target)]


@pytest.mark.parametrize("module", ["connectivity", "numeric"])
def test_numeric_side_does_not_import_sympy(module):
    assert not loads(imports_of(module), "sympy")


def test_matrix_method_runs_without_loading_sympy():
    """The "matrix" transposed convolution reads C's pattern from connectivity, not symbolic."""
    code = (
        "import sys; from course_lib.numeric import conv_transpose2d; "
        "out = conv_transpose2d([[1, 2], [3, 4]], [[1, 0], [0, 1]], stride=2, method='matrix'); "
        "print(out.tolist(), 'sympy' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[[1, 0, 2, 0], [0, 1, 0, 2], [3, 0, 4, 0], [0, 3, 0, 4]] False"


FRAMEWORK_PACKAGES = ("torch", "tensorflow", "keras", "jax", "onnx", "onnxruntime")


@pytest.mark.parametrize("module", ["frameworks", "recordings", "numeric", "arithmetic", "widgets"])
def test_no_course_module_needs_a_framework_at_import(module):
    """Lessons run without any framework: only a recipe of ``recordings`` imports one, inside itself."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    top_level = imported_modules("\n".join(ast.unparse(node) for node in tree.body
                                             if isinstance(node, (ast.Import, ast.ImportFrom))))
    assert not [name for name in FRAMEWORK_PACKAGES if loads(top_level, name)]
    if module != "recordings":
        assert not [name for name in FRAMEWORK_PACKAGES if loads(imports_of(module), name)]


def test_frameworks_and_recordings_load_without_any_framework():
    code = ("import sys, course_lib.frameworks, course_lib.recordings as r; r.recorded(r.names()[0]); "
            f"print(sorted(m for m in {FRAMEWORK_PACKAGES!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
