"""The built HTML book in a real browser: offline, no console errors, math rendered, sliders alive.

Runs over ``_build/html`` (``make book`` first) with headless Chromium; every
request to a host other than the local test server is blocked and fails the test.
"""
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SKIPPED_DIRS = {"_static", "_sources", "_images"}
SKIPPED_PAGES = {"genindex.html", "search.html"}



def book_pages():
    """Every page of the book: the .html files of _build/html outside _static, _sources, genindex, search."""
    pages = []
    for path in sorted(HTML.rglob("*.html")):
        relative = path.relative_to(HTML)
        if relative.parts[0] in SKIPPED_DIRS or relative.name in SKIPPED_PAGES:
            continue
        pages.append(relative.as_posix())
    return pages


# Pages whose notebook still shows TeX as text, with what breaks it (its owner fixes the notebook).
RAW_TEX_PENDING = {}

PAGES = book_pages()
TEXT = {page: (HTML / page).read_text(encoding="utf-8") for page in PAGES}
MATH_PAGES = [p for p in PAGES if re.search(r'class="math[ "]', TEXT[p])]
FIGURE_PAGES = [p for p in PAGES if 'class="rnnfig ' in TEXT[p]]


def test_every_toc_entry_was_built():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [toc["root"]] + re.findall(r"file: (\S+)", (ROOT / "_toc.yml").read_text())
    missing = [e for e in entries if f"{e}.html" not in PAGES]
    assert not missing, f"_toc.yml entries without a page in _build/html (rebuild with `make book`): {missing}"


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_offline_without_errors(visit, page):
    record = visit(page)
    assert record.page.title(), f"{page} has no title"
    assert not record.problems(), f"{page}:\n" + "\n".join(record.problems())


@pytest.mark.parametrize("page", MATH_PAGES)
def test_math_is_rendered_by_the_local_mathjax(visit, page):
    record = visit(page)
    page_ = record.page
    page_.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=15000)
    page_.evaluate("() => MathJax.startup.promise.then(() => true)")
    counts = page_.evaluate("""() => ({
        math: document.querySelectorAll('.math').length,
        typeset: document.querySelectorAll('.math mjx-container, mjx-container.MathJax').length,
        unrendered: Array.from(document.querySelectorAll('.math')).filter(m => !m.querySelector('mjx-container')).length,
        errors: document.querySelectorAll('mjx-merror').length,
    })""")
    prose = page_.evaluate("""() => {
        const main = document.querySelector('main') || document.body;
        const copy = main.cloneNode(true);
        copy.querySelectorAll('pre, code, script, style, mjx-container').forEach(e => e.remove());
        return copy.textContent;
    }""")
    assert counts["math"] and counts["typeset"] >= counts["math"], f"{page}: {counts}"
    assert counts["unrendered"] == 0 and counts["errors"] == 0, f"{page}: {counts}"
    for raw in ("$$", "\\(", "\\["):
        assert raw not in prose, f"{page}: raw {raw!r} visible in the text"
    # A TeX command shown as text: a `$...$` that Markdown broke (e.g. a line inside it starting with "- ")
    tex = sorted(set(re.findall(r"\\(?:partial|sum|frac|left|right|mathrm|top|cdot|sqrt|tanh|odot)\b", prose)))
    if tex and page in RAW_TEX_PENDING:
        pytest.xfail(f"{page}: {RAW_TEX_PENDING[page]} ({tex})")
    assert not tex, f"{page}: TeX shown as text: {tex}"
    assert not record.problems(), f"{page}:\n" + "\n".join(record.problems())


@pytest.mark.parametrize("page", FIGURE_PAGES)
def test_the_book_never_says_to_run_a_cell(page):
    # The figures' HTML face starts with "Run this cell ..." for Jupyter; _ext/book_html.py drops
    # that line from the pages, so it shows neither with nor without JavaScript.
    assert 'class="rnnfig-kernel-hint"' not in TEXT[page], f"{page}: the Jupyter-only line is in the page"


@pytest.mark.parametrize("page", FIGURE_PAGES)
def test_captions_wrap_on_a_phone(visit, page):
    record = visit(page)
    record.page.set_viewport_size({"width": 390, "height": 844})
    record.page.wait_for_timeout(300)
    cut = record.page.evaluate("""() => Array.from(document.querySelectorAll('.rnnfig-caption')).filter(c => {
        const style = getComputedStyle(c), rect = c.getBoundingClientRect();
        return c.scrollWidth > c.clientWidth + 1 || style.whiteSpace === 'nowrap' || rect.right > window.innerWidth + 1;
    }).map(c => c.textContent.slice(0, 60))""")
    assert not cut, f"{page}: captions cut or wider than a 390 px screen: {cut}"


def figure_state(figure):
    return figure.evaluate("""root => ({
        src: root.querySelector('img.rnnfig-frame').src,
        caption: root.querySelector('.rnnfig-caption').textContent,
        values: Array.from(root.querySelectorAll('output.rnnfig-value')).map(o => o.textContent),
        positions: Array.from(root.querySelectorAll('.rnnfig-input')).map(i => i.value),
        loaded: Array.from(root.querySelectorAll('img.rnnfig-frame')).every(i => i.complete && i.naturalWidth > 0),
    })""")


def move(slider, value):
    slider.evaluate("(input, v) => { input.value = v; input.dispatchEvent("
                    "new Event(input.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true})); }", str(value))


def last_position(control):
    """The highest position of a range input or a dropdown, as text."""
    return control.evaluate("c => String(c.tagName === 'SELECT' ? c.options.length - 1 : c.max)")


@pytest.mark.parametrize("page", FIGURE_PAGES)
def test_sliders_change_the_frame_and_the_value(visit, page):
    record = visit(page)
    figures = record.page.locator("div.rnnfig")
    assert figures.count() > 0
    for f in range(figures.count()):
        figure = figures.nth(f)
        figure.scroll_into_view_if_needed()
        name = figure.get_attribute("data-rnnfig")
        mode = figure.get_attribute("data-mode")
        defaults = figure_state(figure)["positions"]
        sliders = figure.locator(".rnnfig-input")
        joint = json.loads(figure.evaluate("root => root.querySelector('script.rnnfig-data').textContent"))["joint"]
        assert figure_state(figure)["loaded"], f"{name}: the first frame does not show"
        assert figure.locator(".rnnfig-kernel-hint").count() == 0, f"{name}: the Jupyter-only line shows"

        # Keyboard: the first slider, End (or Home when it already sits at the end).
        first = sliders.nth(0)
        before = figure_state(figure)
        first.focus()
        at_end = before["positions"][0] == last_position(first)
        if first.evaluate("c => c.tagName") == "SELECT":
            record.page.keyboard.press("ArrowUp" if at_end else "ArrowDown")
        else:
            record.page.keyboard.press("Home" if at_end else "End")
        after = figure_state(figure)
        assert after["src"] != before["src"], f"{name}: the keyboard moved slider 1 but the frame did not change"
        assert after["values"][0] != before["values"][0], f"{name}: slider 1's displayed value did not change"

        # Every slider, set and announced with an input event, to the other end of its range.
        for i in range(sliders.count()):
            slider = sliders.nth(i)
            before = figure_state(figure)
            target = "0" if before["positions"][i] == last_position(slider) else last_position(slider)
            move(slider, target)
            record.page.wait_for_function(
                "root => { const i = root.querySelector('img.rnnfig-frame'); return i.complete && i.naturalWidth > 0; }",
                arg=figure.element_handle())
            after = figure_state(figure)
            label = f"{name}, slider {i + 1} to position {target}"
            assert after["positions"][i] == target
            assert after["src"] != before["src"], f"{label}: the frame did not change"
            assert after["values"][i] != before["values"][i], f"{label}: the displayed value did not change"
            assert after["caption"], f"{label}: no caption"
            if mode == "one-at-a-time":
                # the others return to their defaults, except those a things-to-try item moves with it
                others = [k for k in range(len(defaults)) if k != i and not any(i in g and k in g for g in joint)]
                assert [after["positions"][k] for k in others] == [defaults[k] for k in others], (
                    f"{label}: the other sliders did not return to their defaults")
    assert not record.problems(), f"{page}:\n" + "\n".join(record.problems())
