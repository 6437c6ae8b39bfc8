"""The course in a real browser: `make lab` on localhost, Debian's Chromium driven by Playwright.

Run with ``make test-browser`` (it installs Playwright's Python package and Debian's chromium;
Playwright never downloads a browser here). JupyterLab is started the way a student starts it,
``make lab LAB_ARGS="--no-browser --port N --IdentityProvider.token=T ..."`` (see tests/_lab.py),
and the tests check that

- the start page is the first lesson and no news or update question pops up;
- every explorer redraws when one of its sliders moves (a notebook displaying each explorer);
- a wrong answer in ``exercises/02_convolution_arithmetic.ipynb`` gets ❌ and a hint from
  ``check()``;

and that the browser console shows no errors. Screenshots go to build/browser/. Notebooks are
never saved: autosave is off in the test's own user settings.
"""

import secrets
import shutil
import time
from pathlib import Path

import pytest

from _lab import ROOT, make_lab

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "build" / "browser"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
FIRST_LESSON = "notebooks/00_start_here.ipynb"
EXERCISES = "exercises/02_convolution_arithmetic.ipynb"
# css class of each explorer (set by course_lib.widgets) and the call that displays it
EXPLORERS = {
    "course-conv-explorer": "conv_explorer()",
    "course-transposed-explorer": "transposed_explorer()",
    "course-sampling-explorer": "sampling_explorer()",
    "course-checkerboard-explorer": "checkerboard_explorer()",
}


def _notebook(path: Path) -> None:
    import nbformat

    cells = [nbformat.v4.new_code_cell("from course_lib import widgets")]
    cells += [nbformat.v4.new_code_cell(f"# NBVAL_IGNORE_OUTPUT\nwidgets.{call}") for call in EXPLORERS.values()]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab` with the app exposed to the page (window.jupyterapp) and autosave off."""
    exercises = (ROOT / EXERCISES).read_bytes()
    with make_lab(tmp_path_factory.mktemp("lab"), "--LabApp.expose_app_in_browser=True") as running:
        # the tests edit cells of a committed notebook: never let JupyterLab write it back
        status, _ = running.send_json("PUT", "/lab/api/settings/@jupyterlab/docmanager-extension:plugin",
                                      {"raw": '{"autosave": false}'})
        assert status == 204, status
        yield running
    assert (ROOT / EXERCISES).read_bytes() == exercises, f"{EXERCISES} changed on disk during the browser tests"


@pytest.fixture()
def page(tmp_path):
    """A fresh headless Chromium page; yields (page, problems) where problems collects console errors."""
    from playwright.sync_api import sync_playwright  # `make test-browser` installs it

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed (make test-browser installs it with apt)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1500, "height": 1100},
        )
        try:
            new_page = context.new_page()
            new_page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
                        if message.type == "error" else None)
            new_page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            yield new_page, problems
        finally:
            context.close()


def _wait_until(predicate, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(message)


def _wait_for_notebook(page, path):
    """Wait until ``path`` is the current notebook and its kernel is connected and idle."""
    page.wait_for_function(
        "path => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.context"
        " && window.jupyterapp.shell.currentWidget.context.path === path", arg=path, timeout=90_000)
    # run cells only once the notebook's kernel is connected and idle: earlier, the run would be
    # lost (JupyterLab would ask which kernel to start)
    page.evaluate("""async () => {
        const panel = window.jupyterapp.shell.currentWidget;
        await panel.context.ready;
        await panel.sessionContext.ready;
    }""")
    page.wait_for_function("""() => {
        const session = window.jupyterapp.shell.currentWidget.sessionContext.session;
        const kernel = session && session.kernel;
        return kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
    }""", timeout=90_000)


def _open_notebook(page, lab, path, workspace):
    # a workspace of its own, so no test reopens the notebooks (maybe deleted) of another
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{path}?token={lab.token}")
    _wait_for_notebook(page, path)


def _screenshot_on_failure(page, name):
    try:
        page.screenshot(path=str(SCREENSHOTS / f"failure-{name}.png"), full_page=True)
    except Exception as error:  # a failed screenshot must not hide the test's own failure
        print(f"no failure screenshot: {error}")


def test_start_page_is_the_first_lesson_without_news(lab, page):
    page, problems = page
    page.goto(f"{lab.url}/?token={lab.token}")
    try:
        _wait_for_notebook(page, FIRST_LESSON)
        # JupyterLab asks about news a moment after start when nothing overrides fetchNews
        time.sleep(5)
        page.screenshot(path=str(SCREENSHOTS / "start.png"))
        popups = page.evaluate("""() => Array.from(document.querySelectorAll(
                '.Toastify__toast, .jp-toast-message, .jp-Dialog')).map(node => node.innerText)""")
        assert not popups, f"something pops up on start: {popups}"
    except Exception:
        _screenshot_on_failure(page, "start")
        raise
    assert not problems, "browser console:\n" + "\n".join(problems) + f"\n(server log: {lab.log})"


def test_every_explorer_redraws_in_the_browser(lab, page):
    page, problems = page
    # the notebook must lie under the served repository root; build/ is not committed
    notebook = SCREENSHOTS / f"explorers-{secrets.token_hex(4)}.ipynb"
    _notebook(notebook)
    try:
        _open_notebook(page, lab, notebook.relative_to(ROOT).as_posix(), "explorers")
        # not awaited: the command's promise lasts as long as the run
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        shown = " && ".join(f"(document.querySelector('.{css} img') || {{}}).naturalWidth > 0" for css in EXPLORERS)
        page.wait_for_function(f"() => {shown}", timeout=180_000)
        page.screenshot(path=str(SCREENSHOTS / "notebook.png"), full_page=True)
        for css_class in EXPLORERS:
            name = css_class.removeprefix("course-").removesuffix("-explorer")
            explorer = page.locator(f".{css_class}")
            image = explorer.locator("img").first
            image.scroll_into_view_if_needed()
            before = image.screenshot(path=str(SCREENSHOTS / f"{name}-before.png"))
            source = image.get_attribute("src")
            handle = explorer.locator(".widget-slider .noUi-handle").first
            handle.focus()
            page.keyboard.press("ArrowRight")
            _wait_until(lambda: image.get_attribute("src") != source, 30,
                        f"{name}: the image did not change after moving a slider")
            page.wait_for_function(
                f"(() => {{ const img = document.querySelector('.{css_class} img');"
                f" return img.complete && img.naturalWidth > 0; }})()", timeout=30_000)
            after = image.screenshot(path=str(SCREENSHOTS / f"{name}-after.png"))
            assert after != before, f"{name}: the rendered image looks the same after the slider moved"
        page.screenshot(path=str(SCREENSHOTS / "notebook-after.png"), full_page=True)
    except Exception:
        _screenshot_on_failure(page, "explorers")
        raise
    finally:
        notebook.unlink(missing_ok=True)
    assert not problems, "browser console:\n" + "\n".join(problems) + f"\n(server log: {lab.log})"


# Finds the cells a student runs for ex02.2 by their text, so the test follows the notebook when
# cells are added before them.
_EX02_2_CELLS = """() => {
    const sources = window.jupyterapp.shell.currentWidget.content.widgets
        .map(cell => cell.model.sharedModel.getSource());
    const find = test => sources.findIndex(test);
    return {
        imports: find(s => s.includes('from course_lib.grading import check')),
        parameters: find(s => s.startsWith('# PARAMETERS') && /\\bi2\\b/.test(s)),
        answer: find(s => s.startsWith('# ex02.2')),
        check: find(s => s.trim() === 'check("ex02.2")'),
    };
}"""

_RUN_CELL = """async index => {
    const app = window.jupyterapp;
    app.shell.currentWidget.content.activeCellIndex = index;
    await app.commands.execute('notebook:run-cell');
}"""


def _cell(page, index):
    """The current notebook's cell ``index``, scrolled into view (a windowed notebook renders only
    the cells near the view; other open notebooks have cells of their own in the page)."""
    panel_id = page.evaluate("""async index => {
        const panel = window.jupyterapp.shell.currentWidget;
        panel.content.activeCellIndex = index;
        await panel.content.scrollToItem(index, 'center');
        return panel.id;
    }""", index)
    cell = page.locator(f'[id="{panel_id}"] .jp-Cell[data-windowed-list-index="{index}"]')
    cell.wait_for(state="visible", timeout=30_000)
    return cell


def test_a_wrong_answer_gets_a_cross_and_a_hint(lab, page):
    page, problems = page
    answer = "o2 = i2 - k2 + 1"  # leaves out the padding: Relationship 2 has + 2p
    try:
        _open_notebook(page, lab, EXERCISES, "ex02-2")
        cells = page.evaluate(_EX02_2_CELLS)
        assert min(cells.values()) >= 0, f"ex02.2's cells not found in {EXERCISES}: {cells}"
        answer_cell = _cell(page, cells["answer"])
        answer_cell.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.type(f"# ex02.2\n{answer}")
        typed = page.evaluate("index => window.jupyterapp.shell.currentWidget.content.widgets[index]"
                              ".model.sharedModel.getSource()", cells["answer"])
        assert typed.strip().splitlines() == ["# ex02.2", answer], typed
        for name in ("imports", "parameters", "answer", "check"):
            page.evaluate(_RUN_CELL, cells[name])
        output = _cell(page, cells["check"]).locator(".jp-OutputArea")
        _wait_until(lambda: any(mark in output.inner_text() for mark in "✅❌⏳"), 60,
                    'check("ex02.2") printed no verdict')
        output.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "ex02.2-wrong-answer.png"))
        verdict = output.inner_text()
        assert "❌" in verdict, f"{answer!r} is wrong but check() said: {verdict}"
        assert "padding" in verdict.lower(), f"the hint does not mention the padding: {verdict}"
    except Exception:
        _screenshot_on_failure(page, "ex02.2")
        raise
    assert not problems, "browser console:\n" + "\n".join(problems) + f"\n(server log: {lab.log})"
