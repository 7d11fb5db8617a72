"""Code and printed output fit their column on a desktop page (1000 and 1280 px), as the book shows them.

tests/test_notebook_widths.py holds the notebooks' code cells and outputs to 80
characters; this checks what the reader actually gets, which also includes code
that is not a notebook cell: code blocks in the Markdown pages, source listings
pulled in with ``literalinclude``, and code inside solutions and folded cells
(all opened first). A block that is wider than its box scrolls sideways and hides
the end of its lines, so none may at these widths. (On a phone they scroll, with
a cue at the edge: tests/browser/test_solutions.py and book.css.)
"""
from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
PAGES = sorted(p.relative_to(HTML).as_posix() for p in (HTML / "book").glob("*.html")) if HTML.is_dir() else []

# Pages with a block known to be too wide, and why; each must still fail here
# (strict xfail), so whoever fixes the source also removes its line.
PENDING = {}

WIDE_BLOCKS = """() => {
  document.querySelectorAll('.admonition.toggle.toggle-hidden > .admonition-title').forEach(t => t.click());
  document.querySelectorAll('.bd-article details').forEach(d => { d.open = true; });
  return Array.from(document.querySelectorAll('.bd-article pre'))
    .filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => ({over: p.scrollWidth - p.clientWidth,
                line: p.textContent.split('\\n').reduce((a, l) => l.length > a.length ? l : a, '')}));
}"""


@pytest.mark.parametrize("width", [1000, 1280])
@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.xfail(reason=PENDING[p], strict=True))
                                  if p in PENDING else p for p in PAGES])
def test_no_code_block_scrolls_sideways_on_a_desktop_page(visit, path, width):
    record = visit(path)
    page = record.page
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(300)
    wide = page.evaluate(WIDE_BLOCKS)
    report = [f"{b['over']} px too wide: {b['line'][:100]!r}" for b in wide]
    assert not wide, f"{path} at {width} px, {len(wide)} code blocks scroll sideways:\n" + "\n".join(report)
