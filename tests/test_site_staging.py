"""The web site's pages as book/build_site.py stages them from the committed files (no Sphinx needed).

`make test-site` builds the site from these pages and reads it in a browser (tests/test_site.py);
these checks need only nbformat, so they run with `make test`.
"""

import importlib.metadata
import importlib.util
import posixpath
import re
from pathlib import Path

import nbformat
import pytest

from course_lib.grading.bundle import normalize, secret_lines

ROOT = Path(__file__).resolve().parents[1]


def load_builder():
    """book/build_site.py as a module (the book folder is not a package)."""
    spec = importlib.util.spec_from_file_location("course_site_builder", ROOT / "book" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = load_builder()


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    source = tmp_path_factory.mktemp("site-src")
    return source, builder.stage(ROOT, source)


def _staged_files(source: Path) -> set[str]:
    return {path.relative_to(source).as_posix() for path in source.rglob("*") if path.is_file()}


def test_the_site_holds_the_readme_lessons_exercises_and_docs_and_nothing_else(staged):
    source, pages = staged
    lessons = {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    exercises = {f"exercises/{p.name}" for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb")}
    assert len(lessons) == 11 and len(exercises) == 10
    expected = {"index.md", "docs/ERRATA.md", "docs/instructor.md", "docs/sandbox.md", "docs/CONVENTIONS.md"}
    assert _staged_files(source) == expected | lessons | exercises == set(pages)
    assert pages[0] == "index.md" and pages[1] == "notebooks/00_start_here.ipynb"


def _texts(source: Path):
    for path in sorted(source.rglob("*")):
        if path.is_file():
            yield path.relative_to(source).as_posix(), path.read_text(encoding="utf-8")


def test_no_solution_line_or_hidden_test_is_staged(staged, tmp_path):
    source, _ = staged
    forbidden = {normalize(line): origin for line, origin in secret_lines(ROOT).items()}
    assert len(forbidden) > 200  # every set's answers and hidden tests, every solution notebook's code
    for name, text in _texts(source):
        flat = normalize(text)
        leaked = [origin for key, origin in forbidden.items() if key in flat]
        assert not leaked, f"{name} holds lines from {leaked[:3]}"
    # the same scan finds a solution notebook staged by mistake
    planted = normalize((ROOT / "solutions" / "05_transposed_convolution.ipynb").read_text(encoding="utf-8"))
    assert any(key in planted for key in forbidden)


def test_outputs_are_the_committed_ones(staged):
    """Nothing is re-run: every output is the committed one, an explorer's without its widget view."""
    source, _ = staged
    for folder in ("notebooks", "exercises"):
        for path in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb")):
            committed = nbformat.read(path, as_version=4)
            shown = nbformat.read(source / folder / path.name, as_version=4)
            committed_outputs = [o for c in committed.cells for o in c.get("outputs", [])]
            shown_outputs = [o for c in shown.cells for o in c.get("outputs", [])
                             if builder.EXPLORER_NOTE_CLASS not in o.get("data", {}).get("text/html", "")]
            for output in committed_outputs:
                output.get("data", {}).pop(builder.WIDGET_VIEW, None)
            # the same outputs, a print sent in pieces joined into one (as JupyterLab shows it)
            committed_text = [o.get("text") or o.get("data") for o in committed_outputs]
            shown_text = [o.get("text") or o.get("data") for o in shown_outputs]
            assert "".join(t for t in committed_text if isinstance(t, str)) == \
                "".join(t for t in shown_text if isinstance(t, str)), path.name
            assert [t for t in committed_text if not isinstance(t, str)] == \
                [t for t in shown_text if not isinstance(t, str)], path.name
            assert len(shown_outputs) <= len(committed_outputs)
            code = [c.source for c in committed.cells if c.cell_type == "code"]
            assert [c.source for c in shown.cells if c.cell_type == "code"] == code, path.name
            if folder == "exercises":
                assert not committed_outputs, f"{path.name} is committed with outputs"


def test_every_explorer_shows_its_picture_and_says_it_moves_in_jupyterlab(staged):
    source, _ = staged
    explorers = 0
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        committed = nbformat.read(path, as_version=4)
        shown = nbformat.read(source / "notebooks" / path.name, as_version=4)
        assert "widgets" in committed.metadata and "widgets" not in shown.metadata
        wanted = sum(builder.WIDGET_VIEW in o.get("data", {}) for c in committed.cells for o in c.get("outputs", []))
        notes = 0
        for cell in shown.cells:
            outputs = cell.get("outputs", [])
            for index, output in enumerate(outputs):
                assert builder.WIDGET_VIEW not in output.get("data", {})
                if builder.EXPLORER_NOTE_CLASS in output.get("data", {}).get("text/html", ""):
                    notes += 1
                    assert "moves in JupyterLab" in output["data"]["text/html"]
                    assert index > 0 and "image/png" in outputs[index - 1]["data"], path.name
        assert notes == wanted >= 1, path.name
        explorers += notes
    assert explorers == 11


def test_every_notebook_page_links_to_its_notebook_in_jupyterlab(staged):
    source, pages = staged
    for page in pages:
        if page.endswith(".ipynb"):
            cells = nbformat.read(source / page, as_version=4).cells
            assert cells[0].source.startswith("# ") and "\n" not in cells[0].source, page
            assert f"]({builder.lab_link(page)})" in cells[1].source, page
            assert (ROOT / page).is_file()


def test_what_jupyterlab_collapses_is_collapsed_on_the_site(staged):
    source, _ = staged
    collapsed = 0
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shown = nbformat.read(source / "notebooks" / path.name, as_version=4)
        for cell in shown.cells:
            hidden = cell.metadata.get("jupyter", {})
            tags = cell.metadata.get("tags", [])
            assert bool(hidden.get("outputs_hidden")) == ("hide-output" in tags)
            if cell.cell_type == "code":
                assert bool(hidden.get("source_hidden")) == ("hide-input" in tags)
            else:
                assert bool(hidden.get("source_hidden")) == cell.source.startswith(
                    f"::::{{admonition}} {builder.HIDDEN_TEXT_TITLE}\n:class: dropdown\n")
            collapsed += "hide-output" in tags
    assert collapsed >= 40


_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def test_every_relative_link_reaches_a_page_of_the_site(staged):
    source, _ = staged
    checked = 0
    for name, text in _texts(source):
        if name.endswith(".ipynb"):
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "markdown")
        for target in _LINK.findall(text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = posixpath.normpath(posixpath.join(posixpath.dirname(name), target.split("#")[0]))
            assert (source / path).is_file(), f"{name} links to {target}, which the site does not hold"
            checked += 1
    assert checked >= 20


def test_links_to_files_outside_the_site_become_their_paths():
    pages = builder.site_pages(ROOT)
    text = (ROOT / "docs" / "instructor.md").read_text(encoding="utf-8")
    assert "](../instructor/README.md)" in text
    rewritten = builder.rewrite_markdown(text, "docs/instructor.md", pages)
    assert "../instructor/README.md" not in rewritten and "`instructor/README.md` (in the repository)" in rewritten
    # a fenced block is code, left as it is
    fenced = "```\n[x](../Makefile)\n```"
    assert builder.rewrite_markdown(fenced, "docs/instructor.md", pages) == fenced


def test_the_sites_tools_stay_out_of_make_test_and_make_lab():
    # the installed metadata is pyproject.toml's; reading it needs no TOML parser (Python 3.10 has none)
    requirements = importlib.metadata.requires("course_lib")

    def names(extra):
        chosen = [r for r in requirements if (f'extra == "{extra}"' in r if extra else "extra ==" not in r)]
        return {re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() for r in chosen}

    assert {"jupyter-book", "sphinx-mathjax-offline"} <= names("site")
    assert not (names(None) | names("test")) & (names("site") | {"sphinx", "myst-nb"})
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipes = dict(re.findall(r"^([\w$()-]+):[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M))
    assert "-e '.[test]'" in recipes["$(STAMP)"] and "site" not in recipes["$(STAMP)"]
    assert "not site" in recipes["test"] and "site" not in recipes["lab"]
    assert "'.[test,site]'" in recipes["$(SITE_STAMP)"]
    assert "make test-site" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_a_repository_that_is_not_an_address_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as stopped:
        builder.main(["--repository", "see the course", "--out", "unused"])
    assert stopped.value.code == 2
    assert "repository must be an https://, http:// or git@ address with no spaces, got 'see the course'" in \
        capsys.readouterr().err


def test_the_same_files_stage_to_the_same_pages(staged, tmp_path):
    source, _ = staged
    again = tmp_path / "again"
    builder.stage(ROOT, again)
    assert {name: text for name, text in _texts(again)} == {name: text for name, text in _texts(source)}
