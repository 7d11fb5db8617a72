"""Checks on the built HTML book (``_build/html``) that need no browser.

Skipped, with the reason, when the book is not built (``make book`` first; CI
builds it before ``make test``).
"""
import html
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
if not (HTML / "index.html").is_file():
    pytest.skip("needs the built book: no _build/html/index.html (run `make book`)", allow_module_level=True)

BIBLIOGRAPHY = HTML / "book" / "bibliography.html"
PAGES = sorted(p for p in (HTML / "book").glob("*.html"))


def _text(fragment):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def _reference_labels():
    """{anchor id: label} of the reference list."""
    page = BIBLIOGRAPHY.read_text(encoding="utf-8")
    return {m.group(1): _text(m.group(2)) for m in re.finditer(
        r'<div class="citation" id="([^"]+)"[^>]*>\s*<span class="label"><span class="fn-bracket">\[</span>'
        r'(.*?)<span class="fn-bracket">\]</span>', page, re.S)}


def test_reference_list_is_labelled_author_year():
    labels = _reference_labels()
    assert labels, "no labelled entries found in bibliography.html"
    bad = [label for label in labels.values() if not re.fullmatch(r".+, (\d{4}[a-j]?|n\.d\.)", label)]
    assert not bad, f"reference labels not in the 'Author et al., 2014' form: {bad}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_citations_read_like_their_reference_label(page):
    """The text's "[Cho et al., 2014]" is the label the reader finds in the list."""
    labels = _reference_labels()
    text = page.read_text(encoding="utf-8")
    mismatched = []
    for m in re.finditer(r'<a class="reference internal" href="bibliography\.html#([^"]+)"[^>]*>(.*?)</a>', text, re.S):
        anchor, shown = m.group(1), _text(m.group(2))
        # a textual citation, "Le et al. [2015]", links the year alone
        if anchor in labels and shown != labels[anchor] and not labels[anchor].endswith(f", {shown}"):
            mismatched.append(f"text [{shown}] vs list [{labels[anchor]}]")
    assert not mismatched, f"{page.name}: " + "; ".join(sorted(set(mismatched)))


CHAPTER_PAGES = [p for p in PAGES if re.match(r"\d{2}_", p.name)]


@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=lambda p: p.name)
def test_equations_and_exercises_are_numbered_per_chapter(page):
    """Chapter 4's equations are (4.1), (4.2), ... and its exercises Exercise 4.1, ... in order."""
    chapter = int(page.name[:2])
    text = page.read_text(encoding="utf-8")
    for pattern, kind in ((r'<span class="eqno">\((\d+)\.(\d+)\)', "equation"),
                          (r'<span class="caption-number">Exercise (\d+)\.(\d+) ', "exercise")):
        found = [(int(a), int(b)) for a, b in re.findall(pattern, text)]
        plain = re.findall(pattern.replace(r"(\d+)\.(\d+)", r"(\d+)"), text)
        assert not plain, f"{page.name}: {kind} numbers without the chapter: {plain[:5]}"
        assert all(c == chapter for c, _ in found), f"{page.name}: {kind} numbers of another chapter: {found}"
        assert [k for _, k in found] == list(range(1, len(found) + 1)), f"{page.name}: {kind}s numbered {found}"
