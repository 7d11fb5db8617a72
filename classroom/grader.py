"""The plain grader: a folder of submitted notebooks to ``grades.csv``, without nbgrader.

``python -m classroom grade FOLDER [--out CSV] [--time-limit S]`` (``make grade
SUBMISSIONS=FOLDER``). FOLDER holds one subfolder per student (or one
``<student>.zip``, as a course page's download gives), with that student's
notebooks named as the book's chapters (``04_lstm.ipynb``; a name that starts
with the chapter's number, ``04_lstm (1).ipynb``, is matched too).

Each notebook is graded on its own, and nothing it does stops the run:

* its code cells run in a fresh kernel, from the notebook's folder; stored
  outputs are never read (they could be typed by hand). A cell that raises
  is recorded and the next runs; the student's cells share a time limit
  (``--time-limit``, per notebook): a cell still running when it is used up
  is interrupted (the kernel is shut down if it does not stop) and the rest
  of the student's cells are skipped;
* then the grader's own cells run, one per coding exercise of that chapter
  (from the book, not from the submission: deleted or renamed cells change
  nothing), each with its own time limit: :func:`classroom.verify.verdict`
  with a freshly imported rnnlib, on the book's cases and on seeded extra
  cases, refusing wrappers around the rnnlib function the exercise asks for.
  The verdicts travel in a file whose name the student's code cannot know;
* an exercise earns its points (from the Points line) when the checker
  passes, else 0; a notebook that is not valid JSON, a dead kernel, a
  function that never finishes: 0 points with a verdict saying so.

The CSV has one row per student and coding exercise: ``student, exercise,
points, verdict``; a chapter some students handed in and others did not
gets "not handed in" rows for the others.
"""

import csv
import json
import os
import re
import secrets
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

from classroom.contract import DEFAULT_POINTS, book_notebooks, exercises

__all__ = ["Exercise", "chapter_exercises", "grade_notebook", "grade_folder", "FIELDS"]

#: Columns of grades.csv.
FIELDS = ("student", "exercise", "points", "verdict")
#: Seconds one grader cell (the checks of one exercise) may take.
CHECK_TIME_LIMIT = 120.0
#: Seconds an interrupted kernel gets to answer again before it is shut down.
INTERRUPT_GRACE = 10.0


class Exercise:
    """A coding exercise as the grader needs it: label, checker, the student's function, points, seed."""

    def __init__(self, label, checker, function, points, seed):
        self.label, self.checker, self.function, self.points, self.seed = label, checker, function, points, seed

    def __repr__(self):
        return f"Exercise({self.label!r}, check.{self.checker}({self.function}), {self.points} points)"


def chapter_exercises(root):
    """The coding exercises of every chapter of the book at ``root``: a dict stem -> list of Exercise."""
    from classroom.nbgrader_export import hidden_seed

    chapters = {}
    for path in book_notebooks(root):
        found = [ex for ex in exercises(nbformat.read(path, as_version=4)) if ex.coding and ex.checker and ex.label]
        if found:
            chapters[path.stem] = [Exercise(ex.label, ex.checker, ex.function or f"my_{ex.checker}",
                                            ex.points or DEFAULT_POINTS, hidden_seed(ex.label)) for ex in found]
    return chapters


def _grader_cell(ex, result_file):
    """The source of the cell that grades one exercise in the student's kernel."""
    return (
        "import sys as _grader_sys\n"
        "for _grader_name in [m for m in _grader_sys.modules if m.split('.')[0] == 'classroom']:\n"
        "    del _grader_sys.modules[_grader_name]\n"
        "from classroom.verify import verdict as _grader_verdict\n"
        f"_grader_fn = globals().get({ex.function!r})\n"
        "_grader_result = ((False, 'no function `" + ex.function + "` is defined after running the notebook "
        "(its cell was deleted, renamed or failed)') if _grader_fn is None else "
        f"_grader_verdict({ex.checker!r}, _grader_fn, seed={ex.seed}))\n"
        f"with __import__('io').open({str(result_file)!r}, 'a', encoding='utf-8') as _grader_out:\n"
        f"    _grader_out.write(__import__('json').dumps({{'label': {ex.label!r}, 'passed': bool(_grader_result[0]),"
        " 'message': str(_grader_result[1])}) + '\\n')\n"
    )


def _rows(student, chapter, verdicts):
    return [{"student": student, "exercise": ex.label, "points": points, "verdict": verdict}
            for ex, points, verdict in verdicts]


def grade_notebook(path, chapter_exs, time_limit=300.0, kernel_name="python3", log=print):
    """Grade one submitted notebook: a list of (Exercise, points, verdict).

    Parameters
    ----------
    path : path
        The submitted notebook.
    chapter_exs : list of Exercise
        The coding exercises of its chapter.
    time_limit : float
        Seconds the student's cells may run in all.
    kernel_name : str
    log : callable
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    path = Path(path)
    try:
        submitted = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook: graded, reported, and the run goes on
        reason = f"the notebook could not be read ({_describe(exc)})"
        return [(ex, 0, reason) for ex in chapter_exs]
    code = [nbformat.v4.new_code_cell(c.source) for c in submitted.cells
            if c.get("cell_type") == "code" and isinstance(c.get("source"), str)]
    with tempfile.TemporaryDirectory() as tmp:
        result_file = Path(tmp) / f"verdicts-{secrets.token_hex(16)}.jsonl"
        graders = [nbformat.v4.new_code_cell(_grader_cell(ex, result_file)) for ex in chapter_exs]
        nb = nbformat.v4.new_notebook(cells=code + graders)
        client = NotebookClient(nb, timeout=time_limit, kernel_name=kernel_name, allow_errors=True,
                                interrupt_on_timeout=False, resources={"metadata": {"path": str(path.parent)}})
        notes, stopped = [], None
        try:
            with client.setup_kernel():
                deadline = time.monotonic() + time_limit
                for index, cell in enumerate(code):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        notes.append(f"cells {index + 1}-{len(code)} were not run (time limit {time_limit:g} s)")
                        break
                    client.timeout = max(1, int(remaining))
                    try:
                        client.execute_cell(cell, index)
                    except CellTimeoutError:
                        if _interrupt(client):
                            notes.append(f"code cell {index + 1} was stopped at the time limit ({time_limit:g} s)")
                        else:
                            stopped = f"code cell {index + 1} ran past the time limit ({time_limit:g} s) and " \
                                      "would not stop"
                        break
                    if any(o.get("output_type") == "error" for o in cell.outputs):
                        error = next(o for o in cell.outputs if o.get("output_type") == "error")
                        notes.append(f"code cell {index + 1} raised {error.get('ename', 'an error')}")
                for k, cell in enumerate(graders):
                    if stopped:
                        break
                    client.timeout = int(CHECK_TIME_LIMIT)
                    try:
                        client.execute_cell(cell, len(code) + k)
                    except CellTimeoutError:
                        _append(result_file, chapter_exs[k].label, False,
                                f"the checks did not finish within {CHECK_TIME_LIMIT:g} s (does "
                                f"`{chapter_exs[k].function}` loop forever?)")
                        if not _interrupt(client):
                            stopped = "the kernel would not stop after a check ran past its time limit"
        except DeadKernelError:
            stopped = stopped or "the kernel died while running the notebook"
        except Exception as exc:  # a kernel that would not start, or nbclient's own trouble: still a verdict
            stopped = stopped or f"the notebook could not be run ({_describe(exc)})"
        found = {}
        if result_file.is_file():
            for line in result_file.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                found.setdefault(record["label"], record)
    note = f" [{'; '.join(notes)}]" if notes else ""
    verdicts = []
    for ex in chapter_exs:
        record = found.get(ex.label)
        if record is None:
            verdicts.append((ex, 0, (stopped or "the grader's check did not run") + note))
        else:
            verdicts.append((ex, ex.points if record["passed"] else 0, record["message"] + note))
    log(f"  {path.name}: {sum(v[1] for v in verdicts)}/{sum(ex.points for ex in chapter_exs)} points"
        + (f" ({'; '.join(notes)})" if notes else "") + (f" ({stopped})" if stopped else ""))
    return verdicts


def _describe(exc):
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:120]}" if lines else type(exc).__name__


def _interrupt(client):
    """Interrupt the kernel; True if it answers again, else shut it down and return False."""
    import inspect

    from jupyter_core.utils import run_sync

    def call(method, **kwargs):  # nbclient's kernel manager is asynchronous
        return run_sync(method)(**kwargs) if inspect.iscoroutinefunction(method) else method(**kwargs)

    try:
        call(client.km.interrupt_kernel)
        client.timeout = int(INTERRUPT_GRACE)
        client.execute_cell(nbformat.v4.new_code_cell("pass"), 0)
        return True
    except Exception:  # noqa: BLE001 - no answer (timeout, dead kernel, ...): the kernel is gone
        try:
            call(client.km.shutdown_kernel, now=True)
        except Exception:  # noqa: BLE001 - already dead is fine
            pass
        return False


def _append(result_file, label, passed, message):
    with open(result_file, "a", encoding="utf-8") as out:
        out.write(json.dumps({"label": label, "passed": passed, "message": message}) + "\n")


def _submissions(folder, tmp, chapters=()):
    """(student, notebook path) pairs: subfolders and .zip files of ``folder``, and notebooks lying in it
    whose name holds a chapter's name after the student's (``smith_jane_04_lstm.ipynb``, as some course
    pages name their downloads)."""
    pairs = []
    for entry in sorted(Path(folder).iterdir()):
        if entry.is_file() and entry.suffix == ".ipynb":
            stem = next((s for s in chapters if s in entry.stem and entry.stem.index(s) > 0), None)
            student = entry.stem[:entry.stem.index(stem)].strip("_- .") if stem else ""
            if student:
                pairs.append((student, entry))
        elif entry.is_dir():
            pairs += [(entry.name, nb) for nb in sorted(entry.rglob("*.ipynb")) if ".ipynb_checkpoints" not in nb.parts]
        elif entry.suffix == ".zip":
            target = Path(tmp) / entry.stem
            with zipfile.ZipFile(entry) as archive:
                for member in archive.infolist():  # no absolute paths or .. escapes
                    name = Path(member.filename)
                    if member.is_dir() or name.is_absolute() or ".." in name.parts or name.suffix != ".ipynb":
                        continue
                    (target / name).parent.mkdir(parents=True, exist_ok=True)
                    (target / name).write_bytes(archive.read(member))
            pairs += [(entry.stem, nb) for nb in sorted(target.rglob("*.ipynb"))]
    return pairs


def _chapter_of(path, chapters):
    if path.stem in chapters:
        return path.stem
    inside = next((stem for stem in chapters if stem in path.stem), None)
    if inside:
        return inside
    m = re.match(r"(\d+)_", path.name)
    if m:
        return next((stem for stem in chapters if stem.startswith(m.group(1) + "_")), None)
    return None


def grade_folder(folder, root, out, time_limit=300.0, log=print):
    """Grade every submission in ``folder`` against the book at ``root``; write the CSV ``out``.

    Returns
    -------
    list of dict
        The rows written (keys: ``FIELDS``).

    Raises
    ------
    FileNotFoundError
        If ``folder`` is not a folder.
    PermissionError
        If ``out`` exists and is not a grades file this tool wrote.
    """
    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise FileNotFoundError(f"folder: {folder} is not a folder of submissions")
    if out.exists() and out.read_text(encoding="utf-8", errors="ignore").splitlines()[:1] != [",".join(FIELDS)]:
        raise PermissionError(f"--out {out} exists and is not a grades.csv written by this tool: not replacing it")
    chapters = chapter_exercises(root)
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(Path(root).resolve()), env_path]) if env_path \
        else str(Path(root).resolve())  # the kernels import classroom and rnnlib from the book
    rows, handed = [], {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for student, path in _submissions(folder, tmp, chapters):
                chapter = _chapter_of(path, chapters)
                if chapter is None:
                    log(f"{student}: {path.name} is no chapter with coding exercises: skipped")
                    continue
                if chapter in handed.setdefault(student, set()):
                    log(f"{student}: a second {chapter} notebook ({path.name}) is skipped")
                    continue
                handed[student].add(chapter)
                log(f"{student}: {chapter}")
                rows += _rows(student, chapter, grade_notebook(path, chapters[chapter], time_limit, log=log))
    finally:
        os.environ["PYTHONPATH"] = env_path
        if not env_path:
            del os.environ["PYTHONPATH"]
    seen_chapters = set().union(*handed.values()) if handed else set()
    for student in sorted(handed):
        for chapter in sorted(seen_chapters - handed[student]):
            rows += _rows(student, chapter, [(ex, 0, "not handed in") for ex in chapters[chapter]])
    rows.sort(key=lambda r: (r["student"], r["exercise"]))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    log(f"{len(rows)} grades of {len(handed)} students -> {out}")
    return rows
