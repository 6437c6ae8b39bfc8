"""Build the course's web site from the committed notebooks, without executing anything.

``make site`` runs ``python book/build_site.py --out build/site``. The pages are staged first into a
source folder that mirrors the repository (``index.md`` from the README, ``notebooks/``,
``exercises/``, ``docs/``) and then built by Sphinx with myst-nb, whose configuration is
``book/conf.py``. Staging changes what a reader of a web page needs changed and nothing else:

- every lesson and exercise page gets a box under its title with the link that opens its notebook
  in JupyterLab (``make lab`` serves http://localhost:8888); an exercise page loses the note telling
  instructors where the notebook is generated from;
- an explorer's output keeps its starting picture, loses its widget view (a web page has no kernel
  to drive it) and gains the line saying that it moves in JupyterLab; every picture gets an
  alternative text; what JupyterLab shows collapsed stays collapsed; a print sent in pieces is one
  output, as JupyterLab shows it;
- links to files the site does not hold (``Makefile``, ``instructor/README.md``) become the file's
  path; a notebook named in code (`` `notebooks/05_transposed_convolution.ipynb` ``), "lesson 04 §7"
  and a lesson's file stem in code become links to the page (and section).

Outputs are never changed otherwise, and nothing is run.

Nothing from ``solutions/`` or ``instructor/`` is staged; tests/test_site.py scans the built site
for every line of solution code and every hidden test (``course_lib.grading.bundle.secret_lines``).
"""

from __future__ import annotations

import argparse
import functools
import json
import posixpath
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = Path(__file__).resolve().parent
LAB_URL = "http://localhost:8888/lab/tree/"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
EXPLORER_NOTE_CLASS = "course-explorer-note"
RUN_BOX_CLASS = "course-run"
HIDDEN_TEXT_TITLE = "Open after your attempt"
GENERATED_NOTE = "**Generated file.**"

# The README is the start page; every other file keeps its path in the site. The sections follow
# it in reading order: (sidebar caption, a folder whose numbered notebooks go in number order, or a
# list of files).
START_PAGE = "index.md"
SECTIONS = (
    ("Lessons", "notebooks"),
    ("Exercises", "exercises"),
    ("Reference", ["docs/ERRATA.md"]),
    ("For instructors", ["docs/instructor.md", "docs/sandbox.md", "docs/CONVENTIONS.md"]),
)

_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")
_CROSS_REFERENCE = re.compile(r"(?P<link>!?\[[^\]]*\]\([^)]*\))|(?P<code>`[^`]*`)|(?P<math>\$\$?[^$]*\$\$?)"
                              r"|(?P<lesson>\b[Ll]esson (?P<number>\d\d)(?P<section> §\d+)?)(?!\d)")
_NOTEBOOK_CODE = re.compile(r"(?<!\[)`(?P<path>(?:notebooks|exercises)/\d\d_\w+\.ipynb)`(?!\]\()(?P<section> §\d+)?")


def site_pages(root: Path = ROOT) -> dict[str, str]:
    """Every file of the repository the site shows -> its page's path in the site's sources.

    Examples
    --------
    >>> pages = site_pages()
    >>> pages["README.md"], pages["notebooks/05_transposed_convolution.ipynb"]
    ('index.md', 'notebooks/05_transposed_convolution.ipynb')
    >>> any(name.startswith(("solutions/", "instructor/")) for name in pages)
    False
    """
    root = Path(root)
    pages = {"README.md": START_PAGE}
    for _, members in SECTIONS:
        if isinstance(members, str):
            members = [f"{members}/{path.name}" for path in sorted((root / members).glob("[0-9][0-9]_*.ipynb"))]
        pages.update({name: name for name in members})
    return pages


def lab_link(notebook: str) -> str:
    """The address at which ``make lab`` (on JupyterLab's default port) opens ``notebook``.

    Examples
    --------
    >>> lab_link("notebooks/05_transposed_convolution.ipynb")
    'http://localhost:8888/lab/tree/notebooks/05_transposed_convolution.ipynb'
    """
    return LAB_URL + notebook


@functools.lru_cache(maxsize=None)
def _markdown_lines(root: Path, name: str) -> tuple[str, ...]:
    """The Markdown lines of a file or notebook of the repository (none if it is missing); read
    once per build, however often pages name it."""
    path = Path(root) / name
    if not path.is_file():
        return ()
    if name.endswith(".ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    return tuple(text.splitlines())


def _title(root: Path, name: str) -> str | None:
    """The first heading of a Markdown file or notebook of the repository (None if it has none)."""
    return next((line[2:].strip() for line in _markdown_lines(root, name) if line.startswith("# ")), None)


def _section_anchor(root: Path, notebook: str, number: str) -> str | None:
    """MyST's anchor (GitHub's slug) of the section ``## N · …`` of a notebook of the repository."""
    for line in _markdown_lines(root, notebook):
        if line.startswith(f"## {number} · "):
            # MyST slugs the heading's text: formulas contribute nothing, code its characters
            text = re.sub(r"[`*]", "", re.sub(r"\$[^$]*\$", "", line[3:]))
            return re.sub(r"[^\w\u4e00-\u9fff\- ]", "", text.lower().replace(" ", "-"))
    return None


def rewrite_markdown(text: str, page: str, pages: dict[str, str], root: Path = ROOT) -> str:
    """Markdown of repository file ``page`` with its links pointing into the site.

    A relative link to a file the site shows points at that file's page (named by its title when
    the link's text is the file's path); one to a file it does not show becomes the file's path in
    code; a notebook path written in code becomes a link named by the notebook's title. Fenced code
    blocks are left alone.

    Examples
    --------
    >>> pages = {"README.md": "index.md", "docs/instructor.md": "docs/instructor.md",
    ...          "notebooks/00_a.ipynb": "notebooks/00_a.ipynb"}
    >>> rewrite_markdown("See [the guide](../README.md#setting-up).", "docs/instructor.md", pages)
    'See [the guide](../index.md#setting-up).'
    >>> rewrite_markdown("[sets](../instructor/README.md)", "docs/instructor.md", pages)
    'sets (`instructor/README.md` in the repository)'
    >>> rewrite_markdown("[docs/instructor.md](docs/instructor.md)", "README.md", pages)
    "[Instructor's guide](docs/instructor.md)"
    >>> rewrite_markdown("Open `notebooks/00_a.ipynb`.", "README.md", pages)
    'Open [`notebooks/00_a.ipynb`](notebooks/00_a.ipynb).'
    >>> rewrite_markdown("Start with `notebooks/00_start_here.ipynb`.", "README.md", site_pages())
    'Start with [00 · Start here](notebooks/00_start_here.ipynb).'
    >>> rewrite_markdown("`notebooks/05_transposed_convolution.ipynb` §3", "README.md", site_pages())
    '[05 · Transposed convolution §3](notebooks/05_transposed_convolution.ipynb#3--relationships-814)'
    >>> rewrite_markdown("as lesson 05 §3 shows ($i$ in `lesson 05`)", "exercises/05_x.ipynb", site_pages())
    'as [lesson 05 §3](../notebooks/05_transposed_convolution.ipynb#3--relationships-814) shows ($i$ in `lesson 05`)'
    """
    here = posixpath.dirname(page)
    page_title = functools.partial(_title, Path(root))
    site_here = posixpath.dirname(pages.get(page, page))

    def target_in_site(repository_path: str) -> str:
        return posixpath.relpath(pages[repository_path], site_here or ".")

    def link(match: re.Match) -> str:
        text, target = match.group("text"), match.group("target")
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            return match.group(0)
        path, _, anchor = target.partition("#")
        repository_path = posixpath.normpath(posixpath.join(here, path))
        names_itself = text.strip("`") in (path, repository_path)
        if repository_path in pages:
            if names_itself and page_title(repository_path):
                text = page_title(repository_path)
            return f"[{text}]({target_in_site(repository_path)}{'#' + anchor if anchor else ''})"
        if names_itself:
            return f"`{repository_path}` (in the repository)"
        return f"{text} (`{repository_path}` in the repository)"

    def notebook_code(match: re.Match) -> str:
        path, section = match.group("path"), match.group("section")
        if path not in pages:
            return match.group(0)
        title = page_title(path)
        text = title or f"`{path}`"
        anchor = _section_anchor(Path(root), path, section[2:]) if section else None
        if anchor:  # "`notebooks/05_….ipynb` §3" in the errata: the link leads to section 3
            return f"[{text} {section.strip()}]({target_in_site(path)}#{anchor})"
        return f"[{text}]({target_in_site(path)}){section or ''}"

    lessons = {name.split("/")[1][:2]: name for name in pages if name.startswith("notebooks/")}

    def cross_reference(match: re.Match) -> str:
        """'lesson 04 §7' and a lesson's file stem in code become links; links, code and formulas
        are passed over as they are."""
        if match.group("code") and (stem := re.fullmatch(r"`(\d\d)_\w+`", match.group("code"))):
            name = lessons.get(stem.group(1))
            if name == f"notebooks/{match.group('code').strip('`')}.ipynb" and name != page:
                return f"[{match.group('code')}]({target_in_site(name)})"
        if not match.group("lesson") or match.group("number") not in lessons:
            return match.group(0)
        name, section = lessons[match.group("number")], match.group("section")
        anchor = _section_anchor(Path(root), name, section[2:]) if section else None
        if name == page and not anchor:
            return match.group(0)
        return f"[{match.group('lesson')}]({target_in_site(name)}{'#' + anchor if anchor else ''})"

    out, in_fence = [], False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            line = _NOTEBOOK_CODE.sub(notebook_code, _LINK.sub(link, line))
            if not line.startswith("#"):  # a link in a heading would turn the contents list into links
                line = _CROSS_REFERENCE.sub(cross_reference, line)
        out.append(line)
    return "\n".join(out)


def _get_the_course(repository: str | None) -> str:
    if repository:
        return f"clone the course from {f'<{repository}>' if repository.startswith('http') else f'`{repository}`'}"
    return "get the course (clone its repository, or unpack the zip your instructor gave you)"


def _run_box(notebook: str, kind: str, repository: str | None) -> dict:
    import nbformat

    if kind == "notebooks":
        what = ("This page is the lesson as committed, with its outputs; nothing on it runs. To run its "
                "cells, answer its *Check yourself* questions and move its explorer")
    else:
        what = ("This page shows the exercise set's questions; nothing on it runs and no answer is on "
                "it. To answer them and check each answer with `check()`")
    return nbformat.v4.new_markdown_cell(
        f":::{{admonition}} Open it in JupyterLab\n:class: {RUN_BOX_CLASS}\n"
        f"{what}: {_get_the_course(repository)}, run `make lab` in its folder, then open "
        f"[`{notebook}` in JupyterLab]({lab_link(notebook)}) (the address `make lab` serves on "
        "JupyterLab's default port, 8888).\n:::",
        id="site-run-box",  # fixed ids: the same notebooks stage to the same files
    )


def _explorer_note() -> dict:
    import nbformat

    return nbformat.v4.new_output(
        "display_data",
        data={"text/html": f'<p class="{EXPLORER_NOTE_CLASS}"><b>Explorer.</b> Above is its starting '
                           "picture, as JupyterLab shows it before the cell runs (hence its first line). "
                           "It moves in JupyterLab: open this lesson there (see the box at the top of "
                           "the page), run this cell and drag the sliders.</p>"},
    )


def _alt_text(cell, explorer: bool, section: str) -> str:
    """A picture's alternative text: what draws it, and the section it illustrates."""
    where = f", in the section “{re.sub(r'[`*$]', '', section)}”" if section else ""
    if explorer:
        call = re.search(r"(\w+_explorer)\(", cell.source)
        return f"The starting picture of the explorer {call.group(1) if call else ''}{where}".replace("  ", " ")
    guide = re.findall(r"figures\.render\(\"([\w.-]+)\"", cell.source)
    if guide:
        return f"The guide's Figure {', '.join(guide)}, redrawn by the code above{where}"
    drawn = re.findall(r"(?:figures|draw)\.(\w+)\(([^()\n]{0,40})", cell.source)
    what = f" ({', '.join(f'{name}({args})' for name, args in drawn[:2])})" if drawn else ""
    return f"Figure drawn by the code above{what}{where}"


def merge_streams(outputs: list) -> list:
    r"""Outputs with each run of consecutive text on one stream joined as JupyterLab shows it.

    A kernel sends ``print("C:", shape)`` in pieces; JupyterLab runs them together on one line,
    where myst-nb would put a line break between them.

    Examples
    --------
    >>> import nbformat
    >>> pieces = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in ("C:", " (6, 4)\n")]
    >>> [o.text for o in merge_streams(pieces)]
    ['C: (6, 4)\n']
    """
    import nbformat

    merged = []
    for output in outputs:
        if (output.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == output.get("name")):
            merged[-1] = nbformat.from_dict(dict(merged[-1], text=merged[-1]["text"] + output["text"]))
            continue
        merged.append(output)
    return merged


def stage_notebook(source: Path, notebook: str, pages: dict[str, str], repository: str | None = None):
    """The notebook at ``source`` (repository path ``notebook``) as the site shows it.

    Examples
    --------
    >>> pages = site_pages()
    >>> name = "notebooks/05_transposed_convolution.ipynb"
    >>> staged = stage_notebook(ROOT / name, name, pages)
    >>> "localhost:8888/lab/tree/" + name in staged.cells[1].source
    True
    >>> "clone the course from <https://example.org/course>" in stage_notebook(
    ...     ROOT / name, name, pages, "https://example.org/course").cells[1].source
    True
    >>> outputs = [o for c in staged.cells for o in c.get("outputs", [])]
    >>> any(WIDGET_VIEW in o.get("data", {}) for o in outputs), "widgets" in staged.metadata
    (False, False)
    """
    import nbformat

    nb = nbformat.read(source, as_version=4)
    nb.metadata.pop("widgets", None)
    section = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            section = next((line.lstrip("#").strip() for line in reversed(cell.source.splitlines())
                            if re.match(r"#{1,3} ", line)), section)
            cell.source = rewrite_markdown(cell.source, notebook, pages)
            if cell.metadata.get("jupyter", {}).get("source_hidden"):
                # an answer JupyterLab keeps collapsed until the student has tried: a closed box here
                cell.source = f"::::{{admonition}} {HIDDEN_TEXT_TITLE}\n:class: dropdown\n{cell.source}\n::::"
            continue
        if cell.cell_type != "code":
            continue
        # what JupyterLab shows collapsed (answers to Check yourself, say) a reader expands here too
        hidden = cell.metadata.get("jupyter", {})
        tags = cell.metadata.setdefault("tags", [])
        tags += [tag for key, tag in (("source_hidden", "hide-input"), ("outputs_hidden", "hide-output"))
                 if hidden.get(key) and tag not in tags]
        outputs, explorer = [], False
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            outputs.append(output)
            if WIDGET_VIEW in data:
                if "image/png" not in data:
                    raise ValueError(f"{notebook}: an explorer's output has no picture to show")
                del data[WIDGET_VIEW]
                outputs.append(_explorer_note())
                explorer = True
        cell.outputs = merge_streams(outputs)
        if any(key.startswith("image/") for output in outputs for key in output.get("data", {})):
            cell.metadata.setdefault("mystnb", {})["image"] = {"alt": _alt_text(cell, explorer, section)}
    kind = notebook.split("/")[0]
    # an exercise's first cell tells instructors where it is generated from: not for the site's readers
    nb.cells = [cell for cell in nb.cells if not (cell.cell_type == "markdown" and cell.source.startswith(GENERATED_NOTE))]
    title = next(i for i, cell in enumerate(nb.cells)
                 if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "))
    nb.cells.insert(0, nb.cells.pop(title))
    # the box goes right under the page's title line, above the lesson's goals
    heading, _, rest = nb.cells[0].source.lstrip().partition("\n")
    nb.cells[0].source = heading
    below = [nbformat.v4.new_markdown_cell(rest.strip("\n"), id="site-below-title")] if rest.strip() else []
    nb.cells[1:1] = [_run_box(notebook, kind, repository), *below]
    return nb


def _index(text: str, pages: dict[str, str], repository: str | None) -> str:
    if repository:
        heading, _, rest = text.partition("\n")
        text = f"{heading}\n\n**Get the course:** `git clone {repository}`, then `make lab` in its folder.\n{rest}"
    toctrees = []
    for caption, members in SECTIONS:
        if isinstance(members, str):
            members = [name for name in pages if name.startswith(members + "/")]
        entries = "\n".join(posixpath.splitext(pages[name])[0] for name in members)
        toctrees.append(f"```{{toctree}}\n:hidden:\n:caption: {caption}\n\n{entries}\n```")
    return text.rstrip("\n") + "\n\n" + "\n\n".join(toctrees) + "\n"


def stage(root: Path, source: Path, repository: str | None = None) -> list[str]:
    """Write the site's sources into ``source`` (emptied first); return the pages, in reading order.

    Examples
    --------
    What ``make site`` stages, from the repository's root::

        stage(ROOT, ROOT / "build" / "site-work" / "src")  # -> ['index.md', 'notebooks/00_start_here.ipynb', ...]
    """
    import nbformat

    root, source = Path(root), Path(source)
    if source.exists():
        shutil.rmtree(source)
    pages = site_pages(root)
    for name, page in pages.items():
        target = source / page
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".ipynb"):
            nbformat.write(stage_notebook(root / name, name, pages, repository), target)
        else:
            text = rewrite_markdown((root / name).read_text(encoding="utf-8"), name, pages, root)
            if page == START_PAGE:
                text = _index(text, pages, repository)
            target.write_text(text, encoding="utf-8")
    return list(pages.values())


def build(root: Path, out: Path, *, work: Path | None = None, repository: str | None = None) -> None:
    """Stage the pages (in ``work``, by default beside ``out``) and build the site into ``out`` with
    Sphinx, which prints only its warnings, and fails on any.

    Examples
    --------
    What ``make site`` runs::

        build(ROOT, ROOT / "build" / "site")  # build/site/index.html, one page per lesson, ...
    """
    out = Path(out)
    work = Path(work) if work is not None else out.parent / (out.name + "-work")
    stage(root, work / "src", repository)
    if out.exists():
        shutil.rmtree(out)
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-c", str(CONF_DIR), "-d", str(work / "doctrees"),
                    "-E", "-q", "-W", "--keep-going", str(work / "src"), str(out)], check=True)


def repository_url(value: str) -> str:
    """``--repository``'s value: an http(s) or git address with no spaces.

    Examples
    --------
    >>> repository_url("https://github.com/example/convolution-arithmetic")
    'https://github.com/example/convolution-arithmetic'
    >>> repository_url("see the course")
    Traceback (most recent call last):
    ...
    ValueError: repository must be an https://, http:// or git@ address with no spaces, got 'see the course'
    """
    if not re.fullmatch(r"(https?://|git@)[^\s<>`]+", value):
        raise ValueError(f"repository must be an https://, http:// or git@ address with no spaces, got {value!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    def repository_argument(value: str) -> str:
        try:
            return repository_url(value)
        except ValueError as error:  # argparse shows an ArgumentTypeError's own words
            raise argparse.ArgumentTypeError(str(error)) from None

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site", help="folder to build into")
    parser.add_argument("--repository", default=None, metavar="URL", type=repository_argument,
                        help="address to clone the course from, named on every lesson's page")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        build(ROOT, args.out, repository=args.repository)
    except subprocess.CalledProcessError as error:
        print(f"make site: Sphinx failed (exit status {error.returncode}); its messages are above", file=sys.stderr)
        return 1
    size = sum(path.stat().st_size for path in args.out.rglob("*") if path.is_file())
    print(f"site built in {time.perf_counter() - started:.0f} s: {args.out}/index.html "
          f"({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
