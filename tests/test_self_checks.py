"""Self-checks are folded away; the asserts a reader is meant to read stay in view.

The chapters back every claim with an executed ``assert``. Most of them are the
book checking itself (a shape, the figure drawing the same number as the text,
a number the prose quotes): those live in their own code cell right after the
lesson cell, a *self-check cell*, which

* starts with the line ``# Self-check: <what it checks>``,
* is tagged ``hide-input`` (the HTML book folds it behind a toggle that reads
  "Show the self-check", ``metadata.mystnb.code_prompt_show``) and has
  ``metadata.jupyter.source_hidden`` set (JupyterLab shows it collapsed),
* prints nothing, and holds at least one assert (nbval still runs it).

An assert that *is* the lesson (rnnlib gives the numbers computed by hand, the
older price moves the prediction less) stays in the lesson cell, at most
``MAX_VISIBLE_ASSERTS`` of them per cell. Exercise and solution cells are
checked by their own tests. ``LESSON_NOTEBOOKS`` are pages whose asserts are the
lesson throughout (they say so in their text); ``PENDING`` lists notebooks whose
owner has not folded their self-checks yet (the lead empties it).
"""
import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
MAX_VISIBLE_ASSERTS = 2
HEADER = "# Self-check:"
PROMPT = "Show the self-check"
HIDDEN_TAGS = {"hide-input", "remove-input", "remove-cell"}
OWN_TESTS_TAGS = {"exercise", "solution"}

# The primer's text says each example's assert checks the statement next to it.
LESSON_NOTEBOOKS = {"primer.ipynb"}
PENDING = set()


def count_asserts(source):
    """The number of assert statements in a cell (IPython magics and shell lines left out)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return source.count("assert ")
    return sum(isinstance(node, ast.Assert) for node in ast.walk(tree))


def problems(nb):
    """Every breach of the convention in a notebook, as text."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = set(cell.metadata.get("tags", []))
        if tags & OWN_TESTS_TAGS:
            continue
        source = cell.source
        if source.startswith(HEADER):
            if "hide-input" not in tags:
                found.append(f"cell {index}: a self-check cell without the hide-input tag")
            if not cell.metadata.get("jupyter", {}).get("source_hidden"):
                found.append(f"cell {index}: a self-check cell not collapsed in JupyterLab "
                             "(metadata.jupyter.source_hidden)")
            if cell.metadata.get("mystnb", {}).get("code_prompt_show") != PROMPT:
                found.append(f"cell {index}: a self-check cell whose toggle does not read {PROMPT!r} "
                             "(metadata.mystnb.code_prompt_show)")
            if cell.get("outputs"):
                found.append(f"cell {index}: a self-check cell with output (a self-check is silent)")
            if not count_asserts(source):
                found.append(f"cell {index}: a self-check cell without an assert")
        elif not tags & HIDDEN_TAGS:
            n = count_asserts(source)
            if n > MAX_VISIBLE_ASSERTS:
                found.append(f"cell {index}: {n} asserts in view (at most {MAX_VISIBLE_ASSERTS}): "
                             f"move the self-checks into a '{HEADER}' cell after it")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_self_checks_are_folded_away(path):
    if path.name in PENDING:
        pytest.skip(f"{path.name} is listed in PENDING (its owner has not folded its self-checks yet)")
    if path.name in LESSON_NOTEBOOKS:
        pytest.skip(f"{path.name}: its asserts are the lesson")
    found = problems(nbformat.read(path, as_version=4))
    assert not found, f"{path.name}:\n" + "\n".join(found)


def test_the_lists_name_real_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert (PENDING | LESSON_NOTEBOOKS) <= names


FOLDED = {"tags": ["hide-input"], "jupyter": {"source_hidden": True}, "mystnb": {"code_prompt_show": PROMPT}}


def test_the_check_finds_each_breach():
    new = nbformat.v4
    nb = new.new_notebook()
    nb.cells = [
        new.new_code_cell("x = 1\nassert x\nassert x > 0\nassert x < 2"),           # 3 in view
        new.new_code_cell(f"{HEADER} x is one.\nassert x == 1"),                    # not folded
        new.new_code_cell(f"{HEADER} x is one.\nprint(x)",                          # silent, no assert
                          metadata=FOLDED,
                          outputs=[new.new_output("stream", name="stdout", text="1\n")]),
        new.new_code_cell(f"{HEADER} fine.\nassert x == 1", metadata=FOLDED),
        new.new_code_cell("y = 2\nassert y == 2\nassert y > 1"),                    # two: allowed
        new.new_code_cell("assert 1\nassert 2\nassert 3", metadata={"tags": ["solution"]}),
    ]
    found = problems(nb)
    assert [line.split(":")[0] for line in found] == ["cell 0"] + ["cell 1"] * 3 + ["cell 2"] * 2, found
