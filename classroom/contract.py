"""The exercise contract: how a chapter notebook holds its exercises, and its validator.

The contract (``python -m classroom validate`` checks it):

* an exercise is a markdown cell with a ```` ```{exercise} Title ```` directive and
  a ``:label: ex-chNN-...`` (NN the chapter number of the file name);
  labels are unique across the book. Its body starts with the line
  ``*Points: N · Difficulty: easy|medium|hard*`` (N a whole number), which
  the book shows and the graders use;
* each exercise is followed by its gated solution: a markdown cell
  ```` ```{solution-start} <label> ```` with ``:class: dropdown``, then the
  solution cells, then a markdown cell ```` ```{solution-end} ````; every
  cell from start to end (inclusive) is tagged ``solution`` and no other
  cell is; no cell outside the solutions uses a name that only a solution
  defines (the student edition would stop with a NameError);
* a coding exercise is an exercise followed by a code cell tagged
  ``exercise`` that defines the student's function ``my_<name>`` with a body
  raising ``NotImplementedError`` and calls the checker
  ``check.<name>(my_<name>)`` of :mod:`rnnlib.check`; its solution defines
  ``my_<name>`` and calls the same checker. In an executed notebook the
  exercise cell printed the checker's "not written yet" message and the
  solution cell printed "All N checks passed". The notebook never imports the
  rnnlib function an exercise asks for (``from rnnlib import softmax``);
* a chapter (file ``NN_*.ipynb`` with NN >= 1) has a "## Exercises" section
  holding its exercises, at least 4 of them and at least 2 coding ones.

:func:`validate_notebook` checks the structure every notebook must have;
:func:`convention_problems` the naming, points and import conventions (the
``my_`` names, the Points line, no imported answers), which the structure
test applies to every notebook not yet listed as pending.
"""

import ast
import re
from pathlib import Path

import nbformat

__all__ = [
    "Exercise",
    "find_root",
    "book_notebooks",
    "exercises",
    "validate_notebook",
    "convention_problems",
    "validate",
    "DIFFICULTIES",
]

#: Minimum chapter requirements (contract).
MIN_EXERCISES, MIN_CODING = 4, 2
#: The difficulties an exercise may have.
DIFFICULTIES = ("easy", "medium", "hard")
#: Points of an exercise whose Points line is missing (pending notebooks only).
DEFAULT_POINTS = 1

_FENCE = r"^(?:`{3,}|:{3,})"
_EXERCISE = re.compile(_FENCE + r"\{exercise\}[ \t]*(?P<title>.*)$", re.M)
_EXERCISE_OTHER = re.compile(_FENCE + r"\{exercise-(?:start|end)\}", re.M)
_LABEL = re.compile(r"^:label:[ \t]*(?P<label>\S+)[ \t]*$", re.M)
_SOLUTION_START = re.compile(_FENCE + r"\{solution-start\}[ \t]*(?P<label>\S*)", re.M)
_SOLUTION_END = re.compile(_FENCE + r"\{solution-end\}", re.M)
_SOLUTION_PLAIN = re.compile(_FENCE + r"\{solution\}", re.M)
_DROPDOWN = re.compile(r"^:class:[ \t]*.*\bdropdown\b", re.M)
_CHECK_CALL = re.compile(r"\bcheck\.([A-Za-z_]\w*)\s*\(")
_CHECK_ARG = re.compile(r"\bcheck\.[A-Za-z_]\w*\s*\(\s*(?P<function>[A-Za-z_]\w*)\s*\)")
_EXERCISES_HEADING = re.compile(r"^##[ \t]+Exercises[ \t]*$", re.M)
_POINTS_LINE = re.compile(r"^\*Points:[ \t]*(?P<points>\d+)[ \t]*\u00b7[ \t]*Difficulty:[ \t]*(?P<difficulty>\w+)\*[ \t]*$")
_OPTION_LINE = re.compile(r"^:[\w-]+:")


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
    function : str or None
        The student's function that call passes (``my_<name>`` by the contract).
    points : int or None
        From the ``*Points: N · Difficulty: ...*`` line (None without it).
    difficulty : str or None
        From the same line.
    solution : tuple of (int, int) or None
        Cell indices of the solution-start and solution-end cells.
    """

    def __init__(self, label, title, cell):
        self.label = label
        self.title = title
        self.cell = cell
        self.checker = None
        self.function = None
        self.template = None
        self.solution = None
        self.points = None
        self.difficulty = None

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
                points = _points_line(cell.source[m.end():])
                if points:
                    found[-1].points, found[-1].difficulty = int(points["points"]), points["difficulty"]
            if i in blocks and found and found[-1].solution is None and blocks[i][1] == found[-1].label:
                found[-1].solution = (i, blocks[i][0])
        elif "exercise" in _tags(cell) and found and found[-1].template is None:
            found[-1].template = i
            calls = _CHECK_CALL.findall(cell.source)
            found[-1].checker = calls[0] if calls else None
            passed = _CHECK_ARG.search(cell.source)
            found[-1].function = passed.group("function") if passed else None
    return found


def _points_line(body):
    """The Points line match if it is the first line of an exercise's body (after options and blank lines)."""
    for line in body.splitlines()[1:]:  # [0] is the rest of the directive line
        if not line.strip() or _OPTION_LINE.match(line.strip()):
            continue
        return _POINTS_LINE.match(line.strip())
    return None


def convention_problems(path, nb=None):
    """Problems with this session's exercise conventions (empty when fine).

    Every exercise starts its body with ``*Points: N · Difficulty: easy|medium|hard*``;
    a coding exercise's function is ``my_<checker>`` (defined by its template
    and by its solution, passed to ``check.<checker>``); no code cell imports
    from rnnlib a function that one of the notebook's exercises asks for.
    """
    path = Path(path)
    nb = nb if nb is not None else nbformat.read(path, as_version=4)
    problems = []
    found = exercises(nb)
    for ex in found:
        where = f"exercise {ex.label or ex.title!r} (cell {ex.cell})"
        if ex.points is None:
            problems.append(f"{where}: its body must start with the line "
                            "'*Points: N \u00b7 Difficulty: easy|medium|hard*'")
        elif ex.points < 1 or ex.difficulty not in DIFFICULTIES:
            problems.append(f"{where}: points must be a whole number >= 1 and the difficulty one of "
                            f"{', '.join(DIFFICULTIES)} (got {ex.points}, {ex.difficulty!r})")
        if not ex.coding or not ex.checker:
            continue
        wanted = f"my_{ex.checker}"
        if ex.function != wanted:
            problems.append(f"{where}: the student's function must be `{wanted}`, passed as "
                            f"`check.{ex.checker}({wanted})` (found {ex.function!r})")
            continue
        cells = [nb.cells[ex.template]] + ([nb.cells[k] for k in range(ex.solution[0], ex.solution[1] + 1)]
                                          if ex.solution else [])
        for kind, cell in zip(("template", *["solution"] * (len(cells) - 1)), cells):
            tree = _parse(cell.source) if cell.cell_type == "code" else None
            if kind == "template" and (tree is None or wanted not in _defined_functions(tree)):
                problems.append(f"{where}: its code cell must define `def {wanted}(...)`")
        if ex.solution and not any(c.cell_type == "code" and (tree := _parse(c.source)) is not None
                                   and wanted in _defined_functions(tree) for c in cells[1:]):
            problems.append(f"{where}: its solution must define `def {wanted}(...)`")
    asked = {ex.checker for ex in found if ex.coding and ex.checker}
    for i, cell in enumerate(nb.cells):
        tree = _parse(cell.source) if cell.cell_type == "code" else None
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "rnnlib":
                for alias in node.names:
                    if alias.name in asked or (alias.name == "*" and asked):
                        problems.append(f"cell {i} imports `{alias.name}` from {node.module}: an exercise of this "
                                        "notebook asks the student to write it (use it through its module, "
                                        "e.g. `clip.clip_by_global_norm`, where the lesson needs it)")
    return problems


def _defined_functions(tree):
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


# ---------------------------------------------------------------- validating


def validate_notebook(path, nb=None):
    """Problems (a list of sentences, empty when fine) with one notebook's exercises."""
    from rnnlib import check  # the checkers the exercises call

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


