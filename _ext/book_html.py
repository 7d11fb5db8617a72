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
"""
import re

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
KERNEL_HINT = re.compile(r'<p class="rnnfig-kernel-hint">.*?</p>', re.DOTALL)


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


def drop_kernel_hints(app, pagename, templatename, context, doctree):
    if "rnnfig-kernel-hint" in context.get("body", ""):
        context["body"] = KERNEL_HINT.sub("", context["body"])


def setup(app):
    app.connect("html-page-context", drop_repeated_and_dead_scripts, priority=900)
    app.connect("html-page-context", drop_kernel_hints, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
