"""Accessibility: axe-core finds no serious or critical violation on any page of the built book.

axe-core (through the axe-playwright-python package, which ships its own copy:
nothing is fetched) checks each page at 1280 px and at 390 px, after the page's
scripts have run (sliders, MathJax, the book's scroll stops from _static/book.js).
"""
import os
import shutil
from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
if not (HTML / "index.html").is_file():
    pytest.skip("browser tests need the built book: no _build/html/index.html (run `make book`)", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package (requirements.txt)")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                 reason="the accessibility test needs axe-playwright-python (requirements.txt)")
if not (os.environ.get("CHROMIUM") or shutil.which("chromium")):
    pytest.skip("browser tests need Chromium: no `chromium` on the PATH (apt-get install chromium)", allow_module_level=True)

PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
               if p.relative_to(HTML).parts[0] not in {"_static", "_sources", "_images"})
AXE = axe_module.Axe()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violation(visit, path, width):
    page = visit(path).page
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(300)
    violations = AXE.run(page).response["violations"]
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    report = [f"{v['impact']} {v['id']} ({len(v['nodes'])}x): {v['help']}; first: {v['nodes'][0]['target']}"
              for v in serious]
    assert not serious, f"{path} at {width} px:\n" + "\n".join(report)
