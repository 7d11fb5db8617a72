"""Every module checks its arguments with rnnlib._checks: no hand-written ``raise ValueError/TypeError``.

The vocabulary of ``rnnlib/_checks.py`` (``check_real``, ``check_option``,
``fail``, ...) words every message the one way, ``name: expected ..., got ...``.
This test reads rnnlib's source with ``ast`` and fails on a ``raise
ValueError(...)`` or ``raise TypeError(...)`` written anywhere else, unless
its file is listed below with the reason. A raise that is not an argument
check (a corrupt file, an internal state error) can call ``_checks.fail``
too (``cause=`` chains the original error); list its file here only if it
cannot.
"""

import ast
import pathlib

import pytest

import rnnlib

PACKAGE = pathlib.Path(rnnlib.__file__).parent
CHECKS = PACKAGE / "_checks.py"

#: Files allowed to keep hand-written raises, each with the reason (paths relative to rnnlib/).
ALLOWED = {}

EXCEPTIONS = ("ValueError", "TypeError")


def hand_written_raises(path):
    """``[(line, exception name)]`` of every ``raise ValueError/TypeError`` in the file at ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id in EXCEPTIONS:
                found.append((node.lineno, exc.id))
    return sorted(found)


def sources():
    return sorted(p for p in PACKAGE.rglob("*.py") if p != CHECKS)


def test_the_scanner_finds_raises_in_every_form(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f(x):\n"
        "    if x:\n"
        "        raise ValueError(f'x must be positive, got {x}')\n"
        "    raise TypeError\n"
        "def g():\n"
        "    try:\n"
        "        pass\n"
        "    except OSError as err:\n"
        "        raise ValueError('bad file') from err\n"
        "    raise KeyError('not counted')\n"
        "# raise ValueError('in a comment: not counted')\n"
        "TEXT = 'raise TypeError(...) in a string: not counted'\n"
    )
    assert hand_written_raises(probe) == [(3, "ValueError"), (4, "TypeError"), (9, "ValueError")]


def test_no_hand_written_argument_checks_outside_the_vocabulary():
    offenders = []
    for path in sources():
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in ALLOWED:
            continue
        offenders += [f"rnnlib/{rel}:{line}: raise {name}" for line, name in hand_written_raises(path)]
    assert not offenders, (
        "hand-written raises outside rnnlib/_checks.py; use its vocabulary (check_real, check_int, "
        "check_option, check_type, ..., or fail(exc, name, expected, got)) so the message reads "
        "'name: expected ..., got ...':\n" + "\n".join(offenders)
    )


@pytest.mark.parametrize("rel", sorted(ALLOWED))
def test_allowed_files_exist_and_still_need_their_entry(rel):
    path = PACKAGE / rel
    assert path.is_file(), f"rnnlib/{rel} is in ALLOWED but does not exist: remove its entry"
    assert ALLOWED[rel].strip(), f"rnnlib/{rel}: say why it may keep hand-written raises"
    assert hand_written_raises(path), f"rnnlib/{rel} has no hand-written raise left: remove its ALLOWED entry"


def test_the_vocabulary_itself_raises_only_through_fail():
    """Inside _checks.py too, every message is built by ``fail``: one place holds the wording."""
    assert hand_written_raises(CHECKS) == []
