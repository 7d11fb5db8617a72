"""Fixtures for driving the built HTML book in headless Chromium, offline.

* ``book_url``: ``_build/html`` served by ``http.server`` on 127.0.0.1 (a free port).
* ``browser``: one headless Chromium for the session (a new, empty profile).
* ``visit``: opens a page of the book; every request to another host is
  blocked and recorded, console errors and page errors are recorded.

Every test here needs Playwright and Chromium, and (unless its module sets
``NEEDS_BUILT_BOOK = False``) the built book. When one of them is missing the
test is skipped with the reason, before any fixture starts; under CI
(``CI=true``, where ``.ci/run`` installs Chromium and builds the book first)
it fails instead, so a CI run never passes with its browser tests skipped.
"""
import functools
import http.server
import importlib.util
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def chromium_path():
    """The Chromium to drive: $CHROMIUM, else `chromium` on the PATH, else None."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


def missing_prerequisites(needs_book=True):
    """What the browser tests need and this machine lacks, one sentence each (empty: nothing)."""
    missing = []
    if needs_book and not (HTML / "index.html").is_file():
        missing.append("browser tests need the built book: no _build/html/index.html (run `make book`)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("browser tests need the playwright package (requirements.txt)")
    if not chromium_path():
        missing.append("browser tests need Chromium: no `chromium` on the PATH (apt-get install chromium)")
    return missing


def under_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Skip (fail under CI) a browser test whose prerequisites are missing, before its fixtures start."""
    missing = missing_prerequisites(needs_book=getattr(item.module, "NEEDS_BUILT_BOOK", True))
    if missing:
        if under_ci():
            pytest.fail("CI=true, so the browser tests must run, but " + "; ".join(missing), pytrace=False)
        pytest.skip("; ".join(missing))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def book_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=chromium_path(),
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1200, "height": 900})
        yield context
        context.close()


class Visit:
    """One page of the book and what happened while it was open."""

    def __init__(self, page, origin):
        self.page, self.origin = page, origin
        self.blocked, self.console_errors, self.bad_responses = [], [], []

    def _route(self, route):
        parts = urlsplit(route.request.url)
        if f"{parts.scheme}://{parts.netloc}" == self.origin:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and f"http://{parts.netloc}" != self.origin:
            self.blocked.append(request.url)

    def problems(self):
        """Every request that tried to leave the machine, console error and failed response, as text."""
        return ([f"request to another host: {u}" for u in dict.fromkeys(self.blocked)]
                + [f"console error: {m}" for m in self.console_errors]
                + [f"HTTP {s} for {u}" for s, u in self.bad_responses])


@pytest.fixture
def visit(browser, book_url):
    """``visit("book/intro.html") -> Visit`` with the page loaded (network idle, fonts ready)."""
    pages = []

    def open_page(path):
        page = browser.new_page()
        pages.append(page)
        record = Visit(page, book_url)
        page.route("**/*", record._route)
        page.on("request", record._request)
        page.on("console", lambda m: m.type == "error" and record.console_errors.append(m.text))
        page.on("pageerror", lambda e: record.console_errors.append(f"uncaught {e}"))
        page.on("response", lambda r: r.status >= 400 and record.bad_responses.append((r.status, r.url)))
        page.goto(f"{book_url}/{path}", wait_until="load")
        page.wait_for_load_state("networkidle")
        page.evaluate("() => document.fonts.ready.then(() => true)")
        return record

    yield open_page
    for page in pages:
        page.close()
