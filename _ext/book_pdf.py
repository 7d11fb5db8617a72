"""The whole book as one PDF, printed by Chromium from the built HTML book.

    python _ext/book_pdf.py [--html _build/html] [--out _build/pdf/book.pdf]

(``make pdf`` runs it after ``make book``.) Every page of ``_toc.yml``, in its
order, is opened in headless Chromium from a server on 127.0.0.1, printed with
its print style sheet once MathJax has typeset it (so the maths is typeset in the
PDF, and every interactive figure shows its default frame, without its controls),
and the pages are joined behind a title page and a table of contents that give
each chapter's first page. The PDF's outline (bookmarks) lists the chapters.
Needs the ``playwright`` and ``pypdf`` packages (requirements.txt) and a
Chromium (``chromium`` on the PATH, or ``$CHROMIUM``).
"""
import argparse
import functools
import html
import http.server
import io
import os
import re
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRINT_CSS = """
@media print {
  .rnnfig-controls, .rnnfig-note, .rnnfig-buttons, .headerlink,
  .header-article, .prev-next-area, .bd-footer, .bd-footer-article, .bd-footer-content,
  .search-button, .theme-switch-button, .dropdown-download-buttons { display: none !important; }
  .bd-main .bd-content .bd-article-container { max-width: 100% !important; }
  div.cell_output, pre { white-space: pre-wrap !important; word-break: break-word; overflow: visible !important; }
  img.rnnfig-frame { max-width: 100% !important; min-width: 0 !important; break-inside: avoid; }
  figure > a.image-reference > img { max-width: 100% !important; }   /* book.css keeps it wide on screen */
  figure { break-inside: avoid; }   /* a numbered figure and its caption on one page */
  details.dropdown, .toggle-details { display: block; }
  details.hide > summary { display: none !important; }   /* "Hide code cell source": a screen control */
}
"""
PAGE_STYLE = "<style>body{font-family:sans-serif;margin:3cm 2.2cm}h1{font-size:28pt}" \
             "li{margin:.35em 0;display:flex}li span.t{flex:1}li span.n{min-width:3em;text-align:right}</style>"


def toc_pages(toc_file):
    """The pages of the book in reading order: ["book/intro", "book/00_...", ...]."""
    text = toc_file.read_text(encoding="utf-8")
    root = re.search(r"^root:\s*(\S+)", text, re.M).group(1)
    return [root] + re.findall(r"^\s*-\s*file:\s*(\S+)", text, re.M)


def _serve(directory):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def _print_page(page, url):
    page.goto(url, wait_until="networkidle")
    page.add_style_tag(content=PRINT_CSS)
    # Open the dropdown solutions so that the printed book has them.
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    page.evaluate("() => (window.MathJax && MathJax.startup && MathJax.startup.promise) "
                  "? MathJax.startup.promise.then(() => true) : true")
    page.emulate_media(media="print")
    title = page.evaluate("() => (document.querySelector('main h1, article h1') || {}).innerText || document.title")
    pdf = page.pdf(format="A4", print_background=True, margin={"top": "18mm", "bottom": "18mm",
                                                               "left": "15mm", "right": "15mm"})
    return title.replace("#", "").strip(), pdf


def build(html_dir, out, chromium):
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    pages = [p for p in toc_pages(ROOT / "_toc.yml") if (html_dir / f"{p}.html").is_file()]
    missing = [p for p in toc_pages(ROOT / "_toc.yml") if p not in pages]
    if missing:
        raise SystemExit(f"book_pdf: pages of _toc.yml missing from {html_dir} (run `make book`): {missing}")
    server = _serve(html_dir)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    printed = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            for name in pages:
                title, pdf = _print_page(page, f"{base}/{name}.html")
                printed.append((title, PdfReader(io.BytesIO(pdf))))
                print(f"  printed {name}: {len(printed[-1][1].pages)} pages", flush=True)
            # Title page and contents: the contents fit on one page; chapters start after them.
            first, starts = 3, []
            for _, reader in printed:
                starts.append(first)
                first += len(reader.pages)
            items = "".join(f'<li><span class="t">{html.escape(t)}</span><span class="n">{n}</span></li>'
                            for (t, _), n in zip(printed, starts))
            title_html = (f"<html><head>{PAGE_STYLE}</head><body><h1>Recurrent Networks from Scratch</h1>"
                          "<p>An interactive teaching book on recurrent neural networks, printed from its "
                          "HTML edition. The figures show their default frame; the HTML book and the "
                          "notebooks let you move their controls.</p></body></html>")
            toc_html = f"<html><head>{PAGE_STYLE}</head><body><h1>Contents</h1><ol style='padding:0'>{items}</ol></body></html>"
            front = []
            for content in (title_html, toc_html):
                page.set_content(content)
                front.append(PdfReader(io.BytesIO(page.pdf(format="A4"))))
            browser.close()
    finally:
        server.shutdown()
    if any(len(r.pages) != 1 for r in front):
        raise SystemExit("book_pdf: the title page or the contents took more than one page")
    writer = PdfWriter()
    for reader in front:
        writer.append(reader)
    for (title, reader), start in zip(printed, starts):
        writer.append(reader)
        writer.add_outline_item(title=title, page_number=start - 1)
    writer.add_metadata({"/Title": "Recurrent Networks from Scratch"})
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as handle:
        writer.write(handle)
    return out, len(writer.pages)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built HTML book")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "book.pdf", help="the PDF to write")
    args = parser.parse_args(argv)
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not chromium:
        raise SystemExit("book_pdf: no Chromium: install it (apt-get install chromium) or set $CHROMIUM")
    if not (args.html / "index.html").is_file():
        raise SystemExit(f"book_pdf: no built book in {args.html}: run `make book` first")
    out, count = build(args.html.resolve(), args.out, chromium)
    print(f"The PDF: {out} ({count} pages)")


if __name__ == "__main__":
    sys.exit(main())
