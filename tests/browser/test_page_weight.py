"""What a reader downloads: every page's weight, measured in Chromium.

Budgets (issue: the HTML book as a reader meets it): the files every page loads
from ``_static`` (theme, scripts, fonts, MathJax) at most 2.1 MB; every page in
all, with its figures' frames, at most 3.5 MB. Sizes are the files on disk of
every request the page made until the network was idle (the local test server
sends them uncompressed, as a browser reading the book from disk does).
"""
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"

SHARED_BUDGET = 2.1e6
PAGE_BUDGET = 3.5e6
PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
               if p.relative_to(HTML).parts[0] not in {"_static", "_sources", "_images"})


def _weights(browser, book_url, path):
    """{file relative to _build/html: bytes} of everything the page loaded."""
    page = browser.new_page()
    page.set_viewport_size({"width": 390, "height": 800})
    # No cache: each page is weighed as a first visit (the browser is shared by the tests).
    page.context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
    loaded = {}

    def finished(request):
        parts = urlsplit(request.url)
        if request.url.startswith(book_url):
            name = unquote(parts.path).lstrip("/") or "index.html"
            file = HTML / name
            if file.is_file():
                loaded[name] = file.stat().st_size

    page.on("requestfinished", finished)
    try:
        page.goto(f"{book_url}/{path}", wait_until="networkidle")
    finally:
        page.close()
    return loaded


@pytest.mark.parametrize("path", PAGES)
def test_page_weight_within_budget(browser, book_url, path):
    loaded = _weights(browser, book_url, path)
    shared = sum(size for name, size in loaded.items() if name.startswith("_static/"))
    total = sum(loaded.values())
    heaviest = ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in
                         sorted(loaded.items(), key=lambda item: -item[1])[:4])
    print(f"{path}: {total / 1e6:.2f} MB in all, {shared / 1e6:.2f} MB from _static")
    assert shared <= SHARED_BUDGET, f"{path} loads {shared / 1e6:.2f} MB from _static (budget 2.1): {heaviest}"
    assert total <= PAGE_BUDGET, f"{path} weighs {total / 1e6:.2f} MB in all (budget 3.5): {heaviest}"
