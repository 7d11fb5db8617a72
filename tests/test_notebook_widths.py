"""Every code line and every printed output line of the notebooks fits 80 characters.

The HTML book shows code and text output in boxes about 80 characters wide on a
desktop page; a longer line scrolls sideways and its end is hidden. Checked over
the stored notebooks: every line of every code cell's source, and every line of
its stream output (prints, warnings) and plain-text results. Outputs that carry
HTML (the interactive figures' kernel-free faces) are laid out by the browser and
left out, and so are images.
"""
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
MAX_CHARS = 80

# Notebooks whose owner has not shortened their lines yet (the lead empties this).
PENDING = set()


def text_outputs(cell):
    """The text a code cell shows: its streams and its plain-text-only results."""
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            yield f"{output.name} output", output.text
        elif output.output_type in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "text/plain" in data and not any(k in data for k in ("text/html", "image/png", "image/svg+xml")):
                yield "result", data["text/plain"]
        elif output.output_type == "error":
            yield "error", "\n".join(output.get("traceback", []))


def long_lines(path):
    """(cell index, where, length, line) of every line over MAX_CHARS."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for where, text in [("code", cell.source), *text_outputs(cell)]:
            for line in text.splitlines():
                if len(line) > MAX_CHARS:
                    found.append((index, where, len(line), line))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_and_output_lines_fit_80_characters(path):
    if path.name in PENDING:
        pytest.skip(f"{path.name} is listed in PENDING (its owner has not shortened its lines yet)")
    found = long_lines(path)
    assert not found, f"{path.name}: lines over {MAX_CHARS} characters:\n" + "\n".join(
        f"  cell {i} ({where}, {n} chars): {line[:100]}" for i, where, n, line in found)


def test_pending_notebooks_exist_and_still_need_work():
    names = {p.name for p in NOTEBOOKS}
    assert PENDING <= names, f"PENDING names notebooks that do not exist: {PENDING - names}"
    done = [name for name in PENDING if not long_lines(ROOT / "book" / name)]
    assert not done, f"these notebooks now fit {MAX_CHARS} characters: remove them from PENDING: {done}"


def test_the_check_finds_a_long_line(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1\n" + "y = " + "1 + " * 30 + "1",
                                          outputs=[nbformat.v4.new_output("stream", name="stdout", text="z" * 81)])]
    path = tmp_path / "long.ipynb"
    nbformat.write(nb, path)
    found = long_lines(path)
    assert [(where, n) for _, where, n, _ in found] == [("code", 125), ("stdout output", 81)]
