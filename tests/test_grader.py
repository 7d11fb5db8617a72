"""The plain grader (python -m classroom grade): a folder of submissions to grades.csv.

A fixture book (chapter 4 with two coding exercises worth 2 and 3 points) and
one submission per kind: correct, wrong, the untouched template, a wrapper
around rnnlib, a fake printed verdict with a redefined checker, a cell that
loops forever before the answers and one after them, a loop that ignores
interrupts, a cell that raises before the answers, a file that is not JSON,
a notebook whose exercise cells were deleted, and a zip download.
"""
import csv
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from classroom_fixture import (
    FORGET_BODY, FORGET_SIGNATURE, STEP_BODY, STEP_BODY_NO_BIAS, STEP_SIGNATURE, fixture_notebook, write_book)

pytest.importorskip("nbclient")

from classroom import cli, grader  # noqa: E402
from classroom.student import strip_solutions  # noqa: E402

FORGET = "ex-ch04-forget-gate"
STEP = "ex-ch04-lstm-step"
TIME_LIMIT = 10


def released():
    """The notebook a student starts from: the fixture chapter without solutions."""
    return strip_solutions(fixture_notebook())[0]


def answered(step_source=f"{STEP_SIGNATURE}\n{STEP_BODY}", forget_source=f"{FORGET_SIGNATURE}\n{FORGET_BODY}",
             before=None):
    nb = released()
    for cell in nb.cells:
        if "exercise" in cell.metadata.get("tags", []):
            call = cell.source.split("\n\n\n")[-1]
            cell.source = (step_source if "my_lstm_step(" in cell.source else forget_source) + "\n\n\n" + call
    if before:  # a cell inserted right after the setup cell
        nb.cells.insert(2, nbformat.v4.new_code_cell(before))
    return nb


WRAPPER = """def my_lstm_step(x_t, h_prev, c_prev, W, b):
    from rnnlib import LSTM
    _, state, _ = LSTM(x_t.shape[1], h_prev.shape[1]).step({"W": W, "b": b}, x_t, {"h": h_prev, "c": c_prev})
    return state["h"], state["c"]"""
FAKE = f"""{STEP_SIGNATURE}
{STEP_BODY_NO_BIAS}


import rnnlib.check
rnnlib.check.lstm_step = lambda fn, **kwargs: True
print("All 7 checks passed: `my_lstm_step` gives rnnlib's h_t and c_t.")"""


def write(folder, student, nb=None, text=None, name="04_fixture.ipynb"):
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if text is not None:
        path.write_text(text)
    else:
        nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grader")
    root = write_book(tmp / "book_root")
    subs = tmp / "submissions"
    write(subs, "correct", answered())
    write(subs, "wrong", answered(step_source=f"{STEP_SIGNATURE}\n{STEP_BODY_NO_BIAS}"))
    write(subs, "placeholder", released())
    write(subs, "cheat-wrapper", answered(step_source=WRAPPER))
    write(subs, "cheat-fake", answered(step_source=FAKE))
    write(subs, "loops", answered(before="while True:\n    pass"))  # before the answers: they never run
    late = answered()
    late.cells.append(nbformat.v4.new_code_cell("while True:\n    pass"))  # after them: they are graded
    write(subs, "loops-late", late)
    write(subs, "loops-stubbornly", answered(before="import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                                    "while True:\n    pass"))
    write(subs, "raises", answered(before="raise RuntimeError('oops')"))
    write(subs, "not-json", text="{ this is not a notebook")
    deleted = answered()
    deleted.cells = [c for c in deleted.cells if "my_lstm_step" not in c.source]
    write(subs, "deleted-cells", deleted)
    zipped = tmp / "zipped"
    write(zipped, "x", answered(), name="04_fixture (1).ipynb")
    with zipfile.ZipFile(subs / "from-zip.zip", "w") as archive:
        archive.write(zipped / "x" / "04_fixture (1).ipynb", "04_fixture (1).ipynb")
    shutil.copy(zipped / "x" / "04_fixture (1).ipynb", subs / "flat_file_04_fixture.ipynb")  # a course page's name
    out = tmp / "grades.csv"
    lines = []
    assert cli.main(["grade", str(subs), "--out", str(out), "--root", str(root),
                     "--time-limit", str(TIME_LIMIT)]) == 0
    rows = list(csv.DictReader(out.open()))
    return {(r["student"], r["exercise"]): (int(r["points"]), r["verdict"]) for r in rows}, rows, lines


EXPECTED = {  # (forget gate of 2 points, LSTM step of 3 points)
    "correct": (2, 3), "wrong": (2, 0), "placeholder": (0, 0), "cheat-wrapper": (2, 0), "cheat-fake": (2, 0),
    "loops": (0, 0), "loops-late": (2, 3), "loops-stubbornly": (0, 0), "raises": (2, 3), "not-json": (0, 0), "deleted-cells": (2, 0),
    "from-zip": (2, 3), "flat_file": (2, 3),
}


def test_grades_csv_has_the_expected_points(graded):
    table, rows, _ = graded
    assert list(rows[0]) == list(grader.FIELDS)
    got = {student: (table[(student, FORGET)][0], table[(student, STEP)][0]) for student in EXPECTED}
    print("\nstudent            forget gate (2)  LSTM step (3)  verdict of the LSTM step")
    for student, (forget, step) in got.items():
        print(f"{student:18} {forget:>15} {step:>14}  {table[(student, STEP)][1][:90]}")
    assert got == EXPECTED


def test_verdicts_say_why(graded):
    table = graded[0]
    assert table[("correct", STEP)][1].startswith("All 7 checks passed")
    assert "did you add b?" in table[("wrong", STEP)][1]
    assert "not written yet" in table[("placeholder", STEP)][1]
    assert "refuses `my_lstm_step`: it calls rnnlib's `LSTM.step`" in table[("cheat-wrapper", STEP)][1]
    assert table[("cheat-fake", STEP)][1].startswith("Check 1 of 7 failed")
    assert "stopped at the time limit" in table[("loops", STEP)][1]
    assert "stopped at the time limit" in table[("loops-late", STEP)][1]
    assert "would not stop" in table[("loops-stubbornly", STEP)][1]
    assert "raised RuntimeError" in table[("raises", STEP)][1]
    assert "could not be read" in table[("not-json", STEP)][1]
    assert "no function `my_lstm_step` is defined" in table[("deleted-cells", STEP)][1]


def test_existing_foreign_csv_is_not_replaced(tmp_path):
    root = write_book(tmp_path / "book_root")
    (tmp_path / "subs").mkdir()
    out = tmp_path / "grades.csv"
    out.write_text("my own spreadsheet\n")
    with pytest.raises(PermissionError, match="not a grades.csv written by this tool"):
        grader.grade_folder(tmp_path / "subs", root, out, log=lambda *a: None)
    assert out.read_text() == "my own spreadsheet\n"


def test_missing_chapter_is_not_handed_in(tmp_path):
    root = write_book(tmp_path / "book_root")
    subs = tmp_path / "subs"
    write(subs, "ann", text="{}")
    (subs / "bob").mkdir()
    shutil.copy(subs / "ann" / "04_fixture.ipynb", subs / "bob" / "notes.ipynb")  # no chapter: skipped
    rows = grader.grade_folder(subs, root, tmp_path / "grades.csv", time_limit=TIME_LIMIT, log=lambda *a: None)
    assert {(r["student"], r["exercise"]) for r in rows} == {("ann", FORGET), ("ann", STEP)}
    assert Path(tmp_path / "grades.csv").read_text().startswith("student,exercise,points,verdict\n")
