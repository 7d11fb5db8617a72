"""The student edition (python -m classroom student): no solution survives anywhere.

Built into temporary folders from a fixture chapter (see
classroom_fixture.py) and from the real book/. The HTML test builds
one student book holding both, with Jupyter Book and no execution.
"""
import importlib.util
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from classroom_fixture import SECRET_CODE, SECRET_PROSE, fixture_notebook

from classroom import cli, contract, student

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = "99_fixture"
SECRETS = (SECRET_CODE, SECRET_PROSE)  # a line of solution code, a solution's prose


def make_book(tmp_path, with_real_book=False):
    """A book root in tmp_path: the fixture chapter (+ the real book's files), a teachers' guide."""
    root = tmp_path / "root"
    (root / "book").mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, root / name)
    for rel in student._config_paths(yaml.safe_load((ROOT / "_config.yml").read_text())):
        if (ROOT / rel).is_dir():  # local Sphinx extensions the config loads
            shutil.copytree(ROOT / rel, root / rel, ignore=shutil.ignore_patterns("__pycache__"))
    if with_real_book:
        shutil.copytree(ROOT / "book", root / "book", dirs_exist_ok=True)
        shutil.copytree(ROOT / "rnnlib", root / "rnnlib", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    else:
        for name in ("intro.md", "references.bib", "bibliography.md"):
            shutil.copy(ROOT / "book" / name, root / "book" / name)
    nbformat.write(fixture_notebook(99), root / "book" / f"{FIXTURE}.ipynb")
    (root / "book" / "teachers_guide.md").write_text("# For teachers\n\nSolutions live in the instructor notebooks.\n")
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    if not with_real_book:
        toc["parts"] = [p for p in toc["parts"] if p.get("caption") == "Back matter"]
    listed = str(toc)
    toc["parts"].insert(0, {"caption": "Fixture", "chapters": [{"file": f"book/{FIXTURE}"}]})
    if "book/teachers_guide" not in listed:
        toc["parts"].insert(-1, {"caption": "For teachers", "chapters": [{"file": "book/teachers_guide"}]})
    (root / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    return root


def assert_no_solution_anywhere(out, secrets=SECRETS):
    for f in sorted(Path(out).rglob("*")):
        if f.is_file() and "_static" not in f.parts:
            text = f.read_bytes().decode("utf-8", errors="ignore")
            for secret in secrets:
                assert secret not in text, f"{f.relative_to(out)} holds {secret!r}"


def assert_student_notebooks_clean(out):
    notebooks = sorted((Path(out) / "book").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            assert "solution" not in cell.metadata.get("tags", []), f"{path.name} cell {i}"
            assert "{solution-start}" not in cell.source and "{solution-end}" not in cell.source
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name} cell {i} kept outputs"
        assert "widgets" not in nb.metadata
    return notebooks


def test_fixture_student_edition(tmp_path):
    root = make_book(tmp_path)
    out = tmp_path / "student"
    report = student.make_student_edition(root, out, log=lambda *a: None)
    assert report["removed_cells"] == 12 and report["traces"] >= 2
    assert_student_notebooks_clean(out)
    assert_no_solution_anywhere(out, SECRETS + ("All 8 checks passed", "All 7 checks passed"))  # nor a solution's output
    nb = nbformat.read(out / "book" / f"{FIXTURE}.ipynb", as_version=4)
    templates = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    assert len(templates) == 2 and all("NotImplementedError" in c.source for c in templates)
    assert sum("{exercise}" in c.source for c in nb.cells) == 4
    # the teachers' guide stays with the teacher
    assert not (out / "book" / "teachers_guide.md").exists()
    toc_text = (out / "_toc.yml").read_text()
    assert "teachers_guide" not in toc_text and "For teachers" not in toc_text
    config = yaml.safe_load((out / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["title"].endswith("(student edition)")
    assert (out / "book" / "references.bib").is_file() and (out / student.MARKER).is_file()
    # the instructor notebook is untouched
    original = nbformat.read(root / "book" / f"{FIXTURE}.ipynb", as_version=4)
    assert any(SECRET_CODE in c.source for c in original.cells)


def test_untagged_cell_inside_a_solution_is_removed_anyway(tmp_path):
    root = make_book(tmp_path)
    path = root / "book" / f"{FIXTURE}.ipynb"
    nb = nbformat.read(path, as_version=4)
    next(c for c in nb.cells if SECRET_PROSE in c.source).metadata["tags"] = []
    nbformat.write(nb, path)
    student.make_student_edition(root, tmp_path / "student", log=lambda *a: None)
    assert_no_solution_anywhere(tmp_path / "student")


def test_unclosed_solution_is_refused(tmp_path):
    root = make_book(tmp_path)
    path = root / "book" / f"{FIXTURE}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if "{solution-end}" not in c.source]
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="has no solution-end"):
        student.make_student_edition(root, tmp_path / "student", log=lambda *a: None)
    assert not (tmp_path / "student").exists()


def test_leak_detection_sees_through_highlighted_html(tmp_path):
    traces = student.solution_traces([nbformat.v4.new_code_cell(f"    {SECRET_CODE} = z - z.max()")], "")
    page = tmp_path / "page.html"
    page.write_text(f'<span class="n">{SECRET_CODE}</span> <span class="o">=</span> z <span>-</span> z.max()')
    assert student.find_leaks(tmp_path, traces) == {page: traces[0]}


@pytest.mark.parametrize("where", ["root", "book", "inside-book", "parent", "foreign"])
def test_dangerous_out_folders_are_refused(tmp_path, where):
    root = make_book(tmp_path)
    foreign = tmp_path / "someone_elses"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    out = {"root": root, "book": root / "book", "inside-book": root / "book" / "student",
           "parent": tmp_path, "foreign": foreign}[where]
    before = sorted(p.name for p in (root / "book").iterdir())
    with pytest.raises(PermissionError):
        student.make_student_edition(root, out, log=lambda *a: None)
    assert sorted(p.name for p in (root / "book").iterdir()) == before
    assert (foreign / "thesis.tex").read_text() == "precious"


def test_own_output_is_replaced_and_cli_refuses_foreign(tmp_path, capsys):
    root = make_book(tmp_path)
    out = tmp_path / "student"
    assert cli.main(["student", "--out", str(out), "--root", str(root)]) == 0
    (out / "book" / "stale.ipynb").write_text("{}")
    assert cli.main(["student", "--out", str(out), "--root", str(root)]) == 0
    assert not (out / "book" / "stale.ipynb").exists()
    (out / student.MARKER).unlink()
    assert cli.main(["student", "--out", str(out), "--root", str(root)]) == 2
    assert "not made by this tool" in capsys.readouterr().err


def test_real_book_student_notebooks(tmp_path):
    out = tmp_path / "student"
    report = student.make_student_edition(ROOT, out, log=lambda *a: None)
    notebooks = assert_student_notebooks_clean(out)
    assert len(notebooks) == len(contract.book_notebooks(ROOT)) == report["notebooks"]
    tagged = sum("solution" in c.metadata.get("tags", [])
                 for p in contract.book_notebooks(ROOT) for c in nbformat.read(p, as_version=4).cells)
    assert report["removed_cells"] == tagged
    assert not (out / "book" / "teachers_guide.md").exists()
    # self-contained: the library the notebooks import, installable with pip
    assert (out / "rnnlib" / "check" / "__init__.py").is_file() and (out / "pyproject.toml").is_file()
    assert not list(out.rglob("__pycache__"))


@pytest.mark.skipif(importlib.util.find_spec("jupyter_book") is None,
                    reason="jupyter-book is not installed: the student HTML cannot be built")
def test_student_html_of_fixture_and_real_book(tmp_path):
    root = make_book(tmp_path, with_real_book=True)
    out = tmp_path / "student"
    lines = []
    report = student.make_student_edition(root, out, html=True, log=lines.append)  # raises on a leak
    # warnings the edition causes (a removed page or solution still referenced) fail; a warning the book's
    # own build has as well (a chapter's broken link) is that chapter's business and shows in `make book`
    edition_warnings = [line for line in lines if "WARNING" in line
                        and re.search(rf"{FIXTURE}|teachers_guide|solution|student-setup", line)]
    assert not edition_warnings, "\n".join(lines)
    html = report["html"]
    assert (html / "index.html").is_file()
    page = (html / "book" / f"{FIXTURE}.html").read_text()
    assert "One LSTM step" in page and "check.lstm_step" in page.replace('<span class="o">.</span>', ".").replace(
        '<span class="n">', "").replace("</span>", "")
    assert (html / "_sources" / "book" / f"{FIXTURE}.ipynb").is_file()  # the downloadable notebook
    assert_no_solution_anywhere(out)
    toc = (root / "_toc.yml").read_text()
    for path in contract.book_notebooks(root):
        if f"book/{path.stem}" in toc:
            assert (html / "book" / f"{path.stem}.html").is_file(), f"{path.name} missing from the student HTML"


def test_launch_settings_go_into_the_student_config(tmp_path):
    root = make_book(tmp_path)
    out = tmp_path / "student"
    launch = {"repository_url": "https://github.com/<owner>/<class-repo>", "jupyterhub_url": "https://<your-hub>"}
    student.make_student_edition(root, out, log=lambda *a: None, launch=launch)
    config = yaml.safe_load((out / "_config.yml").read_text())
    assert config["repository"]["url"] == launch["repository_url"] and config["repository"]["path_to_book"] == ""
    assert config["launch_buttons"]["jupyterhub_url"] == "https://<your-hub>"
    assert yaml.safe_load((root / "_config.yml").read_text())["repository"]["url"] == ""  # the book's own: untouched
    with pytest.raises(ValueError, match="GitHub, GitLab or Bitbucket"):
        student.make_student_edition(root, out, log=lambda *a: None, launch={"repository_url": "https://x.org/r"})


def test_edition_setup_requirements_and_intro(tmp_path):
    root = make_book(tmp_path)
    (root / "requirements.txt").write_text("# pins\nmatplotlib==3.11.2\nnumpy==2.4.6\nnbgrader==0.9.6\n")
    out = tmp_path / "student"
    lines = []
    student.make_student_edition(root, out, log=lines.append,
                                 launch={"repository_url": "https://github.com/owner/class-repo"})
    # requirements.txt for Binder: the pinned numpy and figure packages and the edition itself, no teacher tools
    requirements = (out / "requirements.txt").read_text().splitlines()
    assert "numpy==2.4.6" in requirements and "matplotlib==3.11.2" in requirements and "ipywidgets" in requirements
    assert any(line.startswith(".") for line in requirements) and not any("nbgrader" in r for r in requirements)
    # every notebook starts (after its title) with the setup cell, which names the class repository
    nb = nbformat.read(out / "book" / f"{FIXTURE}.ipynb", as_version=4)
    setup = nb.cells[1]
    assert setup.cell_type == "code" and setup.metadata["tags"] == ["student-setup"]
    assert "rnnlib[widgets] @ git+https://github.com/owner/class-repo" in setup.source
    compile(setup.source, "setup", "exec")
    # the intro speaks about this edition
    intro = (out / "book" / "intro.md").read_text()
    assert "## How to work with this edition" in intro and "make lab" not in intro and "dropdown" not in intro
    assert "make lab" not in (out / "README.md").read_text()
    assert all(page.name != "intro.md" for page, _ in student._edition_text_problems(out))


def test_setup_cell_installs_only_where_rnnlib_is_missing(tmp_path):
    namespace = {}
    exec(student.setup_cell("https://github.com/owner/class-repo"), namespace)  # rnnlib is installed here
    assert "source" not in namespace  # nothing was installed


def test_an_intro_that_does_not_match_the_edition_is_an_error(tmp_path):
    root = make_book(tmp_path)
    (root / "book" / "intro.md").write_text("# Book\n\nRun `make lab` to start.\n\n## Notation\n\nx\n")
    with pytest.raises(ValueError, match="intro mentions what the edition does not have"):
        student.make_student_edition(root, tmp_path / "student", log=lambda *a: None)
