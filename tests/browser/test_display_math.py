"""Display equations fit a phone's column, and their numbers never cover them.

At 390 px (a phone) every display equation of every page, as MathJax typesets
it, must be no wider than the text column it sits in, and its equation number
("(2.13)", beside the formula, or under it on a phone) must not overlap it. Long equations
are split into aligned lines in the notebooks (``\\begin{aligned}``), so none
needs to scroll. ``SCROLLING`` lists the few that cannot be split (wide
matrices, tables of cases), each with its reason: those may scroll inside their
box, which must then show the reader that it scrolls (a shadow or a scroll bar
at the edge, from ``_static/book.css``). ``PENDING`` lists the pages whose owner
has not split their equations yet.

Run ``python tests/browser/test_display_math.py`` for a table of the widest
equations at 390 px (needs the built book and Chromium, like the tests).
"""
import sys
from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
WIDTH = 390
# Equations that may scroll sideways at 390 px, as "page#equation-id": reason.
SCROLLING = {}
# Pages whose equations are not split yet (their owner converts them; the lead empties this).
PENDING = set()

# Every display equation on the page: the box (the column), the typeset formula and its number.
MEASURE = """() => Array.from(document.querySelectorAll('main div.math')).map((box, n) => {
    const frame = box.querySelector('mjx-container');
    const math = frame && frame.querySelector('mjx-math');
    const eqno = box.querySelector('span.eqno');
    const b = box.getBoundingClientRect();
    const m = math ? math.getBoundingClientRect() : null;
    const e = eqno ? eqno.getBoundingClientRect() : null;
    const across = (p, q) => Math.max(0, Math.min(p.right, q.right) - Math.max(p.left, q.left))
                             * (Math.min(p.bottom, q.bottom) > Math.max(p.top, q.top) ? 1 : 0);
    return {
        id: box.id || ('display-math-' + (n + 1)),
        column: box.clientWidth,
        room: frame ? frame.clientWidth : null,
        formula: m ? m.width : null,
        outside: m ? Math.max(0, b.left - m.left, m.right - b.right) : null,
        scrolls: box.scrollWidth > box.clientWidth + 1 || (frame && frame.scrollWidth > frame.clientWidth + 1),
        overlap: (m && e && e.width > 0) ? across(m, e) : 0,
        tex: box.textContent.replace(/\\s+/g, ' ').trim().slice(0, 90),
    };
})"""


def math_pages():
    import re
    pages = []
    for path in sorted(HTML.rglob("*.html")):
        rel = path.relative_to(HTML).as_posix()
        if rel.split("/")[0] in ("_static", "_sources", "_images") or rel in ("genindex.html", "search.html"):
            continue
        if re.search(r'<div class="math notranslate', path.read_text(encoding="utf-8")):
            pages.append(rel)
    return pages


def measure(page):
    """The equations of an open page, at WIDTH px, once MathJax has typeset them."""
    page.set_viewport_size({"width": WIDTH, "height": 844})
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=15000)
    page.evaluate("() => MathJax.startup.promise.then(() => true)")
    page.wait_for_timeout(200)
    return page.evaluate(MEASURE)


def problems(page_name, equations):
    found = []
    for eq in equations:
        key = f"{page_name}#{eq['id']}"
        if eq["formula"] is None:
            found.append(f"{key}: not typeset ({eq['tex']})")
            continue
        too_wide = eq["scrolls"] or eq["formula"] > eq["room"] + 0.5 or eq["outside"] > 0.5
        if too_wide and key not in SCROLLING:
            found.append(f"{key}: {eq['formula']:.0f} px wide, {eq['room']} px of room "
                         f"in a {eq['column']} px column ({eq['tex']})")
        if eq["overlap"] > 0.5:
            found.append(f"{key}: its number covers {eq['overlap']:.0f} px of the formula ({eq['tex']})")
    return found


PAGES = math_pages()


@pytest.mark.parametrize("page_name", PAGES)
def test_every_display_equation_fits_the_column_at_390_px(visit, page_name):
    if page_name in PENDING:
        pytest.skip(f"{page_name} is listed in PENDING (its equations are not split yet)")
    record = visit(page_name)
    equations = measure(record.page)
    assert equations, f"{page_name}: no display equation found"
    found = problems(page_name, equations)
    assert not found, f"at {WIDTH} px:\n" + "\n".join(found)


INLINE = """() => Array.from(document.querySelectorAll('main span.math')).map(span => {
    const formula = span.querySelector('mjx-math');
    const style = getComputedStyle(span);
    return formula && formula.getBoundingClientRect().width > span.clientWidth + 1
        && !(['auto', 'scroll'].includes(style.overflowX) && span.getAttribute('tabindex') === '0')
        ? `${formula.getBoundingClientRect().width.toFixed(0)} px in ${span.clientWidth} px: `
          + span.textContent.slice(0, 60) : null;
}).filter(Boolean)"""


@pytest.mark.parametrize("page_name", PAGES)
def test_inline_maths_wider_than_its_line_scrolls_instead_of_being_cut(visit, page_name):
    # The theme clips a span.math (overflow: hidden); _static/book.js lets a too-wide one scroll, with a tab stop.
    record = visit(page_name)
    measure(record.page)
    record.page.wait_for_timeout(300)  # book.js re-measures after the resize
    cut = record.page.evaluate(INLINE)
    assert not cut, f"{page_name} at {WIDTH} px, inline maths cut off:\n" + "\n".join(cut)


def test_the_lists_name_real_pages():
    listed = PENDING | {key.split("#")[0] for key in SCROLLING}
    assert listed <= set(PAGES), f"not pages with display maths: {listed - set(PAGES)}"
    assert all(reason.strip() for reason in SCROLLING.values()), "every scrolling equation needs its reason"


if __name__ == "__main__":
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import CHROMIUM_ARGS, chromium_path

    import functools
    import http.server
    import threading
    from conftest import _QuietHandler

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        for name in math_pages():
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/{name}", wait_until="load")
            for eq in measure(page):
                rows.append((eq["formula"] or 0, eq["room"], eq["overlap"], name, eq["id"], eq["tex"]))
        browser.close()
    server.shutdown()
    wide = [r for r in rows if r[0] > r[1] + 0.5 or r[2] > 0.5]
    print("formula width, room for it, overlap with its number (px); page#equation")
    print(f"{len(rows)} display equations, {len(wide)} wider than the column or overlapped by their number")
    for formula, column, overlap, name, eq_id, tex in sorted(rows, reverse=True)[:int(sys.argv[1]) if len(sys.argv) > 1 else 40]:
        print(f"{formula:6.0f} {column:4d} {overlap:4.0f}  {name}#{eq_id}  {tex[:60]}")
