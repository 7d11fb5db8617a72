"""The nbgrader course, end to end with nbgrader itself (skipped where nbgrader is not installed).

A fixture chapter that follows the exercise contract is exported with
``classroom.nbgrader_export``; then, in a temporary course directory, nbgrader
generates the student version, autogrades six submissions (correct, wrong,
the untouched placeholder, and three cheats: a wrapper around rnnlib, a
printed fake verdict, a redefined checker) and generates their feedback.
The scores must be full marks for the correct one and zero for the others.
"""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader")

from classroom import nbgrader_export  # noqa: E402
from classroom_fixture import (  # noqa: E402
    FORGET_BODY, FORGET_SIGNATURE, STEP_BODY, STEP_BODY_NO_BIAS, STEP_SIGNATURE, write_book)

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "04_fixture"

#: The answer cells of each submission (grade_id -> source); cells not listed keep the released stub.
WRAPPER = """def my_lstm_step(x_t, h_prev, c_prev, W, b):
    from rnnlib import LSTM
    _, state, _ = LSTM(x_t.shape[1], h_prev.shape[1]).step({"W": W, "b": b}, x_t, {"h": h_prev, "c": c_prev})
    return state["h"], state["c"]
"""
FAKE_PRINT = f"""{STEP_SIGNATURE}
{STEP_BODY_NO_BIAS}

print("All 7 checks passed: `my_lstm_step` gives rnnlib's h_t and c_t.")
"""
REDEFINED = f"""{STEP_SIGNATURE}
{STEP_BODY_NO_BIAS}

import rnnlib.check
rnnlib.check.lstm_step = lambda fn, **kwargs: True
"""
SUBMISSIONS = {
    "correct": {"forget-gate": f"{FORGET_SIGNATURE}\n{FORGET_BODY}\n", "lstm-step": f"{STEP_SIGNATURE}\n{STEP_BODY}\n"},
    "wrong": {"forget-gate": f"{FORGET_SIGNATURE}\n{FORGET_BODY}\n", "lstm-step": f"{STEP_SIGNATURE}\n{STEP_BODY_NO_BIAS}\n"},
    "placeholder": {},
    "cheat-wrapper": {"lstm-step": WRAPPER},
    "cheat-print": {"lstm-step": FAKE_PRINT},
    "cheat-redefine": {"lstm-step": REDEFINED},
}
#: Expected autograded points: (forget gate out of 2, LSTM step out of 3).
EXPECTED = {"correct": (2, 3), "wrong": (2, 0), "placeholder": (0, 0),
            "cheat-wrapper": (0, 0), "cheat-print": (0, 0), "cheat-redefine": (0, 0)}


@pytest.fixture(autouse=True)
def _venv_on_path(monkeypatch):
    """nbgrader runs the `alembic` command of its environment: the venv's bin/ must be on PATH."""
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def nbgrader(course, *args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_export_marks_solutions_and_tests(tmp_path):
    write_book(tmp_path / "book_root")
    report = nbgrader_export.write_course(tmp_path / "book_root", tmp_path / "course", log=lambda *a: None)
    assert report == {ASSIGNMENT: {"ex-ch04-forget-gate": 2, "ex-ch04-lstm-step": 3, "ex-ch04-gate": 1,
                                   "ex-ch04-memory": 2}}
    nb = nbformat.read(tmp_path / "course" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    answer = cells["ex-ch04-lstm-step-answer"].source
    assert answer.startswith(STEP_SIGNATURE + "\n    ### BEGIN SOLUTION\n") and "check." not in answer
    tests = cells["ex-ch04-lstm-step-tests"]
    assert tests.metadata["nbgrader"]["points"] == 3 and tests.metadata["nbgrader"]["locked"]
    assert "assert check.lstm_step(my_lstm_step)" in tests.source.split("### BEGIN HIDDEN TESTS")[0]
    assert "verify('lstm_step', my_lstm_step, seed=" in tests.source.split("### BEGIN HIDDEN TESTS")[1]
    assert cells["ex-ch04-gate-answer"].cell_type == "markdown" and cells["ex-ch04-gate-answer"].metadata[
        "nbgrader"]["points"] == 1
    assert not any("{solution" in c.source or "{exercise}" in c.source for c in nb.cells)
    assert "**Exercise: One LSTM step** (3 points \u00b7 medium)" in "".join(c.source for c in nb.cells)
    # a config someone else wrote is never replaced; ours is
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "nbgrader_config.py").write_text("c = get_config()\n")
    with pytest.raises(PermissionError, match="not written by this tool"):
        nbgrader_export.write_course(tmp_path / "book_root", tmp_path / "other", log=lambda *a: None)
    nbgrader_export.write_course(tmp_path / "book_root", tmp_path / "course", log=lambda *a: None)


def _submit(course, student, answers):
    released = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(released, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        key = grade_id.removeprefix("ex-ch04-").removesuffix("-answer")
        if grade_id.endswith("-answer") and key in answers:
            cell.source = answers[key]
    target = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(nb, target)


def test_nbgrader_grades_four_kinds_of_submission(tmp_path):
    book, course = write_book(tmp_path / "book_root"), tmp_path / "course"
    nbgrader_export.write_course(book, course, log=lambda *a: None)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    released = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    text = "\n".join(c.source for c in released.cells)
    assert "BEGIN HIDDEN TESTS" not in text and "verify(" not in text and "kept_secret_memory" not in text
    assert "raise NotImplementedError" in text and "assert check.lstm_step(my_lstm_step)" in text

    for student, answers in SUBMISSIONS.items():
        _submit(course, student, answers)
    nbgrader(course, "autograde", ASSIGNMENT, "--force")
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")

    from nbgrader.api import Gradebook

    table = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in SUBMISSIONS:
            nb = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
            grades = {g.name: g.score for g in nb.grades}
            table[student] = (grades["ex-ch04-forget-gate-tests"], grades["ex-ch04-lstm-step-tests"])
    print("\nstudent          forget gate (2)  LSTM step (3)")
    for student, (forget, step) in table.items():
        print(f"{student:16} {forget:>15g} {step:>14g}")
    assert table == EXPECTED
    for student in SUBMISSIONS:
        feedback = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert feedback.is_file(), feedback
    wrapper = (course / "feedback" / "cheat-wrapper" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "refuses" in wrapper and "LSTM.step" in wrapper


def test_real_chapter_4_through_nbgrader(tmp_path):
    """The teachers' guide's release of chapter 4: the book's own solutions earn every autograded point."""
    course = tmp_path / "course"
    report = nbgrader_export.write_course(ROOT, course, chapters=["04_lstm"], log=lambda *a: None)
    nbgrader(course, "generate_assignment", "04_lstm", "--force")
    source = nbformat.read(course / "source" / "04_lstm" / "04_lstm.ipynb", as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: "\n".join(
        line for line in c.source.splitlines() if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
        for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    release = course / "release" / "04_lstm" / "04_lstm.ipynb"
    for student, fill in (("solutions", True), ("blank", False)):
        nb = nbformat.read(release, as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if fill and grade_id in answers:
                cell.source = answers[grade_id]
        (course / "submitted" / student / "04_lstm").mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / student / "04_lstm" / "04_lstm.ipynb")
    nbgrader(course, "autograde", "04_lstm", "--force")

    from nbgrader.api import Gradebook

    tests = {f"{label}-tests": points for label, points in report["04_lstm"].items()
             if any(c.metadata.get("nbgrader", {}).get("grade_id") == f"{label}-tests" for c in source.cells)}
    assert len(tests) >= 2
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, expected in (("solutions", tests), ("blank", dict.fromkeys(tests, 0))):
            nb = gb.find_submission_notebook("04_lstm", "04_lstm", student)
            assert {g.name: g.score for g in nb.grades if g.name in tests} == expected, student


def test_course_directory_never_inside_the_book(tmp_path, capsys):
    from classroom import cli

    root = write_book(tmp_path / "book_root")
    for out in (root, root / "book", root / "book" / "course"):
        assert cli.main(["nbgrader", "--out", str(out), "--root", str(root)]) == 2
        assert "must not be the book" in capsys.readouterr().err
    assert not (root / "book" / "course").exists() and not (root / "nbgrader_config.py").exists()
    assert cli.main(["nbgrader", "--out", str(tmp_path / "c"), "--root", str(root), "--chapter", "nope"]) == 1
