"""Getting around the built book on a phone, a small laptop and a desktop.

At 390, 1000 and 1280 px the two sidebar buttons work: the site navigation
(primary sidebar) opens on a phone and at 1000 px it collapses, like at 1280 px;
the in-page contents ("On this page", secondary sidebar) open from their button
wherever they are not already shown; a link in each opened panel leads to its
target. One search box at most is visible. No page is wider than the viewport
except inside scroll containers (code, maths, tables scroll on their own).
"""
from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"

WIDTHS = (390, 1000, 1280)
CHAPTER = "book/04_lstm.html"

# Where a panel is on screen: its left and right edge and whether it is visible.
_BOX = """sel => { const e = document.querySelector(sel); const r = e.getBoundingClientRect();
  const s = getComputedStyle(e);
  return {left: r.left, right: r.right, visible: s.visibility === 'visible' && s.display !== 'none'
          && r.right > 0 && r.left < window.innerWidth}; }"""
PANELS = {"primary": (".primary-toggle", ".bd-sidebar-primary"),
          "secondary": (".secondary-toggle", ".bd-sidebar-secondary")}


def _open(visit, width, path=CHAPTER):
    record = visit(path)
    record.page.set_viewport_size({"width": width, "height": 800})
    record.page.wait_for_timeout(300)
    return record


def _visible_button(page, selector):
    buttons = page.locator(selector)
    shown = [buttons.nth(i) for i in range(buttons.count()) if buttons.nth(i).is_visible()]
    assert len(shown) <= 1, f"{len(shown)} visible buttons match {selector}"
    return shown[0] if shown else None


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("panel", sorted(PANELS))
def test_sidebar_button_toggles_its_panel_and_a_link_in_it_works(visit, width, panel):
    button_sel, panel_sel = PANELS[panel]
    record = _open(visit, width)
    page = record.page
    before = page.evaluate(_BOX, panel_sel)
    button = _visible_button(page, button_sel)
    if button is None:
        # No button: then the panel must already be on screen, as on a desktop.
        assert before["visible"], f"{panel} sidebar at {width} px: hidden and no button opens it"
    else:
        button.click()
        page.wait_for_timeout(500)
        after = page.evaluate(_BOX, panel_sel)
        assert after["visible"] != before["visible"], (
            f"{panel} sidebar at {width} px: its button did nothing (visible {before['visible']} before and after)")
        if not after["visible"]:  # it collapsed a desktop sidebar: click again to bring it back
            button.click()
            page.wait_for_timeout(500)
            assert page.evaluate(_BOX, panel_sel)["visible"], f"{panel} sidebar at {width} px does not come back"
    link = page.locator(f"{panel_sel} a[href]:visible").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_timeout(1200)
    if href.startswith("#"):
        target = page.evaluate("h => { const e = document.getElementById(decodeURIComponent(h.slice(1)));"
                               " return e ? e.getBoundingClientRect().top : null; }", href)
        assert page.evaluate("() => location.hash") == href, f"link {href} in the {panel} sidebar did not follow"
        assert target is not None and abs(target) < 200, f"link {href} in the {panel} sidebar did not scroll to it"
    else:
        assert page.url.split("#")[0].endswith(href.split("#")[0].lstrip("./").split("/")[-1]), (
            f"link {href} in the {panel} sidebar at {width} px did not open its page ({page.url})")
    assert not record.problems(), "\n".join(record.problems())


@pytest.mark.parametrize("width", WIDTHS)
def test_at_most_one_search_box(visit, width):
    page = _open(visit, width).page
    boxes = page.locator("form.bd-search, .search-button-field, input[type=search]")
    shown = sum(1 for i in range(boxes.count()) if boxes.nth(i).is_visible())
    assert shown <= 1, f"{shown} search boxes visible at {width} px"


@pytest.mark.parametrize("width", (390, 1280))
def test_no_page_wider_than_the_viewport(visit, width):
    """The document itself never scrolls sideways; wide content scrolls inside its own box."""
    pages = sorted(p.relative_to(HTML).as_posix() for p in (HTML / "book").glob("*.html"))
    page = _open(visit, width, pages[0]).page
    wide = []
    for path in pages:
        page.goto(page.url.split("/book/")[0] + "/" + path, wait_until="load")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            wide.append(f"{path}: {overflow} px wider than the {width} px viewport")
    assert not wide, "\n".join(wide)
