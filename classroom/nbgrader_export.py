"""The book as an nbgrader course: ``python -m classroom nbgrader --out DIR`` (``make nbgrader``).

Writes a complete nbgrader course directory::

    DIR/nbgrader_config.py
    DIR/source/<chapter>/<chapter>.ipynb      (e.g. source/04_lstm/04_lstm.ipynb)

Each chapter with exercises becomes an assignment whose source notebook is
the chapter itself, outputs cleared, with its exercises turned into
nbgrader cells:

* a coding exercise becomes an answer cell holding the book's solution
  between nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers
  (inside the function ``my_<name>``, whose signature and docstring the
  students keep) and a locked, autograded test cell worth the exercise's
  points. Its visible part runs the friendly checker
  (``assert check.lstm_step(my_lstm_step)``); its hidden part
  (``### BEGIN HIDDEN TESTS``) runs :func:`classroom.verify.verify`: the
  checker of a freshly imported rnnlib, on the book's cases and on other
  random inputs drawn from a seed only the source notebook holds;
* a conceptual exercise becomes a manually graded markdown answer cell
  worth its points, with the book's answer between the solution markers;
* the exercise text is plain markdown with its points and difficulty
  (nbgrader shows the notebook in Jupyter, not through the book's MyST).

Points and difficulty come from the exercise's ``*Points: N · Difficulty: ...*``
line. Running it again rewrites ``source/`` (generated from the book: edit
the chapter, not the source copy) and leaves everything nbgrader made
(``release/``, ``submitted/``, ``autograded/``, ``feedback/``, the
gradebook) alone; an ``nbgrader_config.py`` it did not write is never
replaced.
"""

import ast
import copy
import re
import zlib
from pathlib import Path

import nbformat

from classroom.contract import (
    DEFAULT_POINTS,
    _EXERCISE,
    _LABEL,
    _OPTION_LINE,
    _POINTS_LINE,
    _parse,
    _solution_blocks,
    _tags,
    book_notebooks,
    exercises,
)

__all__ = ["CONFIG_MARKER", "nbgrader_notebook", "write_course"]

#: First line of the nbgrader_config.py this tool writes (an older one with it is replaced).
CONFIG_MARKER = "# Written by `python -m classroom nbgrader`"

_CONFIG = CONFIG_MARKER + """ (make nbgrader); edit freely, then remove this line
# so that the next run leaves the file alone.
c = get_config()  # noqa: F821 - nbgrader provides get_config

c.CourseDirectory.course_id = {course_id!r}
# Every assignment is a chapter of the book, e.g. `nbgrader generate_assignment 04_lstm`.
c.ExecutePreprocessor.timeout = {timeout}
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError(\\"your code here\\")"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# On a JupyterHub with the nbgrader exchange, set the shared folder (see the teachers' guide):
# c.Exchange.root = "/srv/nbgrader/exchange"
"""


def _nb_meta(grade_id, *, solution, grade, locked, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _exercise_markdown(source, ex):
    """The exercise cell as plain markdown: a bold title with points and difficulty, then its body."""
    m = _EXERCISE.search(source)
    body, lines = [], source[m.end():].splitlines()[1:]
    for line in lines:
        stripped = line.strip()
        if re.match(r"^(?:`{3,}|:{3,})\s*$", stripped):
            break
        if _OPTION_LINE.match(stripped) or _POINTS_LINE.match(stripped):
            continue
        body.append(line)
    points = ex.points or DEFAULT_POINTS
    level = f" \u00b7 {ex.difficulty}" if ex.difficulty else ""
    head = f"**Exercise: {ex.title}** ({points} point{'s' if points != 1 else ''}{level})"
    return (source[:m.start()] + head + "\n\n" + "\n".join(body).strip() + "\n").strip() + "\n"


def _without_check_calls(source):
    """The code without its top-level ``check.<name>(...)`` statements."""
    tree = _parse(source)
    lines = source.splitlines()
    if tree is None:
        return source
    drop = set()
    for node in tree.body:
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and isinstance(node.value.func.value, ast.Name) and node.value.func.value.id == "check"):
            drop.update(range(node.lineno - 1, node.end_lineno))
    return "\n".join(line for i, line in enumerate(lines) if i not in drop).strip() + "\n"


def _marked(lines, indent=""):
    return [f"{indent}### BEGIN SOLUTION", *lines, f"{indent}### END SOLUTION"]


def answer_source(solution, function):
    """The answer cell: the solution with the body of ``function`` between nbgrader's markers.

    Code before and after the function (helpers) is marked as solution too;
    the ``def`` line and the docstring stay for the students.
    """
    code = _without_check_calls(solution)
    tree = _parse(code)
    lines = code.rstrip("\n").splitlines()
    target = next((n for n in (tree.body if tree else []) if isinstance(n, ast.FunctionDef) and n.name == function),
                  None)
    if target is None:
        return "\n".join(_marked(lines)) + "\n"
    body = target.body
    first = body[1] if (len(body) > 1 and isinstance(body[0], ast.Expr)
                        and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)) \
        else body[0]
    start = (target.decorator_list[0].lineno if target.decorator_list else target.lineno) - 1
    body_start = first.lineno - 1
    indent = re.match(r"\s*", lines[body_start]).group(0)
    before = [line for line in lines[:start]]
    after = lines[target.end_lineno:]
    out = []
    if any(line.strip() for line in before):
        out += _marked([line for line in before]) + [""]
    out += lines[start:body_start] + _marked(lines[body_start:target.end_lineno], indent)
    if any(line.strip() for line in after):
        out += [""] + _marked(after)
    return "\n".join(out) + "\n"


def hidden_seed(label):
    """The seed of an exercise's hidden cases (fixed per label, never shown to students)."""
    return zlib.crc32(label.encode()) % 1_000_000


def test_source(ex, points):
    """The autograded test cell of a coding exercise."""
    fn, name = ex.function, ex.checker
    return (
        f"# Tests of {ex.label} ({points} point{'s' if points != 1 else ''}): run this cell to check your answer.\n"
        "from rnnlib import check\n\n"
        f"assert check.{name}({fn}), \"check.{name} did not pass: its message above says why\"\n"
        "### BEGIN HIDDEN TESTS\n"
        "from classroom.verify import verify\n\n"
        f"verify({name!r}, {fn}, seed={hidden_seed(ex.label)})  # a fresh checker, other random inputs\n"
        "### END HIDDEN TESTS\n"
    )


def nbgrader_notebook(nb):
    """The nbgrader source version of a book notebook (a new notebook; ``nb`` is not changed).

    Returns
    -------
    notebook : nbformat.NotebookNode
    points : dict of str to int
        The points of each exercise, by label.
    """
    found = [ex for ex in exercises(nb) if ex.label]
    blocks = {start: end for start, end, _ in _solution_blocks(nb)[0]}
    by_cell = {ex.cell: ex for ex in found}
    templates = {ex.template: ex for ex in found if ex.coding}
    out = nbformat.v4.new_notebook(metadata=copy.deepcopy(nb.metadata))
    out.metadata.pop("widgets", None)
    points, skip = {}, set()
    for i, cell in enumerate(nb.cells):
        if i in skip:
            continue
        if i in blocks:  # a gated solution: its content goes into the answer cells
            skip.update(range(i, blocks[i] + 1))
            continue
        if i in templates:
            continue  # replaced by the answer and test cells, emitted after the exercise's text
        if "solution" in _tags(cell):
            continue
        new = copy.deepcopy(cell)
        new.get("metadata", {}).pop("execution", None)
        if new.cell_type == "code":
            new.outputs, new.execution_count = [], None
        ex = by_cell.get(i)
        if ex is None:
            out.cells.append(new)
            continue
        pts = ex.points or DEFAULT_POINTS
        points[ex.label] = pts
        new.source = _exercise_markdown(cell.source, ex)
        out.cells.append(new)
        solution = [nb.cells[k] for k in range(ex.solution[0], ex.solution[1] + 1)] if ex.solution else []
        if ex.coding and ex.checker and ex.function:
            code = next((c.source for c in solution if c.cell_type == "code"
                         and re.search(rf"^def {re.escape(ex.function)}\(", c.source, re.M)), None)
            source = answer_source(code, ex.function) if code else \
                "\n".join(_marked(_without_check_calls(nb.cells[ex.template].source).splitlines())) + "\n"
            out.cells.append(nbformat.v4.new_code_cell(
                source, metadata=_nb_meta(f"{ex.label}-answer", solution=True, grade=False, locked=False)))
            out.cells.append(nbformat.v4.new_code_cell(
                test_source(ex, pts), metadata=_nb_meta(f"{ex.label}-tests", solution=False, grade=True,
                                                        locked=True, points=pts)))
        else:
            answer = "\n\n".join(c.source for c in solution if c.cell_type == "markdown"
                                 and not re.search(r"\{solution-(?:start|end)\}", c.source))
            out.cells.append(nbformat.v4.new_markdown_cell(
                "\n".join(_marked(answer.strip().splitlines() or ["(the book gives no written answer)"])) + "\n",
                metadata=_nb_meta(f"{ex.label}-answer", solution=True, grade=True, locked=False, points=pts)))
    return out, points


def write_course(root, out, course_id="recurrent-networks", chapters=None, timeout=600, log=print):
    """Write the nbgrader course directory ``out`` from the book at ``root``.

    Parameters
    ----------
    root : path
        The book's root (holds book/).
    out : path
        The course directory (created if missing).
    course_id : str
        nbgrader's course id.
    chapters : iterable of str, optional
        Notebook names without suffix (``"04_lstm"``); default every chapter with exercises.
    timeout : int
        Seconds nbgrader may spend on one cell when it autogrades.
    log : callable

    Returns
    -------
    dict of str to dict
        For each assignment, the points of its exercises by label.

    Raises
    ------
    PermissionError
        If ``out`` is the book's root or inside it, or holds an
        ``nbgrader_config.py`` this tool did not write.
    ValueError
        For an unknown chapter name.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    if out == root or root / "book" in (out, *out.parents):
        raise PermissionError(f"--out {out}: the course directory must not be the book or lie inside book/")
    notebooks = {p.stem: p for p in book_notebooks(root)}
    wanted = list(chapters) if chapters else [s for s, p in notebooks.items()
                                              if exercises(nbformat.read(p, as_version=4))]
    unknown = sorted(set(wanted) - set(notebooks))
    if unknown:
        raise ValueError(f"chapters: unknown {unknown}; known: {sorted(notebooks)}")
    config = out / "nbgrader_config.py"
    if config.exists() and not config.read_text().startswith(CONFIG_MARKER):
        raise PermissionError(f"{config} was not written by this tool (its first line is not "
                              f"{CONFIG_MARKER!r}): refusing to replace it")
    out.mkdir(parents=True, exist_ok=True)
    config.write_text(_CONFIG.format(course_id=course_id, timeout=int(timeout)))
    report = {}
    for stem in wanted:
        nb, points = nbgrader_notebook(nbformat.read(notebooks[stem], as_version=4))
        target = out / "source" / stem / f"{stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        report[stem] = points
        log(f"{stem}: {len(points)} exercises, {sum(points.values())} points -> {target.relative_to(out)}")
    return report
