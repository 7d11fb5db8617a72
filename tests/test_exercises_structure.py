"""The exercise structure of the book's notebooks (rnnlib.classroom validate).

The real notebooks are validated one by one (this passes trivially while
book/ has no chapter); the validator itself is tested on a small fixture
notebook built here, with one mistake planted at a time.
"""
import contextlib
import io
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from rnnlib import check, classroom

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = classroom.book_notebooks(ROOT)

#: Text that only the fixture's solutions contain (the student edition must lose it).
SECRET_CODE = "shifted_secret_scores"
SECRET_PROSE = "The secret answer: a gate multiplies a memory by a number between 0 and 1."


def md(source, *tags):
    return new_markdown_cell(source, metadata={"tags": list(tags)} if tags else {})


def code(source, *tags):
    return new_code_cell(source, metadata={"tags": list(tags)} if tags else {})


def coding_exercise(label, title, checker, template, solution):
    """The cells of one coding exercise with its gated solution."""
    return [
        md(f"```{{exercise}} {title}\n:label: {label}\nWrite the function; the checker runs it.\n```"),
        code(f"{template}\n    raise NotImplementedError(\"your code here\")\n\n\ncheck.{checker}({checker})",
             "exercise"),
        md(f"```{{solution-start}} {label}\n:class: dropdown\n```", "solution"),
        code(f"{solution}\n\n\ncheck.{checker}({checker})", "solution"),
        md("```{solution-end}\n```", "solution"),
    ]


def conceptual_exercise(label, title, answer):
    return [
        md(f"```{{exercise}} {title}\n:label: {label}\nExplain in two sentences.\n```"),
        md(f"```{{solution-start}} {label}\n:class: dropdown\n```", "solution"),
        md(answer, "solution"),
        md("```{solution-end}\n```", "solution"),
    ]


def run_cells(nb):
    """Execute the code cells in-process and store their stdout, as a kernel would."""
    namespace, count = {}, 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        count += 1
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(cell.source, namespace)  # noqa: S102 - the fixture's own cells
        cell.execution_count = count
        cell.outputs = [new_output("stream", name="stdout", text=out.getvalue())] if out.getvalue() else []
    return nb


def fixture_notebook(chapter=1, executed=True):
    """A small chapter that follows the contract: 4 exercises, 2 of them coding."""
    p = f"ex-ch{chapter:02d}-"
    cells = [
        md(f"# {chapter}. A fixture chapter\n\nSome text."),
        code("import numpy as np\nfrom rnnlib import check\nprint('ready')"),
        md("## Exercises"),
        *coding_exercise(
            p + "softmax", "A stable softmax", "softmax", "def softmax(z):",
            f"def softmax(z):\n    {SECRET_CODE} = z - z.max(axis=-1, keepdims=True)\n"
            f"    e = np.exp({SECRET_CODE})\n    return e / e.sum(axis=-1, keepdims=True)",
        ),
        *coding_exercise(
            p + "perplexity", "Perplexity", "perplexity", "def perplexity(mean_cross_entropy):",
            "def perplexity(mean_cross_entropy):\n    return float(np.exp(mean_cross_entropy))  # exp of the nats",
        ),
        *conceptual_exercise(p + "gate", "What a gate does", SECRET_PROSE),
        *conceptual_exercise(p + "memory", "Why memories fade", "Because each step multiplies the gradient "
                             "by the same factor, again and again."),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    return run_cells(nb) if executed else nb


def problems_of(nb, name="01_fixture.ipynb"):
    return classroom.validate_notebook(Path(name), nb)


# ------------------------------------------------------------- the real book


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_book_notebook_exercise_structure(path):
    problems = classroom.validate_notebook(path)
    assert not problems, f"{path.name}:\n" + "\n".join(f"  - {p}" for p in problems)


def test_exercise_labels_are_unique_across_the_book():
    report = classroom.validate(NOTEBOOKS)
    across = [p for problems in report.values() for p in problems if "is also used in" in p]
    assert not across, across


def test_every_coding_exercise_uses_a_checker_that_exists():
    for path in NOTEBOOKS:
        for ex in classroom.exercises(nbformat.read(path, as_version=4)):
            if ex.coding:
                assert ex.checker in check.CHECKERS, f"{path.name}: {ex.label} calls check.{ex.checker}"


# ---------------------------------------------------- the validator itself


def test_fixture_is_valid_and_its_outputs_are_the_checkers_verdicts():
    nb = fixture_notebook()
    assert problems_of(nb) == []
    found = classroom.exercises(nb)
    assert [ex.label for ex in found] == ["ex-ch01-softmax", "ex-ch01-perplexity", "ex-ch01-gate", "ex-ch01-memory"]
    assert [ex.checker for ex in found] == ["softmax", "perplexity", None, None]
    outputs = [c.outputs[0].text for c in nb.cells if c.cell_type == "code" and c.outputs]
    assert sum("not written yet" in o for o in outputs) == 2
    assert sum(o.startswith("All ") and "checks passed" in o for o in outputs) == 2


def test_cli_validate_reports_ok(tmp_path, capsys):
    path = tmp_path / "01_fixture.ipynb"
    nbformat.write(fixture_notebook(), path)
    assert classroom.main(["validate", str(path), "--root", str(ROOT)]) == 0
    assert "01_fixture.ipynb: 4 exercises (2 coding: softmax, perplexity), OK" in capsys.readouterr().out


def plant(mistake):
    """The fixture notebook with one mistake planted by ``mistake(cells)``."""
    nb = fixture_notebook()
    mistake(nb.cells)
    return problems_of(nb)


def _cell(cells, needle):
    return next(c for c in cells if needle in c.source)


def _use_a_solution_name(cells):
    _cell(cells, "return float(np.exp").source += "\nppl_of_one = perplexity(0.0)"
    cells.append(code("print(ppl_of_one)"))


def _drop_last_exercise(cells):
    del cells[-4:]  # exercise, solution-start, answer, solution-end


@pytest.mark.parametrize(
    "mistake, expected",
    [
        (lambda cells: _cell(cells, "{solution-start} ex-ch01-gate").__setitem__(
            "source", "```{solution-start} ex-ch01-gate\n```"), "lacks ':class: dropdown'"),
        (lambda cells: _cell(cells, SECRET_PROSE).metadata.__setitem__("tags", []),
         "not tagged 'solution' (it would reach students)"),
        (lambda cells: _cell(cells, "print('ready')").metadata.__setitem__("tags", ["solution"]),
         "tagged 'solution' but lies outside"),
        (lambda cells: _cell(cells, "raise NotImplementedError").__setitem__(
            "source", "def perplexity(x):\n    raise NotImplementedError\ncheck.perplexity_of(perplexity)"),
         "which rnnlib.check does not have"),
        (lambda cells: _cell(cells, "raise NotImplementedError").__setitem__("source", "def softmax(z):\n    return z"),
         "calls no checker"),
        (lambda cells: _cell(cells, ":label: ex-ch01-memory").__setitem__(
            "source", "```{exercise} Twice\n:label: ex-ch01-gate\n```"), "used by more than one exercise"),
        (lambda cells: _cell(cells, ":label: ex-ch01-gate").__setitem__(
            "source", "```{exercise} Other prefix\n:label: ex-ch04-gate\n```"), "should start with 'ex-ch01-'"),
        (lambda cells: cells.remove(_cell(cells, "{solution-end}")), "has no solution-end cell"),
        (lambda cells: [c for c in cells if c.get("outputs") and "checks passed" in c.outputs[0].text][0]
         .outputs[0].__setitem__("text", "Check 1 of 6 failed"),
         "did not print 'All ... checks passed'"),
        (lambda cells: _cell(cells, "## Exercises").__setitem__("source", "## Practice"), "no '## Exercises'"),
        (_drop_last_exercise, "at least 4 are needed"),
        (_use_a_solution_name, "uses `ppl_of_one`, which only a solution defines"),
    ],
    ids=["dropdown", "untagged-inside", "tagged-outside", "unknown-checker", "no-checker", "duplicate-label",
         "prefix", "unclosed", "solution-fails", "no-heading", "too-few", "solution-only-name"],
)
def test_validator_finds_the_planted_mistake(mistake, expected):
    problems = plant(mistake)
    assert any(expected in p for p in problems), problems


def test_solution_in_a_different_notebook_label_clash(tmp_path):
    a, b = tmp_path / "01_a.ipynb", tmp_path / "02_b.ipynb"
    nbformat.write(fixture_notebook(1), a)
    nb = fixture_notebook(2)
    for cell in nb.cells:  # reuse chapter 1's labels in chapter 2
        cell.source = cell.source.replace("ex-ch02-", "ex-ch01-")
    nbformat.write(nb, b)
    report = classroom.validate([a, b])
    assert report[a] == []
    assert any("is also used in 01_a.ipynb" in p for p in report[b])


def test_teachers_guide_names_only_existing_exercises():
    guide = (ROOT / "book" / "teachers_guide.md").read_text()
    named = set(re.findall(r"`(ex-ch\d\d-[\w-]+)`", guide))
    existing = {ex.label for p in NOTEBOOKS for ex in classroom.exercises(nbformat.read(p, as_version=4))}
    assert named <= existing, f"the teachers' guide names exercises that do not exist: {sorted(named - existing)}"
    planned = set(re.findall(r"`(\w+)`", guide)) & set(check.CHECKERS)
    assert planned == set(check.CHECKERS), f"checkers missing from the guide: {sorted(set(check.CHECKERS) - planned)}"
