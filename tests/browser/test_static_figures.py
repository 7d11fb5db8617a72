"""The static figures (plots stored as PNG in a numbered figure) as a reader sees them.

At 390, 1000 and 1280 px every static figure keeps the proportions of its picture
and is drawn at its design width (the CSS size the notebook gave it, half the PNG's
2x pixels), so its text is as large as on a desktop page; where the column is
narrower the figure scrolls in its own box, whose edge with more to show fades
(book.js marks it), and the page itself never scrolls sideways.
(The interactive figures: tests/browser/test_figures_in_browser.py.)
"""
from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
PAGES = sorted(p.relative_to(HTML).as_posix() for p in (HTML / "book").glob("*.html")
               if '<a class="reference internal image-reference"' in p.read_text(encoding="utf-8")) \
    if HTML.is_dir() else []

MEASURE = """() => Array.from(document.querySelectorAll('.bd-article figure > a.image-reference > img')).map(img => {
  const r = img.getBoundingClientRect(), box = img.parentElement;
  return {src: img.getAttribute('src').split('/').pop().slice(0, 12), width: r.width, height: r.height,
          design: parseFloat(img.style.width) || img.naturalWidth / 2, ratio: img.naturalWidth / img.naturalHeight,
          scrolls: box.scrollWidth > box.clientWidth + 1, more: box.dataset.bookMore || '',
          mask: getComputedStyle(box).maskImage || getComputedStyle(box).webkitMaskImage || ''};
})"""


def test_the_book_has_static_figures():
    assert PAGES, "no page holds a static figure"


@pytest.mark.parametrize("width", [390, 1000, 1280])
@pytest.mark.parametrize("path", PAGES)
def test_static_figures_keep_their_shape_and_size(visit, path, width):
    record = visit(path)
    page = record.page
    page.set_viewport_size({"width": width, "height": 844})
    page.wait_for_timeout(400)  # book.js re-measures the boxes after a resize
    figures = page.evaluate(MEASURE)
    assert figures
    for f in figures:
        shown = f["width"] / f["height"]
        assert abs(shown / f["ratio"] - 1) < 0.02, (
            f"{path} at {width} px: {f['src']} drawn {f['width']:.0f} x {f['height']:.0f}, "
            f"aspect {shown:.2f} instead of {f['ratio']:.2f}")
        assert f["width"] >= f["design"] - 1, (
            f"{path} at {width} px: {f['src']} drawn {f['width']:.0f} px wide, under its {f['design']:.0f} px")
        if f["scrolls"]:
            assert f["more"] == "right" and "gradient" in f["mask"], (
                f"{path} at {width} px: {f['src']} scrolls with no cue ({f['more']!r}, {f['mask']!r})")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        f"{path} at {width} px: the page scrolls sideways")
    assert not record.problems(), "\n".join(record.problems())
