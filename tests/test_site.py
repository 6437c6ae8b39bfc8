"""The course's web site, built afresh and read page by page in a real browser.

Run with ``make test-site`` (it installs the ``site`` extra, Playwright's Python package and Debian's
chromium). The site is built by book/build_site.py into a temporary folder and served on a local
port; Chromium opens every page and the tests check that

- no page asks for anything outside the site (MathJax, fonts and scripts are all in it) and nothing
  it asks for is missing; the console shows no error;
- every link inside the site reaches a page, and every anchor a heading of it; every picture loads,
  and each lesson page shows as many pictures as its notebook has image outputs;
- formulas are typeset by MathJax, verdicts read as words (Debian's Chromium has no emoji font),
  every explorer's picture is followed by the line saying that it moves in JupyterLab, and every
  lesson links to its notebook in JupyterLab;
- lessons come in order with previous/next links, and the search finds a lesson;
- no line of solution code and no hidden test is anywhere in the built site;
- lesson 05 on a 1366 × 768 screen shows its figures and its explorer's picture (screenshots:
  build/site-browser/).
"""

import functools
import html
import http.server
import re
import shutil
import subprocess
import threading
import unicodedata
import urllib.parse
from pathlib import Path

import nbformat
import pytest

from course_lib.grading.bundle import normalize, secret_lines
from test_browser import CHROMIUM_FLAGS, LAPTOP, VERDICT_WORDS
from test_site_staging import builder

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "site-browser"
PHONE = {"width": 390, "height": 844}
# what a formula MathJax did not typeset leaves in the text
RAW_TEX = re.compile(r"\$\$|\\[A-Za-z]+\{|\$\\[A-Za-z]+")
# characters drawn as emoji by default (Unicode's Emoji_Presentation, Basic Multilingual Plane part,
# and every pictograph above it): Debian's Chromium has no font for them and draws empty boxes
EMOJI = re.compile("[\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f"
                   "\u2693\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5"
                   "\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797"
                   "\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55\U0001f000-\U0001faff]")
LESSONS = sorted(f"notebooks/{p.stem}" for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("sphinx", reason="the site extra is not installed; run `make test-site`")
    work = tmp_path_factory.mktemp("site")
    builder.build(ROOT, work / "site", work=work / "work")
    return work / "site"


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright  # `make test-site` installs it

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed (make test-site installs it with apt)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _pages(site: Path) -> list[str]:
    """Every page (the theme's template fragments in _static are not pages)."""
    return sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html") if "_static" not in path.parts)


class _Visit:
    """One page opened in Chromium, with what went wrong while it loaded."""

    def __init__(self, browser, url, viewport=LAPTOP):
        self.page = browser.new_page(viewport=viewport)
        self.problems = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"))
        origin = "/".join(url.split("/")[:3]) + "/"
        self.page.on("request", lambda r: not r.url.startswith((origin, "data:"))
                     and self.problems.append(f"outside the site: {r.url}"))
        self.page.goto(url, wait_until="load")
        # MathJax typesets after the page has loaded: wait until it has finished
        self.page.wait_for_function("() => !document.querySelector('.math') || (window.MathJax && MathJax.startup)",
                                    timeout=30_000)
        self.page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => true) : true")

    def close(self):
        self.page.close()


_ANCHOR_IDS = re.compile(r'\sid="([^"]+)"')


@functools.lru_cache(maxsize=None)
def _ids(path: Path) -> frozenset:
    return frozenset(_ANCHOR_IDS.findall(path.read_text(encoding="utf-8")))


def test_every_page_loads_everything_from_the_site_and_every_link_and_picture_works(site, server, browser):
    pages = _pages(site)
    assert len(pages) >= 1 + 11 + 10 + 4
    problems, links_checked, pictures, characters = [], 0, 0, set()
    for name in pages:
        visit = _Visit(browser, server + name)
        try:
            problems += [f"{name}: {p}" for p in visit.problems]
            broken = visit.page.evaluate(
                "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
            problems += [f"{name}: picture not loaded: {src}" for src in broken]
            pictures += visit.page.evaluate("() => document.images.length")
            if visit.page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth"):
                problems.append(f"{name}: the page scrolls sideways at {LAPTOP['width']} px")
            for href in visit.page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)"):
                if not href.startswith(server):
                    continue
                target, _, anchor = href[len(server):].partition("#")
                path = site / urllib.parse.unquote(target or name)
                if path.is_dir():
                    path = path / "index.html"
                links_checked += 1
                if not path.is_file():
                    problems.append(f"{name}: link to a missing page: {href}")
                elif anchor and path.suffix == ".html" and urllib.parse.unquote(anchor) not in _ids(path):
                    problems.append(f"{name}: link to a missing anchor: {href}")
            if visit.page.evaluate("() => !!document.querySelector('.math')"):
                untypeset = visit.page.evaluate(
                    "() => [...document.querySelectorAll('.math')].filter(m => !m.querySelector('mjx-container')).length")
                if untypeset:
                    problems.append(f"{name}: {untypeset} formulas not typeset")
            # the text a reader sees, formulas left out (MathJax draws them with its own fonts)
            text = visit.page.evaluate("""() => { const body = document.body.cloneNode(true);
                body.querySelectorAll('mjx-container, script, style').forEach(e => e.remove());
                return body.textContent; }""")
            problems += [f"{name}: an emoji, drawn as an empty box here: {c!r}" for c in sorted(set(EMOJI.findall(text)))]
            prose = visit.page.evaluate("""() => { const body = document.body.cloneNode(true);
                body.querySelectorAll('mjx-container, script, style, pre, code, .math').forEach(e => e.remove());
                return body.textContent; }""")
            problems += [f"{name}: TeX shown as text: {m!r}" for m in sorted(set(RAW_TEX.findall(prose)))]
            characters.update(text)
        finally:
            visit.close()
    problems += [f"no font on this machine draws {c!r} (U+{ord(c):04X})" for c in sorted(characters) if not _has_font(c)]
    assert not problems, "\n".join(problems[:40])
    assert links_checked > 1000 and pictures >= 57


def _has_font(character: str) -> bool:
    if character.isspace() or ord(character) < 0x80 or unicodedata.category(character) in ("Cc", "Cf"):
        return True
    listed = subprocess.run(["fc-list", f":charset={ord(character):x}", "family"], capture_output=True, text=True)
    return bool(listed.stdout.strip())


def test_no_page_scrolls_sideways_on_a_phone(site, server, browser):
    """Wide tables and code scroll in their own boxes; the page itself fits 390 px."""
    problems = []
    for name in _pages(site):
        visit = _Visit(browser, server + name, viewport=PHONE)
        try:
            wide = visit.page.evaluate("""() => document.documentElement.scrollWidth <= window.innerWidth ? null
                : [...document.querySelectorAll('article *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                    && !e.closest('.pst-scrollable-table-container, pre, .highlight'))
                    .slice(0, 3).map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 60))""")
            if wide is not None:
                problems.append(f"{name}: the page scrolls sideways at {PHONE['width']} px: {wide}")
            problems += [f"{name}: {p}" for p in visit.problems]
        finally:
            visit.close()
    assert not problems, "\n".join(problems[:30])


def _image_outputs(notebook: Path) -> int:
    nb = nbformat.read(notebook, as_version=4)
    return sum(any(m.startswith("image/") for m in o.get("data", {}))
               for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize("lesson", LESSONS)
def test_each_lesson_shows_every_figure_its_explorer_and_a_way_into_jupyterlab(site, server, browser, lesson):
    visit = _Visit(browser, server + lesson + ".html")
    try:
        page = visit.page
        figures = page.evaluate("() => [...document.querySelectorAll('div.cell_output img')]"
                                ".map(i => [i.complete && i.naturalWidth > 0, i.getAttribute('src')])")
        assert len(figures) == _image_outputs(ROOT / (lesson + ".ipynb")) >= 1
        assert all(loaded for loaded, _ in figures), figures
        # each figure says what it is and opens at full size when clicked
        details = page.evaluate("() => [...document.querySelectorAll('div.cell_output img')]"
                                ".map(i => [i.alt, i.parentElement.tagName === 'A' && i.parentElement.getAttribute('href') === i.getAttribute('src')])")
        assert all(alt.startswith(("Figure drawn by the code above", "The guide's Figure", "The starting picture of the explorer"))
                   and " in the section “" in alt and linked for alt, linked in details), details
        notes = page.locator(f"p.{builder.EXPLORER_NOTE_CLASS}")
        assert notes.count() == 1 and "moves in JupyterLab" in notes.first.inner_text()
        # the explorer's picture is the output right before its note
        assert page.evaluate(f"""() => {{
            const note = document.querySelector('p.{builder.EXPLORER_NOTE_CLASS}');
            const before = note.closest('.output').previousElementSibling;
            const picture = before && (before.tagName === 'IMG' ? before : before.querySelector(':scope > img'));
            return !!picture && picture.naturalWidth > 0; }}""")
        lab = page.locator(f".{builder.RUN_BOX_CLASS} a[href='{builder.lab_link(lesson + '.ipynb')}']")
        assert lab.count() == 1
        verdicts = page.locator(".course-verdict").all_inner_texts()
        assert verdicts and all(v.lstrip("… ").startswith(VERDICT_WORDS) for v in verdicts), verdicts
        # lessons in order: previous and next lead to the neighbours
        index = LESSONS.index(lesson)
        previous = page.locator("a.left-prev").get_attribute("href")
        following = page.locator("a.right-next").get_attribute("href")
        assert previous.endswith("index.html" if index == 0 else LESSONS[index - 1].split("/")[1] + ".html")
        if index + 1 < len(LESSONS):
            assert following.endswith(LESSONS[index + 1].split("/")[1] + ".html")
        assert not visit.problems, visit.problems
    finally:
        visit.close()


@pytest.mark.parametrize("where", ["server", "disk"])
def test_the_search_finds_a_lesson(site, server, browser, where):
    base = server if where == "server" else site.as_uri() + "/"
    visit = _Visit(browser, base + "search.html?q=output_padding")
    try:
        visit.page.wait_for_selector("#search-results li", timeout=30_000)
        results = visit.page.locator("#search-results li a").evaluate_all("links => links.map(a => a.href)")
        assert any("05_transposed_convolution.html" in href for href in results), results
        assert not visit.problems, visit.problems
    finally:
        visit.close()


def _as_read(page: str) -> str:
    """The text a reader sees, normalized as the bundle's scan does: highlighted code is split
    into tags and its characters escaped."""
    return normalize(html.unescape(re.sub(r"<[^>]*>", "", page)))


def test_the_scan_finds_a_solution_line_in_highlighted_code():
    """The control: a line of solution code as Sphinx would show it in a code cell."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    line, origin = next((line, origin) for line, origin in secret_lines(ROOT).items() if origin.startswith("solutions/"))
    page = highlight(line, PythonLexer(), HtmlFormatter())
    assert normalize(line) not in normalize(page)  # as written into the page, the line is split by tags
    assert normalize(line) in _as_read(page), (line, origin)


def test_nothing_secret_reaches_the_built_site(site):
    forbidden = {normalize(line): origin for line, origin in secret_lines(ROOT).items()}
    scanned = 0
    for path in sorted(site.rglob("*")):
        # every text file but the theme's and MathJax's own (pictures and the compressed objects.inv are not text)
        if not path.is_file() or "_static" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        flat = _as_read(text)
        leaked = [origin for key, origin in forbidden.items() if key in flat]
        assert not leaked, f"{path.relative_to(site)} holds lines from {leaked[:3]}"
        scanned += 1
    assert scanned >= 26
    assert not [p for p in site.rglob("*") if "solutions" in p.parts or "instructor" in p.parts]


def test_lesson_05_on_a_laptop_screen(site, server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit = _Visit(browser, server + "notebooks/05_transposed_convolution.html")
    try:
        page = visit.page
        page.screenshot(path=str(SCREENSHOTS / "05_top.png"))
        title = page.locator("article h1").first.bounding_box()
        box = page.locator(f".{builder.RUN_BOX_CLASS}").bounding_box()
        assert title["y"] < box["y"] < LAPTOP["height"], "the JupyterLab box is not on the first screen"
        first_figure = page.locator("div.cell_output img").first
        first_figure.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "05_first_figure.png"))
        note = page.locator(f"p.{builder.EXPLORER_NOTE_CLASS}")
        picture = note.locator("xpath=ancestor::div[contains(@class,'output')][1]/preceding-sibling::*[1]/descendant-or-self::img")
        picture.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "05_explorer.png"))
        for image in (first_figure, picture):
            shown = image.bounding_box()
            # the whole picture fits the page's width at 1366 px, and it is drawn at a readable size
            assert shown["x"] >= 0 and shown["x"] + shown["width"] <= LAPTOP["width"], shown
            assert shown["width"] >= 400, shown
        assert not visit.problems, visit.problems
    finally:
        visit.close()
