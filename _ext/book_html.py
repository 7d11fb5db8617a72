"""Sphinx extension for the book's HTML: each inline script once per page, no dead widget state, no "run this cell" line.

Sphinx 7.4 registers a body-only script that an extension adds after the
builder starts (``app.add_js_file(None, body=...)``) twice: once as it is added
(file name ``None``) and again when pages are prepared (file name ``""``), and
the two copies do not compare equal. sphinx-thebe adds such a script declaring
``const THEBE_JS_URL``; its second copy throws "Identifier 'THEBE_JS_URL' has
already been declared" on every page. This keeps the first copy of each script.

myst-nb also inlines the notebook's ipywidgets state (the live controls' models,
including a PNG per figure) for a widget manager to read. The book loads no
widget manager (``nb_ipywidgets_js: {}``): its figures show their
self-contained HTML face, so that state is dead weight and is dropped.

An interactive figure's HTML face starts with a line telling a Jupyter user to
run the cell ("Run this cell ... to bring these sliders to life"; see
``rnnlib.widgets.KERNEL_HINT``). In the book the sliders work without a kernel,
so that line is dropped from every page here (its script would also remove it,
but a reader without JavaScript would still see it).

pydata-sphinx-theme loads Font Awesome twice: its CSS with web fonts (about
0.1 MB plus the one or two fonts a page uses) and ``all.min.js`` (1.5 MB), a
script that replaces the same icons by inline SVG. The CSS alone draws every
icon the theme shows, so the script is dropped: it was 40% of what every page
loaded (tests/browser/test_page_weight.py holds the budget).
"""
import re
from pathlib import Path

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
KERNEL_HINT = re.compile(r'<p class="rnnfig-kernel-hint">.*?</p>', re.DOTALL)
# The theme writes these into its page template, not into script_files.
FONTAWESOME_JS = re.compile(r'[ \t]*<script src="[^"]*/fontawesome/[^"]*/all\.min\.js[^"]*"></script>\n?')
FONTAWESOME_PRELOAD = re.compile(r'[ \t]*<link rel="preload" as="font"[^>]*/fontawesome/[^>]*>\n?')
# docutils marks the reference list role="list" but its entries role="doc-biblioentry",
# not "listitem": an ARIA error (axe: aria-required-children). The entries' own role is kept.
CITATION_LIST = '<div role="list" class="citation-list">'


def _key(script):
    attributes = sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())
    return getattr(script, "filename", str(script)) or "", attributes


def drop_repeated_and_dead_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = repr(_key(script))
        if getattr(script, "attributes", {}).get("type") == WIDGET_STATE:
            continue
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


# Loaded on every page by extensions Jupyter Book enables, used by no page of this book:
# sphinx-design's CSS and tabs script (no page has an `sd-` class) and sphinx-thebe's
# files (thebe is off). Dropped from a page unless its body uses them (about 70 kB).
UNUSED_ASSETS = {"sphinx-design.min.css": 'class="sd-', "design-tabs.js": 'class="sd-',
                 "sphinx-thebe.css": 'class="thebe', "sphinx-thebe.js": 'class="thebe'}


def drop_unused_assets(app, pagename, templatename, context, doctree):
    body = context.get("body", "")
    for key in ("css_files", "script_files"):
        assets = context.get(key)
        if not assets:
            continue
        kept = []
        for asset in assets:
            name = (getattr(asset, "filename", "") or "").rsplit("/", 1)[-1].split("?")[0]
            marker = next((m for f, m in UNUSED_ASSETS.items() if name.startswith(f.rsplit(".", 1)[0])
                           and name.endswith(f.rsplit(".", 1)[1])), None)
            if marker is not None and marker not in body:
                continue
            kept.append(asset)
        assets[:] = kept


def drop_kernel_hints(app, pagename, templatename, context, doctree):
    if "rnnfig-kernel-hint" in context.get("body", ""):
        context["body"] = KERNEL_HINT.sub("", context["body"])


def drop_fontawesome_script(app, exception):
    """Remove Font Awesome's SVG script and its font preloads from every written page
    (and the reference list's wrong ARIA role, see CITATION_LIST).

    The icons come from the theme's Font Awesome CSS, which fetches a font only
    when a page shows one of its icons; preloading all three fonts is not needed.
    """
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lean = FONTAWESOME_PRELOAD.sub("", FONTAWESOME_JS.sub("", text))
        lean = lean.replace(CITATION_LIST, '<div class="citation-list">')
        if lean != text:
            page.write_text(lean, encoding="utf-8")


def setup(app):
    app.connect("build-finished", drop_fontawesome_script)
    app.connect("html-page-context", drop_repeated_and_dead_scripts, priority=900)
    app.connect("html-page-context", drop_unused_assets, priority=901)
    app.connect("html-page-context", drop_kernel_hints, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
