"""The student edition: the book without solutions, ready for a class repository.

``python -m classroom student --out DIR`` (``make student``) writes into DIR:

* every notebook of the book with the solutions removed (every cell tagged
  ``solution``, and every cell between a ``{solution-start}`` and its
  ``{solution-end}`` even if a tag was forgotten), outputs cleared and
  execution counts reset, so nothing a solution printed survives; after the
  title, each notebook gets a setup cell that installs rnnlib where it is
  missing (Colab: from the class repository; Binder or a clone: from the
  edition's own folder) and does nothing elsewhere;
* the other pages and files of ``book/`` (``references.bib`` ...), except
  the teachers' guide, which is for the teacher: it is left out of the
  student edition and of its table of contents. The intro's section "Three
  ways to use this book" is replaced by one about this edition (how to open
  the notebooks, how the checkers and exercises work), and no page may still
  mention what the edition lacks (``make lab``, solutions behind a dropdown,
  the teachers' part): in the intro that is an error, elsewhere a warning
  naming the page;
* ``_toc.yml`` without the excluded pages and ``_config.yml`` with
  ``execute_notebooks: "off"`` (a build never runs a notebook, so no solution
  output can appear) and the title marked "student edition";
* the ``rnnlib`` package and ``pyproject.toml``, so the student edition is
  self-contained: the notebooks import rnnlib, and ``pip install`` of the
  class repository installs it (rnnlib is the reference implementation; the
  checkers refuse a solution that calls the function an exercise asks for);
* ``requirements.txt`` for Binder and for ``pip install -r`` (the pinned
  versions of numpy and of the figures' packages, and the edition itself),
  a short README.md for the students and a marker file ``.student-edition``.

The ``--repository-url`` and ``--*hub-url``/``--colab-url`` options fill
the launch-button settings of the student edition's ``_config.yml`` (the
class repository the student edition is pushed to, the class hub).

DIR must not be the repository root, lie inside ``book/`` or contain the
book. A non-empty DIR without the marker was not made by this tool and is
never overwritten; one with the marker is replaced. The book's own files are
only read. With ``--html`` the student HTML book is built in
``DIR/_build/html`` by Jupyter Book without executing anything. Finally
every file written (HTML, sources, downloadable notebooks) is searched for
the text of the removed solutions; any trace is an error.
"""

import copy
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from classroom.contract import _solution_blocks, _tags, book_notebooks

__all__ = [
    "MARKER",
    "EXCLUDED_PAGES",
    "LAUNCH_SETTINGS",
    "strip_solutions",
    "setup_cell",
    "make_student_edition",
    "solution_traces",
    "find_leaks",
]

#: Marker file that identifies a directory made by ``student``.
MARKER = ".student-edition"
#: Pages of book/ (stem) left out of the student edition.
EXCLUDED_PAGES = ("teachers_guide",)
#: Text no page of the student edition may contain (it describes what the edition lacks).
EDITION_MISMATCHES = ("make lab", "behind a dropdown", "For teachers", "teachers_guide")
#: Packages of the pinned set that the student edition's requirements.txt carries.
STUDENT_REQUIREMENTS = ("numpy", "matplotlib", "pillow", "ipywidgets", "tqdm")

def strip_solutions(nb):
    """A copy of ``nb`` without solutions and outputs, and the removed cells.

    Removes every cell tagged ``solution`` and every cell inside a
    solution-start/solution-end block; clears outputs, execution counts,
    execution timings and the stored widget state.

    Raises
    ------
    ValueError
        If a solution block is not closed (what to remove would be a guess).
    """
    blocks, problems = _solution_blocks(nb)
    fatal = [p for p in problems if "solution-end" in p]
    if fatal:
        raise ValueError("; ".join(fatal))
    inside = {i for start, end, _ in blocks for i in range(start, end + 1)}
    out = nbformat.v4.new_notebook(metadata=copy.deepcopy(nb.metadata))
    out.metadata.pop("widgets", None)
    removed = []
    for i, cell in enumerate(nb.cells):
        if i in inside or "solution" in _tags(cell):
            removed.append(cell)
            continue
        cell = copy.deepcopy(cell)
        cell.get("metadata", {}).pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        out.cells.append(cell)
    return out, removed


_NORMALIZE = re.compile(r"[^0-9A-Za-z]+")
#: Shortest solution line (in letters and digits) used as a trace.
MIN_TRACE = 16


def _normalize(text):
    return _NORMALIZE.sub("", text)


_SKIP_LINE = re.compile(r"^\s*(?:`{3,}|:{3,})|^\s*:class:|^\s*#")


def solution_traces(removed_cells, kept_text):
    """Normalized lines of the removed cells that appear nowhere in ``kept_text``.

    A line counts if it has at least ``MIN_TRACE`` letters and digits; lines
    that the kept content also has (a function signature in the template, the
    checker call) are not traces.
    """
    kept = _normalize(kept_text)
    traces = set()
    for cell in removed_cells:
        for line in cell.source.splitlines():
            if _SKIP_LINE.match(line):
                continue
            norm = _normalize(line)
            if len(norm) >= MIN_TRACE and norm not in kept:
                traces.add(norm)
    return sorted(traces)


_BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".woff", ".woff2", ".ttf", ".eot", ".pdf"}


def find_leaks(directory, traces):
    """Files under ``directory`` that contain one of ``traces``: a dict file -> trace.

    HTML tags are removed and entities unescaped first, so highlighted code
    (``<span>``-split) is found too. Theme files (``_static``) are skipped.
    """
    leaks = {}
    if not traces:
        return leaks
    for f in sorted(Path(directory).rglob("*")):
        if not f.is_file() or "_static" in f.parts or f.suffix.lower() in _BINARY_SUFFIXES:
            continue
        text = f.read_bytes().decode("utf-8", errors="ignore")
        if f.suffix in (".html", ".htm", ".xml"):
            text = html.unescape(re.sub(r"<[^>]+>", "", text))
        norm = _normalize(text)
        hit = next((t for t in traces if t in norm), None)
        if hit:
            leaks[f] = hit
    return leaks


def _check_out(root, out):
    """Refuse output folders that could destroy the book or someone's files."""
    root, out = Path(root).resolve(), Path(out).resolve()
    if out == root:
        raise PermissionError(f"--out {out} is the book's root: the student edition needs its own folder")
    if out == root / "book" or (root / "book") in out.parents:
        raise PermissionError(f"--out {out} lies inside book/: the student edition must not mix with the book")
    if out in root.parents:
        raise PermissionError(f"--out {out} contains the book: choose a folder of its own")
    if out.exists() and not out.is_dir():
        raise PermissionError(f"--out {out} is a file")
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise PermissionError(
            f"--out {out} is not empty and was not made by this tool (no {MARKER} marker): "
            "refusing to overwrite it; choose another folder or empty it yourself"
        )
    return root, out


def _toc_without(node, excluded):
    """_toc.yml data without the entries whose file is in ``excluded``; parts left empty are dropped."""
    if isinstance(node, list):
        return [x for x in (_toc_without(v, excluded) for v in node) if x is not None]
    if isinstance(node, dict):
        if node.get("file") in excluded:
            return None
        new = {k: _toc_without(v, excluded) for k, v in node.items()}
        for key in ("chapters", "sections"):
            if key in new and not new[key]:
                if "file" not in new:
                    return None  # a part (caption only) with nothing left
                del new[key]  # a page stays, without its removed sections
        return new
    return node


_STUDENT_README = """\
# {title}: student edition

The notebooks in `book/` are the chapters of the book with the exercises
left for you and the solutions removed. To work on them on your own computer:

```bash
python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
.venv/bin/jupyter lab book/
```

(`requirements.txt` installs `rnnlib` from this folder and what the figures
need; JupyterLab itself: `.venv/bin/pip install jupyterlab`.) On Binder the
same file sets up the environment; on Colab the first code cell of each
notebook installs `rnnlib`.

Each coding exercise gives a function to complete, such as `my_lstm_step`,
and a line `check.lstm_step(my_lstm_step)`: run the cell and the checker
tells you which case fails and why, or that all checks passed. Hand in your
notebooks as your teacher says (nbgrader's Assignments tab on the class hub,
or the notebooks uploaded to the course page).
"""

_EDITION_SECTION = """## How to work with this edition

This is the student edition of the book: every chapter ends with exercises,
and their solutions are not part of it.

Open a chapter
: Each page of a chapter has a launch button (the rocket at the top) when your
  teacher has set one up: Binder or Colab run the notebook in your browser, a
  class JupyterHub opens it in your class's environment. On your own computer,
  follow the README of this edition. The first code cell of each notebook
  installs `rnnlib` where it is missing (on Colab) and does nothing elsewhere.

Do the exercises
: A coding exercise gives a function to write, named `my_...`, and a checker
  call below it, for example `check.lstm_step(my_lstm_step)`. Run the cell: the
  checker tries your function on several cases and says which one fails and
  why, or that all checks passed. Each exercise shows its points and
  difficulty. Calling the library function that an exercise asks you to write
  is refused: write it yourself.

Hand in
: As your teacher says: through the Assignments tab of the class hub
  (nbgrader), or by uploading your notebooks to the course page.

"""


#: ``make_student_edition(launch=...)`` keys and where they go in the student _config.yml.
LAUNCH_SETTINGS = {
    "repository_url": ("repository", "url"),
    "jupyterhub_url": ("launch_buttons", "jupyterhub_url"),
    "binderhub_url": ("launch_buttons", "binderhub_url"),
    "colab_url": ("launch_buttons", "colab_url"),
}


def _check_launch(launch):
    unknown = sorted(set(launch) - set(LAUNCH_SETTINGS))
    if unknown:
        raise ValueError(f"launch: unknown settings {unknown}; known: {sorted(LAUNCH_SETTINGS)}")
    url = launch.get("repository_url")
    if url is not None:
        # The book theme reads https://<host>/<owner>/<repo> and needs a host it knows.
        parts = url.strip("/").split("/")
        if not (len(parts) >= 5 and parts[0] in ("https:", "http:")
                and any(p in parts[2].lower() for p in ("github", "gitlab", "bitbucket"))):
            raise ValueError(
                f"repository_url must look like https://<host>/<owner>/<repo> on GitHub, GitLab or Bitbucket "
                f"(the book theme recognises only those), got {url!r}"
            )


def make_student_edition(root, out, html=False, log=print, launch=None):
    """Write the student edition of the book at ``root`` into ``out``.

    Parameters
    ----------
    root : path
        The book's root (holds _toc.yml, _config.yml and book/).
    out : path
        Output folder (see the module docstring for what is refused).
    html : bool
        Also build the student HTML book in ``out/_build/html`` (no execution).
    log : callable
        Receives progress lines.
    launch : dict, optional
        Launch-button settings for the student edition's _config.yml, keys
        of ``LAUNCH_SETTINGS`` (``repository_url`` is the class repository
        the student edition is pushed to; with it ``path_to_book`` becomes "").

    Returns
    -------
    dict
        ``notebooks`` (count), ``removed_cells``, ``traces`` (how many
        solution lines were searched for), ``files_searched``, ``html``
        (path or None).

    Raises
    ------
    PermissionError
        For a refused ``out``.
    ValueError
        For an unclosed solution block, or a solution trace found in the output.
    """
    root, out = _check_out(root, out)
    _check_launch(launch or {})
    excluded = {f"book/{stem}" for stem in EXCLUDED_PAGES}
    notebooks = book_notebooks(root)
    stripped, removed, kept_text = {}, [], []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        try:
            new, gone = strip_solutions(nb)
        except ValueError as exc:
            raise ValueError(f"{path.name}: {exc}") from None
        stripped[path.name] = _with_setup_cell(new, (launch or {}).get("repository_url"))
        removed += gone
        kept_text += [c.source for c in new.cells]
    for page in sorted((root / "book").rglob("*")):
        if page.is_file() and page.suffix in (".md", ".bib", ".txt") and page.stem not in EXCLUDED_PAGES:
            kept_text.append(page.read_text(encoding="utf-8", errors="ignore"))
    library = _library_files(root)
    kept_text += [f.read_text(encoding="utf-8", errors="ignore") for f in library if f.suffix == ".py"]
    traces = solution_traces(removed, "\n".join(kept_text))

    if out.exists():
        shutil.rmtree(out)  # _check_out made sure it is ours (marker) or empty
    (out / "book").mkdir(parents=True)
    (out / MARKER).write_text("Made by `python -m classroom student`; replaced on every run.\n")
    for name, nb in stripped.items():
        nbformat.write(nb, out / "book" / name)
    for src in sorted((root / "book").rglob("*")):
        rel = src.relative_to(root / "book")
        if (src.is_dir() or src.suffix == ".ipynb" or src.stem in EXCLUDED_PAGES
                or any(p in (".ipynb_checkpoints", "__pycache__", "_build") for p in rel.parts)):
            continue
        (out / "book" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out / "book" / rel)
    _edition_intro(out / "book" / "intro.md")
    for src in library:  # rnnlib itself: the notebooks import it and pages include its source
        (out / src.relative_to(root)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out / src.relative_to(root))
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    (out / "_toc.yml").write_text("# Student edition: generated by python -m classroom student\n"
                                  + yaml.safe_dump(_toc_without(toc, excluded), sort_keys=False))
    config = yaml.safe_load((root / "_config.yml").read_text())
    for rel in _config_paths(config):  # local Sphinx extensions, logo: files the build needs
        src = root / rel
        if src.is_dir():
            shutil.copytree(src, out / rel, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
        elif src.is_file():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, out / rel)
    config["title"] = f"{config.get('title', 'The book')} (student edition)"
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    for key, value in (launch or {}).items():
        section, field = LAUNCH_SETTINGS[key]
        config.setdefault(section, {})[field] = value
        if key == "repository_url":
            config["repository"]["path_to_book"] = ""
    (out / "_config.yml").write_text("# Student edition: generated by python -m classroom student\n"
                                     + yaml.safe_dump(config, sort_keys=False))
    (out / "README.md").write_text(_STUDENT_README.format(title=config["title"].replace(" (student edition)", "")))
    (out / "requirements.txt").write_text(student_requirements(root))
    _check_edition_text(out, log)
    log(f"student edition: {len(stripped)} notebooks, {len(removed)} solution cells removed -> {out}")

    html_dir = None
    if html:
        html_dir = _build_html(out, log)
    files = [f for f in out.rglob("*") if f.is_file()]
    leaks = find_leaks(out, traces)
    if leaks:
        lines = "\n".join(f"  {f.relative_to(out)}: {t[:60]}" for f, t in leaks.items())
        raise ValueError(f"solution text found in the student edition:\n{lines}")
    log(f"checked {len(files)} files for {len(traces)} solution lines: no solution text in the student edition")
    return {"notebooks": len(stripped), "removed_cells": len(removed), "traces": len(traces),
            "files_searched": len(files), "html": html_dir}


_SETUP_CELL = """\
# Setup for Colab and Binder: installs rnnlib where it is missing (nothing to do elsewhere).
import importlib.util, pathlib, subprocess, sys
if importlib.util.find_spec("rnnlib") is None:
    here = pathlib.Path.cwd()
    edition = next((d for d in (here, *here.parents) if (d / "pyproject.toml").is_file()), None)
    source = f"{{edition}}[widgets]" if edition else {remote!r}
    if source is None:
        raise RuntimeError("rnnlib is not installed: ask your teacher for the class repository")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", source], check=True)
if "google.colab" in sys.modules:
    from google.colab import output
    output.enable_custom_widget_manager()  # the figures' sliders
"""


def setup_cell(repository_url=None):
    """The first code cell of every student notebook (source text).

    It installs rnnlib only where it is missing: from the edition's folder on
    Binder or in a clone, from ``repository_url`` (``git+...``) on Colab, which
    opens a single notebook; on Colab it also turns on the widgets.
    """
    remote = f"rnnlib[widgets] @ git+{repository_url}" if repository_url else None
    return _SETUP_CELL.format(remote=remote)


def _with_setup_cell(nb, repository_url):
    """The notebook with the setup cell after its first markdown cell (the title)."""
    cell = nbformat.v4.new_code_cell(setup_cell(repository_url), metadata={"tags": ["student-setup"]})
    first = next((i + 1 for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), 0)
    nb.cells.insert(first, cell)
    return nb


def student_requirements(root):
    """requirements.txt of the student edition: the pinned versions of what the notebooks need, and the edition."""
    pinned = {}
    path = Path(root) / "requirements.txt"
    for line in (path.read_text().splitlines() if path.is_file() else []):
        name = re.split(r"[=<>!~ ;\[]", line.strip(), maxsplit=1)[0]
        if name and not line.startswith("#"):
            pinned[name.lower().replace("_", "-")] = line.strip()
    lines = [pinned.get(name, name) for name in STUDENT_REQUIREMENTS]
    return ("# The student edition's environment (Binder reads this file; locally: pip install -r requirements.txt).\n"
            + "\n".join(lines) + "\n.  # rnnlib, from this folder\n")


def _edition_intro(intro):
    """Replace the intro's "Three ways to use this book" section by the edition's own."""
    if not intro.is_file():
        return
    text = intro.read_text(encoding="utf-8")
    m = re.search(r"^## Three ways to use this book[ \t]*\n.*?(?=^## |\Z)", text, re.M | re.S)
    if m:
        text = text[:m.start()] + _EDITION_SECTION + text[m.end():]
    else:  # no such section: the edition's text goes before the first section
        first = re.search(r"^## ", text, re.M)
        at = first.start() if first else len(text)
        text = text[:at] + _EDITION_SECTION + text[at:]
    intro.write_text(text, encoding="utf-8")


def _edition_text_problems(out):
    """Pages and notebooks of the edition that still describe what the edition lacks: (page, phrase) pairs."""
    found = []
    for f in sorted((out / "book").rglob("*")):
        if f.suffix == ".md":
            texts = [f.read_text(encoding="utf-8", errors="ignore")]
        elif f.suffix == ".ipynb":
            texts = [c.source for c in nbformat.read(f, as_version=4).cells if c.cell_type == "markdown"]
        else:
            continue
        found += [(f.relative_to(out), phrase) for phrase in EDITION_MISMATCHES if any(phrase in t for t in texts)]
    return found


def _check_edition_text(out, log):
    """The intro must match the edition (an error); other pages that do not are listed as warnings."""
    problems = _edition_text_problems(out)
    intro = [f"  {page}: {phrase!r}" for page, phrase in problems if page.name == "intro.md"]
    if intro:
        raise ValueError("the student edition's intro mentions what the edition does not have:\n" + "\n".join(intro))
    for page, phrase in problems:
        log(f"warning: {page} mentions {phrase!r}, which the student edition does not have; reword it for both "
            "editions")


def _library_files(root):
    """The files of the rnnlib package (and pyproject.toml) that the student edition carries."""
    package = root / "rnnlib"
    files = [f for f in sorted(package.rglob("*")) if f.is_file() and "__pycache__" not in f.parts
             and f.suffix not in (".pyc", ".pyo")] if package.is_dir() else []
    return files + ([root / "pyproject.toml"] if (root / "pyproject.toml").is_file() else [])


def _config_paths(config):
    """Paths outside book/ that _config.yml makes the build read (relative, inside the root)."""
    sphinx = config.get("sphinx") or {}
    paths = list((sphinx.get("local_extensions") or {}).values())
    paths += [config.get("logo"), (config.get("html") or {}).get("favicon")]
    return list(dict.fromkeys(p for p in paths if isinstance(p, str) and p and not Path(p).is_absolute()
                              and ".." not in Path(p).parts and not p.startswith("book/")))


def _build_html(out, log):
    """Build the student HTML with Jupyter Book (execute_notebooks is off in its config)."""
    cmd = [sys.executable, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
           "build", str(out), "--keep-going"]
    log("building the student HTML (no notebook is executed) ...")
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stdout + result.stderr).splitlines()
        causes = [line for line in lines
                  if len(line) < 400 and re.search(r"\w*(?:Error|Exception)\b:|[Ee]rror:|WARNING", line)][:15]
        raise RuntimeError("jupyter-book build of the student edition failed:\n" + "\n".join(causes + lines[-10:]))
    html_dir = out / "_build" / "html"
    warnings_ = [line for line in (result.stdout + result.stderr).splitlines() if "WARNING" in line]
    for line in warnings_:
        log(f"  {line}")
    log(f"student HTML ({len(warnings_)} warnings): {html_dir / 'index.html'}")
    return html_dir


