"""The interactive figures as a reader meets them in the built book (headless Chromium, offline).

* every "things to try" item a figure declares (``widgets.Try``, written into the
  figure's ``data-tries``) is performed with the page's own controls, one setting
  after the other as a reader would, and the phrase it promises must then be in
  the caption or the alt text;
* at a 390 px wide page the smallest text of every figure is at least 9 CSS px:
  computed from the smallest font size drawn (points), the figure's dpi (CSS px
  per inch) and the width the browser displays the frame at;
* every control is at least 24 px tall, choices are dropdowns, Reset returns every
  control and the frame to the default, Full screen covers the viewport and Escape
  leaves it.
"""
import itertools
import json
from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"

MIN_TEXT_PX = 9.0
PHONE = {"width": 390, "height": 844}
PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
               if p.relative_to(HTML).parts[0] not in {"_static", "_sources", "_images"})
FIGURE_PAGES = [p for p in PAGES if 'class="rnnfig ' in (HTML / p).read_text(encoding="utf-8")]
TRY_PAGES = [p for p in FIGURE_PAGES if "data-tries=\"[{" in (HTML / p).read_text(encoding="utf-8")]

STATE = """root => ({
    caption: root.querySelector('.rnnfig-caption').textContent,
    alt: root.querySelector('img.rnnfig-frame').alt,
    src: root.querySelector('img.rnnfig-frame').src,
    positions: Array.from(root.querySelectorAll('.rnnfig-input')).map(i => i.value),
})"""


def _data(figure):
    return json.loads(figure.evaluate("root => root.querySelector('script.rnnfig-data').textContent"))


def _set(figure, name, position):
    """Set the control ``name`` to ``position`` and announce it as the reader's input would."""
    figure.locator(f".rnnfig-input[name='{name}']").evaluate(
        "(el, v) => { el.value = v; el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input',"
        " {bubbles: true})); }", str(position))


def test_the_book_has_try_items():
    assert TRY_PAGES, "no page holds a figure with things-to-try items"


@pytest.mark.parametrize("page", TRY_PAGES)
def test_every_try_item_shows_its_phrase(visit, page):
    record = visit(page)
    figures = record.page.locator("div.rnnfig")
    checked = 0
    for f in range(figures.count()):
        figure = figures.nth(f)
        tries = json.loads(figure.get_attribute("data-tries") or "[]")
        if not tries:
            continue
        data = _data(figure)
        names = figure.evaluate("root => Array.from(root.querySelectorAll('.rnnfig-input')).map(i => i.name)")
        name = figure.get_attribute("data-rnnfig")
        for item in tries:
            settings = item["settings"]
            figure.locator("button.rnnfig-reset").click()
            for combo in itertools.product(*settings.values()):
                # one control after the other, in the order the item names them
                for control, value in zip(settings, combo):
                    i = names.index(control)
                    _set(figure, control, data["values"][i].index(value))
                state = figure.evaluate(STATE)
                wanted = [str(data["values"][names.index(c)].index(v)) for c, v in zip(settings, combo)]
                got = [state["positions"][names.index(c)] for c in settings]
                label = f"{name}: try {dict(zip(settings, combo))}"
                assert got == wanted, f"{label}: the controls did not stay where the item puts them ({got})"
                assert item["phrase"] in state["caption"] or item["phrase"] in state["alt"], (
                    f"{label}: expected {item['phrase']!r} in the caption, got {state['caption']!r}")
            checked += 1
    print(f"{page}: {checked} things-to-try items checked")
    assert checked
    assert not record.problems(), f"{page}:\n" + "\n".join(record.problems())


@pytest.mark.parametrize("page", FIGURE_PAGES)
def test_smallest_figure_text_on_a_phone(visit, page):
    record = visit(page)
    record.page.set_viewport_size(PHONE)
    figures = record.page.locator("div.rnnfig")
    sizes = []
    for f in range(figures.count()):
        figure = figures.nth(f)
        pt = float(figure.get_attribute("data-smallest-text-pt"))
        dpi = float(figure.get_attribute("data-dpi"))
        css_width = float(figure.get_attribute("data-css-width"))
        shown = figure.evaluate("root => root.querySelector('img.rnnfig-frame').getBoundingClientRect().width")
        px = pt * dpi / 72 * shown / css_width
        sizes.append((px, figure.get_attribute("data-rnnfig"), shown))
    smallest = min(sizes)
    print(f"{page}: smallest figure text {smallest[0]:.1f} CSS px ({smallest[1]}, frame shown {smallest[2]:.0f} px wide)")
    for px, name, shown in sizes:
        assert px >= MIN_TEXT_PX, f"{name}: smallest text {px:.1f} CSS px at 390 px (frame {shown:.0f} px wide)"
    # the page itself does not scroll sideways: a frame wider than the column scrolls in its own box,
    # whose edge with more to show fades out (book.js marks the edge, book.css fades it)
    assert record.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    record.page.wait_for_timeout(300)  # book.js re-measures the boxes after a resize
    for view in record.page.locator("div.rnnfig .rnnfig-view").all():
        if not view.evaluate("v => v.scrollWidth > v.clientWidth + 1"):
            continue
        name = view.evaluate("v => v.closest('.rnnfig').dataset.rnnfig")
        cue = "v => [v.dataset.bookMore || '', getComputedStyle(v).maskImage || getComputedStyle(v).webkitMaskImage]"
        side, mask = view.evaluate(cue)
        assert side == "right" and "gradient" in mask, f"{name}: a scrolling frame shows no cue ({side!r}, {mask!r})"
        view.evaluate("v => { v.scrollLeft = v.scrollWidth; }")
        record.page.wait_for_function("v => v.dataset.bookMore === 'left'", arg=view.element_handle(), timeout=2000)


@pytest.mark.parametrize("page", FIGURE_PAGES)
def test_controls_reset_and_full_screen(visit, page):
    record = visit(page)
    record.page.set_viewport_size(PHONE)
    figures = record.page.locator("div.rnnfig")
    for f in range(figures.count()):
        figure = figures.nth(f)
        name = figure.get_attribute("data-rnnfig")
        heights = figure.evaluate(
            "root => Array.from(root.querySelectorAll('.rnnfig-input, .rnnfig-buttons button'))"
            ".map(e => e.getBoundingClientRect().height)")
        assert min(heights) >= 24, f"{name}: a control is {min(heights):.0f} px tall (at least 24)"
        tags = figure.evaluate("root => Array.from(root.querySelectorAll('.rnnfig-input')).map(i => i.tagName)")
        data = _data(figure)
        for k, values in enumerate(data["values"]):
            if any(isinstance(v, str) for v in values):  # a choice among named options: a dropdown
                assert tags[k] == "SELECT", f"{name}: control {k + 1} picks among {values} but is a {tags[k]}"
        start = figure.evaluate(STATE)
        # move the last control to another position, then Reset
        last = len(start["positions"]) - 1
        input_name = figure.evaluate(f"root => root.querySelectorAll('.rnnfig-input')[{last}].name")
        _set(figure, input_name, 0 if start["positions"][last] != "0" else 1)
        assert figure.evaluate(STATE)["src"] != start["src"], f"{name}: moving {input_name} changed nothing"
        figure.locator("button.rnnfig-reset").click()
        assert figure.evaluate(STATE) == start, f"{name}: Reset did not return to the default frame"
        # full screen and back
        figure.locator("button.rnnfig-zoom").click()
        box = figure.evaluate("root => { const r = root.getBoundingClientRect(); return [r.width, r.height]; }")
        assert box[0] >= PHONE["width"] - 1 and box[1] >= PHONE["height"] - 1, f"{name}: full screen is {box}"
        # full screen never draws the frame narrower than on the page (its smallest text under 9 px)
        shown, readable = figure.evaluate("root => { const f = root.querySelector('img.rnnfig-frame');"
                                          " return [f.getBoundingClientRect().width, parseFloat(f.style.minWidth) || 0]; }")
        assert shown >= readable - 1, f"{name}: full screen draws the frame {shown:.0f} px wide, under {readable:.0f}"
        figure.locator("button.rnnfig-zoom").press("Escape")
        assert not figure.evaluate("root => root.classList.contains('rnnfig-full')"), f"{name}: Escape did not close"
    assert not record.problems(), f"{page}:\n" + "\n".join(record.problems())
