"""The command line of the teachers' tools (run from the repository root)::

    python -m classroom student --out DIR [--html] [--repository-url URL] [--jupyterhub-url URL]
                                [--binderhub-url URL] [--colab-url URL]      (make student)
    python -m classroom nbgrader --out DIR [--chapter 04_lstm ...]            (make nbgrader)
    python -m classroom grade FOLDER [--out grades.csv] [--time-limit S]      (make grade)
    python -m classroom validate [NOTEBOOK ...]
    python -m classroom exercises

Every command takes ``--root ROOT`` (the book; default: found from the
current folder). Exit status: 0 done, 1 problems found or a build failed,
2 refused (a folder this tool must not write into) or bad arguments.
"""

import argparse
import sys
from pathlib import Path

import nbformat

from classroom.contract import book_notebooks, exercises, find_root, validate
from classroom.student import LAUNCH_SETTINGS, make_student_edition

__all__ = ["main"]


def _exercise_table(root):
    lines = []
    for path in book_notebooks(root):
        found = exercises(nbformat.read(path, as_version=4))
        if not found:
            continue
        lines += [f"\n{path.name}\n", "| label | title | points | difficulty | kind |", "| --- | --- | --- | --- | --- |"]
        for ex in found:
            kind = f"coding, `check.{ex.checker}({ex.function})`" if ex.coding else "conceptual"
            points = "?" if ex.points is None else str(ex.points)
            lines.append(f"| `{ex.label}` | {ex.title} | {points} | {ex.difficulty or '?'} | {kind} |")
    return "\n".join(lines) if lines else "no exercises yet"


def _parser():
    parser = argparse.ArgumentParser(prog="python -m classroom", description="Teachers' tools for the book.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_student = sub.add_parser("student", help="write the student edition (no solutions) into --out")
    p_student.add_argument("--out", required=True, help="output folder, e.g. _build/student")
    p_student.add_argument("--html", action="store_true", help="also build its HTML book (no execution)")
    for key in LAUNCH_SETTINGS:
        p_student.add_argument("--" + key.replace("_", "-"), dest=key, default=None,
                               help=f"{'.'.join(LAUNCH_SETTINGS[key])} in the student _config.yml")
    p_nbgrader = sub.add_parser("nbgrader", help="write an nbgrader course directory into --out")
    p_nbgrader.add_argument("--out", required=True, help="the course directory, e.g. _build/nbgrader")
    p_nbgrader.add_argument("--chapter", action="append", default=None,
                            help="a notebook name without .ipynb (repeatable); default: every chapter with exercises")
    p_nbgrader.add_argument("--course-id", default="recurrent-networks")
    p_grade = sub.add_parser("grade", help="grade a folder of submitted notebooks into a CSV")
    p_grade.add_argument("folder", help="one subfolder (or .zip) of notebooks per student")
    p_grade.add_argument("--out", default=None, help="the CSV to write (default: FOLDER/grades.csv)")
    p_grade.add_argument("--time-limit", type=float, default=300.0,
                         help="seconds the code of one notebook may run (default 300)")
    p_validate = sub.add_parser("validate", help="check the exercise structure of the notebooks")
    p_validate.add_argument("notebooks", nargs="*", help="default: every notebook of book/")
    p_table = sub.add_parser("exercises", help="print a markdown table of the exercises")
    for p in (p_student, p_nbgrader, p_grade, p_validate, p_table):
        p.add_argument("--root", default=None, help="the book's root (default: found from the current folder)")
    return parser


def main(argv=None):
    """Entry point of ``python -m classroom``; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        root = find_root(args.root)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return _COMMANDS[args.command](root, args)
    except PermissionError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _student(root, args):
    launch = {k: getattr(args, k) for k in LAUNCH_SETTINGS if getattr(args, k) is not None}
    make_student_edition(root, args.out, html=args.html, launch=launch)
    return 0


def _nbgrader(root, args):
    from classroom.nbgrader_export import write_course

    write_course(root, args.out, course_id=args.course_id, chapters=args.chapter)
    print(f"course directory: {Path(args.out).resolve()} (next: cd there and "
          "`nbgrader generate_assignment <chapter>`; see the teachers' guide)")
    return 0


def _grade(root, args):
    from classroom.grader import grade_folder

    out = Path(args.out) if args.out else Path(args.folder) / "grades.csv"
    grade_folder(args.folder, root, out, time_limit=args.time_limit)
    return 0


def _exercises(root, args):
    print(_exercise_table(root))
    return 0


def _validate(root, args):
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


_COMMANDS = {"student": _student, "nbgrader": _nbgrader, "grade": _grade, "exercises": _exercises,
             "validate": _validate}
