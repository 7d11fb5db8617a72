"""Checks on the built HTML book (``_build/html``) that need no browser.

Skipped, with the reason, when the book is not built (``make book`` first; CI
builds it before ``make test``).
"""
import functools
import html
import json
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


# -- Figures: numbered per chapter, captioned, described, referred to ---------------------------
#
# A figure of a chapter is a notebook cell's output (an interactive figure, ``div.rnnfig``, or a
# static plot, an ``img`` in the cell's output) that myst-nb wraps in a numbered ``<figure>``: the
# cell's metadata holds ``"mystnb": {"figure": {"name": "fig-04-gates", "caption": "..."}}`` (and a
# static plot's alt text in ``"image": {"alt": "..."}``); the text refers to it with
# {numref}`fig-04-gates`, which reads "Figure 4.1". Chapters whose figures are not converted yet
# are below; a converted chapter must leave the set (its test is an expected failure until then,
# and an unexpected pass fails).
FIGURE_PENDING = set()
FIGURE_LABEL = re.compile(r"fig-(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*")
# Maths typed as ASCII ("w^200", "C_(t-1)", "x_{t}") in a caption or alt text: write w²⁰⁰, Cₜ₋₁.
ASCII_MATHS = re.compile(r"[A-Za-z0-9)\]]\^[\w({\-]|[A-Za-z]_[({\[]|\b[A-Za-z]_[a-z0-9]\b")
MIN_WORDS = 6


@functools.lru_cache(maxsize=None)
def _soup(page):
    bs4 = pytest.importorskip("bs4", reason="the figure checks read the pages with beautifulsoup4")
    return bs4.BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


def _figure_outputs(soup):
    """Every figure a cell output shows, in page order: the interactive figures and the static images."""
    return [el for el in soup.select("div.rnnfig, div.cell_output img")
            if el.name == "div" or not el.find_parent("div", class_="rnnfig")]


def _alt(output):
    img = output if output.name == "img" else output.select_one("img.rnnfig-frame")
    return (img.get("alt") or "").strip() if img is not None else ""


def _meaningful(text):
    """Words that describe something: not empty, not a file name, at least MIN_WORDS words."""
    return (len(re.findall(r"[A-Za-z]{2,}", text)) >= MIN_WORDS
            and not re.search(r"\.(png|svg|jpe?g|gif)\b|_images/|^\S+$", text))


@functools.lru_cache(maxsize=1)
def _figure_numbers():
    """{(page name, figure id): "4.2"} over every page of the book."""
    numbers = {}
    for page in PAGES:
        for figure in _soup(page).select("figure[id]"):
            number = figure.select_one("figcaption span.caption-number")
            if number is not None:
                numbers[(page.name, figure["id"])] = number.get_text().strip().removeprefix("Figure ").strip()
    return numbers


def _check_figures(page):
    """The problems of one page's figures, as text (empty when all is well)."""
    soup = _soup(page)
    chapter = int(page.name[:2]) if re.match(r"\d{2}_", page.name) else None
    problems, seen = [], []
    for output in _figure_outputs(soup):
        name = output.get("data-rnnfig") or "static image"
        figure = output.find_parent("figure")
        if figure is None or not figure.get("id"):
            problems.append(f"{name}: not inside a numbered figure (cell metadata mystnb.figure)")
            continue
        label = figure["id"]
        number = figure.select_one("figcaption span.caption-number")
        caption = figure.select_one("figcaption span.caption-text")
        if number is None or caption is None or not caption.get_text().strip():
            problems.append(f"{label}: no numbered caption")
            continue
        seen.append((label, number.get_text().strip()))
        if chapter is not None and not (FIGURE_LABEL.fullmatch(label) and int(label[4:6]) == chapter):
            problems.append(f"{label}: label not of the form fig-{chapter:02d}-name")
        caption_text = caption.get_text(" ", strip=True)
        if not _meaningful(caption_text):
            problems.append(f"{label}: caption too short to say what to look at: {caption_text!r}")
        alt = _alt(output)
        if not _meaningful(alt):
            problems.append(f"{label}: alt text does not describe the figure: {alt!r}")
        texts = [alt]
        data = output.select_one("script.rnnfig-data") if output.name == "div" else None
        if data is not None:
            frames = json.loads(data.get_text())
            texts += [frames["title"]] + frames["captions"]
        ascii_maths = sorted({m.group(0) for t in texts for m in ASCII_MATHS.finditer(t)})
        if ascii_maths:
            problems.append(f"{label}: ASCII maths in the alt text or the frame captions: {ascii_maths}")
        if not soup.select(f'a.reference.internal[href="#{label}"]:not(.headerlink)'):
            problems.append(f"{label}: the text never refers to it ({{numref}}`{label}`)")
    numbers = [n for _, n in seen]
    expected = [f"Figure {chapter}.{k}" if chapter is not None else f"Figure {k}"
                for k in range(1, len(seen) + 1)]
    if numbers != expected:
        problems.append(f"figures numbered {numbers}, expected {expected}")
    return problems


@pytest.mark.parametrize("page", [pytest.param(p, marks=pytest.mark.xfail(
    strict=True, reason="figures not converted yet (FIGURE_PENDING)")) if p.stem in FIGURE_PENDING else p
    for p in PAGES], ids=lambda p: p.name)
def test_every_figure_is_numbered_captioned_described_and_referred_to(page):
    """Figure 4.1, 4.2, ... in order; a caption and an alt text that say something; a {numref} to each."""
    problems = _check_figures(page)
    assert not problems, f"{page.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_figure_reference_resolves_to_its_number(page):
    """A {numref} reads "Figure 4.2" and links to figure 4.2, on this page or another; none is left unresolved."""
    numbers = _figure_numbers()
    soup = _soup(page)
    problems = [f"unresolved: {span.get_text()!r}" for span in soup.select("span.std-numref")
                if span.find_parent("a") is None]
    for link in soup.select("a.reference.internal"):
        target = link.get("href", "")
        if "#fig-" not in target:
            continue
        file, _, ident = target.partition("#")
        key = ((Path(file).name or page.name), ident)
        if key not in numbers:
            problems.append(f"{target}: no numbered figure there")
        elif link.select_one("span.std-numref") is not None and link.get_text().strip() != f"Figure {numbers[key]}":
            problems.append(f"{target}: reads {link.get_text().strip()!r}, the figure is Figure {numbers[key]}")
    assert not problems, f"{page.name}:\n" + "\n".join(problems)
