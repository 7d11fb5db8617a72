"""Accessibility: axe-core finds no serious or critical violation on any page of the built book.

axe-core (through the axe-playwright-python package, which ships its own copy:
nothing is fetched) checks each page at 1280 px and at 390 px, after the page's
scripts have run (sliders, MathJax, the book's scroll stops from _static/book.js).
"""
from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
               if p.relative_to(HTML).parts[0] not in {"_static", "_sources", "_images"})


@pytest.fixture(scope="module")
def axe():
    module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                 reason="the accessibility test needs axe-playwright-python (requirements.txt)")
    return module.Axe()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violation(visit, axe, path, width):
    page = visit(path).page
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(300)
    violations = axe.run(page).response["violations"]
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    report = [f"{v['impact']} {v['id']} ({len(v['nodes'])}x): {v['help']}; first: {v['nodes'][0]['target']}"
              for v in serious]
    assert not serious, f"{path} at {width} px:\n" + "\n".join(report)
