"""Solutions (the folded ``{solution}`` boxes) as a reader opens them, at 390 px and 1280 px.

* a click anywhere on a solution's title opens it (the address does not change,
  nothing is thrown) and a second click closes it; Enter and Space on its
  button do the same, and the button says which solution it opens;
* a page loaded at a solution's anchor (``page.html#<solution-id>``), a link to
  it and a change of the address's ``#`` part open that solution;
* in an open solution every code cell and output either fits its box or
  scrolls in it with the edge shadow that tells the reader it scrolls
  (``_static/book.css``); at 1280 px the box has room for an 80-character line
  (the book's limit for code and output lines).

``_static/book.js`` does the opening (sphinx-togglebutton folds the boxes).
"""
from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
CHAPTER = "book/04_lstm.html"
WIDTHS = (390, 1280)
PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.glob("book/*.html")
               if 'class="solution dropdown' in p.read_text(encoding="utf-8"))

STATE = """id => {
    const box = document.getElementById(id);
    const button = box.querySelector(':scope > .admonition-title .toggle-button');
    const body = box.querySelector(':scope > .admonition-title ~ *');
    const r = box.getBoundingClientRect();
    return {open: !box.classList.contains('toggle-hidden'), expanded: button.getAttribute('aria-expanded'),
            label: button.getAttribute('aria-label'), shown: getComputedStyle(body).visibility === 'visible'
            && body.getBoundingClientRect().height > 0, top: r.top, bottom: r.bottom, height: innerHeight};
}"""

# Every code/output box of the open solutions: does it fit, does it scroll with the cue, room for 80 columns.
BOXES = """() => Array.from(document.querySelectorAll('.solution pre')).map(pre => {
    const style = getComputedStyle(pre);
    const probe = document.createElement('span');
    probe.textContent = '0'.repeat(80);
    probe.style.cssText = 'position:absolute;visibility:hidden;white-space:pre';
    pre.appendChild(probe);
    const columns80 = probe.getBoundingClientRect().width;
    probe.remove();
    return {solution: pre.closest('.solution').id, fits: pre.scrollWidth <= pre.clientWidth + 1,
            scrolls: ['auto', 'scroll'].includes(style.overflowX),
            cue: style.backgroundAttachment.includes('local') && style.backgroundImage.includes('gradient'),
            room: pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
            columns80, visible: style.visibility === 'visible' && pre.getBoundingClientRect().height > 0,
            first: pre.textContent.split('\\n')[0].slice(0, 60)};
})"""


def _open(visit, path, width, anchor=""):
    record = visit(path)
    record.page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
    if anchor:  # loaded at the anchor, as from a link on another page or a bookmark
        url = f"{record.page.url.split('#')[0]}#{anchor}"
        record.page.goto("about:blank")
        record.page.goto(url, wait_until="load")
        record.page.wait_for_load_state("networkidle")
    return record


def _solutions(page):
    return page.eval_on_selector_all(".solution.dropdown", "boxes => boxes.map(b => b.id)")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_click_anywhere_on_the_title_opens_and_closes_the_solution(visit, width):
    record = _open(visit, CHAPTER, width)
    page = record.page
    first = _solutions(page)[0]
    box = page.locator(f"[id='{first}']")
    title = box.locator(":scope > .admonition-title")
    address = page.url
    assert not page.evaluate(STATE, first)["open"], "a solution starts folded"
    # The words that used to be a link to the exercise, then the bare title text at its left.
    title.locator("a, .book-title-ref").first.click()
    state = page.evaluate(STATE, first)
    assert state["open"] and state["shown"] and state["expanded"] == "true", f"{first} at {width} px: {state}"
    assert page.url == address, f"the click changed the address to {page.url}"
    title.click(position={"x": 8, "y": 8})
    assert not page.evaluate(STATE, first)["open"], f"a second click did not close {first}"
    title.click(position={"x": 8, "y": 8})
    assert page.evaluate(STATE, first)["open"], f"a click on the title's edge did not open {first}"
    assert not record.problems(), "\n".join(record.problems())


@pytest.mark.parametrize("width", WIDTHS)
def test_the_keyboard_opens_and_closes_a_solution(visit, width):
    record = _open(visit, CHAPTER, width)
    page = record.page
    first = _solutions(page)[0]
    button = page.locator(f"[id='{first}'] > .admonition-title .toggle-button")
    state = page.evaluate(STATE, first)
    assert state["label"].startswith("Solution to Exercise"), f"the button is named {state['label']!r}"
    button.focus()
    page.keyboard.press("Enter")
    state = page.evaluate(STATE, first)
    assert state["open"] and state["expanded"] == "true", f"Enter: {state}"
    page.keyboard.press("Space")
    state = page.evaluate(STATE, first)
    assert not state["open"] and state["expanded"] == "false", f"Space: {state}"
    assert not record.problems(), "\n".join(record.problems())


@pytest.mark.parametrize("width", WIDTHS)
def test_a_solution_opens_at_its_anchor(visit, width):
    record = visit(CHAPTER)
    solutions = _solutions(record.page)
    assert len(solutions) >= 3, f"{CHAPTER} has {len(solutions)} solutions"
    target = solutions[1]
    record = _open(visit, CHAPTER, width, anchor=target)
    page = record.page
    page.wait_for_timeout(800)  # the theme scrolls smoothly
    state = page.evaluate(STATE, target)
    assert state["open"] and state["shown"], f"loaded at #{target}: {state}"
    assert 0 <= state["top"] < state["height"], f"#{target} is not on screen: {state}"
    others = [s for s in solutions if s != target]
    assert not any(page.evaluate(STATE, s)["open"] for s in others), "another solution opened too"

    # Changing the address's # part, then following a link on the page, open theirs.
    page.evaluate("id => { location.hash = id; }", others[0])
    page.wait_for_function("id => !document.getElementById(id).classList.contains('toggle-hidden')", arg=others[0],
                           timeout=3000)
    page.evaluate("""id => { const a = document.createElement('a'); a.href = '#' + id; a.id = 'test-link';
                              a.textContent = 'see the solution'; document.querySelector('main p').append(a); }""",
                  others[1])
    page.locator("#test-link").click()
    state = page.evaluate(STATE, others[1])
    assert state["open"] and state["shown"], f"a link to #{others[1]}: {state}"
    assert not record.problems(), "\n".join(record.problems())


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_code_and_output_in_an_open_solution_fit_or_scroll_with_a_cue(visit, path, width):
    record = _open(visit, path, width)
    page = record.page
    for box in _solutions(page):
        page.locator(f"[id='{box}'] > .admonition-title .toggle-button").click()
    boxes = page.evaluate(BOXES)
    assert boxes, f"{path}: no code in its solutions"
    hidden = [b for b in boxes if not b["visible"]]
    assert not hidden, f"{path} at {width} px, not shown in an open solution: {hidden}"
    cut = [b for b in boxes if not b["fits"] and not (b["scrolls"] and b["cue"])]
    assert not cut, f"{path} at {width} px, cut off with no scroll cue: {cut}"
    if width >= 1280:
        narrow = [b for b in boxes if b["room"] + 0.5 < b["columns80"]]
        assert not narrow, f"{path} at {width} px, less room than 80 columns: {narrow}"
    assert not record.problems(), "\n".join(record.problems())
