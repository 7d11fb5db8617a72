"""Automatic checkers for the book's coding exercises.

A coding exercise gives a function template named ``my_<name>`` whose body
is ``raise NotImplementedError("your code here")`` and then calls the
checker of the same name with the student's function itself::

    from rnnlib import check

    def my_rnn_step(x_t, h_prev, W_x, W_h, b):
        raise NotImplementedError("your code here")

    check.rnn_step(my_rnn_step)

The checker runs the function on several inputs (a typical batch, a batch of
one with ``H=1``, zeros, large values that saturate the nonlinearities,
float32), compares each result with rnnlib's own implementation and prints
one or two friendly sentences::

    All 6 checks passed: `my_rnn_step` gives rnnlib's h_t for ...
    Check 2 of 6 failed (a batch of 1, D=1, H=1): expected h_t = [[0.4621]], got [[0.9051]]. Hint: ...

Each checker returns a :class:`CheckResult`: truthy when every check passed,
its ``repr`` is the message. It does not display itself again in Jupyter
(the message is already printed); ``print(result)`` shows it.

Layout: :mod:`rnnlib.check.engine` runs the checks and words the verdicts;
one module per chapter (``ch01`` ... ) declares that chapter's checkers with
:func:`rnnlib.check.engine.checker`; :mod:`rnnlib.check.common` holds the
inputs several chapters share. Every ``chNN`` module of this package is
imported here and its checkers registered, so a new chapter's module needs
no other change.

``CHECKERS`` maps each name to its checker. The checkers and the signature
each one calls (the book's notation; time-major shapes, weights ``(out, in)``
so the book's ``W^x x_t`` is ``x_t @ W_x.T``; ``B`` batch, ``D`` input size,
``H`` hidden size):

"""
import importlib
import pkgutil

from rnnlib.check.engine import CHECKERS, CheckResult


def _chapter_modules():
    """Names of this package's chapter modules (``ch01``, ``ch02``, ...), sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ch"))


for _module in _chapter_modules():
    importlib.import_module(f"{__name__}.{_module}")

globals().update(CHECKERS)
__all__ = ["CHECKERS", "CheckResult", *CHECKERS]
__doc__ += "\n".join(
    f"* ``{name}``: ``{fn.spec.signature}`` ({fn.spec.chapter})" for name, fn in CHECKERS.items()
) + "\n"
del _module
