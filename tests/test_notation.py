"""One notation book-wide: the chapters' prose uses the symbols of the intro's table.

The notation table in ``book/intro.md`` fixes: the loss is J; sigma is the
logistic sigmoid only (a generic activation is phi); gradients of vectors are
column vectors (so an outer product reads ``delta_t h_{t-1}^T``); the hidden
state is h_t, never y_t (y is the target). This test greps the markdown cells
of every notebook in ``book/`` for the spellings those decisions forbid.
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))

#: (name, pattern, what to write instead). Patterns match LaTeX in markdown cells.
FORBIDDEN = [
    ("loss-L", re.compile(r"\\partial\s*L(?![a-zA-Z])"),
     "the loss is J: write \\partial J, not \\partial L"),
    ("loss-mathcal", re.compile(r"\\mathcal\{L\}"), "the loss is J, not \\mathcal{L}"),
    ("generic-sigma-jacobian", re.compile(r"diag\}?\s*\\?(?:big)?\(\s*\\sigma'"),
     "a generic activation is \\phi: diag(\\phi'(a_t)), not diag(\\sigma'(a_t))"),
    ("generic-sigma-bound", re.compile(r"\|\\sigma'\|\s*\\le"),
     "a bound on a generic activation's slope is |\\phi'| \\le \\gamma"),
    ("gradient-rows", re.compile(r"[Gg]radients are (?:rows|row vectors)"),
     "gradients are column vectors (intro, Notation)"),
    ("row-outer-product", re.compile(r"\\delta_\{?t\}?\^\\top\s*h_\{?t-1\}?(?!\^)"),
     "with column gradients the outer product is \\delta_t h_{t-1}^\\top"),
    ("hidden-state-y", re.compile(r"y_\{t-1\}|y_\{t - 1\}|\by_0\s*=\s*0"),
     "the hidden state is h_t (y is the target)"),
]

#: Notebooks that still use a forbidden spelling, with the rule, while their owner
#: brings them in line (the lead empties this set). Listed entries are xfail(strict=False).
KNOWN_PENDING = set()  # chapters 4 and 5 wrote the loss as L until their owner converted them

#: (notebook, rule) pairs where the spelling is right: in the encoder-decoder chapters y_1..y_T is
#: the *target sequence* (the intro's "y is the target"), so y_{t-1} is the previous target token
#: the decoder reads, not a hidden state (those chapters write the states h_s and d_t).
NOT_APPLICABLE = {("08_seq2seq.ipynb", "hidden-state-y"), ("09_attention.ipynb", "hidden-state-y")}


def markdown_of(path):
    nb = nbformat.read(path, as_version=4)
    return [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"]


def violations(path, pattern):
    found = []
    for i, text in markdown_of(path):
        for m in pattern.finditer(text):
            line = text[max(0, m.start() - 30):m.end() + 30].replace("\n", " ")
            found.append(f"cell {i}: ...{line}...")
    return found


CASES = [(path, name, pattern, advice) for path in NOTEBOOKS for name, pattern, advice in FORBIDDEN]


@pytest.mark.parametrize("path, name, pattern, advice", CASES,
                         ids=[f"{p.name}-{n}" for p, n, _, _ in CASES])
def test_chapter_uses_the_book_notation(path, name, pattern, advice, request):
    if (path.name, name) in KNOWN_PENDING:
        request.applymarker(pytest.mark.xfail(reason="known pending: its owner is converting it", strict=False))
    if (path.name, name) in NOT_APPLICABLE:
        return
    found = violations(path, pattern)
    assert not found, f"{path.name} breaks the notation ({advice}):\n" + "\n".join(found)


@pytest.mark.parametrize("name, pattern, bad, good", [
    ("loss-L", FORBIDDEN[0][1], r"$\partial L / \partial h_t$", r"$\partial J / \partial h_t$"),
    ("loss-L", FORBIDDEN[0][1], r"$\partial L_t$", r"$\partial \Lambda$"),
    ("loss-mathcal", FORBIDDEN[1][1], r"$\mathcal{L}$", r"$L$ layers"),
    ("generic-sigma-jacobian", FORBIDDEN[2][1], r"$\operatorname{diag}(\sigma'(a_t))$", r"$\operatorname{diag}(\phi'(a_t))$"),
    ("generic-sigma-bound", FORBIDDEN[3][1], r"$|\sigma'| \le \gamma$", r"$\sigma'(a) \le 1/4$"),
    ("gradient-rows", FORBIDDEN[4][1], "Gradients are rows here", "Gradients are column vectors"),
    ("row-outer-product", FORBIDDEN[5][1], r"\sum_t \delta_t^\top h_{t-1}", r"\sum_t \delta_t h_{t-1}^\top"),
    ("hidden-state-y", FORBIDDEN[6][1], r"$y_{t-1}$", r"$\hat y$ and the target $y$"),
])
def test_each_rule_catches_its_spelling_and_spares_the_right_one(name, pattern, bad, good):
    assert pattern.search(bad), f"rule {name} misses {bad!r}"
    assert not pattern.search(good), f"rule {name} flags the correct {good!r}"


def test_known_pending_names_real_notebooks_and_rules():
    names = {p.name for p in NOTEBOOKS}
    rules = {name for name, _, _ in FORBIDDEN}
    for notebook, rule in KNOWN_PENDING:
        assert notebook in names and rule in rules, (notebook, rule)
