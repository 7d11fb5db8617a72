"""The exercise structure of the book's notebooks (python -m classroom validate).

The real notebooks are validated one by one, first against the structure
every notebook must have, then against the session's conventions (``my_``
names, the Points line, no imported answers) unless listed in ``PENDING``;
the validator itself is tested on a small fixture chapter
(``classroom_fixture``), with one mistake planted at a time.
"""
import re
from pathlib import Path

import nbformat
import pytest
from classroom_fixture import SECRET_PROSE, code, fixture_notebook

from classroom import cli, contract
from rnnlib import check

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = contract.book_notebooks(ROOT)

#: Notebooks whose owners have not yet renamed their exercise functions to my_<name>, added the
#: Points lines or dropped imports of exercise answers (issue 14). Every chapter on main follows the
#: conventions now, so the set is empty; list a notebook here, with a comment saying why, only while
#: it is being converted, and empty the set again at integration.
PENDING = set()


def problems_of(nb, name="04_fixture.ipynb"):
    return contract.validate_notebook(Path(name), nb)


# ------------------------------------------------------------- the real book


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_book_notebook_exercise_structure(path):
    problems = contract.validate_notebook(path)
    assert not problems, f"{path.name}:\n" + "\n".join(f"  - {p}" for p in problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_book_notebook_follows_the_exercise_conventions(path):
    if path.name in PENDING:
        pytest.skip(f"{path.name} is listed in PENDING (its owner has not applied the conventions yet)")
    problems = contract.convention_problems(path)
    assert not problems, f"{path.name}:\n" + "\n".join(f"  - {p}" for p in problems)


def test_pending_lists_only_existing_notebooks():
    assert PENDING <= {p.name for p in NOTEBOOKS}


def test_exercise_labels_are_unique_across_the_book():
    report = contract.validate(NOTEBOOKS)
    across = [p for problems in report.values() for p in problems if "is also used in" in p]
    assert not across, across


def test_every_coding_exercise_uses_a_checker_that_exists():
    for path in NOTEBOOKS:
        for ex in contract.exercises(nbformat.read(path, as_version=4)):
            if ex.coding:
                assert ex.checker in check.CHECKERS, f"{path.name}: {ex.label} calls check.{ex.checker}"


# ---------------------------------------------------- the validator itself


def test_fixture_is_valid_and_its_outputs_are_the_checkers_verdicts():
    nb = fixture_notebook()
    assert problems_of(nb) == []
    assert contract.convention_problems(Path("04_fixture.ipynb"), nb) == []
    found = contract.exercises(nb)
    assert [ex.label for ex in found] == ["ex-ch04-forget-gate", "ex-ch04-lstm-step", "ex-ch04-gate", "ex-ch04-memory"]
    assert [ex.checker for ex in found] == ["lstm_forget_gate", "lstm_step", None, None]
    assert [ex.function for ex in found] == ["my_lstm_forget_gate", "my_lstm_step", None, None]
    assert [(ex.points, ex.difficulty) for ex in found] == [(2, "easy"), (3, "medium"), (1, "easy"), (2, "hard")]
    outputs = [c.outputs[0].text for c in nb.cells if c.cell_type == "code" and c.outputs]
    assert sum("not written yet" in o for o in outputs) == 2
    assert sum(o.startswith("All ") and "checks passed" in o for o in outputs) == 2


def test_cli_validate_reports_ok(tmp_path, capsys):
    path = tmp_path / "04_fixture.ipynb"
    nbformat.write(fixture_notebook(), path)
    assert cli.main(["validate", str(path), "--root", str(ROOT)]) == 0
    assert "04_fixture.ipynb: 4 exercises (2 coding: lstm_forget_gate, lstm_step), OK" in capsys.readouterr().out


def test_cli_exercise_table_shows_points(capsys):
    assert cli.main(["exercises", "--root", str(ROOT)]) == 0
    assert "| label | title | points | difficulty | kind |" in capsys.readouterr().out


def plant(mistake, conventions=False):
    """The fixture notebook with one mistake planted by ``mistake(cells)``."""
    nb = fixture_notebook()
    mistake(nb.cells)
    if conventions:
        return contract.convention_problems(Path("04_fixture.ipynb"), nb)
    return problems_of(nb)


def _cell(cells, needle):
    return next(c for c in cells if needle in c.source)


def _use_a_solution_name(cells):
    _cell(cells, "kept_secret_memory = f_t").source += "\nkept_after = my_lstm_forget_gate"
    cells.append(code("print(kept_after)"))


def _drop_last_exercise(cells):
    del cells[-4:]  # exercise, solution-start, answer, solution-end


def _rename(cells, old, new):
    for cell in cells:
        cell.source = cell.source.replace(old, new)


@pytest.mark.parametrize(
    "mistake, expected",
    [
        (lambda cells: _cell(cells, "{solution-start} ex-ch04-gate").__setitem__(
            "source", "```{solution-start} ex-ch04-gate\n```"), "lacks ':class: dropdown'"),
        (lambda cells: _cell(cells, SECRET_PROSE).metadata.__setitem__("tags", []),
         "not tagged 'solution' (it would reach students)"),
        (lambda cells: _cell(cells, "print('ready')").metadata.__setitem__("tags", ["solution"]),
         "tagged 'solution' but lies outside"),
        (lambda cells: _cell(cells, "raise NotImplementedError").__setitem__(
            "source", "def my_x(x):\n    raise NotImplementedError\ncheck.lstm_gate_of(my_x)"),
         "which rnnlib.check does not have"),
        (lambda cells: _cell(cells, "raise NotImplementedError").__setitem__(
            "source", "def my_lstm_forget_gate(z):\n    return z"), "calls no checker"),
        (lambda cells: _cell(cells, ":label: ex-ch04-memory").__setitem__(
            "source", "```{exercise} Twice\n:label: ex-ch04-gate\n```"), "used by more than one exercise"),
        (lambda cells: _cell(cells, ":label: ex-ch04-gate").__setitem__(
            "source", "```{exercise} Other prefix\n:label: ex-ch01-gate\n```"), "should start with 'ex-ch04-'"),
        (lambda cells: cells.remove(_cell(cells, "{solution-end}")), "has no solution-end cell"),
        (lambda cells: [c for c in cells if c.get("outputs") and "checks passed" in c.outputs[0].text][0]
         .outputs[0].__setitem__("text", "Check 1 of 6 failed"),
         "did not print 'All ... checks passed'"),
        (lambda cells: _cell(cells, "## Exercises").__setitem__("source", "## Practice"), "no '## Exercises'"),
        (_drop_last_exercise, "at least 4 are needed"),
        (_use_a_solution_name, "uses `kept_after`, which only a solution defines"),
    ],
    ids=["dropdown", "untagged-inside", "tagged-outside", "unknown-checker", "no-checker", "duplicate-label",
         "prefix", "unclosed", "solution-fails", "no-heading", "too-few", "solution-only-name"],
)
def test_validator_finds_the_planted_mistake(mistake, expected):
    problems = plant(mistake)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "mistake, expected",
    [
        (lambda cells: _cell(cells, ":label: ex-ch04-gate").__setitem__(
            "source", "```{exercise} No points\n:label: ex-ch04-gate\n\nExplain.\n```"),
         "its body must start with the line '*Points: N"),
        (lambda cells: _cell(cells, ":label: ex-ch04-gate").__setitem__(
            "source", "```{exercise} Late points\n:label: ex-ch04-gate\n\nExplain.\n\n"
                      "*Points: 1 \u00b7 Difficulty: easy*\n```"), "its body must start with the line"),
        (lambda cells: _cell(cells, ":label: ex-ch04-gate").__setitem__(
            "source", "```{exercise} Odd\n:label: ex-ch04-gate\n\n*Points: 1 \u00b7 Difficulty: tricky*\n```"),
         "the difficulty one of easy, medium, hard"),
        (lambda cells: _rename(cells, "my_lstm_step", "lstm_step"), "the student's function must be `my_lstm_step`"),
        (lambda cells: _cell(cells, "print('ready')").__setitem__(
            "source", "from rnnlib.check import check\nfrom rnnlib.lstm import lstm_step"),
         "imports `lstm_step` from rnnlib.lstm"),
        (lambda cells: _cell(cells, "print('ready')").__setitem__("source", "from rnnlib import *"),
         "imports `*` from rnnlib"),
    ],
    ids=["no-points", "points-not-first", "bad-difficulty", "not-my-name", "imported-answer", "star-import"],
)
def test_conventions_find_the_planted_mistake(mistake, expected):
    problems = plant(mistake, conventions=True)
    assert any(expected in p for p in problems), problems


def test_solution_in_a_different_notebook_label_clash(tmp_path):
    a, b = tmp_path / "01_a.ipynb", tmp_path / "02_b.ipynb"
    nbformat.write(fixture_notebook(1), a)
    nb = fixture_notebook(2)
    for cell in nb.cells:  # reuse chapter 1's labels in chapter 2
        cell.source = cell.source.replace("ex-ch02-", "ex-ch01-")
    nbformat.write(nb, b)
    report = contract.validate([a, b])
    assert report[a] == []
    assert any("is also used in 01_a.ipynb" in p for p in report[b])


def test_teachers_guide_names_only_existing_exercises():
    guide = (ROOT / "book" / "teachers_guide.md").read_text()
    named = set(re.findall(r"`(ex-ch\d\d-[\w-]+)`", guide))
    existing = {ex.label for p in NOTEBOOKS for ex in contract.exercises(nbformat.read(p, as_version=4))}
    assert named <= existing, f"the teachers' guide names exercises that do not exist: {sorted(named - existing)}"
    planned = set(re.findall(r"`(\w+)`", guide)) & set(check.CHECKERS)
    assert planned == set(check.CHECKERS), f"checkers missing from the guide: {sorted(set(check.CHECKERS) - planned)}"


def test_teachers_guide_quotes_the_checkers_real_messages(capsys):
    """The guide's example messages are what the checkers print (missing bias, wrapper)."""
    import textwrap

    from classroom_fixture import STEP_BODY_NO_BIAS, STEP_SIGNATURE

    guide = " ".join((ROOT / "book" / "teachers_guide.md").read_text().replace("\\*", "*").split())
    namespace = {}
    exec("import numpy as np\nfrom rnnlib.activations import sigmoid, tanh\n"  # noqa: S102 - the fixture's code
         f"{STEP_SIGNATURE}\n{STEP_BODY_NO_BIAS}\n", namespace)
    no_bias = check.lstm_step(namespace["my_lstm_step"])

    def my_lstm_step(x_t, h_prev, c_prev, W, b):
        from rnnlib import LSTM

        _, state, _ = LSTM(x_t.shape[1], h_prev.shape[1]).step({"W": W, "b": b}, x_t, {"h": h_prev, "c": c_prev})
        return state["h"], state["c"]

    wrapper = check.lstm_step(my_lstm_step)
    capsys.readouterr()
    for result in (no_bias, wrapper):
        assert " ".join(textwrap.wrap(result.message)) in guide, result.message
