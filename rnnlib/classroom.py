"""Classroom tools: the student edition and the exercise-structure validator.

Command line (from the repository root; ``make student`` runs the first)::

    python -m rnnlib.classroom student --out DIR [--html] [--root ROOT]
        [--repository-url URL] [--jupyterhub-url URL] [--binderhub-url URL] [--colab-url URL]
    python -m rnnlib.classroom validate [NOTEBOOK ...] [--root ROOT]
    python -m rnnlib.classroom exercises [--root ROOT]

``student`` writes the student edition into DIR:

* every notebook of the book with the solutions removed (every cell tagged
  ``solution``, and every cell between a ``{solution-start}`` and its
  ``{solution-end}`` even if a tag was forgotten), outputs cleared and
  execution counts reset, so nothing a solution printed survives;
* the other pages and files of ``book/`` (``references.bib`` ...), except
  the teachers' guide, which is for the teacher: it is left out of the
  student edition and of its table of contents;
* ``_toc.yml`` without the excluded pages and ``_config.yml`` with
  ``execute_notebooks: "off"`` (a build never runs a notebook, so no solution
  output can appear) and the title marked "student edition";
* the ``rnnlib`` package and ``pyproject.toml``, so the student edition is
  self-contained: the notebooks import rnnlib, pages may include its source,
  and ``pip install`` of the class repository installs it (rnnlib is the
  reference implementation and holds no exercise solution);
* a short README.md for the students and a marker file ``.student-edition``.

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

``validate`` checks the exercise structure of notebooks (default: every
notebook of ``book/``), as the contract fixes it:

* an exercise is a markdown cell with a ```` ```{exercise} Title ```` directive and
  a ``:label: ex-chNN-...`` (NN the chapter number of the file name);
  labels are unique across the book;
* each exercise is followed by its gated solution: a markdown cell
  ```` ```{solution-start} <label> ```` with ``:class: dropdown``, then the
  solution cells, then a markdown cell ```` ```{solution-end} ````; every
  cell from start to end (inclusive) is tagged ``solution`` and no other
  cell is; no cell outside the solutions uses a name that only a solution
  defines (the student edition would stop with a NameError);
* a coding exercise is an exercise followed by a code cell tagged
  ``exercise`` whose body raises ``NotImplementedError`` and which calls an
  existing checker ``check.<name>(...)`` of :mod:`rnnlib.check`; its
  solution calls the same checker. In an executed notebook the exercise
  cell printed the checker's "not written yet" message and the solution
  cell printed "All N checks passed";
* a chapter (file ``NN_*.ipynb`` with NN >= 1) has a "## Exercises" section
  holding its exercises, at least 4 of them and at least 2 coding ones.

``exercises`` prints a markdown table of every exercise (label, title,
checker) per notebook, for the teachers' guide.
"""

import argparse
import ast
import copy
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

__all__ = [
    "MARKER",
    "EXCLUDED_PAGES",
    "Exercise",
    "find_root",
    "book_notebooks",
    "exercises",
    "validate_notebook",
    "validate",
    "strip_solutions",
    "LAUNCH_SETTINGS",
    "make_student_edition",
    "solution_traces",
    "find_leaks",
    "main",
]

#: Marker file that identifies a directory made by ``student``.
MARKER = ".student-edition"
#: Pages of book/ (stem) left out of the student edition.
EXCLUDED_PAGES = ("teachers_guide",)
#: Minimum chapter requirements (contract).
MIN_EXERCISES, MIN_CODING = 4, 2

_FENCE = r"^(?:`{3,}|:{3,})"
_EXERCISE = re.compile(_FENCE + r"\{exercise\}[ \t]*(?P<title>.*)$", re.M)
_EXERCISE_OTHER = re.compile(_FENCE + r"\{exercise-(?:start|end)\}", re.M)
_LABEL = re.compile(r"^:label:[ \t]*(?P<label>\S+)[ \t]*$", re.M)
_SOLUTION_START = re.compile(_FENCE + r"\{solution-start\}[ \t]*(?P<label>\S*)", re.M)
_SOLUTION_END = re.compile(_FENCE + r"\{solution-end\}", re.M)
_SOLUTION_PLAIN = re.compile(_FENCE + r"\{solution\}", re.M)
_DROPDOWN = re.compile(r"^:class:[ \t]*.*\bdropdown\b", re.M)
_CHECK_CALL = re.compile(r"\bcheck\.([A-Za-z_]\w*)\s*\(")
_EXERCISES_HEADING = re.compile(r"^##[ \t]+Exercises[ \t]*$", re.M)


def _tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def _text(cell):
    """The stdout/text outputs of a code cell, joined, white space folded
    (checker messages are printed wrapped)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
        elif out.get("output_type") == "error":
            parts.append("Traceback " + out.get("ename", ""))
    return " ".join("".join(parts).split())


def _chapter_number(path):
    m = re.match(r"(\d+)_", Path(path).name)
    return int(m.group(1)) if m else None


# ------------------------------------------------------------------ finding


def find_root(start=None):
    """The book's root: the first of ``start`` (default: the current directory)
    and its parents that holds ``_toc.yml`` and ``book/``."""
    here = Path(start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "_toc.yml").is_file() and (d / "book").is_dir():
            return d
    raise FileNotFoundError(f"no book root (a folder with _toc.yml and book/) at or above {here}")


def book_notebooks(root):
    """Every notebook of ``root/book`` (sorted)."""
    return sorted((Path(root) / "book").glob("*.ipynb"))


class Exercise:
    """One exercise of a notebook, as the validator found it.

    Attributes
    ----------
    label, title : str
    cell : int
        Index of the exercise's markdown cell.
    template : int or None
        Index of its code cell tagged ``exercise`` (a coding exercise), else None.
    checker : str or None
        Checker that code cell calls (``check.<name>(...)``), else None.
    solution : tuple of (int, int) or None
        Cell indices of the solution-start and solution-end cells.
    """

    def __init__(self, label, title, cell):
        self.label = label
        self.title = title
        self.cell = cell
        self.checker = None
        self.template = None
        self.solution = None

    @property
    def coding(self):
        return self.template is not None

    def __repr__(self):
        kind = f"coding, check.{self.checker}" if self.coding else "conceptual"
        return f"Exercise({self.label!r}, {self.title!r}, {kind})"


def _solution_blocks(nb):
    """(start, end, label) cell-index ranges of the gated solutions, and problems."""
    blocks, problems, start = [], [], None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        m_start = _SOLUTION_START.search(cell.source)
        if m_start:
            if start is not None:
                problems.append(f"cell {start[0]}: the solution of {start[1]!r} has no solution-end cell "
                                f"before the next solution-start (cell {i})")
            start = (i, m_start.group("label"))
        if _SOLUTION_END.search(cell.source):
            if start is None:
                problems.append(f"cell {i}: solution-end without a solution-start before it")
            else:
                blocks.append((start[0], i, start[1]))
                start = None
    if start is not None:
        problems.append(f"cell {start[0]}: the solution of {start[1]!r} has no solution-end cell")
    return blocks, problems


def exercises(nb):
    """The exercises of a notebook (nbformat node), in order: a list of :class:`Exercise`."""
    found = []
    blocks = {start: (end, label) for start, end, label in _solution_blocks(nb)[0]}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for m in _EXERCISE.finditer(cell.source):
                label = _LABEL.search(cell.source[m.end():])
                found.append(Exercise(label.group("label") if label else None, m.group("title").strip(), i))
            if i in blocks and found and found[-1].solution is None and blocks[i][1] == found[-1].label:
                found[-1].solution = (i, blocks[i][0])
        elif "exercise" in _tags(cell) and found and found[-1].template is None:
            found[-1].template = i
            calls = _CHECK_CALL.findall(cell.source)
            found[-1].checker = calls[0] if calls else None
    return found


# ---------------------------------------------------------------- validating


def validate_notebook(path, nb=None):
    """Problems (a list of sentences, empty when fine) with one notebook's exercises."""
    from rnnlib import check

    path = Path(path)
    nb = nb if nb is not None else nbformat.read(path, as_version=4)
    problems = []
    blocks, block_problems = _solution_blocks(nb)
    problems += block_problems
    inside = {i for start, end, _ in blocks for i in range(start, end + 1)}
    for i, cell in enumerate(nb.cells):
        tagged = "solution" in _tags(cell)
        if i in inside and not tagged:
            problems.append(f"cell {i} lies inside a solution but is not tagged 'solution' (it would reach students)")
        if tagged and i not in inside:
            problems.append(f"cell {i} is tagged 'solution' but lies outside every solution-start/solution-end")
        if cell.cell_type == "markdown" and _EXERCISE_OTHER.search(cell.source):
            problems.append(f"cell {i}: use the {{exercise}} directive (not exercise-start/-end), as the contract fixes")
        if cell.cell_type == "markdown" and _SOLUTION_PLAIN.search(cell.source):
            problems.append(f"cell {i}: use the gated solution-start/solution-end, not {{solution}}")
    for start, _, label in blocks:
        if not _DROPDOWN.search(nb.cells[start].source):
            problems.append(f"cell {start}: the solution of {label!r} lacks ':class: dropdown'")

    problems += _solution_only_names(nb, inside)

    chapter = _chapter_number(path)
    prefix = f"ex-ch{chapter:02d}-" if chapter else "ex-"
    found = exercises(nb)
    exercise_cells = {ex.cell for ex in found}
    for ex in found:
        where = f"exercise {ex.label or ex.title!r} (cell {ex.cell})"
        if not ex.label:
            problems.append(f"{where} has no :label:")
            continue
        if not ex.label.startswith(prefix):
            problems.append(f"{where}: the label should start with {prefix!r}")
        if ex.solution is None:
            problems.append(f"{where} has no gated solution: a markdown cell ```{{solution-start}} {ex.label} "
                            "with :class: dropdown must follow it")
        if ex.coding:
            problems += _coding_problems(nb, ex, where, check.CHECKERS)
    for i, cell in enumerate(nb.cells):
        if "exercise" in _tags(cell) and not any(ex.template == i for ex in found):
            problems.append(f"cell {i} is tagged 'exercise' but follows no {{exercise}} cell")
    labels = [ex.label for ex in found if ex.label]
    for label in sorted({x for x in labels if labels.count(x) > 1}):
        problems.append(f"the label {label!r} is used by more than one exercise")
    for start, _, label in blocks:
        if label not in labels:
            problems.append(f"cell {start}: solution-start names {label!r}, which is no exercise's label")

    if chapter:
        problems += _chapter_problems(nb, found, exercise_cells)
    return problems


def _parse(source):
    try:
        return ast.parse(source)
    except SyntaxError:  # IPython magics and the like: not analysed
        return None


def _top_level_names(tree):
    """Names a cell defines at module level (def, class, import, assignment)."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        else:
            names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return names


def _solution_only_names(nb, inside):
    """A kept cell that uses a name only a solution defined fails in the student edition (NameError)."""
    problems, kept, solution = [], set(), set()
    for i, cell in enumerate(nb.cells):
        tree = _parse(cell.source) if cell.cell_type == "code" else None
        if tree is None:
            continue
        if i in inside or "solution" in _tags(cell):
            solution |= _top_level_names(tree)
            continue
        own = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        own |= {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)} | _top_level_names(tree)
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for name in sorted((used & solution) - kept - own):
            problems.append(f"cell {i} uses `{name}`, which only a solution defines: the student edition "
                            "(solutions removed) would stop there with a NameError")
        kept |= _top_level_names(tree)
    return problems


def _coding_problems(nb, ex, where, checkers):
    problems = []
    template = nb.cells[ex.template]
    if ex.checker is None:
        problems.append(f"{where}: its code cell calls no checker `check.<name>(...)` of rnnlib.check")
        return problems
    if ex.checker not in checkers:
        problems.append(f"{where} calls check.{ex.checker}, which rnnlib.check does not have "
                        f"(it has: {', '.join(sorted(checkers))})")
    if "NotImplementedError" not in template.source:
        problems.append(f"{where}: the template should `raise NotImplementedError(\"your code here\")`")
    if template.get("execution_count") is not None and "not written yet" not in _text(template):
        problems.append(f"{where}: the stored output of its code cell is not the checker's 'not written yet' "
                        "message (re-run the notebook)")
    if ex.solution and ex.template > ex.solution[0]:
        problems.append(f"{where}: its code cell (tag 'exercise') comes after the solution; put it before")
    if ex.solution:
        start, end = ex.solution
        call = re.compile(rf"\bcheck\.{ex.checker}\s*\(")
        calls = [c for c in nb.cells[start:end + 1] if c.cell_type == "code" and call.search(c.source)]
        if not calls:
            problems.append(f"{where}: its solution does not call check.{ex.checker} again")
        elif calls[-1].get("execution_count") is not None and "checks passed" not in _text(calls[-1]):
            problems.append(f"{where}: the solution's check.{ex.checker} call did not print 'All ... checks "
                            f"passed' (stored output: {_text(calls[-1]).strip()[:200]!r})")
    return problems


def _chapter_problems(nb, found, exercise_cells):
    problems = []
    heading = next((i for i, c in enumerate(nb.cells)
                    if c.cell_type == "markdown" and _EXERCISES_HEADING.search(c.source)), None)
    if heading is None:
        problems.append("the chapter has no '## Exercises' section")
    elif any(i < heading for i in exercise_cells):
        problems.append("every exercise should be in the '## Exercises' section at the end")
    if len(found) < MIN_EXERCISES:
        problems.append(f"the chapter has {len(found)} exercises, at least {MIN_EXERCISES} are needed")
    coding = sum(ex.coding for ex in found)
    if coding < MIN_CODING:
        problems.append(f"the chapter has {coding} coding exercises, at least {MIN_CODING} are needed")
    return problems


def validate(paths):
    """Validate several notebooks; labels must be unique across all of them.

    Returns
    -------
    dict of Path to list of str
        The problems of each notebook (empty lists when fine).
    """
    report, owner = {}, {}
    for path in map(Path, paths):
        nb = nbformat.read(path, as_version=4)
        report[path] = validate_notebook(path, nb)
        for ex in exercises(nb):
            if ex.label in owner and owner[ex.label] != path:
                report[path].append(f"the label {ex.label!r} is also used in {owner[ex.label].name}")
            owner.setdefault(ex.label, path)
    return report


# ----------------------------------------------------------- student edition


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
left for you and the solutions removed. Open them in Jupyter (`jupyter lab
book/`) in an environment where `rnnlib` is installed; `pip install ".[widgets]"`
in this folder installs it (with what the interactive figures need).

Each coding exercise gives a function to complete and a line such as
`check.lstm_step(lstm_step)`: run the cell and the checker tells you which
case fails and why, or that all checks passed.
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
        stripped[path.name] = new
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
    (out / MARKER).write_text("Made by `python -m rnnlib.classroom student`; replaced on every run.\n")
    for name, nb in stripped.items():
        nbformat.write(nb, out / "book" / name)
    for src in sorted((root / "book").rglob("*")):
        rel = src.relative_to(root / "book")
        if (src.is_dir() or src.suffix == ".ipynb" or src.stem in EXCLUDED_PAGES
                or any(p in (".ipynb_checkpoints", "__pycache__", "_build") for p in rel.parts)):
            continue
        (out / "book" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out / "book" / rel)
    for src in library:  # rnnlib itself: the notebooks import it and pages include its source
        (out / src.relative_to(root)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out / src.relative_to(root))
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    (out / "_toc.yml").write_text("# Student edition: generated by python -m rnnlib.classroom student\n"
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
    (out / "_config.yml").write_text("# Student edition: generated by python -m rnnlib.classroom student\n"
                                     + yaml.safe_dump(config, sort_keys=False))
    (out / "README.md").write_text(_STUDENT_README.format(title=config["title"].replace(" (student edition)", "")))
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
    return [p for p in paths if isinstance(p, str) and p and not Path(p).is_absolute() and ".." not in Path(p).parts
            and not p.startswith("book/")]


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


# ----------------------------------------------------------------------- CLI


def _exercise_table(root):
    lines = []
    for path in book_notebooks(root):
        found = exercises(nbformat.read(path, as_version=4))
        if not found:
            continue
        lines += [f"\n{path.name}\n", "| label | title | kind |", "| --- | --- | --- |"]
        for ex in found:
            kind = f"coding, `check.{ex.checker}`" if ex.coding else "conceptual"
            lines.append(f"| `{ex.label}` | {ex.title} | {kind} |")
    return "\n".join(lines) if lines else "no exercises yet"


def main(argv=None):
    """Entry point of ``python -m rnnlib.classroom``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m rnnlib.classroom", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_student = sub.add_parser("student", help="write the student edition (no solutions) into --out")
    p_student.add_argument("--out", required=True, help="output folder, e.g. _build/student")
    p_student.add_argument("--html", action="store_true", help="also build its HTML book (no execution)")
    for key in LAUNCH_SETTINGS:
        p_student.add_argument("--" + key.replace("_", "-"), dest=key, default=None,
                               help=f"{'.'.join(LAUNCH_SETTINGS[key])} in the student _config.yml")
    p_validate = sub.add_parser("validate", help="check the exercise structure of the notebooks")
    p_validate.add_argument("notebooks", nargs="*", help="default: every notebook of book/")
    p_table = sub.add_parser("exercises", help="print a markdown table of the exercises")
    for p in (p_student, p_validate, p_table):
        p.add_argument("--root", default=None, help="the book's root (default: found from the current folder)")
    args = parser.parse_args(argv)
    try:
        root = find_root(args.root)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    if args.command == "student":
        try:
            launch = {k: getattr(args, k) for k in LAUNCH_SETTINGS if getattr(args, k) is not None}
            make_student_edition(root, args.out, html=args.html, launch=launch)
        except PermissionError as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 2
        except (ValueError, RuntimeError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "exercises":
        print(_exercise_table(root))
        return 0
    paths = [Path(p) for p in args.notebooks] or book_notebooks(root)
    bad = 0
    for path, problems in validate(paths).items():
        found = exercises(nbformat.read(path, as_version=4))
        coding = [ex.checker for ex in found if ex.coding]
        status = "OK" if not problems else f"{len(problems)} problem(s)"
        print(f"{path.name}: {len(found)} exercises ({len(coding)} coding"
              + (f": {', '.join(map(str, coding))}" if coding else "") + f"), {status}")
        for problem in problems:
            print(f"  - {problem}")
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
