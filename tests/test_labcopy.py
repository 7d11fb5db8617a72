"""The learner's working copy (jupyter-config/labcopy.py): made once, refreshed only when asked, never loses an edit."""
import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPEC = importlib.util.spec_from_file_location("labcopy", ROOT / "jupyter-config" / "labcopy.py")
labcopy = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(labcopy)


def notebook(text):
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": text}], "metadata": {},
                       "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def book(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    for name in ("00_a.ipynb", "01_b.ipynb"):
        (book / name).write_text(notebook(name))
    (book / "intro.md").write_text("# not a notebook")
    return book


def quiet(*args):
    pass


def test_first_use_copies_every_notebook_and_says_where(book, tmp_path):
    said = []
    copied = labcopy.create(book, tmp_path / "lab", out=said.append)
    assert copied == ["00_a.ipynb", "01_b.ipynb"]
    assert sorted(p.name for p in (tmp_path / "lab").glob("*.ipynb")) == copied
    assert (tmp_path / "lab" / "00_a.ipynb").read_bytes() == (book / "00_a.ipynb").read_bytes()
    assert "working copy" in said[0] and "lab" in said[0]


def test_create_again_never_replaces_a_file_and_adds_new_chapters(book, tmp_path):
    copy = tmp_path / "lab"
    labcopy.create(book, copy, out=quiet)
    (copy / "00_a.ipynb").write_text(notebook("the learner's work"))
    (book / "01_b.ipynb").write_text(notebook("a newer chapter 1"))
    (book / "02_c.ipynb").write_text(notebook("a new chapter"))
    said = []
    assert labcopy.create(book, copy, out=said.append) == ["02_c.ipynb"]
    assert (copy / "00_a.ipynb").read_text() == notebook("the learner's work")
    assert (copy / "01_b.ipynb").read_text() == notebook("01_b.ipynb")
    assert any("newer versions of 01_b.ipynb" in s and "make lab-update" in s for s in said), said


def test_update_refreshes_untouched_notebooks_and_keeps_edited_ones(book, tmp_path):
    copy = tmp_path / "lab"
    labcopy.create(book, copy, out=quiet)
    (copy / "00_a.ipynb").write_text(notebook("the learner's work"))
    (book / "00_a.ipynb").write_text(notebook("newer 0"))
    (book / "01_b.ipynb").write_text(notebook("newer 1"))
    said = []
    result = labcopy.update(book, copy, out=said.append)
    assert result["updated"] == ["01_b.ipynb"] and result["kept"] == ["00_a.ipynb"] and result["backup"] is None
    assert (copy / "00_a.ipynb").read_text() == notebook("the learner's work")
    assert (copy / "01_b.ipynb").read_text() == notebook("newer 1")
    assert any("Kept your changed 00_a.ipynb" in s for s in said), said
    # A second update has nothing to do; the edited notebook is still kept.
    assert labcopy.update(book, copy, out=quiet)["updated"] == []
    assert labcopy.status(book, copy) == {"00_a.ipynb": "edited", "01_b.ipynb": "same"}


def test_update_with_overwrite_backs_up_the_learners_version_first(book, tmp_path):
    copy = tmp_path / "lab"
    labcopy.create(book, copy, out=quiet)
    (copy / "00_a.ipynb").write_text(notebook("the learner's work"))
    said = []
    result = labcopy.update(book, copy, overwrite=True, out=said.append)
    assert result["backed_up"] == ["00_a.ipynb"] and result["kept"] == []
    assert (result["backup"] / "00_a.ipynb").read_text() == notebook("the learner's work")
    assert result["backup"].parent == copy and result["backup"].name.startswith("backup-")
    assert (copy / "00_a.ipynb").read_bytes() == (book / "00_a.ipynb").read_bytes()
    assert any(str(result["backup"]) in s for s in said), said


def test_a_notebook_that_was_not_copied_by_the_tool_counts_as_the_learners(book, tmp_path):
    copy = tmp_path / "lab"
    copy.mkdir()
    (copy / "00_a.ipynb").write_text(notebook("made by hand"))
    labcopy.create(book, copy, out=quiet)
    assert labcopy.status(book, copy)["00_a.ipynb"] == "edited"
    assert labcopy.update(book, copy, out=quiet)["kept"] == ["00_a.ipynb"]
    assert (copy / "00_a.ipynb").read_text() == notebook("made by hand")


def test_a_book_folder_without_notebooks_is_refused(tmp_path):
    with pytest.raises(ValueError, match="book must be a folder with notebooks"):
        labcopy.create(tmp_path, tmp_path / "lab", out=quiet)


def test_the_working_copy_is_ignored_by_git():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    for path in ("lab/04_lstm.ipynb", "lab/.labcopy.json", "lab/backup-20260101-120000/04_lstm.ipynb"):
        result = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        assert result.returncode == 0, f"{path}: lab/ (make lab's working copy) must be in .gitignore"
    assert subprocess.run(["git", "check-ignore", "-q", "book/04_lstm.ipynb"], cwd=ROOT).returncode == 1


def test_makefile_serves_the_copy_with_the_project_settings():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "notebook"):
        recipe = makefile.split(f"\n{target}: ")[1].split("\n\n")[0]
        assert "labcopy.py create" in recipe and "$(LAB_DIR)" in recipe and "$(JUPYTER_ARGS)" in recipe
        assert "book/" not in recipe.replace("--book book", "")
    assert "--config=$(CURDIR)/jupyter-config/jupyter_config.py" in makefile
    assert "lab-update:" in makefile and "--overwrite" in makefile
