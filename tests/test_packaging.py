"""The project's packaging: dependency lists agree, math modules stay light."""

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MATH_MODULES = ["arithmetic", "connectivity", "numeric", "symbolic", "sampling"]


def requirement_names(requirements):
    return {re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    # The installed metadata is pyproject.toml's (make reinstalls when pyproject.toml changes);
    # reading it this way needs no TOML parser, which Python 3.10 lacks.
    requirements = importlib.metadata.requires("course_lib")
    declared = requirement_names(
        r for r in requirements if "extra ==" not in r or 'extra == "test"' in r
    )
    text = (ROOT / "environment.yml").read_text()
    lines = text.split("dependencies:", 1)[1].split("- pip:", 1)[0].splitlines()
    conda = set()
    for line in lines:
        match = re.match(r"^\s+- ([A-Za-z0-9_.-]+)(?:[<>=!~].*)?$", line.split("#")[0].rstrip())
        if match:
            conda.add(match.group(1).lower())
    assert conda - {"python", "pip"} == declared
    # Every course package carries a comment saying what it is for.
    for line in lines:
        if re.match(r"^\s+- [a-z]", line) and not re.match(r"^\s+- (python|pip)\b", line):
            assert "#" in line, f"environment.yml: no comment on {line.strip()!r}"
    assert "- -e ." in text


@pytest.mark.parametrize("module", MATH_MODULES)
def test_math_modules_do_not_import_plotting_or_widgets(module):
    code = (
        "import sys, importlib; importlib.import_module('course_lib.%s'); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'ipywidgets')); "
        "print(','.join(bad))" % module
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"course_lib.{module} imports {out.stdout.strip()}"


def test_course_lib_is_installed_not_put_on_the_path():
    import course_lib

    assert Path(course_lib.__file__).resolve().parent == ROOT / "course_lib"
    for folder in ("notebooks", "solutions", "exercises"):
        for notebook in (ROOT / folder).glob("*.ipynb"):
            text = notebook.read_text()
            assert "sys.path" not in text, f"{notebook} edits sys.path"


@pytest.mark.parametrize("module", ["arithmetic", "numeric"])
def test_size_arithmetic_and_numeric_do_not_import_sympy(module):
    """SymPy (~0.4 s) loads only when a relationship or a symbolic matrix is asked for."""
    code = (
        "import sys, importlib; m = importlib.import_module('course_lib.%s'); "
        "print('sympy' in sys.modules)" % module
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
