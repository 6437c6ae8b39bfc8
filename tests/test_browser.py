"""The course in a real browser: `make lab` on localhost, Debian's Chromium driven by Playwright.

Run with ``make test-browser`` (it installs Playwright's Python package and Debian's chromium;
Playwright never downloads a browser here). JupyterLab is started the way a student starts it,
``make lab LAB_ARGS="--no-browser --port N --IdentityProvider.token=T ..."`` (see tests/_lab.py),
and the tests check that

- the start page is the first lesson and no news or update question pops up;
- every explorer redraws when one of its sliders moves (a notebook displaying each explorer);
- a wrong answer in ``exercises/02_convolution_arithmetic.ipynb`` gets "Not right yet" and a hint
  from ``check()``;
- lessons 00 and 05, opened on a 1366 × 768 screen with the file browser open, show no Python repr
  (each explorer shows a picture until its cell runs); once run, every explorer's sliders and
  readout fit on the screen together, no slider description is cut off, and a verdict of
  ``check()`` reads as a word (Debian's Chromium has no emoji font: ✅ ❌ would be empty boxes);

and that the browser console shows no errors. Screenshots go to build/browser/. Notebooks are
never saved: autosave is off in the test's own user settings.
"""

import json
import re
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
LESSONS = ("notebooks/00_start_here.ipynb", "notebooks/05_transposed_convolution.ipynb")
LAPTOP = {"width": 1366, "height": 768}
# check()'s verdicts start with one of these words (course_lib.grading.checking)
VERDICT_WORDS = ("Right", "Not right yet", "Not attempted", "Cannot judge here", "Form checked", "Unknown question")
# a Python repr: `Name(field=…` / `Name(children=…` (dataclasses, widgets) or `<… object at 0x…>`
PYTHON_REPR = re.compile(r"\b[A-Za-z_]\w*\((\w+=|children=)|<[^>]* object at 0x[0-9a-fA-F]+>")
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
    committed = {path: (ROOT / path).read_bytes() for path in (EXERCISES, *LESSONS)}
    with make_lab(tmp_path_factory.mktemp("lab"), "--LabApp.expose_app_in_browser=True") as running:
        # the tests edit cells of a committed notebook: never let JupyterLab write it back
        status, _ = running.send_json("PUT", "/lab/api/settings/@jupyterlab/docmanager-extension:plugin",
                                      {"raw": '{"autosave": false}'})
        assert status == 204, status
        yield running
    for path, content in committed.items():
        assert (ROOT / path).read_bytes() == content, f"{path} changed on disk during the browser tests"


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
        _wait_until(lambda: any(word in output.inner_text() for word in VERDICT_WORDS), 60,
                    'check("ex02.2") printed no verdict')
        output.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "ex02.2-wrong-answer.png"))
        verdict = output.inner_text()
        assert "Not right yet" in verdict, f"{answer!r} is wrong but check() said: {verdict}"
        assert "padding" in verdict.lower(), f"the hint does not mention the padding: {verdict}"
    except Exception:
        _screenshot_on_failure(page, "ex02.2")
        raise
    assert not problems, "browser console:\n" + "\n".join(problems) + f"\n(server log: {lab.log})"



# What each output of the current notebook shows (the mime type JupyterLab picks: a committed
# notebook opened for the first time is not trusted, so only "safe" types render) and its text.
_SHOWN_OUTPUTS = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const rendermime = panel.content.rendermime;
    const shown = [];
    panel.content.widgets.forEach((cell, index) => {
        if (cell.model.type !== 'code') return;
        const source = cell.model.sharedModel.getSource();
        const outputs = cell.model.outputs;
        for (let j = 0; j < outputs.length; j++) {
            const output = outputs.get(j);
            const mime = rendermime.preferredMimeType(output.data, output.trusted ? 'any' : 'ensure');
            const value = mime ? output.data[mime] : '';
            shown.push({index, source: source.slice(0, 80), mime: mime || '(nothing)', trusted: output.trusted,
                        text: typeof value === 'string' ? value : (Array.isArray(value) ? value.join('') : '')});
        }
    });
    return shown;
}"""

# Bounding boxes of an explorer's parts, once the explorer's top is scrolled to the notebook's top.
_EXPLORER_BOXES = """explorer => {
    explorer.scrollIntoView({block: 'start'});
    const box = node => { const r = node.getBoundingClientRect();
                          return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
    const scroller = explorer.closest('.jp-WindowedPanel-outer') || explorer.closest('.jp-Notebook');
    const controls = Array.from(explorer.querySelectorAll('.widget-slider, .widget-checkbox, .widget-play,'
                                                          + ' .widget-dropdown, .widget-text'));
    const image = explorer.querySelector('img');
    const clipped = Array.from(explorer.querySelectorAll('.widget-label'))
        .filter(label => label.scrollWidth > label.clientWidth + 1).map(label => label.textContent);
    return {
        notebook: box(scroller), controls: controls.map(box), readout: box(explorer.lastElementChild),
        image: box(image), scale: image.getBoundingClientRect().width / image.naturalWidth, clipped,
        viewport: {width: window.innerWidth, height: window.innerHeight},
    };
}"""


# The answer cell of a check(...) cell: the nearest cell before it with a line `name = ...`, whose
# `...` becomes 0 (null when the lesson has no such cell); returns its index and new source.
_TYPE_AN_ANSWER = """checkIndex => {
    const cells = window.jupyterapp.shell.currentWidget.content.widgets;
    for (let index = checkIndex - 1; index >= 0; index--) {
        const source = cells[index].model.sharedModel.getSource();
        if (/^\\w+\\s*=\\s*\\.\\.\\.\\s*(#.*)?$/m.test(source)) {
            const typed = source.replace(/^(\\w+\\s*=\\s*)\\.\\.\\.(\\s*(#.*)?)$/m, (line, name, rest) => name + '0' + rest);
            cells[index].model.sharedModel.setSource(typed);  // as if typed (the editor would auto-close brackets)
            return {index, source: typed};
        }
    }
    return null;
}"""


def _inside(box, frame):
    return (box["top"] >= frame["top"] - 0.5 and box["bottom"] <= frame["bottom"] + 0.5
            and box["left"] >= frame["left"] - 0.5 and box["right"] <= frame["right"] + 0.5)


def _expand_file_browser(page):
    page.evaluate("""() => { const app = window.jupyterapp;
        app.shell.activateById('filebrowser'); app.shell.expandLeft(); }""")
    page.wait_for_function("() => !window.jupyterapp.shell.leftCollapsed"
                           " && document.querySelector('#filebrowser').getBoundingClientRect().width > 150")


def _run_all_and_wait(page, explorer_count, timeout=180):
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function("""() => {
        const panel = window.jupyterapp.shell.currentWidget;
        const kernel = panel.sessionContext.session.kernel;
        return kernel.status === 'idle' && panel.content.widgets.every(cell => cell.model.type !== 'code'
            || cell.model.sharedModel.getSource().trim() === '' || cell.model.executionCount !== null);
    }""", timeout=timeout * 1000)


@pytest.mark.parametrize("path", LESSONS)
def test_a_lesson_on_a_laptop_screen_shows_pictures_fits_its_explorers_and_words_its_verdicts(lab, page, path):
    page, problems = page
    page.set_viewport_size(LAPTOP)
    stem = Path(path).stem
    try:
        _open_notebook(page, lab, path, f"laptop-{stem[:2]}")
        _expand_file_browser(page)
        time.sleep(3)  # the outputs render
        page.screenshot(path=str(SCREENSHOTS / f"{stem}-opened.png"))
        shown = page.evaluate(_SHOWN_OUTPUTS)
        reprs = [f"cell {o['index']} ({o['source']!r}) shows {o['mime']}: {o['text'][:120]!r}"
                 for o in shown if o["mime"].startswith(("text/", "application/vnd.jupyter.std"))
                 and PYTHON_REPR.search(o["text"])]
        assert not reprs, "Python reprs on opening:\n" + "\n".join(reprs)
        explorer_cells = sorted({o["index"] for o in shown if re.search(r"\w+_explorer\(", o["source"])})
        not_pictures = [o for o in shown if o["index"] in explorer_cells
                        and o["mime"] not in ("image/png", "application/vnd.jupyter.widget-view+json")]
        assert not not_pictures, f"explorers shown without a picture on opening: {not_pictures}"
        if explorer_cells:  # the first explorer as a student sees it before running anything
            _cell(page, explorer_cells[0]).screenshot(path=str(SCREENSHOTS / f"{stem}-explorer-unrun.png"))

        _run_all_and_wait(page, len(explorer_cells))
        for index in explorer_cells:
            cell = _cell(page, index)
            explorer = cell.locator(".course-explorer")
            explorer.wait_for(state="attached", timeout=60_000)
            page.wait_for_function("node => { const img = node.querySelector('img');"
                                   " return img && img.complete && img.naturalWidth > 0; }",
                                   arg=explorer.element_handle(), timeout=60_000)
            boxes = explorer.evaluate(_EXPLORER_BOXES)
            time.sleep(0.3)
            page.screenshot(path=str(SCREENSHOTS / f"{stem}-explorer-cell{index}.png"))
            parts = boxes["controls"] + [boxes["readout"], boxes["image"]]
            measured = {"height_px": max(b["bottom"] for b in parts) - min(b["top"] for b in parts),
                        "image_scale": boxes["scale"], "visible_notebook_px": boxes["notebook"]["bottom"] - boxes["notebook"]["top"]}
            (SCREENSHOTS / f"{stem}-explorer-cell{index}.json").write_text(json.dumps(measured, indent=1))
            screen = {"top": 0, "left": 0, "bottom": boxes["viewport"]["height"], "right": boxes["viewport"]["width"]}
            frame = {key: (max if key in ("top", "left") else min)(boxes["notebook"][key], screen[key])
                     for key in screen}
            outside = [box for box in boxes["controls"] + [boxes["readout"]] if not _inside(box, frame)]
            assert not outside, (f"{path} cell {index}: controls or readout outside the visible notebook "
                                 f"{frame}: {outside}")
            assert 0.99 < boxes["scale"] < 1.01, (f"{path} cell {index}: the explorer's picture is shown scaled "
                                                  f"by {boxes['scale']:.2f}: its text is no longer the size drawn")
            assert not boxes["clipped"], f"{path} cell {index}: slider descriptions cut off: {boxes['clipped']}"
            if explorer.evaluate("node => node.classList.contains('course-transposed-explorer')"):
                # the task's step (2): output_padding set by hand, so the readout says why panel 1's
                # i differs from the slider's; it must still fit
                explorer.get_by_text("output_padding = a", exact=True).click()
                handle = explorer.locator(".widget-slider", has_text="output_padding").locator(".noUi-handle")
                _wait_until(lambda: handle.evaluate("node => !node.closest('[disabled]')"), 30,
                            f"{path} cell {index}: the output_padding slider stays disabled")
                handle.focus()
                page.keyboard.press("ArrowRight")
                readout = explorer.locator(".widget-html").last
                _wait_until(lambda: "Why i =" in readout.inner_text(), 30,
                            f"{path} cell {index}: output_padding 1 by hand, and the readout does not say why")
                boxes = explorer.evaluate(_EXPLORER_BOXES)
                page.screenshot(path=str(SCREENSHOTS / f"{stem}-explorer-cell{index}-output-padding.png"))
                outside = [box for box in boxes["controls"] + [boxes["readout"]] if not _inside(box, frame)]
                assert not outside, (f"{path} cell {index} with output_padding 1: controls or readout outside "
                                     f"the visible notebook {frame}: {outside}")

        # a verdict, in words: the first check-yourself question, answered wrongly
        verdicts = [o for o in shown if re.fullmatch(r'check\("l\d\d\.\d+"\)', o["source"].strip())]
        assert verdicts, f"{path}: no check(...) cell"
        check_index = verdicts[0]["index"]
        answered = page.evaluate(_TYPE_AN_ANSWER, check_index)
        if answered is not None:  # the answer cell's `...` became 0: run it and the check
            for index in (answered["index"], check_index):
                page.evaluate(_RUN_CELL, index)
        output = _cell(page, check_index).locator(".jp-OutputArea")
        _wait_until(lambda: any(word in output.inner_text() for word in VERDICT_WORDS), 60,
                    f"{path} cell {check_index}: check() showed no verdict word: {output.inner_text()!r}")
        text = output.inner_text()
        word = next(word for word in VERDICT_WORDS if word in text)
        shown_word = output.get_by_text(word, exact=False).first
        assert shown_word.is_visible() and shown_word.bounding_box()["width"] > 20, (path, text)
        output.screenshot(path=str(SCREENSHOTS / f"{stem}-verdict.png"))
    except Exception:
        _screenshot_on_failure(page, f"laptop-{stem}")
        raise
    assert not problems, "browser console:\n" + "\n".join(problems) + f"\n(server log: {lab.log})"
