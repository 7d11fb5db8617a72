"""Search results with snippets, from disk too, without fetching whole pages.

Sphinx's search page shows a snippet under each result by fetching the result's
page and cutting its text. Read from disk (``file://``) the browser refuses those
fetches and logs two console errors per result, and the reader gets no snippet;
served over HTTP each search downloads every matching chapter whole (1-1.5 MB
each, most of it figure frames).

This extension writes the text of every page, section by section, into
``_static/search_texts.js`` (loaded by the search page only), and a small script,
``_static/search_offline.js``, answers the search page's fetch of a page from
that text. Other fetches pass through unchanged.

A snippet is plain text (the search page does not typeset maths): display
equations are left out of it and inline maths keeps its TeX without the
``\\( \\)`` delimiters, so a result reads "one state h_t instead of two", not
"one state \\(h_t\\) instead of two" followed by a whole aligned equation.
"""
import json
import re
from pathlib import Path

from bs4 import BeautifulSoup

TEXTS_FILE = "search_texts.js"
SCRIPT = Path(__file__).with_name("search_offline.js")
SKIPPED = {"search", "genindex"}
DROPPED = ["script", "style", "img", "svg", ".headerlink", ".rnnfig-controls", ".rnnfig-data",
           ".cell_output", "div.math"]
BLOCKS = ["p", "div", "li", "dt", "dd", "pre", "td", "th", "tr", "br", "figcaption", "blockquote",
          "h1", "h2", "h3", "h4", "h5", "h6", "summary", "table", "ul", "ol", "dl"]
INLINE_MATH = re.compile(r"^\s*\\\((.*)\\\)\s*$", re.DOTALL)


def page_sections(body):
    """[(section id or "", its own text)] of a page body, in order, nested sections flattened."""
    soup = BeautifulSoup(body, "html.parser")
    for selector in DROPPED:
        for tag in soup.select(selector):
            tag.decompose()
    for tag in soup.select("span.math"):
        tag.string = INLINE_MATH.sub(r"\1", tag.get_text()).strip()
    # Words in one paragraph join as written ("[Cho et al., 2014]", not
    # "[ Cho et al. , 2014 ]"); blocks (paragraphs, items, cells) are spaced apart.
    for tag in soup.find_all(BLOCKS):
        tag.insert_before(" ")
        tag.append(" ")
    sections = []
    for section in soup.find_all("section"):
        own = [part for child in section.children
               if getattr(child, "name", None) != "section"
               for part in [child.get_text() if hasattr(child, "get_text") else str(child)]]
        text = re.sub(r"\s+", " ", " ".join(own)).strip()
        if text:
            sections.append((section.get("id", ""), text))
    if not sections:
        text = re.sub(r"\s+", " ", soup.get_text()).strip()
        sections.append(("", text))
    return sections


def collect(app, pagename, templatename, context, doctree):
    if pagename in SKIPPED or "body" not in context:
        return
    if not hasattr(app, "book_search_texts"):
        app.book_search_texts = {}
    app.book_search_texts[pagename] = page_sections(context["body"])


def add_scripts_to_search_page(app, pagename, templatename, context, doctree):
    if pagename != "search":
        return
    root = context.get("pathto")("", 1) if "pathto" in context else ""
    tags = (f'<script src="{root}_static/{TEXTS_FILE}"></script>\n'
            f'<script src="{root}_static/search_offline.js"></script>\n')
    context["metatags"] = context.get("metatags", "") + tags


def write(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    # A rebuild writes only the pages that changed: the others' text is kept
    # beside the doctrees from the build that wrote them.
    kept = Path(app.doctreedir) / "book_search_texts.json"
    texts = json.loads(kept.read_text(encoding="utf-8")) if kept.is_file() else {}
    texts.update(getattr(app, "book_search_texts", {}))
    texts = {name: sections for name, sections in sorted(texts.items()) if name in app.env.found_docs}
    kept.write_text(json.dumps(texts), encoding="utf-8")
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / TEXTS_FILE).write_text(
        "// Written by _ext/search_snippets.py: each page's text, section by section.\n"
        f"window.BOOK_SEARCH_TEXTS = {json.dumps(texts, ensure_ascii=False, separators=(',', ':'))};\n",
        encoding="utf-8")
    (static / "search_offline.js").write_text(SCRIPT.read_text(encoding="utf-8"), encoding="utf-8")


def setup(app):
    app.connect("html-page-context", collect)
    app.connect("html-page-context", add_scripts_to_search_page)
    app.connect("build-finished", write)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
