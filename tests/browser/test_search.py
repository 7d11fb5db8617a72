"""The book's search, read from disk (file://) and served: results with snippets, no console error."""
from pathlib import Path

import pytest

HTML = Path(__file__).resolve().parents[2] / "_build" / "html"

QUERIES = {"forget gate": "forget", "clipping": "clip", "perplexity": "perplexity"}


def _search(page, url):
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(f"uncaught {e}"))
    page.goto(url)
    page.wait_for_function("() => (document.querySelector('#search-results .search-summary') || {})"
                           ".innerText?.includes('found')", timeout=20000)
    try:  # the snippets arrive after the list
        page.wait_for_function("() => document.querySelectorAll('#search-results li p.context').length"
                               " === document.querySelectorAll('#search-results li').length", timeout=10000)
    except Exception:
        pass  # the assertions below say what is missing
    return errors


@pytest.mark.parametrize("query", sorted(QUERIES))
@pytest.mark.parametrize("origin", ["disk", "server"])
def test_search_lists_results_with_snippets_without_errors(browser, book_url, origin, query):
    page = browser.new_page()
    try:
        base = HTML.resolve().as_uri() if origin == "disk" else book_url
        errors = _search(page, f"{base}/search.html?q={query.replace(' ', '+')}")
        results = page.locator("#search-results li")
        snippets = page.locator("#search-results li p.context")
        assert results.count() >= 1, f"no result for {query!r} ({origin})"
        assert snippets.count() == results.count(), (
            f"{results.count()} results but {snippets.count()} snippets for {query!r} ({origin})")
        word = QUERIES[query]
        assert any(word in snippets.nth(i).inner_text().lower() for i in range(snippets.count())), (
            f"no snippet for {query!r} shows {word!r} ({origin})")
        raw = [snippets.nth(i).inner_text() for i in range(snippets.count())]
        tex = [text[:80] for text in raw if any(d in text for d in ("\\(", "\\)", "\\[", "\\]"))]
        assert not tex, f"snippets show TeX delimiters for {query!r} ({origin}): {tex[:2]}"
        # text joined as written: "[Cho et al., 2014], the cell state", not "[ Cho et al. , 2014 ] , the"
        spaced = [text[:80] for text in raw if any(gap in text for gap in (" ,", "[ ", " ]", " )"))]
        assert not spaced, f"snippets with stray spaces for {query!r} ({origin}): {spaced[:2]}"
        assert not errors, f"console errors while searching {query!r} ({origin}): {errors[:3]}"
    finally:
        page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_magnifier_does_not_cover_the_query(visit, width):
    record = visit("search.html?q=forget+gate")
    page = record.page
    page.set_viewport_size({"width": width, "height": 844})
    icon, text_start = page.evaluate("""() => {
        const form = document.querySelector('main form.bd-search');
        const input = form.querySelector('input');
        const icon = form.querySelector('.fa-magnifying-glass').getBoundingClientRect();
        return [icon.right, input.getBoundingClientRect().left + parseFloat(getComputedStyle(input).paddingLeft)];
    }""")
    assert icon <= text_start, f"the magnifier ends at {icon:.0f} px, the query starts at {text_start:.0f} px"
