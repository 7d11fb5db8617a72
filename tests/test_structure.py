"""Guards on the book's structure: table of contents, stored notebooks, config.

These tests read files only; nbval (``make test``) re-runs the notebooks.
"""
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
MAX_NOTEBOOK_BYTES = 1_500_000
REQUIRED_REFERENCES = ["elman1990", "bengio1994", "hochreiter1997", "pascanu2013", "cho2014", "chung2014"]


def toc_files():
    """All `file:` entries of _toc.yml (root included), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return files


def test_every_toc_entry_exists():
    for entry in toc_files():
        candidates = [ROOT / (entry + suffix) for suffix in (".md", ".ipynb")]
        assert any(p.exists() for p in candidates), f"_toc.yml lists {entry!r} but neither .md nor .ipynb exists"


def test_every_notebook_is_in_the_toc():
    listed = set(toc_files())
    for nb in NOTEBOOKS:
        entry = str(nb.relative_to(ROOT).with_suffix(""))
        assert entry in listed, f"{nb.name} is in book/ but not in _toc.yml"


def test_book_has_notebooks():
    assert NOTEBOOKS, "book/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_executed_clean_and_small(path):
    size = path.stat().st_size
    assert size <= MAX_NOTEBOOK_BYTES, f"{path.name} is {size:,} bytes, over {MAX_NOTEBOOK_BYTES:,}"
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name"), f"{path.name} has no kernelspec"
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert code, f"{path.name} has no code cell"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name} was not executed top to bottom in one run (execution counts {counts}); run `make notebooks NB={path.relative_to(ROOT)}`"
    )
    for i, cell in enumerate(code):
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{path.name}: code cell {i + 1} stores an error output ({out.get('ename')})"


def test_config_is_strict():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    execute = config["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute.get("allow_errors") is False
    assert execute.get("raise_on_error") is True
    makefile = (ROOT / "Makefile").read_text()
    assert "--warningiserror --nitpick --keep-going" in makefile


def test_bibliography_has_the_required_references():
    bib = (BOOK / "references.bib").read_text()
    for key in REQUIRED_REFERENCES:
        assert "{" + key + "," in bib, f"references.bib lacks {key}"
