"""Grading one function with checkers that no student code has touched.

The graders (the hidden part of an nbgrader test cell, the plain grader's
own cells) run after the student's code in the student's kernel, where that
code may have replaced a checker (``check.lstm_step = lambda fn: True``) or
the reference it compares with (``LSTM.step``). :func:`verdict` therefore
imports ``rnnlib`` afresh from its files for the time of the check (the
student's modules are put back afterwards), runs the fresh checker quietly
on the book's cases and, with a seed, on other random inputs too, and reads
the result's ``passed`` attribute of the fresh ``CheckResult`` class. The
rnnlib functions the exercise asks for stay forbidden in both copies, so a
wrapper around the student's own import of ``LSTM.step`` is refused.

Limits: the student's code runs in the same Python process; a student who
rewrites numpy or Python's builtins there can defeat any in-kernel check.
"""

import contextlib
import importlib
import inspect
import sys

__all__ = ["verdict", "verify"]


def _is_rnnlib(name):
    return name == "rnnlib" or name.startswith("rnnlib.")


@contextlib.contextmanager
def _fresh_rnnlib():
    """Import rnnlib afresh inside the block; the student's rnnlib modules come back afterwards."""
    saved = {name: module for name, module in sys.modules.items() if _is_rnnlib(name)}
    for name in saved:
        del sys.modules[name]
    try:
        yield importlib.import_module("rnnlib.check")
    finally:
        for name in [name for name in sys.modules if _is_rnnlib(name)]:
            del sys.modules[name]
        sys.modules.update(saved)


def _old_function(modules, path):
    """The function at ``path`` among the student's modules (``modules``), or None."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        obj = modules.get(".".join(parts[:cut]))
        if obj is None:
            continue
        try:
            for attr in parts[cut:]:
                obj = inspect.getattr_static(obj, attr) if inspect.isclass(obj) else getattr(obj, attr)
                obj = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
        except AttributeError:
            return None
        return obj if inspect.isfunction(obj) else None
    return None


def verdict(checker, fn, seed=None):
    """Run checker ``checker`` of a freshly imported rnnlib on ``fn``.

    Parameters
    ----------
    checker : str
        A name of ``rnnlib.check.CHECKERS`` (``"lstm_step"``).
    fn : object
        The student's function (anything: a missing function is a failure).
    seed : int, optional
        Also run the checks on other random inputs drawn from this seed.

    Returns
    -------
    passed : bool
    message : str
        The checker's sentence (the first failing run's, else the last run's).
    """
    student_modules = {name: m for name, m in sys.modules.items() if _is_rnnlib(name)}
    with _fresh_rnnlib() as check:
        if checker not in check.CHECKERS:
            return False, f"rnnlib.check has no checker {checker!r}"
        run = check.CHECKERS[checker]
        also = [(path.split(".", 2)[-1], _old_function(student_modules, path)) for path in run.spec.forbid]
        check.engine.ALSO_FORBIDDEN[:] = [(label, f) for label, f in also if f is not None]
        try:
            results = [run(fn, quiet=True)]
            if seed is not None and results[0].passed is True:
                results.append(run(fn, seed=seed, quiet=True))
        except BaseException as exc:  # noqa: BLE001 - a grader reports, it does not crash
            return False, f"the checker could not run your function ({type(exc).__name__}: {exc})"
        finally:
            check.engine.ALSO_FORBIDDEN.clear()
        result_type = check.CheckResult
    for result in results:
        if type(result) is not result_type or result.passed is not True:
            return False, str(getattr(result, "message", result))
    return True, results[-1].message


def verify(checker, fn, seed=None):
    """Like :func:`verdict`, but raise AssertionError with the checker's message unless it passed.

    This is what the hidden part of an nbgrader test cell runs. It returns
    None: a value would become the cell's result, which nbgrader would try to
    read as partial credit.
    """
    passed, message = verdict(checker, fn, seed)
    if not passed:
        raise AssertionError(message)
