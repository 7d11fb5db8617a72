"""The printed book, ``_build/pdf/book.pdf`` (``make pdf``): every chapter, typeset maths, a contents page.

Skipped with the reason when the PDF has not been made, except under CI (CI=true),
where ``.ci/run`` makes it and its absence is a failure.
"""
import html
import os
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "_build" / "pdf" / "book.pdf"
HTML = ROOT / "_build" / "html"

if not PDF.is_file():
    if os.environ.get("CI"):
        raise AssertionError(f"{PDF} is missing: .ci/run must run `make pdf` after `make book`")
    pytest.skip("needs the printed book: no _build/pdf/book.pdf (run `make book` then `make pdf`)",
                allow_module_level=True)
pypdf = pytest.importorskip("pypdf", reason="the PDF test needs pypdf (requirements.txt)")

READER = pypdf.PdfReader(str(PDF))
TEXT = [page.extract_text() or "" for page in READER.pages]


def _titles():
    """Each page of the toc and its title as the HTML book shows it."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    names = [re.search(r"^root:\s*(\S+)", toc, re.M).group(1)] + re.findall(r"^\s*-\s*file:\s*(\S+)", toc, re.M)
    titles = {}
    for name in names:
        page = (HTML / f"{name}.html").read_text(encoding="utf-8")
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
        titles[name] = html.unescape(re.sub(r"<[^>]+>|#", "", h1.group(1))).strip()
    return titles


def _squash(text):
    return re.sub(r"\s+", " ", text).strip()


def test_contents_page_and_outline_list_every_chapter():
    titles = _titles()
    contents = _squash(TEXT[1])
    outline = [item.title for item in READER.outline if not isinstance(item, list)]
    for name, title in titles.items():
        assert _squash(title) in contents, f"contents page lacks {title!r} ({name})"
        assert title in outline, f"PDF outline lacks {title!r} ({name})"


def test_every_chapter_is_printed_with_its_title():
    body = _squash(" ".join(TEXT[2:]))
    missing = [t for t in _titles().values() if _squash(t) not in body]
    assert not missing, f"chapter titles not found in the printed pages: {missing}"


def test_maths_is_typeset_not_raw():
    raw = [i + 1 for i, text in enumerate(TEXT) if "$$" in text or "\\begin{" in text or "\\frac{" in text]
    assert not raw, f"raw TeX in the PDF's text on pages {raw[:10]}"


def test_figures_are_printed_at_their_default_frame():
    """The figures' images are in the PDF, and their controls are not."""
    images = 0
    for page in READER.pages:  # count image objects without decoding them
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        images += sum(1 for ref in xobjects.values() if ref.get_object().get("/Subtype") == "/Image")
    assert images >= 10, f"only {images} images in the PDF"
    # the note over a one-control-at-a-time figure and the Reset / Full screen buttons
    # (rnnlib.widgets) are for the screen; a button prints as a line of its own
    noted = [i + 1 for i, text in enumerate(TEXT) if "One control at a time" in text]
    assert not noted, f"a figure's control note is printed on pages {noted[:10]}"
    buttons = [i + 1 for i, text in enumerate(TEXT)
               if any(line.strip() in ("Reset", "Full screen", "Reset Full screen") for line in text.splitlines())]
    assert not buttons, f"a figure's Reset or Full screen button is printed on pages {buttons[:10]}"


def test_every_numbered_figure_is_printed_with_its_caption():
    """Each "Figure 4.2" of the HTML book is printed as often as the page shows it (caption and references)."""
    shown = Counter()
    for page in (HTML / "book").glob("*.html"):
        text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", page.read_text(encoding="utf-8"), flags=re.S)
        shown.update(re.findall(r"Figure \d+(?:\.\d+)?", html.unescape(text)))
    printed = Counter(re.sub(r"\s+", " ", m) for m in re.findall(r"Figure\s+\d+(?:\.\d+)?", " ".join(TEXT)))
    assert shown, "no numbered figure in the HTML book"
    short = {n: (printed[n], k) for n, k in shown.items() if printed[n] < k}
    assert not short, f"figures printed fewer times than the HTML book shows them (printed, shown): {short}"
